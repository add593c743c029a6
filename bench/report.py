"""The result table (markdown: one row per metric, one column per target, then the target and
PASS/MISS) and the JSON record written to bench/results/<stamp>.json."""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path
from typing import Any

TARGETS = {
    "rps_ratio": 0.6,  # ClawRouter chat RPS at 64 connections / raw pass-through's
    "added_c1_ms": 0.35,  # p50 latency at 1 connection, over direct
    "added_ttfb_ms": 0.5,  # stream time to first byte p50, over direct
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
    return "PASS" if ok else "MISS"


def _latency_row(results: dict, label: str, scenario: str, field: str, limit: float | None):
    cells = []
    for name, _ in COLUMNS:
        v, add = _get(results, name, scenario, field), _added(results, name, scenario, field)
        cells.append(_num(v, 3) + (f" (+{add:.3f})" if add is not None else ""))
    if limit is None:
        return [label, *cells, "", ""]
    added = _added(results, "clawrouter", scenario, field)
    return [label, *cells, f"≤ +{limit} ms", _verdict(added, limit)]


def verdicts(results: dict) -> dict[str, dict[str, Any]]:
    """Each target: the measured value, the limit and PASS / MISS (n/a when not measured)."""
    rps, raw = _get(results, "clawrouter", "chat", "rps"), _get(results, "raw", "chat", "rps")
    values = {
        "rps_ratio": rps / raw if rps and raw else None,
        "added_c1_ms": _added(results, "clawrouter", "chat_c1", "p50_ms"),
        "added_ttfb_ms": _added(results, "clawrouter", "stream", "ttfb_p50_ms"),
        "added_ttfb_1_stream_ms": _added(results, "clawrouter", "stream_c1", "ttfb_p50_ms"),
        "peak_rss_mb": results.get("clawrouter", {}).get("rss_peak_mb"),
    }
    out = {}
    for name, value in values.items():
        limit = TARGETS[name.replace("_1_stream", "")]
        result = _verdict(value, limit, higher_is_better=name == "rps_ratio")
        out[name] = {"value": value, "limit": limit, "result": result}
    return out


def table(results: dict, conns: int, streams: int) -> str:
    v = verdicts(results)
    rows = [["metric", *(label for _, label in COLUMNS), "target", "result"]]
    rps = [_get(results, name, "chat", "rps") for name, _ in COLUMNS]
    raw_rps = rps[1]
    cells = [
        _num(r, 0) + (f" ({r / raw_rps:.2f}× raw)" if r and raw_rps and i == 2 else "")
        for i, r in enumerate(rps)
    ]
    target = TARGETS["rps_ratio"]
    rows.append(
        [
            f"chat req/s, {conns} connections",
            *cells,
            f"≥ {target}× raw",
            v["rps_ratio"]["result"],
        ]
    )
    p50p99 = [
        f"{_num(_get(results, n, 'chat', 'p50_ms'))} / {_num(_get(results, n, 'chat', 'p99_ms'))}"
        for n, _ in COLUMNS
    ]
    rows.append([f"chat p50 / p99 ms, {conns} connections", *p50p99, "", ""])
    rows.append(
        _latency_row(
            results,
            "chat p50 ms, 1 connection (added)",
            "chat_c1",
            "p50_ms",
            TARGETS["added_c1_ms"],
        )
    )
    ttfb = TARGETS["added_ttfb_ms"]
    rows.append(
        _latency_row(
            results,
            f"stream first byte p50 ms, {streams} streams (added)",
            "stream",
            "ttfb_p50_ms",
            ttfb,
        )
    )
    rows.append(
        _latency_row(
            results, "stream first byte p50 ms, 1 stream (added)", "stream_c1", "ttfb_p50_ms", ttfb
        )
    )
    rows.append(
        _latency_row(results, f"stream total p50 ms, {streams} streams", "stream", "p50_ms", None)
    )
    cpu = [_get(results, n, "chat", "cpu_us_per_req") for n, _ in COLUMNS]
    cells = [_num(c, 0) for c in cpu]
    if cpu[1] and cpu[2]:  # raw / ClawRouter: the RPS ratio one core would give, less noisy
        cells[2] += f" ({cpu[1] / cpu[2]:.2f}× raw's rate)"
    rows.append(["CPU µs per chat request (gateway process)", *cells, "", ""])
    per_stream = [_num(_get(results, n, "stream", "cpu_us_per_req"), 0) for n, _ in COLUMNS]
    rows.append([f"CPU µs per stream, {streams} streams (gateway process)", *per_stream, "", ""])
    rss = []
    for name, _ in COLUMNS:
        r = results.get(name, {})
        idle, peak = r.get("rss_idle_mb"), r.get("rss_peak_mb")
        rss.append("-" if peak is None else f"{_num(idle, 1)} → {_num(peak, 1)}")
    limit = TARGETS["peak_rss_mb"]
    rows.append(["RSS idle → peak MB", *rss, f"peak ≤ {limit:.0f} MB", v["peak_rss_mb"]["result"]])
    errs = []
    for name, _ in COLUMNS:
        r = results.get(name, {})
        n = sum(s.get("errors", 0) for s in r.values() if isinstance(s, dict))
        errs.append(str(n) if r else "-")
    rows.append(["errors (all scenarios)", *errs, "", ""])
    bg = [_num(results.get(n, {}).get("background_cpu_pct"), 0) for n, _ in COLUMNS]
    rows.append(["CPU used by others meanwhile (processes + steal), % of a core", *bg, "", ""])
    out = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
    out += ["| " + " | ".join(row) + " |" for row in rows[1:]]
    return "\n".join(out)


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
