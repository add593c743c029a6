"""Responses client ↔ chat upstream: golden fixtures, edge cases and the real openai SDK.

Cases are discovered from files: a client request in tests/fixtures/responses/<case>.json, an
upstream answer in tests/fixtures/openai/for_responses_<case>.json|.sse, goldens (and an
optional <case>.ctx.json holding ctx.extra) in tests/fixtures/convert/responses_to_chat/.
Regenerate goldens with UPDATE_GOLDEN=1 and review the diff.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from openai.types.responses import Response, ResponseStreamEvent
from pydantic import BaseModel, TypeAdapter

from clawrouter.relay.convert import responses_items
from clawrouter.relay.convert import responses_to_chat as conv
from clawrouter.relay.convert.base import ConvertContext
from clawrouter.wire.sse import encode_named
from tests.support.golden import FIXTURES, UPDATE, sse_json
from tests.support.golden import load as _load
from tests.support.sdk import openai_client

REQUESTS = FIXTURES / "responses"
UPSTREAM = FIXTURES / "openai"
GOLDEN = FIXTURES / "convert" / "responses_to_chat"
PREFIX = "for_responses_"


def _cases(directory: Path, suffix: str, prefix: str = "") -> list[str]:
    names = (p.name for p in directory.glob(f"{prefix}*{suffix}"))
    return sorted(n[len(prefix) : -len(suffix)] for n in names)


REQUEST_CASES = _cases(REQUESTS, ".json")
JSON_CASES = _cases(UPSTREAM, ".json", PREFIX)
SSE_CASES = _cases(UPSTREAM, ".sse", PREFIX)


def _client_request(case: str) -> dict[str, Any]:
    path = REQUESTS / f"{case}.json"
    return _load(path) if path.exists() else {}


def _ctx(case: str) -> ConvertContext:
    req = _client_request(case)
    extra: dict[str, Any] = {"request": req}
    ctx_file = GOLDEN / f"{case}.ctx.json"
    if ctx_file.exists():
        extra.update(_load(ctx_file))
    model = req.get("model", "gpt-4o")
    return ConvertContext(
        model=model, client_model=model, id="resp_68c0ffee", created=1767225600, extra=extra
    )


def _golden(name: str, actual: Any) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(json.dumps(actual, indent=2, ensure_ascii=False) + "\n")
    assert path.exists(), f"missing golden {path.name}; run with UPDATE_GOLDEN=1"
    assert actual == _load(path)


def _chunks(case: str) -> list[dict[str, Any]]:
    return sse_json(UPSTREAM / f"{PREFIX}{case}.sse")


def _replay(case: str) -> tuple[list[dict[str, Any]], conv.Stream]:
    stream = conv.Stream(_ctx(case))
    events: list[dict[str, Any]] = []
    for chunk in _chunks(case):
        events += stream.feed(chunk)
    events += stream.finish()
    return events, stream


# ---- golden tables -----------------------------------------------------------------------


@pytest.mark.parametrize("case", REQUEST_CASES)
def test_request(case: str) -> None:
    _golden(f"{case}.request.json", conv.request(_client_request(case), _ctx(case)))


@pytest.mark.parametrize("case", JSON_CASES)
def test_response(case: str) -> None:
    body = _load(UPSTREAM / f"{PREFIX}{case}.json")
    _golden(f"{case}.response.json", conv.response(body, _ctx(case)))


@pytest.mark.parametrize("case", SSE_CASES)
def test_stream(case: str) -> None:
    events, _ = _replay(case)
    _golden(f"{case}.stream.json", events)
    assert [e["sequence_number"] for e in events] == list(range(len(events)))
    assert [e["type"] for e in events[:2]] == ["response.created", "response.in_progress"]
    assert events[-1]["type"] in ("response.completed", "response.incomplete")


@pytest.mark.parametrize("case", sorted(set(REQUEST_CASES) & set(JSON_CASES)))
def test_history(case: str) -> None:
    ctx = _ctx(case)
    chat_req = conv.request(_client_request(case), ctx)
    message = _load(UPSTREAM / f"{PREFIX}{case}.json")["choices"][0]["message"]
    _golden(f"{case}.history.json", conv.history(chat_req, message))


@pytest.mark.parametrize("case", sorted(set(JSON_CASES) & set(SSE_CASES)))
def test_stream_matches_json(case: str) -> None:
    """The streamed final response carries the same output as the JSON conversion."""
    events, stream = _replay(case)
    body = _load(UPSTREAM / f"{PREFIX}{case}.json")
    assert events[-1]["response"]["output"] == conv.response(body, _ctx(case))["output"]
    expected = responses_items.stored_assistant(body["choices"][0]["message"])
    assert stream.assistant_message() == expected


@pytest.mark.parametrize("case", SSE_CASES)
def test_stream_events_match_sdk_types(case: str) -> None:
    """Every event validates (not just constructs) against the SDK's pydantic union."""
    adapter = TypeAdapter(ResponseStreamEvent)
    for event in _replay(case)[0]:
        adapter.validate_python(event)


