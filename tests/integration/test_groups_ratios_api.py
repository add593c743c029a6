"""/api/group, /api/prefill_group, the option extras (rest_model_ratio,
migrate_console_setting), /api/ratio_config and /api/ratio_sync against a second ClawRouter."""

from __future__ import annotations

import orjson
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from clawrouter.keys import MAIN_DB, OPTIONS
from clawrouter.options.defaults import price_table_defaults
from tests.support.gateway import Gateway


async def test_groups_and_prefill_groups(root, gateway: Gateway):
    status, reply = await root.json("GET", "/api/group/")
    assert reply["data"] == ["default", "vip", "svip"]
    body = {"name": "fast", "type": "model", "items": ["gpt-4o-mini"], "description": "d"}
    status, reply = await root.json("POST", "/api/prefill_group/", json=body)
    assert reply["success"], reply
    group = reply["data"]
    assert group["items"] == ["gpt-4o-mini"] and group["name"] == "fast" and group["id"]
    await root.json("POST", "/api/prefill_group/", json={**body, "name": "t", "type": "tag"})
    for bad, fragment in [
        ({**body, "type": "x"}, "type"), ({**body, "name": ""}, "name"),
        ({**body, "items": "nope"}, "items"), (body, "already exists"),
        ({**body, "name": "n" * 65}, "64"),
    ]:  # fmt: skip
        status, reply = await root.json("POST", "/api/prefill_group/", json=bad)
        assert reply["success"] is False and fragment in reply["message"], bad
    status, reply = await root.json("POST", "/api/prefill_group/", data=b"[1")
    assert status == 400
    reply = (await root.json("GET", "/api/prefill_group/?type=tag"))[1]
    assert [g["name"] for g in reply["data"]] == ["t"]
    status, reply = await root.json(
        "PUT", "/api/prefill_group/", json={"id": group["id"], "items": ["a", "b"]}
    )
    assert reply["data"]["items"] == ["a", "b"] and reply["data"]["name"] == "fast"
    status, reply = await root.json(
        "PUT", "/api/prefill_group/", json={"id": group["id"], "name": "t"}
    )
    assert reply["success"] is False and "already exists" in reply["message"]
    status, reply = await root.json("PUT", "/api/prefill_group/", json={"id": 999, "name": "z"})
    assert reply["success"] is False and "not found" in reply["message"]
    status, reply = await root.json("DELETE", f"/api/prefill_group/{group['id']}")
    assert reply["success"]
    status, reply = await root.json("DELETE", f"/api/prefill_group/{group['id']}")
    assert reply["success"] is False
    status, reply = await root.json("POST", "/api/prefill_group/", json=body)
    assert reply["success"], "the name is free again after a soft delete"
    names = [g["name"] for g in (await root.json("GET", "/api/prefill_group/"))[1]["data"]]
    assert names == ["t", "fast"]
    await gateway.add_user("bob")
    bob = await gateway.login("bob", "userpass123")
    for method, path in [("GET", "/api/group/"), ("GET", "/api/prefill_group/"),
                         ("POST", "/api/prefill_group/"), ("DELETE", "/api/prefill_group/1")]:  # fmt: skip
        status, reply = await bob.json(method, path, json=body)
        assert reply["success"] is False and "privilege" in reply["message"]
        status, reply = await gateway.client(user_id=1).json(method, path, json=body)
        assert status == 401


async def test_reset_model_ratio(root, gateway: Gateway):
    await root.json("PUT", "/api/option/", json={"key": "ModelRatio", "value": '{"m": 3}'})
    await root.json("PUT", "/api/option/", json={"key": "CacheRatio", "value": '{"m": 0.1}'})
    status, reply = await root.json("POST", "/api/option/rest_model_ratio")
    assert reply["success"]
    options = gateway.app[OPTIONS]
    assert options["ModelRatio"] == price_table_defaults()["ModelRatio"]
    assert options["CacheRatio"] == {"m": 0.1}, "only ModelRatio is reset"


async def test_migrate_console_setting(root, gateway: Gateway):
    legacy = {
        "ApiInfo": orjson.dumps([{"url": "https://a"}] * 60).decode(),
        "Announcements": '[{"content": "hi"}]',
        "FAQ": '[{"title": "q1", "content": "a1"}, {"question": "q2"}]',
        "UptimeKumaUrl": "https://kuma", "UptimeKumaSlug": "s",
    }  # fmt: skip
    await gateway.app[OPTIONS].set_many(legacy)
    status, reply = await root.json("POST", "/api/option/migrate_console_setting")
    assert reply["success"], reply
    options = gateway.app[OPTIONS]
    assert len(options["console_setting.api_info"]) == 50
    assert options["console_setting.announcements"] == [{"content": "hi"}]
    assert options["console_setting.faq"] == [{"question": "q1", "answer": "a1"}]
    (group,) = options["console_setting.uptime_kuma_groups"]
    assert group["url"] == "https://kuma" and group["slug"] == "s"
    stored = await gateway.app[MAIN_DB].fetchall('SELECT "key" FROM options')
    assert not set(legacy) & {r["key"] for r in stored}
    assert all(options.raw()[k] == "" for k in legacy)
    status, reply = await root.json("POST", "/api/option/migrate_console_setting")
    assert reply["success"] and len(options["console_setting.api_info"]) == 50, "idempotent"


