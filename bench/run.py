"""`make bench`: ClawRouter beside a raw aiohttp pass-through and direct-to-upstream, measured
in one run on 127.0.0.1. Starts the fake upstream (bench/upstream.py), the raw proxy
(bench/rawproxy.py) and ClawRouter on a temporary data directory (configured through its HTTP
API, default options: billing and logging on), loads each with the same requests in each wire
format (bench/scenarios.py) for --rounds rounds, the targets in a rotated order each round,
stops everything, prints markdown tables of each metric's median over the rounds with issue
#15's targets (PASS / FAIL) and each round's spread, and writes bench/results/<stamp>.json.
With 2+ CPUs the proxies run on one CPU and the upstream plus load generators on another.
--workers N and --targets clawrouter-pg add the scaling set-ups (bench/scaling.py), measured on
chat throughput."""

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
from dataclasses import dataclass
from pathlib import Path

from bench import gateway, report, rounds, scaling, scenarios
from bench.measure import Measured, log
from bench.procs import Proc, free_port, psutil
from bench.scenarios import FORMATS, SCENARIOS, Load, Target

REPO = Path(__file__).resolve().parent.parent
TARGET_NAMES = ("direct", "raw", "clawrouter")
PG_TARGET = "clawrouter-pg"
UPSTREAM_KEY = "sk-upstream-bench"


@dataclass(frozen=True)
class Cpus:
    """Where things run: the load generators and the upstream on `load`, a proxy on `proxy`,
    N gateway workers on the CPUs other than `load` (all of them, when there are too few)."""

    load: int | None
    proxy: int | None
    others: tuple[int, ...] = ()

    @classmethod
    def pick(cls, no_pin: bool) -> Cpus:
        if no_pin or not shutil.which("taskset") or not hasattr(os, "sched_getaffinity"):
            return cls(None, None)
        cpus = sorted(os.sched_getaffinity(0))
        return cls(cpus[0], cpus[1], tuple(cpus[1:])) if len(cpus) >= 2 else cls(None, None)

    def workers(self, n: int) -> str | None:
        if self.proxy is None:
            return None
        return ",".join(str(c) for c in self.others[: max(n, 1)])


def _gateway(
    a: argparse.Namespace, port: int, upstream: str, cpu, work: Path, env: dict, args: list[str]
) -> tuple[Proc, str]:
    data = work / f"data-{port}"
    env = {**dict(e.split("=", 1) for e in a.gateway_env), **env}
    proc = gateway.start(port, data, work, cpu=cpu, repo=REPO, extra_env=env, args=args)
    key = gateway.configure(f"http://127.0.0.1:{port}", upstream)
    # Restart, so the measured process loaded everything at start-up like a long-running one
    # (a user created by /api/setup is not in the relay's memory until the next periodic
    # sync: its keys get 403 "banned" until then).
    proc.stop()
    return gateway.start(port, data, work, cpu=cpu, repo=REPO, extra_env=env, args=args), key


class Started:
    """The processes one target needs (none for direct), stopped by stop()."""

    def __init__(self) -> None:
        self.proc: Proc | None = None
        self.services: scaling.PgRedis | None = None

    def start(self, name: str, a: argparse.Namespace, cpus: Cpus, up: Proc, work: Path) -> Target:
        port, upstream = free_port(), up.url
        base = f"http://127.0.0.1:{port}"
        if name == "direct":
            return Target(name, upstream, UPSTREAM_KEY)
        if name == "raw":
            argv = [sys.executable, "-m", "bench.rawproxy", "--port", str(port)]
            argv += ["--upstream", upstream]
            self.proc = Proc("rawproxy", argv, work, cpu=cpus.proxy, cwd=str(REPO))
            self.proc.wait_http(base + "/health")
            return Target(name, base, UPSTREAM_KEY)
        env: dict = {}
        args: list[str] = []
        cpu = cpus.proxy
        if name == PG_TARGET:
            self.services = scaling.PgRedis(work)
            env = self.services.start()
        elif name != "clawrouter":
            n = int(name.rpartition("-w")[2])
            args, cpu = ["--workers", str(n)], cpus.workers(n)
        self.proc, key = _gateway(a, port, upstream, cpu, work, env, args)
        return Target(name, base, key)

    def stop(self) -> None:
        if self.proc:
            self.proc.stop()
        if self.services is not None:
            self.services.stop()


