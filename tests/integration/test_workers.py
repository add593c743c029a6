"""`python -m clawrouter --workers 2` as a real subprocess on 127.0.0.1, with a fake upstream in
this process: both workers answer (X-ClawRouter-Worker, two pids), a session made on one is
valid on the other, a key deleted or a channel disabled through one worker is obeyed by both,
spend on one worker is seen by the other after a flush, balances are exact under concurrent
load across both (Σ log quota == Σ wallet spent == Σ key spent), SIGTERM under load loses no
acknowledged request and every process exits, and a killed worker is restarted.

Nothing here depends on luck. Which worker accepts a fresh connection is the kernel's choice
(and it may pick one many times running), so a test that needs a given worker sends through a
WorkerClient: a keep-alive connection that worker accepted. A change made through one worker
reaches the other through the change feed; tests poll for it (up to DEADLINE) rather than sleep
for its bound. The 1 s bound itself is measured in process (test_change_feed_sql.py)."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import openai
import pytest

from tests.integration.test_cli import ENV, free_port
from tests.support.gateway import Client
from tests.support.sdk import openai_client
from tests.support.upstreams import FakeUpstream

# seconds a test polls for a change to reach every worker: the bound is 1 s (docs/scaling.md),
# this is what a starved CI machine may take; a change that never arrives still fails
DEADLINE = 10.0
HEADER = "X-ClawRouter-Worker"
MESSAGES = [{"role": "user", "content": "hi"}]
SPENDS = 6  # requests a wallet pays for in the spend test, alternating between the workers


def children(pid: int) -> set[int]:
    """The live child processes of `pid` (from /proc)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rpartition(")")[2].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            found.add(int(entry.name))
    return found


class Cluster:
    """The supervisor subprocess and what the test needs to drive it."""

    def __init__(self, tmp_path: Path, up: FakeUpstream) -> None:
        self.data = tmp_path / "data"
        self.log = tmp_path / "gateway.log"
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.up = up
        self.proc: asyncio.subprocess.Process | None = None
        self.clients: list[Client] = []

    async def start(self) -> None:
        env = {
            **ENV,
            "CLAWROUTER_SECURITY_API_RATE_LIMIT": "0",
            "CLAWROUTER_SECURITY_WEB_RATE_LIMIT": "0",
            "CLAWROUTER_SECURITY_CRITICAL_RATE_LIMIT": "0",  # polled: /api/usage/token/
            "CLAWROUTER_SERVER_SHUTDOWN_GRACE_SECONDS": "20",
        }
        with self.log.open("wb") as log:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "clawrouter", "--workers", "2", "--port", str(self.port),
                "--data-dir", str(self.data), env=env, stdout=log, stderr=log,
            )  # fmt: skip
        deadline = time.monotonic() + 60
        while len(await self.workers_answering("/readyz")) < 2:
            assert self.proc.returncode is None, self.text()
            assert time.monotonic() < deadline, "the workers did not start\n" + self.text()
            await asyncio.sleep(0.2)

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    async def workers_answering(self, path: str, rounds: int = 6) -> set[str]:
        """The workers that answered `path` 200, over a few rounds of 8 fresh connections."""
        seen: set[str] = set()
        for _ in range(rounds):
            c = Client(self.base)
            try:
                replies = await asyncio.gather(
                    *(c.session.get(self.base + path, headers={"Connection": "close"}) for _ in range(8)),
                    return_exceptions=True,
                )  # fmt: skip
                seen |= {
                    r.headers[HEADER]
                    for r in replies
                    if not isinstance(r, BaseException) and r.status == 200
                }
                for r in replies:
                    if not isinstance(r, BaseException):
                        r.release()
            finally:
                await c.close()
            if len(seen) == 2:
                break
        return seen

    async def stop(self, sig: int = signal.SIGTERM, within: float = 60) -> int:
        assert self.proc is not None
        if self.proc.returncode is None:
            self.proc.send_signal(sig)
        return await asyncio.wait_for(self.proc.wait(), within)

    def client(self) -> Client:
        c = Client(self.base)
        self.clients.append(c)
        return c

    async def pin(self, user: Client | None = None) -> dict[str, WorkerClient]:
        """A WorkerClient for each worker ("0" and "1"): connections are opened, a few at a
        time, until each worker has accepted one (the others are closed). With `user`, they
        carry its session."""
        pinned: dict[str, WorkerClient] = {}
        deadline = time.monotonic() + 60
        while len(pinned) < 2:
            assert time.monotonic() < deadline, f"only worker(s) {sorted(pinned)} answered"
            batch = [WorkerClient(self.base) for _ in range(4)]
            await asyncio.gather(*(c.request("GET", "/readyz") for c in batch))
            for c in batch:
                assert c.worker is not None
                if c.worker in pinned:
                    await c.close()
                else:
                    pinned[c.worker] = c
                    self.clients.append(c)
        if user is not None:
            for c in pinned.values():
                c.user_id = user.user_id
                c.session.cookie_jar.update_cookies(
                    {k.key: k.value for k in user.session.cookie_jar}
                )
        return pinned

    async def close(self) -> None:
        for c in self.clients:
            await c.close()
        if self.proc is not None and self.proc.returncode is None:
            for pid in children(self.proc.pid):
                os.kill(pid, signal.SIGKILL)
            self.proc.kill()
            await self.proc.wait()

    # ---- set-up through the API ----------------------------------------------------------------
    async def root(self) -> Client:
        c = self.client()
        body = {"username": "root", "password": "rootpass123", "confirmPassword": "rootpass123"}
        status, reply = await c.json("POST", "/api/setup", json=body)
        assert status == 200 and reply["success"], reply
        return await self.login("root", "rootpass123")

    async def login(self, username: str, password: str) -> Client:
        c = self.client()
        body = {"username": username, "password": password}
        status, reply = await c.json("POST", "/api/user/login", json=body)
        assert status == 200 and reply["success"], reply
        c.user_id = reply["data"]["id"]
        return c

    async def channel(self, root: Client, key: str = "sk-up") -> int:
        body = {
            "mode": "single",
            "channel": {"type": 1, "name": "up", "key": key, "base_url": self.up.base_url,
                        "models": "gpt-4o-mini", "group": "default"},
        }  # fmt: skip
        status, reply = await root.json("POST", "/api/channel/", json=body)
        assert status == 200 and reply["success"], reply
        status, reply = await root.json("GET", "/api/channel/?p=0&page_size=10")
        return reply["data"]["items"][0]["id"]

    async def user_with_quota(self, root: Client, name: str, quota: int) -> Client:
        body = {"username": name, "password": "userpass123", "display_name": name}
        status, reply = await root.json("POST", "/api/user/", json=body)
        assert status == 200 and reply["success"], reply
        uid = reply["data"]["id"]
        body = {"id": uid, "action": "add_quota", "mode": "override", "value": quota}
        status, reply = await root.json("POST", "/api/user/manage", json=body)
        assert status == 200 and reply["success"], reply
        return await self.login(name, "userpass123")


