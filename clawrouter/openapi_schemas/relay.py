"""Schemas of the relay (/v1, /v1beta), the playground, the operational routes and the SPA.
Upstream formats are huge: the key fields are named and required, the rest is allowed
(every object accepts more properties)."""

from __future__ import annotations

from typing import Any

from clawrouter.openapi_schemas.common import (
    ANY,
    BOOL,
    INT,
    STR,
    Schema,
    arr,
    map_of,
    nullable,
    obj,
    spec,
)

_BINARY = {"type": "string", "contentMediaType": "application/octet-stream"}


def _chat() -> tuple[Schema, Schema]:
    message = obj({"role": STR, "content": ANY}, "role")
    body = obj(
        {
            "model": STR,
            "messages": arr(message),
            "stream": BOOL,
            "max_tokens": INT,
            "temperature": {"type": "number"},
            "tools": arr(obj()),
        },
        "model messages",
    )
    choice = obj({"index": INT, "message": message, "finish_reason": nullable(STR)}, "index")
    answer = obj(
        {
            "id": STR,
            "object": {"const": "chat.completion"},
            "created": INT,
            "model": STR,
            "choices": arr(choice),
            "usage": obj(),
        },
        "id object choices model",
    )
    return body, answer


def _openai_routes() -> dict[tuple[str, str], dict[str, Any]]:
    chat_body, chat = _chat()
    embeddings = spec(
        answer=obj(
            {
                "object": {"const": "list"},
                "data": arr(obj({"embedding": ANY, "index": INT}, "embedding index")),
                "model": STR,
                "usage": obj(),
            },
            "object data",
        ),
        body=obj({"model": STR, "input": ANY, "encoding_format": STR}, "model"),
    )
    images = obj({"created": INT, "data": arr(obj())}, "data")
    image_form = obj({"image": _BINARY, "prompt": STR, "model": STR, "mask": _BINARY}, "prompt")
    audio_form = obj({"file": _BINARY, "model": STR, "response_format": STR}, "file model")
    transcript = spec(answer=obj({"text": STR}, "text"), form=audio_form)
    video = obj({"id": STR, "object": STR, "status": STR, "model": STR}, "id status")
    video_body = obj({"model": STR, "prompt": STR, "seconds": ANY, "size": STR}, "prompt")
    return {
        ("POST", "/v1/chat/completions"): spec(answer=chat, body=chat_body, stream=True),
        ("POST", "/pg/chat/completions"): spec(answer=chat, body=chat_body, stream=True),
        ("POST", "/v1/completions"): spec(
            answer=obj(
                {
                    "id": STR,
                    "object": STR,
                    "choices": arr(obj({"text": STR}, "text")),
                    "usage": obj(),
                },
                "id choices",
            ),
            body=obj({"model": STR, "prompt": ANY, "stream": BOOL}, "model prompt"),
            stream=True,
        ),
        ("POST", "/v1/responses"): spec(
            answer=obj(
                {
                    "id": STR,
                    "object": {"const": "response"},
                    "status": STR,
                    "output": arr(obj()),
                    "usage": nullable(obj()),
                },
                "id object output",
            ),
            body=obj({"model": STR, "input": ANY, "stream": BOOL, "instructions": STR}, "model"),
            stream=True,
        ),
        ("POST", "/v1/embeddings"): embeddings,
        ("POST", "/v1/engines/{model}/embeddings"): embeddings,
        ("POST", "/v1/moderations"): spec(
            answer=obj({"id": STR, "model": STR, "results": arr(obj())}, "results"),
            body=obj({"model": STR, "input": ANY}, "input"),
        ),
        ("POST", "/v1/rerank"): spec(
            answer=obj(
                {
                    "results": arr(
                        obj(
                            {"index": INT, "relevance_score": {"type": "number"}},
                            "index relevance_score",
                        )
                    ),
                    "usage": obj(),
                },
                "results",
            ),
            body=obj(
                {"model": STR, "query": STR, "documents": arr(ANY), "top_n": INT},
                "model query documents",
            ),
        ),
        ("POST", "/v1/images/generations"): spec(
            answer=images,
            body=obj(
                {"model": STR, "prompt": STR, "n": INT, "size": STR, "stream": BOOL}, "prompt"
            ),
            stream=True,
        ),
        ("POST", "/v1/images/edits"): spec(answer=images, form=image_form),
        ("POST", "/v1/edits"): spec(answer=images, form=image_form),
        ("POST", "/v1/audio/speech"): spec(
            answer={"type": "string", "contentMediaType": "audio/*"},
            media="audio/*",
            body=obj(
                {"model": STR, "input": STR, "voice": ANY, "response_format": STR}, "model input"
            ),
        ),
        ("POST", "/v1/audio/transcriptions"): transcript,
        ("POST", "/v1/audio/translations"): transcript,
        ("POST", "/v1/videos"): spec(answer=video, body=video_body),
        ("GET", "/v1/videos/{task_id}"): spec(answer=video),
        ("POST", "/v1/videos/{task_id}/remix"): spec(
            answer=video, body=obj({"prompt": STR}, "prompt")
        ),
        ("GET", "/v1/videos/{task_id}/content"): spec(
            answer={"type": "string", "contentMediaType": "video/*"}, media="video/*"
        ),
        ("POST", "/v1/video/generations"): spec(
            answer=obj({"task_id": STR, "status": STR}, "task_id"), body=video_body
        ),
        ("GET", "/v1/video/generations/{task_id}"): spec(
            answer=obj(
                {
                    "code": STR,
                    "data": obj({"task_id": STR, "status": STR, "progress": ANY}, "task_id status"),
                },
                "code data",
            )
        ),
        ("GET", "/v1/realtime"): spec(
            answer=ANY,
            query=[{"name": "model", "in": "query", "required": False, "schema": STR}],
            statuses={"101": "Switching to the WebSocket (Realtime API events)"},
        ),
    }