def measure_interleaved(
    names: list[str], a: argparse.Namespace, load: Load, cpus: Cpus, up: Proc, work: Path
) -> tuple[dict, bool]:
    """direct, raw and ClawRouter side by side: all started, then each scenario run on each in
    turn, --rounds times, the order rotated each round (clawrouter, raw, direct; raw, direct,
    clawrouter; ...), so a drift in the machine's load hits the columns of a row alike and
    none always goes first."""
    results: dict[str, dict] = {}
    runs: dict[str, Measured] = {}
    started: list[Started] = []
    failed = False
    try:
        for name in names:
            st = Started()
            started.append(st)
            try:
                t = st.start(name, a, cpus, up, work)
                log(f"== {name} ({t.base})")
                runs[name] = Measured(t, st.proc, a.scenarios)
            except (RuntimeError, OSError, subprocess.SubprocessError) as e:
                failed = True
                log(f"!! {name} failed: {e}")
                results[name] = {"error": str(e)[:2000]}
        pids = [up.pid] + [m.proc.pid for m in runs.values() if m.proc]
        for scenario in a.scenarios:
            for i in range(a.rounds):
                for name in [n for n in rounds.order(names, i) if n in runs]:
                    try:
                        runs[name].scenario(scenario, load, pids, f"{i + 1}/{a.rounds}")
                    except (RuntimeError, OSError, subprocess.SubprocessError) as e:
                        failed = True
                        log(f"!! {name} failed: {e}")
                        results[name] = {"error": str(e)[:2000]}
                        del runs[name]
    finally:
        for name, m in runs.items():
            results[name] = m.finish()
        for st in started:
            st.stop()
    return results, failed


