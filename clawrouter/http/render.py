"""JSON responses (orjson) and error bodies in each caller's protocol.

Protocols: API ("api", the management envelope) or a wire Format (openai, anthropic, gemini).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from aiohttp import web

from clawrouter.errors import ClawError
from clawrouter.wire.error_types import anthropic_type, google_status
from clawrouter.wire.formats import Format

JSON = "application/json"
API = "api"  # the management API's envelope {success, message}: not a wire format


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None):
    return web.Response(body=orjson.dumps(data), status=status, content_type=JSON, headers=headers)


def ok(data: Any = None, message: str = "", **extra: Any) -> web.Response:
    """The management envelope {success: true, message, data}."""
    body: dict[str, Any] = {"success": True, "message": message}
    if data is not None:
        body["data"] = data
    body.update(extra)
    return json_response(body)


def page(items: list[Any], total: int, p: int, page_size: int, **extra: Any) -> web.Response:
    return ok({"page": p, "page_size": page_size, "total": total, "items": items, **extra})


def protocol_for(
    path: str, headers: Mapping[str, str] | None = None, query: Mapping[str, str] | None = None
) -> str:
    """The protocol an error on `path` is rendered in; with the request's headers and query,
    model listing errors follow the SDK that asked (listing_protocol)."""
    if path.startswith("/api/") or path == "/api":
        return API
    if path.startswith("/v1/messages"):
        return Format.ANTHROPIC
    if path.startswith("/v1beta/") or (path.startswith("/v1/models/") and ":" in path):
        return Format.GEMINI
    if headers is not None and (path == "/v1/models" or path.startswith("/v1/models/")):
        return listing_protocol(headers, query or {})
    return Format.OPENAI


def listing_protocol(headers: Mapping[str, str], query: Mapping[str, str]) -> Format:
    """/v1/models answers in the shape of the SDK that calls it: Anthropic's sends
    anthropic-version with its key, Google's x-goog-api-key (or ?key=), OpenAI's neither."""
    if headers.get("anthropic-version") and (
        headers.get("x-api-key") or headers.get("Authorization")
    ):
        return Format.ANTHROPIC
    if headers.get("x-goog-api-key") or query.get("key"):
        return Format.GEMINI
    return Format.OPENAI


def error_body(err: ClawError, protocol: str) -> dict[str, Any]:
    if protocol == API:
        body: dict[str, Any] = {"success": False, "message": err.message}
        body.update(err.extra)
        return body
    if protocol == Format.ANTHROPIC:
        etype = err.extra.get("anthropic_type") or anthropic_type(err.status)
        return {"type": "error", "error": {"type": etype, "message": err.message}}
    if protocol == Format.GEMINI:
        return {
            "error": {
                "code": err.status,
                "message": err.message,
                "status": err.extra.get("google_status") or google_status(err.status),
            }
        }
    return {
        "error": {
            "message": err.message,
            "type": err.type,
            "param": err.param,
            "code": err.code or None,
        }
    }


def error_response(err: ClawError, protocol: str) -> web.Response:
    headers = {}
    if err.retry_after is not None:
        headers["Retry-After"] = str(err.retry_after)
    body = error_body(err, protocol)
    try:
        return json_response(body, status=err.status, headers=headers)
    except TypeError:  # a message quoting the client's bytes that are not UTF-8 (surrogates)
        return json_response(_printable(body), status=err.status, headers=headers)


def _printable(value: Any) -> Any:
    """value with the lone surrogates of its strings escaped (backslashreplace)."""
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, dict):
        return {k: _printable(v) for k, v in value.items()}
    return value
