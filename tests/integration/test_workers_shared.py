"""What must be one per gateway, not one per process, with `python -m clawrouter --workers 2` as
a real subprocess: a Telegram login replayed to the other worker is refused (the claims, in
the store); the "test all channels" lease is obeyed by both workers; each worker counts its
share, ceil(limit / 2), of a rate limit without Redis; host "" accepts IPv4 and IPv6 as a single
process does; and the whole thing once on PostgreSQL. Each worker is reached through its own
keep-alive connection (test_workers.WorkerClient), never by hoping the kernel spreads fresh
connections; what must travel between workers is polled for, not slept on."""

from __future__ import annotations

import asyncio
import socket
import sqlite3
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.integration.test_cli import ENV
from tests.integration.test_oauth_telegram import BOT_TOKEN, signed
from tests.integration.test_workers import (
    HEADER,
    Cluster,
    WorkerClient,
    chat_on,
    key_known_by_both,
    new_key,
    polled,
)
from tests.support.gateway import Client
from tests.support.oauth_cases import set_options
from tests.support.upstreams import FakeUpstream

LEASE = "lease:channel-tests"


class Workers(Cluster):
    """Cluster with extra environment and arguments (a host, a database, a rate limit)."""

    def __init__(self, tmp_path: Path, up: FakeUpstream, env: dict[str, str], *args: str):
        super().__init__(tmp_path, up)
        self.env, self.args = env, args

    async def start(self) -> None:
        env = {
            **ENV,
            "CLAWROUTER_SECURITY_API_RATE_LIMIT": "0",
            "CLAWROUTER_SECURITY_WEB_RATE_LIMIT": "0",
            **self.env,
        }
        with self.log.open("wb") as log:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "clawrouter", "--workers", "2", "--port", str(self.port),
                "--data-dir", str(self.data), *self.args, env=env, stdout=log, stderr=log,
            )  # fmt: skip
        deadline = time.monotonic() + 60
        while len(await self.workers_answering("/readyz")) < 2:
            assert self.proc.returncode is None, self.text()
            assert time.monotonic() < deadline, "the workers did not start\n" + self.text()
            await asyncio.sleep(0.2)


async def started(tmp_path: Path, up: FakeUpstream, env: dict[str, str], *args: str) -> Workers:
    c = Workers(tmp_path, up, env, *args)
    try:
        await c.start()
    except BaseException:
        await c.close()
        raise
    return c


@pytest.fixture
async def up() -> AsyncIterator[FakeUpstream]:
    async with FakeUpstream() as fake:
        yield fake


async def fresh(c: Workers, method: str, path: str, as_: Client | None = None, **kw) -> tuple:
    """One call on a fresh connection (the kernel picks the worker): (worker, status, body)."""
    client = as_ or Client(c.base)
    try:
        resp = await client.request(method, path, headers={"Connection": "close"}, **kw)
        return resp.headers[HEADER], resp.status, await resp.json(content_type=None)
    finally:
        if as_ is None:
            await client.close()


async def test_a_telegram_login_replayed_to_the_other_worker_is_refused(tmp_path, up):
    c = await started(tmp_path, up, {})
    try:
        root = await c.root()
        await set_options(
            root,
            {"TelegramBotToken": BOT_TOKEN, "TelegramBotName": "b", "TelegramOAuthEnabled": True},
        )
        body = {"username": "tele", "password": "userpass123", "display_name": "tele"}
        status, reply = await root.json("POST", "/api/user/", json=body)
        assert status == 200 and reply["success"], reply
        user = await c.login("tele", "userpass123")
        pinned = await c.pin()
        for worker, w in sorted(pinned.items()):  # the options reached both (set last: enabled)

            async def enabled(w: WorkerClient = w) -> bool:
                _, reply = await w.json("GET", "/api/status")
                return reply["data"]["telegram_oauth"] is True

            await polled(f"worker {worker} seeing Telegram enabled", enabled)
        resp = await user.request(
            "GET", "/api/oauth/telegram/bind", params=signed(5550099), allow_redirects=False
        )
        assert resp.status == 302, await resp.text()
        fields = signed(5550099, age=2)
        _, _, reply = await fresh(c, "GET", "/api/oauth/telegram/login", params=fields)
        assert reply["success"] and reply["data"]["username"] == "tele", reply
        for w in pinned.values():  # the same widget data again, on each worker
            _, reply = await w.json("GET", "/api/oauth/telegram/login", params=fields)
            assert reply["success"] is False and "used to sign in already" in reply["message"]
        await metrics_count_every_worker(pinned, "/api/oauth/telegram/login", 1 + len(pinned))
    finally:
        await c.close()


