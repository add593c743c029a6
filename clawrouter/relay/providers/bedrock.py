"""The AWS Bedrock adapter (type 33): Claude through Bedrock's InvokeModel API, natively in the
Anthropic Messages format. Pure: builds signed calls, no I/O, no clock (the signing time is
RelayRequest.now).

- Key: `AK|SK|region` (or `AK|SK|region|session_token`), a JSON object {"access_key_id",
  "secret_access_key", "region", "session_token"?}, or an API key: `api_key|region` (also when
  settings.aws_key_type is "api_key"), sent as `Authorization: Bearer`. The channel's `other`
  is the region when the key names none.
- URL: `https://bedrock-runtime.{region}.amazonaws.com/model/{modelId}/invoke`, or
  `/invoke-with-response-stream` when streaming; a channel base_url replaces the host part.
- Model ids: MODEL_IDS maps Anthropic names (dated, and the undated aliases in ALIASES) to Bedrock
  ids; those get the region's cross-region inference profile prefix (`us.`, `eu.`, `apac.`) when
  Bedrock offers one for that geography. Names that already look like Bedrock ids (contain a
  `.`, or are ARNs) and unknown names are sent verbatim, so a model mapping to an explicit id
  (with or without a profile prefix) always wins.
- Body: the Messages body minus `model`/`stream`, reduced to the fields Bedrock accepts
  (BODY_FIELDS; Bedrock rejects unknown keys such as `metadata`), plus
  `anthropic_version: bedrock-2023-05-31`; the client's `anthropic-beta` header becomes the body's
  `anthropic_beta` list. max_tokens defaulting and `-thinking` suffixes as for Anthropic.
  With the channel's pass_through_body_enabled only model/stream are removed.
- Signing: SigV4 (service `bedrock`) over host, x-amz-date, x-amz-content-sha256 and
  x-amz-security-token; see aws_sigv4.
- Streams are AWS event-stream frames, not SSE (`binary_stream`): each `chunk` event carries
  {"bytes": base64 of one Anthropic stream event}; exceptions become `{"type": "error"}` events.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any
from urllib.parse import quote

import orjson

from clawrouter.relay.providers.anthropic import thinking_from_suffix, with_max_tokens
from clawrouter.relay.providers.aws_sigv4 import AwsCredentials, sign
from clawrouter.relay.providers.base import (
    AdapterBase,
    ChannelView,
    RelayRequest,
    UpstreamCall,
    UpstreamError,
    parse_error_body,
)
from clawrouter.relay.providers.bedrock_eventstream import EventStreamDecoder
from clawrouter.relay.providers.openai import config_error, unsupported
from clawrouter.wire.error_types import anthropic_type
from clawrouter.wire.formats import Endpoint, Format, Framing

Json = dict[str, Any]

ANTHROPIC_VERSION = "bedrock-2023-05-31"
SERVICE = "bedrock"
BODY_FIELDS = frozenset(
    {
        "anthropic_version", "anthropic_beta", "messages", "system", "max_tokens",
        "stop_sequences", "temperature", "top_p", "top_k", "tools", "tool_choice", "thinking",
    }
)  # fmt: skip
_ALL = ("us", "eu", "apac")
# Anthropic model name -> (Bedrock model id, geographies with a cross-region inference profile).
MODEL_IDS: MappingProxyType[str, tuple[str, tuple[str, ...]]] = MappingProxyType(
    {
        "claude-3-haiku-20240307": ("anthropic.claude-3-haiku-20240307-v1:0", _ALL),
        "claude-3-5-sonnet-20240620": ("anthropic.claude-3-5-sonnet-20240620-v1:0", _ALL),
        "claude-3-5-sonnet-20241022": ("anthropic.claude-3-5-sonnet-20241022-v2:0", ("us", "apac")),
        "claude-3-5-haiku-20241022": ("anthropic.claude-3-5-haiku-20241022-v1:0", ("us",)),
        "claude-3-7-sonnet-20250219": ("anthropic.claude-3-7-sonnet-20250219-v1:0", _ALL),
        "claude-sonnet-4-20250514": ("anthropic.claude-sonnet-4-20250514-v1:0", _ALL),
        "claude-opus-4-20250514": ("anthropic.claude-opus-4-20250514-v1:0", ("us",)),
        "claude-opus-4-1-20250805": ("anthropic.claude-opus-4-1-20250805-v1:0", ("us",)),
        "claude-sonnet-4-5-20250929": ("anthropic.claude-sonnet-4-5-20250929-v1:0", _ALL),
        "claude-haiku-4-5-20251001": ("anthropic.claude-haiku-4-5-20251001-v1:0", _ALL),
        "claude-opus-4-5-20251101": ("anthropic.claude-opus-4-5-20251101-v1:0", _ALL),
    }
)
ALIASES: MappingProxyType[str, str] = MappingProxyType(
    {
        "claude-3-5-sonnet-latest": "claude-3-5-sonnet-20241022",
        "claude-3-5-haiku-latest": "claude-3-5-haiku-20241022",
        "claude-3-7-sonnet-latest": "claude-3-7-sonnet-20250219",
        "claude-sonnet-4-0": "claude-sonnet-4-20250514",
        "claude-opus-4-0": "claude-opus-4-20250514",
        "claude-opus-4-1": "claude-opus-4-1-20250805",
        "claude-sonnet-4-5": "claude-sonnet-4-5-20250929",
        "claude-haiku-4-5": "claude-haiku-4-5-20251001",
        "claude-opus-4-5": "claude-opus-4-5-20251101",
    }
)
_GEO = {"us": "us", "eu": "eu", "ap": "apac"}  # region prefix -> inference-profile prefix
# Bedrock stream exception -> Anthropic error type.
_EXCEPTION_TYPES = {
    "throttlingException": "rate_limit_error",
    "validationException": "invalid_request_error",
    "serviceUnavailableException": "overloaded_error",
    "modelTimeoutException": "timeout_error",
}


@dataclass(frozen=True, slots=True)
class BedrockKey:
    region: str
    credentials: AwsCredentials | None = None  # SigV4
    api_key: str = ""  # Bedrock API key (Bearer)


def parse_key(ch: ChannelView) -> BedrockKey:
    text = ch.key.strip()
    fallback = ch.other.strip()
    if text.startswith("{"):
        try:
            data = orjson.loads(text)
        except orjson.JSONDecodeError:
            data = None
        if not isinstance(data, dict):
            raise config_error(ch, "the AWS key is not a valid JSON object")
        parts = [str(data.get(k) or "").strip() for k in ("access_key_id", "secret_access_key")]
        region = str(data.get("region") or fallback).strip()
        token = str(data.get("session_token") or "").strip()
    else:
        parts = [p.strip() for p in text.split("|")]
        api_mode = ch.settings.get("aws_key_type") == "api_key" or len(parts) == 2
        if api_mode:
            region = parts[1] if len(parts) > 1 else fallback
            if not parts[0] or not region:
                raise config_error(ch, "an AWS API key must look like api_key|region")
            return BedrockKey(region, api_key=parts[0])
        if len(parts) not in (3, 4):
            raise config_error(ch, "the AWS key must look like AK|SK|region")
        region, token = parts[2] or fallback, (parts[3] if len(parts) == 4 else "")
    if not all(parts[:2]) or not region:
        raise config_error(ch, "the AWS key needs an access key id, a secret key and a region")
    return BedrockKey(region, AwsCredentials(parts[0], parts[1], token))


def model_id(model: str, region: str) -> str:
    """The Bedrock model id (or inference profile) for a model name; see the module docstring."""
    if "." in model or model.startswith("arn:"):
        return model
    found = MODEL_IDS.get(ALIASES.get(model, model))
    if found is None:
        return model
    bedrock_id, geos = found
    geo = "" if region.startswith("us-gov") else _GEO.get(region.split("-", 1)[0], "")
    return f"{geo}.{bedrock_id}" if geo in geos else bedrock_id


def _betas(req: RelayRequest, body: Json) -> list[str]:
    headers = req.client_headers
    raw = headers.get("anthropic-beta") or headers.get("Anthropic-Beta") or ""
    found = body.get("anthropic_beta")
    betas = [str(b) for b in found] if isinstance(found, list) else []
    for beta in str(raw).split(","):
        if beta.strip() and beta.strip() not in betas:
            betas.append(beta.strip())
    return betas


def request_body(req: RelayRequest, ch: ChannelView) -> tuple[Json, str]:
    """(Bedrock body, model name after suffix handling)."""
    model = req.model or str(req.body.get("model") or "")
    body = {k: v for k, v in req.body.items() if k not in ("model", "stream")}
    if not ch.setting.get("pass_through_body_enabled"):
        body, model = thinking_from_suffix(with_max_tokens(body), model)
        body = {k: v for k, v in body.items() if k in BODY_FIELDS}
        betas = _betas(req, body)
        if betas:
            body["anthropic_beta"] = betas
    body["anthropic_version"] = ANTHROPIC_VERSION
    return body, model


def _error_event(kind: str, message: str) -> Json:
    return {"type": "error", "error": {"type": kind, "message": message}}


def _payload_message(payload: bytes) -> str:
    try:
        data = orjson.loads(payload) if payload else None
    except orjson.JSONDecodeError:
        return payload[:500].decode("utf-8", "replace")
    if isinstance(data, dict):
        return str(data.get("message") or data.get("Message") or "")
    return ""


class BedrockStreamDecoder:
    """Event-stream frames in, Anthropic stream events out; done after message_stop or an
    error (a corrupt frame ends the stream with an error event)."""

    __slots__ = ("_frames", "done")

    def __init__(self) -> None:
        self._frames = EventStreamDecoder()
        self.done = False

    def feed(self, chunk: bytes) -> list[Json]:
        if self.done:
            return []
        out: list[Json] = []
        for message in self._frames.feed(chunk):
            event = self._event(message.headers, message.payload)
            if event is None:
                continue
            out.append(event)
            if event.get("type") in ("message_stop", "error"):
                self.done = True
                return out
        if self._frames.error:
            self.done = True
            out.append(_error_event("api_error", f"Bedrock stream: {self._frames.error}"))
        return out

    def finish(self) -> list[Json]:
        if not self.done and self._frames.pending:
            self.done = True
            return [_error_event("api_error", "Bedrock stream ended in the middle of a frame")]
        return []

    @staticmethod
    def _event(headers: dict[str, Any], payload: bytes) -> Json | None:
        kind = headers.get(":message-type", "event")
        if kind == "event":
            if headers.get(":event-type") != "chunk":
                return None
            try:
                event = orjson.loads(base64.b64decode(orjson.loads(payload)["bytes"]))
            except (orjson.JSONDecodeError, binascii.Error, KeyError, TypeError):
                return _error_event("api_error", "Bedrock stream: undecodable chunk")
            return event if isinstance(event, dict) else None
        if kind == "exception":
            name = str(headers.get(":exception-type") or "exception")
            message = _payload_message(payload) or name
            return _error_event(_EXCEPTION_TYPES.get(name, "api_error"), f"{name}: {message}")
        code, text = headers.get(":error-code", "error"), headers.get(":error-message", "")
        return _error_event("api_error", f"{code}: {text}")


class BedrockAdapter(AdapterBase):
    """Claude on AWS Bedrock (InvokeModel / InvokeModelWithResponseStream)."""

    __slots__ = ()
    name = "aws"
    protocol = Format.ANTHROPIC
    stream_framing = Framing.EVENTSTREAM  # even a same-format stream is decoded
    endpoints: frozenset[str] = frozenset({Endpoint.MESSAGES})

    def supports(self, endpoint: Endpoint) -> bool:
        return endpoint in self.endpoints

    def prepare(self, req: RelayRequest, ch: ChannelView) -> UpstreamCall:
        if req.endpoint not in self.endpoints:
            raise unsupported(self.name, req.endpoint)
        key = parse_key(ch)
        body, model = request_body(req, ch)
        action = "invoke-with-response-stream" if req.stream else "invoke"
        target = quote(model_id(model, key.region), safe="")
        url = f"{self.base_url(ch, key.region)}/model/{target}/{action}"
        payload = orjson.dumps(body)
        headers = {"Content-Type": "application/json"}
        if req.stream:
            headers["Accept"] = "application/vnd.amazon.eventstream"
            headers["X-Amzn-Bedrock-Accept"] = "application/json"
        else:
            headers["Accept"] = "application/json"
        if key.credentials is None:
            headers["Authorization"] = f"Bearer {key.api_key}"
            return UpstreamCall("POST", url, headers, payload)
        if req.now <= 0:
            raise UpstreamError(
                500, "Bedrock calls must be signed: the request carries no time",
                type="clawrouter_error", code="sigv4_no_time", local=True,
            )  # fmt: skip
        signed = sign("POST", url, headers, payload, key.credentials, key.region, SERVICE, req.now)
        return UpstreamCall("POST", url, signed, payload)

    @staticmethod
    def base_url(ch: ChannelView, region: str) -> str:
        base = ch.base_url.strip().rstrip("/")
        return base or f"https://bedrock-runtime.{region}.amazonaws.com"

    def parse_error(self, status: int, body: bytes) -> UpstreamError:
        """Bedrock answers `{"message": ...}` (sometimes `Message`); the Anthropic error type
        follows the status."""
        err = parse_error_body(status, body, Format.ANTHROPIC)
        if err.code == "bad_response_status_code":
            message = _payload_message(body)
            if message:
                err.message, err.code = message, ""
        err.type = anthropic_type(status)
        return err

    def stream_decoder(self) -> BedrockStreamDecoder:
        return BedrockStreamDecoder()
