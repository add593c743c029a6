"""Table tests for billing.pricing: every expected quota is computed by hand in the comment."""

from __future__ import annotations

from fractions import Fraction

import pytest

from clawrouter.billing.pricing import (
    QUOTA_MAX,
    SELF_USE_MODEL_RATIO,
    Price,
    QuotaOverflowError,
    UnpricedModelError,
    is_trusted,
    pre_consume_quota,
    price,
    quota_to_usd,
    round_quota,
    settle_quota,
    tool_price_for,
    usd_to_quota,
)
from clawrouter.billing.ratios import Ratios
from clawrouter.wire.usage import Usage

R = Ratios(
    model_ratio={
        "gpt-4o": 1.25,
        "gpt-4o-2024-05-13": 2.5,
        "claude-sonnet-4-5": 1.5,
        "o3-mini": 0.55,
        "img": 2.5,
        "free": 0,
        "tiny": 0.001,
        "quarter": 0.25,
        "odd": 0.29,
        "huge": 1e12,
        "gemini-2.5-flash": 0.15,
        "gemini-2.5-flash-thinking-*": 0.2,
        "my-model": 1,
    },
    completion_ratio={"img": 8, "claude-3-haiku": 9, "a/claude-3-x": 2, "my-model": 2},
    cache_ratio={"gpt-4o": 0.5, "claude-sonnet-4-5": 0.1, "img": 0.25},
    create_cache_ratio={"claude-sonnet-4-5": 1.25, "gpt-4o": 2},
    model_price={"dall-e-3": 0.04, "img-call": 0.0000004, "free-call": 0},
    image_ratio={"img": 2},
    group_ratio={"default": 1, "vip": 1.5, "free-group": 0},
    group_group_ratio={"vip": {"default": 0.8}},
)


def _price(model: str, group: str = "default", user_group: str = "default") -> Price:
    return price(model, group, user_group, R)


def _oa(prompt: int = 0, completion: int = 0, **kw: int) -> Usage:
    return Usage(prompt_tokens=prompt, completion_tokens=completion, **kw)


def _an(prompt: int = 0, completion: int = 0, **kw: int) -> Usage:
    return Usage(prompt_tokens=prompt, completion_tokens=completion, semantic="anthropic", **kw)


