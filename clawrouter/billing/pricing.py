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
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from clawrouter.billing import ratio_defaults
from clawrouter.billing.ratios import CACHE_1H_MULTIPLIER, Ratios, as_fraction
from clawrouter.wire.usage import Usage

QUOTA_PER_UNIT = 500_000
PRE_CONSUMED_MIN_TOKENS = 500
TRUST_USD = 10
QUOTA_MAX = 2**53 - 1  # ≈ $18 billion at 500000/USD; exact in JSON and JavaScript
SELF_USE_MODEL_RATIO = 37.5  # the reference's ratio for an unpriced model in self-use mode

_HALF = Fraction(1, 2)
SCALE = 10**20  # ratios are exact to 20 decimals (any float repr) in the integer path


def scaled_int(value: float) -> int:
    """A ratio as an integer × SCALE, exact for values written with up to 20 decimals."""
    return round(Decimal(repr(float(value))) * SCALE)


def _round_half_up(num: int, den: int) -> tuple[int, bool]:
    """Round num/den half up and clamp to [0, QUOTA_MAX]; the flag says whether clamped."""
    rounded = (2 * num + den) // (2 * den)
    if rounded > QUOTA_MAX:
        return QUOTA_MAX, True
    if rounded < 0:
        return 0, True
    return rounded, False


_TOKEN_RATIO_FIELDS = (
    "completion_ratio",
    "cache_ratio",
    "cache_creation_ratio",
    "cache_creation_ratio_1h",
    "image_ratio",
    "audio_ratio",
    "audio_completion_ratio",
)


class UnpricedModelError(Exception):
    """The model has neither a ModelPrice nor a ModelRatio (relay: 400 model_price_error)."""

    code = "model_price_error"
    status = 400

    def __init__(self, model: str) -> None:
        super().__init__(f"model {model} price not configured")
        self.model = model


class QuotaOverflowError(Exception):
    """A pre-consume amount beyond QUOTA_MAX (relay: 400 model_price_error)."""

    code = "model_price_error"
    status = 400


@dataclass(frozen=True, slots=True)
class Price:
    """Everything settlement needs about one request's model and group."""

    model: str
    per_call: bool
    model_price: float  # USD per call; -1 when token priced
    model_ratio: float  # 0 when per-call
    group_ratio: float
    user_group_ratio: float = -1.0  # -1 when no GroupGroupRatio pair applies
    completion_ratio: float = 1.0
    cache_ratio: float = 1.0
    cache_creation_ratio: float = 1.25  # 5-minute write
    cache_creation_ratio_1h: float = 2.0
    image_ratio: float = 1.0
    audio_ratio: float = 1.0
    audio_completion_ratio: float = 1.0
    matched_model: str = ""  # the table key that priced it ("" when unset)
    unset: bool = False  # unpriced model billed at SELF_USE_MODEL_RATIO
    # The ratios as exact integers × SCALE (model, group, completion, cache, write 5m,
    # write 1h, image, per-call USD), so settling a request needs no Fraction arithmetic.
    scaled: tuple[int, ...] = field(default=(), compare=False, repr=False)

    def __post_init__(self) -> None:
        values = (
            self.model_ratio, self.group_ratio, self.completion_ratio, self.cache_ratio,
            self.cache_creation_ratio, self.cache_creation_ratio_1h, self.image_ratio,
            max(self.model_price, 0.0),
        )  # fmt: skip
        object.__setattr__(self, "scaled", tuple(scaled_int(v) for v in values))

    @property
    def free(self) -> bool:
        unit = self.model_price if self.per_call else self.model_ratio
        return unit == 0 or self.group_ratio == 0


def price(
    model: str, using_group: str, user_group: str, ratios: Ratios, *, self_use_mode: bool = False
) -> Price:
    """Price `model` for a user of `user_group` calling through `using_group`.

    Raises UnpricedModelError when nothing prices the model, unless `self_use_mode` (the
    SelfUseModeEnabled option or the user's accept_unset_ratio_model setting) is on; then the
    model is token priced at SELF_USE_MODEL_RATIO like in the reference.
    """
    group, user_group_ratio = ratios.group_ratio_for(using_group, user_group)
    hit = ratios.resolve(model)
    if hit is None and not self_use_mode:
        raise UnpricedModelError(model)
    if hit is not None and hit[2]:
        return _per_call_price(model, hit[0], hit[1], group, user_group_ratio)
    create = ratios.create_cache_ratio_for(model)
    return Price(
        model=model,
        per_call=False,
        model_price=-1.0,
        model_ratio=SELF_USE_MODEL_RATIO if hit is None else hit[1],
        group_ratio=group,
        user_group_ratio=user_group_ratio,
        completion_ratio=ratios.completion_ratio_for(model),
        cache_ratio=ratios.cache_ratio_for(model),
        cache_creation_ratio=create,
        cache_creation_ratio_1h=float(as_fraction(create) * CACHE_1H_MULTIPLIER),
        image_ratio=ratios.image_ratio_for(model),
        audio_ratio=ratios.audio_ratio_for(model),
        audio_completion_ratio=ratios.audio_completion_ratio_for(model),
        matched_model="" if hit is None else hit[0],
        unset=hit is None,
    )


