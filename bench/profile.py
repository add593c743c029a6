"""Where a ClawRouter request's CPU goes: starts the fake upstream and a configured gateway as
`make bench` does, loads it with one scenario, samples the gateway with py-spy meanwhile
(`pip install py-spy`; sampling, so the gateway runs at full speed) and prints the functions
by own time and by inclusive time, as µs per request (share of samples × the gateway's CPU µs
per request over the same window). The collapsed stacks are kept for a flame graph
(`py-spy record --format speedscope` reads the same way; https://www.speedscope.app).

  .venv/bin/python -m bench.profile --scenario chat --seconds 15
  .venv/bin/python -m bench.profile --scenario anthropic_stream --match clawrouter/
"""

from __future__ import annotations

import argparse
import collections
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import gateway, scenarios
from bench.procs import Proc, free_port, tree_usage
from bench.run import REPO, UPSTREAM_KEY, Cpus
from bench.scenarios import SCENARIOS, Load, Target

_FRAME = re.compile(r"^(?P<func>.+?) \((?P<file>[^()]*?)(?::\d+)?\)$")


def _short(frame: str) -> str:
    """`func (path/to/module.py:12)` -> `module.py:func` (site-packages and repo paths cut)."""
    m = _FRAME.match(frame)
    if not m:
        return frame
    path = m["file"].replace("\\", "/")
    for cut in ("site-packages/", f"{REPO.as_posix()}/", "lib/python3."):
        if cut in path:
            path = path.split(cut, 1)[1]
    if path.startswith(("1", "2", "3", "4")) and "/" in path:  # lib/python3.11/asyncio/...
        path = path.split("/", 1)[1]
    return f"{path}:{m['func']}"


def parse(raw: str) -> tuple[collections.Counter, collections.Counter, int]:
    """py-spy's raw (collapsed) output -> (own samples, inclusive samples, total samples)."""
    own: collections.Counter = collections.Counter()
    incl: collections.Counter = collections.Counter()
    total = 0
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = [_short(f) for f in stack.split(";")]
        frames = [f for f in frames if not f.startswith(("process ", "thread "))]
        if not frames:
            continue
        total += n
        own[frames[-1]] += n
        for f in set(frames):
            incl[f] += n
    return own, incl, total


# The per-request budget of docs/performance.md: a sample goes to the bucket of the innermost
# frame that names one of the specific buckets (settle's pricing is "settle", the aiohttp client
# under the answer's body read is "upstream call"), else of the three broad ones at the end;
# what names none is the event loop and the rest.
BUCKETS = (
    ("upstream call (aiohttp client: send, headers, body)", ("clawrouter/relay/upstream.py:",)),
    ("request body read and parsed", ("clawrouter/relay/pipeline.py:parse_body",)),
    ("authenticate, route, price, reserve", ("clawrouter/relay/pipeline.py:start_job",)),
    ("upstream request built (convert, overrides)", ("clawrouter/relay/attempt.py:prepare_call",)),
    ("settle: usage priced, ledger, log row", ("clawrouter/relay/settlement.py:",)),
    ("stream pump (decode, usage, convert, write)", ("clawrouter/relay/streaming.py:",)),
    ("answer handled (JSON read, usage, convert)", ("clawrouter/relay/answers/",)),
    ("metrics", ("clawrouter/metrics.py:",)),
    ("access log", ("clawrouter/logs.py:",)),
    ("request id, errors (middleware)", ("clawrouter/http/middlewares.py:",)),
    (
        "relay handler, failover loop, attempt",
        (
            "clawrouter/relay/routes.py:",
            "clawrouter/relay/pipeline.py:r",  # relay, run_job
            "clawrouter/relay/attempt.py:attempt",
        ),
    ),
    ("relay, other", ("clawrouter/relay/",)),
    ("log writer (write-behind, SQLite thread)", ("clawrouter/jobs/", "aiosqlite/")),
    ("aiohttp server (parse, dispatch, write)", ("aiohttp/web_", "aiohttp/http_")),
)
OTHER = "event loop, sockets, the rest"


def budget(raw: str) -> tuple[dict[str, int], int]:
    """Samples per BUCKETS entry (plus OTHER) and the total."""
    counts = dict.fromkeys([name for name, _ in BUCKETS] + [OTHER], 0)
    total = 0
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n, frames = int(count), [_short(f) for f in stack.split(";")]
        total += n
        counts[_bucket(frames)] += n
    return counts, total


def _bucket(frames: list[str]) -> str:
    for buckets in (BUCKETS[:-3], BUCKETS[-3:]):  # the specific ones first, then the broad
        for frame in reversed(frames):
            hit = next((name for name, pats in buckets if frame.startswith(pats)), None)
            if hit:
                return hit
    return OTHER


