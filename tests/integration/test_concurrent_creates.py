"""Every create endpoint of /api under concurrent writers, with reads running alongside: each
create answers success with a distinct id and its row is really there; the same unique name
created concurrently wins once and the others get a clean message, never a 500. The store turns
a refused write into its own error (DuplicateError), never the driver's."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from clawrouter.db.database import Database, DuplicateError, StoreError
from clawrouter.keys import MAIN_DB
from tests.integration.test_models_meta_api import Catalogue, catalogue, config  # noqa: F401
from tests.support.gateway import Client, Gateway

N = 12
READS = ("/api/user/?p=1&page_size=5", "/api/models/?p=1&page_size=5", "/api/token/?p=1")


@contextlib.asynccontextmanager
async def reads_alongside(client: Client) -> AsyncIterator[None]:
    """Keep the reader connections busy while the creates run: a read that overlaps a commit
    is what used to make a create read its own new row back as missing."""
    stop = asyncio.Event()

    async def loop(path: str) -> None:
        while not stop.is_set():
            status, _ = await client.json("GET", path)
            assert status == 200

    tasks = [asyncio.create_task(loop(p)) for p in READS for _ in range(2)]
    try:
        yield
    finally:
        stop.set()
        await asyncio.gather(*tasks)


async def burst(client: Client, make: Callable[[int], Awaitable[Any]]) -> list[Any]:
    async with reads_alongside(client):
        return await asyncio.gather(*(make(i) for i in range(N)))


async def post_each(client: Client, path: str, body: Callable[[int], dict]) -> list[dict]:
    """N concurrent POSTs; every one must succeed. Returns the replies' data."""
    replies = await burst(client, lambda i: client.json("POST", path, json=body(i)))
    for status, reply in replies:
        assert status == 200 and reply["success"], reply
    return [reply.get("data") for _, reply in replies]


async def post_same(client: Client, path: str, body: dict, fragment: str) -> None:
    """N concurrent POSTs of one unique name: one success, the rest a clean refusal."""
    replies = await burst(client, lambda i: client.json("POST", path, json=body))
    assert all(status == 200 for status, _ in replies), replies
    wins = [r for _, r in replies if r["success"]]
    losses = [r["message"] for _, r in replies if not r["success"]]
    assert len(wins) == 1, replies
    assert len(losses) == N - 1 and all(fragment in m for m in losses), losses


async def rows(gateway: Gateway, table: str, ids: list[int]) -> list[dict]:
    marks = ", ".join("?" for _ in ids)
    return await gateway.app[MAIN_DB].fetchall(f"SELECT * FROM {table} WHERE id IN ({marks})", ids)


def distinct_ids(items: list[dict]) -> list[int]:
    ids = [item["id"] for item in items]
    assert len(set(ids)) == len(ids) == len(items) and all(ids), ids
    return ids


async def test_users(root: Client, gateway: Gateway):
    made = await post_each(
        root, "/api/user/", lambda i: {"username": f"user{i}", "password": "password123"}
    )
    ids = distinct_ids(made)
    assert {m["username"] for m in made} == {f"user{i}" for i in range(N)}
    assert len(await rows(gateway, "users", ids)) == N
    for uid in ids:
        status, reply = await root.json("GET", f"/api/user/{uid}")
        assert reply["success"] and reply["data"]["id"] == uid
    body = {"username": "twin", "password": "password123"}
    await post_same(root, "/api/user/", body, "already taken")


async def test_tokens(root: Client, gateway: Gateway):
    made = await post_each(root, "/api/token/", lambda i: {"name": f"k{i}"})
    ids = distinct_ids(made)
    assert len({m["key"] for m in made}) == N
    assert {r["name"] for r in await rows(gateway, "tokens", ids)} == {f"k{i}" for i in range(N)}
    # the per-user limit holds under concurrency: counted in the inserting transaction
    status, reply = await root.json(
        "PUT", "/api/option/", json={"key": "token_setting.max_user_tokens", "value": N + 3}
    )
    assert reply["success"], reply
    replies = await burst(root, lambda i: root.json("POST", "/api/token/", json={"name": "x"}))
    assert all(status == 200 for status, _ in replies)
    assert sum(r["success"] for _, r in replies) == 3, replies
    assert all("maximum number" in r["message"] for _, r in replies if not r["success"])
    total = await gateway.app[MAIN_DB].fetchval("SELECT COUNT(*) FROM tokens WHERE user_id = 1")
    assert total == N + 3


