"""`make bench`: ClawRouter beside a raw aiohttp pass-through and direct-to-upstream, measured
in one run on 127.0.0.1. Starts the fake upstream (bench/upstream.py), the raw proxy
(bench/rawproxy.py) and ClawRouter on a temporary data directory (configured through its HTTP
API, default options: billing and logging on), loads each with the same requests, stops
everything, prints one markdown table with the targets and writes bench/results/<stamp>.json.
With 2+ CPUs the proxies run on one CPU and the upstream plus load generators on another."""

from __future__ import annotations

import argparse
import contextlib
import datetime
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import gateway, report, scenarios
from bench.procs import Background, Proc, RssSampler, free_port, psutil, tree_usage
from bench.scenarios import SCENARIOS, Load, Target

REPO = Path(__file__).resolve().parent.parent
TARGET_NAMES = ("direct", "raw", "clawrouter")
UPSTREAM_KEY = "sk-upstream-bench"


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def pick_cpus(no_pin: bool) -> tuple[int | None, int | None]:
    """(load CPU, proxy CPU), or (None, None) when pinning is off or impossible."""
    if no_pin or not shutil.which("taskset") or not hasattr(os, "sched_getaffinity"):
        return None, None
    cpus = sorted(os.sched_getaffinity(0))
    return (cpus[0], cpus[1]) if len(cpus) >= 2 else (None, None)


def summary(r: dict) -> str:
    line = f"{r['rps']:>9,.1f}/s  p50 {r['p50_ms']} ms  p99 {r['p99_ms']} ms"
    if "ttfb_p50_ms" in r:
        line += f"  first byte p50 {r['ttfb_p50_ms']} ms"
    return line + f"  errors {r['errors']}"


def measure(t: Target, proc: Proc | None, load: Load, names: list[str], up: Proc) -> dict:
    """Every scenario against one target; RSS sampled all along, CPU per chat request."""
    for stream in {n.startswith("stream") for n in names}:
        scenarios.validate(t, stream)
    background = Background([up.pid] + ([proc.pid] if proc else []))
    sampler = RssSampler(proc.pid) if proc else None
    if sampler:
        sampler.start()
    out: dict = {}
    try:
        for name in names:
            chat, many = name.startswith("chat"), name in ("chat", "stream")
            conns = (load.conns if chat else load.streams) if many else 1
            seconds = load.duration if many else load.c1_duration
            if chat:
                scenarios.warm(t, load, conns)
            cpu0 = tree_usage(proc.pid)[1] if proc else 0.0
            r = (scenarios.chat if chat else scenarios.stream)(t, load, conns, seconds)
            log(f"  {t.name:10} {name:9} {summary(r)}")
            done = r.get("all_requests", r["requests"])  # the CPU window includes any warm-up
            if proc and done:
                r["cpu_us_per_req"] = round((tree_usage(proc.pid)[1] - cpu0) * 1e6 / done, 1)
            out[name] = r
            if proc and not proc.alive():
                raise RuntimeError(f"{t.name} died during {name}:\n{proc.tail()}")
    finally:
        out["background_cpu_pct"] = background.core_percent()
        if out["background_cpu_pct"] > 10:
            log(f"  note: others used {out['background_cpu_pct']}% of a core meanwhile: noisy")
        if sampler:
            sampler.stop()
            out["rss_idle_mb"] = round(sampler.idle / 2**20, 1)
            out["rss_peak_mb"] = round(sampler.peak / 2**20, 1)
    return out


def run_target(
    name: str, a: argparse.Namespace, load: Load, cpu: int | None, up: Proc, work: Path
) -> dict:
    port, upstream = free_port(), up.url
    base = f"http://127.0.0.1:{port}"
    proc = None
    try:
        if name == "direct":
            t = Target(name, upstream, UPSTREAM_KEY)
        elif name == "raw":
            argv = [sys.executable, "-m", "bench.rawproxy", "--port", str(port)]
            proc = Proc("rawproxy", [*argv, "--upstream", upstream], work, cpu=cpu, cwd=str(REPO))
            proc.wait_http(base + "/health")
            t = Target(name, base, UPSTREAM_KEY)
        else:
            env = dict(e.split("=", 1) for e in a.gateway_env)
            data = work / "clawrouter-data"
            proc = gateway.start(port, data, work, cpu=cpu, repo=REPO, extra_env=env)
            key = gateway.configure(base, upstream)
            # Restart, so the measured process loaded everything at start-up like a long-running
            # one (a user created by /api/setup is not in the relay's memory until the next
            # periodic sync: its keys get 403 "banned" until then).
            proc.stop()
            proc = gateway.start(port, data, work, cpu=cpu, repo=REPO, extra_env=env)
            t = Target(name, base, key)
        log(f"== {name} ({t.base})")
        return measure(t, proc, load, a.scenarios, up)
    finally:
        if proc:
            proc.stop()


def versions() -> dict[str, str]:
    import aiohttp

    import clawrouter

    v = {"clawrouter": clawrouter.__version__, "aiohttp": aiohttp.__version__}
    try:
        import uvloop

        v["uvloop"] = uvloop.__version__
    except ImportError:
        v["uvloop"] = "not installed"
    git = ["git", "-C", str(REPO), "describe", "--always", "--dirty"]
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        v["git"] = subprocess.run(git, capture_output=True, text=True, timeout=10).stdout.strip()
    return v


