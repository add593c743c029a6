"""Token estimates for when an upstream reports no usage, and for pre-consume.

No tokenizer is bundled (the usual ones download their tables at run time), so this is a
documented heuristic: ~4 characters per token for Latin text, 1 token per CJK character,
~2 characters per token for other non-ASCII text, plus OpenAI's per-message overheads
(3 per message, 3 per name, 8 per tool, 3 for the reply). Images count 520 tokens each.
"""

from __future__ import annotations

import math
from typing import Any

IMAGE_TOKENS = 520
_SKIP_KEYS = frozenset({"model", "stream", "stream_options", "temperature", "top_p", "n"})


def text_tokens(text: str) -> int:
    if not text:
        return 0
    if text.isascii():
        return math.ceil(len(text) / 4)
    ascii_chars = cjk = other = 0
    for ch in text:
        o = ord(ch)
        if o < 128:
            ascii_chars += 1
        elif 0x2E80 <= o <= 0x9FFF or 0xAC00 <= o <= 0xD7AF or 0xF900 <= o <= 0xFAFF:
            cjk += 1
        else:
            other += 1
    return math.ceil(ascii_chars / 4 + cjk + other / 2)


def collect_text(value: Any, acc: list[str], images: list[int]) -> None:
    """Append every string under `value` to acc; count image parts in images[0]."""
    if isinstance(value, str):
        acc.append(value)
    elif isinstance(value, dict):
        kind = value.get("type")
        if kind in ("image_url", "image", "input_image") or "inlineData" in value:
            images[0] += 1
            return
        for key, item in value.items():
            if key not in _SKIP_KEYS:
                collect_text(item, acc, images)
    elif isinstance(value, list):
        for item in value:
            collect_text(item, acc, images)


def request_tokens(body: dict[str, Any]) -> int:
    """Estimated prompt tokens of any relay request body (chat, messages, gemini, ...)."""
    texts: list[str] = []
    images = [0]
    collect_text({k: v for k, v in body.items() if k not in _SKIP_KEYS}, texts, images)
    tokens = sum(text_tokens(t) for t in texts) + images[0] * IMAGE_TOKENS
    messages = body.get("messages")
    if isinstance(messages, list):
        tokens += 3 * len(messages) + 3
    tools = body.get("tools")
    if isinstance(tools, list):
        tokens += 8 * len(tools)
    return tokens


def max_output_tokens(body: dict[str, Any]) -> int:
    """The most output a request asked for (0 when unbounded), for pre-consume."""
    best = 0
    for key in ("max_tokens", "max_completion_tokens", "max_output_tokens"):
        value = body.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            best = max(best, value)
    config = body.get("generationConfig")
    if isinstance(config, dict) and isinstance(config.get("maxOutputTokens"), int):
        best = max(best, config["maxOutputTokens"])
    return best


_OUTPUT_KEYS = frozenset(
    {"content", "text", "arguments", "reasoning_content", "thinking", "partial_json", "refusal",
     "delta", "args", "parts", "output", "choices", "candidates", "message", "content_block",
     "tool_calls", "function", "functionCall", "item", "summary"}
)  # fmt: skip
_TEXT_KEYS = frozenset(
    {"content", "text", "arguments", "reasoning_content", "thinking", "partial_json", "refusal",
     "delta"}
)  # fmt: skip


def output_text(value: Any, acc: list[str] | None = None, key: str = "") -> list[str]:
    """The generated text inside a response or stream event of any format (content, reasoning,
    tool arguments), without ids, roles and other metadata."""
    acc = [] if acc is None else acc
    if isinstance(value, str):
        if key in _TEXT_KEYS:
            acc.append(value)
    elif isinstance(value, dict):
        for k, v in value.items():
            if k in _OUTPUT_KEYS:
                output_text(v, acc, k)
            elif k == "args" or (k == "input" and isinstance(v, dict)):
                acc.append(str(v))
    elif isinstance(value, list):
        for item in value:
            output_text(item, acc, key)
    return acc
