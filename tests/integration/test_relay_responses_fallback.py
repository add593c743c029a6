"""Responses clients on OpenAI-compatible channels whose server has no /v1/responses (DeepSeek,
local servers): `auto` falls back to chat completions within the request and remembers it; the
channel's settings.responses_mode and new-api's global.responses_to_chat_completions_policy
choose explicitly. JSON, streams, tool round trips and billing through the fallback."""

from __future__ import annotations

import openai
import orjson
import pytest

from clawrouter.keys import OPTIONS, RELAY
from clawrouter.relay import responses_route
from tests.support.gateway import RelayEnv

TOOLS = [{
    "type": "function", "name": "get_weather", "description": "Weather of a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                   "required": ["city"]},
}]  # fmt: skip


def paths(env: RelayEnv) -> list[str]:
    return [r.path for r in env.up.requests]


async def set_settings(env: RelayEnv, **settings: str) -> None:
    c = await env.gw.login("root", "rootpass123")
    body = {"id": env.channel_id, "settings": orjson.dumps(settings).decode()}
    status, data = await c.json("PUT", "/api/channel/", json=body)
    assert status == 200 and data["success"], data


@pytest.fixture
def chat_only(relay_env: RelayEnv) -> RelayEnv:
    """relay_env's OpenAI channel (type 1), on a server that answers 404 on /v1/responses."""
    relay_env.up.missing = {"/responses": 404}
    return relay_env


@pytest.mark.parametrize("status", [404, 405])
async def test_auto_falls_back_within_the_request_and_remembers(chat_only: RelayEnv, status):
    chat_only.up.missing = {"/responses": status}
    client = chat_only.openai()
    r = await client.responses.create(model="gpt-4o", input="Say hello", instructions="Be kind")
    assert r.output_text == "Hello from fake-openai." and r.status == "completed"
    assert paths(chat_only) == ["/v1/responses", "/v1/chat/completions"]
    sent = chat_only.up.last.json
    assert sent["messages"][0] == {"role": "system", "content": "Be kind"}
    assert r.usage.output_tokens == chat_only.up.last_usage.completion_tokens
    ch = chat_only.gw.app[RELAY].channels[chat_only.channel_id]
    assert ch.responses_via_chat_until > 0
    chat_only.up.reset()
    chat_only.up.missing = {"/responses": status}
    again = await client.responses.create(model="gpt-4o", input="And again")
    assert again.output_text and paths(chat_only) == ["/v1/chat/completions"]
    first, second = await chat_only.logs()
    for log in (first, second):
        other = orjson.loads(log["other"])
        assert other["request_conversion"] == ["responses", "openai"]
        assert log["quota"] > 0 and log["completion_tokens"] > 0
    assert "through chat completions" in first["content"]


async def test_stream_through_the_fallback_is_billed(chat_only: RelayEnv):
    client = chat_only.openai()
    async with client.responses.stream(model="gpt-4o", input="Say hello") as stream:
        events = [e async for e in stream]
        final = await stream.get_final_response()
    deltas = [e.delta for e in events if e.type == "response.output_text.delta"]
    assert "".join(deltas) == "Hello from fake-openai."
    assert events[-1].type == "response.completed"
    assert paths(chat_only) == ["/v1/responses", "/v1/chat/completions"]
    assert chat_only.up.last.json["stream"] is True
    usage = chat_only.up.last_usage
    assert final.usage.input_tokens == usage.prompt_tokens
    assert final.usage.output_tokens == usage.completion_tokens
    (log,) = await chat_only.logs()
    assert log["is_stream"] == 1 and log["prompt_tokens"] == usage.prompt_tokens
    assert log["completion_tokens"] == usage.completion_tokens
    assert orjson.loads(log["other"])["stream_status"]["status"] == "ok"


@pytest.mark.parametrize("stream", [False, True])
async def test_tool_round_trip_through_the_fallback(chat_only: RelayEnv, stream: bool):
    """function_call out, function_call_output back in, as Codex does on every turn."""
    client = chat_only.openai()
    kw = {"model": "gpt-4o", "tools": TOOLS}
    first_input = [{"role": "user", "content": "Weather in Paris?"}]
    if stream:
        async with client.responses.stream(input=first_input, **kw) as s:
            r = await s.get_final_response()
    else:
        r = await client.responses.create(input=first_input, **kw)
    (call,) = [o for o in r.output if o.type == "function_call"]
    assert call.name == "get_weather" and orjson.loads(call.arguments) == {"city": "test"}
    followup = [
        *first_input,
        {"type": "function_call", "call_id": call.call_id, "name": call.name,
         "arguments": call.arguments},
        {"type": "function_call_output", "call_id": call.call_id, "output": "Sunny, 21 C"},
    ]  # fmt: skip
    if stream:
        async with client.responses.stream(input=followup, **kw) as s:
            final = await s.get_final_response()
    else:
        final = await client.responses.create(input=followup, **kw)
    assert final.output_text == "Hello from fake-openai."
    sent = chat_only.up.last.json["messages"]
    assert sent[1]["tool_calls"][0]["id"] == call.call_id
    assert sent[2] == {"role": "tool", "tool_call_id": call.call_id, "content": "Sunny, 21 C"}
    assert paths(chat_only).count("/v1/responses") == 1  # remembered after the first turn
    logs = await chat_only.logs()
    assert len(logs) == 2 and all(log["quota"] > 0 for log in logs)


