"""/api/vendors (admin CRUD), /api/pricing (public, narrowed by the session's group),
/api/models (default models per channel type), /api/openapi.json, and the role matrix."""

from __future__ import annotations

import pytest

from clawrouter.keys import MAIN_DB, OPTIONS
from tests.support.gateway import Gateway


async def test_vendor_crud(root, gateway: Gateway):
    status, reply = await root.json("POST", "/api/vendors/", json={"name": " OpenAI ", "icon": "O"})
    v = reply["data"]
    assert reply["success"] and v["name"] == "OpenAI" and v["status"] == 1
    await root.json("POST", "/api/vendors/", json={"name": "Anthropic"})
    status, reply = await root.json("GET", "/api/vendors/?p=1&page_size=1")
    assert reply["data"]["total"] == 2 and [x["name"] for x in reply["data"]["items"]] == [
        "Anthropic"
    ]
    status, reply = await root.json("GET", "/api/vendors/search?keyword=open")
    assert [x["name"] for x in reply["data"]["items"]] == ["OpenAI"]
    status, reply = await root.json("PUT", "/api/vendors/", json={"id": v["id"], "status": 0})
    assert reply["data"]["status"] == 0 and reply["data"]["icon"] == "O"
    status, reply = await root.json("GET", f"/api/vendors/{v['id']}")
    assert reply["data"]["name"] == "OpenAI"
    status, reply = await root.json("DELETE", f"/api/vendors/{v['id']}")
    assert reply["success"]
    status, reply = await root.json("GET", f"/api/vendors/{v['id']}")
    assert reply == {"success": False, "message": "vendor not found"}


@pytest.mark.parametrize(
    ("method", "body", "message"),
    [
        ("POST", {}, "name is required"),
        ("POST", {"name": ""}, "name must not be empty"),
        ("POST", {"name": "Dup"}, "a vendor named 'Dup' already exists"),
        ("POST", {"name": "x", "status": 7}, "status must be at most 1"),
        ("PUT", {"name": "x"}, "id is required"),
        ("PUT", {"id": 999, "name": "x"}, "vendor not found"),
    ],
)
async def test_vendor_bad_input(root, gateway: Gateway, method, body, message):
    await root.json("POST", "/api/vendors/", json={"name": "Dup"})
    status, reply = await root.json(method, "/api/vendors/", json=body)
    assert status == 200 and reply == {"success": False, "message": message}
    assert await gateway.app[MAIN_DB].fetchval("SELECT COUNT(*) FROM vendors") == 1


async def _pricing_setup(gateway: Gateway, root) -> None:
    opts = gateway.app[OPTIONS]
    await root.json(
        "PUT",
        "/api/option/",
        json={"key": "GroupRatio", "value": '{"default": 1, "vip": 2, "svip": 3}'},
    )
    await root.json(
        "PUT", "/api/option/", json={"key": "GroupGroupRatio", "value": '{"vip": {"default": 0.5}}'}
    )
    await root.json(
        "PUT", "/api/option/", json={"key": "UserUsableGroups", "value": '{"default": "d"}'}
    )
    assert opts["GroupRatio"]["vip"] == 2
    await gateway.add_channel("http://127.0.0.1:9", models="gpt-4o,dall-e-3", group="default")
    await gateway.add_channel("http://127.0.0.1:9", models="claude-sonnet-4", group="vip", type=14)
    await gateway.add_channel("http://127.0.0.1:9", models="o3", group="svip")
    await gateway.add_channel("http://127.0.0.1:9", models="hidden", group="default", status=2)


