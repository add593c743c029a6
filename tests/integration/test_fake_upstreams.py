"""Self-tests for the fake upstreams: the official SDKs talk to them directly and parse every
answer; markers, the queue, usage accounting and abort recording behave as documented."""

from __future__ import annotations

import base64
import json
import struct
import time
from collections.abc import AsyncIterator

import aiohttp
import anthropic
import openai
import pytest
from google import genai
from google.genai import errors as genai_errors
from google.genai import types as gtypes

from tests.support.sdk import (
    LENIENT,
    anthropic_client,
    azure_client,
    genai_client,
    openai_client,
)
from tests.support.upstream_plan import Markers, Usage, embedding_vector, message_tokens
from tests.support.upstreams import FakeUpstream

# google-genai's async client subclasses aiohttp.ClientSession (a DeprecationWarning attributed
# to google.genai, so setup.cfg's aiohttp ignore does not cover it).
pytestmark = pytest.mark.filterwarnings(
    "ignore:Inheritance class AiohttpClientSession:DeprecationWarning"
)

USER = [{"role": "user", "content": "What is the weather in Paris"}]
WEATHER = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
    "required": ["city"],
}
OAI_TOOLS = [
    {"type": "function", "function": {"name": "get_weather", "parameters": WEATHER}},
    {"type": "function", "function": {"name": "get_time", "parameters": {"type": "object"}}},
]
CLAUDE_TOOLS = [{"name": "get_weather", "description": "w", "input_schema": WEATHER}]


@pytest.fixture
async def up() -> AsyncIterator[FakeUpstream]:
    async with FakeUpstream() as server:
        yield server


@pytest.fixture
async def oai(up: FakeUpstream) -> AsyncIterator[openai.AsyncOpenAI]:
    async with openai_client(up.base_url + "/v1", "sk-test") as client:
        yield client


@pytest.fixture
async def claude(up: FakeUpstream) -> AsyncIterator[anthropic.AsyncAnthropic]:
    async with anthropic_client(up.base_url, "sk-ant-test") as client:
        yield client


@pytest.fixture
async def gem(up: FakeUpstream) -> AsyncIterator[genai.Client]:
    async with genai_client(up.base_url, "g-test") as client:
        yield client


# ---------------------------------------------------------------- core helpers


def test_markers_parse_from_model_and_key():
    m = Markers.parse("gpt-4o-first-200-slow-50-long", "sk-fail-429")
    assert (m.first_ms, m.slow_ms, m.long, m.fail) == (200, 50, True, 429)
    assert Markers.parse("midstream-error+tools-parallel").midstream_error
    assert Markers.parse("midstream-error+tools-parallel").tools_parallel
    assert Markers.parse("gpt-4o-longcat") == Markers()


def test_usage_formula():
    msgs = [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": [{"type": "text", "text": "a b c"}, {"type": "image_url"}]},
    ]
    assert message_tokens(msgs) == (3 + 2) + (3 + 3)
    assert Usage(10, 2, cached_tokens=4, cache_creation_5m=1).uncached_prompt_tokens == 5


# ---------------------------------------------------------------- OpenAI


async def test_openai_chat(up: FakeUpstream, oai: openai.AsyncOpenAI):
    resp = await oai.chat.completions.create(model="gpt-4o-mini", messages=USER)
    assert resp.object == "chat.completion" and resp.id.startswith("chatcmpl-")
    assert resp.model == "gpt-4o-mini" and resp.system_fingerprint
    assert resp.choices[0].message.content == "Hello from fake-openai."
    assert resp.choices[0].finish_reason == "stop"
    assert resp.usage and resp.usage.prompt_tokens == 3 + 6 and resp.usage.completion_tokens == 3
    assert up.last_usage == Usage(9, 3)
    assert up.last.headers["authorization"] == "Bearer sk-test" and up.last.api_key == "sk-test"
    assert up.last.json["messages"] == USER and up.last.path == "/v1/chat/completions"


