"""The Gemini adapter (type 24): `{base}/{version}/models/{model}:{action}` with x-goog-api-key;
Google's error shape; an SSE JSON stream decoder. Pure: builds calls, no I/O.

- version: the channel's `settings.gemini_version`, else `other` when it names an API version
  (v1, v1beta, v1alpha...), else v1beta; a base URL that already ends in a version keeps it.
- actions: generateContent, or streamGenerateContent?alt=sse when streaming; embeddings use
  batchEmbedContents when the client called it (or sent `requests`), else embedContent.
- The body is the Gemini request as is, minus a top-level `model` (the model is in the URL);
  batch embedding requests get each inner `model` set to the URL's model.
- Thinking suffixes on the model (reference thinking adapter), stripped from the URL model:
  `-thinking` → includeThoughts (budget THINKING_BUDGET_SHARE of maxOutputTokens when set),
  `-thinking-<n>` → budget n clamped to the model's range, `-thinking-<low|high|...>` →
  thinkingLevel on Gemini 3 (a share of the largest budget on 2.5 models), `-nothinking` →
  budget 0 (not for models that cannot stop thinking). Other names containing "-thinking-"
  (gemini-2.0-flash-thinking-exp) are real models, kept as is. A client's own thinkingConfig
  fields are overridden by what the suffix says.
- Imagen: an OpenAI images request becomes `:predict` (providers.imagen); an OpenAI speech
  request becomes generateContent with audio output (providers.gemini_tts).
- Streams: Gemini has no terminator, so the decoder's `done` stays False and the stream ends at
  EOF (a chunk with finishReason is not always the last: usage may follow).
"""

from __future__ import annotations

import math
import re
from types import MappingProxyType
from typing import Any
from urllib.parse import quote

import orjson

from clawrouter.relay.providers import gemini_tts, imagen
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
from clawrouter.relay.providers.channel_types import default_base_url
from clawrouter.relay.providers.openai import config_error, unsupported
from clawrouter.wire.formats import Endpoint, Format
from clawrouter.wire.usage import Usage

Json = dict[str, Any]

DEFAULT_VERSION = "v1beta"
THINKING_BUDGET_SHARE = 0.6  # the reference's gemini.thinking_adapter_budget_tokens_percentage
_VERSION = re.compile(r"v\d+(?:(?:alpha|beta)\d*)?")
_BASE_WITH_VERSION = re.compile(r"/v\d+(?:(?:alpha|beta)\d*)?$")
_SUFFIX = re.compile(
    r"^(?P<model>.+?)-(?:(?P<off>nothinking)"
    r"|thinking(?:-(?P<budget>\d+)|-(?P<level>minimal|low|medium|high))?)$"
)
_EFFORT_SHARE = MappingProxyType({"minimal": 0.05, "low": 0.2, "medium": 0.5, "high": 0.8})
_RETRY_DELAY = re.compile(r"^(\d+(?:\.\d+)?)s$")


# ---------------------------------------------------------------- thinking suffixes


def _budget_range(model: str) -> tuple[int, int]:
    """The thinkingBudget range a model accepts (the reference's clamp table)."""
    if model.startswith("gemini-2.5-flash-lite"):
        return 512, 24576
    if _must_think(model):
        return 128, 32768
    return 0, 24576


def _must_think(model: str) -> bool:
    """Models whose thinking cannot be turned off with a budget of 0."""
    old_pro = model.startswith(("gemini-2.5-pro-preview-05-06", "gemini-2.5-pro-preview-03-25"))
    new_pro = model.startswith("gemini-2.5-pro") and not old_pro
    return new_pro or model.startswith(("gemini-3-pro", "gemini-3.1-pro"))


def clamp_budget(model: str, budget: int) -> int:
    low, high = _budget_range(model)
    return min(max(budget, low), high)


