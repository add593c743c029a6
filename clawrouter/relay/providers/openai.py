"""The OpenAI-compatible adapter: OpenAI itself and every channel type that speaks its API
unchanged. Compatible vendors subclass it and override a hook or two. Pure: builds calls, no I/O.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any
from urllib.parse import quote

import orjson

from clawrouter.relay.providers.base import (
    AdapterBase,
    ChannelView,
    RelayRequest,
    SSEJsonDecoder,
    StreamDecoder,
    UpstreamCall,
    UpstreamError,
    json_bytes,
    parse_error_body,
)
from clawrouter.relay.providers.channel_types import STREAM_OPTIONS_TYPES, default_base_url
from clawrouter.relay.providers.openai_media import media_call
from clawrouter.relay.providers.openai_params import (
    apply_stream_options,
    reasoning_model_rules,
    remove_filtered_fields,
)
from clawrouter.wire.formats import MEDIA_ENDPOINTS, Endpoint, Format

Json = dict[str, Any]

PATHS: Mapping[str, str] = MappingProxyType(
    {
        Endpoint.CHAT: "/v1/chat/completions",
        Endpoint.COMPLETIONS: "/v1/completions",
        Endpoint.EMBEDDINGS: "/v1/embeddings",
        Endpoint.MODERATIONS: "/v1/moderations",
        Endpoint.RESPONSES: "/v1/responses",
        Endpoint.MODELS: "/v1/models",
        Endpoint.IMAGES: "/v1/images/generations",
        Endpoint.IMAGE_EDITS: "/v1/images/edits",
        Endpoint.SPEECH: "/v1/audio/speech",
        Endpoint.TRANSCRIPTIONS: "/v1/audio/transcriptions",
        Endpoint.TRANSLATIONS: "/v1/audio/translations",
        Endpoint.RERANK: "/v1/rerank",
    }
)
OPENAI_ENDPOINTS = frozenset(PATHS)
STREAMING_ENDPOINTS = frozenset({Endpoint.CHAT, Endpoint.COMPLETIONS, Endpoint.RESPONSES})
CF_GATEWAY = "https://gateway.ai.cloudflare.com"  # AI Gateway URLs carry their own version


def join_url(base: str, path: str) -> str:
    """base + path, without a second `/v1` when the base already ends in one."""
    base = base.rstrip("/")
    if path.startswith("/v1/") and (base.endswith("/v1") or base.startswith(CF_GATEWAY)):
        path = path[3:]
    return base + path


def ws_url(url: str) -> str:
    """The WebSocket form of an http(s) URL."""
    if url.startswith("https://"):
        return "wss://" + url[8:]
    if url.startswith("http://"):
        return "ws://" + url[7:]
    return url


def is_stream(req: RelayRequest) -> bool:
    """A streamed answer is expected (only chat, completions and Responses stream)."""
    return req.stream and req.endpoint in STREAMING_ENDPOINTS


def config_error(ch: ChannelView, message: str) -> UpstreamError:
    """A channel that cannot be called as configured (retryable on another channel)."""
    return UpstreamError(
        status=500,
        message=f"channel #{ch.id} ({ch.name}): {message}",
        type="clawrouter_error",
        code="invalid_channel_config",
        local=True,
    )


def unsupported(adapter: str, endpoint: Endpoint) -> UpstreamError:
    return UpstreamError(
        status=500,
        message=f"the {adapter} adapter does not support the {endpoint} endpoint",
        type="clawrouter_error",
        code="convert_request_failed",
        local=True,
    )


def _detail_text(value: Any) -> str:
    """Text out of structured error details (FastAPI/pydantic `detail` lists, Mistral's
    `message: {detail: [...]}`)."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "; ".join(t for t in (_detail_text(v) for v in value) if t)
    if isinstance(value, dict):
        for key in ("msg", "message", "detail", "error"):
            text = _detail_text(value.get(key))
            if text:
                loc = value.get("loc")
                if isinstance(loc, list) and loc:
                    return f"{'.'.join(str(p) for p in loc)}: {text}"
                return text
    return ""


def parse_openai_error(status: int, body: bytes) -> UpstreamError:
    """parse_error_body, plus structured `message`/`detail` values it leaves unread."""
    err = parse_error_body(status, body, Format.OPENAI)
    if err.code != "bad_response_status_code":
        return err
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return err
    if not isinstance(data, dict):
        return err
    for key in ("message", "detail", "error"):
        text = _detail_text(data.get(key))
        if text:
            code = data.get("code")
            return dataclasses.replace(
                err,
                message=text[:1000],
                type=str(data.get("type") or err.type),
                code="" if code is None else str(code),
            )
    return err