def _per_call_price(model: str, matched: str, usd: float, group: float, special: float) -> Price:
    """Per-call prices carry no token ratios (logged as 0, like the reference)."""
    zero = dict.fromkeys(_TOKEN_RATIO_FIELDS, 0.0)
    return Price(model, True, usd, 0.0, group, special, matched_model=matched, **zero)


def round_quota(value: Fraction) -> tuple[int, bool]:
    """Round half up and clamp to [0, QUOTA_MAX]; the flag says whether it was clamped."""
    rounded = math.floor(value + _HALF)
    if rounded > QUOTA_MAX:
        return QUOTA_MAX, True
    if rounded < 0:
        return 0, True
    return rounded, False


def _product(values: Mapping[str, float] | None) -> Fraction:
    return math.prod((as_fraction(v) for v in (values or {}).values()), start=Fraction(1))


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
            raw *= _product(other_ratios)
        num, den = raw.numerator, raw.denominator
    else:
        tokens = max(prompt_tokens_estimate, pre_consumed_min, 0) + max(max_tokens, 0)
        num, den = tokens * model * group, SCALE * SCALE
    quota, clamped = _round_half_up(num, den)
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


def tool_price_for(prices: Mapping[str, float], tool: str, model: str) -> float:
    """USD per 1000 calls: the longest matching "tool:prefix*" key, then "tool", then 0."""
    best, best_len = None, -1
    for key, value in prices.items():
        name, sep, pattern = key.partition(":")
        prefix = pattern.removesuffix("*")
        if sep and name == tool and model.startswith(prefix) and len(prefix) > best_len:
            best, best_len = value, len(prefix)
    return float(prices.get(tool, 0.0) if best is None else best)


@dataclass(frozen=True, slots=True)
class ToolSurcharge:
    name: str
    count: int
    price: float  # USD per 1000 calls
    quota: int  # this tool's share, rounded for display


@dataclass(frozen=True, slots=True)
class Settlement:
    """The final charge and the numbers the consume log's `other` JSON records."""

    quota: int
    price: Price
    usage_semantic: str
    prompt_tokens: int
    completion_tokens: int
    cache_tokens: int
    cache_creation_tokens: int
    cache_creation_tokens_5m: int
    cache_creation_tokens_1h: int
    image_tokens: int
    billed_prompt_tokens: int  # prompt tokens charged at the plain input ratio
    tool_surcharges: tuple[ToolSurcharge, ...] = ()
    exact_parts: tuple[int, int] = (0, 1)  # the amount before rounding, as numerator/denominator
    saturated: bool = False
    no_usage: bool = False  # upstream reported no tokens: nothing charged

    @property
    def exact(self) -> Fraction:
        """The amount before rounding (built on demand: the reduction is not free)."""
        return Fraction(*self.exact_parts)

    def log_other(self) -> dict[str, Any]:
        p = self.price
        other: dict[str, Any] = {
            "model_ratio": p.model_ratio,
            "group_ratio": p.group_ratio,
            "completion_ratio": p.completion_ratio,
            "cache_tokens": self.cache_tokens,
            "cache_ratio": p.cache_ratio,
            "model_price": p.model_price,
            "user_group_ratio": p.user_group_ratio,
            "cache_creation_tokens": self.cache_creation_tokens,
            "cache_creation_ratio": p.cache_creation_ratio,
            "cache_creation_tokens_5m": self.cache_creation_tokens_5m,
            "cache_creation_ratio_5m": p.cache_creation_ratio,
            "cache_creation_tokens_1h": self.cache_creation_tokens_1h,
            "cache_creation_ratio_1h": p.cache_creation_ratio_1h,
            "cache_write_tokens": self.cache_creation_tokens,
            "usage_semantic": self.usage_semantic,
        }
        if self.image_tokens:
            other.update(image=True, image_ratio=p.image_ratio, image_output=0)
        if self.tool_surcharges:
            other["tool_surcharges"] = [
                {"name": t.name, "count": t.count, "price": t.price} for t in self.tool_surcharges
            ]
        if self.saturated:
            other["admin_info"] = {"quota_saturation": {"exact": str(self.exact)}}
        return other


