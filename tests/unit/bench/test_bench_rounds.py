"""The benchmark's rounds: the targets' order rotated each round, each metric's median over the
rounds, verdicts on the medians and the per-round spread line, on hand-made per-round results:
no processes, no load."""

from __future__ import annotations

from bench import report, rounds

NAMES = ["clawrouter", "raw", "direct"]


def _round(rps: float, cpu: float, c1: float, ttfb: float, errors: int = 0) -> dict:
    """One round of the four chat scenarios for one target."""
    return {
        "chat": {"tool": "wrk", "conns": 64, "requests": int(rps * 3), "duration_s": 3.0,
                 "rps": rps, "cpu_us_per_req": cpu, "p50_ms": 10.0, "p99_ms": 20.0,
                 "errors": errors},
        "chat_c1": {"p50_ms": c1, "errors": 0},
        "stream": {"ttfb_p50_ms": ttfb, "p50_ms": 105.0, "cpu_us_per_req": cpu * 5},
        "stream_c1": {"ttfb_p50_ms": 1.0},
    }  # fmt: skip


def _results(per_target: dict[str, list[dict]]) -> dict:
    """{target: [round results]} -> what Measured.finish() returns: combined per scenario."""
    out: dict = {}
    for target, each in per_target.items():
        out[target] = {
            scenario: rounds.combine([r[scenario] for r in each]) for scenario in each[0]
        }
    out["raw"]["rss_peak_mb"] = 40.0
    out["clawrouter"]["rss_peak_mb"] = 72.0
    return out


def _three_rounds() -> dict:
    """ClawRouter's middle round is an outlier (CPU 2× raw's, half its throughput): on its own
    it would FAIL; the medians PASS."""
    return _results(
        {
            "direct": [_round(40_000, 0, 0.02, 0.7) for _ in range(3)],
            "raw": [_round(5_000, 200, 0.35, 1.1), _round(4_800, 240, 0.36, 1.2),
                    _round(5_200, 210, 0.34, 1.0)],
            "clawrouter": [_round(3_600, 280, 0.40, 1.3), _round(2_400, 480, 0.60, 1.9),
                           _round(3_800, 270, 0.41, 1.2)],
        }
    )  # fmt: skip


def test_the_order_rotates_so_none_always_goes_first() -> None:
    assert rounds.order(NAMES, 0) == ["clawrouter", "raw", "direct"]
    assert rounds.order(NAMES, 1) == ["raw", "direct", "clawrouter"]
    assert rounds.order(NAMES, 2) == ["direct", "clawrouter", "raw"]
    assert rounds.order(NAMES, 3) == NAMES
    firsts = {rounds.order(NAMES, i)[0] for i in range(3)}
    assert firsts == set(NAMES)
    assert rounds.order([], 5) == []


def test_median_skips_missing_values_and_averages_two() -> None:
    assert rounds.median([3.0, None, 1.0, 2.0]) == 2.0
    assert rounds.median([1.0, 2.0]) == 1.5
    assert rounds.median([None, None]) is None
    assert rounds.median([]) is None


def test_combine_takes_medians_sums_counts_and_keeps_each_round() -> None:
    each = [
        {"tool": "wrk", "conns": 64, "requests": 100, "rps": 50.0, "p50_ms": 3.0, "errors": 1,
         "error_kinds": {"HTTP 502": 1}},
        {"tool": "wrk", "conns": 64, "requests": 300, "rps": 150.0, "p50_ms": 1.0, "errors": 0},
        {"tool": "wrk", "conns": 64, "requests": 200, "rps": 100.0, "p50_ms": 9.0, "errors": 2,
         "error_kinds": {"HTTP 502": 1, "incomplete stream": 1}},
    ]  # fmt: skip
    r = rounds.combine(each)
    assert (r["rps"], r["p50_ms"]) == (100.0, 3.0)  # medians, field by field
    assert (r["requests"], r["errors"]) == (600, 3)  # sums
    assert r["error_kinds"] == {"HTTP 502": 2, "incomplete stream": 1}
    assert (r["tool"], r["conns"]) == ("wrk", 64)
    assert r["rounds"] == each
    assert "ttfb_p50_ms" not in r  # not measured in any round: not invented
    assert rounds.combine([]) == {"rounds": []}


def test_round_view_and_count() -> None:
    results = _three_rounds()
    assert rounds.count(results) == 3
    second = rounds.round_view(results, 1)
    assert second["clawrouter"]["chat"]["cpu_us_per_req"] == 480
    assert second["raw"]["chat_c1"]["p50_ms"] == 0.36
    assert rounds.round_view(results, 3)["raw"] == {}
    assert rounds.count({"raw": {"error": "did not start"}}) == 0


def test_verdicts_use_the_medians_and_list_each_round() -> None:
    results = _three_rounds()
    assert results["clawrouter"]["chat"]["cpu_us_per_req"] == 280  # median of 280, 480, 270
    assert results["raw"]["chat"]["cpu_us_per_req"] == 210  # median of 200, 240, 210
    v = report.verdicts(results, ["chat"])
    assert {x["result"] for x in v.values()} == {"PASS"}
    assert v["chat.cpu_ratio"]["value"] == 280 / 210  # the ratio of the medians
    assert v["chat.cpu_ratio"]["per_round"] == [1.4, 2.0, 1.286]
    assert v["chat.rps_ratio"]["per_round"] == [0.72, 0.5, 0.731]
    assert v["chat.c1_over_raw_ms"]["value"] == 0.06  # 0.40 - 0.35 (medians)
    assert v["chat.ttfb_over_raw_ms"]["per_round"] == [0.2, 0.7, 0.2]
    # The outlier round on its own fails: the medians are what keep it from deciding.
    alone = report.verdicts(rounds.round_view(results, 1), ["chat"])
    assert alone["chat.cpu_ratio"]["result"] == "FAIL"


def test_the_table_prints_medians_and_the_spread_under_it() -> None:
    text = report.table(_three_rounds(), 64, 32)
    assert "| req/s, 64 connections | 40,000 | 5,000 | 3,600 (0.72× raw) | ≥ 0.7× raw | PASS |" in (
        text
    )
    assert (
        "Over 3 rounds (lowest–highest; the table has the medians): req/s 0.50–0.73× raw;"
        " CPU per request 1.29–2.00× raw; p50 at 1 connection +0.050 to +0.240 ms beside raw;"
        " first byte at 32 streams +0.200 to +0.700 ms beside raw." in text
    )
    assert "| errors (all scenarios) | 0 | 0 | 0 |" in text


def test_one_round_prints_no_spread() -> None:
    one = _results(
        {
            "direct": [_round(40_000, 0, 0.02, 0.7)],
            "raw": [_round(5_000, 200, 0.35, 1.1)],
            "clawrouter": [_round(3_600, 280, 0.40, 1.3, errors=2)],
        }
    )
    assert report.spread_line(one, "chat", 32) == ""
    text = report.table(one, 64, 32)
    assert "Over 1 rounds" not in text and "| errors (all scenarios) | 0 | 0 | 2 |" in text


def test_the_note_says_how_the_values_were_taken() -> None:
    note = report.rounds_note(
        {"rounds": 3, "duration": 3.0, "c1_duration": 2.0, "warmup": 1.0, "conns": 64,
         "streams": 32}
    )  # fmt: skip
    assert note == (
        "Each value: the median of 3 round(s) of 3 s at 64 connections or 32 streams, 2 s at"
        " one, each after 1 s of warm-up; RSS peak: over the whole run."
    )
