"""Measuring one target of `make bench`: every scenario's load result per round (each metric
reported as its median over the rounds, bench/rounds.py), the gateway's CPU per request and
cores used, its RSS sampled all along, and the CPU other processes used meanwhile (the
noise)."""

from __future__ import annotations

import sys
import time

from bench import rounds, scenarios
from bench.procs import Background, Proc, RssSampler, tree_usage
from bench.scenarios import SCENARIOS, Load, Target


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def summary(r: dict) -> str:
    line = f"{r['rps']:>9,.1f}/s  p50 {r['p50_ms']} ms  p99 {r['p99_ms']} ms"
    if "ttfb_p50_ms" in r:
        line += f"  first byte p50 {r['ttfb_p50_ms']} ms"
    if "cpu_us_per_req" in r:
        line += f"  CPU {r['cpu_us_per_req']:,.0f} µs/req"
    return line + f"  errors {r['errors']}"


class Measured:
    """One target under measurement: its results per scenario and round, its RSS sampled all
    along (the peak: over the whole run), the CPU others used while its scenarios ran (the
    noise), CPU per request."""

    def __init__(self, t: Target, proc: Proc | None, names: list[str]) -> None:
        self.t, self.proc = t, proc
        for name in names:
            scenarios.validate(t, SCENARIOS[name])
        self.out: dict = {}
        self.rounds: dict[str, list[dict]] = {}  # scenario -> each round's result
        self.noise = [0.0, 0.0]  # CPU seconds others used, wall seconds measured
        self.sampler = RssSampler(proc.pid) if proc else None
        if self.sampler:
            self.sampler.start()

    def scenario(self, name: str, load: Load, pids: list[int], label: str = "") -> None:
        """One round of a scenario, its warm-up first; `label` ("round 2/3") goes in the log."""
        t, proc, s = self.t, self.proc, SCENARIOS[name]
        conns = (load.streams if s.stream else load.conns) if s.many else 1
        seconds = load.duration if s.many else load.c1_duration
        scenarios.warm(t, s, load, conns)
        background = Background(pids)
        cpu0, wall0 = (tree_usage(proc.pid)[1] if proc else 0.0), time.monotonic()
        r = scenarios.run(t, s, load, conns, seconds)
        others, wall = background.totals()
        self.noise[0] += others
        self.noise[1] += wall
        done = r.get("all_requests", r["requests"])  # the CPU window includes any warm-up
        if proc and done:
            cpu = tree_usage(proc.pid)[1] - cpu0
            r["cpu_us_per_req"] = round(cpu * 1e6 / done, 1)
            r["cores_used"] = round(cpu / max(time.monotonic() - wall0, 1e-9), 2)
        log(f"  {t.name:13} {name:19} {label:>9}  {summary(r)}")
        self.rounds.setdefault(name, []).append(r)
        if proc and not proc.alive():
            raise RuntimeError(f"{t.name} died during {name}:\n{proc.tail()}")

    def finish(self) -> dict:
        for name, results in self.rounds.items():
            self.out[name] = rounds.combine(results)
        pct = round(self.noise[0] / max(self.noise[1], 1e-9) * 100, 1)
        self.out["background_cpu_pct"] = pct
        if pct > 10:
            log(f"  note: others used {pct}% of a core while {self.t.name} was measured: noisy")
        if self.sampler:
            self.sampler.stop()
            self.out["rss_idle_mb"] = round(self.sampler.idle / 2**20, 1)
            self.out["rss_peak_mb"] = round(self.sampler.peak / 2**20, 1)
        return self.out
