"""Responses request pieces → chat request pieces: input items, content parts, tools, formats.

Pure helpers for responses_to_chat. Items chat cannot express (item references, built-in tool
calls, encrypted reasoning) are dropped; nothing here does I/O.
"""

from __future__ import annotations

from typing import Any

Msg = dict[str, Any]

_ROLES = {"user": "user", "assistant": "assistant", "system": "system", "developer": "system"}
_TEXT_PARTS = ("input_text", "output_text", "text", "summary_text", "reasoning_text")


# ---- content parts -----------------------------------------------------------------------


def _part(p: Any) -> dict[str, Any] | None:
    """One Responses content part → one chat content part (None when chat has no equivalent)."""
    if isinstance(p, str):
        return {"type": "text", "text": p}
    if not isinstance(p, dict):
        return None
    kind = p.get("type")
    if kind in _TEXT_PARTS:
        return {"type": "text", "text": p.get("text") or ""}
    if kind == "refusal":
        return {"type": "text", "text": p.get("refusal") or ""}
    if kind == "input_image" and p.get("image_url"):
        image: dict[str, Any] = {"url": p["image_url"]}
        if p.get("detail"):
            image["detail"] = p["detail"]
        return {"type": "image_url", "image_url": image}
    if kind == "input_file":
        return _file_part(p)
    if kind == "input_audio" and isinstance(p.get("input_audio"), dict):
        return {"type": "input_audio", "input_audio": p["input_audio"]}
    return None


def _file_part(p: dict[str, Any]) -> dict[str, Any] | None:
    file = {k: p[k] for k in ("file_data", "file_id", "filename") if p.get(k)}
    if "file_data" not in file and "file_id" not in file:
        return None  # file_url: chat has no way to reference a remote file
    return {"type": "file", "file": file}


def content(value: Any) -> str | list[dict[str, Any]]:
    """Message content: text-only content collapses to one string (parts joined by newlines)."""
    if isinstance(value, str):
        return value
    if not isinstance(value, list):
        return ""
    parts = [cp for cp in map(_part, value) if cp is not None]
    if all(cp["type"] == "text" for cp in parts):
        return "\n".join(cp["text"] for cp in parts)
    return parts


def _text_only(value: Any) -> str:
    c = content(value)
    if isinstance(c, str):
        return c
    return "\n".join(cp["text"] for cp in c if cp["type"] == "text")


# ---- input items -------------------------------------------------------------------------


def reasoning_text(item: dict[str, Any]) -> str:
    """Readable text of a reasoning item (summary and raw content); encrypted content is lost."""
    parts = [*(item.get("summary") or []), *(item.get("content") or [])]
    return "\n".join(p.get("text") or "" for p in parts if isinstance(p, dict))


def _tool_call(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": item.get("call_id") or item.get("id") or "",
        "type": "function",
        "function": {"name": item.get("name") or "", "arguments": item.get("arguments") or ""},
    }


class _Builder:
    """Accumulates chat messages while walking input items in order."""

    def __init__(self) -> None:
        self.messages: list[Msg] = []
        self.reasoning = ""

    def message(self, item: dict[str, Any]) -> None:
        role = _ROLES.get(item.get("role") or "user", "user")
        body = item.get("content")
        msg: Msg = {"role": role, "content": content(body) if role == "user" else _text_only(body)}
        self.messages.append(msg)
        if role != "assistant":
            self.reasoning = ""

    def function_call(self, item: dict[str, Any]) -> None:
        last = self.messages[-1] if self.messages else None
        if last is None or last["role"] != "assistant":
            last = {"role": "assistant", "content": None}
            self.messages.append(last)
        elif not last.get("content"):
            last["content"] = None
        last.setdefault("tool_calls", []).append(_tool_call(item))
        if self.reasoning:
            last["reasoning_content"] = self.reasoning
            self.reasoning = ""

    def function_call_output(self, item: dict[str, Any]) -> None:
        output = item.get("output")
        text = output if isinstance(output, str) else _text_only(output)
        self.messages.append(
            {"role": "tool", "tool_call_id": item.get("call_id") or "", "content": text}
        )

    def add(self, item: Any) -> None:
        if isinstance(item, str):
            item = {"role": "user", "content": item}
        if not isinstance(item, dict):
            return
        kind = item.get("type") or "message"
        if kind == "message":
            self.message(item)
        elif kind == "function_call":
            self.function_call(item)
        elif kind == "function_call_output":
            self.function_call_output(item)
        elif kind == "reasoning":
            self.reasoning = reasoning_text(item)
        # item_reference, built-in tool calls and their outputs have no chat form: dropped


def messages(value: Any) -> list[Msg]:
    """`input` (a string or an item list) → chat messages.

    Consecutive function_call items (and a preceding assistant message) merge into one assistant
    message; reasoning is kept as `reasoning_content` only on assistant messages that carry
    tool_calls, the one place thinking upstreams (DeepSeek, Kimi) expect it back.
    """
    if isinstance(value, str):
        return [{"role": "user", "content": value}]
    b = _Builder()
    for item in value if isinstance(value, list) else []:
        b.add(item)
    return b.messages


# ---- tools and formats -------------------------------------------------------------------


def tools(value: Any) -> tuple[list[dict[str, Any]], list[str]]:
    """Flat Responses function tools → chat tools, plus the types of tools that were dropped."""
    out: list[dict[str, Any]] = []
    dropped: list[str] = []
    for t in value if isinstance(value, list) else []:
        if not isinstance(t, dict):
            continue
        if t.get("type") != "function":
            dropped.append(str(t.get("type")))
            continue
        fn = {
            k: t[k] for k in ("name", "description", "parameters", "strict") if t.get(k) is not None
        }
        out.append({"type": "function", "function": fn})
    return out, dropped


def tool_choice(value: Any, names: set[str]) -> Any:
    """Responses tool_choice → chat tool_choice; None when it names a tool chat does not have."""
    if isinstance(value, str):
        return value
    if not isinstance(value, dict):
        return None
    kind = value.get("type")
    if kind == "function":
        name = value.get("name")
        return {"type": "function", "function": {"name": name}} if name in names else None
    if kind == "allowed_tools":
        return value.get("mode") or "auto"
    return None


def response_format(text: Any) -> dict[str, Any] | None:
    """`text.format` → chat `response_format` (plain text needs none)."""
    fmt = text.get("format") if isinstance(text, dict) else None
    if not isinstance(fmt, dict):
        return None
    if fmt.get("type") == "json_object":
        return {"type": "json_object"}
    if fmt.get("type") != "json_schema":
        return None
    keys = ("name", "description", "schema", "strict")
    return {"type": "json_schema", "json_schema": {k: fmt[k] for k in keys if k in fmt}}


# ---- history -----------------------------------------------------------------------------


def stored_assistant(message: dict[str, Any]) -> Msg:
    """The assistant message as it should be replayed in a later request."""
    msg: Msg = {"role": "assistant", "content": message.get("content")}
    if message.get("tool_calls"):
        msg["tool_calls"] = [
            {"id": tc.get("id"), "type": "function", "function": tc.get("function") or {}}
            for tc in message["tool_calls"]
        ]
        reasoning = message.get("reasoning_content") or message.get("reasoning")
        if isinstance(reasoning, str) and reasoning:
            msg["reasoning_content"] = reasoning
    return msg