class OpenAIAdapter(AdapterBase):
    """OpenAI and the generic OpenAI-compatible types: `{base}/v1/<endpoint>`, Bearer auth,
    OpenAI's reasoning-model parameter rules on chat."""

    __slots__ = ()
    name = "openai"
    protocol = Format.OPENAI
    endpoints: frozenset[str] = OPENAI_ENDPOINTS
    paths: Mapping[str, str] = PATHS
    reasoning_rules = True  # apply reasoning_model_rules to chat bodies

    def supports(self, endpoint: Endpoint) -> bool:
        return endpoint in self.endpoints

    def prepare(self, req: RelayRequest, ch: ChannelView) -> UpstreamCall:
        if req.endpoint not in self.endpoints:
            raise unsupported(self.name, req.endpoint)
        if req.endpoint == Endpoint.MODELS:
            return UpstreamCall("GET", self.url(req, req.model, ch), self.headers(req, ch))
        if req.endpoint in MEDIA_ENDPOINTS:
            return media_call(self, req, ch)
        body = self.body(req, ch)
        url = self.url(req, str(body.get("model") or req.model), ch)
        return UpstreamCall("POST", url, self.headers(req, ch), json_bytes(req, body))

    # -- URL ---------------------------------------------------------------------------------

    def base_url(self, ch: ChannelView) -> str:
        base = (ch.base_url.strip() or default_base_url(ch.type)).rstrip("/")
        if not base:
            raise config_error(ch, "no base URL configured")
        return base

    def url(self, req: RelayRequest, model: str, ch: ChannelView) -> str:
        """The upstream URL; `model` is the final upstream model (after body rewrites)."""
        return join_url(self.base_url(ch), self.paths[req.endpoint])

    # -- headers -----------------------------------------------------------------------------

    def headers(self, req: RelayRequest, ch: ChannelView) -> dict[str, str]:
        headers = {"Accept": "text/event-stream" if is_stream(req) else "application/json"}
        if req.endpoint != Endpoint.MODELS:
            headers["Content-Type"] = "application/json"
        headers.update(self.auth_headers(ch))
        headers.update(self.extra_headers(req, ch))
        return headers

    def auth_headers(self, ch: ChannelView) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {ch.key}"} if ch.key else {}
        if ch.organization:
            headers["OpenAI-Organization"] = ch.organization
        return headers

    def extra_headers(self, req: RelayRequest, ch: ChannelView) -> dict[str, str]:
        return {}

    # -- body --------------------------------------------------------------------------------

    def body(self, req: RelayRequest, ch: ChannelView) -> Json:
        body: Json = {**req.body, "model": req.model or req.body.get("model")}
        if ch.setting.get("pass_through_body_enabled"):
            return body
        if req.endpoint == Endpoint.CHAT and self.reasoning_rules:
            body = reasoning_model_rules(body)
        body = self.adjust(body, req, ch)
        body = apply_stream_options(body, req.endpoint, req.stream, self.stream_usage(ch))
        return remove_filtered_fields(body, ch.settings)

    def adjust(self, body: Json, req: RelayRequest, ch: ChannelView) -> Json:
        """Vendor hook: parameter quirks. Must return a new dict when it changes anything."""
        return body

    def stream_usage(self, ch: ChannelView) -> bool:
        """Whether streaming chat/completions get `stream_options.include_usage` forced."""
        return ch.type in STREAM_OPTIONS_TYPES

    # -- realtime ----------------------------------------------------------------------------

    def realtime_call(self, model: str, ch: ChannelView) -> UpstreamCall:
        """`{base}/v1/realtime?model=` as a WebSocket URL (relay.realtime.routes opens it)."""
        url = join_url(self.base_url(ch), "/v1/realtime") + "?model=" + quote(model, safe="")
        return UpstreamCall("GET", ws_url(url), self.auth_headers(ch))

    # -- answers -----------------------------------------------------------------------------

    def parse_error(self, status: int, body: bytes) -> UpstreamError:
        return parse_openai_error(status, body)

    def stream_decoder(self) -> StreamDecoder:
        return SSEJsonDecoder()