async def test_a_missing_model_is_not_a_missing_endpoint(chat_only: RelayEnv):
    chat_only.up.missing = {}
    chat_only.up.queue(
        404,
        {"error": {"message": "The model `gpt-4o` does not exist or you do not have access to"
                   " it.", "type": "invalid_request_error", "code": "model_not_found"}},
        match="/responses",
    )  # fmt: skip
    with pytest.raises(openai.NotFoundError):
        await chat_only.openai().responses.create(model="gpt-4o", input="hi")
    assert paths(chat_only) == ["/v1/responses"]
    assert chat_only.gw.app[RELAY].channels[chat_only.channel_id].responses_via_chat_until == 0


async def test_nothing_is_remembered_when_chat_fails_too(chat_only: RelayEnv):
    chat_only.up.missing = {"/responses": 404, "/chat/completions": 404}
    with pytest.raises(openai.NotFoundError):
        await chat_only.openai().responses.create(model="gpt-4o", input="hi")
    assert paths(chat_only) == ["/v1/responses", "/v1/chat/completions"]
    assert chat_only.gw.app[RELAY].channels[chat_only.channel_id].responses_via_chat_until == 0


async def test_native_mode_never_falls_back(chat_only: RelayEnv):
    await set_settings(chat_only, responses_mode="native")
    with pytest.raises(openai.NotFoundError) as info:
        await chat_only.openai().responses.create(model="gpt-4o", input="hi")
    assert "Invalid URL" in str(info.value)
    assert paths(chat_only) == ["/v1/responses"]


async def test_chat_mode_goes_straight_to_chat(relay_env: RelayEnv):
    await set_settings(relay_env, responses_mode="chat")
    r = await relay_env.openai().responses.create(model="gpt-4o", input="hi")
    assert r.output_text and paths(relay_env) == ["/v1/chat/completions"]


async def test_what_auto_learnt_expires_and_is_forgotten_when_the_url_changes(
    chat_only: RelayEnv,
):
    client, state = chat_only.openai(), chat_only.gw.app[RELAY]
    await client.responses.create(model="gpt-4o", input="hi")
    ch = state.channels[chat_only.channel_id]
    learnt = ch.responses_via_chat_until
    assert learnt >= state.clock() + responses_route.REMEMBER_SECONDS - 5
    await state.reload_channels()  # a periodic resync keeps it
    assert state.channels[chat_only.channel_id].responses_via_chat_until == learnt
    chat_only.up.missing = {}  # the server learnt /v1/responses
    ch.responses_via_chat_until = state.clock() - 1  # the memory expired
    chat_only.up.reset()
    await client.responses.create(model="gpt-4o", input="hi")
    assert paths(chat_only) == ["/v1/responses"]
    ch.responses_via_chat_until = learnt
    await set_settings(chat_only, responses_mode="auto")  # an edit that keeps the URL
    assert state.channels[chat_only.channel_id].responses_via_chat_until == learnt
    c = await chat_only.gw.login("root", "rootpass123")
    body = {"id": chat_only.channel_id, "base_url": chat_only.up.base_url + "/v1"}
    status, data = await c.json("PUT", "/api/channel/", json=body)
    assert status == 200 and data["success"], data
    assert state.channels[chat_only.channel_id].responses_via_chat_until == 0


async def test_global_policy_forces_chat_for_matching_channels_and_models(chat_only: RelayEnv):
    opts = chat_only.gw.app[OPTIONS]
    policy = {"enabled": True, "all_channels": False, "channel_ids": [chat_only.channel_id],
              "model_patterns": ["^gpt-4o$"]}  # fmt: skip
    await opts.set(responses_route.POLICY_OPTION, orjson.dumps(policy).decode())
    client = chat_only.openai()
    await client.responses.create(model="gpt-4o", input="hi")
    assert paths(chat_only) == ["/v1/chat/completions"]
    chat_only.up.reset()
    chat_only.up.missing = {"/responses": 404}
    await client.responses.create(model="gpt-4o-mini", input="hi")  # pattern does not match
    assert paths(chat_only) == ["/v1/responses", "/v1/chat/completions"]


async def test_policy_and_setting_are_validated(root):
    bad_policies = [
        ("[]", "JSON object"),
        ('{"enabled": "yes"}', "enabled must be true or false"),
        ('{"enabled": true, "channel_ids": ["1"]}', "channel_ids"),
        ('{"enabled": true, "model_patterns": ["gpt-(4"]}', "not a valid regular expression"),
    ]
    for value, words in bad_policies:
        body = {"key": responses_route.POLICY_OPTION, "value": value}
        status, data = await root.json("PUT", "/api/option/", json=body)
        assert status == 200 and data["success"] is False and words in data["message"], data
    good = '{"enabled": true, "all_channels": true, "channel_ids": null, "model_patterns": ["."]}'
    body = {"key": responses_route.POLICY_OPTION, "value": good}
    status, data = await root.json("PUT", "/api/option/", json=body)
    assert data["success"] is True, data
    channel = {"type": 1, "name": "x", "key": "k", "models": "m", "group": "default",
               "settings": '{"responses_mode": "sometimes"}'}  # fmt: skip
    status, data = await root.json(
        "POST", "/api/channel/", json={"mode": "single", "channel": channel}
    )
    assert data["success"] is False and "responses_mode" in data["message"], data
