"""Fake sign-in providers on 127.0.0.1 that answer like the real ones: GitHub (JSON token
endpoint, /user, /user/emails), Discord (/v10/oauth2/token form-encoded, /v10/users/@me), an
OIDC server (/.well-known/openid-configuration, /token, /userinfo), LinuxDO Connect (HTTP Basic
client auth, /api/user with trust_level) and a WeChat login server (/api/wechat/user?code=).

A test plays the user's browser with `code = fake.authorize(profile)`: the code is good once,
for the configured client. `fake.misbehave(step, how)` makes one step ("discovery", "token",
"user", "emails") answer badly: "slow" (hangs until the fake stops), "not_json", "http_500",
"empty", "no_token" (a token answer without access_token). Every request is recorded."""

from __future__ import annotations

import asyncio
import base64
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web
from aiohttp.test_utils import TestServer
from multidict import CIMultiDictProxy

CLIENT_ID = "fake-client-id"
CLIENT_SECRET = "fake-client-secret-0123456789"


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    headers: CIMultiDictProxy[str]
    body: bytes

    @property
    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode()))


class FakeProvider:
    """The shared machinery: server lifecycle, codes and tokens, recording, misbehaviour."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.codes: dict[str, dict[str, Any]] = {}
        self.tokens: dict[str, dict[str, Any]] = {}
        self.faults: dict[str, str] = {}
        self.redirect_uri = ""  # when set, the token endpoint insists on it
        self._closing = asyncio.Event()
        self._server: TestServer | None = None

    # ---- lifecycle ---------------------------------------------------------------------
    def add_routes(self, app: web.Application) -> None:
        raise NotImplementedError

    async def start(self) -> FakeProvider:
        app = web.Application(middlewares=[self._record])
        self.add_routes(app)
        self._server = TestServer(app, host="127.0.0.1")
        await self._server.start_server(shutdown_timeout=1.0)
        return self

    async def stop(self) -> None:
        self._closing.set()
        if self._server is not None:
            await self._server.close()
            self._server = None

    async def __aenter__(self) -> FakeProvider:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        assert self._server is not None and self._server.port is not None
        return f"http://127.0.0.1:{self._server.port}"

    # ---- the test's side ------------------------------------------------------------------
    def authorize(self, profile: dict[str, Any]) -> str:
        """The code the provider would hand the browser after the user said yes."""
        code = secrets.token_hex(10)
        self.codes[code] = profile
        return code

    def misbehave(self, step: str, how: str) -> None:
        self.faults[step] = how

    def calls(self, path: str) -> list[Recorded]:
        return [r for r in self.requests if r.path == path]

    # ---- the provider's side ------------------------------------------------------------
    @web.middleware
    async def _record(self, request: web.Request, handler: Any) -> web.StreamResponse:
        body = await request.read()
        self.requests.append(
            Recorded(request.method, request.path, dict(request.query), request.headers, body)
        )
        return await handler(request)

    async def fault(self, step: str) -> web.Response | None:
        how = self.faults.get(step)
        if how == "slow":
            await self._closing.wait()
            return web.Response(status=504)
        if how == "not_json":
            return web.Response(text="<html>Bad gateway</html>", content_type="text/html")
        if how == "http_500":
            return web.json_response({"message": "internal error"}, status=500)
        if how == "empty":
            return web.Response(body=b"", content_type="application/json")
        return None

    def redeem(self, code: str) -> dict[str, Any] | None:
        """A good code's profile, once; the access token it buys is remembered."""
        return self.codes.pop(code, None)

    def issue_token(self, profile: dict[str, Any]) -> dict[str, Any]:
        token = "tok_" + secrets.token_hex(12)
        self.tokens[token] = profile
        if self.faults.get("token") == "no_token":
            return {"token_type": "bearer", "scope": ""}
        return {"access_token": token, "token_type": "bearer", "scope": "user:email"}

    def profile_for(self, request: web.Request, scheme: str = "bearer") -> dict[str, Any] | None:
        auth = request.headers.get("Authorization", "")
        kind, _, token = auth.partition(" ")
        return self.tokens.get(token) if kind.lower() == scheme else None


