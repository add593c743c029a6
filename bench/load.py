"""Closed-loop aiohttp load generators; each prints one `RESULT {json}` line.

  chat    --conns requests in flight (the fallback when wrk is not installed): RPS, latency
  stream  --conns streams in flight: time to the first body byte (TTFB) and to the end, and a
          check that every stream ended complete (--expect in its last bytes: [DONE] by default)
Samples from the first --warmup seconds are dropped; the run stops after --duration more.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time

import aiohttp


def percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile of values (seconds), None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def ms(value: float | None) -> float | None:
    return None if value is None else round(value * 1000, 3)


class Run:
    def __init__(self, a: argparse.Namespace) -> None:
        self.a = a
        self.body = a.body.encode()
        self.headers = {"Content-Type": "application/json"}
        if a.key:
            self.headers["Authorization"] = f"Bearer {a.key}"
        self.start = time.perf_counter()
        self.measure_from = self.start + a.warmup
        self.end = self.measure_from + a.duration
        self.latency: list[float] = []
        self.ttfb: list[float] = []
        self.errors: dict[str, int] = {}
        self.completed = 0  # successful requests, warm-up included
        self.expect = a.expect.encode() or (b"[DONE]" if a.mode == "stream" else b'"choices"')

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1

    async def chat_worker(self, s: aiohttp.ClientSession) -> None:
        while (t0 := time.perf_counter()) < self.end:
            try:
                async with s.post(self.a.url, data=self.body, headers=self.headers) as r:
                    data = await r.read()
                ok = r.status == 200 and self.expect in data
            except (TimeoutError, aiohttp.ClientError) as e:
                self.error(type(e).__name__)
                await asyncio.sleep(0.01)
                continue
            t1 = time.perf_counter()
            if not ok:
                self.error(f"HTTP {r.status}")
            else:
                self.completed += 1
                if t0 >= self.measure_from and t1 <= self.end:
                    self.latency.append(t1 - t0)

    async def stream_worker(self, s: aiohttp.ClientSession) -> None:
        while (t0 := time.perf_counter()) < self.end:
            first, tail = None, b""
            try:
                async with s.post(self.a.url, data=self.body, headers=self.headers) as r:
                    async for chunk in r.content.iter_any():
                        if first is None:
                            first = time.perf_counter()
                        tail = (tail + chunk)[-1024:]
                status = r.status
            except (TimeoutError, aiohttp.ClientError) as e:
                self.error(type(e).__name__)
                await asyncio.sleep(0.01)
                continue
            t1 = time.perf_counter()
            if status != 200 or self.expect not in tail:
                self.error(f"HTTP {status}" if status != 200 else "incomplete stream")
            else:
                self.completed += 1
                if t0 >= self.measure_from and t1 <= self.end:
                    self.ttfb.append((first or t1) - t0)
                    self.latency.append(t1 - t0)

    async def go(self) -> dict:
        worker = self.stream_worker if self.a.mode == "stream" else self.chat_worker
        connector = aiohttp.TCPConnector(limit=0)
        timeout = aiohttp.ClientTimeout(total=self.a.timeout)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as s:
            await asyncio.gather(*(worker(s) for _ in range(self.a.conns)))
        wall = min(time.perf_counter(), self.end) - self.measure_from
        n = len(self.latency)
        out = {
            "tool": "aiohttp",
            "conns": self.a.conns,
            "requests": n,
            "all_requests": self.completed,
            "duration_s": round(wall, 3),
            "rps": round(n / wall, 1) if wall > 0 else 0.0,
            "errors": sum(self.errors.values()),
            "error_kinds": self.errors,
            "p50_ms": ms(percentile(self.latency, 50)),
            "p99_ms": ms(percentile(self.latency, 99)),
        }
        if self.a.mode == "stream":
            out["ttfb_p50_ms"] = ms(percentile(self.ttfb, 50))
            out["ttfb_p99_ms"] = ms(percentile(self.ttfb, 99))
        return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("mode", choices=("chat", "stream"))
    ap.add_argument("--url", required=True)
    ap.add_argument("--body", required=True, help="the JSON request body")
    ap.add_argument("--key", default="", help="sent as Authorization: Bearer KEY")
    ap.add_argument(
        "--expect", default="", help='in a good answer (a stream: its end); "choices" / [DONE]'
    )
    ap.add_argument("--conns", type=int, default=1)
    ap.add_argument("--duration", type=float, default=5)
    ap.add_argument("--warmup", type=float, default=1)
    ap.add_argument("--timeout", type=float, default=30)
    a = ap.parse_args()
    run = Run(a)
    try:
        import uvloop

        result = uvloop.run(run.go())
    except ImportError:
        result = asyncio.run(run.go())
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
