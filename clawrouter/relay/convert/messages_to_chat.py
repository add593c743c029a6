"""Serve an Anthropic Messages client from an OpenAI chat upstream.

Owns request (Messages -> chat), response (chat.completion -> message) and the stream state
machine (chat chunks -> Anthropic events). Pure: no I/O, ids come from the context. Server
tools (web search, code execution…), cache_control, top_k and redacted thinking have no chat
form and are dropped. Past thinking is sent upstream as `reasoning_content` only when
ctx.extra["keep_reasoning"] is true: several chat vendors reject that field in history.
"""

from __future__ import annotations

from typing import Any

from clawrouter.relay.convert.anthropic_blocks import (
    as_dict,
    assistant_message,
    block_texts,
    block_to_part,
    effort_for_budget,
    is_number,
    load_arguments,
    stop_reason,
    text_parts,
)
from clawrouter.relay.convert.base import ConvertContext
from clawrouter.wire.usage import Usage, from_openai, to_anthropic

MAX_STOP = 4  # OpenAI rejects more than four stop sequences

# ---------------------------------------------------------------- request


def _user_content(parts: list[dict[str, Any]]) -> str | list[dict[str, Any]]:
    """Text-only content becomes one string: many chat vendors reject part lists."""
    if all(p["type"] == "text" for p in parts):
        return "\n\n".join(p["text"] for p in parts)
    return parts


def _media_parts(blocks: Any) -> list[dict[str, Any]]:
    parts = [
        block_to_part(b)
        for b in (blocks if isinstance(blocks, list) else [])
        if isinstance(b, dict) and b.get("type") in ("image", "document")
    ]
    return [p for p in parts if p is not None]


def _user_messages(content: Any) -> list[dict[str, Any]]:
    """A user turn -> `tool` messages (one per tool_result, first) then the rest as one message.

    Images inside tool results cannot ride in a chat `tool` message; they follow as user parts.
    """
    if isinstance(content, str):
        return [{"role": "user", "content": content}]
    tool_msgs: list[dict[str, Any]] = []
    parts: list[dict[str, Any]] = []
    for block in content if isinstance(content, list) else []:
        if not isinstance(block, dict):
            continue
        if block.get("type") == "tool_result":
            inner = block.get("content")
            text = "\n\n".join(block_texts(inner))
            call_id = block.get("tool_use_id", "")
            tool_msgs.append({"role": "tool", "tool_call_id": call_id, "content": text})
            parts += _media_parts(inner)
        elif block.get("type") == "text" and isinstance(block.get("text"), str):
            parts.append({"type": "text", "text": block["text"]})
        else:
            parts += _media_parts([block])
    if parts:
        tool_msgs.append({"role": "user", "content": _user_content(parts)})
    return tool_msgs


def _messages(body: dict[str, Any], keep_reasoning: bool) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    system = "\n\n".join(t for t in block_texts(body.get("system")) if t)
    if system:
        out.append({"role": "system", "content": system})
    for msg in body.get("messages") if isinstance(body.get("messages"), list) else []:
        if not isinstance(msg, dict):
            continue
        content = msg.get("content")
        if msg.get("role") == "user":
            out += _user_messages(content)
        elif msg.get("role") == "assistant":
            blocks = [{"type": "text", "text": content}] if isinstance(content, str) else content
            blocks = blocks if isinstance(blocks, list) else []
            out.append(assistant_message(blocks, reasoning=keep_reasoning, signature=False))
    return out


