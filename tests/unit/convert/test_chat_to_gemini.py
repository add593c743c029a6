"""Chat client, Gemini upstream: focused checks on chat_to_gemini beyond its goldens."""

from __future__ import annotations

from typing import Any

import pytest

from clawrouter.relay.convert import chat_to_gemini, gemini_schema
from clawrouter.relay.convert.gemini_parts import THOUGHT_SIGNATURE_SKIP
from tests.support.golden import FIXTURES, GEMINI, Json, replay
from tests.support.golden import load as _load

_ctx, _golden = GEMINI.ctx, GEMINI.expected


# --- chat client, Gemini upstream --------------------------------------------------------------


def _walk(node: Any) -> list[Json]:
    if isinstance(node, list):
        return [d for item in node for d in _walk(item)]
    if not isinstance(node, dict):
        return []
    return [node, *(d for value in node.values() for d in _walk(value))]


def test_tool_schemas_lose_every_key_gemini_rejects() -> None:
    out = _golden("chat_to_gemini", "request", "tools")
    decls = out["tools"][0]["functionDeclarations"]
    assert [d["name"] for d in decls] == ["get_weather", "search_docs"]  # custom tool dropped
    rejected = {"$schema", "$ref", "$defs", "additionalProperties", "strict", "const", "oneOf"}
    rejected |= {"exclusiveMaximum", "uniqueItems"}
    for node in _walk([d["parameters"] for d in decls]):
        props = node.get("properties")
        keys = set(node) - ({"properties"} if isinstance(props, dict) else set())
        assert not keys & rejected, keys & rejected
    search = decls[1]["parameters"]["properties"]
    assert search["limit"] == {"type": "INTEGER", "nullable": True, "minimum": 1, "default": 10}
    flt = search["filter"]
    assert flt["nullable"] is True and flt["description"] == "Optional filter."
    assert flt["properties"]["section"] == {"type": "STRING", "enum": ["api"]}
    assert flt["properties"]["since"]["format"] == "date-time"
    assert "format" not in flt["properties"]["source"]  # "uri" is not a Gemini format
    assert flt["required"] == ["section"]  # names without a property are dropped
    assert [b.get("enum") for b in search["mode"]["anyOf"]] == [["fast", "exact"], None]


def test_parameterless_function_omits_parameters() -> None:
    decls = _golden("chat_to_gemini", "request", "tool_choice")["tools"][0]["functionDeclarations"]
    assert decls[1] == {"name": "get_time", "description": "Current local time."}
    assert gemini_schema.to_gemini_parameters({"type": "object"}) is None


@pytest.mark.parametrize(
    ("choice", "config"),
    [
        ("auto", {"mode": "AUTO"}),
        ("none", {"mode": "NONE"}),
        ("required", {"mode": "ANY"}),
        (
            {"type": "function", "function": {"name": "f"}},
            {"mode": "ANY", "allowedFunctionNames": ["f"]},
        ),
        (
            {
                "type": "allowed_tools",
                "allowed_tools": {
                    "mode": "required",
                    "tools": [{"type": "function", "function": {"name": "g"}}],
                },
            },
            {"mode": "ANY", "allowedFunctionNames": ["g"]},
        ),
        (None, None),
    ],
)
def test_tool_choice_maps_to_function_calling_mode(choice: Any, config: Json | None) -> None:
    body = {
        "messages": [{"role": "user", "content": "hi"}],
        "tools": [{"type": "function", "function": {"name": "f"}}],
    }
    if choice is not None:
        body["tool_choice"] = choice
    out = chat_to_gemini.request(body, _ctx("chat_to_gemini"))
    assert out.get("toolConfig") == ({"functionCallingConfig": config} if config else None)


def test_tool_choice_without_tools_is_dropped() -> None:
    body = {"messages": [{"role": "user", "content": "hi"}], "tool_choice": "required"}
    assert "toolConfig" not in chat_to_gemini.request(body, _ctx("chat_to_gemini"))


@pytest.mark.parametrize(
    ("effort", "config"),
    [
        ("none", {"thinkingBudget": 0, "includeThoughts": False}),
        ("minimal", {"thinkingBudget": 512, "includeThoughts": True}),
        ("low", {"thinkingBudget": 1024, "includeThoughts": True}),
        ("medium", {"thinkingBudget": 8192, "includeThoughts": True}),
        ("high", {"thinkingBudget": 24576, "includeThoughts": True}),
        ("bogus", None),
    ],
)
def test_reasoning_effort_picks_a_thinking_budget(effort: str, config: Json | None) -> None:
    body = {"messages": [{"role": "user", "content": "hi"}], "reasoning_effort": effort}
    out = chat_to_gemini.request(body, _ctx("chat_to_gemini"))
    assert out.get("generationConfig", {}).get("thinkingConfig") == config


def test_google_thinking_config_in_extra_body_wins() -> None:
    google = {"thinking_config": {"thinking_budget": 300, "include_thoughts": True}}
    body = {"messages": [], "reasoning_effort": "high", "extra_body": {"google": google}}
    out = chat_to_gemini.request(body, _ctx("chat_to_gemini"))
    assert out["generationConfig"]["thinkingConfig"] == {
        "thinkingBudget": 300,
        "includeThoughts": True,
    }


