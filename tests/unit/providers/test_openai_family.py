"""OpenAI-family provider adapters: prepare() per channel type (URL, headers, body quirks),
parse_error() on the error shapes upstreams use, and the channel-type / registry tables.

Tables live in tests/fixtures/providers/:
  urls.json            {id, type, endpoint, model, channel, url}
  bodies.json          {id, type, endpoint, model, stream, channel, body, expected}
  errors.json          {id, status, raw, message, type, code}
  openai_family.json   golden: the whole UpstreamCall of one request per (registered type,
                       supported endpoint); UPDATE_GOLDEN=1 rewrites it — review the diff.
A new case is a new row; no test code needed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import orjson
import pytest

from clawrouter.relay.providers import channel_types as ct
from clawrouter.relay.providers.base import (
    ChannelView,
    RelayRequest,
    SSEJsonDecoder,
    UpstreamCall,
    UpstreamError,
)
from clawrouter.relay.providers.registry import ADAPTERS, adapter_for, protocol_of
from clawrouter.relay.providers.strict import mistral_tool_id
from clawrouter.wire.formats import Endpoint
from clawrouter.wire.multipart import FilePart, Form

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "providers"
GOLDEN = FIXTURES / "openai_family.json"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
KEY = "sk-TEST-secret-0123456789"
Json = dict[str, Any]
# This file covers the OpenAI-protocol adapters; native protocols have their own test files.
OPENAI_FAMILY = {t: a for t, a in ADAPTERS.items() if a.protocol == "openai"}
MSGS = [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}]


def channel(type_: int, base_url: str = "", key: str = KEY, **kw: Any) -> ChannelView:
    return ChannelView(id=7, type=type_, name="c7", base_url=base_url, key=key, **kw)


def prepare(
    type_: int,
    body: Json | None = None,
    *,
    endpoint: str = Endpoint.CHAT,
    model: str = "gpt-4o",
    stream: bool = False,
    form: Form | None = None,
    **ch_kw: Any,
) -> UpstreamCall:
    adapter = adapter_for(type_)
    assert adapter is not None
    req = RelayRequest(
        endpoint=endpoint, model=model, body=dict(body or {}), stream=stream, form=form
    )
    return adapter.prepare(req, channel(type_, **ch_kw))


def table(name: str) -> list[Any]:
    rows = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return [pytest.param(row, id=row["id"]) for row in rows]


# --- URLs -----------------------------------------------------------------------------------


@pytest.mark.parametrize("case", table("urls.json"))
def test_url(case: Json):
    body = {} if case["endpoint"] == Endpoint.MODELS else {"messages": MSGS}
    call = prepare(
        case["type"], body, endpoint=case["endpoint"], model=case["model"], **case["channel"]
    )
    assert call.url == case["url"]
    assert call.method == ("GET" if case["endpoint"] == Endpoint.MODELS else "POST")


def test_custom_needs_a_base_url():
    with pytest.raises(UpstreamError) as err:
        prepare(ct.CUSTOM, {"messages": MSGS})
    assert err.value.code == "invalid_channel_config" and err.value.local


def test_cloudflare_needs_an_account_id():
    with pytest.raises(UpstreamError, match="account id"):
        prepare(ct.CLOUDFLARE, {"messages": MSGS})


def test_xinference_has_no_default_base_url():
    with pytest.raises(UpstreamError, match="no base URL"):
        prepare(ct.XINFERENCE, {"messages": MSGS})


def test_unsupported_endpoint_is_refused():
    adapter = adapter_for(ct.MINIMAX)
    assert adapter is not None and not adapter.supports(Endpoint.EMBEDDINGS)
    assert not adapter.supports(Endpoint.MESSAGES)
    with pytest.raises(UpstreamError) as err:
        prepare(ct.MINIMAX, {"input": "x"}, endpoint=Endpoint.EMBEDDINGS)
    assert err.value.code == "convert_request_failed"


def test_coding_plan_serves_only_plan_endpoints():
    with pytest.raises(UpstreamError, match="coding-plan"):
        prepare(ct.MOONSHOT, endpoint=Endpoint.MODELS, base_url="kimi-coding-plan")


# --- headers --------------------------------------------------------------------------------


def test_openai_headers():
    call = prepare(ct.OPENAI, {"messages": MSGS}, stream=True, organization="org-1")
    assert call.headers == {
        "Accept": "text/event-stream",
        "Content-Type": "application/json",
        "Authorization": f"Bearer {KEY}",
        "OpenAI-Organization": "org-1",
    }
    listing = prepare(ct.OPENAI, endpoint=Endpoint.MODELS, stream=True)
    assert listing.body is None
    assert listing.headers == {"Accept": "application/json", "Authorization": f"Bearer {KEY}"}


def test_azure_uses_api_key_header():
    call = prepare(
        ct.AZURE, {"messages": MSGS}, base_url="https://r.openai.azure.com", organization="o"
    )
    assert call.headers["api-key"] == KEY
    assert "Authorization" not in call.headers and "OpenAI-Organization" not in call.headers


def test_empty_key_sends_no_authorization():
    call = prepare(ct.OLLAMA, {"messages": MSGS}, model="llama3", key="")
    assert "Authorization" not in call.headers


def test_openrouter_attribution_headers():
    headers = prepare(ct.OPENROUTER, {"messages": MSGS}).headers
    assert headers["HTTP-Referer"] and headers["X-Title"] == headers["X-OpenRouter-Title"]


def test_ali_headers():
    call = prepare(ct.ALI, {"messages": MSGS}, model="qwen-plus", stream=True, other="web-search")
    assert call.headers["X-DashScope-SSE"] == "enable"
    assert call.headers["X-DashScope-Plugin"] == "web-search"
    assert "X-DashScope-SSE" not in prepare(ct.ALI, {"messages": MSGS}, model="qwen-plus").headers


def test_baidu_v2_key_with_appid():
    call = prepare(ct.BAIDU_V2, {"messages": MSGS}, model="ernie-4.5", key="bce-v3/tok|app-9")
    assert call.headers["Authorization"] == "Bearer bce-v3/tok"
    assert call.headers["appid"] == "app-9"


def _every_call() -> list[Any]:
    return [
        pytest.param(type_, endpoint, id=f"{ct.type_name(type_)}-{endpoint}")
        for type_, adapter in sorted(OPENAI_FAMILY.items())
        for endpoint in sorted(adapter.endpoints)
    ]


def _channel_for(type_: int) -> Json:
    """Channel settings that make every registered type callable."""
    if type_ == ct.CUSTOM:
        return {"base_url": "https://llm.example/{model}"}
    if type_ in (ct.AZURE, ct.XINFERENCE, ct.SUB2API, ct.NEWAPI):
        return {"base_url": "https://upstream.example"}
    return {"other": "acct"} if type_ == ct.CLOUDFLARE else {}


@pytest.mark.parametrize(("type_", "endpoint"), _every_call())
def test_key_only_in_auth_header(type_: int, endpoint: str):
    body = {"messages": MSGS, "input": "x", "user": "u1"}
    call = prepare(type_, body, endpoint=endpoint, model="m-1", stream=True, **_channel_for(type_))
    assert KEY not in call.url
    assert call.body is None or KEY.encode() not in call.body
    carriers = {name for name, value in call.headers.items() if KEY in value}
    assert carriers == ({"api-key"} if type_ == ct.AZURE else {"Authorization"})


# --- bodies ---------------------------------------------------------------------------------


@pytest.mark.parametrize("case", table("bodies.json"))
def test_body(case: Json):
    body = case["body"]
    original = json.loads(json.dumps(body))
    call = prepare(
        case["type"],
        body,
        endpoint=case["endpoint"],
        model=case["model"],
        stream=case["stream"],
        **case["channel"],
    )
    assert call.body is not None and orjson.loads(call.body) == case["expected"]
    assert body == original  # the caller's dict is never mutated


def test_body_is_compact_orjson():
    call = prepare(ct.OPENAI, {"messages": [{"role": "user", "content": "é"}]})
    expected = {"messages": [{"role": "user", "content": "é"}], "model": "gpt-4o"}
    assert call.body == orjson.dumps(expected)


def test_mistral_tool_ids():
    assert mistral_tool_id("Abc123xyZ") == "Abc123xyZ"
    new = mistral_tool_id("call_abc123XYZ")
    assert len(new) == 9 and new.isalnum() and new == mistral_tool_id("call_abc123XYZ")
    assert new != mistral_tool_id("call_abc123XYz")


# --- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize("case", table("errors.json"))
@pytest.mark.parametrize("type_", [ct.OPENAI, ct.AZURE, ct.MISTRAL, ct.DEEPSEEK])
def test_parse_error(case: Json, type_: int):
    adapter = adapter_for(type_)
    assert adapter is not None
    raw = case["raw"].encode()
    err = adapter.parse_error(case["status"], raw)
    assert (err.status, err.message, err.type, err.code) == (
        case["status"],
        case["message"],
        case["type"],
        case["code"],
    )
    assert err.protocol == "openai" and err.raw == raw and not err.local


def test_stream_decoder():
    adapter = adapter_for(ct.OPENAI)
    assert adapter is not None
    decoder = adapter.stream_decoder()
    assert isinstance(decoder, SSEJsonDecoder)
    assert decoder.feed(b'data: {"id":"1"}\n\ndata: [DONE]\n\n') == [{"id": "1"}]
    assert decoder.done


# --- tables ---------------------------------------------------------------------------------


def test_channel_type_table_is_complete():
    assert set(ct.CHANNEL_TYPES) == set(range(61)) - {28, 29, 30, 32}
    assert ct.type_name(ct.VOLCENGINE) == "VolcEngine" and ct.type_name(999) == "Unknown"
    assert ct.default_base_url(ct.OPENROUTER) == "https://openrouter.ai/api"
    assert ct.default_base_url(ct.AZURE) == ct.default_base_url(ct.CUSTOM) == ""
    assert set(ct.CHANNEL_TYPES) >= ct.STREAM_OPTIONS_TYPES


def test_registry():
    assert adapter_for(12345) is None
    assert protocol_of(ct.OPENAI) == protocol_of(ct.OPENROUTER) == "openai"
    assert protocol_of(ct.ANTHROPIC) == "anthropic" and protocol_of(ct.VERTEX_AI) == "gemini"
    assert protocol_of(ct.DIFY) == "other" and protocol_of(12345) == "other"
    for type_, adapter in OPENAI_FAMILY.items():
        assert ct.native_protocol(type_) == adapter.protocol == "openai", type_
        assert adapter.supports(Endpoint.CHAT) or adapter.supports(Endpoint.EMBEDDINGS)


# --- golden: one call per (type, endpoint) -------------------------------------------------

GOLDEN_BODIES: dict[str, Json] = {
    Endpoint.CHAT: {"messages": MSGS, "max_tokens": 64, "temperature": 0.5, "stream": True},
    Endpoint.COMPLETIONS: {"prompt": "Once", "max_tokens": 16, "stream": True},
    Endpoint.EMBEDDINGS: {"input": ["hello"]},
    Endpoint.MODERATIONS: {"input": "hello"},
    Endpoint.RERANK: {"query": "hello", "documents": ["a", "b"], "top_n": 1},
    Endpoint.RESPONSES: {"input": "hello", "stream": True},
    Endpoint.MODELS: {},
    Endpoint.IMAGES: {"prompt": "a fox", "size": "1024x1024"},
    Endpoint.IMAGE_EDITS: {"prompt": "add a hat"},
    Endpoint.SPEECH: {"input": "hello", "voice": "alloy"},
    Endpoint.TRANSCRIPTIONS: {"language": "en"},
    Endpoint.TRANSLATIONS: {},
}
# Multipart endpoints: the form's files (the boundary is random, so recorded as <boundary>)
GOLDEN_FORMS: dict[str, Form] = {
    Endpoint.IMAGE_EDITS: Form((FilePart("image", "a.png", "image/png", b"PNG"),)),
    Endpoint.TRANSCRIPTIONS: Form((FilePart("file", "a.wav", "audio/wav", b"RIFF"),)),
    Endpoint.TRANSLATIONS: Form((FilePart("file", "a.wav", "audio/wav", b"RIFF"),)),
}


def _recorded(call: UpstreamCall) -> tuple[dict[str, str], Any]:
    """Headers (key hidden) and body: JSON, or a multipart form as text."""
    headers = {k: v.replace(KEY, "<key>") for k, v in call.headers.items()}
    if call.body is None:
        return headers, None
    ctype = headers.get("Content-Type", "")
    if not ctype.startswith("multipart/"):
        return headers, orjson.loads(call.body)
    boundary = ctype.split("boundary=", 1)[1]
    headers["Content-Type"] = ctype.replace(boundary, "<boundary>")
    return headers, call.body.decode().replace(boundary, "<boundary>")


def _golden_calls() -> dict[str, Json]:
    out = {}
    for type_, adapter in sorted(OPENAI_FAMILY.items()):
        for endpoint in sorted(adapter.endpoints):
            body = GOLDEN_BODIES[endpoint]
            call = prepare(
                type_,
                body,
                endpoint=endpoint,
                model="model-x",
                stream=body.get("stream", False),
                form=GOLDEN_FORMS.get(endpoint),
                **_channel_for(type_),
            )
            headers, sent_body = _recorded(call)
            out[f"{type_:02d} {ct.type_name(type_)} {endpoint}"] = {
                "call": f"{call.method} {call.url}",
                "headers": headers,
                "body": sent_body,
            }
    return out


def _dump(calls: dict[str, Json]) -> str:
    """One line per field so a diff points at the field that changed."""
    blocks = []
    for name, fields in calls.items():
        lines = [
            f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}" for k, v in fields.items()
        ]
        blocks.append(f" {json.dumps(name)}: {{\n" + ",\n".join(lines) + "\n }")
    return "{\n" + ",\n".join(blocks) + "\n}\n"


def test_golden_calls():
    calls = _golden_calls()
    if UPDATE:
        GOLDEN.write_text(_dump(calls), encoding="utf-8")
    assert calls == json.loads(GOLDEN.read_text(encoding="utf-8"))
