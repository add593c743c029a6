"""Fake OpenAI upstream (also Azure and prefixed OpenAI-compatible paths): chat completions,
legacy completions, embeddings, moderations, models, errors. Responses API is in
upstream_openai_responses.py. No network, no state outside the FakeUpstream."""

from __future__ import annotations

import base64
import re
import struct
import time
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
from tests.support.upstream_plan import (
    Plan,
    ToolSpec,
    Usage,
    embedding_vector,
    input_tokens,
    make_plan,
    message_tokens,
)

FINGERPRINT = "fp_fake0001"
DEFAULT_MODELS = ["gpt-4o-mini", "gpt-4o", "text-embedding-3-small"]
ERROR_TYPES = {
    400: ("invalid_request_error", None),
    401: ("invalid_request_error", "invalid_api_key"),
    403: ("invalid_request_error", "unsupported_country_region_territory"),
    404: ("invalid_request_error", "model_not_found"),
    429: ("requests", "rate_limit_exceeded"),
}
MODERATION_CATEGORIES = (
    "harassment",
    "harassment/threatening",
    "hate",
    "hate/threatening",
    "illicit",
    "illicit/violent",
    "self-harm",
    "self-harm/intent",
    "self-harm/instructions",
    "sexual",
    "sexual/minors",
    "violence",
    "violence/graphic",
)


def error_body(status: int, message: str) -> dict[str, Any]:
    kind, code = ERROR_TYPES.get(status, ("server_error", None))
    if status == 401:
        message = "Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys."
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


def error_response(up: UpstreamState, status: int, message: str) -> web.Response:
    headers = {"x-request-id": new_id("req_")}
    if status == 429:
        headers["Retry-After"] = up.retry_after
    return web.json_response(error_body(status, message), status=status, headers=headers)