async def metrics_count_every_worker(
    pinned: dict[str, WorkerClient], route: str, calls: int
) -> None:
    """Whichever worker answers the scrape, /metrics counts the calls both workers served."""
    for worker, w in sorted(pinned.items()):
        counted: list[float] = []

        async def complete(
            w: WorkerClient = w, counted: list[float] = counted, worker: str = worker
        ) -> bool:
            resp = await w.request("GET", "/metrics")
            assert resp.status == 200
            counted.append(
                sum(
                    sample.value
                    for family in text_string_to_metric_families(await resp.text())
                    for sample in family.samples
                    if sample.name == "clawrouter_http_requests_total"
                    and sample.labels["route"] == route
                )
            )
            assert counted[-1] <= calls, (counted, calls, worker)
            return counted[-1] == calls

        await polled(f"worker {worker}'s /metrics counting {calls} calls", complete)


async def test_one_channel_test_run_per_gateway_and_a_share_of_each_rate_limit(tmp_path, up):
    limit = 6  # logins per window: 3 per worker
    c = await started(tmp_path, up, {"CLAWROUTER_SECURITY_CRITICAL_RATE_LIMIT": str(limit)})
    try:
        root = await c.root()  # setup + login: two of the critical budget, on some worker
        db = sqlite3.connect(c.data / "clawrouter.db")
        try:
            with db:  # a run going somewhere (any worker or instance): the lease is held
                db.execute(
                    "INSERT INTO claims (name, holder, expires_at) VALUES (?, 'elsewhere', ?)",
                    (LEASE, int(time.time()) + 60),
                )
            pinned = await c.pin(root)
            for w in pinned.values():  # refused by each worker while the lease is held
                _, reply = await w.json("GET", "/api/channel/test")
                assert reply["success"] is False and "already running" in reply["message"]
            with db:
                db.execute("DELETE FROM claims WHERE name = ?", (LEASE,))
            status, reply = await root.json("GET", "/api/channel/test")
            assert reply["success"] is True, reply

            async def let_go() -> bool:  # no channels: the run is over at once
                row = db.execute("SELECT COUNT(*) FROM claims WHERE name = ?", (LEASE,))
                return row.fetchone()[0] == 0

            await polled("the lease let go", let_go)
        finally:
            db.close()
        allowed = {}
        for worker, w in sorted(pinned.items()):  # five wrong logins on each worker
            answers = []
            for _ in range(5):
                body = {"username": "nobody", "password": "wrong-password"}
                resp = await w.request("POST", "/api/user/login", json=body)
                answers.append(resp.status)
            assert 429 in answers, (worker, answers)
            allowed[worker] = sum(status != 429 for status in answers)
        assert sum(allowed.values()) <= limit, allowed  # the gateway's limit, not 2 × it
        assert all(n <= limit // 2 for n in allowed.values()), allowed
    finally:
        await c.close()


@pytest.mark.skipif(not socket.has_dualstack_ipv6(), reason="no dual-stack IPv6 here")
async def test_host_any_accepts_ipv4_and_ipv6_as_a_single_process_does(tmp_path, up):
    c = await started(tmp_path, up, {}, "--host", "")
    try:
        for base in (f"http://127.0.0.1:{c.port}", f"http://[::1]:{c.port}"):
            async with aiohttp.ClientSession() as s, s.get(base + "/readyz") as resp:
                assert resp.status == 200 and resp.headers[HEADER] in ("0", "1"), base
        assert "with 2 workers" in c.text()
    finally:
        await c.close()


async def test_two_workers_on_postgresql_end_to_end(tmp_path, up, postgres_url):
    c = await started(tmp_path, up, {"CLAWROUTER_DATABASE_URL": postgres_url})
    try:
        root = await c.root()
        await c.channel(root)
        _, key = await new_key(root)
        pinned = await c.pin()
        await key_known_by_both(pinned, key)  # the new channel and key reached both workers
        answers = await asyncio.gather(*(chat_on(w, key) for w in pinned.values() for _ in "ab"))
        assert answers == [200] * 4, answers  # two calls served by each worker
        calls = len(answers)
        deadline = time.monotonic() + 10
        while True:  # both usage writers flush their log rows into the one PostgreSQL
            status, reply = await root.json("GET", "/api/log/?p=1&page_size=100&type=2")
            assert status == 200 and reply["success"], reply
            if reply["data"]["total"] == calls or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.3)
        assert reply["data"]["total"] == calls, (reply["data"]["total"], calls)
        assert await c.stop() == 0, c.text()
    finally:
        await c.close()