SETTLE_CASES = [
    # plain per-token: (1000 + 500×4) × 1.25
    ("plain", "gpt-4o", "default", "default", _oa(1000, 500), 3750),
    # group ratio: 3750 × 1.5
    ("group", "gpt-4o", "vip", "default", _oa(1000, 500), 5625),
    # GroupGroupRatio vip→default 0.8 overrides GroupRatio default 1: 3750 × 0.8
    ("group-group", "gpt-4o", "default", "vip", _oa(1000, 500), 3000),
    # OpenAI cached, subtracted once: (600 + 400×0.5 + 100×4) × 1.25
    ("oa-cached", "gpt-4o", "default", "default", _oa(1000, 100, cached_tokens=400), 1500),
    # OpenAI cache read + write inside prompt: (500 + 300×0.5 + 200×2 + 0) × 1.25
    (
        "oa-cache-write",
        "gpt-4o",
        "default",
        "default",
        _oa(1000, 0, cached_tokens=300, cache_write_tokens=200),
        1313,  # 1312.5 rounds half up
    ),
    # OpenAI semantic that lies (cache outside prompt): base clamps at 0, never negative:
    # (0 + 300×0.5 + 10×4) × 1.25 = 237.5
    ("oa-no-negative", "gpt-4o", "default", "default", _oa(100, 10, cached_tokens=300), 238),
    # Anthropic: nothing subtracted. 1000 + 2000×0.1 + (200+200)×1.25 + 100×2.0 + 100×5 = 2400
    (
        "an-split",
        "claude-sonnet-4-5",
        "default",
        "default",
        _an(
            1000,
            100,
            cached_tokens=2000,
            cache_write_tokens=500,
            cache_write_5m_tokens=200,
            cache_write_1h_tokens=100,
        ),
        3600,  # 2400 × 1.5
    ),
    # Anthropic unsplit writes at the 5m ratio: (1000 + 400×1.25 + 0) × 1.5
    (
        "an-unsplit",
        "claude-sonnet-4-5",
        "default",
        "default",
        _an(1000, 0, cache_write_tokens=400),
        2250,
    ),
    # Anthropic only splits (total 0 given): (10 + 40×1.25 + 60×2) × 1.5 = 270
    (
        "an-split-only",
        "claude-sonnet-4-5",
        "default",
        "default",
        _an(10, 0, cache_write_5m_tokens=40, cache_write_1h_tokens=60),
        270,
    ),
    # Anthropic fully cached prompt, input 0: 1000×0.1 × 1.5 — not "no usage"
    (
        "an-cache-only",
        "claude-sonnet-4-5",
        "default",
        "default",
        _an(0, 0, cached_tokens=1000),
        150,
    ),
    # image tokens: (400 + 600×2 + 100×8) × 2.5
    ("image", "img", "default", "default", _oa(1000, 100, image_tokens=600), 6000),
    # image + cache overlap: base 500 after cache, image capped at 500:
    # (0 + 500×0.25 + 500×2 + 0) × 2.5 = 2812.5
    (
        "image-cache",
        "img",
        "default",
        "default",
        _oa(1000, 0, cached_tokens=500, image_tokens=800),
        2813,
    ),
    # per-call: 0.04 × 500000
    ("per-call", "dall-e-3", "default", "default", _oa(0, 0), 20000),
    ("per-call-group", "dall-e-3", "vip", "default", _oa(10, 10), 30000),
    # tiny per-call price 0.2 quota → at least 1
    ("per-call-tiny", "img-call", "default", "default", _oa(1, 0), 1),
    ("per-call-free", "free-call", "default", "default", _oa(1, 0), 0),
    # zero usage on token pricing → 0
    ("zero", "gpt-4o", "default", "default", _oa(0, 0), 0),
    # tiny usage → 1 (0.001 rounds to 0)
    ("tiny", "tiny", "default", "default", _oa(1, 0), 1),
    # free model and free group → 0
    ("free-model", "free", "default", "default", _oa(1000, 1000), 0),
    ("free-group", "gpt-4o", "free-group", "default", _oa(1000, 1000), 0),
    # rounding: 10 × 0.25 = 2.5 → 3 (half up, not banker's 2); 9 × 0.25 = 2.25 → 2
    ("half-up", "quarter", "default", "default", _oa(10, 0), 3),
    ("round-down", "quarter", "default", "default", _oa(9, 0), 2),
    # exact decimals: 50 × 0.29 = 14.5 exactly → 15 (binary floats give 14.4999… → 14)
    ("exact-decimal", "odd", "default", "default", _oa(50, 0), 15),
    # negative counts are treated as 0: (0 + 100×4) × 1.25
    ("negative-usage", "gpt-4o", "default", "default", _oa(-50, 100), 500),
    # normalised names: -thinking and snapshot fall back to the family
    ("thinking", "claude-sonnet-4-5-20250929-thinking", "default", "default", _an(1000, 0), 1500),
    ("effort", "o3-mini-high", "default", "default", _oa(1000, 1000), 2750),  # 5000 × 0.55
]


@pytest.mark.parametrize(
    ("model", "group", "user_group", "usage", "expected"),
    [case[1:] for case in SETTLE_CASES],
    ids=[case[0] for case in SETTLE_CASES],
)
def test_settle_quota(model: str, group: str, user_group: str, usage: Usage, expected: int) -> None:
    got = settle_quota(price(model, group, user_group, R), usage)
    assert got.quota == expected
    assert isinstance(got.quota, int)


def test_zero_usage_is_flagged_and_free() -> None:
    s = settle_quota(_price("gpt-4o"), _oa(0, 0))
    assert (s.quota, s.no_usage) == (0, True)


def test_openai_cache_is_subtracted_once() -> None:
    s = settle_quota(_price("gpt-4o"), _oa(1000, 0, cached_tokens=300, cache_write_tokens=200))
    assert s.billed_prompt_tokens == 500
    a = settle_quota(_price("claude-sonnet-4-5"), _an(1000, 0, cached_tokens=300))
    assert a.billed_prompt_tokens == 1000


