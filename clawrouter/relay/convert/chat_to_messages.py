"""Serve an OpenAI chat client from an Anthropic Messages upstream.

Owns request (chat -> Messages), response (message -> chat.completion) and the stream state
machine (Anthropic events -> chat.completion.chunk dicts). Pure: no I/O, ids come from the
context. `n > 1` is not supported by Anthropic and is ignored; sampling knobs Anthropic lacks
(seed, penalties, logprobs, logit_bias) are dropped. Thinking blocks travel as
`reasoning_content` plus `reasoning_signature` so a chat client can send them back.
"""

from __future__ import annotations

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
    chat_messages = body.get("messages") if isinstance(body.get("messages"), list) else []
    instruction = mr.format_instruction(body.get("response_format"))
    out: dict[str, Any] = {"model": ctx.model}
    system = mr.system_prompt(chat_messages, [instruction] if instruction else [])
    if system:
        out["system"] = system
    out["messages"] = mr.messages(chat_messages)
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
    content = body.get("content") if isinstance(body.get("content"), list) else []
    message = assistant_message(content)
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
    usage = from_anthropic(body.get("usage"))
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

    def feed(self, event: dict[str, Any]) -> list[dict[str, Any]]:
        kind = event.get("type")
        if kind == "message_start":
            self._merge_usage(as_dict(event.get("message")).get("usage"))
            return [self._chunk({"role": "assistant", "content": ""})]
        if kind == "content_block_start":
            return self._block_start(event)
        if kind == "content_block_delta":
            return self._block_delta(event)
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
        chunk = self._chunk({})
        chunk["choices"] = []
        chunk["usage"] = to_openai(self.usage)
        return [chunk]

    def _chunk(self, delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {
            "id": self.ctx.id,
            "object": "chat.completion.chunk",
            "created": self.ctx.created,
            "model": self.ctx.echo_model,
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        }

    def _merge_usage(self, usage: Any) -> None:
        """message_delta counts are cumulative; a zero never overwrites a known count."""
        if not isinstance(usage, dict):
            return
        for key, value in usage.items():
            if value is None or (key != "output_tokens" and not value and key in self._raw_usage):
                continue
            self._raw_usage[key] = value
        self.usage = from_anthropic(self._raw_usage)

    def _block_start(self, event: dict[str, Any]) -> list[dict[str, Any]]:
        block = as_dict(event.get("content_block"))
        kind = block.get("type")
        if kind == "text" and block.get("text"):
            return [self._chunk({"content": block["text"]})]
        if kind == "thinking" and block.get("thinking"):
            return [self._chunk({"reasoning_content": block["thinking"]})]
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
        delta = as_dict(event.get("delta"))
        kind = delta.get("type")
        if kind == "text_delta" and delta.get("text"):
            return [self._chunk({"content": delta["text"]})]
        if kind == "thinking_delta" and delta.get("thinking"):
            return [self._chunk({"reasoning_content": delta["thinking"]})]
        if kind == "signature_delta" and delta.get("signature"):
            return [self._chunk({"reasoning_signature": delta["signature"]})]
        index = self._tool_index.get(event.get("index", -1))
        if kind == "input_json_delta" and index is not None and delta.get("partial_json"):
            call = {"index": index, "function": {"arguments": delta["partial_json"]}}
            return [self._chunk({"tool_calls": [call]})]
        return []
