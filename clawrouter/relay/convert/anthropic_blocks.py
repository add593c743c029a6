"""Pieces shared by the chat <-> Anthropic Messages converters: stop-reason and effort tables,
image/document blocks <-> chat content parts, tool-call argument and id helpers.

Pure functions on dicts; no I/O.
"""

from __future__ import annotations

import re
from types import MappingProxyType
from typing import Any

import orjson

# Anthropic stop_reason -> chat finish_reason.
FINISH_REASONS = MappingProxyType(
    {
        "end_turn": "stop",
        "stop_sequence": "stop",
        "pause_turn": "stop",
        "max_tokens": "length",
        "model_context_window_exceeded": "length",
        "tool_use": "tool_calls",
        "refusal": "content_filter",
    }
)

# chat finish_reason -> Anthropic stop_reason.
STOP_REASONS = MappingProxyType(
    {
        "stop": "end_turn",
        "length": "max_tokens",
        "tool_calls": "tool_use",
        "function_call": "tool_use",
        "content_filter": "refusal",
    }
)

# reasoning_effort -> thinking.budget_tokens (Anthropic's minimum budget is 1024).
EFFORT_BUDGETS = MappingProxyType({"low": 1024, "medium": 4096, "high": 16384})
MIN_THINKING_BUDGET = 1024

_DATA_URL = re.compile(r"^data:([\w.+-]+/[\w.+-]+)?(?:;[^,;]*)*;base64,(.*)$", re.DOTALL)
_UNSAFE_ID_CHARS = re.compile(r"[^a-zA-Z0-9_-]")


def as_dict(value: Any) -> dict[str, Any]:
    """`value` when it is a JSON object, else an empty one (client input is untrusted)."""
    return value if isinstance(value, dict) else {}


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def finish_reason(stop_reason: Any) -> str:
    """Anthropic stop_reason -> chat finish_reason (unknown -> "stop")."""
    return FINISH_REASONS.get(stop_reason, "stop") if isinstance(stop_reason, str) else "stop"


def stop_reason(finish: Any, had_tool_calls: bool = False) -> str:
    """Chat finish_reason -> Anthropic stop_reason; some vendors say "stop" after tool calls."""
    if had_tool_calls and finish in (None, "stop", "tool_calls", "function_call"):
        return "tool_use"
    return STOP_REASONS.get(finish, "end_turn") if isinstance(finish, str) else "end_turn"


def effort_for_budget(budget: int) -> str:
    """Smallest documented effort whose budget covers `budget`."""
    for effort, tokens in EFFORT_BUDGETS.items():
        if budget <= tokens:
            return effort
    return "high"


def parse_data_url(url: str) -> tuple[str, str] | None:
    """`data:<media>;base64,<data>` -> (media_type, data); None for anything else."""
    m = _DATA_URL.match(url)
    if not m:
        return None
    return m.group(1) or "application/octet-stream", m.group(2)


def image_part_to_block(part: dict[str, Any]) -> dict[str, Any] | None:
    """Chat `image_url` part -> Anthropic image (or PDF document) block."""
    image = part.get("image_url")
    url = image.get("url") if isinstance(image, dict) else image
    if not isinstance(url, str) or not url:
        return None
    parsed = parse_data_url(url)
    if parsed is None:
        if url.startswith(("http://", "https://")):
            return {"type": "image", "source": {"type": "url", "url": url}}
        return None
    media_type, data = parsed
    kind = "document" if media_type == "application/pdf" else "image"
    return {"type": kind, "source": {"type": "base64", "media_type": media_type, "data": data}}


def file_part_to_block(part: dict[str, Any]) -> dict[str, Any] | None:
    """Chat `file` part with inline `file_data` -> Anthropic document block (file ids dropped)."""
    file = part.get("file")
    data = file.get("file_data") if isinstance(file, dict) else None
    parsed = parse_data_url(data) if isinstance(data, str) else None
    if parsed is None:
        return None
    block: dict[str, Any] = {
        "type": "document",
        "source": {"type": "base64", "media_type": parsed[0], "data": parsed[1]},
    }
    if isinstance(file, dict) and isinstance(file.get("filename"), str):
        block["title"] = file["filename"]
    return block


