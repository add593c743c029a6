"""Serve an OpenAI chat client from an Anthropic Messages upstream.

Owns request (chat -> Messages), response (message -> chat.completion) and the stream state
machine (Anthropic events -> chat.completion.chunk dicts). Pure: no I/O, ids come from the
context. `n > 1` is not supported by Anthropic and is ignored; sampling knobs Anthropic lacks
(seed, penalties, logprobs, logit_bias) are dropped. Thinking blocks travel as
`reasoning_content` plus `reasoning_signature` so a chat client can send them back.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from clawrouter.relay.convert import messages_request as mr
from clawrouter.relay.convert.anthropic_blocks import (
    as_dict,
    assistant_message,
    dump_input,
    finish_reason,
    is_number,
)
from clawrouter.relay.convert.base import ConvertContext
from clawrouter.wire.usage import Usage, from_anthropic, to_openai

# Anthropic delta type -> (its field, the chat delta field that carries it).
_DELTA_FIELDS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "text_delta": ("text", "content"),
        "thinking_delta": ("thinking", "reasoning_content"),
        "signature_delta": ("signature", "reasoning_signature"),
    }
)

# ---------------------------------------------------------------- request


def _max_tokens(body: dict[str, Any]) -> int | None:
    for key in ("max_completion_tokens", "max_tokens"):
        value = body.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
    return None


def _add_tools(out: dict[str, Any], body: dict[str, Any]) -> None:
    specs = mr.tools(body.get("tools"))
    if not specs:
        return  # Anthropic rejects tool_choice without tools
    out["tools"] = specs
    choice = mr.tool_choice(body.get("tool_choice"), body.get("parallel_tool_calls"))
    if choice is not None:
        out["tool_choice"] = choice


def _add_thinking(out: dict[str, Any], body: dict[str, Any], ctx: ConvertContext) -> bool:
    """Enable extended thinking when asked for and when Anthropic would accept it."""
    budget = mr.thinking_budget(body)
    if budget is None:
        return False
    if out.get("tool_choice", {}).get("type") in ("any", "tool"):
        return False  # thinking is incompatible with forced tool use
    if mr.ends_in_unsigned_tool_use(out["messages"]):
        return False  # the client dropped the signed thinking of its tool-use turn
    fit = mr.fit_thinking(budget, _max_tokens(body), ctx.default_max_tokens)
    if fit is None:
        return False
    out["thinking"] = {"type": "enabled", "budget_tokens": fit[0]}
    out["max_tokens"] = fit[1]
    return True


def _add_sampling(out: dict[str, Any], body: dict[str, Any], thinking: bool) -> None:
    temperature, top_p, top_k = body.get("temperature"), body.get("top_p"), body.get("top_k")
    if thinking:  # thinking allows neither temperature nor top_k, and top_p only in 0.95..1
        if is_number(top_p) and 0.95 <= top_p <= 1:
            out["top_p"] = top_p
        return
    if is_number(temperature):
        out["temperature"] = min(max(temperature, 0), 1)
    if is_number(top_p):
        out["top_p"] = top_p
    if isinstance(top_k, int) and not isinstance(top_k, bool) and top_k > 0:
        out["top_k"] = top_k


def _stop_sequences(stop: Any) -> list[str]:
    items = [stop] if isinstance(stop, str) else stop if isinstance(stop, list) else []
    return [s for s in items if isinstance(s, str) and s.strip()]


def request(body: dict[str, Any], ctx: ConvertContext) -> dict[str, Any]:
    """Chat completions request -> Anthropic Messages request."""
    chat_messages = body.get("messages")
    system_blocks: list[dict[str, Any]] = []
    turns = mr.messages(chat_messages if isinstance(chat_messages, list) else [], system_blocks)
    instruction = mr.format_instruction(body.get("response_format"))
    out: dict[str, Any] = {"model": ctx.model}
    system = mr.system_prompt(system_blocks, [instruction] if instruction else [])
    if system:
        out["system"] = system
    out["messages"] = turns
    out["max_tokens"] = _max_tokens(body) or ctx.default_max_tokens
    _add_tools(out, body)
    _add_sampling(out, body, thinking=_add_thinking(out, body, ctx))
    if stops := _stop_sequences(body.get("stop")):
        out["stop_sequences"] = stops
    if isinstance(body.get("user"), str) and body["user"]:
        out["metadata"] = {"user_id": body["user"]}
    if body.get("stream"):
        out["stream"] = True
    return out


# ---------------------------------------------------------------- response


def response(body: dict[str, Any], ctx: ConvertContext) -> dict[str, Any]:
    """Anthropic message object -> chat.completion object."""
    content = body.get("content")
    message = assistant_message(content if isinstance(content, list) else [])
    out: dict[str, Any] = {
        "id": ctx.id,
        "object": "chat.completion",
        "created": ctx.created,
        "model": ctx.echo_model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "logprobs": None,
                "finish_reason": finish_reason(body.get("stop_reason")),
            }
        ],
    }
    usage = ctx.usage if ctx.usage is not None else from_anthropic(body.get("usage"))
    if usage is not None:
        out["usage"] = to_openai(usage)
    return out


# ---------------------------------------------------------------- stream


class Stream:
    """Anthropic stream events -> chat.completion.chunk dicts (no `[DONE]`)."""

    def __init__(self, ctx: ConvertContext) -> None:
        self.ctx = ctx
        self.usage: Usage | None = None
        self._raw_usage: dict[str, Any] = {}
        self._tool_index: dict[int, int] = {}  # Anthropic block index -> chat tool_calls index
        self._failed = False
        # Every chunk starts with these fields, in this order (built once per stream).
        self._head = {
            "id": ctx.id,
            "object": "chat.completion.chunk",
            "created": ctx.created,
            "model": ctx.echo_model,
        }

    def feed(self, event: dict[str, Any]) -> list[dict[str, Any]]:
        kind = event.get("type")
        if kind == "content_block_delta":  # by far the most frequent, text deltas above all
            delta = event.get("delta")
            if isinstance(delta, dict) and delta.get("type") == "text_delta":
                text = delta.get("text")
                if not text:
                    return []
                delta = {"content": text}
                choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": None}
                return [{**self._head, "choices": [choice]}]
            return self._block_delta(event)
        if kind == "content_block_start":
            return self._block_start(event)
        if kind == "message_start":
            self._merge_usage(as_dict(event.get("message")).get("usage"))
            return [self._chunk({"role": "assistant", "content": ""})]
        if kind == "message_delta":
            self._merge_usage(event.get("usage"))
            reason = as_dict(event.get("delta")).get("stop_reason")
            return [self._chunk({}, finish_reason(reason))] if reason else []
        if kind == "error":
            self._failed = True
            error = as_dict(event.get("error"))
            return [{"error": {"message": error.get("message", ""), "type": error.get("type")}}]
        return []  # ping, content_block_stop, message_stop, unknown

    def finish(self) -> list[dict[str, Any]]:
        if not self.ctx.include_usage or self.usage is None or self._failed:
            return []
        return [{**self._head, "choices": [], "usage": to_openai(self.usage)}]

    def _chunk(self, delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        return {**self._head, "choices": [choice]}

    def _merge_usage(self, usage: Any) -> None:
        """message_delta counts are cumulative; a zero never overwrites a known count."""
        if not isinstance(usage, dict):
            return
        raw = self._raw_usage
        for key, value in usage.items():
            if value is None or (key != "output_tokens" and not value and key in raw):
                continue
            raw[key] = value
        self.usage = from_anthropic(raw)

    def _block_start(self, event: dict[str, Any]) -> list[dict[str, Any]]:
        block = as_dict(event.get("content_block"))
        kind = block.get("type")
        if kind == "text":
            return [self._chunk({"content": block["text"]})] if block.get("text") else []
        if kind == "thinking":
            thinking = block.get("thinking")
            return [self._chunk({"reasoning_content": thinking})] if thinking else []
        if kind != "tool_use":
            return []  # redacted_thinking and server tools have no chat form
        index = len(self._tool_index)
        self._tool_index[event.get("index", -1)] = index
        call = {
            "index": index,
            "id": block.get("id", ""),
            "type": "function",
            "function": {
                "name": block.get("name", ""),
                "arguments": dump_input(block["input"]) if block.get("input") else "",
            },
        }
        return [self._chunk({"tool_calls": [call]})]

    def _block_delta(self, event: dict[str, Any]) -> list[dict[str, Any]]:
        delta = event.get("delta")
        if not isinstance(delta, dict):
            return []
        kind = delta.get("type")
        field = _DELTA_FIELDS.get(kind) if isinstance(kind, str) else None
        if field is not None:
            value = delta.get(field[0])
            return [self._chunk({field[1]: value})] if value else []
        index = self._tool_index.get(event.get("index", -1))
        if kind == "input_json_delta" and index is not None and delta.get("partial_json"):
            call = {"index": index, "function": {"arguments": delta["partial_json"]}}
            return [self._chunk({"tool_calls": [call]})]
        return []
