"""Every relay response checked against the official SDKs' own types, strictly: each client format
(chat completions, Responses, Anthropic Messages, Gemini) on each kind of channel (OpenAI,
chat-only OpenAI-compatible, Anthropic, Gemini), JSON and stream, through text, tools, thinking,
refusals, truncation, mid-stream and upstream errors; plus completions, embeddings, moderations,
the model listings in all three shapes and the gateway's own error bodies.

Each case is sent twice: raw, with every JSON body and SSE event checked by
tests/support/sdk_types.py (the SDK types, plus what the SDKs would silently skip), and through
the SDK client itself in strict mode (tests/support/sdk.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import anthropic
import openai
import orjson
import pytest
from google import genai
from google.genai import errors as genai_errors
from google.genai import types as gtypes

from clawrouter.errors import ClawError
from clawrouter.http.render import anthropic_type, error_body
from clawrouter.keys import OPTIONS
from clawrouter.relay.providers import channel_types as ct
from tests.support import sdk_types
from tests.support.gateway import RelayEnv
from tests.support.native import CLAUDE, CLAUDE_KEY, GEMINI, GEMINI_KEY, GPT, SDK_WARNINGS, WEATHER
from tests.support.sdk import LENIENT, anthropic_client, genai_client, openai_client

pytestmark = SDK_WARNINGS

TEXT = "What is the weather in Paris"
CHANNELS = {  # channel kind -> (channel type, base model, upstream key)
    "openai": (1, GPT, "sk-upstream-test"),
    "chat_only": (ct.DEEPSEEK, "deepseek-chat", "sk-upstream-test"),
    "anthropic": (14, CLAUDE, CLAUDE_KEY),
    "gemini": (24, GEMINI, GEMINI_KEY),
}
# scenario -> (marker in the model name, request shape); markers: tests/support/upstreams.py
SCENARIOS = {
    "text": ("", "text"),
    "tools": ("", "tools"),
    "parallel_tools": ("-tools-parallel", "tools"),
    "thinking": ("-reasoning", "text"),
    "blocked": ("-blocked", "text"),
    "truncated": ("-long", "short"),
    "midstream_error": ("-midstream-error", "text"),
    "cut_short": ("-eof", "text"),
    "connection_dropped": ("-cut", "text"),
    "no_usage": ("-no-usage", "text"),
    "rate_limited": ("-fail-429", "text"),
    "upstream_500": ("-fail-500", "text"),
}
MARKERS = sorted({marker for marker, _ in SCENARIOS.values()})


@pytest.fixture
async def env(relay_env: RelayEnv) -> RelayEnv:
    """One channel per kind serving its base model and every marker variant of it (self-use
    mode, so the variants need no price)."""
    await relay_env.gw.app[OPTIONS].set("SelfUseModeEnabled", True)
    for kind, (type_, base, key) in CHANNELS.items():
        models = ",".join(base + marker for marker in MARKERS)
        await relay_env.gw.add_channel(
            relay_env.up.base_url, type=type_, models=models, key=key, name=kind
        )
    return relay_env


@pytest.fixture
async def sdks(env: RelayEnv) -> AsyncIterator[dict[str, Any]]:
    async with (
        openai_client(env.gw.base + "/v1", env.key) as oai,
        anthropic_client(env.gw.base, env.key) as claude,
        genai_client(env.gw.base, env.key, "v1beta") as gem,
    ):
        yield {"chat": oai, "responses": oai, "messages": claude, "gemini": gem}


# ---- requests in each client format ---------------------------------------------------------------
def request(fmt: str, shape: str, model: str) -> dict[str, Any]:
    fn = {"name": "get_weather", "description": "Weather", "parameters": WEATHER}
    if fmt == "chat":
        body: dict[str, Any] = {"model": model, "messages": [{"role": "user", "content": TEXT}]}
        tools = {"tools": [{"type": "function", "function": fn}]}
        short = {"max_tokens": 3}
    elif fmt == "responses":
        body = {"model": model, "input": TEXT}
        tools = {"tools": [{"type": "function", **fn, "strict": False}]}
        short = {"max_output_tokens": 16}
    elif fmt == "messages":
        body = {"model": model, "max_tokens": 256, "messages": [{"role": "user", "content": TEXT}]}
        decl = {"name": fn["name"], "description": fn["description"], "input_schema": WEATHER}
        tools, short = {"tools": [decl]}, {"max_tokens": 3}
    else:
        body = {"contents": [{"role": "user", "parts": [{"text": TEXT}]}]}
        decl = {"name": fn["name"], "description": fn["description"], "parameters": WEATHER}
        tools = {"tools": [{"functionDeclarations": [decl]}]}
        short = {"generationConfig": {"maxOutputTokens": 3}}
    return body | (tools if shape == "tools" else short if shape == "short" else {})


def headers(fmt: str, key: str) -> dict[str, str]:
    if fmt == "messages":
        return {"x-api-key": key, "anthropic-version": "2023-06-01"}
    if fmt == "gemini":
        return {"x-goog-api-key": key}
    return {"Authorization": f"Bearer {key}"}


async def raw(
    env: RelayEnv, kind: str, method: str, path: str, body: Any = None, **kw: Any
) -> tuple[int, Any]:
    """Send one request as the SDK would; check the answer with sdk_types.check."""
    hdrs = kw.pop("headers", None) or headers(kw.pop("fmt", kind), env.key)
    action = path.rpartition(":")[2].partition("?")[0] if ":" in path else ""
    payload = {"data": body} if isinstance(body, bytes) else {"json": body}
    async with (
        aiohttp.ClientSession() as http,
        http.request(method, env.gw.base + path, headers=hdrs, **payload) as resp,
    ):
        data = await resp.read()
        ctype = resp.headers.get("Content-Type", "")
    return resp.status, sdk_types.check(kind, resp.status, ctype, data, action)


async def relay_raw(env: RelayEnv, fmt: str, body: dict[str, Any], model: str, stream: bool):
    if fmt == "gemini":
        action = "streamGenerateContent?alt=sse" if stream else "generateContent"
        return await raw(env, fmt, "POST", f"/v1beta/models/{model}:{action}", body)
    path = {
        "chat": "/v1/chat/completions",
        "responses": "/v1/responses",
        "messages": "/v1/messages",
    }
    extra = {"stream_options": {"include_usage": True}} if fmt == "chat" and stream else {}
    body = {**body, **({"stream": True} | extra if stream else {})}
    return await raw(env, fmt, "POST", path[fmt], body)


# ---- the same request through the SDK -------------------------------------------------------------
SDK_ERRORS = (openai.APIError, anthropic.APIError, genai_errors.APIError)
VALIDATION = (openai.APIResponseValidationError, anthropic.APIResponseValidationError)


def genai_config(body: dict[str, Any]) -> gtypes.GenerateContentConfig:
    gen = body.get("generationConfig", {})
    tools = [gtypes.Tool.model_validate(t, by_alias=True) for t in body.get("tools", [])]
    return gtypes.GenerateContentConfig(
        tools=tools or None,
        max_output_tokens=gen.get("maxOutputTokens"),
        automatic_function_calling=gtypes.AutomaticFunctionCallingConfig(disable=True),
    )


async def relay_sdk(sdk: Any, fmt: str, body: dict[str, Any], model: str, stream: bool) -> int:
    """Run the request through the strict SDK client; returns the number of items parsed, or -1
    when the SDK raised the API's error (a validation failure is re-raised)."""
    try:
        if fmt == "gemini":
            models: genai.models.AsyncModels = sdk.aio.models
            args = {"model": model, "contents": body["contents"], "config": genai_config(body)}
            if not stream:
                return len((await models.generate_content(**args)).candidates or [])
            return len([c async for c in await models.generate_content_stream(**args)])
        create = {
            "chat": lambda: sdk.chat.completions.create,
            "responses": lambda: sdk.responses.create,
            "messages": lambda: sdk.messages.create,
        }[fmt]()
        if not stream:
            await create(**body)
            return 1
        extra = {"stream_options": {"include_usage": True}} if fmt == "chat" else {}
        events = [e async for e in await create(**body, stream=True, **extra)]
        if fmt == "responses" and events[-1].type == "error":
            return -1  # the SDK yields a Responses error event (a typed event), no raise
        await final_from_stream_helper(sdk, fmt, {**body, **extra})
        return len(events)
    except VALIDATION:
        raise
    except SDK_ERRORS:
        return -1