def block_to_part(block: dict[str, Any]) -> dict[str, Any] | None:
    """Anthropic image / document block -> chat content part (None when chat cannot carry it)."""
    source = block.get("source")
    if not isinstance(source, dict):
        return None
    kind, stype = block.get("type"), source.get("type")
    if stype == "text" and isinstance(source.get("data"), str):
        return {"type": "text", "text": source["data"]}
    if stype == "url" and kind == "image" and isinstance(source.get("url"), str):
        return {"type": "image_url", "image_url": {"url": source["url"]}}
    if stype != "base64" or not isinstance(source.get("data"), str):
        return None
    url = f"data:{source.get('media_type', '')};base64,{source['data']}"
    if kind == "image":
        return {"type": "image_url", "image_url": {"url": url}}
    name = block.get("title") if isinstance(block.get("title"), str) else "document.pdf"
    return {"type": "file", "file": {"filename": name, "file_data": url}}


def load_arguments(arguments: Any) -> dict[str, Any]:
    """Chat tool-call `arguments` (a JSON string) -> Anthropic tool_use `input` (an object)."""
    if isinstance(arguments, dict):
        return arguments
    if not isinstance(arguments, str) or not arguments.strip():
        return {}
    try:
        value = orjson.loads(arguments)
    except orjson.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def dump_input(value: Any) -> str:
    """Anthropic tool_use `input` -> compact JSON string for chat `arguments`."""
    return orjson.dumps(value if value is not None else {}).decode()


def safe_tool_id(tool_id: Any, fallback: str) -> str:
    """Anthropic tool ids must match ^[a-zA-Z0-9_-]+$; some chat vendors use other characters."""
    if not isinstance(tool_id, str) or not tool_id:
        return fallback
    return _UNSAFE_ID_CHARS.sub("_", tool_id)


def text_parts(content: Any) -> list[str]:
    """The text pieces of a chat `content` (string or list of parts)."""
    if isinstance(content, str):
        return [content]
    if not isinstance(content, list):
        return []
    return [
        p["text"]
        for p in content
        if isinstance(p, dict) and p.get("type") == "text" and isinstance(p.get("text"), str)
    ]


def block_texts(blocks: Any, kind: str = "text", field: str = "text") -> list[str]:
    """The `field` strings of the Anthropic blocks of type `kind` (a string counts as text)."""
    if isinstance(blocks, str):
        return [blocks] if kind == "text" else []
    if not isinstance(blocks, list):
        return []
    return [
        b[field]
        for b in blocks
        if isinstance(b, dict) and b.get("type") == kind and isinstance(b.get(field), str)
    ]


def assistant_message(
    blocks: list[Any], *, reasoning: bool = True, signature: bool = True
) -> dict[str, Any]:
    """Anthropic assistant content -> chat assistant message, in one pass over the blocks.

    Text blocks are concatenated as-is (citations split one text into several blocks); tool_use
    blocks become `tool_calls` (input JSON-encoded into `arguments`). With `reasoning`, thinking
    goes to `reasoning_content`; with `signature` too, its signature goes to
    `reasoning_signature` (the last one when there are several thinking blocks).
    """
    texts: list[str] = []
    thinking: list[str] = []
    calls: list[dict[str, Any]] = []
    last_signature = ""
    for b in blocks:
        if not isinstance(b, dict):
            continue
        kind = b.get("type")
        if kind == "text":
            text = b.get("text")
            if isinstance(text, str):
                texts.append(text)
        elif kind == "tool_use":
            fn = {"name": b.get("name", ""), "arguments": dump_input(b.get("input"))}
            calls.append({"id": b.get("id", ""), "type": "function", "function": fn})
        elif kind == "thinking":
            text, sig = b.get("thinking"), b.get("signature")
            if isinstance(text, str):
                thinking.append(text)
            if isinstance(sig, str) and sig:
                last_signature = sig
    text = texts[0] if len(texts) == 1 else "".join(texts)
    message: dict[str, Any] = {"role": "assistant", "content": text or (None if calls else "")}
    if reasoning and thinking:
        message["reasoning_content"] = "".join(thinking)
        if signature and last_signature:
            message["reasoning_signature"] = last_signature
    if calls:
        message["tool_calls"] = calls
    return message
