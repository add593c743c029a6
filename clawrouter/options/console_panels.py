"""The console home's panel options (console_setting.api_info, .announcements, .faq,
.uptime_kuma_groups): the shape and limits each entry must keep, as new-api checks them.

Pure: the value is already parsed JSON; the answer is a message or None.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

# new-api's console offers these colour names for an API address's badge
API_INFO_COLORS = frozenset((
    "blue", "green", "cyan", "purple", "pink", "red", "orange", "amber", "yellow", "lime",
    "light-green", "teal", "light-blue", "indigo", "violet", "grey", "slate",
))  # fmt: skip
ANNOUNCEMENT_TYPES = frozenset({"default", "ongoing", "success", "warning", "error"})
_DANGEROUS = ("<script", "<iframe", "javascript:", "onload=", "onerror=", "onclick=")
_SLUG = re.compile(r"^[A-Za-z0-9_-]+$")


def _text(item: dict[str, Any], field: str, limit: int, n: int, required: bool = True) -> str:
    value = item.get(field, "")
    if not isinstance(value, str) or (required and not value):
        raise ValueError(f"entry {n} needs a non-empty string {field!r}")
    if len(value) > limit:
        raise ValueError(f"entry {n}: {field} is longer than {limit} characters")
    return value


def _url(value: str, n: int) -> None:
    try:
        parts = urlsplit(value)
        ok = parts.scheme in ("http", "https") and bool(parts.hostname)
        parts.port  # noqa: B018 (raises on a bad port)
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(f"entry {n}: url must be an http(s) address")


def _safe(value: str, field: str, n: int) -> None:
    low = value.lower()
    if any(d in low for d in _DANGEROUS):
        raise ValueError(f"entry {n}: {field} holds markup that is not allowed")


def _api_info(item: dict[str, Any], n: int) -> None:
    url = _text(item, "url", 500, n)
    _url(url, n)
    _safe(_text(item, "route", 100, n), "route", n)
    _safe(_text(item, "description", 200, n), "description", n)
    color = _text(item, "color", 50, n)
    if color not in API_INFO_COLORS:
        raise ValueError(f"entry {n}: color must be one of {', '.join(sorted(API_INFO_COLORS))}")


def _announcement(item: dict[str, Any], n: int) -> None:
    _text(item, "content", 500, n)
    date = _text(item, "publishDate", 64, n)
    try:
        datetime.fromisoformat(date)  # RFC 3339, as new-api's console writes, or a plain date
    except ValueError:
        raise ValueError(f"entry {n}: publishDate must be an ISO 8601 date or time") from None
    kind = item.get("type")
    if isinstance(kind, str) and kind not in ANNOUNCEMENT_TYPES:
        raise ValueError(f"entry {n}: type must be one of {', '.join(sorted(ANNOUNCEMENT_TYPES))}")
    if isinstance(item.get("extra"), str):
        _text(item, "extra", 200, n, required=False)


def _faq(item: dict[str, Any], n: int) -> None:
    _text(item, "question", 200, n)
    _text(item, "answer", 1000, n)


def _uptime_group(item: dict[str, Any], n: int) -> None:
    _safe(_text(item, "categoryName", 50, n), "categoryName", n)
    _url(_text(item, "url", 500, n), n)
    if not _SLUG.match(_text(item, "slug", 100, n)):
        raise ValueError(f"entry {n}: slug may hold letters, digits, _ and - only")
    if isinstance(item.get("description"), str):
        _safe(_text(item, "description", 200, n, required=False), "description", n)


# option key -> (most entries, check of one entry)
PANELS = {
    "console_setting.api_info": (50, _api_info),
    "console_setting.announcements": (100, _announcement),
    "console_setting.faq": (100, _faq),
    "console_setting.uptime_kuma_groups": (20, _uptime_group),
}


def panel_problem(key: str, value: Any) -> str | None:
    """Why `value` (parsed JSON) cannot be the panel option `key`, or None."""
    most, check = PANELS[key]
    if not isinstance(value, list):
        return "must be a JSON array"
    if len(value) > most:
        return f"at most {most} entries"
    names: set[str] = set()
    for n, item in enumerate(value, 1):
        if not isinstance(item, dict):
            return f"entry {n} must be an object"
        try:
            check(item, n)
        except ValueError as e:
            return str(e)
        if key.endswith("uptime_kuma_groups"):
            if item["categoryName"] in names:
                return f"entry {n}: categoryName {item['categoryName']!r} is used twice"
            names.add(item["categoryName"])
    return None
