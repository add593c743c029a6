"""Fake Anthropic upstream: POST /v1/messages (JSON and the exact SSE event order with text,
thinking and tool_use blocks), /v1/messages/count_tokens, GET /v1/models, errors."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web

from tests.support.upstream_core import (
    Call,
    Frame,
    RecordedRequest,
    Route,
    UpstreamState,
    new_id,
    stream_frames,
)
from tests.support.upstream_plan import Plan, ToolSpec, Usage, make_plan, message_tokens

DEFAULT_MODELS = ["claude-sonnet-4-5", "claude-haiku-4-5"]
ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    504: "timeout_error",
    529: "overloaded_error",
}
STOP_REASONS = {
    "stop": "end_turn",
    "length": "max_tokens",
    "tool_calls": "tool_use",
    "content_filter": "refusal",
}


def error_body(status: int, message: str) -> dict[str, Any]:
    kind = ERROR_TYPES.get(status, "api_error")
    return {
        "type": "error",
        "error": {"type": kind, "message": message},
        "request_id": new_id("req_"),
    }


def error_response(up: UpstreamState, status: int, message: str) -> web.Response:
    headers = {"request-id": new_id("req_")}
    if status == 429:
        headers["retry-after"] = up.retry_after
    return web.json_response(error_body(status, message), status=status, headers=headers)


def prompt_tokens(body: dict[str, Any]) -> int:
    system = body.get("system")
    return message_tokens(([{"content": system}] if system else []) + (body.get("messages") or []))


def anthropic_usage(u: Usage | None, output_tokens: int | None = None) -> dict[str, Any]:
    """no-usage sends zeros: the SDK's stream accumulator needs a usage object."""
    u = u or Usage(0, 0)
    return {
        "input_tokens": u.uncached_prompt_tokens,
        "cache_creation_input_tokens": u.cache_creation_tokens,
        "cache_read_input_tokens": u.cached_tokens,
        "cache_creation": {
            "ephemeral_5m_input_tokens": u.cache_creation_5m,
            "ephemeral_1h_input_tokens": u.cache_creation_1h,
        },
        "output_tokens": u.completion_tokens if output_tokens is None else output_tokens,
        "service_tier": "standard",
    }


def only_tool_results(message: dict[str, Any]) -> bool:
    content = message.get("content")
    return isinstance(content, list) and all(b.get("type") == "tool_result" for b in content)


def messages_plan(call: Call) -> Plan:
    body = call.body
    messages = body.get("messages") or []
    last = messages[-1] if messages else {}
    choice = body.get("tool_choice") or {}
    tools = [
        ToolSpec(t.get("name", "tool"), t.get("input_schema"))
        for t in body.get("tools") or []
        if "input_schema" in t
    ]
    thinking = (body.get("thinking") or {}).get("type") in ("enabled", "adaptive")
    return make_plan(
        call.up.reply_for("anthropic"),
        call.markers,
        tools=tools,
        call_tools=last.get("role") == "user"
        and not only_tool_results(last)
        and choice.get("type") != "none",
        forced=choice.get("name") if choice.get("type") == "tool" else None,
        thinking=thinking,
        max_tokens=body.get("max_tokens"),
        id_prefix="toolu_",
    )


def signature(plan: Plan) -> str:
    return "fakesig-" + str(len(plan.thinking_text))


def content_blocks(plan: Plan) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    if plan.thinking:
        blocks.append(
            {"type": "thinking", "thinking": plan.thinking_text, "signature": signature(plan)}
        )
    if plan.chunks:
        blocks.append({"type": "text", "text": plan.text})
    blocks += [
        {"type": "tool_use", "id": c.id, "name": c.name, "input": c.args} for c in plan.tool_calls
    ]
    return blocks


def message_object(
    call: Call, plan: Plan, content: list[Any], usage: dict[str, Any]
) -> dict[str, Any]:
    return {
        "id": new_id("msg_01"),
        "type": "message",
        "role": "assistant",
        "model": call.model,
        "content": content,
        "stop_reason": STOP_REASONS[plan.finish],
        "stop_sequence": None,
        "usage": usage,
    }


