"""Cross-format relays end to end through the official SDKs: a client's format served by a
channel speaking another (OpenAI chat ↔ Anthropic Messages ↔ Gemini generateContent). Each
case checks what the client got, what the upstream received, and the quota to the token."""

from __future__ import annotations

import openai
import orjson
import pytest
from google.genai import types as gtypes

from tests.support.gateway import RelayEnv
from tests.support.native import (
    CLAUDE,
    GEMINI,
    GPT,
    OAI_TOOLS,
    SDK_WARNINGS,
    USER,
    WEATHER,
    WEATHER_ARGS,
    billed,
    claude_upstream,
    gemini_upstream,
    openai_upstream,
)

pytestmark = SDK_WARNINGS

CHAT = [{"role": "system", "content": "be brief"}, *USER]
CLAUDE_CACHE = {"prompt_tokens": 1000, "cached_tokens": 600, "cache_creation_5m": 150}
GEMINI_CACHE = {"prompt_tokens": 100, "cached_tokens": 40}
DECL = gtypes.FunctionDeclaration(name="get_weather", parameters_json_schema=WEATHER)
GEMINI_TOOLS = gtypes.GenerateContentConfig(
    tools=[gtypes.Tool(function_declarations=[DECL])],
    automatic_function_calling=gtypes.AutomaticFunctionCallingConfig(disable=True),
)
TEXT = {"openai": "Hello from fake-openai.", "anthropic": "Hello from fake-anthropic."}
TEXT["gemini"] = "Hello from fake-gemini."


@pytest.fixture
def oai(env: RelayEnv) -> openai.AsyncOpenAI:
    return env.openai()


async def conversion(env: RelayEnv, model: str, pair: list[str]) -> dict:
    log = await billed(env, model)
    assert orjson.loads(log["other"])["request_conversion"] == pair
    return log


async def chat_stream(oai: openai.AsyncOpenAI, model: str, **kw) -> tuple[str, str, list]:
    """(text, tool-call arguments, chunks) of a streamed chat completion."""
    chunks = [c async for c in await oai.chat.completions.create(model=model, stream=True, **kw)]
    deltas = [c.choices[0].delta for c in chunks if c.choices]
    text = "".join(d.content or "" for d in deltas)
    args = "".join(tc.function.arguments or "" for d in deltas for tc in d.tool_calls or [])
    return text, args, chunks


# ---------------------------------------------------------------- OpenAI SDK → Anthropic / Gemini


async def test_openai_chat_to_anthropic(env: RelayEnv, oai):
    env.up.usage_override = CLAUDE_CACHE
    r = await oai.chat.completions.create(model=CLAUDE, messages=CHAT)
    assert r.choices[0].message.content == TEXT["anthropic"]
    assert r.choices[0].finish_reason == "stop"
    assert r.usage.prompt_tokens == 1000 and r.usage.prompt_tokens_details.cached_tokens == 600
    body = claude_upstream(env, stream=False)
    assert body["system"] in ("be brief", [{"type": "text", "text": "be brief"}])
    assert len(body["messages"]) == 1 and body["max_tokens"] == 8192
    log = await conversion(env, CLAUDE, ["openai", "anthropic"])
    assert log["quota"] == 769  # (250 + 600×0.1 + 150×1.25 + 3×5) × 1.5 = 768.75
    text, _, chunks = await chat_stream(oai, CLAUDE, messages=CHAT)
    assert text == TEXT["anthropic"] and chunks[-1].usage.prompt_tokens == 1000
    claude_upstream(env, stream=True)
    log = await conversion(env, CLAUDE, ["openai", "anthropic"])
    assert orjson.loads(log["other"])["stream_status"] == {"status": "ok", "end_reason": "done"}