def _listings() -> dict[tuple[str, str], dict[str, Any]]:
    openai_list = obj(
        {"object": {"const": "list"}, "data": arr(obj({"id": STR}, "id"))}, "object data"
    )
    anthropic_list = obj(
        {"data": arr(obj({"id": STR, "type": STR}, "id")), "has_more": BOOL}, "data has_more"
    )
    gemini_list = obj({"models": arr(obj({"name": STR}, "name"))}, "models")
    any_list = {"anyOf": [openai_list, anthropic_list, gemini_list]}
    one = obj({"id": STR}, "id")
    gemini_one = obj({"name": STR}, "name")
    return {
        # answered in the shape of the SDK that asks (anthropic-version, x-goog-api-key / ?key=)
        ("GET", "/v1/models"): spec(answer=any_list, protocol="listing"),
        ("GET", "/v1beta/openai/models"): spec(answer=any_list, protocol="listing"),
        ("GET", "/v1/models/{model}"): spec(
            answer={"anyOf": [one, gemini_one]}, protocol="listing"
        ),
        ("GET", "/v1beta/models"): spec(answer=gemini_list),
        ("GET", "/v1beta/models/{model}"): spec(answer=gemini_one),
    }


def _native_routes() -> dict[tuple[str, str], dict[str, Any]]:
    messages = obj(
        {
            "model": STR,
            "max_tokens": INT,
            "messages": arr(obj({"role": STR, "content": ANY}, "role content")),
            "system": ANY,
            "stream": BOOL,
            "tools": arr(obj()),
        },
        "model max_tokens messages",
    )
    message = obj(
        {
            "id": STR,
            "type": {"const": "message"},
            "role": {"const": "assistant"},
            "content": arr(obj({"type": STR}, "type")),
            "model": STR,
            "stop_reason": nullable(STR),
            "usage": obj(),
        },
        "id type role content model usage",
    )
    gemini_body = obj(
        {
            "contents": arr(obj({"parts": arr(obj())}, "parts")),
            "systemInstruction": obj(),
            "generationConfig": obj(),
        }
    )
    gemini = {
        "anyOf": [
            obj({"candidates": arr(obj()), "usageMetadata": obj()}, "candidates"),
            obj({"embedding": obj()}, "embedding"),
            obj({"embeddings": arr(obj())}, "embeddings"),
            obj({"totalTokens": INT}, "totalTokens"),
        ]
    }
    target = [{"name": "alt", "in": "query", "required": False, "schema": STR}]
    return {
        ("POST", "/v1/messages"): spec(answer=message, body=messages, stream=True),
        ("POST", "/v1beta/models/{target}"): spec(
            answer=gemini, body=gemini_body, stream=True, query=target
        ),
        ("POST", "/v1/models/{target}"): spec(
            answer=gemini, body=gemini_body, stream=True, query=target
        ),
    }


def _unrouted(paths: list[str], status: str, why: str) -> dict[tuple[str, str], dict]:
    methods = ("GET", "POST", "PUT", "PATCH", "DELETE")
    return {
        (m, p): spec(answer=None, statuses={status: why}) | {"answer": None}
        for p in paths
        for m in methods
    }


def _operations() -> dict[tuple[str, str], dict[str, Any]]:
    checks = map_of(STR)
    return {
        ("GET", "/healthz"): spec(answer=obj({"status": {"const": "ok"}}, "status")),
        ("GET", "/readyz"): spec(
            answer=obj({"status": STR, "checks": checks}, "status checks"),
            statuses={"503": "Not ready (draining, store unreachable or writer stalled)"},
        ),
        ("GET", "/metrics"): spec(answer=STR, media="text/plain"),
        ("GET", "/{tail}"): spec(
            answer=STR, media="text/html", statuses={"404": "Not a dashboard page"}
        ),
    }


def specs() -> dict[tuple[str, str], dict[str, Any]]:
    missing = [
        "/v1/files",
        "/v1/files/{file_id}",
        "/v1/files/{file_id}/content",
        "/v1/fine-tunes{tail}",
        "/v1/fine_tuning{tail}",
        "/v1/images/variations",
    ]
    return {
        **_openai_routes(),
        **_listings(),
        **_native_routes(),
        **_unrouted(missing, "501", "Not implemented (OpenAI error, code api_not_implemented)"),
        **_unrouted(["/v1/{tail}", "/v1beta/{tail}", "/pg/{tail}"], "404", "No such route"),
        **_operations(),
    }