def run_target(
    name: str, a: argparse.Namespace, load: Load, cpus: Cpus, up: Proc, work: Path
) -> dict:
    """A scaling set-up (workers, PostgreSQL + Redis), alone: chat throughput only (--rounds
    runs, medians reported)."""
    st = Started()
    try:
        t = st.start(name, a, cpus, up, work)
        log(f"== {name} ({t.base})")
        m = Measured(t, st.proc, ["chat"])
        pids = [up.pid] + ([st.proc.pid] if st.proc else [])
        try:
            for i in range(a.rounds):
                m.scenario("chat", load, pids, f"{i + 1}/{a.rounds}")
        finally:
            out = m.finish()
        return out
    finally:
        st.stop()


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
    ap.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="runs of each scenario per target, the targets' order rotated each round; each "
        "metric is the median over the rounds (default 3: a whole run takes about 9 min)",
    )
    ap.add_argument(
        "--duration", type=float, default=3, help="seconds per many-connection run, per round (3)"
    )
    ap.add_argument(
        "--c1-duration", type=float, default=2, help="seconds per 1-connection run, per round (2)"
    )
    ap.add_argument(
        "--warmup", type=float, default=1, help="discarded seconds before each run, each round (1)"
    )
    ap.add_argument("--conns", type=int, default=64, help="chat connections (default 64)")
    ap.add_argument("--streams", type=int, default=32, help="concurrent streams (default 32)")
    ap.add_argument("--chunks", type=int, default=20, help="content chunks per upstream answer")
    ap.add_argument("--interval-ms", type=float, default=5, help="upstream delay between chunks")
    ap.add_argument("--scenarios", default=",".join(SCENARIOS), help="comma list of %(default)s")
    ap.add_argument(
        "--formats", default="", help=f"only these formats' scenarios: {', '.join(FORMATS)}"
    )
    ap.add_argument(
        "--targets",
        default="direct,raw,clawrouter",
        help=f"comma list of %(default)s and {PG_TARGET} (PostgreSQL + Redis)",
    )
    ap.add_argument(
        "--workers",
        default="",
        metavar="N[,N...]",
        help="also measure chat throughput with `python -m clawrouter --workers N` (e.g. 1,2)",
    )
    ap.add_argument(
        "--load",
        choices=("auto", "wrk", "aiohttp"),
        default="auto",
        help="non-stream load generator: wrk when installed (auto), or bench/load.py",
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
    if a.rounds < 1:
        ap.error("--rounds: 1 or more")
    a.scenarios = [s for s in a.scenarios.split(",") if s]
    a.targets = [t for t in a.targets.split(",") if t]
    for s in a.scenarios:
        if s not in SCENARIOS:
            ap.error(f"unknown scenario {s!r}; choose from {', '.join(SCENARIOS)}")
    formats = [f for f in a.formats.split(",") if f]
    for f in formats:
        if f not in FORMATS:
            ap.error(f"unknown format {f!r}; choose from {', '.join(FORMATS)}")
    if formats:
        a.scenarios = [s for s in a.scenarios if SCENARIOS[s].fmt.name in formats]
    for t in a.targets:
        if t not in (*TARGET_NAMES, PG_TARGET):
            ap.error(f"unknown target {t!r}; choose from {', '.join(TARGET_NAMES)}, {PG_TARGET}")
    try:
        workers = [int(n) for n in a.workers.split(",") if n.strip()]
    except ValueError:
        ap.error(f"--workers {a.workers!r}: expected numbers such as 1,2")
    if any(n < 1 for n in workers):
        ap.error("--workers: each N must be 1 or more")
    a.targets += [f"clawrouter-w{n}" for n in workers]
    if a.load == "wrk" and not scenarios.wrk_available():
        ap.error("--load wrk: wrk is not installed (apt-get install wrk)")
    for e in a.gateway_env:
        if "=" not in e:
            ap.error(f"--gateway-env {e!r}: expected VAR=VALUE")
    return a


def _skip_reason(name: str) -> str | None:
    if name == PG_TARGET:
        return scaling.pg_missing()
    if name.startswith("clawrouter-w") and not scaling.workers_supported(REPO):
        return "--workers: not supported by this build"
    return None


def run_all(a: argparse.Namespace, load: Load, cpus: Cpus, work: Path) -> tuple[dict, bool]:
    """Start the upstream; measure direct, raw and ClawRouter interleaved (ClawRouter started
    first: if it cannot start or answer, that shows before the others), then the scaling
    set-ups one at a time; stop the upstream."""
    port = free_port()
    upstream = f"http://127.0.0.1:{port}"
    argv = [sys.executable, "-m", "bench.upstream", "--port", str(port)]
    argv += ["--chunks", str(a.chunks), "--interval-ms", str(a.interval_ms)]
    results: dict[str, dict] = {}
    failed = False
    up = Proc("upstream", argv, work, cpu=cpus.load, cwd=str(REPO), url=upstream)
    try:
        up.wait_http(upstream + "/health")
        main = [n for n in ("clawrouter", "raw", "direct") if n in a.targets]
        results, failed = measure_interleaved(main, a, load, cpus, up, work)
        for name in [n for n in a.targets if n not in TARGET_NAMES]:
            reason = _skip_reason(name)
            if reason:
                log(f"== {name}: skipped: {reason}")
                results[name] = {"skipped": reason}
                continue
            try:
                results[name] = run_target(name, a, load, cpus, up, work)
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
    cpus = Cpus.pick(a.no_pin)
    use_wrk = a.load == "wrk" or (a.load == "auto" and scenarios.wrk_available())
    load = Load(a.duration, a.c1_duration, a.warmup, a.conns, a.streams, cpus.load, use_wrk)
    if a.load == "auto" and not use_wrk:
        log("wrk not found (apt-get install wrk): chat load comes from bench/load.py instead")
    pin = f"proxies on CPU {cpus.proxy}, upstream + load on CPU {cpus.load}"
    pin = pin if cpus.proxy is not None else "no CPU pinning"
    log(f"non-stream load: {load.chat_tool}; {pin}")
    if psutil is None:
        log("psutil not installed: reading RSS/CPU from /proc")
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="clawrouter-bench-"))
    keep = a.keep
    try:
        results, failed = run_all(a, load, cpus, work)
        keep = keep or failed
        formats = [f for f in FORMATS if any(SCENARIOS[s].fmt.name == f for s in a.scenarios)]
        extra = [t for t in a.targets if t not in TARGET_NAMES]
        tables = report.table(results, a.conns, a.streams)
        tables += "\n\n" + report.rounds_note(vars(a))
        if extra:
            tables += "\n\n" + report.scaling_table(results, extra)
        record = {
            "stamp": stamp,
            "seconds": round(time.monotonic() - started, 1),
            "machine": report.machine(),
            "versions": versions(),
            "chat_load": load.chat_tool,
            "pinning": {"proxy_cpu": cpus.proxy, "load_cpu": cpus.load},
            "settings": {k: v for k, v in vars(a).items() if k != "out"},
            "targets": report.TARGETS,
            "results": results,
            "verdicts": report.verdicts(results, formats),
            "table": tables,
        }
        out = a.out / f"{stamp}.json"
        report.write_json(out, record)
        m = record["machine"]
        print(
            f"\nClawRouter benchmark {stamp}: {m['cpus']} CPUs ({m.get('cpu_model', '?')}),"
            f" Python {m['python']}; non-stream load: {load.chat_tool}; {pin}\n"
        )
        print(tables)
        log(f"\nresults: {out} ({record['seconds']} s)")
        return 1 if failed else 0
    finally:
        if keep:
            log(f"logs and data kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