async def test_openai_chat_stream_with_usage(up: FakeUpstream, oai: openai.AsyncOpenAI):
    stream = await oai.chat.completions.create(
        model="m", messages=USER, stream=True, stream_options={"include_usage": True}
    )
    chunks = [c async for c in stream]
    assert chunks[0].choices[0].delta.role == "assistant"
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "Hello from fake-openai."
    assert chunks[-2].choices[0].finish_reason == "stop"
    assert chunks[-1].choices == [] and chunks[-1].usage and chunks[-1].usage.total_tokens == 12
    assert all(c.usage is None for c in chunks[:-1])
    assert up.last.completed and up.last.stream


async def test_openai_chat_stream_without_usage(up: FakeUpstream, oai: openai.AsyncOpenAI):
    stream = await oai.chat.completions.create(model="m", messages=USER, stream=True)
    chunks = [c async for c in stream]
    assert all(c.choices for c in chunks) and up.last_usage is None
    assert b'"usage"' not in up.last.body


async def test_openai_tool_calls(oai: openai.AsyncOpenAI):
    resp = await oai.chat.completions.create(model="m", messages=USER, tools=OAI_TOOLS)
    call = resp.choices[0].message.tool_calls[0]
    assert resp.choices[0].finish_reason == "tool_calls" and call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {"city": "test", "days": 1}


async def test_openai_tool_calls_streamed_in_parallel(oai: openai.AsyncOpenAI):
    stream = await oai.chat.completions.create(
        model="m-tools-parallel", messages=USER, tools=OAI_TOOLS, stream=True
    )
    args: dict[int, str] = {}
    names: dict[int, str] = {}
    pieces = 0
    async for chunk in stream:
        for tc in chunk.choices[0].delta.tool_calls or []:
            names[tc.index] = names.get(tc.index, "") + (tc.function.name or "")
            args[tc.index] = args.get(tc.index, "") + (tc.function.arguments or "")
            pieces += 1
    assert names == {0: "get_weather", 1: "get_time"} and pieces > 4
    assert json.loads(args[0]) == {"city": "test", "days": 1} and json.loads(args[1]) == {}