def test_tool_results_get_the_name_of_their_call_and_merge_with_the_next_user_turn() -> None:
    contents = _golden("chat_to_gemini", "request", "tools")["contents"]
    assert [c["role"] for c in contents] == ["user", "model", "user"]
    calls, results = contents[1]["parts"], contents[2]["parts"]
    assert calls[0]["thoughtSignature"] == THOUGHT_SIGNATURE_SKIP  # none from the client
    assert "thoughtSignature" not in calls[1]  # only the first call of a step is signed
    assert results[0]["functionResponse"] == {
        "name": "get_weather",
        "response": {"temperature": 18, "condition": "cloudy"},  # JSON object: unwrapped
    }
    assert results[1]["functionResponse"]["response"] == {"content": "22°C and sunny"}
    assert results[2] == {"text": "Thanks! Now the docs search please."}


def test_client_thought_signature_goes_back_to_gemini() -> None:
    model_turn = _golden("chat_to_gemini", "request", "tool_choice")["contents"][1]
    assert model_turn["parts"][0] == {"text": "Let me check."}
    assert model_turn["parts"][1]["thoughtSignature"].startswith("CuMBAdHtim9")


def test_function_calls_get_stable_ids_and_carry_their_signature() -> None:
    message = _golden("chat_to_gemini", "response", "function_calls")["choices"][0]["message"]
    assert [c["id"] for c in message["tool_calls"]] == ["call_chatcmpl-g1_0", "call_chatcmpl-g1_1"]
    assert message["tool_calls"][0]["extra_content"]["google"]["thought_signature"]
    assert "extra_content" not in message["tool_calls"][1]
    chunks = _golden("chat_to_gemini", "stream", "function_calls")
    streamed = [
        c
        for ch in chunks
        for choice in ch["choices"]
        for c in choice["delta"].get("tool_calls", [])
    ]
    assert [c["id"] for c in streamed] == ["call_chatcmpl-g1_0", "call_chatcmpl-g1_1"]
    assert [c["index"] for c in streamed] == [0, 1]


def test_gemini_call_id_is_kept_when_present() -> None:
    body = {
        "candidates": [
            {
                "content": {
                    "role": "model",
                    "parts": [{"functionCall": {"id": "abc", "name": "f", "args": {}}}],
                }
            }
        ]
    }
    out = chat_to_gemini.response(body, _ctx("chat_to_gemini"))
    assert out["choices"][0]["message"]["tool_calls"][0]["id"] == "abc"
    assert out["choices"][0]["finish_reason"] == "tool_calls"


def test_signature_round_trip_from_response_to_next_request() -> None:
    response = _load(FIXTURES / "gemini/response_function_calls.json")
    message = chat_to_gemini.response(response, _ctx("chat_to_gemini"))["choices"][0]["message"]
    body = {"messages": [{"role": "user", "content": "weather?"}, message]}
    parts = chat_to_gemini.request(body, _ctx("chat_to_gemini"))["contents"][1]["parts"]
    assert parts == [
        {key: part[key] for key in ("functionCall", "thoughtSignature") if key in part}
        for part in response["candidates"][0]["content"]["parts"]
    ]


@pytest.mark.parametrize(
    ("reason", "calls", "expected"),
    [
        ("STOP", False, "stop"),
        ("STOP", True, "tool_calls"),
        ("MAX_TOKENS", True, "length"),
        ("SAFETY", False, "content_filter"),
        ("RECITATION", False, "content_filter"),
        ("BLOCKLIST", False, "content_filter"),
        ("PROHIBITED_CONTENT", False, "content_filter"),
        ("SPII", False, "content_filter"),
        ("OTHER", False, "stop"),
    ],
)
def test_finish_reasons(reason: str, calls: bool, expected: str) -> None:
    parts = [{"functionCall": {"name": "f", "args": {}}}] if calls else [{"text": "x"}]
    cand = {"content": {"role": "model", "parts": parts}, "finishReason": reason}
    out = chat_to_gemini.response({"candidates": [cand]}, _ctx("chat_to_gemini"))
    assert out["choices"][0]["finish_reason"] == expected


def test_usage_counts_tool_use_prompt_and_thoughts() -> None:
    usage = _golden("chat_to_gemini", "response", "tool_use_usage")["usage"]
    assert usage == {
        "prompt_tokens": 1030 + 98,
        "completion_tokens": 19 + 54,
        "total_tokens": 1201,
        "prompt_tokens_details": {"cached_tokens": 1024},
        "completion_tokens_details": {"reasoning_tokens": 54},
    }


def test_stream_usage_chunk_only_when_asked_and_finish_sent_once() -> None:
    for include in (True, False):
        stream = chat_to_gemini.Stream(_ctx("chat_to_gemini", {"include_usage": include}))
        events = replay(FIXTURES / "gemini/stream_text.sse", stream)
        finishes = [c for e in events for c in e["choices"] if c["finish_reason"]]
        assert [c["finish_reason"] for c in finishes] == ["stop"]
        assert ("usage" in events[-1]) is include
        assert events[0]["choices"][0]["delta"]["role"] == "assistant"
        assert stream.usage is not None and stream.usage.completion_tokens == 21


def test_stream_keeps_the_last_cumulative_usage() -> None:
    stream = chat_to_gemini.Stream(_ctx("chat_to_gemini"))
    replay(FIXTURES / "gemini/stream_thinking.sse", stream)
    assert stream.usage is not None
    assert (stream.usage.prompt_tokens, stream.usage.completion_tokens) == (2085, 9 + 316)
    assert stream.usage.cached_tokens == 2048 and stream.usage.reasoning_tokens == 316


def test_stream_without_usage_reports_none_and_estimates_the_chunk() -> None:
    stream = chat_to_gemini.Stream(_ctx("chat_to_gemini"))
    stream.feed({"candidates": [{"content": {"role": "model", "parts": [{"text": "hi"}]}}]})
    last = stream.finish()[-1]
    assert stream.usage is None
    assert last["usage"]["prompt_tokens"] == 42 and last["choices"] == []