def _surcharges(
    p: Price,
    tool_calls: Mapping[str, int] | None,
    tool_prices: Mapping[str, float] | None,
    quota_per_unit: int,
) -> tuple[Fraction, tuple[ToolSurcharge, ...]]:
    prices = ratio_defaults.TOOL_PRICE if tool_prices is None else tool_prices
    scale = as_fraction(p.group_ratio) * quota_per_unit / 1000
    total, items = Fraction(0), []
    for name, count in sorted((tool_calls or {}).items()):
        unit = tool_price_for(prices, name, p.model)
        if count <= 0 or not math.isfinite(unit) or unit <= 0:
            continue
        amount = as_fraction(unit) * count * scale
        total += amount
        items.append(ToolSurcharge(name, count, unit, round_quota(amount)[0]))
    return total, tuple(items)


@dataclass(frozen=True, slots=True)
class _Tokens:
    """Usage with every count clamped at 0 and the cache-write total reconciled."""

    prompt: int
    completion: int
    cached: int
    write: int
    write_5m: int
    write_1h: int
    image: int
    anthropic: bool

    @classmethod
    def of(cls, usage: Usage) -> _Tokens:
        w5, w1 = max(usage.cache_write_5m_tokens, 0), max(usage.cache_write_1h_tokens, 0)
        return cls(
            prompt=max(usage.prompt_tokens, 0),
            completion=max(usage.completion_tokens, 0),
            cached=max(usage.cached_tokens, 0),
            write=max(usage.cache_write_tokens, w5 + w1, 0),
            write_5m=w5,
            write_1h=w1,
            image=max(usage.image_tokens, 0),
            anthropic=usage.semantic == "anthropic",
        )

    @property
    def total(self) -> int:
        """All tokens, whatever the semantic (cache tokens are outside prompt for Anthropic)."""
        side = self.cached + self.write if self.anthropic else 0
        return self.prompt + side + self.completion


def _token_units(p: Price, u: _Tokens) -> tuple[int, int]:
    """Σ tokens × their ratio × SCALE (before model and group ratio), and the plain-input base."""
    base = u.prompt
    if not u.anthropic:
        base = max(base - u.cached - u.write, 0)
    image = min(u.image, base)
    base -= image
    rest = max(u.write - u.write_5m - u.write_1h, 0)
    _, _, completion, cache, r5m, r1h, image_r, _ = p.scaled
    units = (
        base * SCALE
        + u.cached * cache
        + (rest + u.write_5m) * r5m
        + u.write_1h * r1h
        + image * image_r
        + u.completion * completion
    )
    return units, base


def settle_quota(
    price: Price,
    usage: Usage,
    *,
    quota_per_unit: int = QUOTA_PER_UNIT,
    tool_calls: Mapping[str, int] | None = None,
    tool_prices: Mapping[str, float] | None = None,
    other_ratios: Mapping[str, float] | None = None,
) -> Settlement:
    """The final charge for a successful call (§4.5).

    quota = (base + cached×cache + writes×create + image×image + completion×completion)
            × model_ratio × group_ratio × Π other_ratios + tool surcharges
    (per call: model_price × quota_per_unit × group_ratio × Π other_ratios + surcharges).
    Tool surcharges are USD per 1000 calls × group_ratio; `tool_prices` None = built-ins.
    """
    t = _Tokens.of(usage)
    model, group = price.scaled[0], price.scaled[1]
    if price.per_call:
        base = t.prompt
        num, den = price.scaled[7] * quota_per_unit * group, SCALE * SCALE
    else:
        units, base = _token_units(price, t)
        num, den = units * model * group, SCALE**3
    surcharge, tools = Fraction(0), ()
    if tool_calls or other_ratios:
        surcharge, tools = _surcharges(price, tool_calls, tool_prices, quota_per_unit)
        raw = Fraction(num, den) * _product(other_ratios) + surcharge
        num, den = raw.numerator, raw.denominator
    no_usage = not price.per_call and t.total == 0 and surcharge == 0
    quota, saturated = (0, False) if no_usage else _round_half_up(num, den)
    nonfree = not price.per_call and price.model_ratio != 0 and price.group_ratio != 0
    billable = num > 0 or (nonfree and t.total > 0)
    if quota == 0 and billable and not no_usage:
        quota = 1
    return Settlement(
        quota=quota,
        price=price,
        usage_semantic="anthropic" if t.anthropic else "openai",
        prompt_tokens=t.prompt,
        completion_tokens=t.completion,
        cache_tokens=t.cached,
        cache_creation_tokens=t.write,
        cache_creation_tokens_5m=t.write_5m,
        cache_creation_tokens_1h=t.write_1h,
        image_tokens=t.image,
        billed_prompt_tokens=base,
        tool_surcharges=tools,
        exact_parts=(num, den),
        saturated=saturated,
        no_usage=no_usage,
    )