async def final_from_stream_helper(sdk: Any, fmt: str, body: dict[str, Any]) -> Any:
    """The SDK's stream helpers also accumulate the events into the final object, so they
    check what the types cannot: order, indexes, items opened before their deltas."""
    if fmt == "chat":
        async with sdk.chat.completions.stream(**body) as stream:
            try:
                return await stream.get_final_completion()
            # the helper's way to say "blocked" or "truncated"
            except (openai.ContentFilterFinishReasonError, openai.LengthFinishReasonError):
                return None
    if fmt == "responses":
        async with sdk.responses.stream(**body) as stream:
            events = [e.type async for e in stream]
            if events[-1] == "response.completed":  # else there is no final response
                return await stream.get_final_response()
            return None
    async with sdk.messages.stream(**body) as stream:
        return await stream.get_final_message()


# ---- every client format on every channel ---------------------------------------------------------
PAIRS = [
    (fmt, channel)
    for fmt in ("chat", "responses", "messages", "gemini")
    for channel in ("openai", "anthropic", "gemini")
] + [("responses", "chat_only")]


@pytest.mark.parametrize(("fmt", "channel"), PAIRS, ids=[f"{f}-on-{c}" for f, c in PAIRS])
@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
async def test_every_answer_matches_the_sdk_types(env, sdks, fmt, channel, stream):
    base = CHANNELS[channel][1]
    for scenario, (marker, shape) in SCENARIOS.items():
        model = base + marker
        body = request(fmt, shape, model)
        status, _ = await relay_raw(env, fmt, body, model, stream)
        parsed = await relay_sdk(sdks[fmt], fmt, body, model, stream)
        failing = scenario in ("rate_limited", "upstream_500")
        assert (status >= 400) is failing, (scenario, status)
        broken = ("midstream_error", "cut_short", "connection_dropped")
        expect_raise = failing or (stream and scenario in broken)
        assert (parsed == -1) is expect_raise, (scenario, parsed)