async def test_openai_chat_tools_to_anthropic(env: RelayEnv, oai):
    r = await oai.chat.completions.create(model=CLAUDE, messages=USER, tools=OAI_TOOLS)
    (call,) = r.choices[0].message.tool_calls
    assert call.function.name == "get_weather"
    assert orjson.loads(call.function.arguments) == WEATHER_ARGS
    assert r.choices[0].finish_reason == "tool_calls"
    body = claude_upstream(env, stream=False)
    assert body["tools"] == [
        {"name": "get_weather", "description": "Weather", "input_schema": WEATHER}
    ]
    await conversion(env, CLAUDE, ["openai", "anthropic"])
    _, args, _ = await chat_stream(oai, CLAUDE, messages=USER, tools=OAI_TOOLS)
    assert orjson.loads(args) == WEATHER_ARGS
    await conversion(env, CLAUDE, ["openai", "anthropic"])


async def test_openai_chat_to_gemini(env: RelayEnv, oai):
    env.up.usage_override = GEMINI_CACHE
    r = await oai.chat.completions.create(model=GEMINI, messages=CHAT)
    assert r.choices[0].message.content == TEXT["gemini"]
    assert r.usage.prompt_tokens == 100 and r.usage.prompt_tokens_details.cached_tokens == 40
    body = gemini_upstream(env, stream=False)
    assert body["systemInstruction"]["parts"] == [{"text": "be brief"}]
    assert body["contents"] == [{"role": "user", "parts": [{"text": USER[0]["content"]}]}]
    await conversion(env, GEMINI, ["openai", "gemini"])
    text, _, chunks = await chat_stream(oai, GEMINI, messages=CHAT)
    assert text == TEXT["gemini"] and chunks[-1].usage.prompt_tokens == 100
    gemini_upstream(env, stream=True)
    log = await conversion(env, GEMINI, ["openai", "gemini"])
    assert orjson.loads(log["other"])["stream_status"]["status"] == "ok"


async def test_openai_chat_tools_to_gemini(env: RelayEnv, oai):
    r = await oai.chat.completions.create(model=GEMINI, messages=USER, tools=OAI_TOOLS)
    (call,) = r.choices[0].message.tool_calls
    assert call.function.name == "get_weather"
    assert orjson.loads(call.function.arguments) == WEATHER_ARGS
    body = gemini_upstream(env, stream=False)
    assert body["tools"][0]["functionDeclarations"][0]["name"] == "get_weather"
    await conversion(env, GEMINI, ["openai", "gemini"])
    _, args, _ = await chat_stream(oai, GEMINI, messages=USER, tools=OAI_TOOLS)
    assert orjson.loads(args) == WEATHER_ARGS
    await conversion(env, GEMINI, ["openai", "gemini"])


# ---------------------------------------------------------------- Anthropic SDK → OpenAI / Gemini


@pytest.mark.parametrize(("model", "fmt"), [(GPT, "openai"), (GEMINI, "gemini")])
async def test_anthropic_messages_to_other_channels(env: RelayEnv, claude, model: str, fmt: str):
    msg = await claude.messages.create(
        model=model, max_tokens=300, system="be brief", messages=USER
    )
    assert msg.content[0].type == "text" and msg.content[0].text == TEXT[fmt]
    assert msg.stop_reason == "end_turn" and msg.model == model
    usage = env.up.last_usage
    assert msg.usage.input_tokens == usage.prompt_tokens
    assert msg.usage.output_tokens == usage.completion_tokens
    if fmt == "openai":
        body = openai_upstream(env, stream=False)
        assert body["messages"][0] == {"role": "system", "content": "be brief"}
        assert body["max_tokens"] == 300
    else:
        body = gemini_upstream(env, stream=False)
        assert body["generationConfig"]["maxOutputTokens"] == 300
    await conversion(env, model, ["anthropic", fmt])
    async with claude.messages.stream(model=model, max_tokens=300, messages=USER) as stream:
        kinds = [e.type async for e in stream]
        final = await stream.get_final_message()
    assert final.content[0].text == TEXT[fmt]
    assert kinds[0] == "message_start" and kinds[-1] == "message_stop"
    assert final.usage.output_tokens == env.up.last_usage.completion_tokens
    (openai_upstream if fmt == "openai" else gemini_upstream)(env, stream=True)
    await conversion(env, model, ["anthropic", fmt])