def block_deltas(block: dict[str, Any], plan: Plan) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The empty block for content_block_start and the deltas that fill it."""
    if block["type"] == "thinking":
        deltas = [{"type": "thinking_delta", "thinking": t} for t in plan.thinking]
        deltas.append({"type": "signature_delta", "signature": block["signature"]})
        return {"type": "thinking", "thinking": "", "signature": ""}, deltas
    if block["type"] == "text":
        return {"type": "text", "text": ""}, [
            {"type": "text_delta", "text": t} for t in plan.chunks
        ]
    call = next(c for c in plan.tool_calls if c.id == block["id"])
    pieces = ["", *call.pieces()]
    deltas = [{"type": "input_json_delta", "partial_json": p} for p in pieces]
    return {**block, "input": {}}, deltas


def block_events(plan: Plan) -> list[Frame]:
    frames: list[Frame] = []
    for index, block in enumerate(content_blocks(plan)):
        empty, deltas = block_deltas(block, plan)
        frames.append(
            Frame(
                {"type": "content_block_start", "index": index, "content_block": empty},
                "content_block_start",
            )
        )
        if index == 0:
            frames.append(Frame({"type": "ping"}, "ping"))
        frames += [
            Frame(
                {"type": "content_block_delta", "index": index, "delta": d}, "content_block_delta"
            )
            for d in deltas
        ]
        frames.append(Frame({"type": "content_block_stop", "index": index}, "content_block_stop"))
    return frames


def stream_body(call: Call, plan: Plan, usage: Usage | None) -> list[Frame]:
    start = message_object(call, plan, [], anthropic_usage(usage, 1 if usage else 0))
    start["stop_reason"] = None
    delta = {
        "type": "message_delta",
        "delta": {"stop_reason": STOP_REASONS[plan.finish], "stop_sequence": None},
        "usage": {"output_tokens": usage.completion_tokens if usage else 0},
    }
    return [
        Frame({"type": "message_start", "message": start}, "message_start"),
        *block_events(plan),
        Frame(delta, "message_delta"),
    ]


async def messages(call: Call) -> web.StreamResponse:
    plan = messages_plan(call)
    usage = call.usage(plan.usage(prompt_tokens(call.body)))
    headers = {"request-id": new_id("req_")}
    if not call.rec.stream:
        body = message_object(call, plan, content_blocks(plan), anthropic_usage(usage))
        return call.json_response(body, headers)
    overloaded = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    body = stream_body(call, plan, usage)  # eof drops message_delta and message_stop
    tail = [body.pop(), Frame({"type": "message_stop"}, "message_stop")]
    return await stream_frames(call, body, tail, Frame(overloaded, "error"), headers)


async def count_tokens(call: Call) -> web.StreamResponse:
    return call.json_response({"input_tokens": prompt_tokens(call.body)})


def model_object(name: str) -> dict[str, Any]:
    return {
        "type": "model",
        "id": name,
        "display_name": name,
        "created_at": "2025-01-01T00:00:00Z",
        "lifecycle": "active",
        "deprecated_at": None,
        "retires_at": None,
    }


async def list_models(call: Call) -> web.StreamResponse:
    data = [model_object(n) for n in call.up.models or DEFAULT_MODELS]
    page = {
        "has_more": False,
        "first_id": data[0]["id"] if data else None,
        "last_id": data[-1]["id"] if data else None,
    }
    return call.json_response({"data": data, **page})


async def get_model(call: Call) -> web.StreamResponse:
    return call.json_response(model_object(call.params["model"]))


def is_anthropic(rec: RecordedRequest) -> bool:
    return "anthropic-version" in rec.headers


def route(method: str, suffix: str, handler: Any, when: Any = None) -> Route:
    return Route(method, re.compile(suffix), handler, error_response, when)


ROUTES = [
    route("POST", r"/messages/count_tokens$", count_tokens),
    route("POST", r"/messages$", messages),
    route("GET", r"/models$", list_models, is_anthropic),
    route("GET", r"/models/(?P<model>[^/]+)$", get_model, is_anthropic),
]