def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, prog="python -m bench.run")
    ap.add_argument("--duration", type=float, default=8, help="seconds per many-connection run")
    ap.add_argument("--c1-duration", type=float, default=4, help="seconds per 1-connection run")
    ap.add_argument("--warmup", type=float, default=1, help="discarded seconds before each run")
    ap.add_argument("--conns", type=int, default=64, help="chat connections (default 64)")
    ap.add_argument("--streams", type=int, default=32, help="concurrent streams (default 32)")
    ap.add_argument("--chunks", type=int, default=20, help="content chunks per upstream answer")
    ap.add_argument("--interval-ms", type=float, default=5, help="upstream delay between chunks")
    ap.add_argument("--scenarios", default=",".join(SCENARIOS), help="comma list of %(default)s")
    ap.add_argument("--targets", default="direct,raw,clawrouter", help="comma list of %(default)s")
    ap.add_argument(
        "--load",
        choices=("auto", "wrk", "aiohttp"),
        default="auto",
        help="chat load generator: wrk when installed (auto), or bench/load.py",
    )
    ap.add_argument("--no-pin", action="store_true", help="do not pin processes to CPUs")
    ap.add_argument(
        "--gateway-env",
        action="append",
        default=[],
        metavar="VAR=VALUE",
        help="extra environment for ClawRouter, e.g. CLAWROUTER_LOGGING_ACCESS_LOG=false",
    )
    ap.add_argument("--keep", action="store_true", help="keep the temporary data and logs")
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "results")
    a = ap.parse_args()
    a.scenarios = [s for s in a.scenarios.split(",") if s]
    a.targets = [t for t in a.targets.split(",") if t]
    for s in a.scenarios:
        if s not in SCENARIOS:
            ap.error(f"unknown scenario {s!r}; choose from {', '.join(SCENARIOS)}")
    for t in a.targets:
        if t not in TARGET_NAMES:
            ap.error(f"unknown target {t!r}; choose from {', '.join(TARGET_NAMES)}")
    if a.load == "wrk" and not scenarios.wrk_available():
        ap.error("--load wrk: wrk is not installed (apt-get install wrk)")
    for e in a.gateway_env:
        if "=" not in e:
            ap.error(f"--gateway-env {e!r}: expected VAR=VALUE")
    return a


def run_all(a: argparse.Namespace, load: Load, cpus: tuple, work: Path) -> tuple[dict, bool]:
    """Start the upstream, measure every target (ClawRouter first: if it cannot start or
    answer, that shows before a minute is spent on the others), stop the upstream."""
    load_cpu, proxy_cpu = cpus
    port = free_port()
    upstream = f"http://127.0.0.1:{port}"
    argv = [sys.executable, "-m", "bench.upstream", "--port", str(port)]
    argv += ["--chunks", str(a.chunks), "--interval-ms", str(a.interval_ms)]
    results: dict[str, dict] = {}
    failed = False
    up = Proc("upstream", argv, work, cpu=load_cpu, cwd=str(REPO), url=upstream)
    try:
        up.wait_http(upstream + "/health")
        for name in sorted(a.targets, key=lambda n: n != "clawrouter"):
            try:
                results[name] = run_target(name, a, load, proxy_cpu, up, work)
            except (RuntimeError, OSError, subprocess.SubprocessError) as e:
                failed = True
                log(f"!! {name} failed: {e}")
                results[name] = {"error": str(e)[:2000]}
    finally:
        up.stop()
    return results, failed


def main() -> int:
    a = parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the finally blocks
    load_cpu, proxy_cpu = pick_cpus(a.no_pin)
    use_wrk = a.load == "wrk" or (a.load == "auto" and scenarios.wrk_available())
    load = Load(a.duration, a.c1_duration, a.warmup, a.conns, a.streams, load_cpu, use_wrk)
    if a.load == "auto" and not use_wrk:
        log("wrk not found (apt-get install wrk): chat load comes from bench/load.py instead")
    pin = f"proxies on CPU {proxy_cpu}, upstream + load on CPU {load_cpu}"
    pin = pin if proxy_cpu is not None else "no CPU pinning"
    log(f"chat load: {load.chat_tool}; {pin}")
    if psutil is None:
        log("psutil not installed: reading RSS/CPU from /proc")
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="clawrouter-bench-"))
    keep = a.keep
    try:
        results, failed = run_all(a, load, (load_cpu, proxy_cpu), work)
        keep = keep or failed
        record = {
            "stamp": stamp,
            "seconds": round(time.monotonic() - started, 1),
            "machine": report.machine(),
            "versions": versions(),
            "chat_load": load.chat_tool,
            "pinning": {"proxy_cpu": proxy_cpu, "load_cpu": load_cpu},
            "settings": {k: v for k, v in vars(a).items() if k != "out"},
            "targets": report.TARGETS,
            "results": results,
            "verdicts": report.verdicts(results),
            "table": report.table(results, a.conns, a.streams),
        }
        out = a.out / f"{stamp}.json"
        report.write_json(out, record)
        m = record["machine"]
        print(
            f"\nClawRouter benchmark {stamp}: {m['cpus']} CPUs ({m.get('cpu_model', '?')}),"
            f" Python {m['python']}; chat load: {load.chat_tool}; {pin}\n"
        )
        print(record["table"])
        log(f"\nresults: {out} ({record['seconds']} s)")
        return 1 if failed else 0
    finally:
        if keep:
            log(f"logs and data kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
