"""A fake Cloudflare Turnstile siteverify on 127.0.0.1: POST /siteverify with the form fields
secret, response, remoteip; a token is good when it is GOOD_TOKEN and the secret is SECRET
(Cloudflare's answer shape otherwise). `fault` makes it answer badly: "slow" (hangs until the
fake stops), "http_500" or "not_json". Every form it received is kept in `forms`."""

from __future__ import annotations

import asyncio

from aiohttp import web
from aiohttp.test_utils import TestServer

SITE_KEY, SECRET = "fake-site-key", "fake-turnstile-secret"
GOOD_TOKEN = "good-turnstile-token"


class FakeTurnstile:
    def __init__(self) -> None:
        self.forms: list[dict[str, str]] = []
        self.fault = ""
        self._closing = asyncio.Event()
        self._server: TestServer | None = None
        self._url = ""

    async def _siteverify(self, request: web.Request) -> web.StreamResponse:
        form = {k: str(v) for k, v in (await request.post()).items()}
        self.forms.append(form)
        if self.fault == "slow":
            await self._closing.wait()
        if self.fault == "http_500":
            return web.Response(status=500, text="oops")
        if self.fault == "not_json":
            return web.Response(text="<html>challenge</html>", content_type="text/html")
        good = form.get("secret") == SECRET and form.get("response") == GOOD_TOKEN
        if good:
            return web.json_response({"success": True, "error-codes": [], "hostname": "test"})
        errors = ["invalid-input-secret"] if form.get("secret") != SECRET else []
        return web.json_response(
            {"success": False, "error-codes": errors or ["invalid-input-response"]}
        )

    @property
    def url(self) -> str:
        return self._url

    async def __aenter__(self) -> FakeTurnstile:
        app = web.Application()
        app.router.add_post("/siteverify", self._siteverify)
        self._server = TestServer(app, host="127.0.0.1")
        await self._server.start_server()
        self._url = str(self._server.make_url("/siteverify"))
        return self

    async def stop(self) -> None:
        """Stop answering (the port is closed); safe to call twice."""
        self._closing.set()
        if self._server is not None:
            server, self._server = self._server, None
            await server.close()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()
