"""The price tables as one frozen value, with the reference's lookup rules.

Name normalisation (`candidate_names`): a model is looked up under its exact name first, then
under progressively shorter names, each step removing one trailing suffix:
  1. `-thinking`, `-thinking-<budget digits>` or `-nothinking` (thinking toggles),
     after first trying the reference's wildcard `<base>-thinking-*` for budgets;
  2. a reasoning-effort suffix `-minimal|-low|-medium|-high|-xhigh` (o3-mini-high → o3-mini);
  3. a date snapshot `-YYYYMMDD` or `-YYYY-MM-DD` (claude-sonnet-4-20250514 → claude-sonnet-4);
  4. `-latest`.
`gpt-4-gizmo…`/`gpt-4o-gizmo…` also try the reference's `gpt-4-gizmo-*`/`gpt-4o-gizmo-*` keys.
The first candidate found wins, so an explicit snapshot entry always beats its family. Vendor
prefixes (`openai/gpt-4o`) and 4-digit snapshots (`gpt-4-0613`) are never stripped: their prices
differ too often. Invalid table entries (negative, NaN, infinite, non-numbers) are ignored.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from fractions import Fraction
from types import MappingProxyType
from typing import Any

from clawrouter.billing import ratio_defaults

DEFAULT_CACHE_RATIO = 1.0
DEFAULT_CREATE_CACHE_RATIO = 1.25
CACHE_1H_MULTIPLIER = Fraction(8, 5)  # 1h cache write = 5m write × 6/3.75

_BUDGET = re.compile(r"-thinking-\d+$")
_STRIP = (
    re.compile(r"-(?:nothinking|thinking(?:-\d+)?)$"),
    re.compile(r"-(?:minimal|low|medium|high|xhigh)$"),
    re.compile(r"-(?:\d{8}|\d{4}-\d{2}-\d{2})$"),
    re.compile(r"-latest$"),
)

# option key -> Ratios field
OPTION_FIELDS = MappingProxyType(
    {
        "ModelRatio": "model_ratio",
        "CompletionRatio": "completion_ratio",
        "CacheRatio": "cache_ratio",
        "CreateCacheRatio": "create_cache_ratio",
        "ModelPrice": "model_price",
        "ImageRatio": "image_ratio",
        "AudioRatio": "audio_ratio",
        "AudioCompletionRatio": "audio_completion_ratio",
        "GroupRatio": "group_ratio",
        "GroupGroupRatio": "group_group_ratio",
    }
)

_EMPTY: Mapping[str, Any] = MappingProxyType({})


def candidate_names(model: str) -> tuple[str, ...]:
    """Names to try for `model`, most specific first (see the module docstring)."""
    names = [model]
    if model.startswith("gpt-4o-gizmo"):
        names.append("gpt-4o-gizmo-*")
    elif model.startswith("gpt-4-gizmo"):
        names.append("gpt-4-gizmo-*")
    if _BUDGET.search(model):
        names.append(_BUDGET.sub("-thinking-*", model))
    current = model
    for pattern in _STRIP:
        current = pattern.sub("", current, count=1)
        names.append(current)
    return tuple(dict.fromkeys(n for n in names if n))


def as_fraction(value: float) -> Fraction:
    """Exact value of a ratio as written in decimal (0.075 → 3/40, not the binary float)."""
    return Fraction(repr(float(value)))


def _valid(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isfinite(value) and value >= 0


def _clean(table: Mapping[str, Any] | None) -> Mapping[str, float]:
    items = (table or {}).items()
    return MappingProxyType({str(k): float(v) for k, v in items if _valid(v)})


def _clean_nested(table: Mapping[str, Any] | None) -> Mapping[str, Mapping[str, float]]:
    items = (table or {}).items()
    return MappingProxyType({str(k): _clean(v) for k, v in items if isinstance(v, Mapping)})


@dataclass(frozen=True, slots=True)
class Ratios:
    """Immutable snapshot of the price options. Build a new one when an option changes."""

    model_ratio: Mapping[str, float] = field(default_factory=dict)
    completion_ratio: Mapping[str, float] = field(default_factory=dict)
    cache_ratio: Mapping[str, float] = field(default_factory=dict)
    create_cache_ratio: Mapping[str, float] = field(default_factory=dict)
    model_price: Mapping[str, float] = field(default_factory=dict)
    image_ratio: Mapping[str, float] = field(default_factory=dict)
    audio_ratio: Mapping[str, float] = field(default_factory=dict)
    audio_completion_ratio: Mapping[str, float] = field(default_factory=dict)
    group_ratio: Mapping[str, float] = field(default_factory=dict)
    group_group_ratio: Mapping[str, Mapping[str, float]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for f in fields(self):
            clean = _clean_nested if f.name == "group_group_ratio" else _clean
            object.__setattr__(self, f.name, clean(getattr(self, f.name)))

    @classmethod
    def from_options(cls, maps: Mapping[str, Mapping[str, Any]]) -> Ratios:
        """Build from parsed option maps keyed by option name ("ModelRatio", …)."""
        return cls(**{OPTION_FIELDS[k]: v for k, v in maps.items() if k in OPTION_FIELDS})

    @classmethod
    def defaults(cls) -> Ratios:
        """The built-in tables with the reference's default groups."""
        return cls(
            model_ratio=ratio_defaults.model_ratio(),
            completion_ratio=ratio_defaults.completion_ratio(),
            cache_ratio=ratio_defaults.cache_ratio(),
            create_cache_ratio=ratio_defaults.create_cache_ratio(),
            model_price=ratio_defaults.model_price(),
            image_ratio=ratio_defaults.image_ratio(),
            audio_ratio=ratio_defaults.audio_ratio(),
            audio_completion_ratio=ratio_defaults.audio_completion_ratio(),
            group_ratio={"default": 1, "vip": 1, "svip": 1},
        )

    def resolve(self, model: str) -> tuple[str, float, bool] | None:
        """(matched name, value, per_call) — ModelPrice beats ModelRatio for the same name."""
        for name in candidate_names(model):
            if name in self.model_price:
                return name, self.model_price[name], True
            if name in self.model_ratio:
                return name, self.model_ratio[name], False
        return None

    def completion_ratio_for(self, model: str) -> float:
        """Map entry for names with '/', then a locked rule, the map, an unlocked rule, 1."""
        names = candidate_names(model)
        mapped = _first(self.completion_ratio, names)
        if "/" in model and mapped is not None:
            return mapped
        rule = next(filter(None, map(ratio_defaults.completion_ratio_rule, names)), None)
        if rule is not None and rule[1]:
            return float(rule[0])
        if mapped is not None:
            return mapped
        return float(rule[0]) if rule is not None else 1.0

    def cache_ratio_for(self, model: str) -> float:
        return _lookup(self.cache_ratio, model, DEFAULT_CACHE_RATIO)

    def create_cache_ratio_for(self, model: str) -> float:
        """Ratio of a 5-minute cache write (1.25 when missing)."""
        return _lookup(self.create_cache_ratio, model, DEFAULT_CREATE_CACHE_RATIO)

    def image_ratio_for(self, model: str) -> float:
        return _lookup(self.image_ratio, model, 1.0)

    def audio_ratio_for(self, model: str) -> float:
        return _lookup(self.audio_ratio, model, 1.0)

    def audio_completion_ratio_for(self, model: str) -> float:
        return _lookup(self.audio_completion_ratio, model, 1.0)

    def group_ratio_for(self, using_group: str, user_group: str) -> tuple[float, float]:
        """(effective group ratio, user_group_ratio); the latter is -1 without a special pair."""
        special = self.group_group_ratio.get(user_group, _EMPTY).get(using_group)
        if special is not None:
            return special, special
        return self.group_ratio.get(using_group, 1.0), -1.0


def _first(table: Mapping[str, float], names: tuple[str, ...]) -> float | None:
    return next((table[n] for n in names if n in table), None)


def _lookup(table: Mapping[str, float], model: str, default: float) -> float:
    found = _first(table, candidate_names(model))
    return default if found is None else found
