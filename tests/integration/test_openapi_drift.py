"""The drift test of the OpenAPI schemas: real answers of the running app (management API as
root and anonymously, the relay through a key on the fake upstreams) are validated with
jsonschema against the answers docs/openapi.json declares for them. A handler that stops
answering what its schema says fails here."""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any

import aiohttp
import orjson
import pytest
import stripe

from clawrouter.config import Config, replace
from clawrouter.openapi import build_document
from tests.support.gateway import Client, RelayEnv
from tests.support.native import CLAUDE, GEMINI, GPT, SDK_WARNINGS
from tests.support.openapi_check import AnswerChecker
from tests.support.smtp import FakeSmtp
from tests.support.upstream_tasks import FakeTaskUpstream

pytestmark = SDK_WARNINGS

MEDIA = ["text-embedding-3-small", "omni-moderation-latest", "dall-e-3", "tts-1"]
# /api tags whose every route answers success to anyone (static pages): no error answer exists
NO_ERROR_TAGS = {"about", "notice", "home_page_content", "privacy-policy", "user-agreement",
                 "uptime"}  # fmt: skip


class Drift:
    def __init__(self, env: RelayEnv) -> None:
        self.env = env
        self.doc = build_document(env.gw.app)
        self.checker = AnswerChecker(self.doc)
        self.seen: dict[str, set[str]] = {}
        self.trace = False

    def _tag(self, method: str, template: str) -> str:
        return self.doc["paths"][template][method.lower()]["tags"][0]

    async def call(self, client: Client | None, method: str, path: str, **kw: Any) -> Any:
        if client is None:
            async with (
                aiohttp.ClientSession() as http,
                http.request(method, self.env.gw.base + path, **kw) as resp,
            ):
                raw, status, ctype = await resp.read(), resp.status, resp.content_type
        else:
            resp = await client.request(method, path, **kw)
            raw, status, ctype = await resp.read(), resp.status, resp.content_type
        template = self.checker.check(method, path, status, ctype, raw)
        if self.trace:
            print(method, path, status, raw[:300])
        body: Any = raw
        if ctype == "application/json":
            body = orjson.loads(raw)
        failed = status >= 400 or (isinstance(body, dict) and body.get("success") is False)
        self.seen.setdefault(self._tag(method, template), set()).add("error" if failed else "ok")
        return body

    def key(self, key: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {key or self.env.key}"}


@pytest.fixture
def config(config: Config) -> Config:
    """Every rate limit off: the test calls each route more often than they allow."""
    limits = ("api", "web", "critical", "search", "email_verification")
    return replace(config, security={f"{n}_rate_limit": 0 for n in limits})


@pytest.fixture
async def drift(env: RelayEnv) -> Drift:
    return Drift(env)


async def _seed(d: Drift, root: Client) -> None:
    await d.call(root, "POST", "/api/token/", json={"name": "k1", "unlimited_quota": True})
    await d.call(root, "POST", "/api/redemption/", json={"name": "r", "quota": 100, "count": 2})
    await d.call(root, "POST", "/api/vendors/", json={"name": "OpenAI"})
    await d.call(root, "POST", "/api/models/", json={"model_name": GPT, "vendor_id": 1})
    await d.call(
        root, "POST", "/api/prefill_group/", json={"name": "pg", "type": "model", "items": ["a"]}
    )
    await d.call(root, "POST", "/api/user/", json={"username": "bob", "password": "bobpass1234"})
    await d.call(root, "PUT", "/api/option/", json={"key": "ExposeRatioEnabled", "value": "true"})


async def _writes(d: Drift, root: Client) -> None:
    """Success and refusal answers of the writing routes."""
    calls: list[tuple[str, str, Any]] = [
        ("PUT", "/api/token/", {"id": 1, "name": "renamed"}),
        ("PUT", "/api/token/", {"id": 999}),
        ("POST", "/api/token/", {"name": 5}),
        ("POST", "/api/token/batch/keys", {"ids": [1]}),
        ("POST", "/api/token/1/key", None),
        ("PUT", "/api/user/", {"id": 2, "display_name": "Bob"}),
        ("POST", "/api/user/manage", {"id": 2, "action": "disable"}),
        ("POST", "/api/user/manage", {"id": 2, "action": "fly"}),
        ("PUT", "/api/vendors/", {"id": 1, "description": "d"}),
        ("POST", "/api/vendors/", {}),
        ("PUT", "/api/models/", {"id": 1, "description": "d"}),
        ("PUT", "/api/redemption/", {"id": 1, "name": "r2"}),
        ("PUT", "/api/prefill_group/", {"id": 1, "description": "d"}),
        (
            "POST",
            "/api/channel/",
            {"mode": "single", "channel": {"type": 1, "key": "sk-x", "name": "c2", "models": GPT}},
        ),
        ("POST", "/api/channel/", {"channel": {"type": 1}}),
        ("PUT", "/api/channel/", {"id": 1, "priority": 1}),
        ("POST", "/api/channel/copy/1", None),
        ("POST", "/api/channel/fix", None),
        ("POST", "/api/channel/batch/tag", {"ids": [1], "tag": "t"}),
        ("POST", "/api/channel/tag/enabled", {"tag": "t"}),
        ("PUT", "/api/channel/tag", {"tag": "t", "priority": 2}),
        ("POST", "/api/user/topup", {"key": "nope"}),
        ("POST", "/api/user/amount", {"amount": 10}),
        ("POST", "/api/user/2fa/setup", None),
        ("POST", "/api/user/2fa/enable", {"code": "000000"}),
        ("POST", "/api/verify", {"method": "password", "password": "rootpass123"}),
        ("POST", "/api/user/passkey/login/begin", None),
        ("POST", "/api/ratio_sync/fetch", {"upstreams": "x"}),
        ("POST", "/api/option/rest_model_ratio", None),
        ("PUT", "/api/user/self", {"display_name": "Root"}),
        ("PUT", "/api/user/setting", {"notify_type": "email"}),
        ("POST", "/api/user/aff_transfer", {"quota": 1}),
        ("DELETE", "/api/redemption/invalid", None),
        ("DELETE", "/api/log/?target_timestamp=1", None),
        ("POST", "/api/token/batch", {"ids": [2]}),
        ("DELETE", "/api/prefill_group/1", None),
        ("DELETE", "/api/vendors/1", None),
        ("POST", "/api/stripe/webhook", {"type": "x"}),
        ("POST", "/api/creem/webhook", {"eventType": "x"}),
        ("POST", "/api/user/epay/notify", None),
        ("POST", "/api/user/register", {"username": "x"}),
        ("POST", "/api/setup", {"username": "x", "password": "y"}),  # done already: refused
        ("POST", "/api/user/reset", {"email": "a@b.c", "token": "t"}),
        ("POST", "/api/oauth/wechat/bind", {"code": "c"}),
    ]
    for method, path, body in calls:
        await d.call(root, method, path, **({"json": body} if body is not None else {}))


async def _outside(d: Drift, root: Client) -> None:
    """Mail codes (a real SMTP server on 127.0.0.1) and signed payment webhooks."""
    async with FakeSmtp("plain", auth=False) as smtp:
        options = {"SMTPServer": "127.0.0.1", "SMTPPort": smtp.port, "SMTPFrom": "a@b.example",
                   "ServerAddress": "http://127.0.0.1", "StripeWebhookSecret": "whsec_t",
                   "CreemWebhookSecret": "creem_t"}  # fmt: skip
        for key, value in options.items():
            await d.call(root, "PUT", "/api/option/", json={"key": key, "value": value})
        await d.call(None, "GET", "/api/verification?email=new%40example.com")
        await d.call(None, "GET", "/api/reset_password?email=nobody%40example.com")
    body = orjson.dumps({"id": "evt_1", "object": "event", "type": "ping", "data": {}})
    sig = stripe.WebhookSignature.generate_signature_header(
        body.decode(), "whsec_t", int(time.time())
    )
    await d.call(
        None,
        "POST",
        "/api/stripe/webhook",
        data=body,
        headers={"Stripe-Signature": sig, "Content-Type": "application/json"},
    )
    body = orjson.dumps({"eventType": "ping"})
    sig = hmac.new(b"creem_t", body, hashlib.sha256).hexdigest()
    await d.call(None, "POST", "/api/creem/webhook", data=body, headers={"creem-signature": sig})


async def test_a_drifted_answer_fails_the_check(drift: Drift):
    """The checker is not vacuous: an answer missing a required field, or of the wrong type,
    is refused."""
    user = {"success": True, "message": "", "data": {"id": 1}}
    with pytest.raises(AssertionError, match="does not match its schema"):
        drift.checker.check("GET", "/api/user/1", 200, "application/json", orjson.dumps(user))
    with pytest.raises(AssertionError, match="does not match its schema"):
        drift.checker.check(
            "GET",
            "/api/log/stat",
            200,
            "application/json",
            b'{"success": true, "message": "", "data": {"quota": "1"}}',
        )
    with pytest.raises(AssertionError, match=r"not declared|content type"):
        drift.checker.check("GET", "/v1/models", 200, "text/html", b"<html>")


async def test_management_answers_match_their_schemas(drift: Drift):
    d, gw = drift, drift.env.gw
    root = await gw.login("root", "rootpass123")
    await d.call(None, "GET", "/api/ratio_config")  # 403 until ExposeRatioEnabled (_seed)
    await _seed(d, root)
    status, _, _ = await d.env.post(
        "/v1/chat/completions", {"model": GPT, "messages": [{"role": "user", "content": "hi"}]}
    )
    assert status == 200
    await d.env.flush()
    gets = sorted(p for p, ops in d.doc["paths"].items() if "get" in ops and p.startswith("/api/"))
    for path in gets:
        if path == "/api/user/logout":
            continue
        concrete = path.replace("{id}", "1").replace("{provider}", "github")
        await d.call(root, "GET", concrete)  # as root: the data shapes
        await d.call(None, "GET", concrete)  # anonymous: 401 on the protected ones
    await d.call(None, "GET", "/api/log/token", headers=d.key())
    await d.call(None, "GET", "/api/usage/token/", headers=d.key())
    await d.call(root, "GET", "/api/channel/tag/models?tag=t")
    await _writes(d, root)
    await _outside(d, root)
    await d.call(root, "DELETE", "/api/user/2")
    await d.call(root, "GET", "/api/user/logout")
    tags = {
        op["tags"][0]
        for p, ops in d.doc["paths"].items()
        if p.startswith("/api/")
        for op in ops.values()
    }
    missing_ok = sorted(t for t in tags if "ok" not in d.seen.get(t, set()))
    missing_err = sorted(t for t in tags - NO_ERROR_TAGS if "error" not in d.seen.get(t, set()))
    assert not missing_ok, f"no success answer checked for the tags {missing_ok}"
    assert not missing_err, f"no error answer checked for the tags {missing_err}"


async def test_relay_answers_match_their_schemas(drift: Drift):
    d = drift
    hi = [{"role": "user", "content": "hi"}]
    key = d.key()
    await d.call(
        None, "POST", "/v1/chat/completions", json={"model": GPT, "messages": hi}, headers=key
    )
    await d.call(
        None,
        "POST",
        "/v1/chat/completions",
        json={"model": GPT, "messages": hi, "stream": True},
        headers=key,
    )
    await d.call(None, "POST", "/v1/chat/completions", json={"model": GPT, "messages": hi})
    await d.call(
        None, "POST", "/v1/chat/completions", json={"model": "nope", "messages": hi}, headers=key
    )
    await d.call(None, "POST", "/v1/chat/completions", data=b"{", headers=key)
    await d.call(None, "POST", "/v1/completions", json={"model": GPT, "prompt": "hi"}, headers=key)
    await d.call(None, "POST", "/v1/responses", json={"model": GPT, "input": "hi"}, headers=key)
    await d.call(None, "POST", "/v1/responses", json={"input": "hi"}, headers=key)
    await d.call(
        None,
        "POST",
        "/v1/messages",
        json={"model": CLAUDE, "max_tokens": 16, "messages": hi},
        headers=key,
    )
    await d.call(None, "POST", "/v1/messages", json={"model": CLAUDE, "messages": "x"}, headers=key)
    contents = {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}
    await d.call(
        None,
        "POST",
        f"/v1beta/models/{GEMINI}:generateContent",
        json=contents,
        headers={"x-goog-api-key": d.env.key},
    )
    await d.call(None, "POST", f"/v1beta/models/{GEMINI}:generateContent", json=contents)
    for path in (
        "/v1/models",
        f"/v1/models/{GPT}",
        "/v1beta/models",
        "/v1beta/openai/models",
        "/v1/models/nope",
        "/v1/files",
        "/v1/nothing/here",
    ):
        await d.call(None, "GET", path, headers=key)
    await d.call(None, "GET", "/v1beta/models", headers={"x-goog-api-key": d.env.key})
    await d.call(None, "GET", f"/v1beta/models/{GEMINI}", headers={"x-goog-api-key": d.env.key})
    await d.env.gw.add_channel(d.env.up.base_url, name="media", models=",".join(MEDIA))
    await d.call(
        None, "POST", "/v1/embeddings", json={"model": MEDIA[0], "input": "hi"}, headers=key
    )
    await d.call(None, "POST", "/v1/embeddings", json={"model": MEDIA[0]}, headers=key)
    await d.call(
        None, "POST", "/v1/moderations", json={"model": MEDIA[1], "input": "hi"}, headers=key
    )
    await d.call(
        None, "POST", "/v1/images/generations", json={"model": MEDIA[2], "prompt": "a"}, headers=key
    )
    await d.call(
        None,
        "POST",
        "/v1/audio/speech",
        json={"model": MEDIA[3], "input": "hi", "voice": "alloy"},
        headers=key,
    )
    await d.call(None, "GET", "/healthz")
    await d.call(None, "GET", "/readyz")
    await d.call(None, "GET", "/metrics")
    assert d.seen["relay"] == {"ok", "error"}


async def test_the_served_document_is_the_built_one(drift: Drift):
    """GET /api/openapi.json serves the document the drift checks use (built once, kept)."""
    client = drift.env.gw.client()
    for _ in range(2):
        status, served = await client.json("GET", "/api/openapi.json")
        assert status == 200
        assert served == orjson.loads(orjson.dumps(drift.doc))


async def test_rerank_and_video_answers_match_their_schemas(drift: Drift):
    d = drift
    key = d.key()
    async with FakeTaskUpstream() as fake:
        await d.env.gw.add_channel(fake.base_url, type=38, models="rerank-small", name="jina")
        await d.env.gw.add_channel(fake.base_url, type=55, models="sora-2", name="sora")
        rerank = {"model": "rerank-small", "query": "q", "documents": ["a b", "c"]}
        await d.call(None, "POST", "/v1/rerank", json=rerank, headers=key)
        await d.call(None, "POST", "/v1/rerank", json={**rerank, "documents": 3}, headers=key)
        video = await d.call(
            None, "POST", "/v1/videos", json={"model": "sora-2", "prompt": "a fox"}, headers=key
        )
        await d.call(None, "GET", f"/v1/videos/{video['id']}", headers=key)
        await d.call(None, "GET", "/v1/videos/video_nope", headers=key)
        task = await d.call(
            None, "POST", "/v1/video/generations", json={"model": "sora-2", "prompt": "waves"},
            headers=key,
        )  # fmt: skip
        await d.call(None, "GET", f"/v1/video/generations/{task['task_id']}", headers=key)
        await d.call(None, "GET", "/v1/video/generations/task_nope", headers=key)
        await d.call(None, "POST", "/v1/video/generations", json={"prompt": "x"}, headers=key)
    assert d.seen["relay"] == {"ok", "error"}
