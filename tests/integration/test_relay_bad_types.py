"""Wrongly typed fields in a relay request never reach a 5xx. The top-level fields the gateway
itself reads (model, stream, stream_options, token limits, n, the prompt) answer 400 in the
caller's own error shape, before any upstream is called."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.support.gateway import RelayEnv

GPT, CLAUDE, GEMINI = "gpt-4o-mini", "claude-sonnet-4-5", "gemini-2.5-flash"
USER = [{"role": "user", "content": "hi"}]
CONTENTS = [{"role": "user", "parts": [{"text": "hi"}]}]
BAD = ["true", 1, 1.5, [], {"a": 1}, True]

# endpoint -> (path with {model}, base body, caller's error shape, fields the gateway reads)
ENDPOINTS: dict[str, tuple[str, dict[str, Any], str, set[str]]] = {
    "chat": (
        "/v1/chat/completions",
        {"messages": USER},
        "openai",
        {"model", "stream", "stream_options", "stream_options.include_usage", "max_tokens",
         "max_completion_tokens", "n", "messages", "tools"},
    ),
    "completions": (
        "/v1/completions",
        {"prompt": "hi"},
        "openai",
        {"model", "stream", "stream_options", "stream_options.include_usage", "max_tokens", "n",
         "prompt"},
    ),
    "embeddings": ("/v1/embeddings", {"input": "hi"}, "openai", {"model", "input"}),
    "moderations": ("/v1/moderations", {"input": "hi"}, "openai", {"input"}),
    "responses": (
        "/v1/responses",
        {"input": "hi"},
        "openai",
        {"model", "stream", "max_output_tokens", "input", "tools"},
    ),
    "messages": (
        "/v1/messages",
        {"max_tokens": 16, "messages": USER},
        "anthropic",
        {"model", "stream", "max_tokens", "messages", "tools"},
    ),
    "gemini": ("/v1beta/models/{model}:generateContent", {"contents": CONTENTS}, "gemini",
               {"contents", "generationConfig", "tools"}),
    "gemini_stream": ("/v1beta/models/{model}:streamGenerateContent?alt=sse",
                      {"contents": CONTENTS}, "gemini", {"contents", "generationConfig", "tools"}),
}  # fmt: skip
# field -> the JSON types it may have (a value of any other type is a wrong type)
FIELDS: dict[str, tuple[type, ...]] = {
    "model": (str,),
    "stream": (bool,),
    "stream_options": (dict,),
    "stream_options.include_usage": (bool,),
    "max_tokens": (int,),
    "max_completion_tokens": (int,),
    "max_output_tokens": (int,),
    "n": (int,),
    "messages": (list,),
    "input": (str, list),
    "prompt": (str, list),
    "contents": (list,),
    "system": (str, list),
    "tools": (list,),
    "generationConfig": (dict,),
    "generationConfig.maxOutputTokens": (int,),
    "instructions": (str,),
    # read by converters only: any value may go upstream, none may crash the gateway
    **dict.fromkeys(
        ["user", "tool_choice", "thinking", "reasoning", "reasoning_effort", "response_format",
         "stop", "stop_sequences", "metadata", "previous_response_id", "parallel_tool_calls",
         "temperature", "top_p", "top_k", "seed", "text", "store", "systemInstruction",
         "system_instruction", "safetySettings", "generation_config", "output_config"],
        (),
    ),
}  # fmt: skip
# Values of the right type for the checked fields, so the check is not satisfied by accident.
GOOD: dict[str, list[Any]] = {
    "stream": [True, False, None],
    "stream_options.include_usage": [True, False],
    "max_tokens": [16, 16.0, None],
    "n": [1],
    "input": ["hi", [{"role": "user", "content": "hi"}]],
    "prompt": ["hi", ["hi"]],
    "contents": [CONTENTS],
}


def _wrong(field: str) -> list[Any]:
    allowed = FIELDS[field]
    if not allowed:
        return ["x", 1, [1], {"a": 1}]
    return [
        v
        for v in BAD
        if not isinstance(v, allowed) or (isinstance(v, bool) and bool not in allowed)
    ]


def _set(body: dict[str, Any], field: str, value: Any) -> dict[str, Any]:
    body = copy.deepcopy(body)
    head, _, tail = field.partition(".")
    if tail:
        body[head] = {tail: value}
    else:
        body[head] = value
    return body


def _shape_ok(shape: str, body: Any) -> bool:
    if shape == "anthropic":
        return body.get("type") == "error" and body["error"]["type"] == "invalid_request_error"
    if shape == "gemini":
        return body["error"]["code"] == 400 and body["error"]["status"] == "INVALID_ARGUMENT"
    return isinstance(body["error"]["message"], str) and "type" in body["error"]


def _upstream_refused(status: int, reply: Any) -> bool:
    return status == 500 and "bad response status code 500" in str(reply)


@pytest.fixture
async def env(relay_env: RelayEnv) -> RelayEnv:
    up, gw = relay_env.up, relay_env.gw
    await gw.add_channel(up.base_url, type=14, models=CLAUDE, key="sk-ant-up", name="claude")
    await gw.add_channel(up.base_url, type=24, models=GEMINI, key="goog-up", name="gemini")
    return relay_env


async def _post(env: RelayEnv, endpoint: str, model: str, body: dict[str, Any]):
    path, _, _, _ = ENDPOINTS[endpoint]
    if "{model}" in path:
        path = path.replace("{model}", model)
    elif "model" not in body:
        body = {"model": model, **body}
    return await env.post(path, body)


@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
@pytest.mark.parametrize("model", [GPT, CLAUDE, GEMINI])
async def test_wrong_types_never_reach_a_5xx(env: RelayEnv, endpoint: str, model: str):
    _, base, shape, checked = ENDPOINTS[endpoint]
    if endpoint in ("embeddings", "moderations") and model != GPT:
        pytest.skip("only OpenAI-compatible channels embed and moderate")
    for field in FIELDS:
        for value in _wrong(field):
            body = _set(base, field, value)
            calls = len(env.up.requests)
            status, reply, _ = await _post(env, endpoint, model, body)
            if field not in checked and _upstream_refused(status, reply):
                continue  # passed through as is: the fake upstream says 500 where a real one
                # says 400, and that is relayed; the gateway itself did not fail
            assert status < 500, (endpoint, model, field, value, status, reply)
            if field in checked:
                assert status == 400, (endpoint, model, field, value, status, reply)
                assert _shape_ok(shape, reply), (endpoint, field, reply)
                assert len(env.up.requests) == calls, "refused before any upstream call"


@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
async def test_right_types_still_pass(env: RelayEnv, endpoint: str):
    _, base, _, checked = ENDPOINTS[endpoint]
    for field, values in GOOD.items():
        if field not in checked:
            continue
        for value in values:
            if endpoint == "embeddings" and field == "input" and isinstance(value, list):
                value = ["hi"]
            status, reply, _ = await _post(env, endpoint, GPT, _set(base, field, value))
            assert status == 200, (endpoint, field, value, reply)
