"""Channel choice, key choice, model and status mapping (pure)."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from clawrouter.relay.entries import ChannelEntry
from clawrouter.relay.selection import (
    MappingCycleError,
    Tier,
    map_model,
    map_status,
    matching_names,
    pick,
    pick_key,
    weighted_choice,
)


def channel(cid: int, priority: int = 0, weight: int = 0, keys=("k",), info=None) -> ChannelEntry:
    row = {
        "id": cid, "type": 1, "name": f"c{cid}", "status": 1, "base_url": "", "key": "\n".join(keys),
        "other": "", "openai_organization": None, "models": "m", "group": "default",
        "priority": priority, "weight": weight, "tag": None, "auto_ban": 1, "created_time": 0,
        "test_model": None, "model_mapping": None, "status_code_mapping": "", "param_override": None,
        "header_override": None, "setting": None, "settings": "", "channel_info": info or "{}",
        "other_info": "", "used_quota": 0,
    }  # fmt: skip
    return ChannelEntry.from_row(row)


def test_highest_tier_first_and_never_a_failed_channel():
    a, b, c = channel(1, 10), channel(2, 10), channel(3, 0)
    tiers = [[a, b], [c]]
    rng = random.Random(1)
    assert pick(tiers, [], rng).id in (1, 2)
    assert pick(tiers, [1], rng).id == 2
    assert pick(tiers, [1, 2], rng).id == 3
    assert pick(tiers, [1, 2, 3], rng) is None


def test_weighted_random_follows_weights():
    heavy, light = channel(1, weight=90), channel(2, weight=10)
    rng = random.Random(7)
    counts = Counter(pick([[heavy, light]], [], rng).id for _ in range(5000))
    assert 0.86 < counts[1] / 5000 < 0.94


def test_zero_weights_are_uniform():
    rng = random.Random(3)
    counts = Counter(pick([[channel(1), channel(2)]], [], rng).id for _ in range(4000))
    assert 0.45 < counts[1] / 4000 < 0.55


def test_multi_key_random_and_polling_skip_disabled():
    info = '{"is_multi_key": true, "multi_key_mode": "polling", "multi_key_status_list": {"1": 3}}'
    ch = channel(1, keys=("k0", "k1", "k2"), info=info)
    rng = random.Random(0)
    seen = [pick_key(ch, rng) for _ in range(4)]
    assert seen == [(0, "k0"), (2, "k2"), (0, "k0"), (2, "k2")]
    info = '{"is_multi_key": true, "multi_key_status_list": {"0": 2, "1": 3}}'
    ch = channel(2, keys=("k0", "k1", "k2"), info=info)
    assert {pick_key(ch, rng) for _ in range(20)} == {(2, "k2")}
    info = '{"is_multi_key": true, "multi_key_status_list": {"0": 2, "1": 3}}'
    assert pick_key(channel(3, keys=("k0", "k1"), info=info), rng) is None


def test_model_mapping_chains_and_detects_cycles():
    assert map_model({"a": "b", "b": "c"}, "a") == "c"
    assert map_model({"a": "a"}, "a") == "a"
    assert map_model({}, "x") == "x"
    with pytest.raises(MappingCycleError):
        map_model({"a": "b", "b": "a"}, "a")


def test_status_mapping():
    assert map_status({"429": "503", "400": 500}, 429) == 503
    assert map_status({"429": "503", "400": 500}, 400) == 500
    assert map_status({"200": 500}, 200) == 200
    assert map_status({"429": "junk"}, 429) == 429


def test_matching_names():
    assert matching_names("gemini-2.5-flash-thinking-1024") == [
        "gemini-2.5-flash-thinking-1024",
        "gemini-2.5-flash-thinking-*",
    ]
    assert matching_names("gpt-4o-gizmo-abc") == ["gpt-4o-gizmo-abc", "gpt-4o-gizmo-*"]
    assert matching_names("gpt-4o") == ["gpt-4o"]


@pytest.mark.parametrize("weights", [(0, 5, 0, 3, 2), (1,) * 7, (0, 0, 0), (4,)])
def test_a_built_tier_picks_what_the_list_scan_picks(weights):
    """The index's tiers answer a pick by binary search (cost growth: a tier of 100,000
    channels); the same random draws choose the same channels as the plain scan."""
    chans = [channel(i + 1, weight=w) for i, w in enumerate(weights)]
    tier = Tier(chans)
    fast, slow = random.Random(7), random.Random(7)
    for _ in range(300):
        assert pick([tier], [], fast) is weighted_choice(chans, slow)


def test_a_built_tier_still_skips_failed_channels():
    tier = Tier([channel(1, weight=5), channel(2, weight=5)])
    rng = random.Random(3)
    assert {pick([tier], [1], rng).id for _ in range(20)} == {2}
    assert pick([tier, Tier([channel(3)])], [1, 2], rng).id == 3
    assert pick([Tier([])], [], rng) is None
