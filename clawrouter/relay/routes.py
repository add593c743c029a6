"""Relay routes (/v1, /v1beta): thin handlers that pick the client format and endpoint and
call the pipeline; model listings in the OpenAI, Anthropic or Gemini shape."""

from __future__ import annotations

import time
from typing import Any

from aiohttp import web

from clawrouter.errors import BadRequestError, ClawError, NotFoundError
from clawrouter.http.render import json_response, listing_protocol
from clawrouter.http.request import client_ip
from clawrouter.keys import CONFIG, RELAY
from clawrouter.relay.keyauth import authenticate_key
from clawrouter.relay.media import routes as media
from clawrouter.relay.pipeline import relay
from clawrouter.relay.realtime import routes as realtime
from clawrouter.relay.state import RelayState
from clawrouter.relay.video import routes as videos
from clawrouter.wire.formats import Endpoint, Format

MODEL_CREATED = 1626777600
_GEMINI_ACTIONS = {
    "generateContent": (False, Endpoint.GEMINI),
    "streamGenerateContent": (True, Endpoint.GEMINI),
    "embedContent": (False, Endpoint.GEMINI_EMBED),
    "batchEmbedContents": (False, Endpoint.GEMINI_EMBED),
}


async def chat_completions(request: web.Request) -> web.StreamResponse:
    return await relay(request, Format.OPENAI, Endpoint.CHAT)


async def completions(request: web.Request) -> web.StreamResponse:
    return await relay(request, Format.OPENAI, Endpoint.COMPLETIONS)


async def embeddings(request: web.Request) -> web.StreamResponse:
    model = request.match_info.get("model")
    return await relay(request, Format.OPENAI, Endpoint.EMBEDDINGS, path_model=model)


async def moderations(request: web.Request) -> web.StreamResponse:
    return await relay(request, Format.OPENAI, Endpoint.MODERATIONS)


async def rerank(request: web.Request) -> web.StreamResponse:
    return await relay(request, Format.OPENAI, Endpoint.RERANK)


async def responses(request: web.Request) -> web.StreamResponse:
    return await relay(request, Format.RESPONSES, Endpoint.RESPONSES)


async def messages(request: web.Request) -> web.StreamResponse:
    return await relay(request, Format.ANTHROPIC, Endpoint.MESSAGES)


async def gemini_action(request: web.Request) -> web.StreamResponse:
    target = request.match_info["target"]
    model, _, action = target.rpartition(":")
    if action not in _GEMINI_ACTIONS or not model:
        raise NotFoundError(f"unsupported Gemini method {action or target!r}")
    stream, endpoint = _GEMINI_ACTIONS[action]
    model = model.removeprefix("models/")
    return await relay(request, Format.GEMINI, endpoint, path_model=model, stream=stream)


async def not_implemented(request: web.Request) -> web.Response:
    raise ClawError("API not implemented", status=501, code="api_not_implemented")


async def not_found(request: web.Request) -> web.Response:
    raise NotFoundError(f"Invalid URL ({request.method} {request.path})")


# ---- model listings -----------------------------------------------------------------------------
def _listing_format(request: web.Request) -> str:
    return listing_protocol(request.headers, request.query)  # CHAT, MESSAGES or GEMINI


def visible_models(state: RelayState, request: web.Request) -> list[str]:
    cfg = request.app[CONFIG]
    caller = authenticate_key(state, request, client_ip(request, cfg.server.trust_forwarded_for))
    if caller.group == "auto":
        groups = caller.token.auto_groups or state.options["AutoGroups"]
    else:
        groups = [caller.group]
    models: set[str] = set()
    for group in groups:
        models |= state.group_models(group)
    if caller.token.model_limits_enabled:
        models &= caller.token.model_limits
    if not (
        state.options["SelfUseModeEnabled"]
        or caller.user.setting.get("accept_unset_model_ratio_model")
    ):
        models = {m for m in models if state.ratios.resolve(m) is not None}
    return sorted(models)


def _openai_model(model: str) -> dict[str, Any]:
    return {"id": model, "object": "model", "created": MODEL_CREATED, "owned_by": "custom"}


