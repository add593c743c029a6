"""OpenAI chat ↔ Gemini generateContent, both directions: golden fixtures plus focused checks.

A case is one file in tests/fixtures/convert/{chat_to_gemini,gemini_to_chat}/<kind>/<case>.json
holding {"input": <path under tests/fixtures>, "ctx": {ConvertContext overrides}, "expected": …}
(streams also pin "usage", the converter's Usage after finish()). Adding a case = adding a
fixture and a golden; UPDATE_GOLDEN=1 rewrites "expected"/"usage" — review the diff.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import os
from pathlib import Path
from typing import Any

import pytest

from clawrouter.http.sse import DONE, SSEDecoder
from clawrouter.relay.convert import chat_to_gemini, gemini_schema, gemini_to_chat
from clawrouter.relay.convert.base import ConvertContext
from clawrouter.relay.convert.gemini_parts import THOUGHT_SIGNATURE_SKIP

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
GOLDEN = FIXTURES / "convert"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
MODULES = {"chat_to_gemini": chat_to_gemini, "gemini_to_chat": gemini_to_chat}
BASE_CTX: dict[str, dict[str, Any]] = {
    "chat_to_gemini": {"model": "gemini-2.5-flash", "id": "chatcmpl-g1"},
    "gemini_to_chat": {"model": "gpt-4o-mini", "client_model": "gemini-2.5-flash", "id": "g2c1"},
}
COMMON_CTX = {"created": 1767225600, "prompt_tokens_estimate": 42}

Json = dict[str, Any]


def _cases(kind: str, directions: tuple[str, ...] = tuple(MODULES)) -> list[Any]:
    return [
        pytest.param(direction, path, id=f"{direction}/{path.stem}")
        for direction in directions
        for path in sorted((GOLDEN / direction / kind).glob("*.json"))
    ]


def _ctx(direction: str, overrides: Json | None = None, stream: bool = False) -> ConvertContext:
    fields = {**COMMON_CTX, **BASE_CTX[direction], "stream": stream, **(overrides or {})}
    return ConvertContext(**fields)


def _load(path: Path) -> Any:
    return json.loads(path.read_text())


def replay(path: Path, stream: Any) -> list[Json]:
    """Decode a recorded .sse file, feed every JSON event, then finish()."""
    decoder = SSEDecoder()
    out: list[Json] = []
    for event in decoder.feed(path.read_bytes()) + decoder.finish():
        if event.data != DONE:
            out += stream.feed(event.json())
    return out + stream.finish()


def _check(path: Path, case: Json, actual: Json) -> None:
    if UPDATE:
        case.update(actual)
        path.write_text(json.dumps(case, indent=2, ensure_ascii=False) + "\n")
    for key, value in actual.items():
        assert value == case.get(key), f"{path.name}: {key} differs from the golden"


def _run(direction: str, kind: str, case: Json) -> Json:
    module = MODULES[direction]
    if kind == "stream":
        stream = module.Stream(_ctx(direction, case.get("ctx"), stream=True))
        events = replay(FIXTURES / case["input"], stream)
        usage = dataclasses.asdict(stream.usage) if stream.usage else None
        return {"expected": events, "usage": usage}
    body = _load(FIXTURES / case["input"])
    before = copy.deepcopy(body)
    out = getattr(module, kind)(body, _ctx(direction, case.get("ctx")))
    assert body == before, "converters must not mutate their input"
    return {"expected": out}


# --- golden tables ---------------------------------------------------------------------------


@pytest.mark.parametrize(("direction", "path"), _cases("request"))
def test_request(direction: str, path: Path) -> None:
    case = _load(path)
    _check(path, case, _run(direction, "request", case))


@pytest.mark.parametrize(("direction", "path"), _cases("response"))
def test_response(direction: str, path: Path) -> None:
    case = _load(path)
    _check(path, case, _run(direction, "response", case))


@pytest.mark.parametrize(("direction", "path"), _cases("stream"))
def test_stream(direction: str, path: Path) -> None:
    case = _load(path)
    _check(path, case, _run(direction, "stream", case))


def test_every_golden_input_exists() -> None:
    for kind in ("request", "response", "stream"):
        for param in _cases(kind):
            assert (FIXTURES / _load(param.values[1])["input"]).is_file(), param.id


# --- what we send is what the SDKs accept ----------------------------------------------------


@pytest.mark.parametrize(("direction", "path"), _cases("request", ("chat_to_gemini",)))
def test_gemini_requests_match_the_sdk_schema(direction: str, path: Path) -> None:
    types = pytest.importorskip("google.genai.types")
    out = _load(path)["expected"]
    for content in out["contents"]:
        types.Content.model_validate(content)
    if "systemInstruction" in out:
        types.Content.model_validate(out["systemInstruction"])
    for tool in out.get("tools", []):
        types.Tool.model_validate(tool)
    types.ToolConfig.model_validate(out.get("toolConfig", {}))
    types.GenerationConfig.model_validate(out.get("generationConfig", {}))
    for setting in out.get("safetySettings", []):
        types.SafetySetting.model_validate(setting)


@pytest.mark.parametrize(
    ("direction", "path"),
    _cases("response", ("gemini_to_chat",)) + _cases("stream", ("gemini_to_chat",)),
)
def test_gemini_responses_match_the_sdk_schema(direction: str, path: Path) -> None:
    types = pytest.importorskip("google.genai.types")
    expected = _load(path)["expected"]
    for chunk in expected if isinstance(expected, list) else [expected]:
        types.GenerateContentResponse.model_validate(chunk)


@pytest.mark.parametrize(
    ("direction", "path"),
    _cases("response", ("chat_to_gemini",)) + _cases("stream", ("chat_to_gemini",)),
)
def test_chat_responses_match_the_sdk_schema(direction: str, path: Path) -> None:
    chat = pytest.importorskip("openai.types.chat")
    expected = _load(path)["expected"]
    if isinstance(expected, list):
        for chunk in expected:
            chat.ChatCompletionChunk.model_validate(chunk)
    else:
        chat.ChatCompletion.model_validate(expected)


# --- chat client, Gemini upstream --------------------------------------------------------------


def _golden(direction: str, kind: str, name: str) -> Any:
    return _load(GOLDEN / direction / kind / f"{name}.json")["expected"]


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


# --- malformed input never raises ------------------------------------------------------------

JUNK: list[tuple[str, str, Json]] = [
    (
        "chat_to_gemini",
        "request",
        {"messages": ["hi", None, {"role": "user", "content": [None, "x"]}]},
    ),
    (
        "chat_to_gemini",
        "request",
        {"messages": [{"role": "assistant", "tool_calls": [None, {"function": None}]}]},
    ),
    (
        "chat_to_gemini",
        "request",
        {
            "tools": [
                None,
                {
                    "function": {
                        "name": "f",
                        "parameters": {"$ref": "#/$defs/S", "$defs": {"S": {"$ref": "#/$defs/S"}}},
                    }
                },
            ]
        },
    ),
    (
        "chat_to_gemini",
        "request",
        {
            "stop": None,
            "n": "2",
            "response_format": "json",
            "reasoning_effort": {},
            "extra_body": "x",
        },
    ),
    (
        "chat_to_gemini",
        "response",
        {
            "candidates": [
                None,
                {"content": None},
                {"content": {"parts": [None, {"functionCall": None}]}},
            ]
        },
    ),
    (
        "chat_to_gemini",
        "stream",
        {"candidates": [None, {"content": {"parts": [None]}}], "promptFeedback": None},
    ),
    (
        "gemini_to_chat",
        "request",
        {
            "contents": [
                "x",
                {"role": "model", "parts": [{"functionCall": None}]},
                {"parts": [{"functionResponse": {}}]},
            ]
        },
    ),
    (
        "gemini_to_chat",
        "request",
        {
            "tools": [{"functionDeclarations": [None, {"name": "x", "parameters": "bad"}]}],
            "toolConfig": {"functionCallingConfig": {"mode": None}},
        },
    ),
    (
        "gemini_to_chat",
        "request",
        {
            "generationConfig": {
                "stopSequences": "x",
                "thinkingConfig": "x",
                "responseMimeType": "application/json",
            }
        },
    ),
    (
        "gemini_to_chat",
        "response",
        {
            "choices": [
                None,
                {"message": None},
                {"message": {"content": [None], "tool_calls": [None]}},
            ],
            "usage": "x",
        },
    ),
    (
        "gemini_to_chat",
        "stream",
        {
            "choices": [
                {"delta": None},
                {"delta": {"tool_calls": [None, {"index": "0"}, {"function": None}]}},
            ]
        },
    ),
]


@pytest.mark.parametrize(("direction", "kind", "body"), JUNK)
def test_malformed_input_does_not_raise(direction: str, kind: str, body: Json) -> None:
    module = MODULES[direction]
    if kind == "stream":
        stream = module.Stream(_ctx(direction))
        stream.feed(body)
        assert stream.finish()
    else:
        assert isinstance(getattr(module, kind)(body, _ctx(direction)), dict)


def test_system_only_prompt_becomes_the_user_turn() -> None:
    body = {"messages": [{"role": "system", "content": "Say hi."}]}
    out = chat_to_gemini.request(body, _ctx("chat_to_gemini"))
    assert out == {"contents": [{"role": "user", "parts": [{"text": "Say hi."}]}]}