async def new_key(owner: Client, **fields: Any) -> tuple[int, str]:
    body = {"name": "workers", "unlimited_quota": True, **fields}
    status, reply = await owner.json("POST", "/api/token/", json=body)
    assert status == 200 and reply["success"], reply
    return reply["data"]["id"], "sk-" + reply["data"]["key"].removeprefix("sk-")


async def chat(base: str, key: str, **kw: Any) -> tuple[int, str]:
    """One chat call through the OpenAI SDK on a fresh connection: (status, worker index)."""
    client = openai_client(base + "/v1", key, default_headers={"Connection": "close"})
    try:
        raw = await client.chat.completions.with_raw_response.create(
            model="gpt-4o-mini", messages=MESSAGES, **kw
        )
        assert raw.parse().choices[0].message.content
        return 200, raw.headers[HEADER]
    except openai.APIStatusError as e:
        return e.status_code, e.response.headers.get(HEADER, "?")
    finally:
        await client.close()


class WorkerClient(Client):
    """A Client on one keep-alive connection: whatever it sends is served by the worker that
    accepted that connection (`worker`, from the first answer); every answer is checked to come
    from it, so a closed connection (reopened to whichever worker) cannot go unnoticed."""

    def __init__(self, base: str, user_id: int | None = None) -> None:  # its own session
        self.base, self.user_id, self.headers = base, user_id, {}
        self.worker: str | None = None
        connector = aiohttp.TCPConnector(limit=1, keepalive_timeout=600)
        self.session = aiohttp.ClientSession(
            connector=connector, cookie_jar=aiohttp.CookieJar(unsafe=True)
        )

    async def request(self, method: str, path: str, **kw: Any) -> aiohttp.ClientResponse:
        resp = await super().request(method, path, **kw)
        worker = resp.headers.get(HEADER)
        if self.worker is None:
            self.worker = worker
        assert worker == self.worker, f"worker {self.worker}'s connection answered by {worker}"
        return resp


