"""The Gemini adapter (type 24): prepare() tables (URL, version, thinking suffixes, embeddings,
headers, body), parse_error() on recorded Google error bodies, stream_decoder() over the recorded
.sse fixtures of tests/fixtures/gemini."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from clawrouter.relay.providers import channel_types as ct
from clawrouter.relay.providers.gemini import GeminiAdapter, clamp_budget, split_thinking
from clawrouter.wire.formats import Endpoint
from tests.support.adapter_calls import (
    CONTENTS,
    FIXTURES,
    KEY,
    Json,
    data_lines,
    decode,
    prepare,
    sent,
)

G = "https://generativelanguage.googleapis.com"


# --- Gemini: prepare ------------------------------------------------------------------------

GEMINI_URLS = [
    ("generate", Endpoint.GEMINI, "gemini-2.5-flash", False, {}, "", f"{G}/v1beta/models/gemini-2.5-flash:generateContent"),
    ("stream", Endpoint.GEMINI, "gemini-2.5-flash", True, {}, "", f"{G}/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse"),
    ("models-prefix", Endpoint.GEMINI, "models/gemini-2.5-pro", False, {}, "", f"{G}/v1beta/models/gemini-2.5-pro:generateContent"),
    ("base", Endpoint.GEMINI, "g", False, {"base_url": "https://proxy.example/"}, "", "https://proxy.example/v1beta/models/g:generateContent"),
    ("base-with-version", Endpoint.GEMINI, "g", False, {"base_url": "https://proxy.example/v1"}, "", "https://proxy.example/v1/models/g:generateContent"),
    ("version-setting", Endpoint.GEMINI, "g", False, {"settings": {"gemini_version": "v1"}}, "", f"{G}/v1/models/g:generateContent"),
    ("version-other", Endpoint.GEMINI, "g", False, {"other": "v1alpha"}, "", f"{G}/v1alpha/models/g:generateContent"),
    ("other-not-a-version", Endpoint.GEMINI, "g", False, {"other": "us-central1"}, "", f"{G}/v1beta/models/g:generateContent"),
    ("thinking", Endpoint.GEMINI, "gemini-2.5-flash-thinking", True, {}, "", f"{G}/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse"),
    ("thinking-budget", Endpoint.GEMINI, "gemini-2.5-flash-thinking-2048", False, {}, "", f"{G}/v1beta/models/gemini-2.5-flash:generateContent"),
    ("nothinking", Endpoint.GEMINI, "gemini-2.5-flash-nothinking", False, {}, "", f"{G}/v1beta/models/gemini-2.5-flash:generateContent"),
    ("real-thinking-model", Endpoint.GEMINI, "gemini-2.0-flash-thinking-exp-01-21", False, {}, "", f"{G}/v1beta/models/gemini-2.0-flash-thinking-exp-01-21:generateContent"),
    ("embed", Endpoint.GEMINI_EMBED, "text-embedding-004", False, {}, "/v1beta/models/text-embedding-004:embedContent", f"{G}/v1beta/models/text-embedding-004:embedContent"),
    ("batch-embed", Endpoint.GEMINI_EMBED, "text-embedding-004", False, {}, "/v1beta/models/text-embedding-004:batchEmbedContents", f"{G}/v1beta/models/text-embedding-004:batchEmbedContents"),
    ("models", Endpoint.MODELS, "", False, {}, "", f"{G}/v1beta/models"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("endpoint", "model", "stream", "ch_kw", "path", "url"),
    [pytest.param(*c[1:], id=c[0]) for c in GEMINI_URLS],
)
def test_gemini_url(endpoint: str, model: str, stream: bool, ch_kw: Json, path: str, url: str):
    call = prepare(
        ct.GEMINI,
        {"contents": CONTENTS},
        endpoint=endpoint,
        model=model,
        stream=stream,
        path=path,
        **ch_kw,
    )
    assert call.url == url
    assert call.method == ("GET" if endpoint == Endpoint.MODELS else "POST")


def test_gemini_headers():
    call = prepare(
        ct.GEMINI,
        {"contents": CONTENTS},
        endpoint=Endpoint.GEMINI,
        model="g",
        stream=True,
        headers={"x-goog-api-key": "sk-client"},
        query={"key": "sk-client", "alt": "sse"},
    )
    assert call.headers == {
        "Accept": "text/event-stream",
        "Content-Type": "application/json",
        "x-goog-api-key": KEY,
    }
    assert "key=" not in call.url
    listing = prepare(ct.GEMINI, endpoint=Endpoint.MODELS, model="")
    assert listing.body is None and listing.headers == {
        "Accept": "application/json",
        "x-goog-api-key": KEY,
    }


@pytest.mark.parametrize("endpoint", [Endpoint.GEMINI, Endpoint.GEMINI_EMBED, Endpoint.MODELS])
def test_gemini_key_only_in_its_header(endpoint: str):
    call = prepare(
        ct.GEMINI,
        {"contents": CONTENTS, "requests": [{}]},
        endpoint=endpoint,
        model="g",
        stream=True,
    )
    assert KEY not in call.url and (call.body is None or KEY.encode() not in call.body)
    assert {n for n, v in call.headers.items() if KEY in v} == {"x-goog-api-key"}


GEN = "generationConfig"
GEMINI_BODIES = [
    ("as-is-minus-model", {"model": "x", "contents": CONTENTS, "tools": [{"functionDeclarations": []}]}, "g",
     {"contents": CONTENTS, "tools": [{"functionDeclarations": []}]}),
    ("thinking", {"contents": CONTENTS}, "gemini-2.5-flash-thinking",
     {"contents": CONTENTS, GEN: {"thinkingConfig": {"includeThoughts": True}}}),
    ("thinking-share-of-max", {"contents": CONTENTS, GEN: {"maxOutputTokens": 1000, "temperature": 0.1}}, "gemini-2.5-flash-thinking",
     {"contents": CONTENTS, GEN: {"maxOutputTokens": 1000, "temperature": 0.1, "thinkingConfig": {"includeThoughts": True, "thinkingBudget": 600}}}),
    ("budget", {"contents": CONTENTS}, "gemini-2.5-flash-thinking-2048",
     {"contents": CONTENTS, GEN: {"thinkingConfig": {"thinkingBudget": 2048, "includeThoughts": True}}}),
    ("budget-clamped", {"contents": CONTENTS}, "gemini-2.5-flash-thinking-99999",
     {"contents": CONTENTS, GEN: {"thinkingConfig": {"thinkingBudget": 24576, "includeThoughts": True}}}),
    ("budget-over-client", {"contents": CONTENTS, GEN: {"thinkingConfig": {"thinkingBudget": 10, "includeThoughts": False}}}, "gemini-2.5-pro-thinking-64",
     {"contents": CONTENTS, GEN: {"thinkingConfig": {"thinkingBudget": 128, "includeThoughts": True}}}),
    ("level", {"contents": CONTENTS}, "gemini-3-pro-preview-thinking-low",
     {"contents": CONTENTS, GEN: {"thinkingConfig": {"thinkingLevel": "LOW", "includeThoughts": True}}}),
    ("level-on-a-budget-model", {"contents": CONTENTS}, "gemini-2.5-flash-thinking-high",
     {"contents": CONTENTS, GEN: {"thinkingConfig": {"thinkingBudget": 19660, "includeThoughts": True}}}),
    ("nothinking", {"contents": CONTENTS}, "gemini-2.5-flash-nothinking",
     {"contents": CONTENTS, GEN: {"thinkingConfig": {"thinkingBudget": 0, "includeThoughts": False}}}),
    ("nothinking-pro-cannot", {"contents": CONTENTS}, "gemini-2.5-pro-nothinking", {"contents": CONTENTS}),
    ("snake-case", {"contents": CONTENTS, "generation_config": {"thinking_config": {"thinking_budget": 5, "include_thoughts": False}}}, "gemini-2.5-flash-thinking-1024",
     {"contents": CONTENTS, "generation_config": {"thinking_config": {"thinkingBudget": 1024, "includeThoughts": True}}}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("body", "model", "expected"), [pytest.param(*c[1:], id=c[0]) for c in GEMINI_BODIES]
)
def test_gemini_body(body: Json, model: str, expected: Json):
    original = orjson.loads(orjson.dumps(body))
    assert sent(prepare(ct.GEMINI, body, endpoint=Endpoint.GEMINI, model=model)) == expected
    assert body == original


def test_gemini_batch_embed_inner_model_follows_the_url():
    body = {
        "requests": [
            {"model": "models/alias", "content": {"parts": [{"text": "a"}]}},
            {"content": {"parts": [{"text": "b"}]}},
        ]
    }
    call = prepare(ct.GEMINI, body, endpoint=Endpoint.GEMINI_EMBED, model="text-embedding-004")
    assert call.url.endswith("/models/text-embedding-004:batchEmbedContents")
    assert [r["model"] for r in sent(call)["requests"]] == ["models/text-embedding-004"] * 2
    single = prepare(
        ct.GEMINI,
        {"content": {"parts": [{"text": "a"}]}},
        endpoint=Endpoint.GEMINI_EMBED,
        model="e",
    )
    assert single.url.endswith("/models/e:embedContent") and "model" not in sent(single)


def test_gemini_pass_through_keeps_body_but_strips_url_suffix():
    body = {"contents": CONTENTS}
    call = prepare(
        ct.GEMINI,
        body,
        endpoint=Endpoint.GEMINI,
        model="gemini-2.5-flash-thinking",
        setting={"pass_through_body_enabled": True},
    )
    assert sent(call) == body and "/models/gemini-2.5-flash:" in call.url


@pytest.mark.parametrize(
    ("model", "budget", "expected"),
    [("gemini-2.5-flash", -5, 0), ("gemini-2.5-flash-lite", 10, 512), ("gemini-2.5-pro", 40000, 32768),
     ("gemini-2.5-pro-preview-05-06", 10, 10), ("gemini-3-pro-preview", 1, 128)],
)  # fmt: skip
def test_clamp_budget(model: str, budget: int, expected: int):
    assert clamp_budget(model, budget) == expected


def test_split_thinking_leaves_plain_models_alone():
    assert split_thinking("gemini-2.5-flash", 100) == ("gemini-2.5-flash", None)
    assert split_thinking("-thinking", None) == ("-thinking", None)


# --- Gemini: errors and streams -------------------------------------------------------------

GEMINI_ERRORS = [
    ("invalid", 400, {"error": {"code": 400, "message": "API key not valid. Please pass a valid API key.", "status": "INVALID_ARGUMENT"}},
     "API key not valid. Please pass a valid API key.", "INVALID_ARGUMENT", None),
    ("quota", 429, {"error": {"code": 429, "message": "Resource has been exhausted", "status": "RESOURCE_EXHAUSTED",
                              "details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "21.5s"}]}},
     "Resource has been exhausted", "RESOURCE_EXHAUSTED", 22),
    ("list", 503, [{"error": {"code": 503, "message": "The model is overloaded.", "status": "UNAVAILABLE"}}],
     "The model is overloaded.", "UNAVAILABLE", None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("status", "raw", "message", "etype", "retry"),
    [pytest.param(*c[1:], id=c[0]) for c in GEMINI_ERRORS],
)
def test_gemini_parse_error(status: int, raw: Any, message: str, etype: str, retry: int | None):
    body = orjson.dumps(raw)
    err = GeminiAdapter().parse_error(status, body)
    assert (err.status, err.message, err.type, err.code) == (status, message, etype, etype)
    assert err.protocol == "gemini" and err.retry_after == retry and not err.local


def test_gemini_parse_error_other_shapes():
    err = GeminiAdapter().parse_error(404, b"Not Found")
    assert (err.message, err.code, err.protocol) == (
        "bad response status code 404",
        "bad_response_status_code",
        "gemini",
    )
    err = GeminiAdapter().parse_error(400, b'{"error":{"message":"x","type":"t","code":"c"}}')
    assert (err.message, err.type, err.code) == ("x", "t", "c")


GEMINI_STREAMS = sorted(p.stem for p in (FIXTURES / "gemini").glob("*.sse"))


@pytest.mark.parametrize("step", [None, 3])
@pytest.mark.parametrize("name", GEMINI_STREAMS)
def test_gemini_stream_decoder(name: str, step: int | None):
    raw = (FIXTURES / "gemini" / f"{name}.sse").read_bytes()
    decoder = GeminiAdapter().stream_decoder()
    events = decode(decoder, raw, step)
    assert events == data_lines(raw) and events
    assert not decoder.done, "Gemini streams end at EOF"


def test_gemini_stream_crlf_and_error_chunk():
    raw = b'data: {"candidates":[{"content":{"parts":[{"text":"a"}]}}]}\r\n\r\ndata: {"error":{"code":500,"message":"An internal error has occurred.","status":"INTERNAL"}}\r\n\r\n'
    events = decode(GeminiAdapter().stream_decoder(), raw, 4)
    assert events[0]["candidates"][0]["content"]["parts"] == [{"text": "a"}]
    assert events[1]["error"]["status"] == "INTERNAL"


def test_gemini_budget_and_level_never_both():
    body = {"contents": CONTENTS, GEN: {"thinkingConfig": {"thinkingLevel": "HIGH"}}}
    config = sent(
        prepare(ct.GEMINI, body, endpoint=Endpoint.GEMINI, model="gemini-2.5-flash-thinking-900")
    )
    assert config[GEN]["thinkingConfig"] == {"thinkingBudget": 900, "includeThoughts": True}
