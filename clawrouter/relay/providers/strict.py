"""OpenAI-style vendors with closed request schemas, so only their own fields are sent:
Mistral (unknown fields are a 422 `extra_forbidden`; tool-call ids of exactly nine letters or
digits) and Perplexity.
"""

from __future__ import annotations

import hashlib
import re
from types import MappingProxyType
from typing import Any

from clawrouter.relay.providers.base import ChannelView, RelayRequest
from clawrouter.relay.providers.compat import CompatAdapter
from clawrouter.relay.providers.openai_params import clamp_top_p, max_tokens_field
from clawrouter.wire.formats import Endpoint

Json = dict[str, Any]

MISTRAL_FIELDS = frozenset(
    {
        "model",
        "messages",
        "stream",
        "max_tokens",
        "temperature",
        "top_p",
        "stop",
        "random_seed",
        "response_format",
        "tools",
        "tool_choice",
        "presence_penalty",
        "frequency_penalty",
        "n",
        "prediction",
        "parallel_tool_calls",
        "safe_prompt",
        "prompt_mode",
    }
)
MISTRAL_MESSAGE_FIELDS = MappingProxyType(
    {
        "system": ("role", "content"),
        "user": ("role", "content"),
        "assistant": ("role", "content", "tool_calls", "prefix"),
        "tool": ("role", "content", "tool_call_id", "name"),
    }
)
_TOOL_ID = re.compile(r"^[a-zA-Z0-9]{9}$")
_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def mistral_tool_id(tool_id: str) -> str:
    """A valid id unchanged; anything else mapped to a stable 9-character id (the same input
    always gives the same output, so a call and its result stay paired)."""
    if _TOOL_ID.match(tool_id):
        return tool_id
    number = int.from_bytes(hashlib.sha256(tool_id.encode()).digest()[:8], "big")
    chars = []
    for _ in range(9):
        number, rest = divmod(number, len(_ALPHABET))
        chars.append(_ALPHABET[rest])
    return "".join(chars)


def _message(msg: Any) -> Any:
    if not isinstance(msg, dict):
        return msg
    role = "system" if msg.get("role") == "developer" else msg.get("role")
    keep = MISTRAL_MESSAGE_FIELDS.get(str(role))
    if keep is None:
        return msg
    out = {k: msg[k] for k in keep if k in msg}
    out["role"] = role
    if isinstance(out.get("tool_call_id"), str):
        out["tool_call_id"] = mistral_tool_id(out["tool_call_id"])
    calls = out.get("tool_calls")
    if isinstance(calls, list):
        out["tool_calls"] = [
            {**c, "id": mistral_tool_id(c["id"])} if isinstance(c, dict) and "id" in c else c
            for c in calls
        ]
        if not out.get("content"):
            out.pop("content", None)
    return out


class MistralAdapter(CompatAdapter):
    """Only Mistral's chat fields are sent (`seed` → `random_seed`, `max_completion_tokens` →
    `max_tokens`); messages keep their role's fields (no `name` on user, no `reasoning_content`),
    `developer` → `system`; tool-call ids are normalised. No stream_options."""

    __slots__ = ()
    name = "mistral"
    endpoints = frozenset({Endpoint.CHAT, Endpoint.EMBEDDINGS, Endpoint.MODELS})

    def adjust(self, body: Json, req: RelayRequest, ch: ChannelView) -> Json:
        if req.endpoint != Endpoint.CHAT:
            return body
        body = max_tokens_field(body)
        if "seed" in body and "random_seed" not in body:
            body = {**body, "random_seed": body["seed"]}
        out = {k: v for k, v in body.items() if k in MISTRAL_FIELDS}
        if isinstance(out.get("messages"), list):
            out["messages"] = [_message(m) for m in out["messages"]]
        return out


PERPLEXITY_FIELDS = frozenset(
    {
        "model",
        "messages",
        "stream",
        "max_tokens",
        "temperature",
        "top_p",
        "top_k",
        "frequency_penalty",
        "presence_penalty",
        "response_format",
        "reasoning_effort",
        "web_search_options",
        "search_mode",
        "search_domain_filter",
        "search_recency_filter",
        "search_after_date_filter",
        "search_before_date_filter",
        "last_updated_after_filter",
        "last_updated_before_filter",
        "return_images",
        "return_related_questions",
        "disable_search",
    }
)


class PerplexityAdapter(CompatAdapter):
    """Perplexity (27): chat at `{base}/chat/completions` (no /v1), Responses at /v1/responses;
    only Perplexity's own chat fields are sent, messages keep role and content; top_p ≥ 1 → 0.99."""

    __slots__ = ()
    name = "perplexity"
    endpoints = frozenset({Endpoint.CHAT, Endpoint.RESPONSES})
    paths = MappingProxyType(
        {Endpoint.CHAT: "/chat/completions", Endpoint.RESPONSES: "/v1/responses"}
    )

    def adjust(self, body: Json, req: RelayRequest, ch: ChannelView) -> Json:
        if req.endpoint != Endpoint.CHAT:
            return body
        body = clamp_top_p(max_tokens_field(body), None, 0.99)
        out = {k: v for k, v in body.items() if k in PERPLEXITY_FIELDS}
        if isinstance(out.get("messages"), list):
            out["messages"] = [
                {k: m[k] for k in ("role", "content") if k in m} if isinstance(m, dict) else m
                for m in out["messages"]
            ]
        return out
