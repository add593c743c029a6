"""Building blocks of the OpenAPI schemas: JSON Schema (2020-12, as OpenAPI 3.1 uses) helpers,
the management envelope and the error bodies of each protocol (clawrouter/http/render.py).

Every helper returns a fresh dict, so no schema is shared mutable state."""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

INT: Schema = {"type": "integer"}
NUM: Schema = {"type": "number"}
STR: Schema = {"type": "string"}
BOOL: Schema = {"type": "boolean"}
ANY: Schema = {}


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: Schema) -> Schema:
    return {"anyOf": [schema, {"type": "null"}]}


def arr(items: Schema) -> Schema:
    return {"type": "array", "items": items}


def obj(
    props: dict[str, Schema] | None = None,
    required: list[str] | tuple[str, ...] | str = (),
    *,
    extra: bool = True,
) -> Schema:
    """An object with `props`; `required` is a list or a space-separated string ("*" = all);
    extra properties are allowed unless extra=False."""
    props = props or {}
    names = (
        list(props)
        if required == "*"
        else (required.split() if isinstance(required, str) else list(required))
    )
    schema: Schema = {"type": "object", "properties": props}
    if names:
        schema["required"] = names
    if not extra:
        schema["additionalProperties"] = False
    return schema


def map_of(values: Schema) -> Schema:
    return {"type": "object", "additionalProperties": values}


def fields(spec: str) -> dict[str, Schema]:
    """Compact properties: "id:i name:s ratio:n on:b tags:a meta:o x:*" (i integer, s string,
    n number, b boolean, a array, o object, * anything; a trailing ? also allows null)."""
    kinds = {"i": "integer", "s": "string", "n": "number", "b": "boolean", "a": "array"}
    out: dict[str, Schema] = {}
    for item in spec.split():
        name, kind = item.split(":")
        null = kind.endswith("?")
        kind = kind.rstrip("?")
        if kind == "*":
            out[name] = {}
            continue
        base = "object" if kind == "o" else kinds[kind]
        out[name] = {"type": [base, "null"]} if null else {"type": base}
    return out


def row(spec: str, required: str = "*") -> Schema:
    """An object from a compact field list; by default every listed field is required."""
    return obj(fields(spec), required)


# ---- the management envelope -------------------------------------------------------------


def ok(
    data: Schema | None = None, extra: dict[str, Schema] | None = None, *, optional: bool = False
) -> Schema:
    """{success: true, message, data} (no data when the handler sends none; `optional`: data
    is sent by some answers only)."""
    props: dict[str, Schema] = {"success": {"const": True}, "message": STR, **(extra or {})}
    required = ["success", "message"]
    if data is not None:
        props["data"] = data
        if not optional:
            required.append("data")
    return obj(props, required)


def page(item: Schema, extra: dict[str, Schema] | None = None) -> Schema:
    """A page: {page, page_size, total, items} (render.page)."""
    return obj(
        {"page": INT, "page_size": INT, "total": INT, "items": arr(item), **(extra or {})},
        "page page_size total items",
    )


def api_failure() -> Schema:
    return obj({"success": {"const": False}, "message": STR}, "success message")


# ---- the relay's error bodies ------------------------------------------------------------


def openai_error() -> Schema:
    return obj(
        {"error": obj({"message": STR, "type": STR, "param": ANY, "code": ANY}, "message type")},
        "error",
    )


def anthropic_error() -> Schema:
    return obj(
        {"type": {"const": "error"}, "error": obj({"type": STR, "message": STR}, "type message")},
        "type error",
    )


def gemini_error() -> Schema:
    return obj(
        {"error": obj({"code": INT, "message": STR, "status": STR}, "code message status")},
        "error",
    )


def task_error() -> Schema:
    """new-api's task API errors (/v1/video/generations): {code, message, data}."""
    return obj({"code": STR, "message": STR, "data": ANY}, "code message")


ERROR_REFS = {
    "api": "ApiFailure",
    "openai": "OpenAIError",
    "anthropic": "AnthropicError",
    "gemini": "GeminiError",
    "task": "TaskError",
    "listing": "ListingError",
}


def error_components() -> dict[str, Schema]:
    return {
        "ApiFailure": api_failure(),
        "OpenAIError": openai_error(),
        "AnthropicError": anthropic_error(),
        "GeminiError": gemini_error(),
        "TaskError": task_error(),
        # model listings answer in the shape of the SDK that asks (render.listing_protocol)
        "ListingError": {"anyOf": [ref("OpenAIError"), ref("AnthropicError"), ref("GeminiError")]},
    }


def query(*names: str, required: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Query parameters "name:i" / "name:s" / "name:b" (integer, string, boolean)."""
    kinds = {"i": "integer", "s": "string", "b": "boolean"}
    out = []
    for item in names:
        name, _, kind = item.partition(":")
        out.append(
            {
                "name": name,
                "in": "query",
                "required": name in required,
                "schema": {"type": kinds.get(kind or "s", "string")},
            }
        )
    return out


PAGING = ("p:i", "page_size:i")


def spec(
    data: Schema | None = None,
    *,
    body: Schema | None = None,
    query: list[dict[str, Any]] | tuple = (),
    answer: Schema | None = None,
    media: str = "application/json",
    stream: bool = False,
    form: Schema | None = None,
    failure: bool = True,
    extra: dict[str, Schema] | None = None,
    statuses: dict[str, str] | None = None,
    protocol: str | None = None,
) -> dict[str, Any]:
    """One operation's schemas. Management routes give `data` (the envelope's data; None: the
    envelope carries none) or a whole `answer`; `failure` adds the 200 {success: false}
    alternative new-api answers business errors with. `body` is a JSON request body, `form` a
    multipart one; `stream` adds a text/event-stream answer; `statuses` more documented
    answers (status -> description) in the protocol's error shape; `protocol` names that
    shape when the path alone does not tell (see openapi_schemas.protocol_of)."""
    return {
        "answer": answer if answer is not None else ok(data, extra),
        "body": body,
        "form": form,
        "query": list(query),
        "media": media,
        "stream": stream,
        "failure": failure,
        "statuses": statuses or {},
        "protocol": protocol,
    }
