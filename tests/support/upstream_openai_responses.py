"""Fake OpenAI Responses API (POST /v1/responses): the response object and the streaming event
sequence with sequence_number, text and function-call output items."""

from __future__ import annotations

import re
import time
from itertools import count
from typing import Any

from aiohttp import web

from tests.support.upstream_core import (
    Call,
    Frame,
    Route,
    interruption_point,
    new_id,
    stream_frames,
)
from tests.support.upstream_openai import error_response
from tests.support.upstream_plan import Plan, ToolCall, ToolSpec, Usage, make_plan, message_tokens


def prompt_tokens(body: dict[str, Any]) -> int:
    value = body.get("input") or []
    items = [{"content": value}] if isinstance(value, str) else list(value)
    if body.get("instructions"):
        items.insert(0, {"content": body["instructions"]})
    return message_tokens(items)


def responses_plan(call: Call) -> Plan:
    body = call.body
    value = body.get("input")
    last_user = isinstance(value, str) or (
        isinstance(value, list) and bool(value) and value[-1].get("role") == "user"
    )
    choice = body.get("tool_choice")
    forced = choice.get("name") if isinstance(choice, dict) else None
    tools = [
        ToolSpec(t.get("name", "tool"), t.get("parameters"))
        for t in body.get("tools") or []
        if t.get("type") == "function"
    ]
    return make_plan(
        call.up.reply_for("openai"),
        call.markers,
        tools=tools,
        call_tools=last_user and choice != "none",
        forced=forced,
        max_tokens=body.get("max_output_tokens"),
    )


def responses_usage(u: Usage) -> dict[str, Any]:
    return {
        "input_tokens": u.prompt_tokens,
        "input_tokens_details": {
            "cached_tokens": u.cached_tokens,
            "cache_write_tokens": u.cache_creation_tokens,
        },
        "output_tokens": u.completion_tokens,
        "output_tokens_details": {"reasoning_tokens": u.reasoning_tokens},
        "total_tokens": u.total_tokens,
    }


def text_part(text: str) -> dict[str, Any]:
    return {"type": "output_text", "text": text, "annotations": [], "logprobs": []}


def message_item(item_id: str, text: str | None, status: str) -> dict[str, Any]:
    content = [] if text is None else [text_part(text)]
    return {
        "id": item_id,
        "type": "message",
        "status": status,
        "role": "assistant",
        "content": content,
    }


def call_item(item_id: str, c: ToolCall, arguments: str, status: str) -> dict[str, Any]:
    return {
        "id": item_id,
        "type": "function_call",
        "status": status,
        "call_id": c.id,
        "name": c.name,
        "arguments": arguments,
    }


def output_items(plan: Plan, ids: list[str]) -> list[dict[str, Any]]:
    if plan.tool_calls:
        return [
            call_item(i, c, c.arguments, "completed")
            for i, c in zip(ids, plan.tool_calls, strict=True)
        ]
    return [message_item(ids[0], plan.text, final_status(plan))]


INCOMPLETE = {"length": "max_output_tokens", "content_filter": "content_filter"}


def final_status(plan: Plan) -> str:
    return "incomplete" if plan.finish in INCOMPLETE else "completed"


def response_object(
    call: Call, head: dict[str, Any], output: list[Any], usage: Usage | None, plan: Plan | None
) -> dict[str, Any]:
    """The response object; plan=None gives the in-progress snapshot of the stream's start."""
    b = call.body
    status = final_status(plan) if plan else "in_progress"
    reason = INCOMPLETE.get(plan.finish) if plan else None
    return {
        **head,
        "status": status,
        "background": False,
        "error": None,
        "incomplete_details": {"reason": reason} if reason else None,
        "instructions": b.get("instructions"),
        "max_output_tokens": b.get("max_output_tokens"),
        "model": call.model,
        "output": output,
        "parallel_tool_calls": b.get("parallel_tool_calls", True),
        "previous_response_id": b.get("previous_response_id"),
        "reasoning": {"effort": None, "summary": None},
        "service_tier": "default",
        "store": b.get("store", True),
        "temperature": b.get("temperature", 1.0),
        "text": {"format": {"type": "text"}, "verbosity": "medium"},
        "tool_choice": b.get("tool_choice", "auto"),
        "tools": b.get("tools", []),
        "top_p": b.get("top_p", 1.0),
        "truncation": "disabled",
        "usage": responses_usage(usage) if usage else None,
        "user": None,
        "metadata": b.get("metadata") or {},
    }


