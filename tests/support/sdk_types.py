"""Raw relay bodies checked with the official SDKs' own types, as strictly as the SDKs allow and
a little stricter where an SDK would silently drop or skip something.

check(kind, status, content_type, body) takes one response as bytes: a JSON body, an SSE stream
or an error body, for kind in KINDS, and returns the parsed JSON (or the list of SSE events).
openai/anthropic types allow extra fields and check required fields, types and literals;
genai types forbid extra fields and are validated by their wire (camelCase) names only."""

from __future__ import annotations

import base64
import functools
import typing
import warnings
from typing import Any

import orjson
from pydantic import TypeAdapter

KINDS = (
    "chat", "completions", "embeddings", "moderations", "responses", "messages", "gemini",
    "openai_models", "openai_model", "anthropic_models", "anthropic_model", "gemini_models",
    "gemini_model",
)  # fmt: skip
_GOOGLE_STATUSES = {
    "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
    "ALREADY_EXISTS", "PERMISSION_DENIED", "UNAUTHENTICATED", "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL",
    "UNAVAILABLE", "DATA_LOSS",
}  # fmt: skip
# Wire fields the Gemini REST API defines that the genai types do not (the SDK drops them).
_GEMINI_UNTYPED = {"countTokens": ("promptTokensDetails", "cacheTokensDetails")}


def sdk_type(type_: Any, raw: Any) -> Any:
    """Validate as the openai/anthropic SDKs do with _strict_response_validation=True; a union
    discriminated by `type` is narrowed to its member first, for a readable error."""
    member = _by_type(type_).get(raw.get("type")) if isinstance(raw, dict) else None
    return TypeAdapter(member or type_).validate_python(raw)


@functools.cache
def _by_type(type_: Any) -> dict[str, Any]:
    while typing.get_origin(type_) is typing.Annotated:
        type_ = typing.get_args(type_)[0]
    if typing.get_origin(type_) is not typing.Union:
        return {}
    out = {}
    for member in typing.get_args(type_):
        field = getattr(member, "model_fields", {}).get("type")
        for value in typing.get_args(field.annotation) if field else ():
            out[value] = member
    return out


# ---- errors, in each SDK's shape ------------------------------------------------------------------
def openai_error(raw: Any) -> None:
    """What openai.APIStatusError.body holds: the "error" member, an ErrorObject."""
    from openai.types.shared import ErrorObject

    assert isinstance(raw, dict) and set(raw) == {"error"}, raw
    ErrorObject.model_validate(raw["error"])


def anthropic_error(raw: Any) -> None:
    """anthropic.types.ErrorResponse: error.type one of the SDK's ErrorObject literals, or
    request_too_large, which Anthropic's API documents and sends for a 413 but the SDK's union
    lacks (the SDK maps errors by status, so it still raises ContentTooLargeError)."""
    from anthropic.types import ErrorResponse

    if isinstance(raw, dict) and raw.get("error", {}).get("type") == "request_too_large":
        raw = {**raw, "error": {**raw["error"], "type": "invalid_request_error"}}
    ErrorResponse.model_validate(raw)


def google_error(raw: Any, status: int | None) -> None:
    """google.rpc.Status, as google.genai.errors.APIError reads it."""
    assert isinstance(raw, dict) and set(raw) == {"error"}, raw
    err = raw["error"]
    assert set(err) <= {"code", "message", "status", "details"}, err
    assert err["code"] == status and isinstance(err["message"], str), err
    assert err["status"] in _GOOGLE_STATUSES, err


