"""How a Responses request (`POST /v1/responses`) reaches an OpenAI-compatible channel: its own
`/v1/responses` (native), or converted to chat completions (chat), or native first with a
fallback to chat completions when the upstream has no such endpoint (auto, the default).

Decided per attempt from, in order: the channel's pass-through switch (always native), its
`settings.responses_mode` ("native" | "chat" | "auto"), new-api's global option
`global.responses_to_chat_completions_policy` (channels and model patterns forced to chat) and
what `auto` learnt from an earlier 404/405 on that channel. Pure apart from the channel entry's
memory; the attempt performs the fallback."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any

from clawrouter.options.rules import PROTOCOL_POLICY
from clawrouter.relay.entries import ChannelEntry
from clawrouter.relay.providers.base import UpstreamError

NATIVE, CHAT, AUTO = "native", "chat", "auto"
MODES = (NATIVE, CHAT, AUTO)
POLICY_OPTION = PROTOCOL_POLICY
REMEMBER_SECONDS = 3600  # how long `auto` keeps serving a channel through chat after a 404


def mode_for(ch: ChannelEntry, policy: Mapping[str, Any], models: tuple[str, ...], now: float):
    """NATIVE, CHAT or AUTO for a Responses request on `ch` (an OpenAI-protocol channel that
    serves both endpoints); `models` are the client's and the upstream's model names."""
    if ch.setting.get("pass_through_body_enabled"):
        return NATIVE
    configured = ch.settings.get("responses_mode")
    if configured in (NATIVE, CHAT):
        return configured
    if policy_matches(policy, ch.id, ch.type, models):
        return CHAT
    return CHAT if ch.responses_via_chat_until > now else AUTO


def policy_matches(
    policy: Mapping[str, Any], channel_id: int, channel_type: int, models: tuple[str, ...]
) -> bool:
    """new-api's ResponsesToChatCompletionsPolicy: enabled, the channel listed (or all
    channels), and a model name matching one of the regular expressions (none: no match)."""
    if not isinstance(policy, Mapping) or policy.get("enabled") is not True:
        return False
    if policy.get("all_channels") is not True:
        ids, types = policy.get("channel_ids") or [], policy.get("channel_types") or []
        if channel_id not in ids and channel_type not in types:
            return False
    patterns = _compiled(tuple(p for p in policy.get("model_patterns") or [] if p))
    return any(p.search(m) for p in patterns for m in models if m)


@functools.lru_cache(maxsize=64)  # a pure function of the option's patterns
def _compiled(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    out = []
    for text in patterns:
        try:
            out.append(re.compile(text))
        except (re.error, TypeError):
            continue  # new-api skips such a pattern (options.rules refuses to store one)
    return tuple(out)


def endpoint_missing(err: UpstreamError) -> bool:
    """A 404/405 that says the upstream has no such endpoint (not: no such model)."""
    if err.local or err.status not in (404, 405):
        return False
    return "model" not in f"{err.code} {err.type} {err.message}".lower()


def remember(ch: ChannelEntry, now: float) -> None:
    """`auto` found no /v1/responses on this channel: serve it through chat for a while."""
    ch.responses_via_chat_until = now + REMEMBER_SECONDS
