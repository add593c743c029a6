"""Vertex AI (41) and AWS Bedrock (33) channels end to end through the official SDKs, against a
fake that also speaks Vertex's publisher paths, Bedrock's invoke paths (answers in AWS
event-stream framing, SigV4 checked on arrival) and a loopback OAuth token endpoint that
verifies the service account's JWT. Quota is billed from the usage the fake reported."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs

import jwt
import orjson
import pytest
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from clawrouter.relay.providers.aws_sigv4 import AwsCredentials, authorization, sha256_hex
from tests.support import aws_eventstream as es
from tests.support import upstream_anthropic
from tests.support.gateway import RelayEnv
from tests.support.native import (
    CLAUDE,
    GEMINI,
    SDK_WARNINGS,
    USER,
    billed,
    claude_client,
    gemini_client,
)
from tests.support.upstream_core import Call, Frame, RecordedRequest, Route
from tests.support.upstream_plan import Markers
from tests.support.upstreams import FakeUpstream

pytestmark = SDK_WARNINGS

EMAIL = "relay@proj-1.iam.gserviceaccount.com"
ACCESS_TOKEN = "ya29.fake-access-token"
AK, SECRET = "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
BEDROCK_ID = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
AUTH = re.compile(
    r"AWS4-HMAC-SHA256 Credential=(?P<ak>[^/]+)/\d{8}/(?P<region>[^/]+)/bedrock/aws4_request, "
    r"SignedHeaders=(?P<signed>[a-z0-9;-]+), Signature=[0-9a-f]{64}$"
)
TEXT = "Hello from fake-anthropic."


# ---------------------------------------------------------------- the fake cloud


def sigv4_valid(request: web.Request, rec: RecordedRequest) -> bool:
    """Recompute the signature from what arrived on the wire."""
    found = AUTH.match(rec.headers.get("Authorization", ""))
    if found is None or rec.headers.get("X-Amz-Content-Sha256") != sha256_hex(rec.body):
        return False
    path, _, query = request.raw_path.partition("?")
    creds = AwsCredentials(found["ak"], SECRET, rec.headers.get("X-Amz-Security-Token", ""))
    expected = authorization(
        "POST", path, query, rec.headers, found["signed"].split(";"), sha256_hex(rec.body),
        creds, found["region"], "bedrock", rec.headers.get("X-Amz-Date", ""),
    )  # fmt: skip
    return expected == rec.headers["Authorization"]


def bedrock_error(up: Any, status: int, message: str) -> web.Response:
    return web.json_response({"message": message}, status=status)


async def bedrock_invoke(call: Call) -> web.StreamResponse:
    return await upstream_anthropic.messages(call)


async def bedrock_stream(call: Call) -> web.StreamResponse:
    """The Anthropic stream events, each in an event-stream `chunk` frame, written in halves."""
    plan = upstream_anthropic.messages_plan(call)
    usage = call.usage(plan.usage(upstream_anthropic.prompt_tokens(call.body)))
    frames = upstream_anthropic.stream_body(call, plan, usage)
    frames.append(Frame({"type": "message_stop"}, "message_stop"))
    throttle = "throttle-midstream" in json.dumps(call.body)
    if throttle:
        frames = frames[: len(frames) // 2]
    resp = web.StreamResponse(headers={"Content-Type": "application/vnd.amazon.eventstream"})
    await resp.prepare(call.request)
    for f in frames:
        data = es.chunk(f.data)
        await resp.write(data[: len(data) // 2])
        await resp.write(data[len(data) // 2 :])
    if throttle:
        await resp.write(es.exception("throttlingException", "Too many tokens, slow down"))
    call.rec.completed = not throttle
    return resp


def _route(pattern: str, handler: Any, error: Any) -> Route:
    return Route("POST", re.compile(pattern), handler, error)


CLOUD_ROUTES = [
    _route(
        r"/publishers/anthropic/models/(?P<model>[^/:]+):(?P<action>rawPredict|streamRawPredict)$",
        upstream_anthropic.messages,
        upstream_anthropic.error_response,
    ),
    _route(r"^/model/(?P<model>[^/]+)/invoke$", bedrock_invoke, bedrock_error),
    _route(r"^/model/(?P<model>[^/]+)/invoke-with-response-stream$", bedrock_stream, bedrock_error),
]


class CloudUpstream(FakeUpstream):
    """FakeUpstream plus Vertex's Claude paths, Bedrock's invoke paths and /token."""

    def __init__(self, public_key: rsa.RSAPublicKey) -> None:
        super().__init__()
        self.public_key = public_key
        self.token_calls = 0

    def token(self, rec: RecordedRequest) -> web.Response:
        self.token_calls += 1
        form = parse_qs(rec.body.decode())
        try:
            assert form["grant_type"] == ["urn:ietf:params:oauth:grant-type:jwt-bearer"]
            claims = jwt.decode(
                form["assertion"][0], self.public_key, algorithms=["RS256"],
                audience=self.base_url + "/token",
            )  # fmt: skip
            assert claims["iss"] == EMAIL and claims["scope"].endswith("/cloud-platform")
        except (AssertionError, KeyError, jwt.PyJWTError) as e:
            error = {"error": "invalid_grant", "error_description": f"Invalid JWT: {e}"}
            return web.json_response(error, status=400)
        return web.json_response({"access_token": ACCESS_TOKEN, "expires_in": 3599})

    async def _answer(self, request: web.Request, rec: RecordedRequest) -> web.StreamResponse:
        if rec.path == "/token":
            rec.completed = True
            return self.token(rec)
        for route in CLOUD_ROUTES:
            params = route.match(rec)
            if params is None:
                continue
            if rec.path.startswith("/model/") and not sigv4_valid(request, rec):
                return bedrock_error(
                    self, 403, "The request signature we calculated does not match"
                )
            call = Call(request, rec, Markers.parse(rec.model, rec.api_key), self, params)
            return await self._behave(call, route)
        return await super()._answer(request, rec)


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
async def upstream(rsa_key: rsa.RSAPrivateKey) -> AsyncIterator[CloudUpstream]:
    """Replaces conftest's fake for this module (relay_env builds on it)."""
    async with CloudUpstream(rsa_key.public_key()) as up:
        yield up


