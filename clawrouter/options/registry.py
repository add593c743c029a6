"""Option specs: each option's kind and how a submitted value is checked and normalised.

Values are stored as strings (as the reference does); `parse` turns them into Python values.
Pure: no database, no aiohttp.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import orjson

KINDS = ("bool", "int", "float", "str", "json_map", "json_list", "json", "codes")
_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_.\-]{0,127}$")
_SECRET_SUFFIXES = ("Token", "Secret", "Key", "secret", "api_key", "_token", "_key")
_PUBLIC_KEYS = frozenset({"WaffoPancakeWebhookPublicKey", "WaffoPancakeWebhookTestKey"})


class OptionError(ValueError):
    """A submitted option value is malformed; the message says why."""


@dataclass(frozen=True, slots=True)
class OptionSpec:
    key: str
    kind: str
    default: str

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"bad kind {self.kind!r} for option {self.key}")


def is_secret(key: str) -> bool:
    return key not in _PUBLIC_KEYS and key.endswith(_SECRET_SUFFIXES)


def valid_key(key: Any) -> bool:
    return isinstance(key, str) and bool(_KEY.match(key))


def parse_codes(text: str) -> list[tuple[int, int]]:
    """'401,500-503' -> [(401, 401), (500, 503)]; raises OptionError."""
    ranges: list[tuple[int, int]] = []
    for part in text.replace(" ", "").split(","):
        if not part:
            continue
        lo, sep, hi = part.partition("-")
        try:
            a, b = int(lo), int(hi) if sep else int(lo)
        except ValueError:
            raise OptionError(f"invalid status code range {part!r}") from None
        if not (100 <= a <= b <= 599):
            raise OptionError(f"status code range {part!r} must lie within 100-599")
        ranges.append((a, b))
    return ranges


def in_codes(ranges: list[tuple[int, int]], status: int) -> bool:
    return any(a <= status <= b for a, b in ranges)


def _to_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return value
    if isinstance(value, dict | list):
        return orjson.dumps(value).decode()
    raise OptionError("value must be a string, number or boolean")


def normalise(spec: OptionSpec | None, value: Any) -> str:
    """Check a submitted value against its spec and return the string to store."""
    kind = spec.kind if spec else "str"
    if isinstance(value, dict | list) and not kind.startswith("json"):
        raise OptionError("value must be a string, number or boolean")
    text = _to_text(value)
    if kind == "bool":
        low = text.strip().lower()
        if low not in ("true", "false"):
            raise OptionError("value must be true or false")
        return low
    if kind == "int":
        try:
            return str(int(text.strip()))
        except ValueError:
            raise OptionError("value must be an integer") from None
    if kind == "float":
        try:
            number = float(text.strip())
        except ValueError:
            raise OptionError("value must be a number") from None
        if number != number or number in (float("inf"), float("-inf")):
            raise OptionError("value must be a finite number")
        return text.strip()
    if kind == "codes":
        parse_codes(text)
        return text.strip()
    if kind.startswith("json"):
        _check_json(kind, text)
    return text


def _check_json(kind: str, text: str) -> None:
    if kind != "json_map" and not text.strip():
        return
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError as e:
        raise OptionError(f"value is not valid JSON: {e}") from None
    if kind == "json_map" and not isinstance(data, dict):
        raise OptionError("value must be a JSON object")
    if kind == "json_list" and not isinstance(data, list):
        raise OptionError("value must be a JSON array")


def parse(spec: OptionSpec | None, text: str) -> Any:
    """Stored string -> Python value (bad stored values fall back to the default)."""
    kind = spec.kind if spec else "str"
    try:
        if kind == "bool":
            return text.strip().lower() == "true"
        if kind == "int":
            return int(text.strip())
        if kind == "float":
            return float(text.strip())
        if kind == "codes":
            return parse_codes(text)
        if kind.startswith("json"):
            return orjson.loads(text) if text.strip() else ({} if kind == "json_map" else [])
    except (ValueError, OptionError):
        if spec is not None and text != spec.default:
            return parse(spec, spec.default)
        raise
    return text
