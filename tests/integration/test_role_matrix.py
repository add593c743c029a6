"""The role matrix over every /api route the app registers: no route answers below its level.
Anonymous callers get 401 on every non-public route; a common user is refused on every admin
route and an admin on every root route (the reference's 200 + success:false), and nothing runs."""

from __future__ import annotations

import re

import pytest

from clawrouter.api.routing import is_alias, level_of
from clawrouter.app import build_api
from clawrouter.auth.roles import ADMIN, PUBLIC, ROOT
from tests.support.gateway import Gateway

_PARAM = re.compile(r"\{(\w+)(:[^}]*)?\}")


def api_routes() -> list[tuple[str, str, int]]:
    out = []
    for route in build_api().router.routes():
        if route.method == "HEAD" or is_alias(route):
            continue  # the trailing-slash twins: tests/integration/test_route_forms.py
        info = route.resource.get_info()
        path = info.get("path") or info.get("formatter")
        level = level_of(route.handler)
        assert level is not None, path
        concrete = _PARAM.sub(lambda m: "1" if m.group(1) == "id" else "x", path)
        out.append((route.method, "/api" + concrete, level))
    return sorted(set(out))


ROUTES = api_routes()


def test_every_level_is_present():
    levels = {level for _, _, level in ROUTES}
    assert {PUBLIC, ADMIN, ROOT} <= levels and len(ROUTES) > 100


@pytest.fixture
async def callers(root, gateway: Gateway):
    await gateway.add_user("plain", role=1)
    await gateway.add_user("admin2", role=10)
    return {
        "common": await gateway.login("plain", "userpass123"),
        "admin": await gateway.login("admin2", "userpass123"),
        "anonymous": gateway.client(user_id=1),
    }


async def test_no_route_is_reachable_below_its_level(callers, gateway: Gateway):
    checked = 0
    for method, path, level in ROUTES:
        if level == PUBLIC:
            continue
        status, body = await callers["anonymous"].json(method, path, json={})
        assert status == 401 and body["success"] is False, (method, path, body)
        refused = []
        if level >= ADMIN:
            refused.append("common")
        if level >= ROOT:
            refused.append("admin")
        for who in refused:
            status, body = await callers[who].json(method, path, json={})
            assert status == 200 and body["success"] is False, (who, method, path, body)
            assert "privilege" in body["message"], (who, method, path, body)
            checked += 1
    assert checked > 60


async def test_key_usage_endpoint(root, gateway: Gateway):
    key = await gateway.add_token(
        unlimited_quota=0, remain_quota=1234, model_limits_enabled=1, model_limits="a,b"
    )
    c = gateway.client()
    status, body = await c.json(
        "GET", "/api/usage/token/", headers={"Authorization": f"Bearer {key}"}
    )
    assert status == 200 and body["code"] is True
    data = body["data"]
    assert data["total_available"] == 1234 and data["total_granted"] == 1234
    assert data["model_limits"] == {"a": True, "b": True} and data["expires_at"] == 0
    status, body = await c.json("GET", "/api/usage/token/")
    assert status == 401
    status, body = await c.json(
        "GET", "/api/usage/token/", headers={"Authorization": "Bearer sk-nope"}
    )
    assert status == 401 and body["success"] is False