def service_account(up: CloudUpstream, key: rsa.RSAPrivateKey) -> str:
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    data = {
        "type": "service_account", "project_id": "proj-1", "private_key_id": "k1",
        "private_key": pem, "client_email": EMAIL, "token_uri": up.base_url + "/token",
    }  # fmt: skip
    return orjson.dumps(data).decode()


async def add_vertex(env: RelayEnv, key: rsa.RSAPrivateKey) -> None:
    other = orjson.dumps({"default": "us-central1", CLAUDE: "us-east5"}).decode()
    await env.gw.add_channel(
        env.up.base_url, type=41, models=f"{GEMINI},{CLAUDE}", name="vertex",
        key=service_account(env.up, key), other=other,
    )  # fmt: skip


async def add_bedrock(env: RelayEnv, key: str = f"{AK}|{SECRET}|us-east-1") -> None:
    await env.gw.add_channel(env.up.base_url, type=33, models=CLAUDE, name="bedrock", key=key)


def vertex_call(env: RelayEnv, publisher: str, action: str, region: str) -> dict[str, Any]:
    rec = env.up.last
    model = GEMINI if publisher == "google" else CLAUDE
    assert rec.path == (
        f"/v1/projects/proj-1/locations/{region}/publishers/{publisher}/models/{model}:{action}"
    )
    assert rec.headers["Authorization"] == f"Bearer {ACCESS_TOKEN}"
    assert "model" not in rec.json
    return rec.json


def bedrock_call(env: RelayEnv, action: str) -> dict[str, Any]:
    rec = env.up.last
    assert rec.path == f"/model/{BEDROCK_ID}/{action}"
    assert rec.headers["Authorization"].startswith(f"AWS4-HMAC-SHA256 Credential={AK}/")
    assert rec.headers["Host"] == env.up.base_url.removeprefix("http://")
    assert re.fullmatch(r"\d{8}T\d{6}Z", rec.headers["X-Amz-Date"])
    assert rec.json["anthropic_version"] == "bedrock-2023-05-31"
    assert "model" not in rec.json and "stream" not in rec.json
    return rec.json


