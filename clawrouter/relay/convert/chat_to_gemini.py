"""OpenAI chat client served by a Gemini upstream: chat request → generateContent request,
GenerateContentResponse → chat.completion, and Gemini stream chunks → chat.completion.chunk.

Reasoning effort maps to a thinking budget (see `THINKING_BUDGETS`). Function calls Gemini
returns without an id get `call_<ctx.id>_<index>`; a call's thoughtSignature travels to the
client in `tool_calls[].extra_content.google.thought_signature` (Google's OpenAI-compat field)
and comes back to Gemini from there.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any, Final

from clawrouter.relay.convert import gemini_schema
from clawrouter.relay.convert.base import ConvertContext
from clawrouter.relay.convert.gemini_contents import chat_to_contents
from clawrouter.relay.convert.gemini_parts import (
    as_dict,
    data_url,
    dicts,
    dumps,
    finish_to_chat,
    signature_extra,
    tool_call_id,
    usage_or_estimate,
)
from clawrouter.wire.usage import Usage, from_gemini, to_openai

# reasoning_effort → thinkingBudget. 24576 is the largest budget every 2.5 model accepts.
THINKING_BUDGETS: Final = MappingProxyType(
    {"none": 0, "minimal": 512, "low": 1024, "medium": 8192, "high": 24576, "xhigh": 24576}
)

_SAMPLING: Final = (
    ("temperature", "temperature"),
    ("top_p", "topP"),
    ("top_k", "topK"),
    ("seed", "seed"),
)
_PENALTIES: Final = (
    ("presence_penalty", "presencePenalty"),
    ("frequency_penalty", "frequencyPenalty"),
)
_THINKING_KEYS: Final = MappingProxyType(
    {
        "thinking_budget": "thinkingBudget",
        "include_thoughts": "includeThoughts",
        "thinking_level": "thinkingLevel",
    }
)
_TOOL_MODES: Final = MappingProxyType({"auto": "AUTO", "none": "NONE", "required": "ANY"})

Json = dict[str, Any]


# --- request -------------------------------------------------------------------------------


def request(body: Json, ctx: ConvertContext) -> Json:
    """Chat completions request → GenerateContentRequest (the model goes in the URL)."""
    system, contents = chat_to_contents(body.get("messages"))
    if not contents and system:  # Gemini rejects empty contents; the system prompt is the ask
        contents, system = [{"role": "user", "parts": system}], []
    out: Json = {"systemInstruction": {"parts": system}} if system else {}
    out["contents"] = contents
    tools = _tools(body.get("tools"), body.get("functions"))
    if tools:
        out["tools"] = [{"functionDeclarations": tools}]
        choice = body.get("tool_choice", body.get("function_call"))
        config = _tool_config(choice)
        if config:
            out["toolConfig"] = {"functionCallingConfig": config}
    generation = _generation_config(body)
    if generation:
        out["generationConfig"] = generation
    safety = ctx.extra.get("gemini_safety_settings")
    if safety:
        out["safetySettings"] = safety
    return out


def _tools(tools: Any, functions: Any) -> list[Json]:
    fns = [t.get("function") for t in dicts(tools) if t.get("type", "function") == "function"]
    decls: list[Json] = []
    for fn in dicts(fns) + dicts(functions):
        if not fn.get("name"):
            continue
        decl: Json = {"name": fn["name"]}
        if fn.get("description"):
            decl["description"] = fn["description"]
        params = gemini_schema.to_gemini_parameters(fn.get("parameters"))
        if params:
            decl["parameters"] = params
        decls.append(decl)
    return decls


def _tool_config(choice: Any) -> Json | None:
    if isinstance(choice, str):
        mode = _TOOL_MODES.get(choice)
        return {"mode": mode} if mode else None
    if not isinstance(choice, dict):
        return None
    if choice.get("type") == "allowed_tools":
        allowed = as_dict(choice.get("allowed_tools"))
        if allowed.get("mode") != "required":
            return {"mode": "AUTO"}
        names = [as_dict(t.get("function")).get("name") for t in dicts(allowed.get("tools"))]
        return {"mode": "ANY", "allowedFunctionNames": [n for n in names if n]}
    name = as_dict(choice.get("function")).get("name") or choice.get("name")
    return {"mode": "ANY", "allowedFunctionNames": [name]} if name else None


def _generation_config(body: Json) -> Json:
    out: Json = {}
    stop = body.get("stop")
    stops = [stop] if isinstance(stop, str) else stop
    if isinstance(stops, list) and stops:
        out["stopSequences"] = stops
    max_tokens = body.get("max_completion_tokens") or body.get("max_tokens")
    if max_tokens:
        out["maxOutputTokens"] = max_tokens
    for src, dst in _SAMPLING:
        if body.get(src) is not None:
            out[dst] = body[src]
    for src, dst in _PENALTIES:
        if body.get(src):  # 0 is the default, and some Gemini models reject any penalty
            out[dst] = body[src]
    if isinstance(body.get("n"), int) and body["n"] > 1:
        out["candidateCount"] = body["n"]
    out.update(_response_format(body.get("response_format")))
    thinking = _thinking_config(body)
    if thinking:
        out["thinkingConfig"] = thinking
    return out


def _response_format(fmt: Any) -> Json:
    kind = fmt.get("type") if isinstance(fmt, dict) else None
    if kind == "json_object":
        return {"responseMimeType": "application/json"}
    if kind != "json_schema":
        return {}
    schema = gemini_schema.to_gemini(as_dict(fmt.get("json_schema")).get("schema"))
    out: Json = {"responseMimeType": "application/json"}
    if schema:
        out["responseSchema"] = schema
    return out


def _thinking_config(body: Json) -> Json | None:
    """Google's OpenAI-compat `extra_body.google.thinking_config` first, else the effort."""
    extra = body.get("extra_body")
    google = (extra.get("google") if isinstance(extra, dict) else None) or body.get("google")
    explicit = google.get("thinking_config") if isinstance(google, dict) else None
    if isinstance(explicit, dict):
        return {_THINKING_KEYS[k]: v for k, v in explicit.items() if k in _THINKING_KEYS}
    reasoning = body.get("reasoning")
    effort = body.get("reasoning_effort") or (
        reasoning.get("effort") if isinstance(reasoning, dict) else None
    )
    if not isinstance(effort, str) or effort not in THINKING_BUDGETS:
        return None
    budget = THINKING_BUDGETS[effort]
    return {"thinkingBudget": budget, "includeThoughts": budget > 0}


