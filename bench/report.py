"""The result tables (markdown: per wire format one row per metric, one column per target, then
the target and PASS / FAIL; then memory and noise; then the scaling targets, when measured) and
the JSON record written to bench/results/<stamp>.json.

The targets are issue #15's, each against the raw pass-through of the same run: throughput
≥ 0.7× raw's (and CPU per request ≤ 1.45× raw's, the same thing measured on the gateway's core
alone, less noisy), added latency at one connection within 0.1 ms of raw's, first byte of a
stream at 32 streams within 0.3 ms of raw's, peak RSS ≤ 80 MB.

Each value is the median over the run's rounds (bench/rounds.py), and so is each verdict's;
under each format's table a line gives the lowest and highest per-round value of the four
compared figures, so a reader sees how steady the run was."""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path
from typing import Any

from bench import rounds
from bench.scenarios import FORMATS, names_of

TARGETS = {
    "rps_ratio": 0.7,  # ClawRouter req/s at 64 connections / raw pass-through's: at least
    "cpu_ratio": 1.45,  # ClawRouter CPU µs per request / raw's: at most
    "c1_over_raw_ms": 0.1,  # p50 at 1 connection, ClawRouter's minus raw's: at most
    "ttfb_over_raw_ms": 0.3,  # stream first byte p50 at 32 streams, minus raw's: at most
    "peak_rss_mb": 80.0,
}
COLUMNS = (("direct", "direct"), ("raw", "raw pass-through"), ("clawrouter", "ClawRouter"))


def _get(results: dict, target: str, scenario: str, field: str) -> float | None:
    value = results.get(target, {}).get(scenario, {}).get(field)
    return value if isinstance(value, int | float) else None


def _num(v: float | None, nd: int = 2) -> str:
    if v is None:
        return "-"
    return f"{v:,.0f}" if nd == 0 else f"{v:.{nd}f}"


def _added(results: dict, target: str, scenario: str, field: str) -> float | None:
    v, d = _get(results, target, scenario, field), _get(results, "direct", scenario, field)
    return None if v is None or d is None or target == "direct" else v - d


def _verdict(value: float | None, limit: float, higher_is_better: bool = False) -> str:
    if value is None:
        return "n/a"
    ok = value >= limit if higher_is_better else value <= limit
    return "PASS" if ok else "FAIL"


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a and b else None


