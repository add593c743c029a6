"""Vertex AI (41), AWS Bedrock (33) and Cohere (34) adapters: URLs, headers and bodies, region
and model-id tables, the Vertex service-account JWT and token parsing. SigV4 known answers and
the event-stream decoder are in test_bedrock_sigv4_eventstream.py."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

import jwt
import orjson
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from clawrouter.relay.providers import channel_types as ct
from clawrouter.relay.providers.aws_sigv4 import sha256_hex
from clawrouter.relay.providers.base import ChannelView, RelayRequest, UpstreamError
from clawrouter.relay.providers.bedrock import BedrockAdapter, model_id
from clawrouter.relay.providers.registry import adapter_for, protocol_of
from clawrouter.relay.providers.vertex import VertexAdapter, claude_model, region_for
from clawrouter.wire.formats import Endpoint

Json = dict[str, Any]
NOW = 1_800_000_000
TOKEN_URI = "http://127.0.0.1:9/token"
USER = [{"role": "user", "content": "hi"}]
VERTEX, BEDROCK = VertexAdapter(), BedrockAdapter()


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def sa_key(private: rsa.RSAPrivateKey | None, **over: Any) -> str:
    pem = "" if private is None else private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()  # fmt: skip
    data = {
        "type": "service_account",
        "project_id": "proj-1",
        "private_key_id": "kid-1",
        "private_key": pem,
        "client_email": "relay@proj-1.iam.gserviceaccount.com",
        "token_uri": TOKEN_URI,
        **over,
    }
    return orjson.dumps(data).decode()


def view(type_: int, key: str, **kw: Any) -> ChannelView:
    return ChannelView(id=3, type=type_, name="c3", base_url=kw.pop("base_url", ""), key=key, **kw)


def req(endpoint: str, model: str, body: Json, stream: bool = False, **kw: Any) -> RelayRequest:
    return RelayRequest(endpoint, model, body, stream=stream, now=NOW, **kw)


def test_registry_rows():
    assert isinstance(adapter_for(ct.VERTEX_AI), VertexAdapter)
    assert isinstance(adapter_for(ct.AWS), BedrockAdapter)
    assert protocol_of(ct.AWS) == "anthropic" and protocol_of(ct.COHERE) == "openai"
    assert VERTEX.protocol_for("claude-sonnet-4-5") == "anthropic"
    assert VERTEX.protocol_for("gemini-2.5-pro") == "gemini"
    assert BEDROCK.protocol_for("claude-sonnet-4-5") == "anthropic"
    assert not VERTEX.supports(Endpoint.GEMINI) and not VERTEX.supports(Endpoint.MESSAGES)


# ---------------------------------------------------------------- Vertex AI


@pytest.mark.parametrize(
    ("other", "model", "region"),
    [
        ("", "gemini-2.5-pro", "global"),
        ("europe-west4", "gemini-2.5-pro", "europe-west4"),
        ('{"default": "us-east5", "gemini-2.5-pro": "europe-west1"}', "gemini-2.5-pro", "europe-west1"),
        ('{"default": "us-east5", "gemini-2.5-pro": "europe-west1"}', "claude-opus-4-1", "us-east5"),
        ('{"gemini-2.5-pro": "europe-west1"}', "gemini-2.5-flash", "global"),
        ('{"default": ""}', "m", "global"),
        ("{not json", "m", "global"),
    ],
)  # fmt: skip
def test_vertex_region(other: str, model: str, region: str):
    assert region_for(other, model) == region


@pytest.mark.parametrize(
    ("model", "stream", "other", "url"),
    [
        ("gemini-2.5-flash", False, "us-central1",
         "https://us-central1-aiplatform.googleapis.com/v1/projects/proj-1/locations/us-central1"
         "/publishers/google/models/gemini-2.5-flash:generateContent"),
        ("gemini-2.5-flash", True, "global",
         "https://aiplatform.googleapis.com/v1/projects/proj-1/locations/global"
         "/publishers/google/models/gemini-2.5-flash:streamGenerateContent?alt=sse"),
        ("claude-sonnet-4-5-20250929", False, '{"default": "us-east5"}',
         "https://us-east5-aiplatform.googleapis.com/v1/projects/proj-1/locations/us-east5"
         "/publishers/anthropic/models/claude-sonnet-4-5@20250929:rawPredict"),
        ("claude-sonnet-4-5", True, '{"default": "global"}',
         "https://aiplatform.googleapis.com/v1/projects/proj-1/locations/global"
         "/publishers/anthropic/models/claude-sonnet-4-5:streamRawPredict"),
    ],
)  # fmt: skip
def test_vertex_urls(model: str, stream: bool, other: str, url: str):
    endpoint = Endpoint.MESSAGES if model.startswith("claude") else Endpoint.GEMINI
    body = {"messages": USER} if endpoint == Endpoint.MESSAGES else {"contents": []}
    ch = view(41, sa_key(None), other=other, access_token="ya29.tok")
    call = VERTEX.prepare(req(endpoint, model, body, stream), ch)
    assert (call.method, call.url) == ("POST", url)
    assert call.headers["Authorization"] == "Bearer ya29.tok"
    assert call.headers["Accept"] == ("text/event-stream" if stream else "application/json")


def test_vertex_base_url_override_and_api_key_mode():
    ch = view(41, sa_key(None), base_url="http://127.0.0.1:8/", other="r1", access_token="t")
    call = VERTEX.prepare(req(Endpoint.GEMINI, "gemini-2.5-pro", {"contents": []}), ch)
    assert call.url == (
        "http://127.0.0.1:8/v1/projects/proj-1/locations/r1"
        "/publishers/google/models/gemini-2.5-pro:generateContent"
    )
    keyed = view(41, "AIza-key", other="global", settings={"vertex_key_type": "api_key"})
    assert VERTEX.credential_request(keyed, NOW) is None
    call = VERTEX.prepare(
        req(Endpoint.GEMINI, "gemini-2.5-pro", {"contents": []}, stream=True), keyed
    )
    assert call.url == (
        "https://aiplatform.googleapis.com/v1/publishers/google/models/gemini-2.5-pro"
        ":streamGenerateContent?alt=sse&key=AIza-key"
    )
    assert "Authorization" not in call.headers
    with pytest.raises(UpstreamError, match="service-account"):
        VERTEX.prepare(req(Endpoint.MESSAGES, "claude-sonnet-4-5", {"messages": USER}), keyed)


def test_vertex_bodies():
    ch = view(41, sa_key(None), other="global", access_token="t")
    gem = {"model": "x", "contents": [{"role": "user", "parts": [{"text": "hi"}]}]}
    call = VERTEX.prepare(req(Endpoint.GEMINI, "gemini-2.5-flash-thinking", gem), ch)
    body = orjson.loads(call.body)
    assert "model" not in body and body["contents"] == gem["contents"]
    assert body["generationConfig"]["thinkingConfig"]["includeThoughts"] is True
    assert "/models/gemini-2.5-flash:generateContent" in call.url
    claude = {"model": "claude-opus-4-1", "messages": USER, "stream": True}
    headers = {"anthropic-beta": "context-1m-2025-08-07"}
    call = VERTEX.prepare(
        req(Endpoint.MESSAGES, "claude-opus-4-1-thinking", claude, True, client_headers=headers), ch
    )
    body = orjson.loads(call.body)
    assert body["anthropic_version"] == "vertex-2023-10-16" and "model" not in body
    assert body["stream"] is True and body["max_tokens"] == 8192
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 6553}
    assert call.url.endswith("/publishers/anthropic/models/claude-opus-4-1:streamRawPredict")
    assert call.headers["anthropic-beta"] == "context-1m-2025-08-07"
    call = VERTEX.prepare(
        req(Endpoint.MESSAGES, "claude-opus-4-1", {**claude, "stream": False}), ch
    )
    assert "stream" not in orjson.loads(call.body)


def test_vertex_model_names_and_wrong_endpoint():
    assert claude_model("claude-3-5-sonnet-20241022") == "claude-3-5-sonnet-v2@20241022"
    assert claude_model("claude-haiku-4-5-20251001") == "claude-haiku-4-5@20251001"
    assert claude_model("claude-sonnet-4@20250514") == "claude-sonnet-4@20250514"
    ch = view(41, sa_key(None), access_token="t")
    with pytest.raises(UpstreamError) as e:
        VERTEX.prepare(req(Endpoint.GEMINI, "claude-sonnet-4-5", {"contents": []}), ch)
    assert e.value.code == "convert_request_failed"
    with pytest.raises(UpstreamError, match="access token"):
        VERTEX.prepare(req(Endpoint.GEMINI, "gemini-2.5-pro", {}), view(41, sa_key(None)))
    with pytest.raises(UpstreamError, match="project_id"):
        VERTEX.prepare(
            req(Endpoint.GEMINI, "gemini-2.5-pro", {}), view(41, sa_key(None, project_id=""))
        )


def test_vertex_jwt_verifies_with_the_public_key(rsa_key):
    call = VERTEX.credential_request(view(41, sa_key(rsa_key)), NOW)
    assert call is not None and (call.method, call.url) == ("POST", TOKEN_URI)
    assert call.headers["Content-Type"] == "application/x-www-form-urlencoded"
    form = parse_qs(call.body.decode())
    assert form["grant_type"] == ["urn:ietf:params:oauth:grant-type:jwt-bearer"]
    token = form["assertion"][0]
    assert jwt.get_unverified_header(token) == {"alg": "RS256", "kid": "kid-1", "typ": "JWT"}
    claims = jwt.decode(
        token, rsa_key.public_key(), algorithms=["RS256"], audience=TOKEN_URI,
        options={"verify_exp": False, "verify_iat": False},
    )  # fmt: skip
    assert claims == {
        "iss": "relay@proj-1.iam.gserviceaccount.com",
        "scope": "https://www.googleapis.com/auth/cloud-platform",
        "aud": TOKEN_URI,
        "iat": NOW,
        "exp": NOW + 3600,
    }


def test_vertex_escaped_newlines_in_the_private_key(rsa_key):
    pem = orjson.loads(sa_key(rsa_key))["private_key"].replace("\n", "\\n")
    call = VERTEX.credential_request(view(41, sa_key(None, private_key=pem)), NOW)
    assert call is not None and b"assertion=" in call.body


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("not json", "not a service-account JSON"),
        ('["a"]', "not a service-account JSON"),
        (sa_key(None, client_email=""), "no client_email"),
        (sa_key(None), "no private_key"),
        (sa_key(None, private_key="-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----"),
         "not an RSA PEM key"),
    ],
)  # fmt: skip
def test_vertex_bad_keys(key: str, message: str):
    with pytest.raises(UpstreamError, match=message) as e:
        VERTEX.credential_request(view(41, key), NOW)
    assert e.value.local and e.value.code == "invalid_channel_config"


def test_vertex_parse_credential():
    ok = orjson.dumps({"access_token": "ya29.a", "expires_in": 3599, "token_type": "Bearer"})
    assert VERTEX.parse_credential(200, ok, NOW) == ("ya29.a", NOW + 3599)
    assert VERTEX.parse_credential(200, b'{"access_token": "b"}', NOW) == ("b", NOW + 3600)
    refused = b'{"error": "invalid_grant", "error_description": "Invalid JWT Signature."}'
    with pytest.raises(UpstreamError) as e:
        VERTEX.parse_credential(400, refused, NOW)
    assert (e.value.status, e.value.code) == (401, "invalid_grant")
    assert "Invalid JWT Signature." in e.value.message and not e.value.local
    for status, body in [(503, b"<html>down</html>"), (200, b"{}"), (200, b"[1]")]:
        with pytest.raises(UpstreamError) as e:
            VERTEX.parse_credential(status, body, NOW)
        assert (e.value.status, e.value.code) == (502, "credential_exchange_failed")


def test_vertex_parse_error_shapes():
    google = b'{"error": {"code": 429, "message": "Quota", "status": "RESOURCE_EXHAUSTED"}}'
    err = VERTEX.parse_error(429, google)
    assert (err.code, err.message, err.protocol) == ("RESOURCE_EXHAUSTED", "Quota", "gemini")
    claude = b'{"type": "error", "error": {"type": "overloaded_error", "message": "Busy"}}'
    err = VERTEX.parse_error(529, claude)
    assert (err.code, err.message, err.protocol) == ("overloaded_error", "Busy", "anthropic")


def test_vertex_stream_decoder_serves_both_protocols():
    dec = VERTEX.stream_decoder()
    events = dec.feed(b'data: {"candidates": []}\r\n\r\nevent: message_stop\n')
    assert events == [{"candidates": []}] and not dec.done
    assert dec.feed(b'data: {"type": "message_stop"}\n\n') == [{"type": "message_stop"}]
    assert dec.done


# ---------------------------------------------------------------- Bedrock

SIGV4_KEY = "AKIDEXAMPLE|wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY|us-east-1"


@pytest.mark.parametrize(
    ("model", "region", "expected"),
    [
        ("claude-sonnet-4-5", "us-east-1", "us.anthropic.claude-sonnet-4-5-20250929-v1:0"),
        ("claude-sonnet-4-5-20250929", "eu-central-1", "eu.anthropic.claude-sonnet-4-5-20250929-v1:0"),
        ("claude-haiku-4-5", "ap-northeast-1", "apac.anthropic.claude-haiku-4-5-20251001-v1:0"),
        ("claude-opus-4-1", "eu-west-1", "anthropic.claude-opus-4-1-20250805-v1:0"),
        ("claude-3-5-sonnet-20241022", "us-west-2", "us.anthropic.claude-3-5-sonnet-20241022-v2:0"),
        ("claude-sonnet-4-5", "us-gov-west-1", "anthropic.claude-sonnet-4-5-20250929-v1:0"),
        ("anthropic.claude-3-haiku-20240307-v1:0", "us-east-1", "anthropic.claude-3-haiku-20240307-v1:0"),
        ("global.anthropic.claude-sonnet-4-5-20250929-v1:0", "us-east-1",
         "global.anthropic.claude-sonnet-4-5-20250929-v1:0"),
        ("arn:aws:bedrock:us-east-1:1:inference-profile/x", "us-east-1",
         "arn:aws:bedrock:us-east-1:1:inference-profile/x"),
        ("claude-unknown-9", "us-east-1", "claude-unknown-9"),
    ],
)  # fmt: skip
def test_bedrock_model_ids(model: str, region: str, expected: str):
    assert model_id(model, region) == expected


@pytest.mark.parametrize(
    ("key", "settings", "other", "auth"),
    [
        (SIGV4_KEY, {}, "", "sigv4"),
        ("AK|SK|us-east-1|tok", {}, "", "sigv4+token"),
        ('{"access_key_id": "AK", "secret_access_key": "SK", "region": "us-east-1",'
         ' "session_token": "tok"}', {}, "", "sigv4+token"),
        ("AK|SK|", {}, "us-east-1", "sigv4"),
        ("br-api-key|us-east-1", {}, "", "bearer"),
        ("br-api-key", {"aws_key_type": "api_key"}, "us-east-1", "bearer"),
    ],
)  # fmt: skip
def test_bedrock_keys(key: str, settings: Json, other: str, auth: str):
    ch = view(33, key, settings=settings, other=other)
    call = BEDROCK.prepare(req(Endpoint.MESSAGES, "claude-sonnet-4-5", {"messages": USER}), ch)
    assert call.url == (
        "https://bedrock-runtime.us-east-1.amazonaws.com/model/"
        "us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/invoke"
    )
    if auth == "bearer":
        assert call.headers["Authorization"] == "Bearer br-api-key"
        assert not any(k.lower().startswith("x-amz") for k in call.headers)
        return
    assert call.headers["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=")
    assert "/us-east-1/bedrock/aws4_request" in call.headers["Authorization"]
    assert call.headers["Host"] == "bedrock-runtime.us-east-1.amazonaws.com"
    assert call.headers["X-Amz-Date"] == "20270115T080000Z"
    assert call.headers["X-Amz-Content-Sha256"] == sha256_hex(call.body)
    assert call.headers.get("X-Amz-Security-Token") == ("tok" if "token" in auth else None)


@pytest.mark.parametrize(
    ("key", "settings"),
    [("api-key|", {"aws_key_type": "api_key"}), ("only-one", {}), ("a|b|c|d|e", {}),
     ('{"access_key_id": "AK"}', {}), ("{bad", {}), ("AK|SK|", {})],
)  # fmt: skip
def test_bedrock_bad_keys(key: str, settings: Json):
    with pytest.raises(UpstreamError) as e:
        BEDROCK.prepare(
            req(Endpoint.MESSAGES, "m", {"messages": USER}), view(33, key, settings=settings)
        )
    assert e.value.code == "invalid_channel_config"


def test_bedrock_needs_the_signing_time():
    call = RelayRequest(Endpoint.MESSAGES, "claude-sonnet-4-5", {"messages": USER})
    with pytest.raises(UpstreamError, match="no time"):
        BEDROCK.prepare(call, view(33, SIGV4_KEY))


def test_bedrock_body_stream_url_and_base_override():
    body = {"model": "x", "messages": USER, "stream": True, "metadata": {"user_id": "u"},
            "max_tokens": 50, "anthropic_beta": ["a"]}  # fmt: skip
    headers = {"anthropic-beta": "b, a"}
    ch = view(33, SIGV4_KEY, base_url="http://127.0.0.1:7/")
    call = BEDROCK.prepare(
        req(Endpoint.MESSAGES, "claude-opus-4-1", body, True, client_headers=headers), ch
    )
    assert call.url == (
        "http://127.0.0.1:7/model/us.anthropic.claude-opus-4-1-20250805-v1%3A0"
        "/invoke-with-response-stream"
    )
    assert call.headers["Host"] == "127.0.0.1:7"
    assert call.headers["Accept"] == "application/vnd.amazon.eventstream"
    assert orjson.loads(call.body) == {
        "messages": USER, "max_tokens": 50, "anthropic_beta": ["a", "b"],
        "anthropic_version": "bedrock-2023-05-31",
    }  # fmt: skip
    raw = view(33, SIGV4_KEY, setting={"pass_through_body_enabled": True})
    call = BEDROCK.prepare(req(Endpoint.MESSAGES, "claude-opus-4-1", body), raw)
    sent = orjson.loads(call.body)
    assert sent["metadata"] == {"user_id": "u"} and "model" not in sent and "stream" not in sent
    thinking = BEDROCK.prepare(
        req(Endpoint.MESSAGES, "claude-sonnet-4-5-thinking", {"messages": USER}), ch
    )
    assert "claude-sonnet-4-5-20250929" in thinking.url
    assert orjson.loads(thinking.body)["thinking"]["type"] == "enabled"
    with pytest.raises(UpstreamError):
        BEDROCK.prepare(req(Endpoint.CHAT, "claude-sonnet-4-5", {"messages": USER}), ch)


def test_bedrock_parse_error():
    err = BEDROCK.parse_error(400, b'{"message": "extraneous key [x] is not permitted"}')
    assert (err.message, err.type, err.protocol) == (
        "extraneous key [x] is not permitted", "invalid_request_error", "anthropic",
    )  # fmt: skip
    err = BEDROCK.parse_error(429, b'{"Message": "Too many requests"}')
    assert (err.message, err.type) == ("Too many requests", "rate_limit_error")


# ---------------------------------------------------------------- Cohere


@pytest.mark.parametrize(
    ("base", "endpoint", "url"),
    [
        ("", Endpoint.CHAT, "https://api.cohere.ai/compatibility/v1/chat/completions"),
        ("https://api.cohere.ai/compatibility/v1", Endpoint.CHAT,
         "https://api.cohere.ai/compatibility/v1/chat/completions"),
        ("https://proxy.example/", Endpoint.EMBEDDINGS, "https://proxy.example/compatibility/v1/embeddings"),
    ],
)  # fmt: skip
def test_cohere_urls(base: str, endpoint: str, url: str):
    cohere = adapter_for(ct.COHERE)
    assert (
        cohere is not None
        and cohere.supports(Endpoint.CHAT)
        and not cohere.supports(Endpoint.MESSAGES)
    )
    body = {"messages": USER, "stream": True, "stream_options": {"include_usage": True}}
    call = cohere.prepare(
        req(endpoint, "command-a-03-2025", body, True), view(34, "co-key", base_url=base)
    )
    assert call.url == url and call.headers["Authorization"] == "Bearer co-key"
    assert "stream_options" not in orjson.loads(call.body)
