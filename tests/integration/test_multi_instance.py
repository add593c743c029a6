"""Many instances (issue 11, item 5): three `python -m clawrouter` processes on one real
PostgreSQL and one real Redis, behind a round-robin proxy, loaded concurrently with the official
OpenAI SDK. Quota stays exact across them (Σ log rows == Σ wallet spent == Σ key spent), a small
key is never overspent beyond the bound docs/scaling.md states, a session made on one is valid
on all, a key revoked, an option changed or a channel disabled on one is obeyed by all, and
kill -9 of one mid-load loses nothing acknowledged beyond the flush window. Skipped, saying why,
when redis-server or PostgreSQL is not installed.

What travels between instances is polled for (up to DEADLINE), never slept on: a test acts
through the other instances only once each of them shows the change (a new key is listed by
GET /v1/models on every instance, which spends nothing). The 1 s bound itself is measured in
one process, where a loaded machine cannot stretch it (test_change_feed_redis.py)."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import openai
import pytest
from yarl import URL

from tests.support.gateway import Client
from tests.support.instances import Instance, Proxy, instance_env
from tests.support.redis_server import running_redis
from tests.support.sdk import openai_client
from tests.support.upstreams import FakeUpstream

pytestmark = pytest.mark.timeout(300)
MESSAGES = [{"role": "user", "content": "hi"}]
# seconds to poll for a change to reach every instance: the bound is 1 s (docs/scaling.md);
# this is what a starved CI machine may take, and a change that never arrives still fails
DEADLINE = 10.0
FLUSH = 1.0  # relay.log_flush_interval_seconds: what kill -9 may lose (docs/scaling.md)


@pytest.fixture
def redis_url() -> Iterator[str]:
    with running_redis() as server:
        yield server.url


class Cluster:
    def __init__(self, instances: list[Instance], proxy: Proxy, up: FakeUpstream) -> None:
        self.instances, self.proxy, self.up = instances, proxy, up
        self.root: Client | None = None

    async def api(self, method: str, path: str, **kw: Any) -> Any:
        assert self.root is not None
        status, reply = await self.root.json(method, path, **kw)
        assert status == 200 and reply["success"], (method, path, reply)
        return reply.get("data")

    async def new_key(self, **fields: Any) -> tuple[int, str]:
        """A key made on instance 0, once every instance knows it and routes its model (and so
        every change made before it: each instance applies the feed in order)."""
        data = await self.api("POST", "/api/token/", json={"name": "multi", **fields})
        key = "sk-" + data["key"].removeprefix("sk-")
        for inst in self.instances:
            if inst.alive:
                client = Client(inst.base)
                try:

                    async def listed(client: Client = client) -> bool:
                        auth = {"Authorization": f"Bearer {key}"}
                        resp = await client.request("GET", "/v1/models", headers=auth)
                        return resp.status == 200 and "gpt-4o-mini" in await resp.text()

                    await within(DEADLINE, listed)
                finally:
                    await client.close()
        return data["id"], key


@pytest.fixture
async def cluster(tmp_path: Path, redis_url: str, postgres_url: str) -> AsyncIterator[Cluster]:
    env = instance_env(postgres_url, redis_url, secret=uuid.uuid4().hex)
    instances = [Instance(i, tmp_path, env) for i in range(3)]
    proxy = Proxy(instances)
    try:
        await asyncio.gather(*(i.start() for i in instances))
        await proxy.start()
        async with FakeUpstream() as up:
            c = Cluster(instances, proxy, up)
            c.root = Client(instances[0].base)
            status, reply = await c.root.json(
                "POST", "/api/setup",
                json={"username": "root", "password": "rootpass123",
                      "confirmPassword": "rootpass123"},
            )  # fmt: skip
            assert status == 200 and reply["success"], reply
            status, reply = await c.root.json(
                "POST", "/api/user/login", json={"username": "root", "password": "rootpass123"}
            )
            assert status == 200 and reply["success"], reply
            c.root.user_id = reply["data"]["id"]
            body = {
                "mode": "single",
                "channel": {"type": 1, "name": "up", "key": "sk-up", "base_url": up.base_url,
                            "models": "gpt-4o-mini", "group": "default"},
            }  # fmt: skip
            await c.api("POST", "/api/channel/", json=body)
            yield c  # the tests wait for their keys (made later) on every instance
            await c.root.close()
    finally:
        await proxy.close()
        for i in instances:
            i.stop()


async def chat(base: str, key: str, *, stream: bool = False) -> int:
    """One chat call through the official SDK: 200 or the error status (0: no answer)."""
    client = openai_client(base + "/v1", key, max_retries=0)
    try:
        if stream:
            chunks = await client.chat.completions.create(
                model="gpt-4o-mini", messages=MESSAGES, stream=True,
                stream_options={"include_usage": True},
            )  # fmt: skip
            async for _ in chunks:
                pass
        else:
            reply = await client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
            assert reply.choices[0].message.content
        return 200
    except openai.APIStatusError as e:
        return e.status_code
    except openai.APIConnectionError:
        return 0
    finally:
        await client.close()


async def load(base: str, key: str, n: int, concurrency: int = 12) -> list[int]:
    gate = asyncio.Semaphore(concurrency)

    async def one(i: int) -> int:
        async with gate:
            return await chat(base, key, stream=i % 3 == 0)

    return list(await asyncio.gather(*(one(i) for i in range(n))))


async def within(seconds: float, check: Callable[[], Awaitable[bool]]) -> float:
    started = time.monotonic()
    while not await check():
        assert time.monotonic() - started < seconds, f"not within {seconds} s"
        await asyncio.sleep(0.05)
    return time.monotonic() - started


async def books(c: Cluster, token_id: int, uid: int) -> dict[str, int]:
    """What the store says once every instance has flushed: Σ consume log quota and rows, the
    wallet and the key."""
    user = await c.api("GET", f"/api/user/{uid}")
    token = await c.api("GET", f"/api/token/{token_id}")
    stat = await c.api("GET", f"/api/log/stat?type=2&token_name={token['name']}")
    logs = await c.api("GET", "/api/log/?type=2&p=1&page_size=1")
    return {
        "log_quota": int(stat["quota"]), "log_rows": int(logs["total"]),
        "wallet": int(user["quota"]), "wallet_used": int(user["used_quota"]),
        "key_remain": int(token["remain_quota"]), "key_used": int(token["used_quota"]),
    }  # fmt: skip


async def settled(c: Cluster, token_id: int, uid: int, rows: int) -> dict[str, int]:
    """books() once `rows` log rows are stored and two reads a flush apart agree."""
    deadline = time.monotonic() + 15
    last: dict[str, int] = {}
    while time.monotonic() < deadline:
        now = await books(c, token_id, uid)
        if now == last and now["log_rows"] >= rows:
            return now
        last = now
        await asyncio.sleep(FLUSH + 0.3)
    raise AssertionError(f"the books did not settle: {last}")


async def test_quota_is_exact_across_instances(cluster: Cluster):
    c = cluster
    uid = c.root.user_id
    assert uid is not None
    wallet_before = (await c.api("GET", f"/api/user/{uid}"))["quota"]
    token_id, key = await c.new_key(remain_quota=50_000_000, unlimited_quota=False)
    statuses = await load(c.proxy.base, key, 90)
    assert statuses.count(200) == 90, statuses
    b = await settled(c, token_id, uid, 90)
    assert b["log_rows"] == 90
    assert b["log_quota"] > 0
    assert b["log_quota"] == wallet_before - b["wallet"] == b["wallet_used"]
    assert b["log_quota"] == 50_000_000 - b["key_remain"] == b["key_used"]


async def test_a_small_key_is_not_overspent(cluster: Cluster):
    c = cluster
    uid = c.root.user_id
    assert uid is not None
    # priced per call: a call reserves exactly what it costs (QuotaPerUnit 500000 × $0.002)
    price = {"key": "ModelPrice", "value": json.dumps({"gpt-4o-mini": 0.002})}
    await c.api("PUT", "/api/option/", json=price)
    cost = 1000
    small = cost * 5 + cost // 2  # room for five calls and a half
    token_id, key = await c.new_key(remain_quota=small, unlimited_quota=False)
    statuses = await load(c.proxy.base, key, 40, concurrency=12)
    assert set(statuses) <= {200, 403}, statuses
    b = await settled(c, token_id, uid, 5)
    # the bound (docs/scaling.md): a reservation is atomic across instances, so a key goes
    # below zero only by what calls cost beyond their reservations; these reserve all they cost
    assert statuses.count(200) == 5, statuses
    assert b["key_used"] == 5 * cost == small - b["key_remain"], b
    assert b["log_quota"] == 5 * cost


async def test_sessions_and_changes_reach_every_instance(cluster: Cluster):
    c = cluster
    jar = c.root.session.cookie_jar.filter_cookies(URL(c.instances[0].base))
    cookie = {"Cookie": "; ".join(f"{k}={v.value}" for k, v in jar.items())}
    assert cookie["Cookie"]
    for inst in c.instances:  # the session made on instance 0 is valid on every instance
        other = Client(inst.base, c.root.user_id)
        status, reply = await other.json("GET", "/api/user/self", headers=cookie)
        await other.close()
        assert status == 200 and reply["success"] and reply["data"]["username"] == "root"
    token_id, key = await c.new_key(unlimited_quota=True)
    for inst in c.instances:
        assert await chat(inst.base, key) == 200
    await c.api("DELETE", f"/api/token/{token_id}")  # revoked on instance 0

    async def refused_everywhere(want: int) -> bool:
        got = await asyncio.gather(*(chat(i.base, key) for i in c.instances))
        return all(s == want for s in got)

    await within(DEADLINE, lambda: refused_everywhere(401))
    # an option changed on instance 0: a call now costs more than this key holds
    _, key = await c.new_key(remain_quota=1_000_000, unlimited_quota=False)
    for inst in c.instances:
        assert await chat(inst.base, key) == 200
    price = {"key": "ModelPrice", "value": json.dumps({"gpt-4o-mini": 100})}
    await c.api("PUT", "/api/option/", json=price)
    await within(DEADLINE, lambda: refused_everywhere(403))
    await c.api("PUT", "/api/option/", json={"key": "ModelPrice", "value": "{}"})
    _, key = await c.new_key(unlimited_quota=True)
    channels = await c.api("GET", "/api/channel/?p=1&page_size=10")
    (cid,) = [ch["id"] for ch in channels["items"]]
    await c.api("PUT", "/api/channel/", json={"id": cid, "status": 2})
    await within(DEADLINE, lambda: refused_everywhere(503))


async def test_kill_9_loses_nothing_acknowledged_beyond_the_flush_window(cluster: Cluster):
    c = cluster
    uid = c.root.user_id
    assert uid is not None
    wallet_before = (await c.api("GET", f"/api/user/{uid}"))["quota"]
    token_id, key = await c.new_key(remain_quota=10**9, unlimited_quota=False)
    acks: list[float] = []  # when each call was acknowledged through the proxy
    stop = asyncio.Event()

    async def worker() -> None:
        while not stop.is_set():
            if await chat(c.proxy.base, key) == 200:
                acks.append(time.monotonic())

    workers = [asyncio.create_task(worker()) for _ in range(8)]
    await asyncio.sleep(2.0)
    victim = c.instances[2]
    victim.kill()  # kill -9 mid-load
    killed_at = time.monotonic()
    await asyncio.sleep(2.0)
    stop.set()
    await asyncio.gather(*workers)
    b = await settled(c, token_id, uid, 1)
    lost = len(acks) - b["log_rows"]
    # what the killed instance acknowledged in its last flush window, at most: the rows taken
    # by a flush still writing when it died are lost too, so the window reaches back one more
    # interval (and half a second for a slow write on a loaded machine)
    window = [t for t in acks if killed_at - 2 * FLUSH - 0.5 <= t <= killed_at]
    assert 0 <= lost <= len(window), (lost, len(window), b)
    # the balances live in Redis: the wallet and the key moved by the same amount, and by at
    # least what the stored rows say
    assert wallet_before - b["wallet"] == 10**9 - b["key_remain"] >= b["log_quota"]