def _minus(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else round(a - b, 3)  # ms, measured to the µs


def format_values(results: dict, fmt: str) -> dict[str, float | None]:
    """A format's four compared values: ClawRouter against raw, same run."""
    n = names_of(fmt)
    cr, raw = "clawrouter", "raw"
    return {
        "rps_ratio": _ratio(
            _get(results, cr, n["many"], "rps"), _get(results, raw, n["many"], "rps")
        ),
        "cpu_ratio": _ratio(
            _get(results, cr, n["many"], "cpu_us_per_req"),
            _get(results, raw, n["many"], "cpu_us_per_req"),
        ),
        "c1_over_raw_ms": _minus(
            _get(results, cr, n["c1"], "p50_ms"), _get(results, raw, n["c1"], "p50_ms")
        ),
        "ttfb_over_raw_ms": _minus(
            _get(results, cr, n["stream"], "ttfb_p50_ms"),
            _get(results, raw, n["stream"], "ttfb_p50_ms"),
        ),
    }  # fmt: skip


def per_round(results: dict, fmt: str) -> dict[str, list[float]]:
    """A format's four compared values round by round (ClawRouter's round i against raw's
    round i), the rounds where both were measured."""
    out: dict[str, list[float]] = {}
    for i in range(rounds.count(results)):
        for name, value in format_values(rounds.round_view(results, i), fmt).items():
            out.setdefault(name, [])
            if value is not None:
                out[name].append(round(value, 3))
    return out


def verdicts(results: dict, formats: list[str]) -> dict[str, dict[str, Any]]:
    """Each target: the measured value (from the medians over rounds), the limit, PASS / FAIL
    (n/a when not measured) and the value of each round."""
    out: dict[str, dict[str, Any]] = {}
    for fmt in formats:
        each = per_round(results, fmt)
        for name, value in format_values(results, fmt).items():
            result = _verdict(value, TARGETS[name], higher_is_better=name == "rps_ratio")
            out[f"{fmt}.{name}"] = {"value": value, "limit": TARGETS[name], "result": result}
            out[f"{fmt}.{name}"]["per_round"] = each.get(name, [])
    peak = results.get("clawrouter", {}).get("rss_peak_mb")
    limit = TARGETS["peak_rss_mb"]
    out["peak_rss_mb"] = {"value": peak, "limit": limit, "result": _verdict(peak, limit)}
    return out


def _latency_cells(results: dict, scenario: str, field: str) -> list[str]:
    cells = []
    for name, _ in COLUMNS:
        v, add = _get(results, name, scenario, field), _added(results, name, scenario, field)
        cells.append(_num(v, 3) + (f" (+{add:.3f})" if add is not None else ""))
    return cells


def _format_rows(results: dict, fmt: str, conns: int, streams: int) -> list[list[str]]:
    n, v = names_of(fmt), verdicts(results, [fmt])
    rows = []
    rps = [_get(results, name, n["many"], "rps") for name, _ in COLUMNS]
    cells = [_num(r, 0) for r in rps]
    if rps[1] and rps[2]:
        cells[2] += f" ({rps[2] / rps[1]:.2f}× raw)"
    t = TARGETS["rps_ratio"]
    rows.append(
        [f"req/s, {conns} connections", *cells, f"≥ {t}× raw", v[f"{fmt}.rps_ratio"]["result"]]
    )
    cpu = [_get(results, name, n["many"], "cpu_us_per_req") for name, _ in COLUMNS]
    cells = [_num(c, 0) for c in cpu]
    if cpu[1] and cpu[2]:
        cells[2] += f" ({cpu[2] / cpu[1]:.2f}× raw)"
    t = TARGETS["cpu_ratio"]
    rows.append(
        [
            "CPU µs per request (gateway process)",
            *cells,
            f"≤ {t}× raw",
            v[f"{fmt}.cpu_ratio"]["result"],
        ]
    )
    p50p99 = [
        f"{_num(_get(results, name, n['many'], 'p50_ms'))} / "
        f"{_num(_get(results, name, n['many'], 'p99_ms'))}"
        for name, _ in COLUMNS
    ]
    rows.append([f"p50 / p99 ms, {conns} connections", *p50p99, "", ""])
    t = TARGETS["c1_over_raw_ms"]
    rows.append(
        [
            "p50 ms, 1 connection (added)",
            *_latency_cells(results, n["c1"], "p50_ms"),
            f"≤ raw + {t} ms",
            v[f"{fmt}.c1_over_raw_ms"]["result"],
        ]
    )
    t = TARGETS["ttfb_over_raw_ms"]
    rows.append(
        [
            f"stream first byte p50 ms, {streams} streams (added)",
            *_latency_cells(results, n["stream"], "ttfb_p50_ms"),
            f"≤ raw + {t} ms",
            v[f"{fmt}.ttfb_over_raw_ms"]["result"],
        ]
    )
    rows.append(
        [
            "stream first byte p50 ms, 1 stream (added)",
            *_latency_cells(results, n["stream_c1"], "ttfb_p50_ms"),
            "",
            "",
        ]
    )
    rows.append(
        [
            f"stream total p50 ms, {streams} streams",
            *_latency_cells(results, n["stream"], "p50_ms"),
            "",
            "",
        ]
    )
    per_stream = [
        _num(_get(results, name, n["stream"], "cpu_us_per_req"), 0) for name, _ in COLUMNS
    ]
    rows.append([f"CPU µs per stream, {streams} streams (gateway process)", *per_stream, "", ""])
    return rows  # fmt: skip


def spread_line(results: dict, fmt: str, streams: int) -> str:
    """Under a format's table: each compared value's lowest–highest over the rounds ("" with
    fewer than two rounds)."""
    labels = {
        "rps_ratio": "req/s",
        "cpu_ratio": "CPU per request",
        "c1_over_raw_ms": "p50 at 1 connection",
        "ttfb_over_raw_ms": f"first byte at {streams} streams",
    }
    parts = []
    for name, values in per_round(results, fmt).items():
        if len(values) < 2:
            continue
        lo, hi = min(values), max(values)
        if name.endswith("_ratio"):
            parts.append(f"{labels[name]} {lo:.2f}–{hi:.2f}× raw")
        else:
            parts.append(f"{labels[name]} {lo:+.3f} to {hi:+.3f} ms beside raw")
    if not parts:
        return ""
    n = rounds.count(results)
    return f"Over {n} rounds (lowest–highest; the table has the medians): " + "; ".join(parts) + "."


def rounds_note(settings: dict[str, Any]) -> str:
    """How the values were taken: rounds, durations, warm-up."""
    s = settings
    return (
        f"Each value: the median of {s['rounds']} round(s) of {s['duration']:g} s at"
        f" {s['conns']} connections or {s['streams']} streams, {s['c1_duration']:g} s at one,"
        f" each after {s['warmup']:g} s of warm-up; RSS peak: over the whole run."
    )


def _markdown(rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
    return out + ["| " + " | ".join(row) + " |" for row in rows[1:]]


def _has(results: dict, fmt: str) -> bool:
    names = set(names_of(fmt).values())
    return any(names & set(results.get(t, {})) for t, _ in COLUMNS)


def table(results: dict, conns: int, streams: int) -> str:
    header = ["metric", *(label for _, label in COLUMNS), "target", "result"]
    out: list[str] = []
    for fmt, f in FORMATS.items():
        if _has(results, fmt):
            out += [f"**{f.label}** (`{f.path}`)", ""]
            out += [*_markdown([header, *_format_rows(results, fmt, conns, streams)]), ""]
            spread = spread_line(results, fmt, streams)
            out += [spread, ""] if spread else []
    v = verdicts(results, [])
    rss, errs, bg = [], [], []
    for name, _ in COLUMNS:
        r = results.get(name, {})
        idle, peak = r.get("rss_idle_mb"), r.get("rss_peak_mb")
        rss.append("-" if peak is None else f"{_num(idle, 1)} → {_num(peak, 1)}")
        n = sum(s.get("errors", 0) for s in r.values() if isinstance(s, dict))
        errs.append(str(n) if r else "-")
        bg.append(_num(r.get("background_cpu_pct"), 0))
    limit = TARGETS["peak_rss_mb"]
    rows = [
        ["whole run", *(label for _, label in COLUMNS), "target", "result"],
        ["RSS idle → peak MB", *rss, f"peak ≤ {limit:.0f} MB", v["peak_rss_mb"]["result"]],
        ["errors (all scenarios)", *errs, "", ""],
        ["CPU used by others meanwhile (processes + steal), % of a core", *bg, "", ""],
    ]
    return "\n".join(out + _markdown(rows))


def scaling_table(results: dict, extra: list[str]) -> str:
    """The extra ClawRouter set-ups (workers, PostgreSQL + Redis) beside the single process of
    the same run: chat throughput, CPU per request and throughput per core (requests per
    second of CPU the gateway's processes used)."""
    rows = [["set-up (chat, many connections)", "req/s", "CPU µs per request", "req/s per core",
             "per core vs single process", "cores used", "RSS peak MB"]]  # fmt: skip
    base = _get(results, "clawrouter", "chat", "cpu_us_per_req")
    for name in ["clawrouter", *extra]:
        r = results.get(name, {})
        if "skipped" in r or "error" in r:
            rows.append(
                [name, r.get("skipped") or f"failed: {r['error'][:80]}", "", "", "", "", ""]
            )
            continue
        cpu = _get(results, name, "chat", "cpu_us_per_req")
        per_core = 1e6 / cpu if cpu else None
        vs = f"{base / cpu:.2f}×" if cpu and base else "-"
        cores = _get(results, name, "chat", "cores_used")
        rows.append(
            [name, _num(_get(results, name, "chat", "rps"), 0), _num(cpu, 0), _num(per_core, 0),
             vs, _num(cores, 2), _num(r.get("rss_peak_mb"), 1)]
        )  # fmt: skip
    return "\n".join(_markdown(rows))


def machine() -> dict[str, Any]:
    info: dict[str, Any] = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "kernel": platform.release(),
    }
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu_model"] = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return info


def write_json(path: Path, record: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=2, default=str) + "\n")
