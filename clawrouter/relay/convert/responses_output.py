"""Responses output side: item builders, the `response` envelope and chat message → items.

Shared by responses_to_chat.response() and its Stream. Pure: ids derive from `ctx.id`, the
client's original request (echoed in the envelope) is read from `ctx.extra["request"]`.
"""

from __future__ import annotations

import json
from typing import Any

from clawrouter.relay.convert.base import ConvertContext
from clawrouter.wire.usage import Usage, to_responses

Item = dict[str, Any]

_INCOMPLETE = {"length": "max_output_tokens", "content_filter": "content_filter"}


def item_id(ctx: ConvertContext, prefix: str, index: int) -> str:
    """Deterministic output item id: `<prefix>_<response id suffix>_<output index>`."""
    return f"{prefix}_{ctx.id.removeprefix('resp_')}_{index}"


def text_part(text: str, annotations: list[dict[str, Any]] | None = None) -> Item:
    return {"type": "output_text", "text": text, "annotations": annotations or [], "logprobs": []}


def message_item(id_: str, parts: list[Item], status: str) -> Item:
    return {"id": id_, "type": "message", "status": status, "role": "assistant", "content": parts}


def reasoning_item(id_: str, text: str | None) -> Item:
    summary = [] if text is None else [{"type": "summary_text", "text": text}]
    return {"id": id_, "type": "reasoning", "summary": summary}


def function_item(id_: str, call_id: str, name: str, arguments: str, status: str) -> Item:
    return {
        "id": id_,
        "type": "function_call",
        "status": status,
        "arguments": arguments,
        "call_id": call_id,
        "name": name,
    }


def usage_object(u: Usage | None) -> dict[str, Any] | None:
    if u is None:
        return None
    out = to_responses(u)
    out["input_tokens_details"].setdefault("cache_write_tokens", u.cache_write_tokens)
    return out


def status_of(finish_reason: str | None) -> tuple[str, dict[str, str] | None]:
    """(response status, incomplete_details) for a chat finish_reason."""
    reason = _INCOMPLETE.get(finish_reason or "")
    return ("incomplete", {"reason": reason}) if reason else ("completed", None)


def envelope(
    ctx: ConvertContext,
    status: str,
    output: list[Item],
    usage: Usage | None,
    finish_reason: str | None = None,
) -> dict[str, Any]:
    """The Responses `response` object, echoing the client's request settings."""
    req: dict[str, Any] = ctx.extra.get("request") or {}
    reasoning = req.get("reasoning") if isinstance(req.get("reasoning"), dict) else {}
    return {
        "id": ctx.id,
        "object": "response",
        "created_at": ctx.created,
        "status": status,
        "background": False,
        "error": None,
        "incomplete_details": status_of(finish_reason)[1] if status == "incomplete" else None,
        "instructions": req.get("instructions"),
        "max_output_tokens": req.get("max_output_tokens"),
        "max_tool_calls": req.get("max_tool_calls"),
        "model": ctx.echo_model,
        "output": output,
        "parallel_tool_calls": req.get("parallel_tool_calls", True),
        "previous_response_id": req.get("previous_response_id"),
        "reasoning": {"effort": reasoning.get("effort"), "summary": reasoning.get("summary")},
        "safety_identifier": req.get("safety_identifier"),
        "store": req.get("store", True),
        "temperature": req.get("temperature", 1.0),
        "text": req.get("text") or {"format": {"type": "text"}},
        "tool_choice": req.get("tool_choice", "auto"),
        "tools": req.get("tools") or [],
        "top_p": req.get("top_p", 1.0),
        "truncation": req.get("truncation", "disabled"),
        "usage": usage_object(usage),
        "user": req.get("user"),
        "metadata": req.get("metadata") or {},
    }


def output_items(ctx: ConvertContext, message: dict[str, Any], status: str) -> list[Item]:
    """A chat assistant message → Responses output items: reasoning, message, function calls."""
    out: list[Item] = []
    reasoning = reasoning_of(message)
    if reasoning:
        out.append(reasoning_item(item_id(ctx, "rs", 0), reasoning))
    parts: list[Item] = []
    if isinstance(message.get("content"), str) and message["content"]:
        parts.append(text_part(message["content"], _annotations(message.get("annotations"))))
    if isinstance(message.get("refusal"), str) and message["refusal"]:
        parts.append({"type": "refusal", "refusal": message["refusal"]})
    if parts:
        out.append(message_item(item_id(ctx, "msg", len(out)), parts, status))
    for tc in message.get("tool_calls") or []:
        fn = tc.get("function") or {}
        idx = len(out)
        call_id = tc.get("id") or item_id(ctx, "call", idx)
        args = arguments_text(fn.get("arguments"))
        out.append(
            function_item(item_id(ctx, "fc", idx), call_id, fn.get("name") or "", args, status)
        )
    return out


def reasoning_of(delta: dict[str, Any]) -> str:
    """Reasoning text of a chat message or delta (`reasoning_content`, or vLLM's `reasoning`)."""
    value = delta.get("reasoning_content") or delta.get("reasoning")
    return value if isinstance(value, str) else ""


def arguments_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return "" if value is None else _json(value)


def _json(value: Any) -> str:
    """Some providers send tool arguments as an object instead of a JSON string."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _annotations(value: Any) -> list[dict[str, Any]]:
    """Chat url_citation annotations → Responses annotations."""
    out: list[dict[str, Any]] = []
    for a in value if isinstance(value, list) else []:
        cite = a.get("url_citation") if isinstance(a, dict) else None
        if isinstance(cite, dict):
            out.append({"type": "url_citation", **cite})
    return out