class FakeGitHub(FakeProvider):
    """github.com's token endpoint and api.github.com, on one server (point both URLs here)."""

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/login/oauth/access_token", self.token)
        app.router.add_get("/user", self.user)
        app.router.add_get("/user/emails", self.emails)

    async def token(self, request: web.Request) -> web.Response:
        if (bad := await self.fault("token")) is not None:
            return bad
        body = await request.json() if request.content_type == "application/json" else {}
        client = (
            (body.get("client_id"), body.get("client_secret")) if isinstance(body, dict) else ()
        )
        if client != (CLIENT_ID, CLIENT_SECRET):
            answer = {"error": "incorrect_client_credentials"}
        elif (profile := self.redeem(str(body.get("code")))) is None:
            answer = {
                "error": "bad_verification_code",
                "error_description": "The code passed is incorrect or expired.",
            }
        else:
            answer = self.issue_token(profile)
        if "application/json" not in request.headers.get("Accept", ""):
            return web.Response(text="&".join(f"{k}={v}" for k, v in answer.items()))
        return web.json_response(answer)  # GitHub says 200 even for a bad code

    async def user(self, request: web.Request) -> web.Response:
        if (bad := await self.fault("user")) is not None:
            return bad
        profile = self.profile_for(request)
        if profile is None:
            return web.json_response({"message": "Bad credentials"}, status=401)
        return web.json_response({k: v for k, v in profile.items() if k != "emails"})

    async def emails(self, request: web.Request) -> web.Response:
        if (bad := await self.fault("emails")) is not None:
            return bad
        profile = self.profile_for(request)
        if profile is None:
            return web.json_response({"message": "Bad credentials"}, status=401)
        return web.json_response(profile.get("emails", []))


class FakeFormProvider(FakeProvider):
    """A token endpoint taking a form body (Discord, OIDC, LinuxDO); `basic` wants the client
    in an HTTP Basic header instead of the form."""

    basic = False
    token_path = user_path = ""

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post(self.token_path, self.token)
        app.router.add_get(self.user_path, self.user)

    def client_ok(self, request: web.Request, form: dict[str, str]) -> bool:
        if not self.basic:
            return form.get("client_id") == CLIENT_ID and form.get("client_secret") == CLIENT_SECRET
        kind, _, value = request.headers.get("Authorization", "").partition(" ")
        expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        return kind == "Basic" and value == expected

    async def token(self, request: web.Request) -> web.Response:
        if (bad := await self.fault("token")) is not None:
            return bad
        if request.content_type != "application/x-www-form-urlencoded":
            return web.json_response({"error": "unsupported_grant_type"}, status=400)
        form = {k: str(v) for k, v in (await request.post()).items()}
        if not self.client_ok(request, form):
            return web.json_response({"error": "invalid_client"}, status=401)
        if form.get("grant_type") != "authorization_code":
            return web.json_response({"error": "unsupported_grant_type"}, status=400)
        if self.redirect_uri and form.get("redirect_uri") != self.redirect_uri:
            return web.json_response(
                {"error": "invalid_grant", "error_description": 'Invalid "redirect_uri".'},
                status=400,
            )
        profile = self.redeem(form.get("code", ""))
        if profile is None:
            return web.json_response(
                {"error": "invalid_grant", "error_description": 'Invalid "code" in request.'},
                status=400,
            )
        return web.json_response({**self.issue_token(profile), "expires_in": 604800})

    async def user(self, request: web.Request) -> web.Response:
        if (bad := await self.fault("user")) is not None:
            return bad
        profile = self.profile_for(request)
        if profile is None:
            return web.json_response({"message": "401: Unauthorized", "code": 0}, status=401)
        return web.json_response(profile)


class FakeDiscord(FakeFormProvider):
    """discord.com/api: point discord_api_url here."""

    token_path, user_path = "/v10/oauth2/token", "/v10/users/@me"


class FakeLinuxDO(FakeFormProvider):
    """connect.linux.do: point linuxdo_url here."""

    basic = True
    token_path, user_path = "/oauth2/token", "/api/user"


class FakeOIDC(FakeFormProvider):
    """An OpenID provider with discovery: oidc.well_known = `fake.well_known`."""

    token_path, user_path = "/token", "/userinfo"

    def add_routes(self, app: web.Application) -> None:
        super().add_routes(app)
        app.router.add_get("/.well-known/openid-configuration", self.discovery)

    @property
    def well_known(self) -> str:
        return self.base_url + "/.well-known/openid-configuration"

    async def discovery(self, request: web.Request) -> web.Response:
        if (bad := await self.fault("discovery")) is not None:
            return bad
        base = self.base_url
        return web.json_response(
            {
                "issuer": base,
                "authorization_endpoint": base + "/authorize",
                "token_endpoint": base + self.token_path,
                "userinfo_endpoint": base + self.user_path,
                "jwks_uri": base + "/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
            }
        )


class FakeWeChat(FakeProvider):
    """A WeChat login server (new-api's wechat-server): WeChatServerAddress = base_url; the
    test reads `code = fake.authorize({"openid": ...})` off the official account."""

    token = "fake-wechat-server-token"

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/api/wechat/user", self.user)

    async def user(self, request: web.Request) -> web.Response:
        if (bad := await self.fault("user")) is not None:
            return bad
        if request.headers.get("Authorization") != self.token:
            return web.json_response({"success": False, "message": "unauthorized"}, status=401)
        profile = self.redeem(request.query.get("code", ""))
        if profile is None:
            return web.json_response(
                {"success": False, "message": "the code is wrong or has expired"}
            )
        return web.json_response({"success": True, "message": "", "data": profile["openid"]})
