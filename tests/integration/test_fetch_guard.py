"""SSRF protection of user-controlled fetches (the fetch_setting.* options) on the real app:
notification URLs refused when saved (PUT /api/user/setting) and again when a notice is sent,
on the addresses the host resolves to at connect time and at every redirect. Names resolve
through a fake resolver (never real DNS); every server is on 127.0.0.1."""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.abc import AbstractResolver, ResolveResult

from clawrouter.http.outbound_guard import FetchRefused
from clawrouter.keys import OUTBOUND, OUTBOX
from tests.support.fake_notify import FakeNotifyServer
from tests.support.gateway import Client, RelayEnv

CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "spend a little"}]}
COST = 1000  # ModelPrice $0.002 per call × QuotaPerUnit 500000


class FakeResolver(AbstractResolver):
    """Names to addresses from a table; any other name fails as an unknown host would."""

    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table = table
        self.asked: list[str] = []

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        self.asked.append(host)
        if host not in self.table:
            raise OSError(socket.EAI_NONAME, "Name or service not known")
        return [
            ResolveResult(
                hostname=host,
                host=ip,
                port=port,
                family=socket.AF_INET6 if ":" in ip else socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
            for ip in self.table[host]
        ]

    async def close(self) -> None:
        return None


async def set_options(root: Client, values: dict[str, Any]) -> None:
    for key, value in values.items():
        status, body = await root.json("PUT", "/api/option/", json={"key": key, "value": value})
        assert status == 200 and body["success"], (key, body)


async def save_webhook(client: Client, url: str) -> dict[str, Any]:
    body = {"notify_type": "webhook", "quota_warning_threshold": 2500, "webhook_url": url}
    status, reply = await client.json("PUT", "/api/user/setting", json=body)
    assert status == 200, reply
    return reply


@pytest.fixture
async def root(relay_env: RelayEnv) -> Client:
    root = await relay_env.gw.login("root", "rootpass123")
    await set_options(root, {"ModelPrice": json.dumps({"gpt-4o-mini": 0.002})})
    return root


@pytest.fixture
async def hooks() -> AsyncIterator[FakeNotifyServer]:
    async with FakeNotifyServer() as server:
        yield server


def port_of(server: FakeNotifyServer) -> int:
    return int(server.base.rsplit(":", 1)[1])


async def payer(env: RelayEnv, name: str) -> tuple[str, Client]:
    uid = await env.gw.add_user(name, quota=3 * COST)
    return await env.gw.add_token(user_id=uid), await env.gw.login(name, "userpass123")


async def test_fetch_settings_are_listed_with_new_apis_defaults(relay_env: RelayEnv, root):
    status, body = await root.json("GET", "/api/option/")
    assert status == 200 and body["success"]
    got = {o["key"]: o["value"] for o in body["data"] if o["key"].startswith("fetch_setting.")}
    assert got == {
        "fetch_setting.enable_ssrf_protection": "true",
        "fetch_setting.allow_private_ip": "false",
        "fetch_setting.domain_filter_mode": "false",
        "fetch_setting.ip_filter_mode": "false",
        "fetch_setting.domain_list": "[]",
        "fetch_setting.ip_list": "[]",
        "fetch_setting.allowed_ports": '["80","443","8080","8443"]',
        "fetch_setting.apply_ip_filter_for_domain": "true",
    }
    for key, value, problem in (
        ("fetch_setting.allowed_ports", '["80","99999"]', "ports must be 1-65535"),
        ("fetch_setting.ip_list", ["10.0.0.0/40"], "invalid IP or CIDR"),
        ("fetch_setting.allow_private_ip", "maybe", "true or false"),
    ):
        status, body = await root.json("PUT", "/api/option/", json={"key": key, "value": value})
        assert status == 200 and not body["success"] and problem in body["message"], body


async def test_private_destinations_are_refused_at_save_time(relay_env: RelayEnv, root, hooks):
    _, user = await payer(relay_env, "saver")
    refused = {
        "http://127.0.0.1/hook": "private IP address not allowed: 127.0.0.1",
        hooks.base + "/hook": f"port {port_of(hooks)} is not allowed",  # ports come first
        "http://169.254.169.254/latest/meta-data/": "private IP address not allowed",
        "http://[::ffff:127.0.0.1]/hook": "private IP address not allowed: ::ffff:7f00:1",
        "http://[::1]:8080/hook": "private IP address not allowed: ::1",
        "http://localhost/hook": "private IP address not allowed: localhost resolves to",
        "https://hooks.example.com:6379/x": "port 6379 is not allowed",
    }
    for url, message in refused.items():
        reply = await save_webhook(user, url)
        assert not reply["success"], url
        assert reply["message"].startswith("webhook_url is not allowed: request reject: ")
        assert message in reply["message"], reply
    for kind, field in (("bark", "bark_url"), ("gotify", "gotify_url")):
        body = {"notify_type": kind, "quota_warning_threshold": 1, field: "http://10.0.0.7/x"}
        status, reply = await user.json(
            "PUT", "/api/user/setting", json=body | {"gotify_token": "t"}
        )
        assert status == 200 and not reply["success"]
        assert f"{field} is not allowed" in reply["message"], reply
    assert (await save_webhook(user, "https://hooks.example.com/x"))["success"]

    await set_options(root, {"fetch_setting.allow_private_ip": True})
    assert not (await save_webhook(user, hooks.base + "/hook"))["success"]  # the port still
    await set_options(root, {"fetch_setting.allowed_ports": ["1-65535"]})
    assert (await save_webhook(user, hooks.base + "/hook"))["success"]
    await set_options(root, {"fetch_setting.ip_list": ["127.0.0.0/8"]})  # blacklisted
    reply = await save_webhook(user, hooks.base + "/hook")
    assert "IP in blacklist: 127.0.0.1" in reply["message"], reply
    await set_options(root, {"fetch_setting.domain_list": ["*.example.com"]})
    reply = await save_webhook(user, "https://hooks.example.com/x")
    assert "domain in blacklist: hooks.example.com" in reply["message"], reply
    await set_options(root, {"fetch_setting.enable_ssrf_protection": False})
    assert (await save_webhook(user, "http://169.254.169.254/"))["success"]


async def test_a_name_resolving_to_loopback_is_refused_when_the_notice_is_sent(
    relay_env: RelayEnv, root, hooks, caplog
):
    """Saved while its name looked harmless (no DNS at save time); refused at connect time,
    when the name resolves to 127.0.0.1: nothing reaches the server, the relay answers."""
    fake = FakeResolver({"hooks.test": ["127.0.0.1"]})
    relay_env.gw.app[OUTBOUND].resolver = fake
    await set_options(root, {"fetch_setting.allowed_ports": []})
    key, user = await payer(relay_env, "rebinder")
    assert (await save_webhook(user, f"http://hooks.test:{port_of(hooks)}/hook"))["success"]
    with caplog.at_level(logging.WARNING, logger="clawrouter.jobs.outbox"):
        status, body, _ = await relay_env.post("/v1/chat/completions", CHAT, key=key)
        assert status == 200, body  # 3000 -> 2000: crosses the threshold
        await relay_env.gw.app[OUTBOX].drain()
    assert fake.asked == ["hooks.test"] and hooks.seen == []
    failures = [r.getMessage() for r in caplog.records if "quota notice" in r.getMessage()]
    assert failures == [
        f"quota notice to user {user.user_id} failed: webhook notice to hooks.test:{port_of(hooks)}: "
        "request reject: private IP address not allowed: hooks.test resolves to 127.0.0.1"
    ]

    # with private addresses allowed the same name is delivered to
    await set_options(root, {"fetch_setting.allow_private_ip": True})
    async with relay_env.gw.app[OUTBOUND].request(
        "POST", f"http://hooks.test:{port_of(hooks)}/hook", data=b"{}"
    ) as resp:
        assert resp.status == 200
    assert [s.path for s in hooks.seen] == ["/hook"]


async def test_every_redirect_is_checked(relay_env: RelayEnv, root, hooks):
    """An allowed first hop (a name not IP-filtered: apply_ip_filter_for_domain off) that
    redirects to a private address is refused before the second connection."""
    relay_env.gw.app[OUTBOUND].resolver = FakeResolver({"hooks.test": ["127.0.0.1"]})
    await set_options(
        root,
        {"fetch_setting.allowed_ports": [], "fetch_setting.apply_ip_filter_for_domain": False},
    )
    outbound = relay_env.gw.app[OUTBOUND]
    first = f"http://hooks.test:{port_of(hooks)}/redirect"
    hooks.redirect_to = hooks.base + "/hook"  # http://127.0.0.1:port/hook
    with pytest.raises(FetchRefused, match=r"private IP address not allowed: 127\.0\.0\.1"):
        async with outbound.request("POST", first, data=b"{}"):
            pass
    assert [s.path for s in hooks.seen] == ["/redirect"]

    hooks.redirect_to = f"http://hooks.test:{port_of(hooks)}/hook"  # an allowed target is followed
    async with outbound.request("POST", first, data=b'{"a": 1}') as resp:
        assert resp.status == 200
    assert [(s.path, s.body) for s in hooks.seen[1:]] == [
        ("/redirect", b'{"a": 1}'),
        ("/hook", b'{"a": 1}'),  # 307 keeps the method and the body
    ]


async def test_shorthand_loopback_spellings_are_refused(relay_env: RelayEnv, root, hooks):
    """2130706433, 0x7f000001, 0177.0.0.1 and 127.1 are 127.0.0.1 to the system resolver:
    refused when saved and when fetched, before any connection."""
    await set_options(root, {"fetch_setting.allowed_ports": []})
    _, user = await payer(relay_env, "spelling")
    for spelling in ("2130706433", "0x7f000001", "0177.0.0.1", "127.1"):
        url = f"http://{spelling}:{port_of(hooks)}/hook"
        reply = await save_webhook(user, url)
        assert (
            f"private IP address not allowed: {spelling} resolves to 127.0.0.1" in reply["message"]
        ), reply
        with pytest.raises(FetchRefused, match=f"{spelling} resolves to 127.0.0.1"):
            async with relay_env.gw.app[OUTBOUND].request("POST", url, data=b"{}"):
                pass
    assert hooks.seen == []
