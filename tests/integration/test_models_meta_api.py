"""/api/models/ (admin): model metadata CRUD, enrichment from the relay, missing models, and
sync from a fake upstream catalogue on 127.0.0.1 (never the real internet)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from clawrouter.config import Config, replace
from clawrouter.keys import MAIN_DB
from tests.support.gateway import Gateway

UPSTREAM_MODELS = [
    {"model_name": "gpt-4o", "description": "omni", "icon": "OpenAI", "tags": "chat,vision",
     "vendor_name": "OpenAI", "name_rule": 0, "status": 1},
    {"model_name": "claude-x", "description": "claude", "icon": "Claude", "tags": ["chat"],
     "vendor_name": "Anthropic", "endpoints": {"anthropic": {"path": "/v1/messages"}}},
]  # fmt: skip
UPSTREAM_VENDORS = [{"name": "OpenAI", "icon": "OpenAI"}, {"name": "Anthropic", "icon": "Claude"}]


class Catalogue:
    def __init__(self) -> None:
        self.models: Any = {"success": True, "data": UPSTREAM_MODELS}
        self.vendors: Any = {"success": True, "data": UPSTREAM_VENDORS}
        self.status = 200
        self.seen: list[str] = []
        self.server: TestServer | None = None
        self.base = ""

    def app(self) -> web.Application:
        app = web.Application()

        async def serve(request: web.Request) -> web.Response:
            self.seen.append(request.path_qs)
            body = self.models if request.path.endswith("models.json") else self.vendors
            return web.json_response(body, status=self.status)

        app.router.add_get("/api/newapi/{name}", serve)
        return app


@pytest.fixture
async def catalogue() -> AsyncIterator[Catalogue]:
    cat = Catalogue()
    server = TestServer(cat.app(), host="127.0.0.1")
    await server.start_server()
    cat.server, cat.base = server, f"http://127.0.0.1:{server.port}"
    yield cat
    await server.close()


@pytest.fixture
def config(config: Config, catalogue: Catalogue) -> Config:
    relay = {"models_metadata_url": catalogue.base + "/", "models_metadata_timeout_seconds": 2.0}
    return replace(config, relay=relay)


async def create(client, **fields) -> dict:
    status, reply = await client.json("POST", "/api/models/", json={"model_name": "m1", **fields})
    assert status == 200 and reply["success"], reply
    return reply["data"]


async def count(gateway: Gateway, table: str = "models") -> int:
    return await gateway.app[MAIN_DB].fetchval(f"SELECT COUNT(*) FROM {table}")


async def test_crud_and_enrichment(root, gateway: Gateway):
    await gateway.add_channel(
        "http://127.0.0.1:9", name="chA", models="gpt-4o,o3", group="default,vip"
    )
    await gateway.add_channel("http://127.0.0.1:9", name="off", models="gpt-4o", status=2, type=14)
    data = await create(root, model_name=" gpt-4o ", description="d", tags="a,b")
    assert data["model_name"] == "gpt-4o" and data["status"] == 1
    assert data["bound_channels"] == [{"name": "chA", "type": 1}, {"name": "off", "type": 14}]
    assert data["enable_groups"] == ["default", "vip"] and data["quota_types"] == [0]
    assert "openai" in data["endpoints"]
    rule = await create(root, model_name="o", name_rule=1)
    assert rule["matched_models"] == ["o3"] and rule["matched_count"] == 1

    status, reply = await root.json("GET", "/api/models/?p=1&page_size=1")
    page = reply["data"]
    assert page["total"] == 2 and len(page["items"]) == 1 and page["vendor_counts"] == {"0": 2}
    status, reply = await root.json("GET", f"/api/models/{data['id']}")
    assert reply["data"]["description"] == "d"

    status, reply = await root.json("PUT", "/api/models/", json={"id": data["id"], "icon": "X"})
    assert reply["success"] and reply["data"]["icon"] == "X" and reply["data"]["tags"] == "a,b"
    status, reply = await root.json(
        "PUT", "/api/models/?status_only=true", json={"id": data["id"], "status": 0, "icon": "Y"}
    )
    assert reply["data"]["status"] == 0 and reply["data"]["icon"] == "X"

    status, reply = await root.json("GET", "/api/models/search?keyword=gpt")
    assert [m["model_name"] for m in reply["data"]["items"]] == ["gpt-4o"]
    status, reply = await root.json("GET", "/api/models/search?keyword=_")
    assert reply["data"]["total"] == 0, "wildcards are literal"

    status, reply = await root.json("DELETE", f"/api/models/{data['id']}")
    assert reply["success"]
    status, reply = await root.json("GET", f"/api/models/{data['id']}")
    assert reply == {"success": False, "message": "model not found"}
    await create(root, model_name="gpt-4o")  # the name is free again after a soft delete


async def test_search_by_vendor(root):
    status, reply = await root.json("POST", "/api/vendors/", json={"name": "OpenAI"})
    vid = reply["data"]["id"]
    await create(root, model_name="a", vendor_id=vid)
    await create(root, model_name="b")
    for query in (f"vendor={vid}", "vendor=open"):
        status, reply = await root.json("GET", f"/api/models/search?{query}")
        assert [m["model_name"] for m in reply["data"]["items"]] == ["a"], query


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "model_name is required"),
        ({"model_name": "  "}, "model_name must not be empty"),
        ({"model_name": "x" * 129}, "model_name must be at most 128 characters"),
        ({"model_name": "m", "name_rule": 4}, "name_rule must be at most 3"),
        ({"model_name": "m", "vendor_id": 99}, "vendor 99 does not exist"),
        ({"model_name": "m", "endpoints": "{"}, "endpoints is not valid JSON"),
        ({"model_name": "m", "tags": 5}, "tags must be a string"),
    ],
)
async def test_create_rejects_bad_input(root, gateway: Gateway, body, message):
    status, reply = await root.json("POST", "/api/models/", json=body)
    assert status == 200 and reply == {"success": False, "message": message}
    assert await count(gateway) == 0


async def test_duplicates_and_bad_updates(root, gateway: Gateway):
    a = await create(root, model_name="a")
    await create(root, model_name="b")
    status, reply = await root.json("POST", "/api/models/", json={"model_name": "a"})
    assert reply["message"] == "a model named 'a' already exists"
    status, reply = await root.json("PUT", "/api/models/", json={"id": a["id"], "model_name": "b"})
    assert reply["success"] is False
    status, reply = await root.json("PUT", "/api/models/", json={"id": 999, "icon": "x"})
    assert reply == {"success": False, "message": "model not found"}
    status, reply = await root.json("PUT", "/api/models/", json={"icon": "x"})
    assert reply == {"success": False, "message": "id is required"}
    status, reply = await root.json("GET", "/api/models/abc")
    assert reply["success"] is False
    status, reply = await root.json("POST", "/api/models/", data="{nope")
    assert status == 400 and reply["success"] is False
    assert await count(gateway) == 2


async def test_missing_models(root, gateway: Gateway):
    await gateway.add_channel("http://127.0.0.1:9", models="gpt-4o,o3,claude-1,zeta")
    await gateway.add_channel("http://127.0.0.1:9", models="disabled-model", status=2)
    await create(root, model_name="gpt-4o")
    await create(root, model_name="claude", name_rule=1)
    status, reply = await root.json("GET", "/api/models/missing")
    assert reply["data"] == ["o3", "zeta"]


async def test_sync_preview_and_apply(root, gateway: Gateway, catalogue: Catalogue):
    await create(root, model_name="gpt-4o", description="mine")
    status, reply = await root.json("GET", "/api/models/sync_upstream/preview?locale=en")
    data = reply["data"]
    assert data["missing"] == ["claude-x"]
    (conflict,) = data["conflicts"]
    fields = {f["field"]: (f["local"], f["upstream"]) for f in conflict["fields"]}
    assert fields["description"] == ("mine", "omni") and fields["vendor"] == ("", "OpenAI")
    assert data["source"]["models_url"] == catalogue.base + "/api/newapi/models.json"
    assert "locale=en" in catalogue.seen[0]

    body = {"overwrite": [{"model_name": "gpt-4o", "fields": ["description", "vendor"]},
                          {"model_name": "nope", "fields": ["icon"]}]}  # fmt: skip
    status, reply = await root.json("POST", "/api/models/sync_upstream", json=body)
    data = reply["data"]
    assert data["created_models"] == 1 and data["created_list"] == ["claude-x"]
    assert data["updated_list"] == ["gpt-4o"] and data["skipped_models"] == ["nope"]
    assert data["created_vendors"] == 2
    status, reply = await root.json("GET", "/api/models/search?keyword=claude-x")
    (row,) = reply["data"]["items"]
    assert row["tags"] == "chat" and row["sync_official"] == 1 and "anthropic" in row["endpoints"]
    status, reply = await root.json("GET", "/api/models/search?keyword=gpt-4o")
    (row,) = reply["data"]["items"]
    assert row["description"] == "omni" and row["icon"] == "" and row["vendor_id"] > 0
    status, reply = await root.json("GET", "/api/models/sync_upstream/preview")
    assert reply["data"]["missing"] == []


async def test_sync_without_body_creates_missing(root, gateway: Gateway):
    status, reply = await root.json("POST", "/api/models/sync_upstream")
    assert reply["success"] and reply["data"]["created_models"] == 2


@pytest.mark.parametrize("failure", ["status", "envelope", "not_json", "down"])
async def test_sync_upstream_unreachable(root, gateway: Gateway, catalogue: Catalogue, failure):
    if failure == "status":
        catalogue.status = 503
    elif failure == "envelope":
        catalogue.vendors = {"success": False, "message": "x"}
    elif failure == "not_json":
        catalogue.models = "plain"
    else:
        await catalogue.server.close()  # connections are refused from now on
    paths = ("/api/models/sync_upstream/preview", "/api/models/sync_upstream")
    for method, path in zip(("GET", "POST"), paths, strict=True):
        status, reply = await root.json(method, path)
        assert status == 200 and reply["success"] is False, reply
        assert "upstream metadata" in reply["message"]
    assert await count(gateway) == 0 and await count(gateway, "vendors") == 0


async def test_sync_rejects_bad_overwrite(root, gateway: Gateway):
    for body in ({"overwrite": "x"}, {"overwrite": [{"fields": []}]},
                 {"overwrite": [{"model_name": "a", "fields": ["password"]}]}):  # fmt: skip
        status, reply = await root.json("POST", "/api/models/sync_upstream", json=body)
        assert reply["success"] is False, body
    assert await count(gateway) == 0
