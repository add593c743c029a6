"""The top-level request fields the gateway itself reads (streaming, usage chunks, estimates,
conversion), checked for type before routing: a wrong type is a 400 in the caller's protocol,
never a converter's crash or an upstream's 5xx. A few isinstance checks per request and no
schema library; every other field is the upstream's business. (`model` is checked by the
pipeline, which also reads it.)"""

from __future__ import annotations

from typing import Any

from clawrouter.errors import BadRequestError
from clawrouter.wire.formats import Endpoint

Types = tuple[type, ...]
_INT: Types = (int,)  # never a bool; an integral float (16.0) passes
_BOOL: Types = (bool,)
_OBJECT: Types = (dict,)
_ARRAY: Types = (list,)
_TEXT: Types = (str, list)  # a string or an array (of strings, tokens or items)
_NAMES = {
    int: "an integer",
    bool: "a boolean",
    dict: "an object",
    list: "an array",
    str: "a string",
}

_LIMITS = {"max_tokens": _INT, "max_completion_tokens": _INT, "max_output_tokens": _INT}
_OPENAI = {"stream": _BOOL, "stream_options": _OBJECT, **_LIMITS, "n": _INT}
FIELDS: dict[str, dict[str, Types]] = {
    Endpoint.CHAT: {**_OPENAI, "messages": _ARRAY, "tools": _ARRAY},
    Endpoint.COMPLETIONS: {**_OPENAI, "prompt": _TEXT},
    Endpoint.EMBEDDINGS: {"input": _TEXT},
    Endpoint.MODERATIONS: {"input": _TEXT},
    Endpoint.RERANK: {
        "query": (str,),
        "documents": _ARRAY,
        "top_n": _INT,
        "return_documents": _BOOL,
    },
    Endpoint.RESPONSES: {
        "stream": _BOOL,
        "max_output_tokens": _INT,
        "input": _TEXT,
        "tools": _ARRAY,
    },
    Endpoint.MESSAGES: {"stream": _BOOL, "max_tokens": _INT, "messages": _ARRAY, "tools": _ARRAY},
    Endpoint.GEMINI: {"contents": _ARRAY, "generationConfig": _OBJECT, "tools": _ARRAY},
}


def _fits(value: Any, types: Types) -> bool:
    if isinstance(value, bool):
        return bool in types
    if isinstance(value, float) and int in types:
        return value.is_integer()
    return isinstance(value, types)


def _refuse(name: str, types: Types) -> BadRequestError:
    kinds = " or ".join(_NAMES[t] for t in types)
    return BadRequestError(f"Invalid request: {name} must be {kinds}", param=name)


def check_fields(endpoint: Endpoint, body: dict[str, Any]) -> None:
    """Raise BadRequestError naming the first field of a wrong type (null counts as absent)."""
    for name, types in FIELDS.get(endpoint, {}).items():
        value = body.get(name)
        if value is not None and not _fits(value, types):
            raise _refuse(name, types)
    if endpoint == Endpoint.RERANK:
        for name in ("query", "documents"):  # required, as new-api's rerank validation
            if not body.get(name):
                raise BadRequestError(f"Invalid request: {name} must not be empty", param=name)
    options = body.get("stream_options")
    if isinstance(options, dict) and endpoint in (Endpoint.CHAT, Endpoint.COMPLETIONS):
        usage = options.get("include_usage")
        if usage is not None and not isinstance(usage, bool):
            raise _refuse("stream_options.include_usage", _BOOL)
