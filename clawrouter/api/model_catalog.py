"""What the relay knows about a model name, for the model-metadata and pricing endpoints:
rule matching (exact / prefix / contains / suffix), bound channels, enabled groups, quota types
and supported endpoint types. Reads RelayState only; never writes."""

from __future__ import annotations

from typing import Any

import orjson

from clawrouter.relay.providers.channel_types import CHANNEL_TYPES
from clawrouter.relay.state import RelayState
from clawrouter.wire.formats import Format
from clawrouter.wire.status import ChannelStatus

RULE_EXACT, RULE_PREFIX, RULE_CONTAINS, RULE_SUFFIX = 0, 1, 2, 3

# endpoint type -> how a client calls it through ClawRouter
ENDPOINTS: dict[str, dict[str, str]] = {
    "openai": {"path": "/v1/chat/completions", "method": "POST"},
    "openai-response": {"path": "/v1/responses", "method": "POST"},
    "anthropic": {"path": "/v1/messages", "method": "POST"},
    "gemini": {"path": "/v1beta/models/{model}:generateContent", "method": "POST"},
    "embeddings": {"path": "/v1/embeddings", "method": "POST"},
    "image-generation": {"path": "/v1/images/generations", "method": "POST"},
    "jina-rerank": {"path": "/v1/rerank", "method": "POST"},
}
_PROTOCOL_ENDPOINTS = {
    Format.OPENAI: ("openai", "openai-response"),
    Format.ANTHROPIC: ("anthropic",),
    Format.GEMINI: ("gemini",),
}


def contains_pattern(text: str) -> str:
    """A LIKE pattern (escape '!') matching `text` anywhere, wildcards taken literally."""
    return "%" + text.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%"


def rule_matches(name: str, rule: int, candidate: str) -> bool:
    if rule == RULE_PREFIX:
        return candidate.startswith(name)
    if rule == RULE_CONTAINS:
        return name in candidate
    if rule == RULE_SUFFIX:
        return candidate.endswith(name)
    return candidate == name


def channel_models(state: RelayState) -> set[str]:
    """Every model name configured on any channel (any status)."""
    return {m for ch in state.channels.values() for m in ch.models}


def matched_names(row: dict[str, Any], known: set[str]) -> list[str]:
    name, rule = row["model_name"], row["name_rule"]
    if rule == RULE_EXACT:
        return [name]
    return sorted(m for m in known if rule_matches(name, rule, m))


def enabled_groups(state: RelayState, names: list[str]) -> list[str]:
    return sorted(g for g, models in state.index.items() if any(n in models for n in names))


def quota_types(state: RelayState, names: list[str]) -> list[int]:
    found = {int(hit[2]) for n in names if (hit := state.ratios.resolve(n)) is not None}
    return sorted(found)


def endpoint_types(state: RelayState, name: str) -> list[str]:
    """Endpoint types a model is reachable on, from what it is and who serves it."""
    low = name.lower()
    if "embedding" in low or low.startswith("embed-"):
        return ["embeddings"]
    if "rerank" in low:
        return ["jina-rerank"]
    if low.startswith(("dall-e", "gpt-image", "imagen")):
        return ["image-generation"]
    out: dict[str, None] = {}
    for ch in state.channels.values():
        if ch.status == ChannelStatus.ENABLED and name in ch.models:
            proto = CHANNEL_TYPES.get(ch.type, CHANNEL_TYPES[0]).protocol
            out.update(dict.fromkeys(_PROTOCOL_ENDPOINTS.get(proto, ())))
    return list(out) or ["openai"]


def model_view(state: RelayState, row: dict[str, Any], known: set[str]) -> dict[str, Any]:
    """A models row as the API shows it, enriched from the relay's routing state."""
    names = matched_names(row, known)
    bound: dict[tuple[str, int], None] = {}
    for ch in sorted(state.channels.values(), key=lambda c: c.id):
        if any(n in ch.models for n in names):
            bound[(ch.name, ch.type)] = None
    endpoints = row["endpoints"]
    if not endpoints:
        types = endpoint_types(state, names[0] if names else row["model_name"])
        endpoints = orjson.dumps({t: ENDPOINTS[t] for t in types}).decode()
    view = {k: row[k] for k in row if k != "deleted_at"}
    view.update(
        endpoints=endpoints,
        bound_channels=[{"name": n, "type": t} for n, t in bound],
        enable_groups=enabled_groups(state, names),
        quota_types=quota_types(state, names),
    )
    if row["name_rule"] != RULE_EXACT:
        view.update(matched_models=names, matched_count=len(names))
    return view
