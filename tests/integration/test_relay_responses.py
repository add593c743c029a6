"""The OpenAI Responses API through ClawRouter: native on an OpenAI channel, converted on a
chat-completions-only channel (JSON, stream, function calls), previous_response_id there."""

from __future__ import annotations

import openai
import pytest

from clawrouter.relay.providers import channel_types as ct
from tests.support.gateway import RelayEnv

TOOLS = [{
    "type": "function", "name": "get_weather", "description": "Weather of a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                   "required": ["city"]},
}]  # fmt: skip


@pytest.fixture
async def chat_only(relay_env: RelayEnv) -> RelayEnv:
    """Route gpt-4o to a DeepSeek-type channel (chat completions only, no /v1/responses)."""
    await relay_env.gw.add_channel(
        relay_env.up.base_url, type=ct.DEEPSEEK, models="gpt-4o", priority=20
    )
    return relay_env


async def test_native_responses_on_an_openai_channel(relay_env: RelayEnv):
    client = relay_env.openai()
    r = await client.responses.create(model="gpt-4o", input="Say hello")
    assert r.output_text and relay_env.up.last.path == "/v1/responses"
    (log,) = await relay_env.logs()
    assert log["completion_tokens"] == relay_env.up.last_usage.completion_tokens


async def test_converted_responses_json_and_stream(chat_only: RelayEnv):
    client = chat_only.openai()
    r = await client.responses.create(model="gpt-4o", input="Say hello", instructions="Be kind")
    assert r.output_text == "Hello from fake-openai."
    sent = chat_only.up.last
    assert sent.path == "/chat/completions" or sent.path.endswith("/chat/completions")
    assert sent.json["messages"][0] == {"role": "system", "content": "Be kind"}
    async with client.responses.stream(model="gpt-4o", input="Say hello") as stream:
        deltas = [e.delta async for e in stream if e.type == "response.output_text.delta"]
        final = await stream.get_final_response()
    assert "".join(deltas) == "Hello from fake-openai." and final.usage.output_tokens > 0
    logs = await chat_only.logs()
    assert [log["completion_tokens"] > 0 for log in logs] == [True, True]


async def test_converted_function_calls(chat_only: RelayEnv):
    client = chat_only.openai()
    r = await client.responses.create(model="gpt-4o", input="Weather in Paris?", tools=TOOLS)
    (call,) = [o for o in r.output if o.type == "function_call"]
    assert call.name == "get_weather" and "city" in call.arguments
    assert chat_only.up.last.json["tools"][0]["function"]["name"] == "get_weather"


async def test_previous_response_id_on_a_converted_channel(chat_only: RelayEnv):
    client = chat_only.openai()
    first = await client.responses.create(model="gpt-4o", input="My name is Ada.")
    second = await client.responses.create(
        model="gpt-4o", input="What is my name?", previous_response_id=first.id
    )
    assert second.output_text
    sent = chat_only.up.last.json["messages"]
    assert [m["role"] for m in sent] == ["user", "assistant", "user"]
    assert sent[0]["content"] == "My name is Ada." and sent[2]["content"] == "What is my name?"
    async with client.responses.stream(
        model="gpt-4o", input="And again?", previous_response_id=second.id
    ) as stream:
        third = await stream.get_final_response()
    assert len(chat_only.up.last.json["messages"]) == 5
    with pytest.raises(openai.BadRequestError) as info:
        await client.responses.create(model="gpt-4o", input="x", previous_response_id="resp_nope")
    assert "not found" in str(info.value)
    other = await chat_only.gw.add_user("mallory", quota=10_000_000)
    key = await chat_only.gw.add_token(user_id=other)
    with pytest.raises(openai.BadRequestError):
        await chat_only.openai(key=key).responses.create(
            model="gpt-4o", input="x", previous_response_id=third.id
        )
    await chat_only.gw.restart()  # kept in the store too, not only in memory
    fourth = await chat_only.openai().responses.create(
        model="gpt-4o", input="Still there?", previous_response_id=third.id
    )
    assert fourth.output_text and len(chat_only.up.last.json["messages"]) == 7


@pytest.mark.parametrize("target", ["claude", "gemini"])
async def test_responses_client_on_anthropic_and_gemini_channels(relay_env: RelayEnv, target):
    """Responses -> chat -> Messages / Gemini (composite conversion), JSON, stream, tools."""
    from tests.support import native

    await native.add_native_channels(relay_env)
    model = native.CLAUDE if target == "claude" else native.GEMINI
    check = native.claude_upstream if target == "claude" else native.gemini_upstream
    client = relay_env.openai()
    r = await client.responses.create(model=model, input="What is the weather in Paris")
    assert r.output_text.startswith("Hello from fake-")
    if target == "claude":
        check(relay_env, stream=False, version="2023-06-01")
    else:
        check(relay_env, stream=False)
    await native.billed(relay_env, model)
    async with client.responses.stream(model=model, input="Hello there") as stream:
        final = await stream.get_final_response()
    assert final.output_text.startswith("Hello from fake-") and final.usage.output_tokens > 0
    await native.billed(relay_env, model)
    r = await client.responses.create(model=model, input="Weather in Paris?", tools=TOOLS)
    (call,) = [o for o in r.output if o.type == "function_call"]
    assert call.name == "get_weather"
