"""Fake Gemini upstream: models/{model}:generateContent, :streamGenerateContent (alt=sse or a
JSON array), :embedContent, :batchEmbedContents, :countTokens, GET models, errors."""

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
from tests.support.upstream_plan import (
    Plan,
    ToolSpec,
    Usage,
    embedding_vector,
    make_plan,
    message_tokens,
    words,
)

DEFAULT_MODELS = ["gemini-2.5-flash", "gemini-2.5-pro", "text-embedding-004"]
STATUSES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}
FINISH = {"stop": "STOP", "length": "MAX_TOKENS", "tool_calls": "STOP", "content_filter": "SAFETY"}


def error_body(status: int, message: str) -> dict[str, Any]:
    err: dict[str, Any] = {
        "code": status,
        "message": message,
        "status": STATUSES.get(status, "UNKNOWN"),
    }
    if status == 429:
        err["details"] = [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "1s"}]
    return {"error": err}


def error_response(up: UpstreamState, status: int, message: str) -> web.Response:
    return web.json_response(error_body(status, message), status=status)


def pick(obj: dict[str, Any], camel: str, snake: str) -> Any:
    return obj.get(camel, obj.get(snake))


def prompt_tokens(body: dict[str, Any]) -> int:
    inner = pick(body, "generateContentRequest", "generate_content_request")
    if isinstance(inner, dict):
        body = inner
    system = pick(body, "systemInstruction", "system_instruction")
    return message_tokens(([system] if system else []) + list(body.get("contents") or []))


def declarations(body: dict[str, Any]) -> list[ToolSpec]:
    found = []
    for tool in body.get("tools") or []:
        for fd in pick(tool, "functionDeclarations", "function_declarations") or []:
            schema = pick(fd, "parameters", "parameters_json_schema") or fd.get(
                "parametersJsonSchema"
            )
            found.append(ToolSpec(fd.get("name", "tool"), schema))
    return found


def wants_tools(body: dict[str, Any]) -> tuple[bool, str | None]:
    contents = body.get("contents") or []
    last = contents[-1] if contents else {}
    answered = any(
        pick(p, "functionResponse", "function_response") for p in last.get("parts") or []
    )
    config = (
        pick(
            pick(body, "toolConfig", "tool_config") or {},
            "functionCallingConfig",
            "function_calling_config",
        )
        or {}
    )
    allowed = pick(config, "allowedFunctionNames", "allowed_function_names") or [None]
    user_turn = last.get("role", "user") == "user" and not answered
    return user_turn and config.get("mode") != "NONE", allowed[0]


def generate_plan(call: Call) -> Plan:
    body = call.body
    config = pick(body, "generationConfig", "generation_config") or {}
    thinking = pick(config, "thinkingConfig", "thinking_config") or {}
    call_tools, forced = wants_tools(body)
    return make_plan(
        call.up.reply_for("gemini"),
        call.markers,
        tools=declarations(body),
        call_tools=call_tools,
        forced=forced,
        thinking=bool(pick(thinking, "includeThoughts", "include_thoughts")),
        max_tokens=pick(config, "maxOutputTokens", "max_output_tokens"),
    )


def usage_metadata(u: Usage) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "promptTokenCount": u.prompt_tokens,
        "candidatesTokenCount": u.completion_tokens - u.reasoning_tokens,
        "totalTokenCount": u.total_tokens,
        "promptTokensDetails": [{"modality": "TEXT", "tokenCount": u.prompt_tokens}],
    }
    if u.cached_tokens:
        meta["cachedContentTokenCount"] = u.cached_tokens
    if u.reasoning_tokens:
        meta["thoughtsTokenCount"] = u.reasoning_tokens
    return meta


def parts(plan: Plan) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [{"text": t, "thought": True} for t in plan.thinking]
    out += [{"text": t} for t in plan.chunks]
    calls = [{"functionCall": {"name": c.name, "args": c.args}} for c in plan.tool_calls]
    return out + calls


def response(
    call: Call, rid: str, content: list[Any], finish: str | None, meta: Any
) -> dict[str, Any]:
    cand: dict[str, Any] = {"content": {"parts": content, "role": "model"}, "index": 0}
    if finish:
        cand["finishReason"] = finish
    out: dict[str, Any] = {"candidates": [cand]}
    if meta:
        out["usageMetadata"] = meta
    return {**out, "modelVersion": call.model, "responseId": rid}


def merged_parts(plan: Plan) -> list[dict[str, Any]]:
    """Non-stream parts: one thought part, one text part, the function calls."""
    joined = Plan(
        ["".join(plan.chunks)] if plan.chunks else [],
        [plan.thinking_text] if plan.thinking else [],
        plan.tool_calls,
    )
    return parts(joined)