def split_thinking(model: str, max_output: int | None) -> tuple[str, Json | None]:
    """(model without its thinking suffix, thinkingConfig fields to set or None)."""
    found = _SUFFIX.match(model)
    if found is None:
        return model, None
    base = found["model"]
    if found["off"]:
        return base, None if _must_think(base) else {"thinkingBudget": 0, "includeThoughts": False}
    if found["budget"]:
        return base, {
            "thinkingBudget": clamp_budget(base, int(found["budget"])),
            "includeThoughts": True,
        }
    if found["level"] and base.startswith("gemini-3"):
        return base, {"thinkingLevel": found["level"].upper(), "includeThoughts": True}
    if found["level"]:  # budget models: a share of the largest budget, as reasoning effort
        budget = int(_budget_range(base)[1] * _EFFORT_SHARE[found["level"]])
        return base, {"thinkingBudget": clamp_budget(base, budget), "includeThoughts": True}
    config: Json = {"includeThoughts": True}
    if max_output and not base.startswith("gemini-3"):
        config["thinkingBudget"] = clamp_budget(base, int(max_output * THINKING_BUDGET_SHARE))
    return base, config


def _key(obj: Json, camel: str, snake: str) -> str:
    """The spelling the body already uses for a field (camelCase by default)."""
    return snake if snake in obj and camel not in obj else camel


def with_thinking(body: Json, fields: Json) -> Json:
    """A copy of the body whose generationConfig.thinkingConfig carries `fields`."""
    gen_key = _key(body, "generationConfig", "generation_config")
    gen = dict(body.get(gen_key) or {})
    tc_key = _key(gen, "thinkingConfig", "thinking_config")
    tc = dict(gen.get(tc_key) or {})
    for snake in ("thinking_budget", "include_thoughts", "thinking_level"):
        tc.pop(snake, None)
    if "thinkingLevel" in fields or "thinkingBudget" in fields:  # Google accepts only one
        tc.pop("thinkingLevel", None)
        tc.pop("thinkingBudget", None)
    gen[tc_key] = {**tc, **fields}
    return {**body, gen_key: gen}


def _batch_with_model(body: Json, model: str) -> Json:
    """batchEmbedContents: every inner request must name the URL's model."""
    requests = body.get("requests")
    if not isinstance(requests, list):
        return body
    named = [{**r, "model": f"models/{model}"} if isinstance(r, dict) else r for r in requests]
    return {**body, "requests": named}


def _max_output(body: Json) -> int | None:
    gen = body.get("generationConfig", body.get("generation_config"))
    value = (
        gen.get("maxOutputTokens", gen.get("max_output_tokens")) if isinstance(gen, dict) else None
    )
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


# ---------------------------------------------------------------- adapter