# ---- other OpenAI endpoints -----------------------------------------------------------------------
async def test_completions_embeddings_moderations(env: RelayEnv, sdks):
    oai = sdks["chat"]
    prompt = {"model": GPT, "prompt": "Say hi"}
    await raw(env, "completions", "POST", "/v1/completions", prompt)
    await raw(env, "completions", "POST", "/v1/completions", {**prompt, "stream": True})
    assert (await oai.completions.create(**prompt)).choices[0].text
    for fmt in ("float", "base64"):
        body = {"model": GPT, "input": ["one two", "three"], "encoding_format": fmt}
        await raw(env, "embeddings", "POST", "/v1/embeddings", body)
    floats = await oai.embeddings.create(model=GPT, input="x", encoding_format="float")
    assert len(floats.data[0].embedding) == 8
    mod = {"model": "omni-moderation-latest", "input": ["fine", "flag-me"]}
    await env.gw.add_channel(env.up.base_url, models="omni-moderation-latest")
    await raw(env, "moderations", "POST", "/v1/moderations", mod)
    assert [r.flagged for r in (await oai.moderations.create(**mod)).results] == [False, True]
    async with openai_client(env.gw.base + "/v1", env.key, **LENIENT) as lenient:  # sdk.LENIENT
        stream = await lenient.completions.create(**prompt, stream=True)
        assert [c async for c in stream]
        assert (await lenient.embeddings.create(model=GPT, input="x")).data[0].embedding