# --- response ------------------------------------------------------------------------------


def response(body: Json, ctx: ConvertContext) -> Json:
    """GenerateContentResponse → chat.completion."""
    choices = [_choice(cand, i, ctx) for i, cand in enumerate(dicts(body.get("candidates")))]
    if not choices:  # the prompt itself was blocked
        message = {"role": "assistant", "content": ""}
        choices = [
            {"index": 0, "message": message, "logprobs": None, "finish_reason": "content_filter"}
        ]
    usage = usage_or_estimate(from_gemini(body.get("usageMetadata")), ctx)
    return {
        "id": ctx.id,
        "object": "chat.completion",
        "created": ctx.created,
        "model": ctx.echo_model,
        "choices": choices,
        "usage": to_openai(usage),
    }


def _choice(cand: Json, position: int, ctx: ConvertContext) -> Json:
    index = cand.get("index", position)
    texts: list[str] = []
    thoughts: list[str] = []
    calls: list[Json] = []
    for part in dicts(as_dict(cand.get("content")).get("parts")):
        if isinstance(part.get("functionCall"), dict):
            calls.append(_tool_call(part, ctx.id, index, len(calls)))
        elif part.get("thought") and isinstance(part.get("text"), str):
            thoughts.append(part["text"])
        else:
            texts.append(_part_text(part))
    text = "".join(texts)
    message: Json = {"role": "assistant", "content": text or (None if calls else "")}
    if thoughts:
        message["reasoning_content"] = "".join(thoughts)
    if calls:
        message["tool_calls"] = calls
    finish = finish_to_chat(cand.get("finishReason"), bool(calls))
    return {"index": index, "message": message, "logprobs": None, "finish_reason": finish}