def message_events(item_id: str, idx: int, plan: Plan) -> list[dict[str, Any]]:
    where = {"item_id": item_id, "output_index": idx, "content_index": 0}
    events: list[dict[str, Any]] = [
        {
            "type": "response.output_item.added",
            "output_index": idx,
            "item": message_item(item_id, None, "in_progress"),
        },
        {"type": "response.content_part.added", **where, "part": text_part("")},
    ]
    events += [
        {"type": "response.output_text.delta", **where, "delta": t, "logprobs": []}
        for t in plan.chunks
    ]
    events += [
        {"type": "response.output_text.done", **where, "text": plan.text, "logprobs": []},
        {"type": "response.content_part.done", **where, "part": text_part(plan.text)},
    ]
    return events


def call_events(item_id: str, idx: int, c: ToolCall) -> list[dict[str, Any]]:
    where = {"item_id": item_id, "output_index": idx}
    events: list[dict[str, Any]] = [
        {
            "type": "response.output_item.added",
            "output_index": idx,
            "item": call_item(item_id, c, "", "in_progress"),
        }
    ]
    events += [
        {"type": "response.function_call_arguments.delta", **where, "delta": p} for p in c.pieces()
    ]
    events.append(
        {
            "type": "response.function_call_arguments.done",
            **where,
            "name": c.name,
            "arguments": c.arguments,
        }
    )
    return events


def item_events(plan: Plan, ids: list[str]) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    for idx, item in enumerate(output_items(plan, ids)):
        if item["type"] == "message":
            events += message_events(item["id"], idx, plan)
        else:
            events += call_events(item["id"], idx, plan.tool_calls[idx])
        events.append({"type": "response.output_item.done", "output_index": idx, "item": item})
    return events


def stream_events(
    call: Call, plan: Plan, head: dict[str, Any], ids: list[str]
) -> tuple[list[Frame], list[Frame]]:
    usage = call.usage(plan.usage(prompt_tokens(call.body)))
    start = response_object(call, head, [], None, None)
    final = response_object(call, head, output_items(plan, ids), usage, plan)
    events = [
        {"type": "response.created", "response": start},
        {"type": "response.in_progress", "response": start},
        *item_events(plan, ids),
        {"type": f"response.{final['status']}", "response": final},
    ]
    seq = count()
    frames = [Frame({**e, "sequence_number": next(seq)}, e["type"]) for e in events]
    return frames[:-1], frames[-1:]


def error_frame(seq: int) -> Frame:
    err = {
        "type": "error",
        "code": "server_error",
        "message": "The server had an error.",
        "param": None,
    }
    return Frame({**err, "sequence_number": seq}, "error")


async def responses(call: Call) -> web.StreamResponse:
    plan = responses_plan(call)
    head = {"id": new_id("resp_"), "object": "response", "created_at": int(time.time())}
    prefix = "fc_" if plan.tool_calls else "msg_"
    ids = [new_id(prefix) for _ in plan.tool_calls or [None]]
    if call.rec.stream:
        body, tail = stream_events(call, plan, head, ids)
        # the error event continues the numbering of the events sent before it
        return await stream_frames(call, body, tail, error_frame(interruption_point(body)))
    usage = call.usage(plan.usage(prompt_tokens(call.body)))
    return call.json_response(response_object(call, head, output_items(plan, ids), usage, plan))


ROUTES = [Route("POST", re.compile(r"/responses$"), responses, error_response)]