def _anthropic_model(model: str) -> dict[str, Any]:
    """anthropic-sdk-python 2.x ModelInfo: `lifecycle` is required; the dates are null while a
    model is active."""
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(MODEL_CREATED))
    return {
        "id": model,
        "created_at": stamp,
        "display_name": model,
        "lifecycle": "active",
        "deprecated_at": None,
        "retires_at": None,
        "type": "model",
    }


def _gemini_model(model: str) -> dict[str, Any]:
    return {
        "name": f"models/{model}",
        "displayName": model,
        "version": "",
        "description": "",
        "inputTokenLimit": 0,
        "outputTokenLimit": 0,
        "supportedGenerationMethods": ["generateContent", "streamGenerateContent"],
    }


def _listing(kind: str, models: list[str]) -> dict[str, Any]:
    if kind == Format.ANTHROPIC:
        return {
            "data": [_anthropic_model(m) for m in models],
            "first_id": models[0] if models else None,
            "last_id": models[-1] if models else None,
            "has_more": False,
        }
    if kind == Format.GEMINI:
        return {"models": [_gemini_model(m) for m in models], "nextPageToken": None}
    return {"success": True, "object": "list", "data": [_openai_model(m) for m in models]}


async def list_models(request: web.Request) -> web.Response:
    state = request.app[RELAY]
    return json_response(_listing(_listing_format(request), visible_models(state, request)))


async def list_gemini_models(request: web.Request) -> web.Response:
    state = request.app[RELAY]
    return json_response(_listing(Format.GEMINI, visible_models(state, request)))


_MODEL_SHAPES = {
    Format.ANTHROPIC: _anthropic_model,
    Format.GEMINI: _gemini_model,
    Format.OPENAI: _openai_model,
}


async def retrieve_model(request: web.Request) -> web.Response:
    return _retrieve(request, _listing_format(request))


async def retrieve_gemini_model(request: web.Request) -> web.Response:
    """GET /v1beta/models/{model} (google-genai's models.get)."""
    return _retrieve(request, Format.GEMINI)


def _retrieve(request: web.Request, kind: str) -> web.Response:
    state = request.app[RELAY]
    model = request.match_info["model"].removeprefix("models/")
    if model not in visible_models(state, request):
        raise NotFoundError(
            f"The model '{model}' does not exist", code="model_not_found", param="model"
        )
    return json_response(_MODEL_SHAPES[kind](model))


async def post_models_path(request: web.Request) -> web.StreamResponse:
    """POST /v1/models/{model}:generateContent (the Gemini family under /v1)."""
    if ":" not in request.match_info["target"]:
        raise BadRequestError("expected /v1/models/{model}:generateContent")
    return await gemini_action(request)


def add_routes(app: web.Application) -> None:
    r = app.router
    r.add_post("/v1/chat/completions", chat_completions)
    r.add_post("/v1/completions", completions)
    r.add_post("/v1/embeddings", embeddings)
    r.add_post("/v1/engines/{model}/embeddings", embeddings)
    r.add_post("/v1/moderations", moderations)
    r.add_post("/v1/rerank", rerank)
    r.add_post("/v1/responses", responses)
    r.add_post("/v1/messages", messages)
    media.add_routes(app)  # images and audio
    r.add_get("/v1/realtime", realtime.realtime)
    r.add_get("/v1/models", list_models)
    r.add_get("/v1/models/{model}", retrieve_model)
    r.add_post("/v1/models/{target}", post_models_path)
    r.add_get("/v1beta/models", list_gemini_models)
    r.add_get("/v1beta/openai/models", list_models)
    r.add_get("/v1beta/models/{model}", retrieve_gemini_model)
    r.add_post("/v1beta/models/{target}", gemini_action)
    videos.add_routes(app)
    for path in ("/v1/files", "/v1/files/{file_id}", "/v1/files/{file_id}/content"):
        r.add_route("*", path, not_implemented)
    for path in ("/v1/fine-tunes{tail:.*}", "/v1/fine_tuning{tail:.*}", "/v1/images/variations"):
        r.add_route("*", path, not_implemented)
    r.add_route("*", "/v1/{tail:.*}", not_found)
    r.add_route("*", "/v1beta/{tail:.*}", not_found)
