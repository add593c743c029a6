"""The Anthropic adapter (type 14) and what both native adapters share: prepare() tables (URL,
headers, body), parse_error() on recorded error bodies, stream_decoder() over the recorded .sse
fixtures of tests/fixtures/anthropic, the registry rows, and a golden of one whole call per
(type, endpoint) in tests/fixtures/providers/native_calls.json (UPDATE_GOLDEN=1 rewrites it;
review the diff). The Gemini adapter's own tables are in test_gemini_native.py."""

from __future__ import annotations

import json
import os
from typing import Any

import orjson
import pytest
from multidict import CIMultiDict

from clawrouter.relay.providers import channel_types as ct
from clawrouter.relay.providers.anthropic import AnthropicAdapter
from clawrouter.relay.providers.base import UpstreamError
from clawrouter.relay.providers.gemini import GeminiAdapter
from clawrouter.relay.providers.registry import adapter_for, protocol_of
from clawrouter.relay.streaming import usage_in
from clawrouter.wire.formats import Endpoint, Format
from tests.support.adapter_calls import (
    CONTENTS,
    FIXTURES,
    KEY,
    MSG,
    Json,
    data_lines,
    decode,
    prepare,
    sent,
)

GEN = "generationConfig"


def test_registry_rows():
    assert isinstance(adapter_for(ct.ANTHROPIC), AnthropicAdapter)
    assert isinstance(adapter_for(ct.GEMINI), GeminiAdapter)
    assert protocol_of(ct.ANTHROPIC) == "anthropic" and protocol_of(ct.GEMINI) == "gemini"
    claude, gemini = AnthropicAdapter(), GeminiAdapter()
    assert claude.supports(Endpoint.MESSAGES) and claude.supports(Endpoint.MODELS)
    assert (
        gemini.supports(Endpoint.GEMINI)
        and gemini.supports(Endpoint.GEMINI_EMBED)
        and gemini.supports(Endpoint.MODELS)
    )
    for endpoint in (
        Endpoint.CHAT,
        Endpoint.EMBEDDINGS,
        Endpoint.RESPONSES,
    ):  # served through the converters instead
        assert not claude.supports(endpoint) and not gemini.supports(endpoint)
    assert not claude.supports(Endpoint.GEMINI) and not gemini.supports(Endpoint.MESSAGES)


@pytest.mark.parametrize("type_", [ct.ANTHROPIC, ct.GEMINI])
def test_unsupported_endpoint_is_refused(type_: int):
    with pytest.raises(UpstreamError) as err:
        prepare(type_, {"messages": MSG}, endpoint=Endpoint.CHAT, model="m")
    assert err.value.code == "convert_request_failed" and err.value.local


# --- Anthropic: prepare ---------------------------------------------------------------------