def blocked_response(call: Call, rid: str, usage: Usage | None) -> dict[str, Any]:
    out: dict[str, Any] = {"promptFeedback": {"blockReason": "SAFETY"}}
    if usage:
        out["usageMetadata"] = usage_metadata(Usage(usage.prompt_tokens, 0, usage.cached_tokens))
    return {**out, "modelVersion": call.model, "responseId": rid}


def running_usage(usage: Usage, sent: list[dict[str, Any]]) -> Usage:
    """Cumulative usage after the text/thought parts sent so far (Gemini repeats it per chunk)."""
    thoughts = sum(words(p["text"]) for p in sent if p.get("thought"))
    text = sum(words(p["text"]) for p in sent if "text" in p and not p.get("thought"))
    return Usage(
        usage.prompt_tokens, text + thoughts, usage.cached_tokens, reasoning_tokens=thoughts
    )


def stream_chunks(call: Call, plan: Plan, usage: Usage | None, rid: str) -> list[Frame]:
    if plan.blocked:
        return [Frame(blocked_response(call, rid, usage), crlf=True)]
    pieces = [[p] for p in parts(plan) if "functionCall" not in p]
    calls = [p for p in parts(plan) if "functionCall" in p]
    pieces = (pieces + ([calls] if calls else [])) or [[]]
    frames, sent = [], []
    for piece in pieces[:-1]:
        sent += piece
        meta = usage_metadata(running_usage(usage, sent)) if usage else None
        frames.append(Frame(response(call, rid, piece, None, meta), crlf=True))
    meta = usage_metadata(usage) if usage else None
    last = response(call, rid, pieces[-1], FINISH[plan.finish], meta)
    return [*frames, Frame(last, crlf=True)]


async def generate(call: Call) -> web.StreamResponse:
    plan = generate_plan(call)
    usage = call.usage(plan.usage(prompt_tokens(call.body)))
    rid = new_id("", 11)
    if call.params["action"] == "streamGenerateContent":
        return await stream_generate(call, stream_chunks(call, plan, usage, rid))
    if plan.blocked:
        return call.json_response(blocked_response(call, rid, usage))
    meta = usage_metadata(usage) if usage else None
    return call.json_response(response(call, rid, merged_parts(plan), FINISH[plan.finish], meta))


async def stream_generate(call: Call, chunks: list[Frame]) -> web.StreamResponse:
    if call.rec.query.get("alt") != "sse":
        return call.json_response([f.data for f in chunks])
    error = Frame(error_body(500, "An internal error has occurred."), crlf=True)
    return await stream_frames(call, chunks[:-1], chunks[-1:], error)  # eof: no finishReason


def dims(request: dict[str, Any], default: int) -> int:
    return pick(request, "outputDimensionality", "output_dimensionality") or default


async def embed(call: Call) -> web.StreamResponse:
    body, default = call.body, call.up.embedding_dims
    if call.params["action"] == "embedContent":
        return call.json_response(
            {"embedding": {"values": embedding_vector(0, dims(body, default))}}
        )
    requests = body.get("requests") or []
    vectors = [{"values": embedding_vector(i, dims(r, default))} for i, r in enumerate(requests)]
    return call.json_response({"embeddings": vectors})


async def count_tokens(call: Call) -> web.StreamResponse:
    n = prompt_tokens(call.body)
    return call.json_response(
        {"totalTokens": n, "promptTokensDetails": [{"modality": "TEXT", "tokenCount": n}]}
    )


def model_object(name: str) -> dict[str, Any]:
    return {
        "name": f"models/{name}",
        "version": "001",
        "displayName": name,
        "description": "Fake Gemini model.",
        "inputTokenLimit": 1048576,
        "outputTokenLimit": 65536,
        "supportedGenerationMethods": ["generateContent", "countTokens", "embedContent"],
    }


async def list_models(call: Call) -> web.StreamResponse:
    return call.json_response(
        {"models": [model_object(n) for n in call.up.models or DEFAULT_MODELS]}
    )


async def get_model(call: Call) -> web.StreamResponse:
    return call.json_response(model_object(call.params["model"]))


def is_gemini(rec: RecordedRequest) -> bool:
    return "/v1beta/" in rec.path + "/" or "x-goog-api-key" in rec.headers or "key" in rec.query


def route(method: str, pattern: str, handler: Any, when: Any = None) -> Route:
    return Route(method, re.compile(pattern), handler, error_response, when)


MODEL = r"/models/(?P<model>[^/:]+)"
ROUTES = [
    route("POST", MODEL + r":(?P<action>generateContent|streamGenerateContent)$", generate),
    route("POST", MODEL + r":(?P<action>embedContent|batchEmbedContents)$", embed),
    route("POST", MODEL + r":countTokens$", count_tokens),
    route("GET", r"/models$", list_models, is_gemini),
    route("GET", MODEL + "$", get_model, is_gemini),
]