async def chat_on(c: WorkerClient, key: str, **kw: Any) -> int:
    """One chat call through a worker's own connection: its status."""
    body = {"model": "gpt-4o-mini", "messages": MESSAGES, **kw}
    resp = await c.request(
        "POST", "/v1/chat/completions", json=body, headers={"Authorization": f"Bearer {key}"}
    )
    return resp.status


async def polled(what: str, check: Callable[[], Awaitable[bool]]) -> None:
    """Poll `check` until it holds; fail, saying `what`, after DEADLINE."""
    deadline = time.monotonic() + DEADLINE
    while not await check():
        assert time.monotonic() < deadline, f"{what}: not within {DEADLINE} s"
        await asyncio.sleep(0.05)


async def obeyed_by_both(pinned: dict[str, WorkerClient], key: str, status: int) -> None:
    """Each worker answers `status` for `key` (polled: the change may still be on its way),
    and keeps answering it."""
    for worker, c in sorted(pinned.items()):

        async def answers(c: WorkerClient = c) -> bool:
            return await chat_on(c, key) == status

        await polled(f"worker {worker} answering {status}", answers)
    for c in pinned.values():
        assert await chat_on(c, key) == status


async def key_known_by_both(pinned: dict[str, WorkerClient], key: str) -> None:
    """Both workers know `key` and route its model (GET /v1/models: nothing is spent)."""
    for worker, c in sorted(pinned.items()):

        async def listed(c: WorkerClient = c) -> bool:
            resp = await c.request("GET", "/v1/models", headers={"Authorization": f"Bearer {key}"})
            return resp.status == 200 and "gpt-4o-mini" in await resp.text()

        await polled(f"worker {worker} knowing the key", listed)


@pytest.fixture
async def cluster(tmp_path: Path) -> AsyncIterator[Cluster]:
    async with FakeUpstream() as up:
        c = Cluster(tmp_path, up)
        try:
            await c.start()
            yield c
        finally:
            await c.close()


async def test_both_workers_serve_share_sessions_and_obey_changes(cluster: Cluster):
    assert cluster.proc is not None
    pids = children(cluster.proc.pid)
    assert len(pids) == 2, "two worker processes"
    root = await cluster.root()
    # a session made on one worker is valid on both: each answers /api/user/self for it
    pinned = await cluster.pin(root)
    for c in pinned.values():
        status, reply = await c.json("GET", "/api/user/self")
        assert status == 200 and reply["data"]["username"] == "root", reply
    cid = await cluster.channel(root)
    token_id, key = await new_key(root)
    _, other = await new_key(root)
    await obeyed_by_both(pinned, key, 200)
    # a key deleted through one worker: refused by both
    status, reply = await root.json("DELETE", f"/api/token/{token_id}")
    assert status == 200 and reply["success"], reply
    await obeyed_by_both(pinned, key, 401)
    await obeyed_by_both(pinned, other, 200)
    # a channel disabled through one worker: nothing routed by either
    status, reply = await root.json("PUT", "/api/channel/", json={"id": cid, "status": 2})
    assert reply["success"], reply
    await obeyed_by_both(pinned, other, 503)
    assert "with 2 workers" in cluster.text()
    assert await cluster.stop() == 0
    assert not children(cluster.proc.pid)


def _row(db: Path, sql: str, *params: int) -> tuple:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchone()
    finally:
        conn.close()


def _wallet(data: Path, user_id: int) -> tuple[int, int]:
    """(quota, used_quota) of a user, as stored."""
    return _row(data / "clawrouter.db", "SELECT quota, used_quota FROM users WHERE id = ?", user_id)


def _sums(data: Path, user_id: int, token_id: int) -> dict[str, int]:
    quota, used = _wallet(data, user_id)
    sql = "SELECT remain_quota, used_quota FROM tokens WHERE id = ?"
    remain, key_used = _row(data / "clawrouter.db", sql, token_id)
    sql = "SELECT COUNT(*), COALESCE(SUM(quota), 0) FROM logs WHERE type = 2 AND token_id = ?"
    rows, logged = _row(data / "logs.db", sql, token_id)
    return {"quota": quota, "used": used, "remain": remain, "key_used": key_used,
            "rows": rows, "logged": logged}  # fmt: skip