async def test_openai_tool_result_gets_text(oai: openai.AsyncOpenAI):
    msgs = [
        *USER,
        {
            "role": "assistant",
            "tool_calls": [
                {
                    "id": "c1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": "{}"},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "sunny"},
    ]
    resp = await oai.chat.completions.create(model="m", messages=msgs, tools=OAI_TOOLS)
    assert resp.choices[0].message.content == "Hello from fake-openai."


async def test_openai_embeddings(up: FakeUpstream, oai: openai.AsyncOpenAI):
    floats = await oai.embeddings.create(model="e", input=["a b", "c"], encoding_format="float")
    assert [d.embedding for d in floats.data] == [embedding_vector(0, 8), embedding_vector(1, 8)]
    assert floats.usage.prompt_tokens == 3 == floats.usage.total_tokens
    async with openai_client(up.base_url + "/v1", "sk-test", **LENIENT) as lenient:
        raw = await lenient.embeddings.create(
            model="e", input="x", encoding_format="base64", dimensions=4
        )
        decoded = await lenient.embeddings.create(model="e", input="x")  # SDK asks base64
    packed = base64.b64decode(raw.data[0].embedding)  # type: ignore[arg-type]
    assert list(struct.unpack("<4f", packed)) == embedding_vector(0, 4)
    assert up.last.json["encoding_format"] == "base64"
    assert decoded.data[0].embedding == embedding_vector(0, 8)


async def test_openai_completions(up: FakeUpstream, oai: openai.AsyncOpenAI):
    resp = await oai.completions.create(model="m", prompt="say hi")
    assert resp.object == "text_completion" and resp.choices[0].text == "Hello from fake-openai."
    assert resp.usage and resp.usage.prompt_tokens == 2
    async with openai_client(up.base_url + "/v1", "sk-test", **LENIENT) as lenient:
        stream = await lenient.completions.create(
            model="m", prompt="hi", stream=True, stream_options={"include_usage": True}
        )
        chunks = [c async for c in stream]
    assert "".join(c.choices[0].text for c in chunks if c.choices) == "Hello from fake-openai."
    assert chunks[-1].usage and chunks[-1].usage.completion_tokens == 3


async def test_openai_moderations_and_models(oai: openai.AsyncOpenAI):
    mod = await oai.moderations.create(input=["fine", "flag-me"])
    assert [r.flagged for r in mod.results] == [False, True]
    models = [m.id async for m in oai.models.list()]
    assert "gpt-4o-mini" in models


async def test_openai_responses(up: FakeUpstream, oai: openai.AsyncOpenAI):
    resp = await oai.responses.create(model="m", input="hi there", instructions="be nice")
    assert resp.output_text == "Hello from fake-openai." and resp.status == "completed"
    assert resp.usage and resp.usage.input_tokens == (3 + 2) + (3 + 2)
    async with oai.responses.stream(model="m", input="hi") as stream:
        deltas = [e.delta async for e in stream if e.type == "response.output_text.delta"]
        final = await stream.get_final_response()
    assert "".join(deltas) == final.output_text == "Hello from fake-openai."
    assert final.usage and final.usage.output_tokens == 3


async def test_openai_responses_stream_tool_call(up: FakeUpstream, oai: openai.AsyncOpenAI):
    tools = [{"type": "function", "name": "get_weather", "parameters": WEATHER, "strict": False}]
    async with oai.responses.stream(model="m", input="weather?", tools=tools) as stream:
        final = await stream.get_final_response()
    item = final.output[0]
    assert item.type == "function_call" and json.loads(item.arguments)["city"] == "test"
    events = [e async for e in await oai.responses.create(model="m", input="hi", stream=True)]
    assert [e.sequence_number for e in events] == list(range(len(events)))
    assert events[0].type == "response.created" and events[-1].type == "response.completed"


async def test_azure_and_prefixed_paths(up: FakeUpstream):
    async with azure_client(up.base_url, "az-key", api_version="2024-10-21") as az:
        resp = await az.chat.completions.create(model="my-deploy", messages=USER)
    assert resp.choices[0].message.content == "Hello from fake-openai."
    assert up.last.path == "/openai/deployments/my-deploy/chat/completions"
    assert up.last.query["api-version"] == "2024-10-21" and up.last.headers["api-key"] == "az-key"
    async with openai_client(up.base_url + "/api/v1", "k") as router:
        await router.chat.completions.create(model="x/y", messages=USER)
    assert up.last.path == "/api/v1/chat/completions" and up.last.model == "x/y"


# ---------------------------------------------------------------- Anthropic


async def test_anthropic_message(up: FakeUpstream, claude: anthropic.AsyncAnthropic):
    msg = await claude.messages.create(
        model="claude-x", max_tokens=100, system="be brief", messages=USER
    )
    assert msg.id.startswith("msg_") and msg.content[0].text == "Hello from fake-anthropic."
    assert msg.stop_reason == "end_turn" and msg.usage.input_tokens == (3 + 2) + (3 + 6)
    assert msg.usage.output_tokens == 3 and up.last.api_key == "sk-ant-test"
    assert up.last.headers["anthropic-version"]


async def test_anthropic_stream_event_order(claude: anthropic.AsyncAnthropic):
    stream = await claude.messages.create(model="m", max_tokens=100, messages=USER, stream=True)
    kinds = [e.type async for e in stream]
    assert kinds == [
        "message_start",
        "content_block_start",
        *["content_block_delta"] * 3,
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]


async def test_anthropic_stream_helper_tools_and_thinking(claude: anthropic.AsyncAnthropic):
    async with claude.messages.stream(
        model="m",
        max_tokens=2000,
        messages=USER,
        tools=CLAUDE_TOOLS,
        thinking={"type": "enabled", "budget_tokens": 1024},
    ) as stream:
        final = await stream.get_final_message()
    thinking, tool = final.content
    assert thinking.type == "thinking" and thinking.thinking and thinking.signature
    assert tool.type == "tool_use" and tool.input == {"city": "test", "days": 1}
    assert final.stop_reason == "tool_use" and final.usage.output_tokens == 6 + 4


async def test_anthropic_cache_usage_override(up: FakeUpstream, claude: anthropic.AsyncAnthropic):
    up.usage_override = {"prompt_tokens": 100, "cached_tokens": 60, "cache_creation_1h": 30}
    async with claude.messages.stream(model="m", max_tokens=10, messages=USER) as stream:
        final = await stream.get_final_message()
    u = final.usage
    assert (u.input_tokens, u.cache_read_input_tokens, u.cache_creation_input_tokens) == (
        10,
        60,
        30,
    )
    assert u.cache_creation and u.cache_creation.ephemeral_1h_input_tokens == 30


async def test_anthropic_models_and_count(claude: anthropic.AsyncAnthropic):
    models = [m.id async for m in claude.models.list()]
    assert models == ["claude-sonnet-4-5", "claude-haiku-4-5"]
    count = await claude.messages.count_tokens(model="m", messages=USER)
    assert count.input_tokens == 9


async def test_anthropic_errors(claude: anthropic.AsyncAnthropic):
    with pytest.raises(anthropic.RateLimitError) as err:
        await claude.messages.create(model="m-fail-429", max_tokens=5, messages=USER)
    assert err.value.response.headers["retry-after"] == "1"
    assert err.value.body["error"]["type"] == "rate_limit_error"  # type: ignore[index]
    stream = await claude.messages.create(
        model="midstream-error", max_tokens=5, messages=USER, stream=True
    )
    with pytest.raises(anthropic.APIStatusError, match="overloaded"):
        _ = [e async for e in stream]


# ---------------------------------------------------------------- Gemini


async def test_gemini_generate(up: FakeUpstream, gem: genai.Client):
    resp = await gem.aio.models.generate_content(model="gemini-2.5-flash", contents="hi there")
    assert resp.text == "Hello from fake-gemini."
    assert resp.candidates and resp.candidates[0].finish_reason == gtypes.FinishReason.STOP
    assert resp.usage_metadata and resp.usage_metadata.prompt_token_count == 5
    assert up.last.path.endswith("/models/gemini-2.5-flash:generateContent")
    assert up.last.api_key == "g-test"


async def test_gemini_stream(up: FakeUpstream, gem: genai.Client):
    stream = await gem.aio.models.generate_content_stream(model="g", contents="hi")
    chunks = [c async for c in stream]
    assert "".join(c.text or "" for c in chunks) == "Hello from fake-gemini."
    assert up.last.query["alt"] == "sse"
    last = chunks[-1]
    assert last.candidates and last.candidates[0].finish_reason == gtypes.FinishReason.STOP
    assert last.usage_metadata and last.usage_metadata.candidates_token_count == 3


async def test_gemini_function_calls_and_thoughts(gem: genai.Client):
    decl = gtypes.FunctionDeclaration(name="get_weather", parameters_json_schema=WEATHER)
    config = gtypes.GenerateContentConfig(
        tools=[gtypes.Tool(function_declarations=[decl])],
        automatic_function_calling=gtypes.AutomaticFunctionCallingConfig(disable=True),
        thinking_config=gtypes.ThinkingConfig(include_thoughts=True),
    )
    resp = await gem.aio.models.generate_content(model="g", contents="weather?", config=config)
    assert resp.function_calls and resp.function_calls[0].args == {"city": "test", "days": 1}
    parts = resp.candidates[0].content.parts  # type: ignore[index,union-attr]
    assert parts and parts[0].thought
    assert resp.usage_metadata and resp.usage_metadata.thoughts_token_count == 6


async def test_gemini_embed_count_models(up: FakeUpstream, gem: genai.Client):
    emb = await gem.aio.models.embed_content(model="text-embedding-004", contents=["a", "b"])
    assert emb.embeddings and [e.values for e in emb.embeddings] == [
        embedding_vector(0, 8),
        embedding_vector(1, 8),
    ]
    count = await gem.aio.models.count_tokens(model="g", contents="one two")
    assert count.total_tokens == 5
    names = [m.name async for m in await gem.aio.models.list()]
    assert "models/gemini-2.5-flash" in names


async def test_gemini_errors(gem: genai.Client):
    with pytest.raises(genai_errors.ClientError) as err:
        await gem.aio.models.generate_content(model="g-fail-429", contents="hi")
    assert err.value.code == 429 and err.value.status == "RESOURCE_EXHAUSTED"
    stream = await gem.aio.models.generate_content_stream(
        model="g-long-midstream-error", contents="x"
    )
    with pytest.raises(genai_errors.ServerError):
        _ = [c async for c in stream]


# ---------------------------------------------------------------- markers and programming


async def test_fail_markers_openai(up: FakeUpstream, oai: openai.AsyncOpenAI):
    with pytest.raises(openai.RateLimitError) as err:
        await oai.chat.completions.create(model="gpt-fail-429", messages=USER)
    assert err.value.response.headers["retry-after"] == "1"
    with pytest.raises(openai.AuthenticationError) as auth:
        await oai.chat.completions.create(model="gpt-fail-401", messages=USER)
    assert auth.value.code == "invalid_api_key"
    with pytest.raises(openai.InternalServerError):
        await oai.chat.completions.create(model="fail-500", messages=USER)
    assert len(up.requests) == 3 and up.last_usage is None


async def test_slow_and_first_delays(oai: openai.AsyncOpenAI):
    t0 = time.monotonic()
    stream = await oai.chat.completions.create(
        model="m-first-150-slow-40", messages=USER, stream=True
    )
    t_headers = time.monotonic() - t0
    stamps = [time.monotonic() async for _ in stream]
    assert t_headers >= 0.15
    assert stamps[-1] - stamps[0] >= 0.04 * 3  # 5 chunks = 4 gaps of 40 ms; leave slack


async def test_midstream_error_and_cut(up: FakeUpstream, oai: openai.AsyncOpenAI):
    stream = await oai.chat.completions.create(
        model="m-long-midstream-error", messages=USER, stream=True
    )
    with pytest.raises(openai.APIError, match="had an error"):
        _ = [c async for c in stream]
    assert not up.last.completed
    stream = await oai.chat.completions.create(model="m-long-cut", messages=USER, stream=True)
    with pytest.raises(openai.APIConnectionError):
        _ = [c async for c in stream]
    assert up.last.cut and not up.last.aborted and up.aborted == 0


async def test_responses_midstream_error_continues_the_numbering(oai: openai.AsyncOpenAI):
    stream = await oai.responses.create(model="m-midstream-error", input="hi", stream=True)
    events = [e async for e in stream]
    assert events[-1].type == "error" and events[-1].code == "server_error"
    assert [e.sequence_number for e in events] == list(range(len(events)))


async def test_eof_ends_without_done(up: FakeUpstream, oai: openai.AsyncOpenAI):
    stream = await oai.chat.completions.create(model="m-eof", messages=USER, stream=True)
    chunks = [c async for c in stream]
    assert len(chunks) == 4 and all(c.choices[0].finish_reason is None for c in chunks)
    assert not up.last.completed


async def test_hang_and_client_timeout_records_abort(up: FakeUpstream, oai: openai.AsyncOpenAI):
    with pytest.raises(openai.APITimeoutError):
        await oai.chat.completions.create(model="hang", messages=USER, timeout=0.2)
    await up.wait_aborted(1)
    assert up.last.aborted and not up.last.completed


async def test_client_closing_stream_records_abort(up: FakeUpstream, oai: openai.AsyncOpenAI):
    stream = await oai.chat.completions.create(model="m-long-slow-20", messages=USER, stream=True)
    async for _ in stream:
        break
    await stream.close()
    await up.wait_aborted(1)


async def test_queue_and_no_usage(up: FakeUpstream, oai: openai.AsyncOpenAI):
    up.queue(status=503, json={"error": {"message": "busy", "type": "server_error"}}, times=2)
    for _ in range(2):
        with pytest.raises(openai.InternalServerError, match="busy"):
            await oai.chat.completions.create(model="m", messages=USER)
    resp = await oai.chat.completions.create(model="m-no-usage", messages=USER)
    assert resp.usage is None and up.last_usage is None


async def test_max_tokens_truncates(oai: openai.AsyncOpenAI):
    resp = await oai.chat.completions.create(model="m-long", messages=USER, max_tokens=5)
    assert resp.choices[0].finish_reason == "length" and resp.usage
    assert resp.usage.completion_tokens == 5 == len((resp.choices[0].message.content or "").split())


# ---------------------------------------------------------------- raw wire details


async def raw(up: FakeUpstream, path: str, body: dict, **headers: str) -> tuple[int, bytes]:
    async with (
        aiohttp.ClientSession() as s,
        s.post(up.base_url + path, json=body, headers=headers) as resp,
    ):
        return resp.status, await resp.read()


async def test_raw_anthropic_sse_has_event_lines_and_ping(up: FakeUpstream):
    body = {"model": "m", "max_tokens": 10, "messages": USER, "stream": True}
    _, data = await raw(up, "/v1/messages", body, **{"anthropic-version": "2023-06-01"})
    events = [block.split("\n")[0] for block in data.decode().split("\n\n") if block]
    assert events[:3] == ["event: message_start", "event: content_block_start", "event: ping"]
    assert events[-2:] == ["event: message_delta", "event: message_stop"]
    delta = json.loads(data.decode().split("\n\n")[-3].split("data: ")[1])
    assert delta["usage"] == {"output_tokens": 3}


async def test_raw_gemini_v1beta_key_query_and_crlf_sse(up: FakeUpstream):
    body = {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}
    path = "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse&key=qk-1"
    _, data = await raw(up, path, body)
    frames = [f for f in data.decode().split("\r\n\r\n") if f]
    chunks = [json.loads(f.removeprefix("data: ")) for f in frames]
    assert len(chunks) == 3 and b"[DONE]" not in data and up.last.api_key == "qk-1"
    assert [c["usageMetadata"]["candidatesTokenCount"] for c in chunks] == [1, 2, 3]
    assert "finishReason" not in chunks[0]["candidates"][0]
    assert chunks[-1]["candidates"][0]["finishReason"] == "STOP"
    _, array = await raw(up, path.replace("alt=sse&", ""), body)
    assert len(json.loads(array)) == 3


async def test_blocked_marker(up: FakeUpstream, oai: openai.AsyncOpenAI):
    resp = await oai.chat.completions.create(model="m-blocked", messages=USER)
    assert resp.choices[0].finish_reason == "content_filter"
    assert resp.choices[0].message.content is None
    _, data = await raw(up, "/v1beta/models/g-blocked:generateContent", {"contents": []})
    assert json.loads(data)["promptFeedback"] == {"blockReason": "SAFETY"}


async def test_openai_cached_usage_override(up: FakeUpstream, oai: openai.AsyncOpenAI):
    up.usage_override = {"cached_tokens": 4, "reasoning_tokens": 1}
    resp = await oai.chat.completions.create(model="m", messages=USER)
    assert resp.usage and resp.usage.prompt_tokens_details
    assert resp.usage.prompt_tokens_details.cached_tokens == 4
    assert up.last_usage == Usage(9, 3, cached_tokens=4, reasoning_tokens=1)
