"""Building an Anthropic Messages request from an OpenAI chat request (used by chat_to_messages).

Owns the message, system, tool and thinking mapping; pure functions on dicts, no I/O.
"""

from __future__ import annotations

from typing import Any

import orjson

from clawrouter.relay.convert.anthropic_blocks import (
    EFFORT_BUDGETS,
    MIN_THINKING_BUDGET,
    file_part_to_block,
    image_part_to_block,
    load_arguments,
    safe_tool_id,
    text_parts,
)

Block = dict[str, Any]
Turn = dict[str, Any]  # {"role": "user"|"assistant", "content": [blocks]}
_SYSTEM_ROLES = ("system", "developer")


def text_block(text: str, part: dict[str, Any] | None = None) -> Block:
    block: Block = {"type": "text", "text": text}
    if part and isinstance(part.get("cache_control"), dict):
        block["cache_control"] = part["cache_control"]
    return block


def content_blocks(content: Any) -> list[Block]:
    """Chat content (string or parts) -> Anthropic blocks; drops empty text and unknown parts."""
    if isinstance(content, str):
        return [text_block(content)] if content else []
    blocks: list[Block] = []
    for part in content if isinstance(content, list) else []:
        if not isinstance(part, dict):
            continue
        kind = part.get("type")
        block: Block | None = None
        if kind == "text" and isinstance(part.get("text"), str) and part["text"]:
            block = text_block(part["text"], part)
        elif kind == "image_url":
            block = image_part_to_block(part)
        elif kind == "file":
            block = file_part_to_block(part)
        if block is not None:
            blocks.append(block)
    return blocks


def system_prompt(blocks: list[Block], extra: list[str]) -> str | list[Block] | None:
    """The system text blocks (from `messages`) plus `extra` instructions: a plain string joined
    with blank lines, or text blocks when any of them carries cache_control."""
    if extra:
        blocks += [text_block(t) for t in extra]
    if not blocks:
        return None
    if any("cache_control" in b for b in blocks):
        return blocks
    return "\n\n".join(b["text"] for b in blocks)


def _thinking_block(msg: dict[str, Any]) -> Block | None:
    text, sig = msg.get("reasoning_content"), msg.get("reasoning_signature")
    # Anthropic rejects thinking blocks without their signature, so unsigned reasoning is dropped.
    if isinstance(text, str) and isinstance(sig, str) and sig:
        return {"type": "thinking", "thinking": text, "signature": sig}
    return None


def _assistant_blocks(msg: dict[str, Any]) -> list[Block]:
    blocks: list[Block] = []
    thinking = _thinking_block(msg)
    if thinking:
        blocks.append(thinking)
    blocks += [b for b in content_blocks(msg.get("content")) if b["type"] == "text"]
    for n, call in enumerate(msg.get("tool_calls") or []):
        fn = call.get("function") if isinstance(call, dict) else None
        if not isinstance(fn, dict) or not fn.get("name"):
            continue
        blocks.append(
            {
                "type": "tool_use",
                "id": safe_tool_id(call.get("id"), f"toolu_{n}"),
                "name": fn["name"],
                "input": load_arguments(fn.get("arguments")),
            }
        )
    return blocks


def _tool_result(msg: dict[str, Any]) -> Block:
    texts = [t for t in text_parts(msg.get("content")) if t]
    block: Block = {"type": "tool_result", "tool_use_id": safe_tool_id(msg.get("tool_call_id"), "")}
    if len(texts) == 1:
        block["content"] = texts[0]
    elif texts:
        block["content"] = [text_block(t) for t in texts]
    return block


def _turn(msg: dict[str, Any]) -> Turn | None:
    role = msg.get("role")
    if role == "tool":
        return {"role": "user", "content": [_tool_result(msg)]}
    if role == "assistant":
        blocks = _assistant_blocks(msg)
    elif role == "user":
        blocks = content_blocks(msg.get("content"))
    else:  # system/developer go to `system`; legacy `function` messages are dropped
        return None
    return {"role": role, "content": blocks} if blocks else None


def _tool_results_first(content: list[Block]) -> list[Block]:
    """Anthropic wants a user turn's tool results before its other blocks."""
    return [b for b in content if b["type"] == "tool_result"] + [
        b for b in content if b["type"] != "tool_result"
    ]


def _trim_prefill(turns: list[Turn]) -> None:
    """A final assistant turn (prefill) must not end with whitespace."""
    if not turns or turns[-1]["role"] != "assistant":
        return
    content = turns[-1]["content"]
    last = content[-1]
    if last["type"] == "text":
        text = last["text"].rstrip()
        content[-1:] = [{**last, "text": text}] if text else []
    if not content:
        turns.pop()


def _simplify(turns: list[Turn]) -> None:
    """A turn of one plain text block is sent as a string."""
    for turn in turns:
        content = turn["content"]
        if len(content) == 1 and len(content[0]) == 2 and content[0]["type"] == "text":
            turn["content"] = content[0]["text"]