# ---- Gemini ---------------------------------------------------------------------------------------
def _genai(type_: Any, raw: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an unknown enum value is only a warning in genai
        try:
            return type_.model_validate(raw, by_alias=True, by_name=False)
        except UserWarning as warning:
            raise AssertionError(f"{type_.__name__}: {warning}") from None


def gemini_model(raw: Any) -> Any:
    """A Gemini Model as the REST API sends it (the SDK renames supportedGenerationMethods)."""
    from google.genai import types as gtypes

    raw = dict(raw)
    if "supportedGenerationMethods" in raw:
        raw["supportedActions"] = raw.pop("supportedGenerationMethods")
    return _genai(gtypes.Model, raw)


def gemini_models(raw: Any) -> None:
    assert set(raw) <= {"models", "nextPageToken"} and isinstance(raw.get("models"), list), raw
    for model in raw["models"]:
        gemini_model(model)
    assert raw.get("nextPageToken") is None or isinstance(raw["nextPageToken"], str), raw


def gemini(action: str, status: int, raw: Any) -> None:
    """One Gemini body (or one SSE event's data) for a models/{m}:{action} call."""
    from google.genai import types as gtypes

    if status >= 400 or (isinstance(raw, dict) and "error" in raw):  # error (also in a stream)
        google_error(raw, status if status >= 400 else raw["error"].get("code"))
    elif action in ("generateContent", "streamGenerateContent"):
        _genai(gtypes.GenerateContentResponse, raw)
    elif action == "batchEmbedContents":
        _genai(gtypes.EmbedContentResponse, raw)
    elif action == "embedContent":
        assert set(raw) == {"embedding"}, raw
        _genai(gtypes.ContentEmbedding, raw["embedding"])
    elif action == "countTokens":
        untyped = _GEMINI_UNTYPED[action]
        _genai(gtypes.CountTokensResponse, {k: v for k, v in raw.items() if k not in untyped})
    else:
        raise AssertionError(f"no Gemini response type known for :{action}")


# ---- SSE ------------------------------------------------------------------------------------------
def sse_events(body: bytes) -> list[tuple[str | None, str]]:
    """(event name, data) of each SSE event; comment-only blocks (keep-alives) skipped."""
    out = []
    for block in body.replace(b"\r\n", b"\n").decode().split("\n\n"):
        name, data = None, []
        for line in block.split("\n"):
            field, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if field == "event":
                name = value
            elif field == "data":
                data.append(value)
        if data:
            out.append((name, "\n".join(data)))
    return out


def _chat_stream(events: list[tuple[str | None, str]], chunk_type: Any) -> list[Any]:
    """Chunks, then [DONE]; or chunks ending with an error object (the SDK raises APIError)."""
    assert events, "empty stream"
    out = []
    for i, (_, data) in enumerate(events):
        if data == "[DONE]":
            assert i == len(events) - 1, "[DONE] before the end"
            continue
        raw = orjson.loads(data)
        if "error" in raw:  # only [DONE] may follow
            assert [d for _, d in events[i + 1 :]] in ([], ["[DONE]"]), events[i:]
            openai_error(raw)
        else:
            chunk_type(raw)
        out.append(raw)
    assert events[-1][1] == "[DONE]" or "error" in out[-1], f"no terminator: {events[-2:]}"
    return out


def _completion_chunk(raw: Any) -> None:
    """The API sends finish_reason null on every chunk but the last; openai's Completion type
    (which the SDK also uses for chunks) requires one, so null is checked as absent-but-allowed."""
    from openai.types import Completion

    assert all("finish_reason" in c for c in raw["choices"]), raw
    filled = [{**c, "finish_reason": c["finish_reason"] or "stop"} for c in raw["choices"]]
    sdk_type(Completion, {**raw, "choices": filled})


def _responses_stream(events: list[tuple[str | None, str]]) -> list[Any]:
    from openai.types.responses import ResponseStreamEvent

    out = [orjson.loads(data) for _, data in events]
    for (name, _), raw in zip(events, out, strict=True):
        sdk_type(ResponseStreamEvent, raw)
        assert name in (None, raw["type"]), (name, raw["type"])
    assert [e["sequence_number"] for e in out] == list(range(len(out))), out
    assert out[0]["type"] == "response.created", out[0]
    ends = ("response.completed", "response.incomplete", "response.failed", "error")
    assert out[-1]["type"] in ends, out[-1]
    return out


def _messages_stream(events: list[tuple[str | None, str]]) -> list[Any]:
    from anthropic.types import RawMessageStreamEvent

    out = []
    for name, data in events:
        raw = orjson.loads(data)
        # the SDK skips events without a name and raises on "error" without validating
        assert name == raw.get("type"), (name, raw)
        if name == "error":
            anthropic_error(raw)
        elif name == "ping":
            assert raw == {"type": "ping"}, raw
        else:
            sdk_type(RawMessageStreamEvent, raw)
        out.append(raw)
    kinds = [e["type"] for e in out if e["type"] != "ping"]
    assert kinds[0] == "message_start" and kinds[-1] in ("message_stop", "error"), kinds
    open_blocks: set[int] = set()
    for e in out:  # content blocks open, receive deltas and close in order
        if e["type"] == "content_block_start":
            assert e["index"] not in open_blocks and not open_blocks, out
            open_blocks.add(e["index"])
        elif e["type"] in ("content_block_delta", "content_block_stop"):
            assert e["index"] in open_blocks, out
            if e["type"] == "content_block_stop":
                open_blocks.discard(e["index"])
    return out


# ---- one response ---------------------------------------------------------------------------------
def _json(kind: str, raw: Any, action: str) -> None:
    from anthropic.types import Message, ModelInfo
    from openai.types import Completion, CreateEmbeddingResponse, Model, ModerationCreateResponse
    from openai.types.chat import ChatCompletion
    from openai.types.responses import Response

    simple = {"chat": ChatCompletion, "completions": Completion, "responses": Response,
              "moderations": ModerationCreateResponse, "messages": Message,
              "openai_model": Model, "anthropic_model": ModelInfo}  # fmt: skip
    if kind in simple:
        sdk_type(simple[kind], raw)
    elif kind == "embeddings":  # base64 strings: the SDK's own default, typed as list[float]
        data = [{**d, "embedding": _floats(d["embedding"])} for d in raw["data"]]
        sdk_type(CreateEmbeddingResponse, {**raw, "data": data})
    elif kind == "openai_models":
        assert raw["object"] == "list", raw
        sdk_type(list[Model], raw["data"])
    elif kind == "anthropic_models":
        sdk_type(list[ModelInfo], raw["data"])
        assert isinstance(raw["has_more"], bool), raw
        ids = [m["id"] for m in raw["data"]]
        assert (raw["first_id"], raw["last_id"]) == ((ids[0], ids[-1]) if ids else (None, None))
    elif kind == "gemini_models":
        gemini_models(raw)
    elif kind == "gemini_model":
        gemini_model(raw)
    else:
        gemini(action, 200, raw)


def _floats(value: Any) -> Any:
    if isinstance(value, str):
        raw = base64.b64decode(value)
        assert len(raw) % 4 == 0, value
        return list(memoryview(raw).cast("f"))
    return value


def error(kind: str, status: int, raw: Any) -> None:
    if kind.startswith("anthropic") or kind == "messages":
        anthropic_error(raw)
    elif kind.startswith("gemini"):
        google_error(raw, status)
    else:
        openai_error(raw)


def check(kind: str, status: int, content_type: str, body: bytes, action: str = "") -> Any:
    """Check one relay response; returns the parsed JSON or, for a stream, the event datas."""
    assert kind in KINDS, kind
    if status >= 400:
        assert content_type.startswith("application/json"), (status, content_type, body)
        raw = orjson.loads(body)
        error(kind, status, raw)
        return raw
    assert status == 200, (status, body)
    if content_type.startswith("text/event-stream"):
        events = sse_events(body)
        if kind == "chat":
            from openai.types.chat import ChatCompletionChunk

            return _chat_stream(events, lambda raw: sdk_type(ChatCompletionChunk, raw))
        if kind == "completions":
            return _chat_stream(events, _completion_chunk)
        if kind == "responses":
            return _responses_stream(events)
        if kind == "messages":
            return _messages_stream(events)
        assert kind == "gemini", kind
        out = [orjson.loads(data) for _, data in events]
        for raw in out:
            gemini(action, 200, raw)
        return out
    assert content_type.startswith("application/json"), (content_type, body)
    raw = orjson.loads(body)
    _json(kind, raw, action)
    return raw
