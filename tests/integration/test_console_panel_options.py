"""The console home's panel options are checked as new-api checks them: each entry's fields,
lengths, URL, colour, type and slug; a refused value is never stored and says which entry."""

from __future__ import annotations

import json

import pytest

from tests.support.gateway import Gateway

API_INFO = {
    "url": "https://api.example.com",
    "route": "Main",
    "description": "Fast",
    "color": "teal",
}
NEWS = {"content": "Hello", "publishDate": "2026-01-02T10:00:00.000Z", "type": "success"}
GROUP = {"categoryName": "Core", "url": "http://127.0.0.1:3001", "slug": "main", "description": ""}


@pytest.mark.parametrize(
    ("key", "value", "fragment"),
    [
        ("console_setting.api_info", [{**API_INFO, "url": "ftp://x"}], "entry 1: url"),
        ("console_setting.api_info", [API_INFO, {**API_INFO, "color": "plaid"}], "entry 2: color"),
        ("console_setting.api_info", [{**API_INFO, "route": ""}], "'route'"),
        ("console_setting.api_info", [{**API_INFO, "description": "<script>x"}], "markup"),
        ("console_setting.api_info", [API_INFO] * 51, "at most 50"),
        ("console_setting.api_info", {"url": "https://x"}, "JSON array"),
        ("console_setting.announcements", [{**NEWS, "publishDate": "soon"}], "publishDate"),
        ("console_setting.announcements", [{**NEWS, "type": "urgent"}], "type must be"),
        ("console_setting.announcements", [{**NEWS, "content": "x" * 501}], "500 characters"),
        ("console_setting.faq", [{"question": "Why?"}], "'answer'"),
        ("console_setting.faq", ["why"], "must be an object"),
        ("console_setting.uptime_kuma_groups", [{**GROUP, "slug": "a/b"}], "slug"),
        ("console_setting.uptime_kuma_groups", [GROUP, GROUP], "used twice"),
    ],
)
async def test_bad_panel_entries_are_refused(root, key, value, fragment):
    status, before = await root.json("GET", "/api/option/")
    body = {"key": key, "value": json.dumps(value)}
    status, answer = await root.json("PUT", "/api/option/", json=body)
    assert status == 200 and answer["success"] is False, answer
    assert answer["message"].startswith(f"{key}: ") and fragment in answer["message"], answer
    status, after = await root.json("GET", "/api/option/")
    assert after["data"] == before["data"]


async def test_good_panel_entries_reach_the_status(root, gateway: Gateway):
    values = {
        "console_setting.api_info": [API_INFO],
        "console_setting.announcements": [NEWS, {"content": "Older", "publishDate": "2025-12-01"}],
        "console_setting.faq": [{"question": "Why?", "answer": "Because."}],
        "console_setting.uptime_kuma_groups": [GROUP],
    }
    for key, value in values.items():
        status, body = await root.json("PUT", "/api/option/", json={"key": key, "value": value})
        assert body["success"], body
    status, body = await root.json(
        "PUT", "/api/option/", json={"key": "console_setting.faq", "value": ""}
    )
    assert body["success"], body  # empty: no entries
    status, body = await gateway.client().json("GET", "/api/status")
    data = body["data"]
    assert data["api_info"] == [API_INFO]
    assert [a["content"] for a in data["announcements"]] == ["Hello", "Older"]
    assert data["faq"] == []
