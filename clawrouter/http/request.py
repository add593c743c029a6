"""Reading requests: JSON bodies with clear errors, client IP, pagination parameters."""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

from clawrouter.errors import ApiError, BadRequestError, PayloadTooLargeError
from clawrouter.keys import CONFIG

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 10
MAX_INT = 2**62  # keeps integers inside SQLite's 64-bit range
MAX_DEPTH = 128  # levels of JSON nesting a body may have (check_depth)


async def read_body(request: web.Request) -> bytes:
    try:
        return await request.read()
    except web.HTTPRequestEntityTooLarge:
        limit = request.config_dict[CONFIG].max_body_bytes
        raise PayloadTooLargeError(f"request body too large (limit {limit} bytes)") from None


def check_depth(raw: bytes, data: Any) -> None:
    """Refuse JSON nested deeper than MAX_DEPTH: orjson reads 1,024 levels but writes only 255,
    so such a body could be neither forwarded nor stored. Only a body with that many brackets
    is walked, and only its containers."""
    if raw.count(b"[") + raw.count(b"{") <= MAX_DEPTH:
        return
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise BadRequestError(f"request body is nested deeper than {MAX_DEPTH} levels")
        items = value.values() if isinstance(value, dict) else value
        stack.extend((v, depth + 1) for v in items if isinstance(v, (dict, list)))


async def read_json(request: web.Request, *, allow_empty: bool = False) -> Any:
    raw = await read_body(request)
    if not raw.strip():
        if allow_empty:
            return {}
        raise BadRequestError("request body is empty; a JSON object is expected")
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as e:
        raise BadRequestError(f"request body is not valid JSON: {e}") from None
    check_depth(raw, data)
    return data


async def read_object(request: web.Request, *, allow_empty: bool = False) -> dict[str, Any]:
    data = await read_json(request, allow_empty=allow_empty)
    if not isinstance(data, dict):
        raise BadRequestError("request body must be a JSON object")
    return data


def bearer(value: str) -> str:
    """The credential in an Authorization header value, with or without `Bearer `."""
    value = value.strip()
    scheme, _, rest = value.partition(" ")
    return rest.strip() if scheme.lower() == "bearer" else value


def client_ip(request: web.Request, trust_forwarded: bool) -> str:
    """The peer's address; behind a trusted proxy (server.trust_forwarded_for) the address that
    proxy saw: the last X-Forwarded-For entry, which it appended (a client can put anything in
    the entries before it), else X-Real-IP."""
    if trust_forwarded:
        fwd = request.headers.get("X-Forwarded-For", "")
        last = fwd.rsplit(",", 1)[-1].strip()
        if last:
            return last
        real = request.headers.get("X-Real-IP")
        if real:
            return real.strip()
    return request.remote or ""


def int_text(text: str) -> int | None:
    """`text` as an integer: an optional sign and ASCII digits, blanks around allowed; else
    None. Stricter than int(), which also takes '1_000' and non-ASCII digits (and str.isdigit
    says yes to '²', which int() then refuses)."""
    text = text.strip()
    digits = text[1:] if text[:1] in ("+", "-") else text
    if not digits or not digits.isascii() or not digits.isdigit() or len(digits) > 4000:
        return None
    return int(text)


def stored_int(text: str) -> int | None:
    """int_text() within the range SQLite stores (|n| <= MAX_INT), else None: for filters the
    reference ignores when malformed, so an out-of-range one is ignored too, never sent to the
    driver (which raises OverflowError past 64 bits)."""
    value = int_text(text)
    return value if value is not None and abs(value) <= MAX_INT else None


def _int_param(request: web.Request, *names: str) -> int | None:
    for name in names:
        value = request.query.get(name)
        if value not in (None, ""):
            parsed = int_text(value)
            if parsed is None:
                raise BadRequestError(f"query parameter {name} must be an integer")
            return parsed
    return None


def query_int(request: web.Request, name: str, default: int = 0) -> int:
    """An optional integer query parameter; a non-integer or out-of-range value (past what
    SQLite stores) is a 400 naming it. Every integer query parameter is read here or by
    pagination() or stored_int()."""
    value = _int_param(request, name)
    if value is not None and abs(value) > MAX_INT:
        raise BadRequestError(f"query parameter {name} is out of range")
    return default if value is None else value


def query_bool(request: web.Request, name: str) -> bool:
    """Go's strconv.ParseBool truth values; anything else (or absent) is false."""
    return request.query.get(name, "") in ("1", "t", "T", "true", "TRUE", "True")


def path_id(request: web.Request, name: str = "id") -> int:
    """An integer path segment; anything else is a business error naming it."""
    raw = request.match_info.get(name, "")
    value = stored_int(raw)
    if value is None:
        raise ApiError(f"invalid {name} {raw!r}: an integer is expected")
    return value


def pagination(request: web.Request, default_size: int = DEFAULT_PAGE_SIZE) -> tuple[int, int]:
    """(page, page_size): `p` is 1-based; `page_size` falls back to `ps` and `size`; cap 100."""
    p = _int_param(request, "p", "page") or 1
    size = _int_param(request, "page_size", "ps", "size") or default_size
    return min(max(p, 1), MAX_INT // MAX_PAGE_SIZE), min(max(size, 1), MAX_PAGE_SIZE)
