"""OpenAI chat ↔ Gemini generateContent, both directions: golden tables, SDK schemas, junk input.

Cases live in tests/fixtures/convert/{chat_to_gemini,gemini_to_chat}/<kind>/<case>.json (format
and UPDATE_GOLDEN=1 in tests/support/golden.py); focused checks are in test_chat_to_gemini.py and
test_gemini_to_chat.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from clawrouter.relay.convert import chat_to_gemini
from tests.support.golden import GEMINI, Json
from tests.support.golden import load as _load

MODULES = GEMINI.modules
_cases, _ctx = GEMINI.cases, GEMINI.ctx


# --- golden tables ---------------------------------------------------------------------------


@pytest.mark.parametrize(("direction", "path"), _cases("request"))
def test_request(direction: str, path: Path) -> None:
    GEMINI.check_case(direction, "request", path)


@pytest.mark.parametrize(("direction", "path"), _cases("response"))
def test_response(direction: str, path: Path) -> None:
    GEMINI.check_case(direction, "response", path)


@pytest.mark.parametrize(("direction", "path"), _cases("stream"))
def test_stream(direction: str, path: Path) -> None:
    GEMINI.check_case(direction, "stream", path)


def test_every_golden_input_exists() -> None:
    assert GEMINI.missing_inputs() == []


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