def messages(chat_messages: list[Any], system: list[Block]) -> list[Turn]:
    """Chat messages -> alternating Anthropic turns, in one pass: neighbours of one role are
    merged, tool results come first in a user turn, a prefill is trimmed; a turn of one plain
    text block becomes a string. The text of system/developer messages (wherever they are) is
    added to `system`. Every list and block is new (the client's body is not shared)."""
    turns: list[Turn] = []
    unordered: list[Turn] = []  # user turns where a tool result follows another block
    prev: Turn | None = None
    for msg in chat_messages:
        if not isinstance(msg, dict):
            continue
        if msg.get("role") in _SYSTEM_ROLES:
            system += [b for b in content_blocks(msg.get("content")) if b["type"] == "text"]
            continue
        turn = _turn(msg)
        if turn is None:
            continue
        role, content = turn["role"], turn["content"]
        if prev is not None and prev["role"] == role:
            tool_result = content[0]["type"] == "tool_result"
            if tool_result and role == "user" and (not unordered or unordered[-1] is not prev):
                unordered.append(prev)
            prev["content"] += content
        else:
            turns.append(turn)
            prev = turn
    for turn in unordered:
        turn["content"] = _tool_results_first(turn["content"])
    _trim_prefill(turns)
    _simplify(turns)
    return turns


def tools(chat_tools: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for tool in chat_tools if isinstance(chat_tools, list) else []:
        if not isinstance(tool, dict) or tool.get("type", "function") != "function":
            continue
        fn = tool.get("function")
        if not isinstance(fn, dict):
            continue
        if not isinstance(fn.get("name"), str):
            continue
        schema = fn.get("parameters")
        schema = dict(schema) if isinstance(schema, dict) else {"properties": {}}
        schema.setdefault("type", "object")
        spec: dict[str, Any] = {"name": fn["name"]}
        if isinstance(fn.get("description"), str) and fn["description"]:
            spec["description"] = fn["description"]
        spec["input_schema"] = schema
        if isinstance(tool.get("cache_control"), dict):
            spec["cache_control"] = tool["cache_control"]
        out.append(spec)
    return out


def tool_choice(choice: Any, parallel: Any) -> dict[str, Any] | None:
    """auto/none/required/{function} -> auto/none/any/{tool}; parallel_tool_calls=false too."""
    if choice == "none":
        return {"type": "none"}
    out: dict[str, Any] | None = None
    if choice == "required":
        out = {"type": "any"}
    elif isinstance(choice, dict) and isinstance(choice.get("function"), dict):
        out = {"type": "tool", "name": choice["function"].get("name", "")}
    elif choice == "auto" or parallel is False:
        out = {"type": "auto"}
    if out is not None and parallel is False:
        out["disable_parallel_tool_use"] = True
    return out


def thinking_budget(body: dict[str, Any]) -> int | None:
    """Requested thinking budget from `thinking`, `reasoning` (OpenRouter) or `reasoning_effort`."""
    thinking = body.get("thinking")
    if isinstance(thinking, dict) and thinking.get("type") == "enabled":
        budget = thinking.get("budget_tokens")
        return budget if isinstance(budget, int) else EFFORT_BUDGETS["medium"]
    reasoning = body.get("reasoning")
    effort = body.get("reasoning_effort")
    if isinstance(reasoning, dict):
        if isinstance(reasoning.get("max_tokens"), int):
            return int(reasoning["max_tokens"])
        effort = reasoning.get("effort", effort)
    return EFFORT_BUDGETS.get(effort) if isinstance(effort, str) else None


def fit_thinking(budget: int, max_tokens: int | None, default_max: int) -> tuple[int, int] | None:
    """(budget, max_tokens) with budget < max_tokens, or None when thinking cannot fit.

    Without a client max_tokens, room for the answer is added on top of the budget. An explicit
    max_tokens is kept; a budget that does not fit shrinks to half of it (at least 1024).
    """
    budget = max(budget, MIN_THINKING_BUDGET)
    if max_tokens is None:
        return budget, default_max + budget
    if budget >= max_tokens:
        budget = max(max_tokens // 2, MIN_THINKING_BUDGET)
    return (budget, max_tokens) if budget < max_tokens else None


def ends_in_unsigned_tool_use(turns: list[Turn]) -> bool:
    """With thinking on, the last assistant turn using tools must start with a thinking block."""
    for turn in reversed(turns):
        if turn["role"] != "assistant":
            continue
        content = turn["content"]
        if isinstance(content, str):
            return False
        uses_tools = any(b["type"] == "tool_use" for b in content)
        return uses_tools and content[0]["type"] not in ("thinking", "redacted_thinking")
    return False


def format_instruction(response_format: Any) -> str | None:
    """Best-effort JSON mode: Anthropic has no portable response_format, so ask in the prompt."""
    if not isinstance(response_format, dict):
        return None
    kind = response_format.get("type")
    if kind == "json_object":
        return "Respond only with a valid JSON object."
    spec = response_format.get("json_schema")
    if kind == "json_schema" and isinstance(spec, dict) and isinstance(spec.get("schema"), dict):
        schema = orjson.dumps(spec["schema"]).decode()
        return f"Respond only with a JSON object that conforms to this JSON schema: {schema}"
    return None