@pytest.mark.parametrize(("model", "fmt"), [(GPT, "openai"), (GEMINI, "gemini")])
async def test_anthropic_tools_to_other_channels(env: RelayEnv, claude, model: str, fmt: str):
    tools = [{"name": "get_weather", "description": "Weather", "input_schema": WEATHER}]
    msg = await claude.messages.create(model=model, max_tokens=300, messages=USER, tools=tools)
    tool = next(b for b in msg.content if b.type == "tool_use")
    assert (tool.name, tool.input, msg.stop_reason) == ("get_weather", WEATHER_ARGS, "tool_use")
    await conversion(env, model, ["anthropic", fmt])
    async with claude.messages.stream(
        model=model, max_tokens=300, messages=USER, tools=tools
    ) as stream:
        final = await stream.get_final_message()
    assert [b.input for b in final.content if b.type == "tool_use"] == [WEATHER_ARGS]
    await conversion(env, model, ["anthropic", fmt])


# ---------------------------------------------------------------- genai SDK → OpenAI / Anthropic


@pytest.mark.parametrize(("model", "fmt"), [(GPT, "openai"), (CLAUDE, "anthropic")])
async def test_genai_to_other_channels(env: RelayEnv, gem, model: str, fmt: str):
    config = gtypes.GenerateContentConfig(system_instruction="be brief", max_output_tokens=200)
    resp = await gem.aio.models.generate_content(model=model, contents="Say hi", config=config)
    assert resp.text == TEXT[fmt]
    assert resp.candidates[0].finish_reason == gtypes.FinishReason.STOP
    usage = env.up.last_usage
    assert resp.usage_metadata.prompt_token_count == usage.prompt_tokens
    assert resp.usage_metadata.candidates_token_count == usage.completion_tokens
    if fmt == "openai":
        body = openai_upstream(env, stream=False)
        assert body["messages"][0] == {"role": "system", "content": "be brief"}
        assert body["max_tokens"] == 200
    else:
        body = claude_upstream(env, stream=False)
        assert body["max_tokens"] == 200 and body["system"]
    await conversion(env, model, ["gemini", fmt])
    stream = await gem.aio.models.generate_content_stream(model=model, contents="Say hi")
    chunks = [c async for c in stream]
    assert "".join(c.text or "" for c in chunks) == TEXT[fmt]
    assert chunks[-1].usage_metadata.candidates_token_count == env.up.last_usage.completion_tokens
    (openai_upstream if fmt == "openai" else claude_upstream)(env, stream=True)
    await conversion(env, model, ["gemini", fmt])


@pytest.mark.parametrize(("model", "fmt"), [(GPT, "openai"), (CLAUDE, "anthropic")])
async def test_genai_function_calls_to_other_channels(env: RelayEnv, gem, model: str, fmt: str):
    resp = await gem.aio.models.generate_content(
        model=model, contents="weather?", config=GEMINI_TOOLS
    )
    assert [(c.name, c.args) for c in resp.function_calls] == [("get_weather", WEATHER_ARGS)]
    await conversion(env, model, ["gemini", fmt])
    stream = await gem.aio.models.generate_content_stream(
        model=model, contents="weather?", config=GEMINI_TOOLS
    )
    calls = [fc for c in [c async for c in stream] for fc in c.function_calls or []]
    assert [(c.name, c.args) for c in calls] == [("get_weather", WEATHER_ARGS)]
    await conversion(env, model, ["gemini", fmt])


# ---------------------------------------------------------------- upstream errors mid-stream


@pytest.mark.parametrize(
    ("type_", "model"), [(14, "claude-haiku-4-5"), (24, "gemini-2.5-pro")], ids=["claude", "gemini"]
)
async def test_midstream_error_reaches_a_chat_client(env: RelayEnv, oai, type_: int, model: str):
    await env.gw.add_channel(
        env.up.base_url, type=type_, models=model, key="k",
        model_mapping=orjson.dumps({model: f"{model}-midstream-error"}).decode(),
    )  # fmt: skip
    with pytest.raises(openai.APIError):
        await chat_stream(oai, model, messages=USER)
    assert not env.up.last.completed
    log = (await env.logs())[-1]
    other = orjson.loads(log["other"])
    assert other["stream_status"] == {"status": "error", "end_reason": "upstream_error"}
