"""Table tests for billing.ratios: name normalisation, lookup precedence, defaults, groups."""

from __future__ import annotations

import pytest

from clawrouter.billing.pricing import Price, UnpricedModelError, price
from clawrouter.billing.ratios import Ratios, candidate_names

R = Ratios(
    model_ratio={
        "gpt-4o": 1.25,
        "gpt-4o-2024-05-13": 2.5,
        "claude-sonnet-4-5": 1.5,
        "o3-mini": 0.55,
        "gemini-2.5-flash": 0.15,
        "gemini-2.5-flash-thinking-*": 0.2,
        "my-model": 1,
        "img": 2.5,
    },
    completion_ratio={"img": 8, "claude-3-haiku": 9, "a/claude-3-x": 2, "my-model": 2},
    create_cache_ratio={"gpt-4o": 2},
    group_ratio={"default": 1, "vip": 1.5},
    group_group_ratio={"vip": {"default": 0.8}},
)


def _price(model: str, group: str = "default", user_group: str = "default") -> Price:
    return price(model, group, user_group, R)


NAME_CASES = [
    ("gpt-4o", "gpt-4o", 1.25),
    ("gpt-4o-2099-01-01", "gpt-4o", 1.25),  # unknown snapshot → family
    ("gpt-4o-2024-05-13", "gpt-4o-2024-05-13", 2.5),  # explicit snapshot beats family
    ("claude-sonnet-4-5-20250929", "claude-sonnet-4-5", 1.5),
    ("claude-sonnet-4-5-thinking", "claude-sonnet-4-5", 1.5),
    ("o3-mini-high", "o3-mini", 0.55),
    ("gemini-2.5-flash-nothinking", "gemini-2.5-flash", 0.15),
    ("gemini-2.5-flash-thinking-1024", "gemini-2.5-flash-thinking-*", 0.2),
    ("gemini-2.5-flash-thinking", "gemini-2.5-flash", 0.15),
    ("my-model-latest", "my-model", 1.0),
]


@pytest.mark.parametrize(("model", "matched", "ratio"), NAME_CASES)
def test_normalised_names(model: str, matched: str, ratio: float) -> None:
    p = _price(model)
    assert (p.matched_model, p.model_ratio) == (matched, ratio)


def test_never_stripped() -> None:
    for model in ("openai/gpt-4o", "gpt-4o0", "gpt-4o-0613"):
        with pytest.raises(UnpricedModelError):
            _price(model)
    assert candidate_names("gpt-4-gizmo-g-abc")[1] == "gpt-4-gizmo-*"


COMPLETION_CASES = [
    ("a/claude-3-x", 2.0),  # map entry wins for names with '/'
    ("claude-3-haiku", 5.0),  # locked rule beats the map (9)
    ("img", 8.0),  # map, no rule
    ("my-model-20250101", 2.0),  # map via the normalised name
    ("gpt-4o-something", 4.0),  # unlocked rule, no map
    ("gpt-4o-2024-05-13", 3.0),  # locked snapshot rule
    ("unknown", 1.0),
]


@pytest.mark.parametrize(("model", "expected"), COMPLETION_CASES)
def test_completion_ratio_precedence(model: str, expected: float) -> None:
    assert R.completion_ratio_for(model) == expected


def test_completion_map_beats_unlocked_rule() -> None:
    r = Ratios(completion_ratio={"gpt-4o": 3})
    assert r.completion_ratio_for("gpt-4o") == 3.0
    assert r.completion_ratio_for("gpt-4o-2024-08-06") == 3.0


def test_cache_defaults() -> None:
    p = _price("o3-mini")  # no cache entries
    assert (p.cache_ratio, p.cache_creation_ratio, p.cache_creation_ratio_1h) == (1.0, 1.25, 2.0)
    g = _price("gpt-4o")  # create-cache 2 → 1h = 2 × 1.6
    assert (g.cache_creation_ratio, g.cache_creation_ratio_1h) == (2.0, 3.2)


def test_group_ratio_lookup() -> None:
    assert R.group_ratio_for("vip", "default") == (1.5, -1.0)
    assert R.group_ratio_for("default", "vip") == (0.8, 0.8)
    assert R.group_ratio_for("missing", "default") == (1.0, -1.0)
    assert _price("gpt-4o", "default", "vip").user_group_ratio == 0.8


def test_invalid_entries_are_ignored() -> None:
    r = Ratios(
        model_ratio={"neg": -1, "nan": float("nan"), "inf": float("inf"), "bool": True, "s": "1"},
        group_group_ratio={"vip": 3, "svip": {"x": -2, "y": 0.5}},
    )
    assert dict(r.model_ratio) == {}
    assert r.group_group_ratio == {"svip": {"y": 0.5}}
    assert r.resolve("neg") is None


def test_ratios_are_immutable_copies() -> None:
    source = {"m": 1.0}
    r = Ratios(model_ratio=source)
    source["m"] = 9.0
    assert r.model_ratio["m"] == 1.0
    with pytest.raises(TypeError):
        r.model_ratio["m"] = 2.0  # type: ignore[index]


def test_from_options() -> None:
    r = Ratios.from_options({"ModelRatio": {"m": 2}, "GroupRatio": {"g": 3}, "Other": {"x": 1}})
    assert (r.model_ratio["m"], r.group_ratio["g"]) == (2.0, 3.0)
