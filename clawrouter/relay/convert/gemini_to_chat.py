"""Gemini client served by an OpenAI chat upstream: generateContent request → chat request,
chat.completion → GenerateContentResponse, and chat.completion.chunk → Gemini stream chunks.

Gemini streams end without `[DONE]`: text and thoughts are forwarded as they come, while
function calls are assembled from their argument fragments and sent whole in the last chunk,
together with finishReason and usageMetadata (`finish()`). thinkingBudget maps back to a
reasoning_effort (≤1024 low, ≤8192 medium, above high; 0 and -1 send none, leaving the
upstream default).
"""

from __future__ import annotations

from typing import Any

from clawrouter.relay.convert import gemini_schema
from clawrouter.relay.convert.base import ConvertContext
from clawrouter.relay.convert.gemini_contents import contents_to_messages
from clawrouter.relay.convert.gemini_parts import (
    as_dict,
    dicts,
    finish_to_gemini,
    loads_object,
    pick,
    signature_of,
    text_of,
    usage_or_estimate,
)
from clawrouter.wire.usage import Usage, from_openai, to_gemini

Json = dict[str, Any]

_GENERATION = (
    ("temperature", "temperature"),
    ("topP", "top_p"),
    ("candidateCount", "n"),
    ("maxOutputTokens", "max_tokens"),
    ("seed", "seed"),
    ("presencePenalty", "presence_penalty"),
    ("frequencyPenalty", "frequency_penalty"),
)
_EFFORT_LEVELS = ("minimal", "low", "medium", "high")


# --- request -------------------------------------------------------------------------------


def request(body: Json, ctx: ConvertContext) -> Json:
    """GenerateContentRequest (camelCase or snake_case keys) → chat completions request."""
    system, contents = pick(body, "systemInstruction"), pick(body, "contents")
    messages = contents_to_messages(system, contents, ctx.id)
    out: Json = {"model": ctx.model, "messages": messages}
    tools = _tools(pick(body, "tools"))
    if tools:
        choice, tools = _tool_choice(pick(body, "toolConfig"), tools)
        out["tools"] = tools
        if choice is not None:
            out["tool_choice"] = choice
    out.update(_generation(pick(body, "generationConfig")))
    if ctx.stream:
        out["stream"] = True
        out["stream_options"] = {"include_usage": True}
    return out


def _tools(tools: Any) -> list[Json]:
    out: list[Json] = []
    for tool in dicts(tools):
        for decl in dicts(pick(tool, "functionDeclarations")):
            fn: Json = {"name": decl.get("name", "")}
            if decl.get("description"):
                fn["description"] = decl["description"]
            schema = pick(decl, "parametersJsonSchema")
            if schema is None and pick(decl, "parameters") is not None:
                schema = gemini_schema.from_gemini(pick(decl, "parameters"))
            if schema is not None:
                fn["parameters"] = schema
            out.append({"type": "function", "function": fn})
    return out


def _tool_choice(config: Any, tools: list[Json]) -> tuple[Any, list[Json]]:
    calling = pick(config, "functionCallingConfig")
    if not isinstance(calling, dict):
        return None, tools
    mode = str(pick(calling, "mode") or "AUTO").upper()
    names = [n for n in pick(calling, "allowedFunctionNames") or [] if isinstance(n, str)]
    if mode == "NONE":
        return "none", tools
    if mode != "ANY":
        return "auto", tools
    if len(names) == 1:
        return {"type": "function", "function": {"name": names[0]}}, tools
    if names:  # chat can only force "some tool": offer just the allowed ones
        tools = [t for t in tools if t["function"]["name"] in names]
    return "required", tools


def _generation(config: Any) -> Json:
    if not isinstance(config, dict):
        return {}
    out: Json = {}
    for src, dst in _GENERATION:
        value = pick(config, src)
        if value is not None:
            out[dst] = value
    stops = pick(config, "stopSequences")
    if isinstance(stops, list) and stops:
        out["stop"] = stops
    fmt = _response_format(config)
    if fmt:
        out["response_format"] = fmt
    effort = _effort(pick(config, "thinkingConfig"))
    if effort:
        out["reasoning_effort"] = effort
    return out


def _response_format(config: Json) -> Json | None:
    if pick(config, "responseMimeType") != "application/json":
        return None
    schema = pick(config, "responseJsonSchema")
    if schema is None and pick(config, "responseSchema") is not None:
        schema = gemini_schema.from_gemini(pick(config, "responseSchema"))
    if not schema:
        return {"type": "json_object"}
    return {"type": "json_schema", "json_schema": {"name": "response", "schema": schema}}


def _effort(thinking: Any) -> str | None:
    level = str(pick(thinking, "thinkingLevel") or "").lower()
    if level in _EFFORT_LEVELS:
        return level
    budget = pick(thinking, "thinkingBudget")
    if not isinstance(budget, int) or budget <= 0:
        return None
    if budget <= 1024:
        return "low"
    return "medium" if budget <= 8192 else "high"


# --- response ------------------------------------------------------------------------------


