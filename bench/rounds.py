"""Rounds of `make bench`: each scenario runs N times per target, the targets in a rotated
order each round (so none always goes first), and each metric is reported as its median over
the rounds, with every round's own result kept beside it. Pure functions on result dicts: no
processes, no clock."""

from __future__ import annotations

import statistics
from typing import Any

# A scenario's metrics, each reported as its median over the rounds.
MEDIAN_FIELDS = (
    "rps",
    "cpu_us_per_req",
    "cores_used",
    "p50_ms",
    "p99_ms",
    "ttfb_p50_ms",
    "ttfb_p99_ms",
)
# Counts, summed over the rounds.
SUM_FIELDS = ("requests", "all_requests", "errors", "duration_s")


def order(names: list[str], index: int) -> list[str]:
    """The targets' order in round `index` (0-based): the list rotated left by `index`, so
    clawrouter, raw, direct -> raw, direct, clawrouter -> direct, clawrouter, raw -> ..."""
    if not names:
        return []
    k = index % len(names)
    return names[k:] + names[:k]


def median(values: list[Any]) -> float | None:
    """The median of the numbers among values (of two: their mean); None when there are none."""
    nums = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
    return round(statistics.median(nums), 3) if nums else None


def combine(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """One scenario's result from its rounds' results: medians of the metrics, sums of the
    counts, the first round's settings (tool, conns), and the rounds themselves."""
    if not rounds:
        return {"rounds": []}
    out: dict[str, Any] = {k: v for k, v in rounds[0].items() if isinstance(v, str | bool)}
    if "conns" in rounds[0]:
        out["conns"] = rounds[0]["conns"]
    for field in MEDIAN_FIELDS:
        if any(field in r for r in rounds):
            out[field] = median([r.get(field) for r in rounds])
    for field in SUM_FIELDS:
        if any(field in r for r in rounds):
            out[field] = round(sum(r.get(field) or 0 for r in rounds), 3)
    kinds: dict[str, int] = {}
    for r in rounds:
        for kind, n in (r.get("error_kinds") or {}).items():
            kinds[kind] = kinds.get(kind, 0) + n
    if kinds:
        out["error_kinds"] = kinds
    out["rounds"] = rounds
    return out


def count(results: dict[str, Any]) -> int:
    """How many rounds the results hold (the most any scenario of any target has)."""
    n = 0
    for target in results.values():
        if not isinstance(target, dict):
            continue
        for s in target.values():
            if isinstance(s, dict) and isinstance(s.get("rounds"), list):
                n = max(n, len(s["rounds"]))
    return n


def round_view(results: dict[str, Any], index: int) -> dict[str, Any]:
    """The results as if only round `index` had run: {target: {scenario: that round}}, for
    the scenarios that have it."""
    view: dict[str, Any] = {}
    for name, target in results.items():
        if not isinstance(target, dict):
            continue
        view[name] = {
            scenario: s["rounds"][index]
            for scenario, s in target.items()
            if isinstance(s, dict) and len(s.get("rounds") or ()) > index
        }
    return view