# tool surcharge: web_search 3 calls × $10/1000 × 500000 = 15000; plus (100 + 0) × 1.25 = 125
TOOL_CASES = [
    ("tokens+tool", "gpt-4o", "default", _oa(100, 0), {"web_search": 3}, None, 15125),
    (
        "group",
        "gpt-4o",
        "vip",
        _oa(100, 0),
        {"web_search": 3},
        None,
        22688,
    ),  # 15125 × 1.5 = 22687.5
    ("zero-usage", "gpt-4o", "default", _oa(0, 0), {"web_search": 1}, None, 5000),
    # gpt-4o* prefix override: $25/1000 × 500000
    ("prefix", "gpt-4o", "default", _oa(0, 0), {"web_search_preview": 1}, None, 12500),
    ("custom", "gpt-4o", "default", _oa(0, 0), {"x": 2}, {"x": 1.0}, 1000),
    ("unknown-tool", "gpt-4o", "default", _oa(0, 0), {"nope": 5}, None, 0),
    ("per-call", "dall-e-3", "default", _oa(0, 0), {"web_search": 1}, None, 25000),
]


@pytest.mark.parametrize(
    ("model", "group", "usage", "calls", "prices", "expected"),
    [case[1:] for case in TOOL_CASES],
    ids=[case[0] for case in TOOL_CASES],
)
def test_tool_surcharge(
    model: str,
    group: str,
    usage: Usage,
    calls: dict[str, int],
    prices: dict[str, float] | None,
    expected: int,
) -> None:
    s = settle_quota(price(model, group, "default", R), usage, tool_calls=calls, tool_prices=prices)
    assert s.quota == expected


def test_tool_surcharge_logged() -> None:
    s = settle_quota(_price("gpt-4o"), _oa(1, 0), tool_calls={"web_search": 2})
    assert s.log_other()["tool_surcharges"] == [{"name": "web_search", "count": 2, "price": 10.0}]
    assert s.tool_surcharges[0].quota == 10000


def test_tool_price_lookup() -> None:
    prices = {"t": 1.0, "t:gpt-4o*": 2.0, "t:gpt-4o-mini*": 3.0}
    assert tool_price_for(prices, "t", "gpt-4o-mini-x") == 3.0
    assert tool_price_for(prices, "t", "gpt-4o") == 2.0
    assert tool_price_for(prices, "t", "claude") == 1.0
    assert tool_price_for(prices, "u", "gpt-4o") == 0.0


def test_other_ratios_multiply() -> None:
    # dall-e-3 n=2 at 1792px (×2): 20000 × 2 × 2
    s = settle_quota(_price("dall-e-3"), _oa(), other_ratios={"n": 2, "size": 2})
    assert s.quota == 80000


PRE_CASES = [
    # (max(100, 500) + 0) × 1.25
    ("floor", "gpt-4o", "default", 100, 0, 625),
    # (1000 + 200) × 1.25
    ("estimate+max", "gpt-4o", "default", 1000, 200, 1500),
    # (500 + 1000) × 1.25 × 1.5 = 2812.5
    ("group", "gpt-4o", "vip", 0, 1000, 2813),
    ("negative-max", "gpt-4o", "default", 600, -5, 750),
    ("per-call", "dall-e-3", "vip", 5000, 5000, 30000),
    ("free", "free", "default", 1000, 1000, 0),
]


@pytest.mark.parametrize(
    ("model", "group", "prompt", "max_tokens", "expected"),
    [case[1:] for case in PRE_CASES],
    ids=[case[0] for case in PRE_CASES],
)
def test_pre_consume(model: str, group: str, prompt: int, max_tokens: int, expected: int) -> None:
    assert pre_consume_quota(price(model, group, "default", R), prompt, max_tokens) == expected


def test_pre_consume_custom_floor_and_other_ratios() -> None:
    assert pre_consume_quota(_price("gpt-4o"), 10, 0, pre_consumed_min=100) == 125
    assert pre_consume_quota(_price("dall-e-3"), 0, 0, other_ratios={"n": 3}) == 60000


def test_pre_consume_overflow() -> None:
    with pytest.raises(QuotaOverflowError) as err:
        pre_consume_quota(_price("huge"), 10_000, 0)
    assert err.value.code == "model_price_error"


def test_settle_saturates() -> None:
    s = settle_quota(_price("huge"), _oa(10_000, 0))
    assert (s.quota, s.saturated) == (QUOTA_MAX, True)
    assert "quota_saturation" in s.log_other()["admin_info"]