# ---------------------------------------------------------------- Vertex AI


async def test_openai_sdk_to_vertex_gemini_and_claude_with_one_token(relay_env: RelayEnv, rsa_key):
    await add_vertex(relay_env, rsa_key)
    client = relay_env.openai()
    msgs = [{"role": "user", "content": "What is the weather in Paris"}]

    r = await client.chat.completions.create(model=GEMINI, messages=msgs)
    assert r.choices[0].message.content == "Hello from fake-gemini."
    assert vertex_call(relay_env, "google", "generateContent", "us-central1")["contents"]
    await billed(relay_env, GEMINI)

    stream = await client.chat.completions.create(model=GEMINI, messages=msgs, stream=True)
    chunks = [c async for c in stream]
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "Hello from fake-gemini." and chunks[-1].usage is not None
    vertex_call(relay_env, "google", "streamGenerateContent", "us-central1")
    assert relay_env.up.last.query == {"alt": "sse"}
    await billed(relay_env, GEMINI)

    r = await client.chat.completions.create(model=CLAUDE, messages=msgs, max_tokens=100)
    assert r.choices[0].message.content == TEXT
    body = vertex_call(relay_env, "anthropic", "rawPredict", "us-east5")
    assert body["anthropic_version"] == "vertex-2023-10-16" and body["max_tokens"] == 100
    await billed(relay_env, CLAUDE)

    stream = await client.chat.completions.create(model=CLAUDE, messages=msgs, stream=True)
    chunks = [c async for c in stream]
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == TEXT
    assert vertex_call(relay_env, "anthropic", "streamRawPredict", "us-east5")["stream"] is True
    await billed(relay_env, CLAUDE)
    assert relay_env.up.token_calls == 1  # fetched once, cached for the channel key


async def test_native_sdks_on_vertex(relay_env: RelayEnv, rsa_key):
    await add_vertex(relay_env, rsa_key)
    async with claude_client(relay_env) as claude:
        msg = await claude.messages.create(model=CLAUDE, max_tokens=64, messages=USER)
        assert msg.content[0].text == TEXT
        body = vertex_call(relay_env, "anthropic", "rawPredict", "us-east5")
        assert body["messages"] == USER and body["anthropic_version"] == "vertex-2023-10-16"
        await billed(relay_env, CLAUDE)
        async with claude.messages.stream(model=CLAUDE, max_tokens=64, messages=USER) as s:
            final = await s.get_final_message()
        assert final.content[0].text == TEXT and final.usage.output_tokens > 0
        await billed(relay_env, CLAUDE)
        # An Anthropic client on a Gemini model: converted (Messages -> chat -> Gemini).
        msg = await claude.messages.create(model=GEMINI, max_tokens=64, messages=USER)
        assert msg.content[0].text == "Hello from fake-gemini."
        vertex_call(relay_env, "google", "generateContent", "us-central1")
        await billed(relay_env, GEMINI)
    async with gemini_client(relay_env) as gem:
        resp = await gem.aio.models.generate_content(model=GEMINI, contents="hello there")
        assert resp.text == "Hello from fake-gemini."
        assert vertex_call(relay_env, "google", "generateContent", "us-central1")["contents"]
        await billed(relay_env, GEMINI)
    assert relay_env.up.token_calls == 1


async def test_vertex_refused_token_is_a_channel_error(relay_env: RelayEnv):
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    await add_vertex(relay_env, other_key)  # signed with a key the token endpoint rejects
    status, body, _ = await relay_env.post(
        "/v1/chat/completions", {"model": GEMINI, "messages": [{"role": "user", "content": "x"}]}
    )
    assert status == 401, body
    assert "Vertex AI token exchange failed: Invalid JWT" in body["error"]["message"]
    assert relay_env.up.requests_to("/publishers/") == []


# ---------------------------------------------------------------- Bedrock


