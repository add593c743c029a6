"""Low-quota notices over real loopback servers: a relay call that takes a wallet below the
user's warning threshold sends exactly one notice (webhook with its HMAC signature, Bark,
Gotify, or e-mail over SMTP to the account's address when the user chose nothing, at the
QuotaRemindThreshold option); calls that stay below send none; a top-up above the threshold
re-arms it; and a notification server that never answers does not hold the relay's answer."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from clawrouter.keys import OUTBOX, RELAY
from tests.support.fake_notify import FakeNotifyServer
from tests.support.gateway import Client, RelayEnv
from tests.support.smtp import FakeSmtp

CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "spend a little"}]}
COST = 1000  # ModelPrice $0.002 per call × QuotaPerUnit 500000
SITE = "https://gw.example.com"
TITLE = "Your quota is running low"


async def set_options(root: Client, **values: Any) -> None:
    for key, value in values.items():
        status, body = await root.json("PUT", "/api/option/", json={"key": key, "value": value})
        assert status == 200 and body["success"], (key, body)


@pytest.fixture
async def env(relay_env: RelayEnv) -> RelayEnv:
    root = await relay_env.gw.login("root", "rootpass123")
    price = json.dumps({"gpt-4o-mini": 0.002})
    await set_options(root, ModelPrice=price, ServerAddress=SITE + "/")
    # the fake notification servers are on 127.0.0.1 at a random port: allow both
    await set_options(root, **{"fetch_setting.allow_private_ip": True})
    await set_options(root, **{"fetch_setting.allowed_ports": []})
    return relay_env


@pytest.fixture
async def hooks() -> AsyncIterator[FakeNotifyServer]:
    async with FakeNotifyServer() as server:
        yield server


async def payer(env: RelayEnv, name: str, wallet: int, **fields: Any) -> tuple[int, str, Client]:
    gw = env.gw
    uid = await gw.add_user(name, quota=wallet, **fields)
    key = await gw.add_token(user_id=uid)  # an unlimited key: only the wallet counts
    return uid, key, await gw.login(name, "userpass123")


async def choose(client: Client, **setting: Any) -> None:
    status, body = await client.json("PUT", "/api/user/setting", json=setting)
    assert status == 200 and body["success"], body


async def call(env: RelayEnv, key: str) -> None:
    status, body, _ = await env.post("/v1/chat/completions", CHAT, key=key)
    assert status == 200, body


async def settle_notices(env: RelayEnv) -> None:
    await env.gw.app[OUTBOX].drain()


async def test_webhook_once_per_crossing_rearmed_by_a_top_up(env: RelayEnv, hooks):
    uid, key, client = await payer(env, "payer", 4 * COST)
    secret = "hook-secret-123"
    url = hooks.base + "/hook"
    await choose(
        client,
        notify_type="webhook",
        quota_warning_threshold=2500,
        webhook_url=url,
        webhook_secret=secret,
    )
    await call(env, key)  # 4000 -> 3000: above the threshold
    await settle_notices(env)
    assert hooks.seen == []
    before = int(time.time())
    await call(env, key)  # 3000 -> 2000: crosses
    (hit,) = await hooks.wait_for(1)
    await call(env, key)  # 2000 -> 1000: still below, already warned
    await settle_notices(env)
    assert len(hooks.seen) == 1
    assert hit.method == "POST" and hit.path == "/hook"
    assert hit.headers["Content-Type"] == "application/json"
    expected = hmac.new(secret.encode(), hit.body, hashlib.sha256).hexdigest()
    assert hit.headers["X-Webhook-Signature"] == expected
    payload = hit.json()
    assert set(payload) == {"type", "title", "content", "values", "timestamp"}
    link = SITE + "/console/topup"
    assert payload["type"] == "quota_exceed" and payload["title"] == TITLE
    assert payload["values"] == [TITLE, "$0.004000", link, link]
    assert payload["content"] == (
        f"{TITLE}, your remaining quota is $0.004000; to keep using the service, please top up"
        f" in time.<br/>Top-up link: <a href='{link}'>{link}</a>"
    )
    assert before <= payload["timestamp"] <= int(time.time())

    # a top-up above the threshold re-arms; the next crossing warns again
    await env.gw.app[RELAY].ledger.add_user_quota(uid, 2 * COST)  # 1000 -> 3000
    await call(env, key)  # 3000 -> 2000: crosses again
    second = (await hooks.wait_for(2))[1]
    assert second.json()["values"][1] == "$0.004000"
    assert (
        second.headers["X-Webhook-Signature"]
        == hmac.new(secret.encode(), second.body, hashlib.sha256).hexdigest()
    )


async def test_bark_and_gotify_requests(env: RelayEnv, hooks):
    _, bark_key, bark = await payer(env, "barker", 3 * COST)
    template = hooks.base + "/bark/device-key/{{title}}/{{content}}"
    await choose(bark, notify_type="bark", quota_warning_threshold=2500, bark_url=template)
    _, gotify_key, gotify = await payer(env, "gotifier", 3 * COST)
    await choose(
        gotify,
        notify_type="gotify",
        quota_warning_threshold=2500,
        gotify_url=hooks.base + "/gotify/",
        gotify_token="app-token-9",
        gotify_priority=7,
    )
    await call(env, bark_key)
    (b,) = await hooks.wait_for(1)
    assert b.method == "GET" and b.body == b""
    assert b.match == {
        "key": "device-key",
        "title": TITLE,
        "body": f"{TITLE}, remaining quota: $0.004000, please top up in time",
    }
    assert b.headers["User-Agent"] == "OneAPI-Bark-Notify/1.0"
    await call(env, gotify_key)
    g = (await hooks.wait_for(2))[1]
    assert g.method == "POST" and g.path == "/gotify/message"
    assert g.query == {"token": "app-token-9"}
    assert g.headers["Content-Type"] == "application/json; charset=utf-8"
    assert g.headers["User-Agent"] == "NewAPI-Gotify-Notify/1.0"
    assert g.json() == {
        "title": TITLE,
        "message": f"{TITLE}, your remaining quota is $0.004000, please top up in time.",
        "priority": 7,
    }


async def test_no_setting_mails_the_account_at_the_global_threshold(env: RelayEnv):
    root = await env.gw.login("root", "rootpass123")
    async with FakeSmtp("plain", auth=False) as smtp:
        await set_options(
            root,
            SMTPServer="127.0.0.1",
            SMTPPort=smtp.port,
            SMTPFrom="noreply@example.com",
            QuotaRemindThreshold=2500,
        )
        _, key, _ = await payer(env, "mailme", 3 * COST, email="mailme@example.com")
        await call(env, key)  # 3000 -> 2000: below QuotaRemindThreshold
        (mail,) = await smtp.wait_for(1)
        await call(env, key)
        await settle_notices(env)
        assert len(smtp.messages) == 1
    assert mail.recipients == ["mailme@example.com"]
    assert mail.message["Subject"] == TITLE
    link = SITE + "/console/topup"
    assert mail.text().replace("\r\n", "\n").strip() == (
        f"{TITLE}, your remaining quota is $0.004000; to keep using the service, please top up"
        f" in time.\nTop-up link: {link}"
    )
    assert f"<br/>Top-up link: <a href='{link}'>{link}</a>" in mail.html()


async def test_a_hanging_notification_server_does_not_hold_the_relay(env: RelayEnv):
    async with FakeNotifyServer(hang=True) as slow:
        _, key, client = await payer(env, "slowpoke", 3 * COST)
        url = slow.base + "/hook"
        await choose(client, notify_type="webhook", quota_warning_threshold=2500, webhook_url=url)
        await call(env, key)  # crosses: the notice goes out and is never answered
        (hit,) = await slow.wait_for(1)
        assert not hit.answered
        # the relay answers while the notice's request is still open
        for _ in range(2):
            await call(env, key)
        assert not hit.answered and len(slow.seen) == 1
        assert env.gw.app[OUTBOX].pending == 1
        slow.release.set()
        await settle_notices(env)
        assert hit.answered


async def test_a_failed_notice_is_logged_without_its_secrets(env: RelayEnv, caplog):
    async with FakeNotifyServer(status=500) as broken:
        _, key, client = await payer(env, "unlucky", 3 * COST)
        token = "gotify-app-token-secret"
        await choose(
            client,
            notify_type="gotify",
            quota_warning_threshold=2500,
            gotify_url=broken.base + "/gotify",
            gotify_token=token,
        )
        with caplog.at_level(logging.WARNING, logger="clawrouter.jobs.outbox"):
            await call(env, key)  # crosses; the server answers 500
            await broken.wait_for(1)
            await settle_notices(env)
            await call(env, key)  # no retry, no second notice
            await settle_notices(env)
        assert len(broken.seen) == 1
    host = broken.base.removeprefix("http://")
    failures = [r.getMessage() for r in caplog.records if "quota notice" in r.getMessage()]
    assert failures == [
        f"quota notice to user {client.user_id} failed: gotify notice to {host}: "
        "the server answered HTTP 500"
    ]
    assert token not in caplog.text
