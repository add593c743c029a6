"""`make soak`: ClawRouter under steady load for a long while, its memory watched. Starts the
fake upstream (bench/upstream.py) and `python -m clawrouter` configured through its API
(bench/gateway.py), measures its capacity with bench/load.py (closed loop, chat), then sends
`--fraction` (0.5) of that rate, paced, for `--minutes` (10): 9 chat requests in 10 JSON, 1 a
stream, each checked (200 and a whole answer). RSS of the gateway is sampled every few seconds.

PASS when no request failed and the RSS at the end is within `--rss-tolerance` (10 %) of the
RSS right after the warm-up (the first tenth of the run, at least 20 s). Prints a short report;
exit status 0 on PASS, 1 on FAIL."""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import aiohttp

from bench import gateway
from bench.procs import Proc, free_port, tree_usage

REPO = Path(__file__).resolve().parent.parent
BODY = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "soak test, hello"}]}


def log(msg: str) -> None:
    print(f"[soak {time.strftime('%H:%M:%S')}] {msg}", flush=True)


class Sampler(threading.Thread):
    """(seconds since start, RSS bytes) of a process tree every `interval` seconds."""

    def __init__(self, pid: int, interval: float) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.t0 = time.monotonic()
        self.samples: list[tuple[float, int]] = []
        self._halt = threading.Event()

    def run(self) -> None:
        while True:
            self.samples.append((time.monotonic() - self.t0, tree_usage(self.pid)[0]))
            if self._halt.wait(self.interval):
                return

    def stop(self) -> None:
        self._halt.set()
        self.join(5)

    def around(self, t: float, span: float) -> int:
        """The median RSS of the samples within `span` seconds after t (at least one)."""
        near = [rss for at, rss in self.samples if t <= at <= t + span]
        if not near:
            near = [min(self.samples, key=lambda s: abs(s[0] - t))[1]]
        return int(statistics.median(near))


def capacity(url: str, key: str, seconds: float) -> float:
    """Chat requests per second bench/load.py gets through with 16 connections."""
    argv = [sys.executable, "-m", "bench.load", "chat", "--url", url, "--key", key,
            "--body", json.dumps(BODY), "--conns", "16", "--duration", str(seconds),
            "--warmup", "2"]  # fmt: skip
    out = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=seconds + 60)
    for line in out.stdout.splitlines():
        if line.startswith("RESULT "):
            result = json.loads(line[7:])
            if result["errors"]:
                raise RuntimeError(f"errors while measuring capacity: {result['error_kinds']}")
            return float(result["rps"])
    raise RuntimeError(f"bench.load gave no result: {out.stderr[-2000:]}")


class Paced:
    """Requests started at a fixed rate (open loop); every answer is checked."""

    def __init__(self, url: str, key: str, rate: float, seconds: float) -> None:
        self.url, self.rate, self.seconds = url, rate, seconds
        self.headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        self.sent = self.ok = 0
        self.failures: dict[str, int] = {}
        self.late = 0.0  # the most the pacer fell behind its schedule, in seconds

    def fail(self, why: str) -> None:
        self.failures[why] = self.failures.get(why, 0) + 1

    async def one(self, http: aiohttp.ClientSession, stream: bool) -> None:
        body = json.dumps({**BODY, "stream": stream}).encode()
        try:
            async with http.post(self.url, data=body, headers=self.headers) as r:
                data = await r.read()
        except (TimeoutError, aiohttp.ClientError) as e:
            self.fail(type(e).__name__)
            return
        whole = data.rstrip().endswith(b"data: [DONE]") if stream else b'"choices"' in data
        if r.status != 200 or not whole:
            self.fail(f"HTTP {r.status}" if r.status != 200 else "incomplete answer")
        else:
            self.ok += 1

    async def run(self) -> None:
        timeout = aiohttp.ClientTimeout(total=60)
        connector = aiohttp.TCPConnector(limit=256)
        tasks: set[asyncio.Task[None]] = set()
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
            start = time.monotonic()
            while (due := start + self.sent / self.rate) < start + self.seconds:
                now = time.monotonic()
                if due > now:
                    await asyncio.sleep(due - now)
                else:
                    self.late = max(self.late, now - due)
                task = asyncio.create_task(self.one(http, stream=self.sent % 10 == 9))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                self.sent += 1
            if tasks:
                await asyncio.wait(tasks, timeout=60)


