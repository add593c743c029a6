"""The Anthropic adapter (type 14): `{base}/v1/messages` with x-api-key, anthropic-version and the
client's anthropic-beta; Anthropic's error shape; a stream decoder that ends on message_stop.
Pure: builds calls, no I/O.

Body rules: the model is set to the upstream model; a missing `max_tokens` (Anthropic requires
it) comes from `max_completion_tokens`/`max_output_tokens` when the client sent one of those,
else DEFAULT_MAX_TOKENS. A model name ending in `-thinking` is sent without the suffix and, when
the body has no `thinking` of its own, turns extended thinking on with a budget of
THINKING_BUDGET_SHARE of max_tokens (max_tokens at least MIN_THINKING_MAX_TOKENS; temperature,
top_p and top_k are dropped because thinking rejects them), like the reference's Claude
thinking adapter.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

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
from clawrouter.relay.providers.channel_types import SPECIAL_BASES, default_base_url
from clawrouter.relay.providers.openai import config_error, join_url, unsupported
from clawrouter.wire.formats import Endpoint, Format

Json = dict[str, Any]

DEFAULT_VERSION = "2023-06-01"
DEFAULT_MAX_TOKENS = 8192
THINKING_SUFFIX = "-thinking"
THINKING_BUDGET_SHARE = 0.8  # the reference's claude.thinking_adapter_budget_tokens_percentage
MIN_THINKING_MAX_TOKENS = 1280
PATHS: Mapping[str, str] = MappingProxyType(
    {Endpoint.MESSAGES: "/v1/messages", Endpoint.MODELS: "/v1/models"}
)


def _positive_int(value: Any) -> int | None:
    ok = isinstance(value, int) and not isinstance(value, bool) and value > 0
    return value if ok else None


def _header(headers: Any, name: str) -> str:
    """A client header, case-insensitively (aiohttp's CIMultiDict or a plain dict)."""
    value = headers.get(name)
    if value is None and isinstance(headers, dict):
        value = next((v for k, v in headers.items() if k.lower() == name), None)
    return str(value).strip() if value else ""


def with_max_tokens(body: Json) -> Json:
    """The body with a valid max_tokens (aliases removed: Anthropic rejects unknown fields)."""
    return _fix_max_tokens(dict(body))


def _fix_max_tokens(out: Json) -> Json:
    """with_max_tokens in place, on a body this adapter already copied."""
    first, second = out.pop("max_completion_tokens", None), out.pop("max_output_tokens", None)
    if _positive_int(out.get("max_tokens")) is None:
        out["max_tokens"] = _positive_int(first) or _positive_int(second) or DEFAULT_MAX_TOKENS
    return out


def thinking_from_suffix(body: Json, model: str) -> tuple[Json, str]:
    """(body, model) after the `-thinking` model suffix is turned into extended thinking."""
    if not model.endswith(THINKING_SUFFIX) or len(model) == len(THINKING_SUFFIX):
        return body, model
    model = model.removesuffix(THINKING_SUFFIX)
    if isinstance(body.get("thinking"), dict):
        return body, model
    out = dict(body)
    max_tokens = max(out["max_tokens"], MIN_THINKING_MAX_TOKENS)
    out["max_tokens"] = max_tokens
    out["thinking"] = {"type": "enabled", "budget_tokens": int(max_tokens * THINKING_BUDGET_SHARE)}
    for key in ("temperature", "top_p", "top_k"):
        out.pop(key, None)
    return out, model


class AnthropicStreamDecoder(SSEJsonDecoder):
    """Anthropic streams have no `[DONE]`: the stream is done once `message_stop` arrives.
    An `error` event comes out as a dict with type "error" like every other event."""

    __slots__ = ()

    def _events(self, events: list) -> list[Json]:
        """SSEJsonDecoder._events, spotting message_stop in the same pass (no generator)."""
        out = []
        for ev in events:
            data = ev.data
            if not data or data.isspace():
                continue
            try:
                obj = orjson.loads(data)
            except orjson.JSONDecodeError:
                self.done = self.done or data.strip() == "[DONE]"
                continue
            if isinstance(obj, dict):
                kind = obj.get("type")
                if kind is None and ev.event and "type" not in obj:
                    obj["type"] = kind = ev.event
                if kind == "message_stop":
                    self.done = True
                out.append(obj)
        return out


class AnthropicAdapter(AdapterBase):
    """Claude Messages, natively (no OpenAI endpoints: other formats are converted to it)."""

    __slots__ = ()
    name = "anthropic"
    protocol = Format.ANTHROPIC
    endpoints: frozenset[str] = frozenset(PATHS)

    def supports(self, endpoint: Endpoint) -> bool:
        return endpoint in self.endpoints

    def prepare(self, req: RelayRequest, ch: ChannelView) -> UpstreamCall:
        if req.endpoint not in self.endpoints:
            raise unsupported(self.name, req.endpoint)
        url = self.url(req, ch)
        headers = self.headers(req, ch)
        if req.endpoint == Endpoint.MODELS:
            return UpstreamCall("GET", url, headers)
        return UpstreamCall("POST", url, headers, json_bytes(req, self.body(req, ch)))

    # -- URL ---------------------------------------------------------------------------------

    def base_url(self, ch: ChannelView) -> str:
        base = ch.base_url.strip()
        special = SPECIAL_BASES.get(base)
        base = (special.anthropic if special else base) or default_base_url(ch.type)
        if not base:
            raise config_error(ch, "no base URL configured")
        return base.rstrip("/")

    def url(self, req: RelayRequest, ch: ChannelView) -> str:
        url = join_url(self.base_url(ch), PATHS[req.endpoint])
        beta = str(req.client_query.get("beta", "")).lower() == "true"
        if req.endpoint == Endpoint.MESSAGES and (beta or ch.settings.get("claude_beta_query")):
            url += "?beta=true"
        return url

    # -- headers -----------------------------------------------------------------------------

    def headers(self, req: RelayRequest, ch: ChannelView) -> dict[str, str]:
        stream = req.stream and req.endpoint == Endpoint.MESSAGES
        headers = {"Accept": "text/event-stream" if stream else "application/json"}
        if req.endpoint != Endpoint.MODELS:
            headers["Content-Type"] = "application/json"
        if ch.key:
            headers["x-api-key"] = ch.key
        headers["anthropic-version"] = (
            _header(req.client_headers, "anthropic-version") or DEFAULT_VERSION
        )
        beta = _header(req.client_headers, "anthropic-beta")
        if beta:
            headers["anthropic-beta"] = beta
        return headers

    # -- body --------------------------------------------------------------------------------

    def body(self, req: RelayRequest, ch: ChannelView) -> Json:
        model = req.model or str(req.body.get("model") or "")
        body: Json = {**req.body, "model": model}
        if ch.setting.get("pass_through_body_enabled"):
            return body
        body, model = thinking_from_suffix(_fix_max_tokens(body), model)
        body["model"] = model
        if req.stream:
            body["stream"] = True
        return body

    # -- answers -----------------------------------------------------------------------------

    def parse_error(self, status: int, body: bytes) -> UpstreamError:
        """`{"type":"error","error":{"type","message"}}`: type and code are Anthropic's error
        type (overloaded_error, rate_limit_error, ...); other shapes as parse_error_body."""
        err = parse_error_body(status, body, Format.ANTHROPIC)
        try:
            data = orjson.loads(body) if body else None
        except orjson.JSONDecodeError:
            return err
        if not isinstance(data, dict) or data.get("type") != "error":
            return err
        inner = data.get("error")
        if isinstance(inner, dict) and isinstance(inner.get("type"), str) and inner["type"]:
            err.type = err.code = inner["type"]
        return err

    def stream_decoder(self) -> StreamDecoder:
        return AnthropicStreamDecoder()
