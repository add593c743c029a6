"""Gemini client, chat upstream: focused checks on gemini_to_chat beyond its goldens."""

from __future__ import annotations

import json
from typing import Any

import pytest

from clawrouter.relay.convert import gemini_schema, gemini_to_chat
from tests.support.golden import FIXTURES, GEMINI, Json, replay

_ctx, _golden = GEMINI.ctx, GEMINI.expected


# --- Gemini client, chat upstream --------------------------------------------------------------


def test_history_calls_get_ids_and_responses_find_them() -> None:
    messages = _golden("gemini_to_chat", "request", "function_calling")["messages"]
    calls = messages[1]["tool_calls"]
    assert [c["id"] for c in calls] == ["call_g2c1_0", "call_g2c1_1"]
    assert [m["tool_call_id"] for m in messages[2:4]] == ["call_g2c1_0", "call_g2c1_1"]
    assert messages[2]["content"] == "18°C, cloudy"  # {"content": …} unwrapped
    assert json.loads(messages[3]["content"]) == {"temperature": 22, "condition": "sunny"}


def test_explicit_gemini_ids_pair_calls_and_responses() -> None:
    messages = _golden("gemini_to_chat", "request", "tool_modes")["messages"]
    assert messages[2]["tool_calls"][0]["id"] == "fc-7f3a"
    assert messages[3]["tool_call_id"] == "fc-7f3a"


@pytest.mark.parametrize(
    ("config", "choice", "names"),
    [
        ({"mode": "AUTO"}, "auto", ["a", "b"]),
        ({"mode": "NONE"}, "none", ["a", "b"]),
        ({"mode": "ANY"}, "required", ["a", "b"]),
        (
            {"mode": "ANY", "allowedFunctionNames": ["b"]},
            {"type": "function", "function": {"name": "b"}},
            ["a", "b"],
        ),
        ({"mode": "ANY", "allowedFunctionNames": ["a", "b"]}, "required", ["a", "b"]),
        ({"mode": "ANY", "allowed_function_names": ["a", "c"]}, "required", ["a"]),
    ],
)
def test_function_calling_mode_maps_to_tool_choice(
    config: Json, choice: Any, names: list[str]
) -> None:
    decls = [{"name": "a"}, {"name": "b"}]
    body = {
        "contents": [],
        "tools": [{"functionDeclarations": decls}],
        "toolConfig": {"functionCallingConfig": config},
    }
    out = gemini_to_chat.request(body, _ctx("gemini_to_chat"))
    assert out["tool_choice"] == choice
    assert [t["function"]["name"] for t in out["tools"]] == names


@pytest.mark.parametrize(
    ("thinking", "effort"),
    [
        ({"thinkingBudget": 0}, None),
        ({"thinkingBudget": -1}, None),
        ({"thinkingBudget": 1024}, "low"),
        ({"thinkingBudget": 8192}, "medium"),
        ({"thinking_budget": 24576}, "high"),
        ({"thinkingLevel": "HIGH"}, "high"),
    ],
)
def test_thinking_config_maps_to_reasoning_effort(thinking: Json, effort: str | None) -> None:
    body = {"contents": [], "generationConfig": {"thinkingConfig": thinking}}
    out = gemini_to_chat.request(body, _ctx("gemini_to_chat"))
    assert out.get("reasoning_effort") == effort


def test_request_streams_ask_for_usage() -> None:
    out = gemini_to_chat.request({"contents": []}, _ctx("gemini_to_chat", stream=True))
    assert out["stream"] is True and out["stream_options"] == {"include_usage": True}
    assert "stream" not in gemini_to_chat.request({"contents": []}, _ctx("gemini_to_chat"))


def test_stream_sends_calls_whole_with_finish_and_usage_last() -> None:
    chunks = _golden("gemini_to_chat", "stream", "tool_calls")
    last = chunks[-1]
    assert all("usageMetadata" not in c for c in chunks[:-1])
    assert last["candidates"][0]["finishReason"] == "STOP"
    assert [p["functionCall"]["args"] for p in last["candidates"][0]["content"]["parts"]] == [
        {"city": "Paris", "unit": "celsius"},
        {"city": "Tokyo", "unit": "celsius"},
    ]
    assert last["usageMetadata"] == {
        "promptTokenCount": 96,
        "candidatesTokenCount": 52,
        "totalTokenCount": 148,
    }


def test_stream_usage_from_a_separate_final_chunk() -> None:
    stream = gemini_to_chat.Stream(_ctx("gemini_to_chat"))
    events = replay(FIXTURES / "openai/for_gemini_stream_text.sse", stream)
    assert stream.usage is not None and stream.usage.cached_tokens == 1152
    assert events[-1]["usageMetadata"]["cachedContentTokenCount"] == 1152
    assert stream.finish() == []  # idempotent


def test_tool_fragments_without_index_are_assembled_by_id() -> None:
    stream = gemini_to_chat.Stream(_ctx("gemini_to_chat"))
    deltas = [
        {"id": "c1", "function": {"name": "f", "arguments": '{"a"'}},
        {"function": {"arguments": ": 1}"}},
        {"id": "c2", "function": {"name": "g", "arguments": "{}"}},
    ]
    for delta in deltas:
        stream.feed({"choices": [{"index": 0, "delta": {"tool_calls": [delta]}}]})
    parts = stream.finish()[0]["candidates"][0]["content"]["parts"]
    assert parts == [
        {"functionCall": {"id": "c1", "name": "f", "args": {"a": 1}}},
        {"functionCall": {"id": "c2", "name": "g", "args": {}}},
    ]


def test_schema_back_to_json_schema() -> None:
    schema = {
        "type": "OBJECT",
        "properties": {"x": {"type": "STRING", "nullable": True, "max_length": "3"}},
        "propertyOrdering": ["x"],
    }
    assert gemini_schema.from_gemini(schema) == {
        "type": "object",
        "properties": {"x": {"type": ["string", "null"], "maxLength": 3}},
    }