def _tools(tools: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for tool in tools if isinstance(tools, list) else []:
        if not isinstance(tool, dict) or tool.get("type") not in (None, "custom"):
            continue  # server tools (web_search_…, bash_…) have no chat equivalent
        if not isinstance(tool.get("name"), str):
            continue
        fn: dict[str, Any] = {"name": tool["name"]}
        if isinstance(tool.get("description"), str) and tool["description"]:
            fn["description"] = tool["description"]
        fn["parameters"] = tool.get("input_schema") or {"type": "object", "properties": {}}
        out.append({"type": "function", "function": fn})
    return out


def _tool_choice(choice: Any) -> Any:
    if not isinstance(choice, dict):
        return None
    kind = choice.get("type")
    if kind == "tool" and isinstance(choice.get("name"), str):
        return {"type": "function", "function": {"name": choice["name"]}}
    return {"auto": "auto", "any": "required", "none": "none"}.get(kind)


def _add_tools(out: dict[str, Any], body: dict[str, Any]) -> None:
    tools = _tools(body.get("tools"))
    if not tools:
        return  # OpenAI rejects tool_choice / parallel_tool_calls without tools
    out["tools"] = tools
    choice = body.get("tool_choice")
    if (mapped := _tool_choice(choice)) is not None:
        out["tool_choice"] = mapped
    if isinstance(choice, dict) and choice.get("disable_parallel_tool_use") is True:
        out["parallel_tool_calls"] = False


def _reasoning_effort(body: dict[str, Any]) -> str | None:
    thinking = body.get("thinking")
    if not isinstance(thinking, dict):
        return None
    if thinking.get("type") == "enabled":
        budget = thinking.get("budget_tokens")
        return effort_for_budget(budget) if isinstance(budget, int) else "medium"
    if thinking.get("type") == "adaptive":
        effort = as_dict(body.get("output_config")).get("effort")
        if effort in ("low", "medium", "high"):
            return str(effort)
        return "high" if effort in ("xhigh", "max") else "medium"
    return None


def request(body: dict[str, Any], ctx: ConvertContext) -> dict[str, Any]:
    """Anthropic Messages request -> chat completions request."""
    keep_reasoning = ctx.extra.get("keep_reasoning") is True
    out: dict[str, Any] = {"model": ctx.model, "messages": _messages(body, keep_reasoning)}
    max_tokens = body.get("max_tokens")
    if isinstance(max_tokens, int) and not isinstance(max_tokens, bool) and max_tokens > 0:
        out["max_tokens"] = max_tokens
    for key in ("temperature", "top_p"):
        if is_number(body.get(key)):
            out[key] = body[key]
    stops = body.get("stop_sequences") if isinstance(body.get("stop_sequences"), list) else []
    stops = [s for s in stops if isinstance(s, str) and s]
    if stops:
        out["stop"] = stops[:MAX_STOP]
    _add_tools(out, body)
    if effort := _reasoning_effort(body):
        out["reasoning_effort"] = effort
    user = as_dict(body.get("metadata")).get("user_id")
    if isinstance(user, str) and user:
        out["user"] = user
    if body.get("stream"):
        out["stream"] = True
        out["stream_options"] = {"include_usage": True}
    return out


# ---------------------------------------------------------------- response


def message_id(ctx: ConvertContext) -> str:
    return ctx.id if ctx.id.startswith("msg_") else f"msg_{ctx.id}"


def _usage(usage: Usage | None, ctx: ConvertContext) -> dict[str, Any]:
    if usage is not None:
        return to_anthropic(usage)
    return to_anthropic(Usage(prompt_tokens=ctx.prompt_tokens_estimate, estimated=True))


def _content(msg: dict[str, Any]) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    reasoning = msg.get("reasoning_content") or msg.get("reasoning")
    if isinstance(reasoning, str) and reasoning:
        signature = msg.get("reasoning_signature")
        signature = signature if isinstance(signature, str) else ""
        blocks.append({"type": "thinking", "thinking": reasoning, "signature": signature})
    text = "".join(text_parts(msg.get("content")))
    for piece in (text, msg.get("refusal")):
        if isinstance(piece, str) and piece:
            blocks.append({"type": "text", "text": piece})
    for n, call in enumerate(msg.get("tool_calls") or []):
        fn = call.get("function") if isinstance(call, dict) else None
        if not isinstance(fn, dict):
            continue
        blocks.append(
            {
                "type": "tool_use",
                "id": call.get("id") or f"toolu_{n}",
                "name": fn.get("name", ""),
                "input": load_arguments(fn.get("arguments")),
            }
        )
    return blocks


def response(body: dict[str, Any], ctx: ConvertContext) -> dict[str, Any]:
    """chat.completion object -> Anthropic message object (first choice only)."""
    choices = body.get("choices") if isinstance(body.get("choices"), list) else []
    choice = choices[0] if choices and isinstance(choices[0], dict) else {}
    msg = as_dict(choice.get("message"))
    reason = stop_reason(choice.get("finish_reason"), bool(msg.get("tool_calls")))
    if msg.get("refusal"):
        reason = "refusal"
    return {
        "id": message_id(ctx),
        "type": "message",
        "role": "assistant",
        "model": ctx.echo_model,
        "content": _content(msg),
        "stop_reason": reason,
        "stop_sequence": None,
        "usage": _usage(from_openai(body.get("usage")), ctx),
    }


# ---------------------------------------------------------------- stream


class Stream:
    """chat.completion.chunk dicts -> Anthropic stream events (each with its `type`).

    Blocks are opened as content kinds change (thinking, text, one per tool call) and closed
    before the next opens. message_delta/message_stop go out once the finish reason and the
    usage are both known, or at finish().
    """

    def __init__(self, ctx: ConvertContext) -> None:
        self.ctx = ctx
        self.usage: Usage | None = None
        self._started = False
        self._ended = False
        self._blocks = 0  # blocks opened so far
        self._open: tuple[str, int] | None = None  # (kind, block index)
        self._tools: dict[int, tuple[str, int]] = {}  # chat tool index -> (call id, block index)
        self._finish: str | None = None

    def feed(self, chunk: dict[str, Any]) -> list[dict[str, Any]]:
        if isinstance(chunk.get("error"), dict) and not chunk.get("choices"):
            message = str(chunk["error"].get("message", ""))
            return [{"type": "error", "error": {"type": "api_error", "message": message}}]
        usage = from_openai(chunk.get("usage"))
        if usage is not None and not usage.is_empty():
            self.usage = usage
        out = [] if self._started else self._start()
        if self._ended:
            return out
        for choice in chunk.get("choices") or []:
            if not isinstance(choice, dict) or choice.get("index", 0) != 0:
                continue  # n > 1 has no Messages form
            out += self._delta(as_dict(choice.get("delta")))
            self._finish = choice.get("finish_reason") or self._finish
        if self._finish and self.usage is not None:
            out += self._end()
        return out

    def finish(self) -> list[dict[str, Any]]:
        return self._end() if self._started and not self._ended else []

    def _start(self) -> list[dict[str, Any]]:
        self._started = True
        usage = _usage(self.usage, self.ctx)
        usage["output_tokens"] = 0
        message = {
            "id": message_id(self.ctx),
            "type": "message",
            "role": "assistant",
            "model": self.ctx.echo_model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": usage,
        }
        return [{"type": "message_start", "message": message}, {"type": "ping"}]

    def _end(self) -> list[dict[str, Any]]:
        self._ended = True
        delta = {"stop_reason": stop_reason(self._finish, bool(self._tools)), "stop_sequence": None}
        return [
            *self._close(),
            {"type": "message_delta", "delta": delta, "usage": _usage(self.usage, self.ctx)},
            {"type": "message_stop"},
        ]

    def _close(self) -> list[dict[str, Any]]:
        if self._open is None:
            return []
        index, self._open = self._open[1], None
        return [{"type": "content_block_stop", "index": index}]

    def _open_block(self, kind: str, block: dict[str, Any]) -> list[dict[str, Any]]:
        """Start a block of `kind` unless one is already open; returns the events."""
        if self._open is not None and self._open[0] == kind and kind != "tool_use":
            return []
        out = self._close()
        self._open = (kind, self._blocks)
        self._blocks += 1
        out.append({"type": "content_block_start", "index": self._open[1], "content_block": block})
        return out

    def _block_delta(self, delta: dict[str, Any], index: int | None = None) -> dict[str, Any]:
        at = index if index is not None else self._open[1] if self._open else 0
        return {"type": "content_block_delta", "index": at, "delta": delta}

    def _emit(self, kind: str, delta: dict[str, Any]) -> list[dict[str, Any]]:
        """Open (or reuse) a `kind` block and append one delta to it."""
        start: dict[str, Any] = {"type": "text", "text": ""}
        if kind == "thinking":
            start = {"type": "thinking", "thinking": "", "signature": ""}
        out = self._open_block(kind, start)
        out.append(self._block_delta(delta))
        return out

    def _delta(self, delta: dict[str, Any]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        reasoning = delta.get("reasoning_content") or delta.get("reasoning")
        if isinstance(reasoning, str) and reasoning:
            out += self._emit("thinking", {"type": "thinking_delta", "thinking": reasoning})
        signature = delta.get("reasoning_signature")
        if isinstance(signature, str) and signature:
            out += self._emit("thinking", {"type": "signature_delta", "signature": signature})
        content = delta.get("content")
        if isinstance(content, str) and content:
            out += self._emit("text", {"type": "text_delta", "text": content})
        for call in delta.get("tool_calls") or []:
            if isinstance(call, dict):
                out += self._tool_delta(call)
        return out

    def _tool_delta(self, call: dict[str, Any]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        key = call.get("index", len(self._tools))
        fn = call.get("function") if isinstance(call.get("function"), dict) else {}
        known = self._tools.get(key)
        call_id = call.get("id")
        # A new call starts with an id (some vendors reuse index 0 for every parallel call).
        if known is None or (call_id and call_id != known[0]):
            call_id = call_id or f"toolu_{message_id(self.ctx)[4:]}_{len(self._tools)}"
            block = {"type": "tool_use", "id": call_id, "name": fn.get("name", ""), "input": {}}
            out += self._open_block("tool_use", block)
            known = self._tools[key] = (call_id, self._blocks - 1)
        arguments = fn.get("arguments")
        if isinstance(arguments, str) and arguments:
            delta = {"type": "input_json_delta", "partial_json": arguments}
            out.append(self._block_delta(delta, known[1]))
        return out