async def test_gemini_embeddings(env: RelayEnv, sdks):
    one = {"content": {"parts": [{"text": "hello there"}]}}
    await raw(env, "gemini", "POST", f"/v1beta/models/{GEMINI}:embedContent", one)
    batch = {"requests": [{**one, "model": f"models/{GEMINI}"}] * 2}
    await raw(env, "gemini", "POST", f"/v1beta/models/{GEMINI}:batchEmbedContents", batch)
    two = [gtypes.Content(parts=[gtypes.Part(text=t)]) for t in ("a", "b c")]
    resp = await sdks["gemini"].aio.models.embed_content(model=GEMINI, contents=two)
    assert len(resp.embeddings) == 2


# ---- model listings and retrieval in the three shapes ---------------------------------------------
async def test_model_listings(env: RelayEnv, sdks):
    oai, claude, gem = sdks["chat"], sdks["messages"], sdks["gemini"]
    _, listed = await raw(env, "openai_models", "GET", "/v1/models")
    assert GPT in [m["id"] for m in listed["data"]]
    await raw(env, "openai_model", "GET", f"/v1/models/{GPT}")
    assert GPT in [m.id async for m in oai.models.list()]
    assert (await oai.models.retrieve(GPT)).id == GPT
    await raw(env, "anthropic_models", "GET", "/v1/models", fmt="messages")
    await raw(env, "anthropic_model", "GET", f"/v1/models/{CLAUDE}", fmt="messages")
    assert CLAUDE in [m.id async for m in claude.models.list()]
    assert (await claude.models.retrieve(CLAUDE)).lifecycle == "active"
    await raw(env, "gemini_models", "GET", "/v1beta/models", fmt="gemini")
    await raw(env, "gemini_model", "GET", f"/v1beta/models/{GEMINI}", fmt="gemini")
    assert f"models/{GEMINI}" in [m.name async for m in await gem.aio.models.list()]
    assert (await gem.aio.models.get(model=GEMINI)).name == f"models/{GEMINI}"


async def test_model_listings_on_v1_in_the_gemini_shape(env: RelayEnv):
    """google-genai with api_version="v1" lists and gets models under /v1 with its key header."""
    async with genai_client(env.gw.base, env.key, "v1") as gem:
        assert f"models/{GEMINI}" in [m.name async for m in await gem.aio.models.list()]
        assert (await gem.aio.models.get(model=GEMINI)).name == f"models/{GEMINI}"


# ---- the gateway's own errors, in each protocol ---------------------------------------------------
USER_X = [{"role": "user", "content": "x"}]
GATEWAY_ERRORS = {  # kind -> (client format, path, a valid body; None for a GET)
    "chat": ("chat", "/v1/chat/completions", {"model": GPT, "messages": USER_X}),
    "responses": ("responses", "/v1/responses", {"model": GPT, "input": "x"}),
    "messages": ("messages", "/v1/messages", {"model": CLAUDE, "max_tokens": 8, "messages": USER_X}),
    "gemini": ("gemini", f"/v1beta/models/{GEMINI}:generateContent", {"contents": [{"parts": [{"text": "x"}]}]}),
    "completions": ("chat", "/v1/completions", {"model": GPT, "prompt": "x"}),
    "embeddings": ("chat", "/v1/embeddings", {"model": GPT, "input": "x"}),
    "openai_models": ("chat", "/v1/models", None),
    "openai_model": ("chat", "/v1/models/no-such-model", None),
    "anthropic_models": ("messages", "/v1/models", None),
    "anthropic_model": ("messages", "/v1/models/no-such-model", None),
    "gemini_models": ("gemini", "/v1beta/models", None),
    "gemini_model": ("gemini", "/v1beta/models/no-such-model", None),
}  # fmt: skip