def response(body: Json, ctx: ConvertContext) -> Json:
    """chat.completion → GenerateContentResponse."""
    choices = dicts(body.get("choices"))
    usage = usage_or_estimate(from_openai(body.get("usage")), ctx)
    candidates = [_candidate(choice, i) for i, choice in enumerate(choices)]
    return _envelope(candidates, ctx, to_gemini(usage))


def _candidate(choice: Json, position: int) -> Json:
    parts = _message_parts(as_dict(choice.get("message")))
    return {
        "content": {"parts": parts or [{"text": ""}], "role": "model"},
        "finishReason": finish_to_gemini(choice.get("finish_reason")),
        "index": choice.get("index", position),
    }


def _message_parts(message: Json) -> list[Json]:
    parts: list[Json] = []
    reasoning = message.get("reasoning_content") or message.get("reasoning")
    if isinstance(reasoning, str) and reasoning:
        parts.append({"text": reasoning, "thought": True})
    text = text_of(message.get("content")) or message.get("refusal")
    if isinstance(text, str) and text:
        parts.append({"text": text})
    calls = dicts(message.get("tool_calls"))
    if isinstance(message.get("function_call"), dict):
        calls.append({"function": message["function_call"]})
    for call in calls:
        fn = as_dict(call.get("function"))
        parts.append(_call_part(call.get("id"), fn.get("name"), fn.get("arguments"), call))
    return parts


def _call_part(call_id: Any, name: Any, arguments: Any, source: Json) -> Json:
    fc: Json = {"id": call_id} if call_id else {}
    fc.update(name=name or "", args=loads_object(arguments) or {})
    part: Json = {"functionCall": fc}
    signature = signature_of(source)
    if signature:
        part["thoughtSignature"] = signature
    return part


def _envelope(candidates: list[Json], ctx: ConvertContext, usage: Json | None) -> Json:
    out: Json = {"candidates": candidates}
    if usage is not None:
        out["usageMetadata"] = usage
    out["modelVersion"] = ctx.echo_model
    out["responseId"] = ctx.id
    return out


# --- stream --------------------------------------------------------------------------------


class Stream:
    """chat.completion.chunk dicts → Gemini GenerateContentResponse chunks (no [DONE])."""

    def __init__(self, ctx: ConvertContext) -> None:
        self.ctx = ctx
        self.usage: Usage | None = None
        self._seen: set[int] = set()
        self._finish: dict[int, str] = {}
        self._calls: dict[int, list[Json]] = {}  # choice index → assembled tool calls
        self._done = False

    def feed(self, event: Json) -> list[Json]:
        if isinstance(event.get("usage"), dict):
            self.usage = from_openai(event["usage"])  # may come alone, with `choices: []`
        candidates: list[Json] = []
        for position, choice in enumerate(dicts(event.get("choices"))):
            index = choice.get("index", position)
            self._seen.add(index)
            delta = as_dict(choice.get("delta"))
            self._collect(index, dicts(delta.get("tool_calls")))
            parts = _delta_parts(delta)
            if parts:
                content = {"parts": parts, "role": "model"}
                candidates.append({"content": content, "index": index})
            if choice.get("finish_reason"):
                self._finish[index] = choice["finish_reason"]
        return [_envelope(candidates, self.ctx, None)] if candidates else []

    def finish(self) -> list[Json]:
        if self._done:
            return []
        self._done = True
        candidates = [self._last_candidate(index) for index in sorted(self._seen or {0})]
        usage = to_gemini(usage_or_estimate(self.usage, self.ctx))
        return [_envelope(candidates, self.ctx, usage)]

    def _last_candidate(self, index: int) -> Json:
        parts = [
            _call_part(c["id"], c["name"], c["arguments"], c["source"])
            for c in self._calls.get(index, [])
        ]
        return {
            "content": {"parts": parts or [{"text": ""}], "role": "model"},
            "finishReason": finish_to_gemini(self._finish.get(index)),
            "index": index,
        }

    def _collect(self, index: int, deltas: list[Json]) -> None:
        calls = self._calls.setdefault(index, [])
        for delta in deltas:
            slot = _slot(calls, delta)
            fn = as_dict(delta.get("function"))
            slot["id"] = delta.get("id") or slot["id"]
            slot["name"] = fn.get("name") or slot["name"]
            slot["arguments"] += fn.get("arguments") or ""
            if signature_of(delta):
                slot["source"] = delta


def _slot(calls: list[Json], delta: Json) -> Json:
    """The tool call a fragment belongs to: by `index`, or by id when `index` is missing."""
    position, call_id = delta.get("index"), delta.get("id")
    if isinstance(position, int) and position < len(calls):
        if not call_id or calls[position]["id"] in ("", call_id):
            return calls[position]
    elif position is None and calls and (not call_id or calls[-1]["id"] == call_id):
        return calls[-1]
    calls.append({"id": "", "name": "", "arguments": "", "source": {}})
    return calls[-1]


def _delta_parts(delta: Json) -> list[Json]:
    parts: list[Json] = []
    reasoning = delta.get("reasoning_content") or delta.get("reasoning")
    if isinstance(reasoning, str) and reasoning:
        parts.append({"text": reasoning, "thought": True})
    content = delta.get("content")
    if isinstance(content, str) and content:
        parts.append({"text": content})
    return parts