async def test_openai_sdk_to_bedrock_json_and_event_stream(relay_env: RelayEnv):
    await add_bedrock(relay_env)
    client = relay_env.openai()
    msgs = [{"role": "user", "content": "What is the weather in Paris"}]
    r = await client.chat.completions.create(model=CLAUDE, messages=msgs)
    assert r.choices[0].message.content == TEXT
    assert bedrock_call(relay_env, "invoke")["messages"]
    await billed(relay_env, CLAUDE)

    stream = await client.chat.completions.create(model=CLAUDE, messages=msgs, stream=True)
    chunks = [c async for c in stream]
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == TEXT
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens > 0
    bedrock_call(relay_env, "invoke-with-response-stream")
    assert relay_env.up.last.completed
    await billed(relay_env, CLAUDE)


async def test_anthropic_sdk_to_bedrock_with_session_token(relay_env: RelayEnv):
    key = {"access_key_id": AK, "secret_access_key": SECRET, "region": "us-east-1",
           "session_token": "sess-tok"}  # fmt: skip
    await add_bedrock(relay_env, orjson.dumps(key).decode())
    async with claude_client(relay_env) as claude:
        msg = await claude.messages.create(
            model=CLAUDE, max_tokens=64, messages=USER, metadata={"user_id": "u-1"}
        )
        assert msg.content[0].text == TEXT
        body = bedrock_call(relay_env, "invoke")
        assert body["max_tokens"] == 64 and "metadata" not in body
        assert relay_env.up.last.headers["X-Amz-Security-Token"] == "sess-tok"
        await billed(relay_env, CLAUDE)
        async with claude.messages.stream(model=CLAUDE, max_tokens=64, messages=USER) as s:
            events = [e.type async for e in s]
            final = await s.get_final_message()
        assert final.content[0].text == TEXT and final.stop_reason == "end_turn"
        assert events[0] == "message_start" and events[-1] == "message_stop"
        bedrock_call(relay_env, "invoke-with-response-stream")
        await billed(relay_env, CLAUDE)


@pytest.mark.parametrize("path", ["/v1/messages", "/v1/chat/completions"])
async def test_bedrock_stream_exception_reaches_the_client(relay_env: RelayEnv, path: str):
    await add_bedrock(relay_env)
    content = [{"role": "user", "content": "please throttle-midstream"}]
    body = {"model": CLAUDE, "max_tokens": 64, "messages": content, "stream": True}
    status, text, _ = await relay_env.post(path, body)
    assert status == 200 and isinstance(text, str)
    assert "throttlingException: Too many tokens, slow down" in text
    if path == "/v1/messages":
        assert "event: error" in text and '"rate_limit_error"' in text
    assert "message_stop" not in text and "[DONE]" not in text


async def test_openai_images_to_vertex_imagen(relay_env: RelayEnv, rsa_key):
    imagen_model = "imagen-4.0-generate-001"
    root = await relay_env.gw.login("root", "rootpass123")
    price = orjson.dumps({imagen_model: 0.04}).decode()
    await root.json("PUT", "/api/option/", json={"key": "ModelPrice", "value": price})
    await relay_env.gw.add_channel(
        relay_env.up.base_url, type=41, models=imagen_model, name="vertex-imagen",
        key=service_account(relay_env.up, rsa_key), other="europe-west4",
    )  # fmt: skip
    reply = await relay_env.openai().images.generate(
        model=imagen_model, prompt="a lighthouse at dusk", n=2, size="1024x1024"
    )
    assert len(reply.data or []) == 2 and all(d.b64_json for d in reply.data or [])
    rec = relay_env.up.last
    assert rec.path == (
        f"/v1/projects/proj-1/locations/europe-west4/publishers/google/models/{imagen_model}:predict"
    )
    assert rec.headers["Authorization"] == f"Bearer {ACCESS_TOKEN}"
    assert rec.json == {
        "instances": [{"prompt": "a lighthouse at dusk"}],
        "parameters": {"sampleCount": 2, "aspectRatio": "1:1"},
    }
    (log,) = await relay_env.logs()
    assert log["quota"] == 40_000  # $0.04 per image × 500,000 × n 2
