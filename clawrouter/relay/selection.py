"""Channel choice (pure, given the index): highest priority tier first, weighted random inside
it, never a channel that already failed in this request; key choice on multi-key channels."""

from __future__ import annotations

import random
import re
from bisect import bisect_right
from collections.abc import Iterable
from itertools import accumulate

from clawrouter.relay.entries import ChannelEntry


class Tier(list[ChannelEntry]):
    """One priority tier of the routing index, with what a pick needs precomputed when the index
    is built: the channel ids and the running sum of their weights. A pick that excludes none
    of them is then a binary search (one tier may hold thousands of channels)."""

    __slots__ = ("cum", "ids")

    def __init__(self, channels: Iterable[ChannelEntry]) -> None:
        super().__init__(channels)
        self.ids = frozenset(c.id for c in self)
        self.cum = list(accumulate(max(c.weight, 0) for c in self))


Tiers = list[list[ChannelEntry]]
_THINKING_BUDGET = re.compile(r"^(gemini-2\.5-.+-thinking)-\d+$")
_GIZMO = re.compile(r"^(gpt-4o?-gizmo)-.+$")
_WILDCARD_PREFIXES = ("gemini-2.5-", "gpt-4-gizmo-", "gpt-4o-gizmo-")  # what each needs first


def matching_names(model: str) -> list[str]:
    """The model name, then the wildcard form channels may list (the reference's
    FormatMatchingModelName): gemini-2.5-*-thinking-<budget> and gpt-4(o)-gizmo-*."""
    names = [model]
    if not model.startswith(_WILDCARD_PREFIXES):  # neither pattern can match (most models)
        return names
    for pattern in (_THINKING_BUDGET, _GIZMO):
        m = pattern.match(model)
        if m:
            names.append(m.group(1) + "-*")
    return names


def weighted_choice(cands: list[ChannelEntry], rng: random.Random) -> ChannelEntry:
    if len(cands) == 1:
        return cands[0]
    total = sum(max(c.weight, 0) for c in cands)
    if total <= 0:
        return cands[rng.randrange(len(cands))]
    point = rng.random() * total
    for c in cands:
        point -= max(c.weight, 0)
        if point < 0:
            return c
    return cands[-1]


def _tier_choice(tier: Tier, rng: random.Random) -> ChannelEntry:
    """weighted_choice(tier) in O(log n): the same draw picks the same channel."""
    if len(tier) == 1:
        return tier[0]
    total = tier.cum[-1]
    if total <= 0:
        return tier[rng.randrange(len(tier))]
    return tier[min(bisect_right(tier.cum, rng.random() * total), len(tier) - 1)]


def pick(tiers: Tiers, exclude: Iterable[int], rng: random.Random) -> ChannelEntry | None:
    excluded = set(exclude)
    for tier in tiers:
        if isinstance(tier, Tier) and tier and excluded.isdisjoint(tier.ids):
            return _tier_choice(tier, rng)
        cands = [c for c in tier if c.id not in excluded]
        if cands:
            return weighted_choice(cands, rng)
    return None


def pick_key(ch: ChannelEntry, rng: random.Random) -> tuple[int, str] | None:
    """(index, key) for this attempt; None when every key of a multi-key channel is disabled."""
    if not ch.multi_key:
        return 0, ch.keys[0]
    enabled = ch.enabled_key_indexes()
    if not enabled:
        return None
    if ch.info.get("multi_key_mode") == "polling":
        start = ch.polling_index % len(ch.keys)
        ch.polling_index = (start + 1) % len(ch.keys)
        for offset in range(len(ch.keys)):
            idx = (start + offset) % len(ch.keys)
            if ch.key_status(idx) == 1:
                ch.polling_index = (idx + 1) % len(ch.keys)
                return idx, ch.keys[idx]
    idx = enabled[rng.randrange(len(enabled))]
    return idx, ch.keys[idx]


class MappingCycleError(ValueError):
    pass


def map_model(mapping: dict[str, str], model: str) -> str:
    """Follow a channel's model_mapping chain (a -> b -> c gives c); a cycle is an error."""
    seen = [model]
    current = model
    while current in mapping and mapping[current] != current:
        current = mapping[current]
        if current in seen:
            raise MappingCycleError(" -> ".join([*seen, current]))
        seen.append(current)
    return current


def map_status(mapping: dict[str, object], status: int) -> int:
    """Apply a channel's status_code_mapping ({"429": 503}); 200 is never remapped."""
    if status == 200 or not mapping:
        return status
    target = mapping.get(str(status))
    try:
        return int(target) if target is not None else status  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return status