async def test_option_extras_are_root_only(root, gateway: Gateway):
    await gateway.add_user("ada", role=10)
    ada = await gateway.login("ada", "userpass123")
    for path in ("/api/option/rest_model_ratio", "/api/option/migrate_console_setting",
                 "/api/ratio_sync/fetch"):  # fmt: skip
        status, reply = await ada.json("POST", path, json={})
        assert reply["success"] is False and "privilege" in reply["message"]
        status, reply = await gateway.client(user_id=1).json("POST", path)
        assert status == 401
    status, reply = await ada.json("GET", "/api/ratio_sync/channels")
    assert reply["success"] is False


async def test_ratio_config(root, gateway: Gateway):
    anon = gateway.client()
    status, reply = await anon.json("GET", "/api/ratio_config")
    assert status == 403 and reply["success"] is False
    await root.json("PUT", "/api/option/", json={"key": "ExposeRatioEnabled", "value": True})
    status, reply = await anon.json("GET", "/api/ratio_config")
    assert status == 200 and reply["success"]
    assert set(reply["data"]) == {
        "model_ratio", "completion_ratio", "cache_ratio", "create_cache_ratio", "model_price"
    }  # fmt: skip
    assert reply["data"]["model_ratio"] == gateway.app[OPTIONS]["ModelRatio"]


@pytest.fixture
async def remote(config, tmp_path):
    """A second ClawRouter exposing its ratios, with two of them changed."""
    from clawrouter.config import replace

    other = Gateway(replace(config, server={"data_dir": str(tmp_path / "remote")}))
    await other.start()
    await other.app[OPTIONS].set_many({
        "ExposeRatioEnabled": True,
        "ModelRatio": {"gpt-4o": 9, "only-remote": 1},
        "CompletionRatio": {"gpt-4o": 4},
        "ModelPrice": {},
    })  # fmt: skip
    try:
        yield other
    finally:
        await other.stop()


@pytest.fixture
async def pricing_server():
    """A small instance answering /api/pricing (list format) and a broken route."""

    async def pricing(request):
        items = [
            {"model_name": "gpt-4o", "quota_type": 0, "model_ratio": 1.25, "completion_ratio": 4},
            {"model_name": "per-call", "quota_type": 1, "model_price": 0.5},
        ]
        return web.json_response({"success": True, "data": items})

    app = web.Application()
    app.router.add_get("/api/pricing", pricing)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield f"http://127.0.0.1:{server.port}"
    await server.close()


async def test_ratio_sync(root, gateway: Gateway, remote: Gateway, pricing_server: str):
    await root.json("PUT", "/api/option/", json={"key": "ModelRatio", "value": '{"gpt-4o": 1.25}'})
    await root.json("PUT", "/api/option/", json={"key": "ModelPrice", "value": "{}"})
    cid = await gateway.add_channel(pricing_server, name="pr")
    status, reply = await root.json("GET", "/api/ratio_sync/channels")
    assert {"id": cid, "name": "pr", "base_url": pricing_server}.items() <= reply["data"][0].items()
    assert [c["id"] for c in reply["data"][-2:]] == [-100, -101]
    body = {
        "channel_ids": [cid],
        "upstreams": [
            {"name": "remote", "base_url": remote.base, "endpoint": "/api/ratio_config"},
            {"name": "dead", "base_url": pricing_server, "endpoint": "/missing"},
            {"name": "ignored", "base_url": "ftp://x"},
        ],
        "timeout": 5,
    }
    status, reply = await root.json("POST", "/api/ratio_sync/fetch", json=body)
    assert status == 200 and reply["success"], reply
    tests = {t["name"]: t for t in reply["data"]["test_results"]}
    assert tests["remote"]["status"] == "success" and tests[f"pr({cid})"]["status"] == "success"
    assert tests["dead"]["status"] == "error" and "404" in tests["dead"]["error"]
    diffs = reply["data"]["differences"]
    assert diffs["gpt-4o"]["model_ratio"]["current"] == 1.25
    assert diffs["gpt-4o"]["model_ratio"]["upstreams"] == {"remote": 9.0, f"pr({cid})": "same"}
    assert diffs["only-remote"]["model_ratio"]["upstreams"]["remote"] == 1.0
    assert diffs["per-call"]["model_price"]["upstreams"][f"pr({cid})"] == 0.5
    assert diffs["per-call"]["model_price"]["current"] is None


@pytest.mark.parametrize(
    ("body", "status"),
    [(b"[1", 400), (b'{"channel_ids": "x"}', 400), (b'{"upstreams": [1]}', 400),
     (b'{"timeout": "soon", "channel_ids": [1]}', 400), (b'{"channel_ids": [424242]}', 200)],
)  # fmt: skip
async def test_ratio_sync_bad_input(root, body, status):
    got, reply = await root.json("POST", "/api/ratio_sync/fetch", data=body)
    assert got == status and reply["success"] is False and reply["message"]