def _part_text(part: Json) -> str:
    """Visible text of a non-call part; generated images become markdown data-URL images."""
    if isinstance(part.get("text"), str):
        return str(part["text"])
    blob = part.get("inlineData")
    if isinstance(blob, dict) and str(blob.get("mimeType", "")).startswith("image/"):
        return f"![image]({data_url(str(blob['mimeType']), str(blob.get('data', '')))})"
    return ""


def _tool_call(part: Json, ctx_id: str, choice: int, index: int) -> Json:
    fc = part["functionCall"]
    call: Json = {
        "id": fc.get("id") or tool_call_id(ctx_id, choice, index),
        "type": "function",
        "function": {"name": fc.get("name", ""), "arguments": dumps(fc.get("args") or {})},
    }
    if part.get("thoughtSignature"):
        call["extra_content"] = signature_extra(part["thoughtSignature"])
    return call


# --- stream --------------------------------------------------------------------------------


class Stream:
    """Gemini `streamGenerateContent?alt=sse` chunks → chat.completion.chunk dicts."""

    def __init__(self, ctx: ConvertContext) -> None:
        self.ctx = ctx
        self.usage: Usage | None = None
        self._started: set[int] = set()
        self._finished: set[int] = set()
        self._calls: dict[int, int] = {}  # candidate index → tool calls sent

    def feed(self, event: Json) -> list[Json]:
        if isinstance(event.get("usageMetadata"), dict):
            self.usage = from_gemini(event["usageMetadata"])  # cumulative: keep the last
        candidates = dicts(event.get("candidates"))
        if not candidates and as_dict(event.get("promptFeedback")).get("blockReason"):
            return [self._finish_chunk(0, "content_filter")] if 0 not in self._finished else []
        out: list[Json] = []
        for position, cand in enumerate(candidates):
            out.extend(self._candidate(cand, cand.get("index", position)))
        return out

    def finish(self) -> list[Json]:
        pending = (self._started or {0}) - self._finished
        out = [self._finish_chunk(index, "stop") for index in sorted(pending)]
        if self.ctx.include_usage:
            usage = to_openai(usage_or_estimate(self.usage, self.ctx))
            out.append({**self._envelope(), "choices": [], "usage": usage})
        return out

    def _candidate(self, cand: Json, index: int) -> list[Json]:
        if index in self._finished:
            return []
        out = []
        for part in dicts(as_dict(cand.get("content")).get("parts")):
            delta = self._delta(part, index)
            if delta:
                out.append(self._chunk(index, delta, None))
        reason = cand.get("finishReason")
        if reason:
            out.append(self._finish_chunk(index, finish_to_chat(reason, index in self._calls)))
        return out

    def _delta(self, part: Json, index: int) -> Json | None:
        if isinstance(part.get("functionCall"), dict):
            n = self._calls.get(index, 0)
            self._calls[index] = n + 1
            call = _tool_call(part, self.ctx.id, index, n)
            return {"tool_calls": [{"index": n, **call}]}
        if part.get("thought"):
            text = part.get("text")
            return {"reasoning_content": text} if isinstance(text, str) and text else None
        text = _part_text(part)
        return {"content": text} if text else None

    def _finish_chunk(self, index: int, reason: str) -> Json:
        self._finished.add(index)
        return self._chunk(index, {}, reason)

    def _chunk(self, index: int, delta: Json, finish: str | None) -> Json:
        if index not in self._started:
            self._started.add(index)
            delta = {"role": "assistant", **(delta or {"content": ""})}
        choice = {"index": index, "delta": delta, "logprobs": None, "finish_reason": finish}
        return {**self._envelope(), "choices": [choice]}

    def _envelope(self) -> Json:
        ctx = self.ctx
        return {
            "id": ctx.id,
            "object": "chat.completion.chunk",
            "created": ctx.created,
            "model": ctx.echo_model,
        }
