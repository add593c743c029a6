"""Reading requests: JSON bodies with clear errors, client IP, pagination parameters."""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

from clawrouter.errors import BadRequestError, PayloadTooLargeError
from clawrouter.keys import CONFIG

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 10


async def read_body(request: web.Request) -> bytes:
    try:
        return await request.read()
    except web.HTTPRequestEntityTooLarge:
        limit = request.config_dict[CONFIG].max_body_bytes
        raise PayloadTooLargeError(f"request body too large (limit {limit} bytes)") from None


async def read_json(request: web.Request, *, allow_empty: bool = False) -> Any:
    raw = await read_body(request)
    if not raw.strip():
        if allow_empty:
            return {}
        raise BadRequestError("request body is empty; a JSON object is expected")
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as e:
        raise BadRequestError(f"request body is not valid JSON: {e}") from None


async def read_object(request: web.Request, *, allow_empty: bool = False) -> dict[str, Any]:
    data = await read_json(request, allow_empty=allow_empty)
    if not isinstance(data, dict):
        raise BadRequestError("request body must be a JSON object")
    return data


def client_ip(request: web.Request, trust_forwarded: bool) -> str:
    if trust_forwarded:
        fwd = request.headers.get("X-Forwarded-For", "")
        if fwd:
            return fwd.split(",")[0].strip()
        real = request.headers.get("X-Real-IP")
        if real:
            return real.strip()
    return request.remote or ""


def _int_param(request: web.Request, *names: str) -> int | None:
    for name in names:
        value = request.query.get(name)
        if value not in (None, ""):
            try:
                return int(value)
            except ValueError:
                raise BadRequestError(f"query parameter {name} must be an integer") from None
    return None


def pagination(request: web.Request, default_size: int = DEFAULT_PAGE_SIZE) -> tuple[int, int]:
    """(page, page_size): `p` is 1-based; `page_size` falls back to `ps` and `size`; cap 100."""
    p = _int_param(request, "p", "page") or 1
    size = _int_param(request, "page_size", "ps", "size") or default_size
    return max(p, 1), min(max(size, 1), MAX_PAGE_SIZE)