@pytest.mark.parametrize("case", JSON_CASES)
def test_response_matches_sdk_type(case: str) -> None:
    body = _load(UPSTREAM / f"{PREFIX}{case}.json")
    Response.model_validate(conv.response(body, _ctx(case)))


# ---- edge cases --------------------------------------------------------------------------


def _ctx_plain() -> ConvertContext:
    return ConvertContext(model="m", id="resp_x", created=1)


def _chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {"choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}


def _run(chunks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    stream = conv.Stream(_ctx_plain())
    events = [e for c in chunks for e in stream.feed(c)]
    return events + stream.finish()


def test_stream_index_reused_with_new_ids() -> None:
    """Some providers send every tool call at index 0; distinct ids still make two items."""
    events = _run(
        [
            _chunk(
                {
                    "tool_calls": [
                        {"index": 0, "id": "a", "function": {"name": "f", "arguments": "{}"}}
                    ]
                }
            ),
            _chunk(
                {
                    "tool_calls": [
                        {"index": 0, "id": "b", "function": {"name": "g", "arguments": {"x": 1}}}
                    ]
                }
            ),
            _chunk({}, "tool_calls"),
        ]
    )
    output = events[-1]["response"]["output"]
    assert [(i["call_id"], i["name"], i["arguments"]) for i in output] == [
        ("a", "f", "{}"),
        ("b", "g", '{"x":1}'),
    ]


def test_stream_name_arrives_late() -> None:
    events = _run(
        [
            _chunk({"tool_calls": [{"index": 0, "id": "c1", "function": {"arguments": '{"q"'}}]}),
            _chunk(
                {"tool_calls": [{"index": 0, "function": {"name": "search", "arguments": ":1}"}}]}
            ),
        ]
    )
    added = [e for e in events if e["type"] == "response.output_item.added"]
    assert added[0]["item"]["name"] == "search"
    done = next(e for e in events if e["type"] == "response.function_call_arguments.done")
    assert done["arguments"] == '{"q":1}'


def test_stream_empty_upstream_and_late_chunks() -> None:
    stream = conv.Stream(_ctx_plain())
    events = stream.finish()
    assert [e["type"] for e in events] == [
        "response.created",
        "response.in_progress",
        "response.completed",
    ]
    assert events[-1]["response"]["output"] == [] and stream.usage is None
    assert stream.feed(_chunk({"content": "late"})) == [] and stream.finish() == []


@pytest.mark.parametrize(
    ("model", "key"),
    [
        ("gpt-4o", "max_tokens"),
        ("o3-mini", "max_completion_tokens"),
        ("openai/gpt-5", "max_completion_tokens"),
    ],
)
def test_max_tokens_key(model: str, key: str) -> None:
    out = conv.request({"input": "hi", "max_output_tokens": 5}, ConvertContext(model=model))
    assert out[key] == 5


@pytest.mark.parametrize(
    ("tools", "choice", "expected"),
    [
        ([{"type": "web_search"}], "required", {}),
        ([{"type": "function", "name": "f"}], {"type": "web_search"}, {}),
        ([{"type": "function", "name": "f"}], "none", {"tool_choice": "none"}),
        (
            [{"type": "function", "name": "f"}],
            {"type": "allowed_tools", "mode": "required", "tools": []},
            {"tool_choice": "required"},
        ),
    ],
)
def test_tool_choice(tools: list[dict[str, Any]], choice: Any, expected: dict[str, Any]) -> None:
    out = conv.request({"input": "hi", "tools": tools, "tool_choice": choice}, _ctx_plain())
    assert {k: v for k, v in out.items() if k == "tool_choice"} == expected


def test_dropped_tools() -> None:
    body = {"tools": [{"type": "function", "name": "f"}, {"type": "web_search"}, {"type": "mcp"}]}
    assert conv.dropped_tools(body) == ["web_search", "mcp"]


# ---- the real openai SDK parses what we emit ---------------------------------------------


@contextlib.asynccontextmanager
async def _sdk(payload: Any) -> AsyncIterator[Any]:
    """An AsyncOpenAI client talking to a loopback server that answers POST /v1/responses
    with `payload`: a response object (JSON) or a list of stream events (SSE)."""

    async def handle(request: web.Request) -> web.StreamResponse:
        await request.read()
        if isinstance(payload, dict):
            return web.json_response(payload)
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await resp.prepare(request)
        for event in payload:
            await resp.write(encode_named(event))
        await resp.write_eof()
        return resp

    app = web.Application()
    app.router.add_post("/v1/responses", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        url = f"http://127.0.0.1:{runner.addresses[0][1]}/v1"
        async with openai_client(url, "x") as client:
            yield client
    finally:
        await runner.cleanup()


async def test_sdk_stream_parallel_tool_calls() -> None:
    events, _ = _replay("tools_parallel")
    req = _client_request("tools_parallel")
    async with (
        _sdk(events) as client,
        client.responses.stream(
            model=req["model"], input=req["input"], tools=req["tools"]
        ) as stream,
    ):
        seen = [event.type async for event in stream]
        final = await stream.get_final_response()
    assert seen.count("response.function_call_arguments.delta") == 7
    calls = [(o.name, json.loads(o.arguments), o.call_id) for o in final.output]
    assert calls == [
        ("get_weather", {"city": "Paris", "unit": "c"}, "call_Wq1mZ8rT3kP0aV6b"),
        ("get_time", {"city": "Paris"}, "call_Tm7nB2xL9cQ4dE1f"),
    ]
    assert final.usage is not None and final.usage.total_tokens == 193


async def test_sdk_stream_reasoning_and_text() -> None:
    events, _ = _replay("reasoning")
    async with (
        _sdk(events) as client,
        client.responses.stream(model="deepseek-reasoner", input="x") as stream,
    ):
        deltas = [e.delta async for e in stream if e.type == "response.output_text.delta"]
        final = await stream.get_final_response()
    assert "".join(deltas) == final.output_text == "No. 1001 = 7 × 11 × 13."
    assert final.output[0].type == "reasoning"
    assert final.output[0].summary[0].text.startswith("1001 = 7 × 143")
    assert final.usage is not None and final.usage.output_tokens_details.reasoning_tokens == 78


class Person(BaseModel):
    name: str
    year: int


async def test_sdk_stream_structured_output() -> None:
    events, _ = _replay("json_schema")
    async with (
        _sdk(events) as client,
        client.responses.stream(model="gpt-4o", input="x", text_format=Person) as stream,
    ):
        final = await stream.get_final_response()
    assert final.output_parsed == Person(name="Ada Lovelace", year=1843)


async def test_sdk_stream_incomplete() -> None:
    events, _ = _replay("max_output_tokens")
    async with _sdk(events) as client:
        raw = await client.responses.create(model="o4-mini", input="x", stream=True)
        seen = [event async for event in raw]
    last = seen[-1]
    assert last.type == "response.incomplete"
    assert last.response.incomplete_details.reason == "max_output_tokens"
    assert last.response.output_text == "The sea rolls in with silver"


async def test_sdk_create_json() -> None:
    body = _load(UPSTREAM / f"{PREFIX}multi_turn.json")
    async with _sdk(conv.response(body, _ctx("multi_turn"))) as client:
        resp = await client.responses.create(model="gpt-4.1", input="x")
    assert resp.id == "resp_68c0ffee" and resp.status == "completed"
    assert resp.output_text.startswith("That is the Trail GR 2.")
    assert resp.usage is not None and resp.usage.input_tokens_details.cached_tokens == 1024
    assert resp.instructions == "You are a concise assistant for a bike shop."
