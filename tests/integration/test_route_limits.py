"""Which routes sit behind which named limit (the reference's route table, a meta-test over the
registered routes), and how a declared limit behaves: after the level check, counted once per
request even when a handler also checks it itself, per IP or per user."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from clawrouter.api.routing import Routes, is_alias, limit_of
from clawrouter.app import build_api, create_app
from clawrouter.auth.roles import PUBLIC
from clawrouter.config import Config, load, replace
from clawrouter.http import limits
from clawrouter.http.middlewares import edge
from clawrouter.http.ratelimit import Limiters
from clawrouter.keys import CONFIG, LIMITERS
from clawrouter.openapi import build_document

# The reference's CriticalRateLimit routes (router/api-router.go); every /api/oauth/ route is too.
CRITICAL = {
    ("POST", "/api/user/login"),
    ("POST", "/api/user/register"),
    ("POST", "/api/user/login/2fa"),
    ("POST", "/api/user/passkey/login/begin"),
    ("POST", "/api/user/passkey/login/finish"),
    ("GET", "/api/reset_password"),
    ("POST", "/api/user/reset"),
    ("POST", "/api/verify"),
    ("POST", "/api/user/topup"),
    ("POST", "/api/user/pay"),
    ("POST", "/api/user/stripe/pay"),
    ("POST", "/api/user/creem/pay"),
    ("POST", "/api/user/waffo/pay"),
    ("POST", "/api/channel/{id}/key"),
    ("POST", "/api/token/{id}/key"),
    ("POST", "/api/token/batch/keys"),
    ("GET", "/api/usage/token/"),
    ("GET", "/api/log/token"),
    ("GET", "/api/ratio_config"),
}
SEARCH = {("GET", "/api/token/search"), ("GET", "/api/log/self/search")}
EMAIL = {("GET", "/api/verification")}
HOW = "declare it: Routes.add(..., limit={!r})"


def declared() -> dict[tuple[str, str], str | None]:
    out = {}
    for route in build_api().router.routes():
        if route.method == "HEAD" or is_alias(route):
            continue
        info = route.resource.get_info()
        path = "/api" + (info.get("path") or info.get("formatter"))
        out[(route.method, path)] = limit_of(route.handler)
    return out


def expected(method: str, path: str) -> str | None:
    if (method, path) in CRITICAL or path.startswith("/api/oauth/"):
        return "critical"
    if (method, path) in SEARCH:
        return "search"
    if (method, path) in EMAIL:
        return "email_verification"
    return None


def test_every_reference_limited_route_declares_its_limit():
    routes = declared()
    checked = 0
    for (method, path), limit in sorted(routes.items()):
        want = expected(method, path)
        if want is not None:
            assert limit == want, f"{method} {path}: " + HOW.format(want)
            checked += 1
    assert checked >= 9, "the routes that exist today are covered"
    assert {k for k, v in routes.items() if v == "search"} == SEARCH


def test_the_openapi_document_names_each_limit():
    doc = build_document(create_app(Config()))
    documented = {
        (method.upper(), path): op.get("x-clawrouter-rate-limit")
        for path, ops in doc["paths"].items()
        for method, op in ops.items()
        if path.startswith("/api/")
    }
    assert {k: v for k, v in documented.items() if v} == {k: v for k, v in declared().items() if v}
    login = doc["paths"]["/api/user/login"]["post"]
    assert login["x-clawrouter-rate-limit"] == "critical" and "429" in login["responses"]
    assert "429" not in doc["paths"]["/api/status"]["get"]["responses"]


def test_a_declaration_is_checked():
    async def handler(request: web.Request) -> web.Response:
        return web.json_response({})

    r = Routes()
    with pytest.raises(ValueError, match="unknown rate limit"):
        r.add("GET", "/x", handler, PUBLIC, limit="login")
    with pytest.raises(ValueError, match="counts users"):
        r.add("GET", "/x", handler, PUBLIC, limit="search")


class App:
    """A bare app with the error middleware and the limiters, serving routes a test declares."""

    def __init__(self, config: Config) -> None:
        self.now = 1000.0
        self.routes = Routes()
        self.config = config

    def build(self) -> web.Application:
        app = web.Application(middlewares=[edge(self.config, None, asyncio.Event())])
        app[CONFIG] = self.config
        app[LIMITERS] = Limiters.from_config(self.config.security, lambda: self.now)
        api = web.Application()
        self.routes.install(api)
        app.add_subapp("/api", api)
        return app


async def ok_handler(request: web.Request) -> web.Response:
    return web.json_response({"success": True})


async def checks_itself(request: web.Request) -> web.Response:
    await limits.check(request, "critical")  # a handler that checks the limit itself
    await limits.check(request, "critical")
    return web.json_response({"success": True})


@pytest.fixture
async def serve():
    clients: list[TestClient] = []

    async def start(app: web.Application) -> TestClient:
        client = TestClient(TestServer(app, host="127.0.0.1"))
        await client.start_server()
        clients.append(client)
        return client

    yield start
    for client in clients:
        await client.close()


async def test_email_verification_limit_and_counting_once_per_request(serve):
    cfg = replace(load(env={}), security={"critical_rate_limit": 2})
    bare = App(cfg)
    bare.routes.add("GET", "/verification", ok_handler, PUBLIC, limit="email_verification")
    bare.routes.add("POST", "/own", checks_itself, PUBLIC)
    bare.routes.add("POST", "/both", checks_itself, PUBLIC, limit="critical")
    client = await serve(bare.build())
    for _ in range(2):  # 2 per 30 s per IP
        assert (await client.get("/api/verification?email=a@b.c")).status == 200
    bare.now += 10
    resp = await client.get("/api/verification?email=a@b.c")
    assert resp.status == 429 and resp.headers["Retry-After"] == "20"
    body = await resp.json()
    assert body == {"success": False, "message": "too many requests, please retry in 20 seconds"}
    bare.now += 20
    assert (await client.get("/api/verification")).status == 200
    # A limit is counted once per request however often it is checked, and not again on a
    # route that also declares it.
    assert (await client.post("/api/own")).status == 200
    assert (await client.post("/api/both")).status == 200
    resp = await client.post("/api/own")
    assert resp.status == 429 and resp.headers["Retry-After"] == "1200"


async def test_a_declared_limit_counts_after_the_level_check(gateway):
    """An anonymous caller refused by the level check is not counted against the limit."""
    await gateway.setup_root()
    anonymous = gateway.client(user_id=1)
    for _ in range(15):
        assert (await anonymous.json("GET", "/api/token/search"))[0] == 401
    root = await gateway.login("root", "rootpass123")
    assert (await root.json("GET", "/api/token/search?keyword=a"))[1]["success"]