async def test_balances_exact_under_load_and_sigterm_loses_nothing(cluster: Cluster):
    root = await cluster.root()
    await cluster.channel(root, key="sk-up-slow-300")  # every answer takes 0.3 s upstream
    start_quota, start_remain = 10**9, 10**8
    user = await cluster.user_with_quota(root, "loaded", start_quota)
    token_id, key = await new_key(user, unlimited_quota=False, remain_quota=start_remain)
    pinned = await cluster.pin()
    await key_known_by_both(pinned, key)
    # one call on each worker's own connection: both take load, whatever the kernel does next
    results: list[tuple[int, str]] = [(await chat_on(c, key), w) for w, c in pinned.items()]

    async def worker_loop() -> None:
        while True:
            try:
                results.append(await chat(cluster.base, key))
            except openai.APIConnectionError:
                return  # the listener has closed: not acknowledged

    loops = [asyncio.create_task(worker_loop()) for _ in range(12)]
    while len(results) < 40:  # noqa: ASYNC110 - a count, not an event
        await asyncio.sleep(0.05)
    assert cluster.proc is not None
    pids = children(cluster.proc.pid)
    code = await cluster.stop(signal.SIGTERM)
    await asyncio.wait_for(asyncio.gather(*loops), 30)
    assert code == 0, cluster.text()
    assert not any(os.path.exists(f"/proc/{p}") for p in pids), "every worker exited"  # noqa: ASYNC240
    ok = [w for s, w in results if s == 200]
    assert {w for w in ok} == {"0", "1"}, "both workers took load"
    assert all(s == 200 for s, _ in results), [r for r in results if r[0] != 200]
    sums = _sums(cluster.data, user.user_id or 0, token_id)
    assert sums["rows"] == len(ok), "every acknowledged request has its log row"
    assert sums["logged"] > 0
    assert sums["logged"] == sums["used"] == start_quota - sums["quota"]
    assert sums["logged"] == sums["key_used"] == start_remain - sums["remain"]


async def _available(c: WorkerClient, key: str) -> int:
    """What this worker's memory says the key has left (GET /api/usage/token/)."""
    resp = await c.request("GET", "/api/usage/token/", headers={"Authorization": f"Bearer {key}"})
    assert resp.status == 200, await resp.text()
    return int((await resp.json())["data"]["total_available"])


async def test_spend_on_one_worker_is_seen_by_the_other(cluster: Cluster):
    """Without propagation each worker would let the wallet be spent once more on its own. The
    calls alternate between the workers; before each, both agree on what the key has left
    (the charge was flushed by one and read by the other)."""
    root = await cluster.root()
    await cluster.channel(root)
    # reserve no more than a request costs: the wallet below is spent to exactly 0
    body = {"key": "PreConsumedQuota", "value": "0"}
    status, reply = await root.json("PUT", "/api/option/", json=body)
    assert status == 200 and reply["success"], reply
    pinned = await cluster.pin()
    probe = await cluster.user_with_quota(root, "probe", 10**9)
    _, probe_key = await new_key(probe)
    await key_known_by_both(pinned, probe_key)  # changes apply in commit order: the option too
    assert await chat_on(pinned["0"], probe_key, max_tokens=1) == 200

    async def flushed() -> bool:
        return _wallet(cluster.data, probe.user_id or 0)[0] < 10**9

    await polled("the probe's charge flushed", flushed)
    cost = 10**9 - _wallet(cluster.data, probe.user_id or 0)[0]
    wallet = SPENDS * cost
    user = await cluster.user_with_quota(root, "spender", wallet)
    _, key = await new_key(user, unlimited_quota=False, remain_quota=10**9)  # the wallet limits
    await key_known_by_both(pinned, key)
    served: list[str] = []
    for turn in range(SPENDS + 1):
        worker = "01"[turn % 2]
        before = await _available(pinned[worker], key)
        status = await chat_on(pinned[worker], key, max_tokens=1)
        if status != 200:
            assert status == 403, status
            break
        served.append(worker)

        async def agreed(before: int = before) -> bool:
            seen = {await _available(c, key) for c in pinned.values()}
            return len(seen) == 1 and seen.pop() < before

        await polled("both workers seeing the charge", agreed)
    assert len(served) == SPENDS, f"{len(served)} requests on a wallet for {SPENDS}: {served}"
    await cluster.stop()
    assert _wallet(cluster.data, user.user_id or 0)[0] == 0


async def test_a_killed_worker_is_restarted(cluster: Cluster):
    assert cluster.proc is not None
    before = children(cluster.proc.pid)
    victim = min(before)
    os.kill(victim, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while True:
        now = children(cluster.proc.pid)
        if len(now) == 2 and victim not in now:
            break
        assert time.monotonic() < deadline, cluster.text()
        await asyncio.sleep(0.1)
    deadline = time.monotonic() + 30
    while await cluster.workers_answering("/readyz") != {"0", "1"}:
        assert time.monotonic() < deadline, cluster.text()
    assert f"(pid {victim}) exited unexpectedly with signal SIGKILL" in cluster.text()
    assert await cluster.stop() == 0
