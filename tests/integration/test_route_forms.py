"""Every /api route answers with and without a trailing slash, for every method, served directly
(no redirect): new-api's console calls `POST /api/channel` and `DELETE /api/token/{id}/` alike.
The OpenAPI document still lists each route once, as declared."""

from __future__ import annotations

import re

from clawrouter.api.routing import Routes, other_form
from clawrouter.app import API_MODULES, build_api, create_app
from clawrouter.auth.roles import PUBLIC
from clawrouter.config import Config
from clawrouter.openapi import build_document
from tests.support.gateway import Gateway

_PARAM = re.compile(r"\{(\w+)(:[^}]*)?\}")
_UNMATCHED = "Invalid URL ("


def declared() -> list[tuple[str, str, int]]:
    routes = Routes()
    for module in API_MODULES:
        module.routes(routes)
    return [(method, path, level) for method, path, _, level in routes.entries]


def both_forms() -> list[tuple[str, str, int]]:
    """(method, concrete /api path, level) for each declared route in both of its forms."""
    entries = declared()
    taken = {(method, path) for method, path, _ in entries}
    out = []
    for method, path, level in entries:
        forms = [path]
        alias = other_form(path)
        if alias is not None and (method, alias) not in taken:
            forms.append(alias)
        for form in forms:
            concrete = _PARAM.sub(lambda m: "1" if m.group(1) == "id" else "x", form)
            out.append((method, "/api" + concrete, level))
    return out


def test_install_adds_the_other_form_of_every_route():
    installed = {
        (r.method, r.resource.canonical) for r in build_api().router.routes() if r.method != "HEAD"
    }
    wanted = set()
    for method, path, _ in declared():
        canonical = _PARAM.sub(lambda x: "{" + x.group(1) + "}", path)
        wanted.add((method, canonical))
        wanted.add((method, other_form(canonical) or canonical))
    assert wanted <= installed, sorted(wanted - installed)
    assert len(installed) == len(wanted)


async def test_every_route_matches_in_both_forms(root, gateway: Gateway):
    """Anonymous calls reach each route's own guard (401) or its public handler; the router
    never answers 404 or 405 for a declared route in either form."""
    anonymous = gateway.client(user_id=1)
    checked = 0
    for method, path, level in both_forms():
        resp = await anonymous.request(method, path, json={})
        status = resp.status
        try:
            body = await resp.json(content_type=None)
        except ValueError:  # epay's notify answers plain text (success / fail), as epay expects
            body = await resp.text()
        message = body.get("message", "") if isinstance(body, dict) else ""
        assert status not in (404, 405) and _UNMATCHED not in message, (method, path, body)
        if level != PUBLIC:
            assert status == 401 and body["success"] is False, (method, path, body)
        checked += 1
    assert checked > 220


async def test_slashless_create_and_slashed_delete(root, gateway: Gateway):
    status, body = await root.json("POST", "/api/token", json={"name": "no-slash"})
    assert status == 200 and body["success"], body
    status, body = await root.json("GET", "/api/token?p=1")
    assert status == 200 and body["success"], body
    (token,) = [t for t in body["data"]["items"] if t["name"] == "no-slash"]
    status, body = await root.json("DELETE", f"/api/token/{token['id']}/")
    assert status == 200 and body["success"], body
    status, body = await root.json("GET", "/api/token/")
    assert [t for t in body["data"]["items"] if t["name"] == "no-slash"] == []

    channel = {"type": 1, "name": "slashless", "key": "sk-x", "models": "m", "group": "default"}
    status, body = await root.json(
        "POST", "/api/channel", json={"mode": "single", "channel": channel}
    )
    assert status == 200 and body["success"], body
    status, body = await root.json("GET", "/api/channel")
    assert [c["name"] for c in body["data"]["items"]] == ["slashless"], body


def test_openapi_lists_each_route_once_as_declared():
    paths = build_document(create_app(Config()))["paths"]
    assert "/api/channel/" in paths and "/api/channel" not in paths
    assert "/api/token/{id}" in paths and "/api/token/{id}/" not in paths
    # declared in both forms with different handlers: both stay
    assert "get" in paths["/api/models"] and "get" in paths["/api/models/"]