async def test_channels_and_copies(root: Client, gateway: Gateway):
    await post_each(
        root,
        "/api/channel/",
        lambda i: {
            "mode": "single",
            "channel": {"type": 1, "name": f"ch{i}", "key": "sk-x", "models": "m"},
        },
    )
    stored = await gateway.app[MAIN_DB].fetchall("SELECT id, name FROM channels")
    assert sorted(r["name"] for r in stored) == sorted(f"ch{i}" for i in range(N))
    first = min(r["id"] for r in stored)
    copies = await burst(root, lambda i: root.json("POST", f"/api/channel/copy/{first}"))
    assert all(status == 200 and r["success"] for status, r in copies), copies
    ids = distinct_ids([r["data"] for _, r in copies])
    assert len(await rows(gateway, "channels", ids)) == N


async def test_redemptions(root: Client, gateway: Gateway):
    batches = await post_each(
        root, "/api/redemption/", lambda i: {"name": f"r{i}", "quota": 10, "count": 3}
    )
    keys = [k for batch in batches for k in batch]
    assert len(set(keys)) == 3 * N
    marks = ", ".join("?" for _ in keys)
    found = await gateway.app[MAIN_DB].fetchall(
        f'SELECT id FROM redemptions WHERE "key" IN ({marks})', keys
    )
    assert len({r["id"] for r in found}) == 3 * N


@pytest.mark.parametrize(
    ("path", "table", "name_key", "fragment"),
    [
        ("/api/models/", "models", "model_name", "already exists"),
        ("/api/vendors/", "vendors", "name", "already exists"),
    ],
)
async def test_named_metadata(root: Client, gateway: Gateway, path, table, name_key, fragment):
    made = await post_each(root, path, lambda i: {name_key: f"n{i}"})
    ids = distinct_ids(made)
    assert {m[name_key] for m in made} == {f"n{i}" for i in range(N)}
    assert len(await rows(gateway, table, ids)) == N
    await post_same(root, path, {name_key: "twin"}, fragment)


async def test_prefill_groups(root: Client, gateway: Gateway):
    made = await post_each(
        root, "/api/prefill_group/", lambda i: {"name": f"g{i}", "type": "model", "items": []}
    )
    ids = distinct_ids(made)
    assert len(await rows(gateway, "prefill_groups", ids)) == N
    body = {"name": "twin", "type": "tag", "items": ["a"]}
    await post_same(root, "/api/prefill_group/", body, "already exists")


async def test_model_sync(root: Client, gateway: Gateway):
    replies = await burst(root, lambda i: root.json("POST", "/api/models/sync_upstream"))
    assert all(status == 200 and r["success"] for status, r in replies), replies
    assert sum(r["data"]["created_models"] for _, r in replies) == 2
    assert sum(r["data"]["created_vendors"] for _, r in replies) == 2
    names = await gateway.app[MAIN_DB].fetchall("SELECT model_name FROM models")
    assert sorted(r["model_name"] for r in names) == ["claude-x", "gpt-4o"]


async def test_setup_once(gateway: Gateway):
    client = gateway.client()
    body = {"username": "root", "password": "rootpass123", "confirmPassword": "rootpass123"}
    replies = await asyncio.gather(
        *(client.json("POST", "/api/setup", json=body) for _ in range(N))
    )
    assert all(status == 200 for status, _ in replies), replies
    assert sum(r["success"] for _, r in replies) == 1, replies
    assert all("already been initialised" in r["message"] for _, r in replies if not r["success"])
    assert await gateway.app[MAIN_DB].fetchval("SELECT COUNT(*) FROM users") == 1


