"""The Vertex AI adapter (type 41): Gemini models in the Gemini format and Claude models (names
starting with "claude") in the Anthropic format, on Google Cloud. Pure: builds calls and the
token exchange, no I/O, no clock.

- Key: a service-account JSON key. The pipeline exchanges it for an OAuth access token through
  CredentialSource (a JWT signed RS256 with the key's private_key: iss = client_email, scope
  cloud-platform, aud = token_uri, exp = iat + 3600, POSTed to token_uri as a jwt-bearer grant)
  and sends it as `Authorization: Bearer`. With settings.vertex_key_type == "api_key" the key is
  an API key sent as `?key=` (express mode: Gemini only, no project in the URL).
- Region: the channel's `other`, a plain region or a JSON object {"default": "us-central1",
  "<upstream model>": "europe-west1"}; "global" (also the fallback) uses aiplatform.googleapis.com,
  any other region {region}-aiplatform.googleapis.com. A channel base_url replaces that host.
- Gemini: `{root}/publishers/google/models/{model}:generateContent`, or
  `:streamGenerateContent?alt=sse`; the body is the Gemini request minus `model`; thinking
  suffixes as for the Gemini adapter.
- Claude: `{root}/publishers/anthropic/models/{model}:rawPredict` / `:streamRawPredict`; the
  body is the Messages body minus `model`, plus `anthropic_version: vertex-2023-10-16` (and
  `stream: true` when streaming); max_tokens and `-thinking` as for Anthropic. A dated name is
  sent as Vertex spells it (`claude-sonnet-4-5-20250929` -> `claude-sonnet-4-5@20250929`).
- Imagen: an OpenAI images request becomes `{root}/publishers/google/models/{model}:predict`
  (providers.imagen), answered as OpenAI images.
- One adapter, two protocols: `protocol_for(model)` tells the pipeline which one a model speaks;
  `supports()` is False for the conversation endpoints because no endpoint is native for every
  model (the pipeline passes through exactly when the client's format is the model's protocol).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, urlencode

import jwt
import orjson

from clawrouter.relay.providers import imagen
from clawrouter.relay.providers.anthropic import (
    AnthropicAdapter,
    AnthropicStreamDecoder,
    thinking_from_suffix,
    with_max_tokens,
)
from clawrouter.relay.providers.base import (
    AdapterBase,
    ChannelView,
    RelayRequest,
    StreamDecoder,
    UpstreamCall,
    UpstreamError,
)
from clawrouter.relay.providers.gemini import GeminiAdapter, split_thinking, with_thinking
from clawrouter.relay.providers.openai import config_error, unsupported
from clawrouter.wire.formats import Endpoint, Format

Json = dict[str, Any]

ANTHROPIC_VERSION = "vertex-2023-10-16"
SCOPE = "https://www.googleapis.com/auth/cloud-platform"
GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer"
DEFAULT_TOKEN_URI = "https://oauth2.googleapis.com/token"
TOKEN_LIFETIME = 3600  # seconds asked for in the JWT; Google grants up to an hour
API_VERSION = "v1"
_DATED = re.compile(r"^(claude-.+)-(\d{8})$")
_VERTEX_NAMES = {"claude-3-5-sonnet-20241022": "claude-3-5-sonnet-v2@20241022"}


def is_claude(model: str) -> bool:
    return model.startswith("claude")


def claude_model(model: str) -> str:
    """A Claude name as Vertex spells it: the date after `@`."""
    if model in _VERTEX_NAMES:
        return _VERTEX_NAMES[model]
    found = _DATED.match(model)
    return f"{found[1]}@{found[2]}" if found else model


def region_for(other: str, model: str) -> str:
    """The channel's region for a model: `other` as a plain region, or its JSON object's entry
    for the model, else its "default"; "global" when nothing (valid) is configured."""
    text = other.strip()
    if text.startswith("{"):
        try:
            table = orjson.loads(text)
        except orjson.JSONDecodeError:
            table = None
        value = (table.get(model) or table.get("default")) if isinstance(table, dict) else None
        return value.strip() if isinstance(value, str) and value.strip() else "global"
    return text or "global"


def api_key_mode(ch: ChannelView) -> bool:
    return ch.settings.get("vertex_key_type") == "api_key"


def key_json(ch: ChannelView) -> Json:
    try:
        data = orjson.loads(ch.key)
    except orjson.JSONDecodeError:
        data = None
    if not isinstance(data, dict):
        raise config_error(ch, "the Vertex AI key is not a service-account JSON object")
    return data


def service_account(ch: ChannelView) -> Json:
    """The channel key as a service-account JSON key (client_email and private_key required)."""
    data = key_json(ch)
    for field in ("client_email", "private_key"):
        if not isinstance(data.get(field), str) or not data[field].strip():
            raise config_error(ch, f"the Vertex AI service-account key has no {field}")
    return data


def assertion(sa: Json, now: int) -> str:
    """The RS256-signed JWT that the token endpoint exchanges for an access token."""
    claims = {
        "iss": sa["client_email"],
        "scope": SCOPE,
        "aud": str(sa.get("token_uri") or DEFAULT_TOKEN_URI),
        "iat": now,
        "exp": now + TOKEN_LIFETIME,
    }
    headers = {"kid": sa["private_key_id"]} if sa.get("private_key_id") else None
    key = sa["private_key"].replace("\\n", "\n")  # keys pasted with escaped newlines
    return jwt.encode(claims, key, algorithm="RS256", headers=headers)


def _max_output(body: Json) -> int | None:
    gen = body.get("generationConfig", body.get("generation_config"))
    value = gen.get("maxOutputTokens", gen.get("max_output_tokens")) if isinstance(gen, dict) else 0
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


class VertexAdapter(AdapterBase):
    """Gemini and Claude on Vertex AI; a CredentialSource for service-account keys."""

    __slots__ = ()
    name = "vertex"
    protocol = Format.GEMINI  # the channel's default; per model see protocol_for()

    def supports(self, endpoint: Endpoint) -> bool:
        return endpoint == Endpoint.IMAGES  # Imagen; conversations: see protocol_for()

    def protocol_for(self, model: str) -> str:
        return Format.ANTHROPIC if is_claude(model) else Format.GEMINI

    # -- credentials -------------------------------------------------------------------------

    def credential_request(self, ch: ChannelView, now: int) -> UpstreamCall | None:
        if api_key_mode(ch):
            return None
        sa = service_account(ch)
        try:
            signed = assertion(sa, now)
        except (jwt.PyJWTError, ValueError, TypeError):
            raise config_error(
                ch, "the service account's private_key is not an RSA PEM key"
            ) from None
        body = urlencode({"grant_type": GRANT_TYPE, "assertion": signed}).encode()
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
        }
        return UpstreamCall("POST", str(sa.get("token_uri") or DEFAULT_TOKEN_URI), headers, body)

    def parse_credential(self, status: int, body: bytes, now: int) -> tuple[str, int]:
        """Google's token answer {"access_token", "expires_in"}; a refused exchange (bad key,
        disabled account: OAuth `error`/`error_description`) is a 401, a failing endpoint 502."""
        try:
            data = orjson.loads(body) if body else None
        except orjson.JSONDecodeError:
            data = None
        data = data if isinstance(data, dict) else {}
        token = data.get("access_token")
        if status == 200 and isinstance(token, str) and token:
            expires_in = data.get("expires_in")
            valid = isinstance(expires_in, int) and not isinstance(expires_in, bool)
            return token, now + (expires_in if valid and expires_in > 0 else TOKEN_LIFETIME)
        error = data.get("error")
        code = error if isinstance(error, str) and error else "credential_exchange_failed"
        detail = data.get("error_description") or (error if isinstance(error, str) else "")
        if not detail and isinstance(error, dict):
            detail = error.get("message") or ""
        detail = detail or f"status {status}"
        return_status = 401 if 400 <= status < 500 else 502
        raise UpstreamError(
            return_status,
            f"Vertex AI token exchange failed: {detail}",
            type="vertex_credential_error",
            code=code,
            protocol=Format.GEMINI,
            raw=body[:4096],
        )

    # -- calls -------------------------------------------------------------------------------

    def prepare(self, req: RelayRequest, ch: ChannelView) -> UpstreamCall:
        model = (req.model or str(req.body.get("model") or "")).removeprefix("models/")
        native = Endpoint.MESSAGES if is_claude(model) else Endpoint.GEMINI
        if req.endpoint == Endpoint.IMAGES:
            native = Endpoint.IMAGES
        if req.endpoint != native:
            raise unsupported(self.name, f"{req.endpoint} ({model})")
        keyed = api_key_mode(ch)
        if keyed and native == Endpoint.MESSAGES:
            raise config_error(ch, "Claude models on Vertex AI need a service-account key")
        project = "" if keyed else str(key_json(ch).get("project_id") or "")
        if not keyed and not project:
            raise config_error(ch, "the Vertex AI service-account key has no project_id")
        root = self.root(ch, region_for(ch.other, model), project)
        headers = {
            "Content-Type": "application/json",
            "Accept": "text/event-stream" if req.stream else "application/json",
        }
        if not keyed:
            if not ch.access_token:
                raise config_error(ch, "no access token was obtained for the service account")
            headers["Authorization"] = f"Bearer {ch.access_token}"
        if native == Endpoint.IMAGES:
            if req.stream:
                raise UpstreamError(
                    400, "Imagen does not stream images; send the request without stream",
                    type="invalid_request_error", code="stream_not_supported", local=True,
                )  # fmt: skip
            url = f"{root}/publishers/google/models/{quote(model, safe='')}:predict"
            if keyed:
                url += "?" + urlencode({"key": ch.key.strip()})
            body = imagen.predict_body({k: v for k, v in req.body.items() if k != "model"})
            return UpstreamCall("POST", url, headers, orjson.dumps(body))
        if native == Endpoint.MESSAGES:
            body, model = self.claude_body(req, ch, model)
            action = "streamRawPredict" if req.stream else "rawPredict"
            url = f"{root}/publishers/anthropic/models/{quote(claude_model(model), safe='@')}"
            beta = req.client_headers.get("anthropic-beta") or ""
            if beta:
                headers["anthropic-beta"] = str(beta)
            return UpstreamCall("POST", f"{url}:{action}", headers, orjson.dumps(body))
        body, model = self.gemini_body(req, ch, model)
        action = "streamGenerateContent?alt=sse" if req.stream else "generateContent"
        url = f"{root}/publishers/google/models/{quote(model, safe='')}:{action}"
        if keyed:
            url += ("&" if "?" in url else "?") + urlencode({"key": ch.key.strip()})
        return UpstreamCall("POST", url, headers, orjson.dumps(body))

    @staticmethod
    def root(ch: ChannelView, region: str, project: str) -> str:
        """`{base}/v1[/projects/{project}/locations/{region}]`."""
        base = ch.base_url.strip().rstrip("/")
        if not base:
            host = "aiplatform.googleapis.com"
            base = f"https://{host if region == 'global' else f'{region}-{host}'}"
        if not base.endswith("/" + API_VERSION):
            base += "/" + API_VERSION
        return f"{base}/projects/{project}/locations/{region}" if project else base

    @staticmethod
    def claude_body(req: RelayRequest, ch: ChannelView, model: str) -> tuple[Json, str]:
        body = {k: v for k, v in req.body.items() if k not in ("model", "stream")}
        if not ch.setting.get("pass_through_body_enabled"):
            body, model = thinking_from_suffix(with_max_tokens(body), model)
        body["anthropic_version"] = ANTHROPIC_VERSION
        if req.stream:
            body["stream"] = True
        return body, model

    @staticmethod
    def gemini_body(req: RelayRequest, ch: ChannelView, model: str) -> tuple[Json, str]:
        body = {k: v for k, v in req.body.items() if k != "model"}
        model, thinking = split_thinking(model, _max_output(body))
        if thinking is not None and not ch.setting.get("pass_through_body_enabled"):
            body = with_thinking(body, thinking)
        return body, model

    # -- answers -----------------------------------------------------------------------------

    def parse_error(self, status: int, body: bytes) -> UpstreamError:
        """Claude errors come in Anthropic's shape, everything else in Google's."""
        try:
            data = orjson.loads(body) if body else None
        except orjson.JSONDecodeError:
            data = None
        if isinstance(data, dict) and data.get("type") == "error":
            return AnthropicAdapter().parse_error(status, body)
        return GeminiAdapter().parse_error(status, body)

    def stream_decoder(self) -> StreamDecoder:
        """SSE JSON for both: Claude streams end on message_stop, Gemini streams at EOF."""
        return AnthropicStreamDecoder()

    # -- media (answers.binary.MediaResponder) -------------------------------------------------

    def converts_media(self, endpoint: Endpoint) -> bool:
        return endpoint == Endpoint.IMAGES

    def media_response(
        self, endpoint: Endpoint, body: bytes, created: int, request: Json
    ) -> tuple[bytes, str, None]:
        return imagen.openai_images(body, created), "application/json", None
