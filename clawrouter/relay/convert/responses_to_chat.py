"""Serve an OpenAI Responses client (`POST /v1/responses`) from a Chat Completions upstream.

request() maps the Responses request to a chat request, response() maps a chat.completion to a
Responses object, Stream maps chat chunks to Responses stream events. Pure: ids and timestamps
come from the ConvertContext; the client's original request (echoed back in the response
object) is read from `ctx.extra["request"]`, stored history from `ctx.extra["history"]`.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any

from clawrouter.relay.convert import responses_items as items
from clawrouter.relay.convert import responses_output as out_
from clawrouter.relay.convert.base import ConvertContext
from clawrouter.wire.usage import Usage, from_openai

Event = dict[str, Any]

# OpenAI's reasoning models reject `max_tokens`; everyone else knows it.
_COMPLETION_TOKENS_MODELS = re.compile(r"^(o\d|gpt-5)")
_PASSTHROUGH = ("temperature", "top_p", "user", "safety_identifier", "prompt_cache_key")


# ---- request -----------------------------------------------------------------------------


def request(body: dict[str, Any], ctx: ConvertContext) -> dict[str, Any]:
    """Responses request → chat request; stored history goes right after the instructions."""
    messages: list[dict[str, Any]] = []
    if isinstance(body.get("instructions"), str) and body["instructions"]:
        messages.append({"role": "system", "content": body["instructions"]})
    messages += copy.deepcopy(ctx.extra.get("history") or [])
    messages += items.messages(body.get("input"))
    out: dict[str, Any] = {"model": ctx.model, "messages": messages}
    out.update(_tool_fields(body))
    for key in _PASSTHROUGH:
        if body.get(key) is not None:
            out[key] = body[key]
    if body.get("max_output_tokens") is not None:
        out[_max_tokens_key(ctx.model)] = body["max_output_tokens"]
    reasoning = body.get("reasoning")
    if isinstance(reasoning, dict) and reasoning.get("effort"):
        out["reasoning_effort"] = reasoning["effort"]
    out.update(_text_fields(body.get("text")))
    if body.get("stream"):
        out["stream"] = True
        out["stream_options"] = {"include_usage": True}
    return out


def dropped_tools(body: dict[str, Any]) -> list[str]:
    """Types of the request's tools that a chat upstream cannot serve (web_search, mcp, …)."""
    return items.tools(body.get("tools"))[1]


def _max_tokens_key(model: str) -> str:
    name = model.rsplit("/", 1)[-1].lower()
    return "max_completion_tokens" if _COMPLETION_TOKENS_MODELS.match(name) else "max_tokens"


def _tool_fields(body: dict[str, Any]) -> dict[str, Any]:
    tools, _ = items.tools(body.get("tools"))
    if not tools:
        return {}  # chat rejects tool_choice / parallel_tool_calls without tools
    out: dict[str, Any] = {"tools": tools}
    names = {t["function"].get("name") for t in tools}
    choice = items.tool_choice(body.get("tool_choice"), names)
    if choice is not None:
        out["tool_choice"] = choice
    if isinstance(body.get("parallel_tool_calls"), bool):
        out["parallel_tool_calls"] = body["parallel_tool_calls"]
    return out