TRUST_CASES = [
    # trust line is $10 = 5_000_000 at 500000/USD; both sides must be strictly above it
    ("both-above", False, 5_000_001, 5_000_001, True),
    ("token-at-line", False, 5_000_000, 10**9, False),
    ("user-at-line", False, 10**9, 5_000_000, False),
    ("unlimited-token", True, 0, 5_000_001, True),
    ("unlimited-poor-user", True, 0, 100, False),
]


@pytest.mark.parametrize(
    ("unlimited", "token_remain", "user_quota", "expected"),
    [case[1:] for case in TRUST_CASES],
    ids=[case[0] for case in TRUST_CASES],
)
def test_is_trusted(unlimited: bool, token_remain: int, user_quota: int, expected: bool) -> None:
    assert is_trusted(unlimited, token_remain, user_quota) is expected


def test_is_trusted_other_unit() -> None:
    assert is_trusted(False, 1001, 1001, quota_per_unit=100) is True
    assert is_trusted(False, 1000, 1001, quota_per_unit=100) is False


def test_unpriced_model_raises() -> None:
    with pytest.raises(UnpricedModelError) as err:
        _price("no-such-model")
    assert (err.value.model, err.value.code, err.value.status) == (
        "no-such-model",
        "model_price_error",
        400,
    )


def test_self_use_mode_prices_unset_model() -> None:
    p = price("no-such-model", "default", "default", R, self_use_mode=True)
    assert (p.model_ratio, p.unset, p.per_call, p.completion_ratio) == (
        SELF_USE_MODEL_RATIO,
        True,
        False,
        1.0,
    )
    assert settle_quota(p, _oa(1000, 0)).quota == 37500  # 1000 × 37.5


def test_self_use_mode_keeps_configured_price() -> None:
    p = price("gpt-4o", "default", "default", R, self_use_mode=True)
    assert (p.model_ratio, p.unset) == (1.25, False)


def test_log_other_token_priced() -> None:
    s = settle_quota(_price("img"), _oa(1000, 0, image_tokens=10))
    other = s.log_other()
    assert other["model_price"] == -1
    assert other["user_group_ratio"] == -1
    assert (other["model_ratio"], other["completion_ratio"], other["cache_ratio"]) == (2.5, 8, 0.25)
    assert (other["image"], other["image_ratio"]) == (True, 2.0)
    assert other["usage_semantic"] == "openai"
    assert "tool_surcharges" not in other and "admin_info" not in other


def test_log_other_anthropic_and_per_call() -> None:
    usage = _an(5, 1, cache_write_tokens=30, cache_write_5m_tokens=10, cache_write_1h_tokens=20)
    other = settle_quota(_price("claude-sonnet-4-5"), usage).log_other()
    assert other["usage_semantic"] == "anthropic"
    assert (other["cache_creation_tokens_5m"], other["cache_creation_tokens_1h"]) == (10, 20)
    assert (other["cache_creation_ratio_5m"], other["cache_creation_ratio_1h"]) == (1.25, 2.0)
    call = settle_quota(_price("dall-e-3", "default", "vip"), _oa()).log_other()
    assert (call["model_price"], call["model_ratio"], call["user_group_ratio"]) == (0.04, 0, 0.8)


def test_free_flag() -> None:
    assert _price("free").free and _price("free-call").free
    assert _price("gpt-4o", "free-group").free
    assert not _price("gpt-4o").free


def test_round_quota() -> None:
    assert round_quota(Fraction(5, 2)) == (3, False)
    assert round_quota(Fraction(-1, 3)) == (0, False)
    assert round_quota(Fraction(-2)) == (0, True)
    assert round_quota(Fraction(QUOTA_MAX) + 1) == (QUOTA_MAX, True)


def test_usd_conversions() -> None:
    assert quota_to_usd(500_000) == 1.0
    assert quota_to_usd(1) == 0.000002
    assert quota_to_usd(250, quota_per_unit=1000) == 0.25
    assert usd_to_quota(0.002) == 1000
    assert usd_to_quota(10) == 5_000_000
    assert usd_to_quota(0.000001) == 1  # 0.5 rounds half up
    assert usd_to_quota(1e30) == QUOTA_MAX
