"""Quota arithmetic: price a request, pre-consume, settle (pure integers, no I/O, no clock).

Units: `quota_per_unit` (default 500000) quota = 1 USD; ratio 1 = $2 per 1M input tokens.
Arithmetic is exact (each ratio taken as the decimal it is written as, held as an integer
× SCALE; Fractions only where tool surcharges or extra ratios come in), then rounded once, half
up (x.5 → x+1), and clamped to [0, QUOTA_MAX]. Settlement follows the reference (§4.5) with
these deliberate choices:
- OpenAI semantic: cache reads and writes are inside prompt_tokens, so they are subtracted and
  re-priced; Anthropic semantic: input excludes them, nothing is subtracted. The base never
  goes below 0, and image tokens are capped at what is left, so no token is billed twice.
- Cache writes: the 5m/1h split uses its two ratios, an unsplit remainder the 5m ratio, in
  both semantics.
- Token pricing with no usage at all (and no tool surcharge) costs 0; any non-free usage costs
  at least 1. Per-call pricing charges the call whatever the usage says.

This module owns the reservation before a call and the dollar conversions; a request's price
lives in billing.prices and its final charge in billing.settle (both re-exported here).
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

from clawrouter.billing.prices import (
    QUOTA_MAX,
    QUOTA_PER_UNIT,
    SCALE,
    SELF_USE_MODEL_RATIO,
    Price,
    UnpricedModelError,
    price,
    product_of,
    round_half_up,
    round_quota,
    scaled_int,
)
from clawrouter.billing.ratios import as_fraction
from clawrouter.billing.settle import Settlement, ToolSurcharge, settle_quota, tool_price_for

__all__ = [
    "PRE_CONSUMED_MIN_TOKENS",
    "QUOTA_MAX",
    "QUOTA_PER_UNIT",
    "SCALE",
    "SELF_USE_MODEL_RATIO",
    "TRUST_USD",
    "Price",
    "QuotaOverflowError",
    "Settlement",
    "ToolSurcharge",
    "UnpricedModelError",
    "is_trusted",
    "pre_consume_quota",
    "price",
    "quota_to_usd",
    "round_quota",
    "scaled_int",
    "settle_quota",
    "tool_price_for",
    "usd_to_quota",
]

PRE_CONSUMED_MIN_TOKENS = 500
TRUST_USD = 10


class QuotaOverflowError(Exception):
    """A pre-consume amount beyond QUOTA_MAX (relay: 400 model_price_error)."""

    code = "model_price_error"
    status = 400


def pre_consume_quota(
    price: Price,
    prompt_tokens_estimate: int,
    max_tokens: int,
    quota_per_unit: int = QUOTA_PER_UNIT,
    pre_consumed_min: int = PRE_CONSUMED_MIN_TOKENS,
    *,
    other_ratios: Mapping[str, float] | None = None,
) -> int:
    """Amount to reserve before calling upstream (§4.4).

    Token priced: (max(prompt, pre_consumed_min) + max_tokens) × model_ratio × group_ratio.
    Per call: model_price × quota_per_unit × group_ratio × Π other_ratios (image size, n…).
    Raises QuotaOverflowError past QUOTA_MAX.
    """
    model, group = price.scaled[0], price.scaled[1]
    if price.per_call:
        raw = Fraction(price.scaled[7] * quota_per_unit * group, SCALE * SCALE)
        if other_ratios:
            raw *= product_of(other_ratios)
        num, den = raw.numerator, raw.denominator
    else:
        tokens = max(prompt_tokens_estimate, pre_consumed_min, 0) + max(max_tokens, 0)
        num, den = tokens * model * group, SCALE * SCALE
    quota, clamped = round_half_up(num, den)
    if clamped:
        raise QuotaOverflowError(f"pre-consume quota {num / den:.0f} exceeds the limit")
    return quota


def is_trusted(
    token_unlimited: bool, token_remain: int, user_quota: int, quota_per_unit: int = QUOTA_PER_UNIT
) -> bool:
    """Trust bypass: (token unlimited or token > $10) and user > $10 → pre-consume nothing."""
    trust = TRUST_USD * quota_per_unit
    return (token_unlimited or token_remain > trust) and user_quota > trust


def quota_to_usd(quota: int, quota_per_unit: int = QUOTA_PER_UNIT) -> float:
    """Quota as US dollars (for messages such as "remaining $x")."""
    return float(Fraction(quota, quota_per_unit))


def usd_to_quota(usd: float, quota_per_unit: int = QUOTA_PER_UNIT) -> int:
    """US dollars as quota, rounded half up and clamped like every other amount."""
    return round_quota(as_fraction(usd) * quota_per_unit)[0]