def openai_usage(u: Usage) -> dict[str, Any]:
    return {
        "prompt_tokens": u.prompt_tokens,
        "completion_tokens": u.completion_tokens,
        "total_tokens": u.total_tokens,
        "prompt_tokens_details": {"cached_tokens": u.cached_tokens, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": u.reasoning_tokens,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def include_usage(body: dict[str, Any]) -> bool:
    opts = body.get("stream_options")
    return isinstance(opts, dict) and opts.get("include_usage") is True


# ---------------------------------------------------------------- chat completions


def chat_tools(body: dict[str, Any]) -> list[ToolSpec]:
    tools = [
        t.get("function") or {} for t in body.get("tools") or [] if t.get("type") == "function"
    ]
    return [ToolSpec(f.get("name", "tool"), f.get("parameters")) for f in tools]


def chat_plan(call: Call) -> Plan:
    body = call.body
    messages = body.get("messages") or []
    choice = body.get("tool_choice")
    forced = (choice.get("function") or {}).get("name") if isinstance(choice, dict) else None
    last_user = bool(messages) and messages[-1].get("role") == "user"
    return make_plan(
        call.up.reply_for("openai"),
        call.markers,
        tools=chat_tools(body),
        call_tools=last_user and choice != "none",
        forced=forced,
        max_tokens=body.get("max_completion_tokens") or body.get("max_tokens"),
    )


def chat_message(plan: Plan) -> dict[str, Any]:
    msg: dict[str, Any] = {"role": "assistant", "content": plan.text or None, "refusal": None}
    if plan.thinking:
        msg["reasoning_content"] = plan.thinking_text
    if plan.tool_calls:
        msg["tool_calls"] = [
            {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
            for c in plan.tool_calls
        ]
    msg["annotations"] = []
    return msg


def chat_head(call: Call, obj: str) -> dict[str, Any]:
    return {
        "id": new_id("chatcmpl-"),
        "object": obj,
        "created": int(time.time()),
        "model": call.model,
        "service_tier": "default",
        "system_fingerprint": FINGERPRINT,
    }


def chat_json(call: Call, plan: Plan) -> dict[str, Any]:
    out = chat_head(call, "chat.completion")
    choice = {"index": 0, "message": chat_message(plan), "logprobs": None}
    out["choices"] = [{**choice, "finish_reason": plan.finish}]
    usage = call.usage(plan.usage(message_tokens(call.body.get("messages") or [])))
    if usage:
        out["usage"] = openai_usage(usage)
    return out


def chat_deltas(plan: Plan) -> list[dict[str, Any]]:
    deltas: list[dict[str, Any]] = [{"role": "assistant", "content": "", "refusal": None}]
    deltas += [{"reasoning_content": t} for t in plan.thinking]
    deltas += [{"content": t} for t in plan.chunks]
    for i, c in enumerate(plan.tool_calls):
        fn = {"name": c.name, "arguments": ""}
        deltas.append(
            {"tool_calls": [{"index": i, "id": c.id, "type": "function", "function": fn}]}
        )
        deltas += [{"tool_calls": [{"index": i, "function": {"arguments": p}}]} for p in c.pieces()]
    return deltas


def chat_chunks(call: Call, plan: Plan) -> list[Frame]:
    head = chat_head(call, "chat.completion.chunk")
    with_usage = include_usage(call.body)
    extra: dict[str, Any] = {"usage": None} if with_usage else {}

    def chunk(delta: dict[str, Any], finish: str | None = None) -> Frame:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        return Frame({**head, "choices": [choice], **extra})

    frames = [chunk(d) for d in chat_deltas(plan)] + [chunk({}, plan.finish)]
    usage = plan.usage(message_tokens(call.body.get("messages") or []))
    reported = call.usage(usage) if with_usage else None
    call.rec.usage = reported
    if reported:
        frames.append(Frame({**head, "choices": [], "usage": openai_usage(reported)}))
    return frames


def midstream_error() -> Frame:
    return Frame(error_body(500, "The server had an error while processing your request."))


async def chat_completions(call: Call) -> web.StreamResponse:
    plan = chat_plan(call)
    if not call.rec.stream:
        return call.json_response(chat_json(call, plan))
    frames = chat_chunks(call, plan)
    ending = 2 if call.rec.usage else 1  # the finish chunk and the usage chunk: eof drops them
    return await stream_frames(
        call, frames[:-ending], [*frames[-ending:], Frame("[DONE]")], midstream_error()
    )


# ---------------------------------------------------------------- legacy completions


def completion_chunk(head: dict[str, Any], text: str, finish: str | None) -> dict[str, Any]:
    choice = {"text": text, "index": 0, "logprobs": None, "finish_reason": finish}
    return {**head, "choices": [choice]}


async def completions(call: Call) -> web.StreamResponse:
    body = call.body
    plan = make_plan(call.up.reply_for("openai"), call.markers, max_tokens=body.get("max_tokens"))
    head = {**chat_head(call, "text_completion"), "id": new_id("cmpl-")}
    del head["service_tier"]
    computed = plan.usage(input_tokens(body.get("prompt", "")))
    finish = plan.finish
    if not call.rec.stream:
        usage = call.usage(computed)
        out = completion_chunk(head, plan.text, finish)
        return call.json_response({**out, **({"usage": openai_usage(usage)} if usage else {})})
    frames = [Frame(completion_chunk(head, t, None)) for t in plan.chunks]
    tail = [Frame(completion_chunk(head, "", finish))]
    usage = call.usage(computed) if include_usage(body) else None
    call.rec.usage = usage
    if usage:
        tail.append(Frame({**head, "choices": [], "usage": openai_usage(usage)}))
    return await stream_frames(call, frames, [*tail, Frame("[DONE]")], midstream_error())


# ---------------------------------------------------------------- embeddings, moderations


def embedding_items(value: Any) -> list[Any]:
    if isinstance(value, str) or (value and all(isinstance(x, int) for x in value)):
        return [value]
    return list(value or [])


def encode_vector(vector: list[float], fmt: Any) -> Any:
    if fmt != "base64":
        return vector
    return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()


async def embeddings(call: Call) -> web.StreamResponse:
    body = call.body
    items = embedding_items(body.get("input"))
    dims = body.get("dimensions") or call.up.embedding_dims
    data = [
        {
            "object": "embedding",
            "index": i,
            "embedding": encode_vector(embedding_vector(i, dims), body.get("encoding_format")),
        }
        for i in range(len(items))
    ]
    usage = call.usage(Usage(input_tokens(items), 0))
    out: dict[str, Any] = {"object": "list", "data": data, "model": call.model}
    if usage:
        out["usage"] = {"prompt_tokens": usage.prompt_tokens, "total_tokens": usage.prompt_tokens}
    return call.json_response(out)


def moderation_result(text: str) -> dict[str, Any]:
    flagged = "flag-me" in text
    cats = {c: flagged and c == "violence" for c in MODERATION_CATEGORIES}
    scores = {c: 0.99 if cats[c] else 0.0001 for c in MODERATION_CATEGORIES}
    applied = {c: ["text"] for c in MODERATION_CATEGORIES}
    return {
        "flagged": flagged,
        "categories": cats,
        "category_scores": scores,
        "category_applied_input_types": applied,
    }


async def moderations(call: Call) -> web.StreamResponse:
    value = call.body.get("input", "")
    inputs = [value] if isinstance(value, str) else value
    items = [i if isinstance(i, str) else i.get("text", "") for i in inputs]
    model = call.body.get("model") or "omni-moderation-latest"
    out = {"id": new_id("modr-"), "model": model, "results": [moderation_result(t) for t in items]}
    return call.json_response(out)


# ---------------------------------------------------------------- models


def model_object(name: str) -> dict[str, Any]:
    return {"id": name, "object": "model", "created": 1700000000, "owned_by": "fake-openai"}


async def list_models(call: Call) -> web.StreamResponse:
    names = call.up.models or DEFAULT_MODELS
    return call.json_response({"object": "list", "data": [model_object(n) for n in names]})


async def get_model(call: Call) -> web.StreamResponse:
    return call.json_response(model_object(call.params["model"]))


def route(method: str, suffix: str, handler: Any, when: Any = None) -> Route:
    return Route(method, re.compile(suffix), handler, error_response, when)


def not_anthropic(rec: RecordedRequest) -> bool:
    return "anthropic-version" not in rec.headers


ROUTES = [
    route("POST", r"/chat/completions$", chat_completions),
    route("POST", r"/completions$", completions),
    route("POST", r"/embeddings$", embeddings),
    route("POST", r"/moderations$", moderations),
    route("GET", r"/models$", list_models, not_anthropic),
    route("GET", r"/models/(?P<model>[^/]+)$", get_model, not_anthropic),
]
