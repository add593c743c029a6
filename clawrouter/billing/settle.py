"""The final charge for one call (billing.pricing's rules, §4.5): usage × the price's exact
ratios, tool surcharges and extra ratios, rounded once; and the numbers its log row records.
Pure: no I/O, no clock. Runs once per relay request, so it builds few objects."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from clawrouter.billing import ratio_defaults
from clawrouter.billing.prices import (
    QUOTA_PER_UNIT,
    SCALE,
    Price,
    product_of,
    round_half_up,
    round_quota,
)
from clawrouter.billing.ratios import as_fraction
from clawrouter.wire.usage import Usage


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


# Not frozen: one is built per relay request, and a frozen dataclass's __init__ costs a
# object.__setattr__ call per field (~2 µs for these fifteen). Nothing changes one once built.
@dataclass(slots=True)
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
) -> tuple[Fraction | int, tuple[ToolSurcharge, ...]]:
    prices = ratio_defaults.TOOL_PRICE if tool_prices is None else tool_prices
    scale = as_fraction(p.group_ratio) * quota_per_unit / 1000
    total: Fraction | int = 0
    items = []
    for name, count in sorted((tool_calls or {}).items()):
        unit = tool_price_for(prices, name, p.model)
        if count <= 0 or not math.isfinite(unit) or unit <= 0:
            continue
        amount = as_fraction(unit) * count * scale
        total += amount
        items.append(ToolSurcharge(name, count, unit, round_quota(amount)[0]))
    return total, tuple(items)


@dataclass(slots=True)
class _Tokens:
    """Usage with every count clamped at 0 and the cache-write total reconciled (built
    positionally, per request: see Settlement)."""

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
        w5 = usage.cache_write_5m_tokens
        w1 = usage.cache_write_1h_tokens
        w5, w1 = (w5 if w5 > 0 else 0), (w1 if w1 > 0 else 0)
        return cls(
            max(usage.prompt_tokens, 0), max(usage.completion_tokens, 0),
            max(usage.cached_tokens, 0), max(usage.cache_write_tokens, w5 + w1, 0), w5, w1,
            max(usage.image_tokens, 0), usage.semantic == "anthropic",
        )  # fmt: skip

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
    scaled = price.scaled
    if price.per_call:
        base = t.prompt
        num, den = scaled[7] * quota_per_unit * scaled[1], SCALE * SCALE
    else:
        units, base = _token_units(price, t)
        num, den = units * scaled[0] * scaled[1], SCALE**3
    surcharge: Fraction | int = 0
    tools: tuple[ToolSurcharge, ...] = ()
    if tool_calls or other_ratios:
        surcharge, tools = _surcharges(price, tool_calls, tool_prices, quota_per_unit)
        raw = Fraction(num, den) * product_of(other_ratios) + surcharge
        num, den = raw.numerator, raw.denominator
    total = t.total
    no_usage = not price.per_call and total == 0 and surcharge == 0
    quota, saturated = (0, False) if no_usage else round_half_up(num, den)
    if quota == 0 and not no_usage:
        nonfree = not price.per_call and price.model_ratio != 0 and price.group_ratio != 0
        if num > 0 or (nonfree and total > 0):  # any billable usage costs at least 1
            quota = 1
    return Settlement(
        quota, price, "anthropic" if t.anthropic else "openai",
        t.prompt, t.completion, t.cached, t.write, t.write_5m, t.write_1h, t.image, base,
        tools, (num, den), saturated, no_usage,
    )  # fmt: skip