async def test_store_turns_constraint_failures_into_its_own_errors(root, gateway: Gateway):
    db = gateway.app[MAIN_DB]
    await db.execute("INSERT INTO vendors (name) VALUES ('v')")
    with pytest.raises(DuplicateError) as caught:
        await db.execute("INSERT INTO vendors (name) VALUES ('v')")
    assert caught.value.columns == ("vendors.name",)
    driver = sqlite3.IntegrityError if db.dialect.name == "sqlite" else Exception
    assert isinstance(caught.value.__cause__, driver)  # the driver's exception, kept as the cause
    assert not isinstance(caught.value.__cause__, StoreError)
    assert not isinstance(caught.value, sqlite3.Error)
    with pytest.raises(StoreError) as caught_fk:
        async with db.transaction() as tx:
            await tx.insert("INSERT INTO two_fas (user_id, secret) VALUES (999, 's')")
    assert not isinstance(caught_fk.value, DuplicateError | sqlite3.Error)


async def test_a_read_after_a_commit_sees_it(tmp_path: Path):
    """The root cause behind the create 500s, at the store: with reads sharing the reader
    connection, a statement left open between two steps kept that connection on its old
    snapshot, so reading back a row just committed found nothing (dozens of 300 here)."""
    db = Database(tmp_path / "x.db", readers=1)
    await db.open()
    try:
        await db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        async with db.transaction() as tx:
            await tx.executemany("INSERT INTO t (v) VALUES (?)", [("x" * 50,)] * 2000)
        stop = asyncio.Event()

        async def reads() -> None:
            while not stop.is_set():
                await db.fetchall("SELECT * FROM t LIMIT 50")

        tasks = [asyncio.create_task(reads()) for _ in range(3)]
        misses = 0
        for _ in range(300):
            new_id = await db.insert("INSERT INTO t (v) VALUES ('new')")
            misses += await db.fetchone("SELECT id FROM t WHERE id = ?", (new_id,)) is None
        stop.set()
        await asyncio.gather(*tasks)
        assert misses == 0
    finally:
        await db.close()


async def test_a_commit_that_fails_is_rolled_back(tmp_path: Path):
    """A COMMIT refused by SQLite (here a deferred foreign key) leaves no transaction open:
    the writer is usable at once and nothing of the refused one is kept."""
    db = Database(tmp_path / "t.db")
    await db.open()
    try:
        await db.execute("CREATE TABLE a (id INTEGER PRIMARY KEY)")
        await db.execute(
            "CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER"
            " REFERENCES a(id) DEFERRABLE INITIALLY DEFERRED)"
        )
        with pytest.raises((sqlite3.IntegrityError, StoreError)):
            async with db.transaction() as tx:
                await tx.execute("INSERT INTO b (a_id) VALUES (42)")  # checked at COMMIT
        await db.execute("INSERT INTO a (id) VALUES (1)")
        assert await db.fetchval("SELECT count(*) FROM b") == 0
        assert await db.fetchval("SELECT count(*) FROM a") == 1
    finally:
        await db.close()


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (DuplicateError("UNIQUE", ("users.aff_code",)), "aff_code is already taken"),
        (StoreError("FOREIGN KEY constraint failed"), "store refused this change"),
    ],
)
async def test_a_refused_write_no_handler_expected_is_a_clean_error(gateway, error, words):
    """The edge renders the store's own errors as business errors, never a 500."""
    from aiohttp import ClientSession, web
    from aiohttp.test_utils import TestServer

    from clawrouter.http.middlewares import edge
    from clawrouter.keys import CONFIG

    async def refused(request: web.Request) -> web.Response:
        raise error

    app = web.Application(middlewares=[edge(gateway.config, None, asyncio.Event())])
    app[CONFIG] = gateway.config
    app.router.add_post("/api/thing", refused)
    async with (
        TestServer(app, host="127.0.0.1") as server,
        ClientSession() as http,
        http.post(f"http://127.0.0.1:{server.port}/api/thing") as resp,
    ):
        body = await resp.json()
    assert resp.status == 200 and body["success"] is False and words in body["message"]
