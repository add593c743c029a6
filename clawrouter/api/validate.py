"""Typed readers for management request bodies. Each raises ApiError naming the field, so every
handler reports bad input the same way; `None` (absent or JSON null) yields the default."""

from __future__ import annotations

from typing import Any

import orjson

from clawrouter.errors import ApiError
from clawrouter.http.request import MAX_INT


def int_field(
    body: dict[str, Any],
    key: str,
    default: int | None = None,
    *,
    low: int | None = None,
    high: int | None = None,
) -> int | None:
    value = body.get(key)
    if value is None:
        return default
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) > MAX_INT:
        raise ApiError(f"{key} must be an integer")
    if low is not None and value < low:
        raise ApiError(f"{key} must be at least {low}")
    if high is not None and value > high:
        raise ApiError(f"{key} must be at most {high}")
    return value


def required_id(body: dict[str, Any], key: str = "id") -> int:
    """A non-zero integer id from body, or ApiError("<key> is required")."""
    value = int_field(body, key)
    if not value:
        raise ApiError(f"{key} is required")
    return value


def str_field(
    body: dict[str, Any], key: str, default: str | None = None, *, max_len: int | None = None
) -> str | None:
    value = body.get(key)
    if value is None:
        return default
    if not isinstance(value, str):
        raise ApiError(f"{key} must be a string")
    if max_len is not None and len(value) > max_len:
        raise ApiError(f"{key} must be at most {max_len} characters")
    return value


def bool_field(body: dict[str, Any], key: str, default: bool | None = None) -> bool | None:
    value = body.get(key)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise ApiError(f"{key} must be true or false")
    return value


def json_object_text(body: dict[str, Any], key: str) -> str | None:
    """A JSON-object column sent as text (or as an object): '' stays '', anything else must
    parse to an object. Returns the text to store."""
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, dict):
        return orjson.dumps(value).decode()
    if not isinstance(value, str):
        raise ApiError(f"{key} must be a JSON object (as a string)")
    text = value.strip()
    if not text:
        return ""
    try:
        parsed = orjson.loads(text)
    except orjson.JSONDecodeError:
        raise ApiError(f"{key} is not valid JSON") from None
    if not isinstance(parsed, dict):
        raise ApiError(f"{key} must be a JSON object")
    return text


def comma_list(text: str) -> list[str]:
    """Split a comma list, trimming entries, dropping blanks and repeats (order kept)."""
    seen: dict[str, None] = {}
    for part in text.split(","):
        if part.strip():
            seen.setdefault(part.strip(), None)
    return list(seen)


def id_list(body: dict[str, Any], key: str = "ids", *, max_len: int | None = None) -> list[int]:
    """A non-empty JSON array of integer ids (duplicates dropped, order kept)."""
    value = body.get(key)
    if not isinstance(value, list) or not value:
        raise ApiError(f"{key} must be a non-empty array of ids")
    if max_len is not None and len(value) > max_len:
        raise ApiError(f"{key}: at most {max_len} ids per request")
    if any(isinstance(v, bool) or not isinstance(v, int) or abs(v) > MAX_INT for v in value):
        raise ApiError(f"{key} must contain integer ids only")
    return list(dict.fromkeys(value))