CLAUDE_URLS = [
    ("default", {}, {}, Endpoint.MESSAGES, "https://api.anthropic.com/v1/messages"),
    ("base", {"base_url": "https://proxy.example/"}, {}, Endpoint.MESSAGES, "https://proxy.example/v1/messages"),
    ("base-v1", {"base_url": "https://proxy.example/v1"}, {}, Endpoint.MESSAGES, "https://proxy.example/v1/messages"),
    ("client-beta", {}, {"beta": "true"}, Endpoint.MESSAGES, "https://api.anthropic.com/v1/messages?beta=true"),
    ("client-beta-false", {}, {"beta": "false"}, Endpoint.MESSAGES, "https://api.anthropic.com/v1/messages"),
    ("channel-beta", {"settings": {"claude_beta_query": True}}, {}, Endpoint.MESSAGES, "https://api.anthropic.com/v1/messages?beta=true"),
    ("coding-plan", {"base_url": "glm-coding-plan"}, {}, Endpoint.MESSAGES, "https://open.bigmodel.cn/api/anthropic/v1/messages"),
    ("models", {"settings": {"claude_beta_query": True}}, {"beta": "true"}, Endpoint.MODELS, "https://api.anthropic.com/v1/models"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("ch_kw", "query", "endpoint", "url"), [pytest.param(*c[1:], id=c[0]) for c in CLAUDE_URLS]
)
def test_claude_url(ch_kw: Json, query: Json, endpoint: str, url: str):
    call = prepare(
        ct.ANTHROPIC,
        {"messages": MSG},
        endpoint=endpoint,
        model="claude-sonnet-4-5",
        query=query,
        **ch_kw,
    )
    assert call.url == url
    assert call.method == ("GET" if endpoint == Endpoint.MODELS else "POST")
    assert (call.body is None) == (endpoint == Endpoint.MODELS)


def test_claude_headers_default():
    call = prepare(
        ct.ANTHROPIC, {"messages": MSG, "max_tokens": 9}, endpoint=Endpoint.MESSAGES, model="c"
    )
    assert call.headers == {
        "Accept": "application/json",
        "Content-Type": "application/json",
        "x-api-key": KEY,
        "anthropic-version": "2023-06-01",
    }


def test_claude_headers_pass_version_and_beta():
    client = CIMultiDict(
        {"Anthropic-Version": "2024-01-01", "ANTHROPIC-BETA": "a-1,b-2", "x-api-key": "sk-client"}
    )
    call = prepare(
        ct.ANTHROPIC,
        {"messages": MSG},
        endpoint=Endpoint.MESSAGES,
        model="c",
        stream=True,
        headers=client,
    )
    assert call.headers["anthropic-version"] == "2024-01-01"
    assert call.headers["anthropic-beta"] == "a-1,b-2"
    assert call.headers["Accept"] == "text/event-stream"
    assert call.headers["x-api-key"] == KEY, "the client's own key never reaches upstream"
    plain = prepare(
        ct.ANTHROPIC,
        {"messages": MSG},
        endpoint=Endpoint.MESSAGES,
        model="c",
        headers={"anthropic-beta": "x"},
    )
    assert plain.headers["anthropic-beta"] == "x"


def test_claude_models_listing_headers():
    call = prepare(ct.ANTHROPIC, endpoint=Endpoint.MODELS, model="", stream=True)
    assert call.headers == {
        "Accept": "application/json",
        "x-api-key": KEY,
        "anthropic-version": "2023-06-01",
    }


def test_claude_no_key_no_header():
    call = prepare(ct.ANTHROPIC, {"messages": MSG}, endpoint=Endpoint.MESSAGES, model="c", key="")
    assert "x-api-key" not in call.headers and "Authorization" not in call.headers


CLAUDE_BODIES = [
    ("model-and-default-max", {"model": "alias", "messages": MSG}, "claude-sonnet-4-5", False,
     {"model": "claude-sonnet-4-5", "messages": MSG, "max_tokens": 8192}),
    ("max-kept", {"messages": MSG, "max_tokens": 100}, "c", False,
     {"model": "c", "messages": MSG, "max_tokens": 100}),
    ("max-from-alias", {"messages": MSG, "max_completion_tokens": 300}, "c", False,
     {"model": "c", "messages": MSG, "max_tokens": 300}),
    ("alias-dropped", {"messages": MSG, "max_tokens": 50, "max_output_tokens": 300}, "c", False,
     {"model": "c", "messages": MSG, "max_tokens": 50}),
    ("bad-max-replaced", {"messages": MSG, "max_tokens": 0}, "c", False,
     {"model": "c", "messages": MSG, "max_tokens": 8192}),
    ("stream", {"messages": MSG, "max_tokens": 5, "stream": True}, "c", True,
     {"model": "c", "messages": MSG, "max_tokens": 5, "stream": True}),
    ("thinking-suffix", {"messages": MSG, "max_tokens": 4000, "temperature": 0.2, "top_k": 5}, "claude-sonnet-4-5-thinking", False,
     {"model": "claude-sonnet-4-5", "messages": MSG, "max_tokens": 4000, "thinking": {"type": "enabled", "budget_tokens": 3200}}),
    ("thinking-suffix-small-max", {"messages": MSG, "max_tokens": 100}, "c-thinking", False,
     {"model": "c", "messages": MSG, "max_tokens": 1280, "thinking": {"type": "enabled", "budget_tokens": 1024}}),
    ("thinking-suffix-own-thinking", {"messages": MSG, "max_tokens": 3000, "thinking": {"type": "enabled", "budget_tokens": 2000}}, "c-thinking", False,
     {"model": "c", "messages": MSG, "max_tokens": 3000, "thinking": {"type": "enabled", "budget_tokens": 2000}}),
    ("tools-untouched", {"messages": MSG, "max_tokens": 5, "tools": [{"name": "t", "input_schema": {"type": "object"}}], "tool_choice": {"type": "any"}}, "c", False,
     {"model": "c", "messages": MSG, "max_tokens": 5, "tools": [{"name": "t", "input_schema": {"type": "object"}}], "tool_choice": {"type": "any"}}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("body", "model", "stream", "expected"), [pytest.param(*c[1:], id=c[0]) for c in CLAUDE_BODIES]
)
def test_claude_body(body: Json, model: str, stream: bool, expected: Json):
    original = orjson.loads(orjson.dumps(body))
    call = prepare(ct.ANTHROPIC, body, endpoint=Endpoint.MESSAGES, model=model, stream=stream)
    assert sent(call) == expected
    assert body == original


def test_claude_pass_through_body():
    body = {"messages": MSG, "max_completion_tokens": 3}
    call = prepare(
        ct.ANTHROPIC,
        body,
        endpoint=Endpoint.MESSAGES,
        model="c-thinking",
        setting={"pass_through_body_enabled": True},
    )
    assert sent(call) == {**body, "model": "c-thinking"}


def test_claude_key_only_in_its_header():
    for endpoint in (Endpoint.MESSAGES, Endpoint.MODELS):
        call = prepare(
            ct.ANTHROPIC, {"messages": MSG, "key": "k"}, endpoint=endpoint, model="c", stream=True
        )
        assert KEY not in call.url and (call.body is None or KEY.encode() not in call.body)
        assert {n for n, v in call.headers.items() if KEY in v} == {"x-api-key"}


# --- Anthropic: errors and streams ----------------------------------------------------------

CLAUDE_ERRORS = [
    ("overloaded", 529, {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}, "request_id": "req_1"},
     "Overloaded", "overloaded_error", "overloaded_error"),
    ("rate-limit", 429, {"type": "error", "error": {"type": "rate_limit_error", "message": "Number of request tokens has exceeded your per-minute rate limit"}},
     "Number of request tokens has exceeded your per-minute rate limit", "rate_limit_error", "rate_limit_error"),
    ("invalid", 400, {"type": "error", "error": {"type": "invalid_request_error", "message": "max_tokens: Field required"}},
     "max_tokens: Field required", "invalid_request_error", "invalid_request_error"),
    ("auth", 401, {"type": "error", "error": {"type": "authentication_error", "message": "invalid x-api-key"}},
     "invalid x-api-key", "authentication_error", "authentication_error"),
    ("openai-shape-proxy", 400, {"error": {"message": "bad", "type": "invalid_request_error", "code": "x"}},
     "bad", "invalid_request_error", "x"),
    ("message-shape", 500, {"message": "boom"}, "boom", "upstream_error", ""),
    ("not-json", 502, "<html>Bad gateway</html>", "bad response status code 502", "upstream_error", "bad_response_status_code"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("status", "raw", "message", "etype", "code"),
    [pytest.param(*c[1:], id=c[0]) for c in CLAUDE_ERRORS],
)
def test_claude_parse_error(status: int, raw: Any, message: str, etype: str, code: str):
    body = raw.encode() if isinstance(raw, str) else orjson.dumps(raw)
    err = AnthropicAdapter().parse_error(status, body)
    assert (err.status, err.message, err.type, err.code) == (status, message, etype, code)
    assert err.protocol == "anthropic" and err.raw == body and not err.local


@pytest.mark.parametrize("step", [None, 1, 7])
@pytest.mark.parametrize("name", ["for_chat_text", "for_chat_thinking", "for_chat_tool_use"])
def test_claude_stream_done_on_message_stop(name: str, step: int | None):
    raw = (FIXTURES / "anthropic" / f"{name}.sse").read_bytes()
    decoder = AnthropicAdapter().stream_decoder()
    events = decode(decoder, raw, step)
    assert events == data_lines(raw)
    assert events[0]["type"] == "message_start" and events[-1]["type"] == "message_stop"
    assert decoder.done


def test_claude_stream_done_is_set_by_the_chunk_with_message_stop():
    raw = (FIXTURES / "anthropic" / "for_chat_text.sse").read_bytes()
    head, tail = raw.split(b"event: message_stop")
    decoder = AnthropicAdapter().stream_decoder()
    decoder.feed(head)
    assert not decoder.done
    decoder.feed(b"event: message_stop" + tail)
    assert decoder.done


def test_claude_stream_error_event_passes_as_a_dict():
    raw = (FIXTURES / "anthropic" / "for_chat_error.sse").read_bytes()
    decoder = AnthropicAdapter().stream_decoder()
    events = decode(decoder, raw, 5)
    assert events[-1] == {
        "type": "error",
        "error": {"type": "overloaded_error", "message": "Overloaded"},
    }
    assert not decoder.done


def test_claude_stream_usage_keeps_the_cache_write_split():
    """Pass-through streams read usage from message_start and message_delta; the delta carries
    no cache_creation split, so the 1h writes of message_start must survive it."""
    raw = (FIXTURES / "anthropic" / "for_chat_thinking.sse").read_bytes()
    usage = None
    for obj in decode(AnthropicAdapter().stream_decoder(), raw, None):
        usage = usage_in(Format.ANTHROPIC, obj, usage)
    assert usage is not None and usage.semantic == "anthropic"
    assert (usage.prompt_tokens, usage.completion_tokens) == (36, 187)
    assert (usage.cache_write_tokens, usage.cache_write_1h_tokens) == (1024, 1024)


# --- golden: the whole UpstreamCall of one request per (type, endpoint) ---------------------

GOLDEN = FIXTURES / "providers" / "native_calls.json"
GOLDEN_CASES: dict[str, tuple[int, str, str, Json, str]] = {
    "14 Anthropic messages": (ct.ANTHROPIC, Endpoint.MESSAGES, "claude-sonnet-4-5", {"system": "be brief", "messages": MSG, "max_tokens": 64, "stream": True}, ""),
    "14 Anthropic models": (ct.ANTHROPIC, Endpoint.MODELS, "", {}, ""),
    "24 Gemini gemini": (ct.GEMINI, Endpoint.GEMINI, "gemini-2.5-flash", {"contents": CONTENTS, GEN: {"maxOutputTokens": 64}}, ""),
    "24 Gemini gemini_embed": (ct.GEMINI, Endpoint.GEMINI_EMBED, "text-embedding-004", {"requests": [{"content": {"parts": [{"text": "a"}]}}]}, "/v1beta/models/text-embedding-004:batchEmbedContents"),
    "24 Gemini models": (ct.GEMINI, Endpoint.MODELS, "", {}, ""),
}  # fmt: skip


def test_golden_calls():
    calls = {}
    for name, (type_, endpoint, model, body, path) in GOLDEN_CASES.items():
        call = prepare(
            type_,
            body,
            endpoint=endpoint,
            model=model,
            stream=endpoint in (Endpoint.MESSAGES, Endpoint.GEMINI),
            path=path,
        )
        calls[name] = {
            "call": f"{call.method} {call.url}",
            "headers": {k: v.replace(KEY, "<key>") for k, v in call.headers.items()},
            "body": None if call.body is None else orjson.loads(call.body),
        }
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(json.dumps(calls, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    assert calls == json.loads(GOLDEN.read_text(encoding="utf-8"))