def report(a: argparse.Namespace, cap: float, load: Paced, s: Sampler, warm: float) -> bool:
    seconds = a.minutes * 60
    rss_warm = s.around(warm, 10)
    rss_end = int(statistics.median(rss for _, rss in s.samples[-3:]))
    peak = max(rss for _, rss in s.samples)
    drift = (rss_end - rss_warm) / rss_warm
    failed = sum(load.failures.values())
    ok = failed == 0 and abs(drift) <= a.rss_tolerance
    mb = 1024 * 1024
    print("\n== soak report ==")
    print(f"capacity (bench/load.py, chat, 16 conns): {cap:.0f} req/s")
    print(f"load: {load.rate:.0f} req/s ({a.fraction:.0%}) for {a.minutes:g} min, 1 in 10 a stream")
    print(f"sent {load.sent}, answered whole {load.ok}, failed {failed} {load.failures or ''}")
    print(f"achieved {load.sent / seconds:.0f} req/s; the pacer fell behind by at most "
          f"{load.late * 1000:.0f} ms")  # fmt: skip
    print(f"RSS after warm-up ({warm:.0f} s): {rss_warm / mb:.1f} MB; at the end: "
          f"{rss_end / mb:.1f} MB ({drift:+.1%}); peak {peak / mb:.1f} MB; "
          f"{len(s.samples)} samples")  # fmt: skip
    tenths = [s.around(seconds * i / 10, a.sample_seconds * 2) / mb for i in range(1, 11)]
    print("RSS at each tenth of the run (MB): " + " ".join(f"{v:.1f}" for v in tenths))
    print(f"soak: {'PASS' if ok else 'FAIL'} (no failed request, RSS within "
          f"{a.rss_tolerance:.0%} of warm-up)")  # fmt: skip
    return ok


def soak(a: argparse.Namespace, work: Path) -> bool:
    up_port, gw_port = free_port(), free_port()
    upstream = f"http://127.0.0.1:{up_port}"
    argv = [sys.executable, "-m", "bench.upstream", "--port", str(up_port), "--chunks", "10"]
    up = Proc("upstream", argv, work, cwd=str(REPO), url=upstream)
    proc = None
    try:
        up.wait_http(upstream + "/health")
        proc = gateway.start(gw_port, work / "data", work, cpu=None, repo=REPO)
        base = f"http://127.0.0.1:{gw_port}"
        key = gateway.configure(base, upstream)
        url = base + "/v1/chat/completions"
        log("measuring capacity ...")
        cap = a.rate / a.fraction if a.rate else capacity(url, key, a.capacity_seconds)
        seconds = a.minutes * 60
        warm = max(20.0, seconds / 10)
        load = Paced(url, key, cap * a.fraction, seconds)
        log(f"capacity {cap:.0f} req/s; soaking at {load.rate:.0f} req/s for {seconds:.0f} s")
        sampler = Sampler(proc.pid, a.sample_seconds)
        sampler.start()
        try:
            asyncio.run(load.run())
        finally:
            sampler.stop()
        if not proc.alive():
            log("the gateway died:\n" + proc.tail())
            return False
        return report(a, cap, load, sampler, warm)
    finally:
        if proc is not None:
            proc.stop()
        up.stop()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--fraction", type=float, default=0.5, help="of the measured capacity")
    ap.add_argument("--rate", type=float, default=0, help="req/s instead of measuring")
    ap.add_argument("--capacity-seconds", type=float, default=10.0)
    ap.add_argument("--sample-seconds", type=float, default=2.0)
    ap.add_argument("--rss-tolerance", type=float, default=0.10)
    ap.add_argument("--keep", action="store_true", help="keep the work directory (logs)")
    a = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="clawrouter-soak-"))
    try:
        ok = soak(a, work)
    finally:
        if not a.keep:
            import shutil

            shutil.rmtree(work, ignore_errors=True)
        else:
            log(f"logs in {work}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
