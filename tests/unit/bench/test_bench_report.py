"""The benchmark's verdicts (issue #15's targets against raw of the same run) and the
profiler's per-request budget, on hand-made results: no processes, no load."""

from __future__ import annotations

from bench import report
from bench.profile import OTHER, budget
from bench.scenarios import SCENARIOS, names_of


def _results(cr_rps: float, cr_cpu: float, cr_c1: float, cr_ttfb: float) -> dict:
    def fmt(rps: float, cpu: float, c1: float, ttfb: float) -> dict:
        return {
            "chat": {"rps": rps, "cpu_us_per_req": cpu, "p50_ms": 10.0, "p99_ms": 20.0},
            "chat_c1": {"p50_ms": c1},
            "stream": {"ttfb_p50_ms": ttfb, "p50_ms": 105.0},
            "stream_c1": {"ttfb_p50_ms": 1.0},
        }

    return {
        "direct": fmt(40_000, 0, 0.02, 0.7),
        "raw": {**fmt(5_000, 200, 0.35, 1.1), "rss_peak_mb": 40.0},
        "clawrouter": {**fmt(cr_rps, cr_cpu, cr_c1, cr_ttfb), "rss_peak_mb": 72.0},
    }


def test_every_format_has_four_scenarios() -> None:
    for fmt in ("chat", "anthropic", "gemini", "cross"):
        names = names_of(fmt)
        assert set(names.values()) <= set(SCENARIOS)
        assert SCENARIOS[names["stream"]].stream and SCENARIOS[names["many"]].many
        assert not SCENARIOS[names["c1"]].many


def test_targets_pass_at_their_limits_and_fail_beyond() -> None:
    ok = report.verdicts(_results(3_500, 290, 0.45, 1.4), ["chat"])
    assert {v["result"] for v in ok.values()} == {"PASS"}
    bad = report.verdicts(_results(3_000, 300, 0.5, 1.5), ["chat"])
    assert bad["chat.rps_ratio"]["result"] == "FAIL"  # 0.6 < 0.7
    assert bad["chat.cpu_ratio"]["result"] == "FAIL"  # 1.5 > 1.45
    assert bad["chat.c1_over_raw_ms"]["result"] == "FAIL"  # 0.15 ms over raw's
    assert bad["chat.ttfb_over_raw_ms"]["result"] == "FAIL"  # 0.4 ms over raw's
    assert bad["peak_rss_mb"]["result"] == "PASS"


def test_unmeasured_targets_are_not_applicable_and_tables_render() -> None:
    v = report.verdicts({}, ["anthropic"])
    assert v["anthropic.rps_ratio"]["result"] == "n/a"
    text = report.table(_results(3_500, 290, 0.45, 1.4), 64, 32)
    assert "**OpenAI chat**" in text and "**Anthropic messages**" not in text
    assert (
        "| req/s, 64 connections | 40,000 | 5,000 | 3,500 (0.70× raw) | ≥ 0.7× raw | PASS |" in text
    )
    scaling = report.scaling_table(
        {"clawrouter": {"chat": {"rps": 3_000, "cpu_us_per_req": 300}},
         "clawrouter-w2": {"skipped": "--workers: not supported by this build"}},
        ["clawrouter-w2"],
    )  # fmt: skip
    assert "| clawrouter | 3,000 | 300 | 3,333 | 1.00× |" in scaling
    assert "not supported by this build" in scaling


def test_budget_takes_the_innermost_specific_step() -> None:
    stacks = "\n".join(
        [
            "run (clawrouter/runner.py:1);_handle_request (aiohttp/web_protocol.py:2);"
            "settle (clawrouter/relay/settlement.py:3);settle_quota (clawrouter/billing/pricing.py:4)"
            " 3",
            "run (clawrouter/runner.py:1);_handle_request (aiohttp/web_protocol.py:2);"
            "attempt (clawrouter/relay/attempt.py:5);send (clawrouter/relay/upstream.py:6);"
            "_request (aiohttp/client.py:7) 5",
            "run (clawrouter/runner.py:1);_handle_request (aiohttp/web_protocol.py:2) 1",
            "run (asyncio/runners.py:1) 1",
        ]
    )
    counts, total = budget(stacks)
    assert total == 10
    assert counts["settle: usage priced, ledger, log row"] == 3
    assert counts["upstream call (aiohttp client: send, headers, body)"] == 5
    assert counts["aiohttp server (parse, dispatch, write)"] == 1
    assert counts[OTHER] == 1