def report(raw: str, us_per_req: float, top: int, match: str) -> str:
    own, incl, total = parse(raw)
    if not total:
        return "no samples (is py-spy allowed to read the process? try as root)"
    lines = [f"{total} samples; {us_per_req:.0f} µs of CPU per request", ""]
    counts, _ = budget(raw)
    lines.append(f"{'µs/req':>8} {'share':>6}  budget")
    for name, n in sorted(counts.items(), key=lambda kv: -kv[1]):
        lines.append(f"{n / total * us_per_req:8.1f} {n / total:6.1%}  {name}")
    lines.append("")
    for title, counter in (("own time", own), ("inclusive time", incl)):
        lines.append(f"{'µs/req':>8} {'share':>6}  {title}")
        shown = 0
        for name, n in counter.most_common():
            if match and match not in name:
                continue
            lines.append(f"{n / total * us_per_req:8.1f} {n / total:6.1%}  {name}")
            shown += 1
            if shown >= top:
                break
        lines.append("")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], prog="python -m bench.profile"
    )
    ap.add_argument("--scenario", default="chat", choices=sorted(SCENARIOS))
    ap.add_argument("--seconds", type=float, default=10, help="sampled load (default 10)")
    ap.add_argument("--rate", type=int, default=250, help="py-spy samples per second")
    ap.add_argument("--top", type=int, default=30, help="rows per list")
    ap.add_argument("--match", default="", help="only frames whose name contains this")
    ap.add_argument(
        "--gil",
        action="store_true",
        help="sample only the thread holding the GIL (drops threads waiting for it, and C work"
        " done without it, such as SQLite's in the log writer's thread)",
    )
    ap.add_argument("--conns", type=int, default=64)
    ap.add_argument("--streams", type=int, default=32)
    ap.add_argument("--out", type=Path, default=None, help="keep the collapsed stacks here")
    ap.add_argument(
        "--gateway-env", action="append", default=[], metavar="VAR=VALUE", help="as make bench"
    )
    ap.add_argument(
        "--target",
        choices=("clawrouter", "raw"),
        default="clawrouter",
        help="raw: profile the raw pass-through instead (its floor, bucket by bucket)",
    )
    a = ap.parse_args()
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(spy).exists():
        print("py-spy is not installed: .venv/bin/pip install py-spy", file=sys.stderr)
        return 2
    s = SCENARIOS[a.scenario]
    cpus = Cpus.pick(False)
    load = Load(a.seconds, a.seconds, 1.0, a.conns, a.streams, cpus.load, scenarios.wrk_available())
    work = Path(tempfile.mkdtemp(prefix="clawrouter-profile-"))
    up_port, port = free_port(), free_port()
    upstream = f"http://127.0.0.1:{up_port}"
    up = Proc(
        "upstream", [sys.executable, "-m", "bench.upstream", "--port", str(up_port)], work,
        cpu=cpus.load, cwd=str(REPO), url=upstream,
    )  # fmt: skip
    proc = None
    try:
        up.wait_http(upstream + "/health")
        base = f"http://127.0.0.1:{port}"
        if a.target == "raw":
            argv = [sys.executable, "-m", "bench.rawproxy", "--port", str(port)]
            proc = Proc(
                "rawproxy", [*argv, "--upstream", upstream], work, cpu=cpus.proxy, cwd=str(REPO)
            )
            proc.wait_http(base + "/health")
            t = Target("raw", base, UPSTREAM_KEY)
        else:
            env = dict(e.split("=", 1) for e in a.gateway_env)
            data = work / "data"
            proc = gateway.start(port, data, work, cpu=cpus.proxy, repo=REPO, extra_env=env)
            key = gateway.configure(base, upstream)
            proc.stop()
            proc = gateway.start(port, data, work, cpu=cpus.proxy, repo=REPO, extra_env=env)
            t = Target("clawrouter", base, key)
        scenarios.validate(t, s)
        conns = (a.streams if s.stream else a.conns) if s.many else 1
        scenarios.warm(t, s, load, conns)
        out = a.out or work / "stacks.txt"
        argv = [spy, "record", "-p", str(proc.pid), "-r", str(a.rate), "-f", "raw", "-o", str(out)]
        argv += ["-d", str(int(a.seconds + (load.warmup if s.stream else 0)) + 1), "--nonblocking"]
        argv += ["--gil"] if a.gil else []
        sampler = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(0.5)
        cpu0 = tree_usage(proc.pid)[1]
        r = scenarios.run(t, s, load, conns, a.seconds)
        cpu = tree_usage(proc.pid)[1] - cpu0
        _, err = sampler.communicate(timeout=a.seconds + 60)
        if not out.exists():
            print(f"py-spy wrote nothing: {err.decode(errors='replace')[-500:]}", file=sys.stderr)
            return 1
        done = r.get("all_requests", r["requests"])
        print(f"{a.scenario}: {r['rps']:.0f} req/s, {done} requests, errors {r['errors']}")
        print(report(out.read_text(), cpu * 1e6 / max(done, 1), a.top, a.match))
        if a.out:
            print(f"collapsed stacks: {a.out}")
        return 0
    finally:
        if proc:
            proc.stop()
        up.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