async def test_pricing_per_group(root, gateway: Gateway):
    await _pricing_setup(gateway, root)
    status, vendor = await root.json("POST", "/api/vendors/", json={"name": "OpenAI"})
    await root.json(
        "POST",
        "/api/models/",
        json={"model_name": "gpt-4o", "description": "omni", "vendor_id": vendor["data"]["id"]},
    )

    anon = gateway.client()
    status, body = await anon.json("GET", "/api/pricing")
    assert status == 200 and body["success"]
    assert [d["model_name"] for d in body["data"]] == ["dall-e-3", "gpt-4o"]
    gpt = body["data"][1]
    assert gpt["description"] == "omni" and gpt["quota_type"] == 0 and gpt["model_ratio"] > 0
    assert gpt["completion_ratio"] > 1 and gpt["enable_groups"] == ["default"]
    assert gpt["supported_endpoint_types"] == ["openai", "openai-response"]
    assert body["data"][0]["quota_type"] == 1 and body["data"][0]["model_price"] > 0
    assert body["group_ratio"] == {"default": 1} and body["usable_group"] == {"default": "d"}
    assert [v["name"] for v in body["vendors"]] == ["OpenAI"]
    assert body["supported_endpoint"]["openai"]["path"] == "/v1/chat/completions"
    assert len(body["pricing_version"]) == 32

    await gateway.add_user("vipuser", group="vip")
    vip = await gateway.login("vipuser", "userpass123")
    status, body = await vip.json("GET", "/api/pricing")
    names = [d["model_name"] for d in body["data"]]
    assert names == ["claude-sonnet-4", "dall-e-3", "gpt-4o"], "svip-only o3 stays hidden"
    assert set(body["group_ratio"]) == set(body["usable_group"])
    assert body["group_ratio"]["default"] == 0.5, "GroupGroupRatio applies"
    assert body["group_ratio"]["vip"] == 2 and "svip" not in body["group_ratio"]
    claude = body["data"][0]
    assert claude["enable_groups"] == ["vip"] and claude["supported_endpoint_types"] == [
        "anthropic"
    ]


async def test_default_models_per_channel_type(root, gateway: Gateway):
    await gateway.add_user("plain")
    user = await gateway.login("plain", "userpass123")
    status, body = await user.json("GET", "/api/models")
    data = body["data"]
    assert "gpt-4o" in data["1"] and "claude-sonnet-4" not in data["1"]
    assert "claude-sonnet-4" in data["14"] and "claude-sonnet-4" in data["33"]
    assert "gemini-2.5-pro" in data["24"] and "deepseek-chat" in data["43"]
    assert "grok-4" in data["48"] and data["4"] == []


async def test_openapi_json_is_public(gateway: Gateway):
    status, doc = await gateway.client().json("GET", "/api/openapi.json")
    assert status == 200 and doc["openapi"] == "3.1.0"
    assert doc["paths"]["/api/models/"]["get"]["x-clawrouter-role"] == "admin"
    assert doc["paths"]["/api/pricing"]["get"]["x-clawrouter-role"] == "public"
    assert doc["paths"]["/v1/chat/completions"]["post"]["x-clawrouter-role"] == "api_key"


ADMIN_ROUTES = [
    ("GET", "/api/models/"), ("GET", "/api/models/search"), ("GET", "/api/models/1"),
    ("POST", "/api/models/"), ("PUT", "/api/models/"), ("DELETE", "/api/models/1"),
    ("GET", "/api/models/missing"), ("GET", "/api/models/sync_upstream/preview"),
    ("POST", "/api/models/sync_upstream"), ("GET", "/api/vendors/"),
    ("GET", "/api/vendors/search"), ("GET", "/api/vendors/1"), ("POST", "/api/vendors/"),
    ("PUT", "/api/vendors/"), ("DELETE", "/api/vendors/1"),
]  # fmt: skip


async def test_role_matrix(root, gateway: Gateway):
    await gateway.add_user("common")
    await gateway.add_user("admin", role=10)
    common = await gateway.login("common", "userpass123")
    admin = await gateway.login("admin", "userpass123")
    anon = gateway.client()
    for method, path in ADMIN_ROUTES:
        status, _ = await anon.json(method, path, json={"name": "n", "model_name": "n"})
        assert status == 401, (method, path)
        status, reply = await common.json(method, path, json={})
        assert reply["success"] is False and "privilege" in reply["message"], (method, path)
        for caller in (admin, root):
            status, reply = await caller.json(method, path, json={})
            assert status == 200 and "privilege" not in reply.get("message", ""), (method, path)
    assert (await anon.json("GET", "/api/models"))[0] == 401
    for caller in (common, admin, root):
        assert (await caller.json("GET", "/api/models"))[1]["success"]
    for caller in (anon, common, admin, root):
        assert (await caller.json("GET", "/api/pricing"))[1]["success"]