def _text_fields(text: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    fmt = items.response_format(text)
    if fmt is not None:
        out["response_format"] = fmt
    if isinstance(text, dict) and text.get("verbosity"):
        out["verbosity"] = text["verbosity"]
    return out


def history(
    chat_request: dict[str, Any], chat_response_message: dict[str, Any]
) -> list[dict[str, Any]]:
    """Chat messages to store under the new response id for a later previous_response_id.

    System messages (this request's instructions) are not carried over, as in OpenAI's API.
    """
    kept = [
        m
        for m in chat_request.get("messages") or []
        if m.get("role") not in ("system", "developer")
    ]
    return [*copy.deepcopy(kept), items.stored_assistant(chat_response_message)]


# ---- response ----------------------------------------------------------------------------


def response(body: dict[str, Any], ctx: ConvertContext) -> dict[str, Any]:
    """chat.completion → Responses `response` object (first choice only)."""
    choices = body.get("choices") or [{}]
    choice = choices[0] if isinstance(choices[0], dict) else {}
    finish = choice.get("finish_reason")
    status, _ = out_.status_of(finish)
    output = out_.output_items(ctx, choice.get("message") or {}, status)
    return out_.envelope(ctx, status, output, from_openai(body.get("usage")), finish)


# ---- stream ------------------------------------------------------------------------------


@dataclass(slots=True)
class _Call:
    """A streamed tool call; announced (given an output index) once its name is known."""

    call_id: str = ""
    name: str = ""
    pending: str = ""  # arguments received before the announcement
    index: int = -1


class Stream:
    """chat.completion.chunk dicts → Responses stream events (each with a sequence_number).

    Reasoning, text and each tool call become output items in arrival order. The terminal
    response.completed / response.incomplete waits for usage, which OpenAI sends in a separate
    last chunk with `choices: []`; finish() emits it when the upstream never does.
    """

    def __init__(self, ctx: ConvertContext) -> None:
        self.ctx = ctx
        self.usage: Usage | None = None
        self._seq = 0
        self._started = False
        self._done = False
        self._finish: str | None = None
        self._output: list[out_.Item] = []  # item snapshots by output_index
        self._open: dict[str, int] = {}  # "reasoning" / "text" → output_index
        self._calls: dict[int, _Call] = {}  # chat tool_calls index → call
        self._open_calls: list[_Call] = []

    # -- protocol --

    def feed(self, chunk: dict[str, Any]) -> list[Event]:
        if self._done:
            return []
        events = self._start()
        if isinstance(chunk.get("usage"), dict):
            self.usage = from_openai(chunk["usage"])
        choices = chunk.get("choices") or []
        choice = next((c for c in choices if isinstance(c, dict) and c.get("index", 0) == 0), None)
        if choice is not None:
            events += self._choice(choice)
        if self._finish is not None and isinstance(chunk.get("usage"), dict):
            events += self._terminal()
        return events

    def finish(self) -> list[Event]:
        if self._done:
            return []
        return self._start() + self._close_all() + self._terminal()

    def assistant_message(self) -> dict[str, Any]:
        """The streamed answer as a chat assistant message, for history()."""
        msgs = items.messages(copy.deepcopy(self._output))
        last = msgs[-1] if msgs else {"role": "assistant", "content": ""}
        return items.stored_assistant(last)

    # -- plumbing --

    def _ev(self, kind: str, **fields: Any) -> Event:
        event = {"type": kind, "sequence_number": self._seq, **fields}
        self._seq += 1
        return event

    def _start(self) -> list[Event]:
        if self._started:
            return []
        self._started = True
        resp = out_.envelope(self.ctx, "in_progress", [], None)
        return [
            self._ev("response.created", response=resp),
            self._ev("response.in_progress", response=copy.deepcopy(resp)),
        ]

    def _terminal(self) -> list[Event]:
        self._done = True
        status, _ = out_.status_of(self._finish)
        output = copy.deepcopy(self._output)
        resp = out_.envelope(self.ctx, status, output, self.usage, self._finish)
        return [self._ev(f"response.{status}", response=resp)]

    def _choice(self, choice: dict[str, Any]) -> list[Event]:
        delta = choice.get("delta") or {}
        events: list[Event] = []
        if reasoning := out_.reasoning_of(delta):
            events += self._reasoning(reasoning)
        if isinstance(delta.get("content"), str) and delta["content"]:
            events += self._text(delta["content"])
        for pos, tc in enumerate(delta.get("tool_calls") or []):
            if isinstance(tc, dict):
                events += self._tool(pos, tc)
        if choice.get("finish_reason"):
            self._finish = choice["finish_reason"]
            events += self._close_all()
        return events

    def _add(self, item: out_.Item) -> Event:
        self._output.append(item)
        index = len(self._output) - 1
        return self._ev("response.output_item.added", output_index=index, item=copy.deepcopy(item))

    def _item_done(self, index: int) -> Event:
        item = copy.deepcopy(self._output[index])
        return self._ev("response.output_item.done", output_index=index, item=item)

    def _item_status(self) -> str:
        return out_.status_of(self._finish)[0]

    # -- reasoning --

    def _reasoning(self, delta: str) -> list[Event]:
        events: list[Event] = []
        index = self._open.get("reasoning")
        if index is None:
            events += self._close_text()
            index = len(self._output)
            rid = out_.item_id(self.ctx, "rs", index)
            events.append(self._add(out_.reasoning_item(rid, None)))
            self._output[index]["summary"].append({"type": "summary_text", "text": ""})
            self._open["reasoning"] = index
            events.append(self._summary_ev("part.added", index, part=_summary("")))
        self._output[index]["summary"][0]["text"] += delta
        events.append(self._summary_ev("text.delta", index, delta=delta))
        return events

    def _summary_ev(self, suffix: str, index: int, **fields: Any) -> Event:
        item_id = self._output[index]["id"]
        kind = f"response.reasoning_summary_{suffix}"
        return self._ev(kind, item_id=item_id, output_index=index, summary_index=0, **fields)

    def _close_reasoning(self) -> list[Event]:
        index = self._open.pop("reasoning", None)
        if index is None:
            return []
        text = self._output[index]["summary"][0]["text"]
        return [
            self._summary_ev("text.done", index, text=text),
            self._summary_ev("part.done", index, part=_summary(text)),
            self._item_done(index),
        ]

    # -- text --

    def _text(self, delta: str) -> list[Event]:
        events: list[Event] = []
        index = self._open.get("text")
        if index is None:
            events += self._close_reasoning()
            index = len(self._output)
            mid = out_.item_id(self.ctx, "msg", index)
            events.append(self._add(out_.message_item(mid, [], "in_progress")))
            self._output[index]["content"].append(out_.text_part(""))
            self._open["text"] = index
            events.append(self._part_ev("content_part.added", index, part=out_.text_part("")))
        self._output[index]["content"][0]["text"] += delta
        events.append(self._part_ev("output_text.delta", index, delta=delta, logprobs=[]))
        return events

    def _part_ev(self, kind: str, index: int, **fields: Any) -> Event:
        item_id = self._output[index]["id"]
        return self._ev(
            f"response.{kind}", item_id=item_id, output_index=index, content_index=0, **fields
        )

    def _close_text(self) -> list[Event]:
        index = self._open.pop("text", None)
        if index is None:
            return []
        item = self._output[index]
        item["status"] = self._item_status()
        part = item["content"][0]
        return [
            self._part_ev("output_text.done", index, text=part["text"], logprobs=[]),
            self._part_ev("content_part.done", index, part=copy.deepcopy(part)),
            self._item_done(index),
        ]

    # -- tool calls --

    def _tool(self, pos: int, tc: dict[str, Any]) -> list[Event]:
        events: list[Event] = []
        key = tc["index"] if isinstance(tc.get("index"), int) else pos
        call = self._calls.get(key)
        new_id = tc.get("id") or ""
        if call is None or (new_id and call.call_id and new_id != call.call_id):
            # a new call (or a provider reusing index 0 for every call, told apart by its id)
            events += self._close_reasoning() + self._close_text()
            call = self._calls[key] = _Call()
            self._open_calls.append(call)
        fn = tc.get("function") or {}
        args = out_.arguments_text(fn.get("arguments"))
        if call.index >= 0:
            return events + self._arguments(call, args)
        call.call_id = call.call_id or new_id
        call.name = call.name or fn.get("name") or ""
        call.pending += args
        if call.name:
            events += self._announce(call)
        return events

    def _announce(self, call: _Call) -> list[Event]:
        call.index = index = len(self._output)
        call_id = call.call_id or out_.item_id(self.ctx, "call", index)
        fid = out_.item_id(self.ctx, "fc", index)
        events = [self._add(out_.function_item(fid, call_id, call.name, "", "in_progress"))]
        pending, call.pending = call.pending, ""
        return events + self._arguments(call, pending)

    def _arguments(self, call: _Call, delta: str) -> list[Event]:
        if not delta:
            return []
        item = self._output[call.index]
        item["arguments"] += delta
        return [self._fn_ev("delta", call.index, delta=delta)]

    def _fn_ev(self, suffix: str, index: int, **fields: Any) -> Event:
        item_id = self._output[index]["id"]
        kind = f"response.function_call_arguments.{suffix}"
        return self._ev(kind, item_id=item_id, output_index=index, **fields)

    def _close_call(self, call: _Call) -> list[Event]:
        events: list[Event] = [] if call.index >= 0 else self._announce(call)
        item = self._output[call.index]
        item["status"] = self._item_status()
        args, name = item["arguments"], item["name"]
        events.append(self._fn_ev("done", call.index, arguments=args, name=name))
        events.append(self._item_done(call.index))
        return events

    def _close_all(self) -> list[Event]:
        events = self._close_reasoning() + self._close_text()
        for call in self._open_calls:
            events += self._close_call(call)
        self._open_calls = []
        self._calls = {}
        return events


def _summary(text: str) -> dict[str, str]:
    return {"type": "summary_text", "text": text}