@pytest.mark.parametrize("kind", GATEWAY_ERRORS)
async def test_gateway_errors_match_the_sdk_error_types(env: RelayEnv, kind: str):
    """A wrong key, an unknown model and a malformed body, answered in the caller's protocol."""
    fmt, path, body = GATEWAY_ERRORS[kind]
    method = "GET" if body is None else "POST"
    bad_key = headers(fmt, "sk-not-a-key")
    assert (await raw(env, kind, method, path, body, headers=bad_key))[0] == 401
    if body is None:
        if path.endswith("no-such-model"):
            assert (await raw(env, kind, "GET", path, fmt=fmt))[0] == 404
        return
    if fmt == "gemini":
        unknown = await raw(env, kind, "POST", path.replace(GEMINI, "no-such-model"), body)
    else:
        unknown = await raw(env, kind, "POST", path, {**body, "model": "no-such-model"}, fmt=fmt)
    assert unknown[0] in (400, 404, 503), unknown
    assert (await raw(env, kind, "POST", path, b"{not json", fmt=fmt))[0] == 400


@pytest.mark.parametrize("status", [*range(400, 419), 422, 429, 499, *range(500, 505), 529])
def test_error_bodies_for_every_status(status: int):
    err = ClawError("boom", status=status, code="some_code")
    sdk_types.openai_error(error_body(err, "openai"))
    sdk_types.anthropic_error(error_body(err, "anthropic"))
    sdk_types.google_error(error_body(err, "gemini"), status)
    assert anthropic_type(504) == "timeout_error"  # Anthropic's own type for a 504


UNSERVED = [  # (kind for the error shape, client format, path, body)
    ("messages", "messages", "/v1/messages/count_tokens", {"model": CLAUDE, "messages": USER_X}),
    ("gemini", "gemini", f"/v1beta/models/{GEMINI}:countTokens", {"contents": []}),
    ("gemini", "gemini", f"/v1beta/models/{GPT}:batchEmbedContents", {"requests": []}),
    ("embeddings", "chat", "/v1/embeddings", {"model": CLAUDE, "input": "x"}),
    ("completions", "chat", "/v1/completions", {"model": GEMINI, "prompt": "x"}),
    ("chat", "chat", "/v1/files", None),
]


@pytest.mark.parametrize(("kind", "fmt", "path", "body"), UNSERVED, ids=[u[2] for u in UNSERVED])
async def test_unserved_endpoints_answer_in_the_callers_error_shape(env, kind, fmt, path, body):
    status, _ = await raw(env, kind, "GET" if body is None else "POST", path, body, fmt=fmt)
    assert 400 <= status < 600


# ---- the checks themselves reject what the SDKs would reject or silently drop ---------------------
REJECTED = [
    ("anthropic_models", {"data": [{"id": "m", "created_at": "2021-07-20T10:40:00Z",
                                    "display_name": "m", "type": "model"}],
                          "first_id": "m", "last_id": "m", "has_more": False}),  # no lifecycle
    ("gemini", {"candidates": [{"finish_reason": "STOP"}]}),  # snake_case: genai would drop it
    ("gemini", {"candidates": [{"finishReason": "FINISHED"}]}),  # no such enum value
    ("chat", {"id": "x", "object": "chat.completion", "created": 1, "model": "m",
              "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"},
                           "finish_reason": "done"}]}),  # not a finish_reason literal
    ("messages", {"id": "msg_1", "type": "message", "role": "assistant", "model": "m",
                  "content": [], "stop_reason": "end_turn", "stop_sequence": None}),  # no usage
]  # fmt: skip


@pytest.mark.parametrize(("kind", "body"), REJECTED, ids=[str(i) for i in range(len(REJECTED))])
def test_the_checks_reject_bad_shapes(kind: str, body: Any):
    data = orjson.dumps(body)
    with pytest.raises((AssertionError, ValueError)):
        sdk_types.check(kind, 200, "application/json", data, "generateContent")


def test_the_stream_checks_reject_bad_events():
    no_seq = b'event: error\ndata: {"type":"error","code":"x","message":"m"}\n\n'
    created = b'data: {"type":"response.created","sequence_number":0,"response":{}}\n\n'
    with pytest.raises((AssertionError, ValueError)):
        sdk_types.check("responses", 200, "text/event-stream", created + no_seq)
    unnamed = b'data: {"type":"message_stop"}\n\n'  # the anthropic SDK skips unnamed events
    with pytest.raises(AssertionError):
        sdk_types.check("messages", 200, "text/event-stream", unnamed)