class GeminiAdapter(AdapterBase):
    """Google AI Studio's Generative Language API, natively; other formats are converted."""

    __slots__ = ()
    name = "gemini"
    protocol = Format.GEMINI
    endpoints: frozenset[str] = frozenset(
        {Endpoint.GEMINI, Endpoint.GEMINI_EMBED, Endpoint.MODELS, Endpoint.IMAGES, Endpoint.SPEECH}
    )

    def supports(self, endpoint: Endpoint) -> bool:
        return endpoint in self.endpoints

    def prepare(self, req: RelayRequest, ch: ChannelView) -> UpstreamCall:
        if req.endpoint not in self.endpoints:
            raise unsupported(self.name, req.endpoint)
        root = f"{self.base_url(ch)}{self.version_path(ch)}"
        headers = self.headers(req, ch)
        if req.endpoint == Endpoint.MODELS:
            return UpstreamCall("GET", f"{root}/models", headers)
        body = {k: v for k, v in req.body.items() if k != "model"}
        model = (req.model or str(req.body.get("model") or "")).removeprefix("models/")
        if req.endpoint == Endpoint.IMAGES and req.stream:
            raise UpstreamError(
                400, "Imagen does not stream images; send the request without stream",
                type="invalid_request_error", code="stream_not_supported", local=True,
            )  # fmt: skip
        if req.endpoint == Endpoint.IMAGES:  # Imagen, from an OpenAI images request
            url = f"{root}/models/{quote(model, safe='')}:predict"
            return UpstreamCall("POST", url, headers, orjson.dumps(imagen.predict_body(body)))
        if req.endpoint == Endpoint.SPEECH:  # Gemini TTS, from an OpenAI speech request
            url = f"{root}/models/{quote(model, safe='')}:generateContent"
            return UpstreamCall("POST", url, headers, orjson.dumps(gemini_tts.speech_body(body)))
        if req.endpoint == Endpoint.GEMINI:
            model, thinking = split_thinking(model, _max_output(body))
            if thinking is not None and not ch.setting.get("pass_through_body_enabled"):
                body = with_thinking(body, thinking)
            action = "streamGenerateContent?alt=sse" if req.stream else "generateContent"
        else:
            action = self.embed_action(req)
            if action == "batchEmbedContents":
                body = _batch_with_model(body, model)
        url = f"{root}/models/{quote(model, safe='')}:{action}"
        return UpstreamCall("POST", url, headers, json_bytes(req, body))

    # -- URL ---------------------------------------------------------------------------------

    def base_url(self, ch: ChannelView) -> str:
        base = (ch.base_url.strip() or default_base_url(ch.type)).rstrip("/")
        if not base:
            raise config_error(ch, "no base URL configured")
        return base

    def version_path(self, ch: ChannelView) -> str:
        """`/{version}`, or "" when the base URL already ends in one."""
        if _BASE_WITH_VERSION.search(ch.base_url.strip().rstrip("/")):
            return ""
        return "/" + self.version(ch)

    @staticmethod
    def version(ch: ChannelView) -> str:
        configured = str(ch.settings.get("gemini_version") or "").strip()
        if _VERSION.fullmatch(configured):
            return configured
        other = ch.other.strip()
        return other if _VERSION.fullmatch(other) else DEFAULT_VERSION

    @staticmethod
    def embed_action(req: RelayRequest) -> str:
        batch = req.path.endswith(":batchEmbedContents") or "requests" in req.body
        return "batchEmbedContents" if batch else "embedContent"

    # -- headers -----------------------------------------------------------------------------

    def headers(self, req: RelayRequest, ch: ChannelView) -> dict[str, str]:
        stream = req.stream and req.endpoint == Endpoint.GEMINI
        headers = {"Accept": "text/event-stream" if stream else "application/json"}
        if req.endpoint != Endpoint.MODELS:
            headers["Content-Type"] = "application/json"
        if ch.key:
            headers["x-goog-api-key"] = ch.key
        return headers

    # -- answers -----------------------------------------------------------------------------

    def parse_error(self, status: int, body: bytes) -> UpstreamError:
        """`{"error":{"code","message","status"}}` (or a one-element list of it): type and code
        are the status name (RESOURCE_EXHAUSTED...); a RetryInfo delay fills retry_after."""
        err = parse_error_body(status, body, Format.GEMINI)
        try:
            data = orjson.loads(body) if body else None
        except orjson.JSONDecodeError:
            return err
        if isinstance(data, list) and data:
            data = data[0]
        inner = data.get("error") if isinstance(data, dict) else None
        if not isinstance(inner, dict):
            return err
        if isinstance(inner.get("status"), str) and inner["status"]:
            err.type = err.code = inner["status"]
        err.retry_after = _retry_delay(inner.get("details"))
        return err

    def stream_decoder(self) -> StreamDecoder:
        return SSEJsonDecoder()

    # -- media (answers.binary.MediaResponder) -------------------------------------------------

    def converts_media(self, endpoint: Endpoint) -> bool:
        return endpoint in (Endpoint.IMAGES, Endpoint.SPEECH)

    def media_response(
        self, endpoint: Endpoint, body: bytes, created: int, request: Json
    ) -> tuple[bytes, str, Usage | None]:
        if endpoint == Endpoint.SPEECH:
            return gemini_tts.speech_answer(body, request)
        return imagen.openai_images(body, created), "application/json", None


def _retry_delay(details: Any) -> int | None:
    for item in details if isinstance(details, list) else []:
        if isinstance(item, dict) and str(item.get("@type", "")).endswith("RetryInfo"):
            found = _RETRY_DELAY.match(str(item.get("retryDelay", "")))
            if found:
                return math.ceil(float(found[1]))
    return None
