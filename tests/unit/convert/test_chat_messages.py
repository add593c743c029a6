"""Chat client ↔ Anthropic Messages upstream and back: golden fixtures plus focused checks.

Cases live in tests/fixtures/convert/{chat_to_messages,messages_to_chat}/<kind>/<case>.json
(format and UPDATE_GOLDEN=1 in tests/support/golden.py).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from clawrouter.relay.convert import chat_to_messages, messages_to_chat
from clawrouter.relay.convert.base import ConvertContext
from tests.support.golden import FIXTURES, MESSAGES, replay

MODULES = MESSAGES.modules
_cases, _ctx = MESSAGES.cases, MESSAGES.ctx


@pytest.mark.parametrize(("direction", "path"), _cases("request"))
def test_request(direction: str, path: Path) -> None:
    MESSAGES.check_case(direction, "request", path)


@pytest.mark.parametrize(("direction", "path"), _cases("response"))
def test_response(direction: str, path: Path) -> None:
    MESSAGES.check_case(direction, "response", path)


@pytest.mark.parametrize(("direction", "path"), _cases("stream"))
def test_stream(direction: str, path: Path) -> None:
    MESSAGES.check_case(direction, "stream", path)


def test_every_golden_input_exists() -> None:
    assert MESSAGES.missing_inputs() == []


# ---------------------------------------------------------------- goldens vs the official SDK types


def _sdk_checks() -> dict[tuple[str, str], Any]:
    from anthropic.types import Message, MessageCreateParams, RawMessageStreamEvent
    from openai.types.chat import ChatCompletion, ChatCompletionChunk
    from openai.types.chat.completion_create_params import CompletionCreateParams
    from pydantic import TypeAdapter

    events = TypeAdapter(RawMessageStreamEvent)
    return {
        ("chat_to_messages", "request"): TypeAdapter(MessageCreateParams).validate_python,
        ("chat_to_messages", "response"): ChatCompletion.model_validate,
        ("chat_to_messages", "stream"): lambda e: (
            "error" in e or ChatCompletionChunk.model_validate(e)
        ),
        ("messages_to_chat", "request"): TypeAdapter(CompletionCreateParams).validate_python,
        ("messages_to_chat", "response"): Message.model_validate,
        ("messages_to_chat", "stream"): lambda e: e["type"] == "ping" or events.validate_python(e),
    }


def test_goldens_parse_with_the_official_sdks() -> None:
    checks = _sdk_checks()
    for kind in ("request", "response", "stream"):
        for param in _cases(kind):
            direction, path = param.values
            expected = json.loads(path.read_text())["expected"]
            for item in expected if kind == "stream" else [expected]:
                checks[direction, kind](item)


# ---------------------------------------------------------------- focused checks


def _c2m_ctx(**kw: Any) -> ConvertContext:
    return _ctx("chat_to_messages", kw)


def _m2c_ctx(**kw: Any) -> ConvertContext:
    return _ctx("messages_to_chat", kw)


def _chat(**kw: Any) -> dict[str, Any]:
    return {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}], **kw}


_WEATHER_TOOL = [{"type": "function", "function": {"name": "get_weather", "parameters": {}}}]


def test_thinking_signature_survives_a_chat_round_trip() -> None:
    upstream = json.loads((FIXTURES / "anthropic/for_chat_tool_use.json").read_text())
    message = chat_to_messages.response(upstream, _c2m_ctx())["choices"][0]["message"]
    history = [
        {"role": "user", "content": "Weather in SF and Tokyo?"},
        message,
        {"role": "tool", "tool_call_id": "toolu_01A09q90qw90lq917835lq9", "content": "18C"},
        {"role": "tool", "tool_call_id": "toolu_01B7hz2k3n4m5p6q7r8s9t0u", "content": "22C"},
    ]
    body = {"messages": history, "reasoning_effort": "medium", "tools": _WEATHER_TOOL}
    out = chat_to_messages.request(body, _c2m_ctx())
    assert out["messages"][1]["content"][0] == upstream["content"][0]  # the signed thinking block
    assert [b["type"] for b in out["messages"][2]["content"]] == ["tool_result", "tool_result"]
    assert out["thinking"] == {"type": "enabled", "budget_tokens": 4096}
    assert out["max_tokens"] == 8192 + 4096


@pytest.mark.parametrize(
    ("effort", "max_tokens", "expected"),
    [
        ("low", None, (1024, 8192 + 1024)),
        ("high", None, (16384, 8192 + 16384)),
        ("medium", 8000, (4096, 8000)),  # fits: unchanged
        ("high", 8000, (4000, 8000)),  # does not fit: half of max_tokens
        ("high", 1500, (1024, 1500)),  # never below Anthropic's minimum
        ("low", 1024, None),  # no room for thinking at all
        ("minimal", None, None),
    ],
)
def test_thinking_budget_stays_below_max_tokens(
    effort: str, max_tokens: int | None, expected: tuple[int, int] | None
) -> None:
    out = chat_to_messages.request(
        _chat(reasoning_effort=effort, max_tokens=max_tokens), _c2m_ctx()
    )
    if expected is None:
        assert "thinking" not in out
    else:
        assert (out["thinking"]["budget_tokens"], out["max_tokens"]) == expected


def test_thinking_drops_sampling_knobs_anthropic_refuses() -> None:
    body = _chat(reasoning_effort="low", temperature=0.3, top_k=5, top_p=0.5)
    out = chat_to_messages.request(body, _c2m_ctx())
    assert "thinking" in out
    assert not {"temperature", "top_k", "top_p"} & out.keys()


@pytest.mark.parametrize(("given", "sent"), [(-0.5, 0), (0.3, 0.3), (1.7, 1), (2, 1)])
def test_temperature_is_clamped_to_anthropic_range(given: float, sent: float) -> None:
    assert chat_to_messages.request(_chat(temperature=given), _c2m_ctx())["temperature"] == sent


@pytest.mark.parametrize(
    ("chat_choice", "parallel", "anthropic_choice"),
    [
        ("auto", None, {"type": "auto"}),
        ("none", None, {"type": "none"}),
        ("required", None, {"type": "any"}),
        ("required", False, {"type": "any", "disable_parallel_tool_use": True}),
        (None, False, {"type": "auto", "disable_parallel_tool_use": True}),
        ({"type": "function", "function": {"name": "f"}}, None, {"type": "tool", "name": "f"}),
        (None, None, None),
    ],
)
def test_tool_choice_maps_both_ways(chat_choice: Any, parallel: Any, anthropic_choice: Any) -> None:
    tools = [{"type": "function", "function": {"name": "f"}}]
    body = _chat(tools=tools, tool_choice=chat_choice, parallel_tool_calls=parallel)
    out = chat_to_messages.request(body, _c2m_ctx())
    assert out.get("tool_choice") == anthropic_choice
    if anthropic_choice is None:
        return
    back = messages_to_chat.request(
        {"messages": [], "tools": [{"name": "f", "input_schema": {}}], **out}, _m2c_ctx()
    )
    assert back.get("tool_choice", "auto") == (chat_choice or "auto")
    assert back.get("parallel_tool_calls") is (False if parallel is False else None)


def test_tool_choice_without_tools_is_dropped_both_ways() -> None:
    out = chat_to_messages.request(
        _chat(tool_choice="required", parallel_tool_calls=False), _c2m_ctx()
    )
    assert "tool_choice" not in out
    body = {"messages": [], "tool_choice": {"type": "any", "disable_parallel_tool_use": True}}
    back = messages_to_chat.request(body, _m2c_ctx())
    assert not {"tool_choice", "parallel_tool_calls"} & back.keys()


@pytest.mark.parametrize(
    ("stop_reason", "finish"),
    [
        ("end_turn", "stop"),
        ("stop_sequence", "stop"),
        ("max_tokens", "length"),
        ("tool_use", "tool_calls"),
        ("refusal", "content_filter"),
    ],
)
def test_stop_reasons_map_both_ways(stop_reason: str, finish: str) -> None:
    chat = chat_to_messages.response({"content": [], "stop_reason": stop_reason}, _c2m_ctx())
    assert chat["choices"][0]["finish_reason"] == finish
    back = messages_to_chat.response(chat, _m2c_ctx())
    assert back["stop_reason"] == ("end_turn" if stop_reason == "stop_sequence" else stop_reason)


def test_cache_tokens_are_never_subtracted_twice() -> None:
    usage = {
        "input_tokens": 21,
        "cache_read_input_tokens": 1536,
        "cache_creation_input_tokens": 188,
    }
    chat = chat_to_messages.response({"content": [], "usage": usage}, _c2m_ctx())
    assert chat["usage"]["prompt_tokens"] == 21 + 1536 + 188
    back = messages_to_chat.response(chat, _m2c_ctx())
    assert back["usage"] == {**usage, "output_tokens": 0}


def test_images_round_trip_as_data_and_http_urls() -> None:
    parts = [
        {"type": "image_url", "image_url": {"url": "data:image/webp;base64,UklGRg=="}},
        {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}},
    ]
    out = chat_to_messages.request(_chat(messages=[{"role": "user", "content": parts}]), _c2m_ctx())
    blocks = out["messages"][0]["content"]
    assert blocks[0]["source"] == {"type": "base64", "media_type": "image/webp", "data": "UklGRg=="}
    assert blocks[1]["source"] == {"type": "url", "url": "https://example.com/a.png"}
    back = messages_to_chat.request({"messages": out["messages"]}, _m2c_ctx())
    assert back["messages"][0]["content"] == parts


def test_system_and_developer_messages_are_joined() -> None:
    msgs = [
        {"role": "system", "content": "A."},
        {"role": "user", "content": "hi"},
        {"role": "developer", "content": [{"type": "text", "text": "B."}]},
    ]
    out = chat_to_messages.request(_chat(messages=msgs), _c2m_ctx())
    assert out["system"] == "A.\n\nB."
    assert out["messages"] == [{"role": "user", "content": "hi"}]


def test_chat_stream_tool_arguments_reassemble_to_the_input() -> None:
    events = replay(
        FIXTURES / "anthropic/for_chat_tool_use.sse", chat_to_messages.Stream(_c2m_ctx())
    )
    args: dict[int, str] = {}
    for chunk in events:
        for choice in chunk["choices"]:
            for call in choice["delta"].get("tool_calls", []):
                args[call["index"]] = args.get(call["index"], "") + call["function"]["arguments"]
    assert {i: json.loads(a) for i, a in args.items()} == {
        0: {"location": "San Francisco, CA", "unit": "fahrenheit"},
        1: {"timezone": "America/Los_Angeles"},
    }


def test_chat_stream_without_upstream_usage_reports_none() -> None:
    stream = chat_to_messages.Stream(_c2m_ctx())
    stream.feed(
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "x"}}
    )
    assert stream.finish() == []
    assert stream.usage is None


def _chunk(delta: dict[str, Any] | None, finish: str | None = None, **kw: Any) -> dict[str, Any]:
    choices = [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish}]
    return {"id": "c", "object": "chat.completion.chunk", "choices": choices, **kw}


def test_messages_stream_waits_for_a_separate_usage_chunk() -> None:
    stream = messages_to_chat.Stream(_m2c_ctx())
    first = stream.feed(_chunk({"content": "hi"}))
    kinds = [e["type"] for e in first]
    assert kinds == ["message_start", "ping", "content_block_start", "content_block_delta"]
    assert stream.feed(_chunk({}, "stop")) == []
    usage = {
        "prompt_tokens": 10,
        "completion_tokens": 3,
        "prompt_tokens_details": {"cached_tokens": 4},
    }
    last = stream.feed(_chunk(None, usage=usage))
    assert [e["type"] for e in last] == ["content_block_stop", "message_delta", "message_stop"]
    assert (
        last[1]["usage"]["input_tokens"] == 6 and last[1]["usage"]["cache_read_input_tokens"] == 4
    )
    assert stream.finish() == []


def test_messages_stream_without_usage_ends_at_finish_with_the_estimate() -> None:
    stream = messages_to_chat.Stream(_m2c_ctx(prompt_tokens_estimate=99))
    stream.feed(_chunk({"content": "hi"}, "length"))
    end = stream.finish()
    assert [e["type"] for e in end] == ["content_block_stop", "message_delta", "message_stop"]
    assert end[1]["delta"]["stop_reason"] == "max_tokens"
    assert end[1]["usage"]["input_tokens"] == 99
    assert stream.usage is None
    assert messages_to_chat.Stream(_m2c_ctx()).finish() == []  # nothing arrived: nothing to close


def test_messages_stream_gives_each_parallel_tool_call_its_own_block() -> None:
    events = replay(
        FIXTURES / "openai/for_messages_tool_calls.sse", messages_to_chat.Stream(_m2c_ctx())
    )
    starts = [e for e in events if e["type"] == "content_block_start"]
    opened = [(e["index"], e["content_block"]["type"]) for e in starts]
    assert opened == [(0, "text"), (1, "tool_use"), (2, "tool_use")]
    stops = [e["index"] for e in events if e["type"] == "content_block_stop"]
    assert stops == [0, 1, 2]


_MALFORMED: list[dict[str, Any]] = [
    {},
    {"messages": "hi", "tools": "x", "stop": 5, "metadata": "m", "output_config": "o"},
    {"messages": [None, 3, {"role": "user", "content": {"a": 1}}, {"role": "bot"}]},
    {"messages": [{"role": "assistant", "tool_calls": [None, {"function": "f"}]}]},
    {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": 7}]}]},
    {"messages": [{"role": "user", "content": [{"type": "image", "source": "s"}]}]},
    {"system": 5, "stop_sequences": "END", "thinking": "on", "tool_choice": "auto"},
    {"tools": [None, {"type": "function", "function": None}, {"name": 3}], "tool_choice": {}},
    {"reasoning": {"effort": 3}, "reasoning_effort": ["high"], "max_tokens": True},
    {"choices": [None], "content": "x", "usage": "u"},
    {"choices": [{"message": "m", "delta": "d"}], "content": [None, {"type": "tool_use"}]},
]


@pytest.mark.parametrize("direction", list(MODULES))
@pytest.mark.parametrize("body", _MALFORMED)
def test_malformed_input_never_raises(direction: str, body: dict[str, Any]) -> None:
    module, ctx = MODULES[direction], _ctx(direction, {})
    module.request(body, ctx)
    module.response(body, ctx)
    stream = module.Stream(ctx)
    for event in (body, {"type": "content_block_delta", "delta": "d"}, {"type": "message_start"}):
        stream.feed(event)
    stream.finish()


def test_only_the_last_assistant_turn_decides_whether_thinking_fits() -> None:
    call = {"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}
    msgs = [
        {"role": "user", "content": "a"},
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "c1", "content": "sunny"},
        {"role": "assistant", "content": "It is sunny."},
        {"role": "user", "content": "thanks"},
    ]
    body = _chat(messages=msgs, tools=_WEATHER_TOOL, reasoning_effort="low")
    assert "thinking" in chat_to_messages.request(body, _c2m_ctx())
    body["messages"] = msgs[:3]  # the tool-use turn is now the last one, and it is unsigned
    assert "thinking" not in chat_to_messages.request(body, _c2m_ctx())
