"""GET/PUT /api/option/: secrets hidden, values validated by type, changes live in memory."""

from __future__ import annotations

import pytest

from tests.support.gateway import Gateway


async def test_list_hides_secrets(root):
    status, body = await root.json("GET", "/api/option/")
    keys = {item["key"] for item in body["data"]}
    assert {"QuotaPerUnit", "RetryTimes", "ModelRatio", "GroupRatio", "CompletionRatioMeta"} <= keys
    for secret in ("GitHubClientSecret", "SMTPToken", "TurnstileSecretKey", "EpayKey"):
        assert secret not in keys
    values = {item["key"]: item["value"] for item in body["data"]}
    assert values["QuotaPerUnit"] == "500000" and values["LogConsumeEnabled"] == "true"


@pytest.mark.parametrize(
    ("key", "value", "fragment"),
    [
        ("LogConsumeEnabled", "maybe", "true or false"),
        ("RetryTimes", "three", "integer"),
        ("RetryTimes", [1], "string, number or boolean"),
        ("QuotaPerUnit", "abc", "number"),
        ("GroupRatio", "{not json", "JSON"),
        ("GroupRatio", "[1,2]", "object"),
        ("GroupRatio", '{"vip": "cheap"}', "number"),
        ("ModelRatio", '{"gpt-4o": -1}', "non-negative"),
        ("AutomaticRetryStatusCodes", "500-abc", "range"),
        ("AutomaticDisableStatusCodes", "700", "100-599"),
        ("GitHubOAuthEnabled", True, "GitHubClientId"),
        ("bad key!", "x", "malformed"),
        ("Notice", {"a": 1}, "string"),
    ],
)
async def test_put_rejects_bad_values(root, key, value, fragment):
    status, before = await root.json("GET", "/api/option/")
    status, body = await root.json("PUT", "/api/option/", json={"key": key, "value": value})
    assert status == 200 and body["success"] is False, body
    assert fragment in body["message"]
    status, after = await root.json("GET", "/api/option/")
    assert after["data"] == before["data"], "nothing may be stored on a refused write"


async def test_put_needs_key_and_value(root):
    status, body = await root.json("PUT", "/api/option/", json={"key": "Notice"})
    assert body["success"] is False and "required" in body["message"]
    resp = await root.request(
        "PUT", "/api/option/", data=b"{oops", headers={"Content-Type": "application/json"}
    )
    assert resp.status == 400


async def test_put_applies_in_memory_and_persists(root, gateway: Gateway):
    for key, value in (("Notice", "Maintenance at 5"), ("SystemName", "Claw"), ("RetryTimes", 3)):
        status, body = await root.json("PUT", "/api/option/", json={"key": key, "value": value})
        assert body["success"], body
    status, body = await root.json(
        "PUT", "/api/option/", json={"key": "DemoSiteEnabled", "value": True}
    )
    assert body["success"]
    c = gateway.client()
    assert (await c.json("GET", "/api/notice"))[1]["data"] == "Maintenance at 5"
    status, body = await c.json("GET", "/api/status")
    assert body["data"]["system_name"] == "Claw" and body["data"]["demo_site_enabled"] is True
    await gateway.restart()
    c = gateway.client()
    assert (await c.json("GET", "/api/notice"))[1]["data"] == "Maintenance at 5"
    status, body = await root.json("GET", "/api/option/")
    values = {i["key"]: i["value"] for i in body["data"]}
    assert values["RetryTimes"] == "3" and values["DemoSiteEnabled"] == "true"


async def test_console_panels_in_status(root, gateway: Gateway):
    ann = '[{"content":"old","publishDate":"2026-01-01"},{"content":"new","publishDate":"2026-06-01"}]'
    status, body = await root.json(
        "PUT", "/api/option/", json={"key": "console_setting.announcements", "value": ann}
    )
    assert body["success"], body
    status, body = await gateway.client().json("GET", "/api/status")
    assert [a["content"] for a in body["data"]["announcements"]] == ["new", "old"]
    assert body["data"]["quota_per_unit"] == 500000
