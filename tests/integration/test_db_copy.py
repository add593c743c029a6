"""`clawrouter db copy`: a store filled by the real gateway (setup, a channel, keys, relay calls
with their logs and hourly aggregates, a redemption code) copied SQLite -> PostgreSQL and back,
verified by row counts and by comparing every row; the gateway then runs on the copy."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from clawrouter import cli
from clawrouter.config import Config, replace
from clawrouter.db.database import Database
from clawrouter.db.postgres import PgDatabase
from clawrouter.db.repo.copy import LOG_TABLES, MAIN_TABLES
from tests.support.gateway import Gateway, RelayEnv
from tests.support.postgres import PostgresServer

HELLO = [{"role": "user", "content": "hello there"}]


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """This suite's source store is SQLite whatever CLAWROUTER_TEST_DB says."""
    from clawrouter.config import load

    base = load(env={}, overrides={"server.data_dir": str(tmp_path / "data")})
    return replace(base, security={"api_rate_limit": 0, "web_rate_limit": 0})


async def _fill(env: RelayEnv) -> None:
    client = env.openai()
    for _ in range(3):
        await client.chat.completions.create(model="gpt-4o-mini", messages=HELLO)
    admin = await env.gw.login("root", "rootpass123")
    status, body = await admin.json(
        "POST", "/api/redemption/", json={"name": "gift", "quota": 500, "count": 2}
    )
    assert status == 200 and body["success"], body
    await env.gw.add_user("Alice", "alicepass123")
    await env.flush()


async def _copy(*argv: str) -> int:
    return await asyncio.to_thread(cli.main, ["db", "copy", *argv])


async def _dump(db: Database | PgDatabase, tables: tuple[str, ...]) -> dict[str, list[dict]]:
    out = {}
    for t in tables:
        rows = await db.fetchall(f"SELECT * FROM {t}")
        out[t] = sorted(rows, key=lambda r: tuple(str(v) for v in r.values()))
    return out


async def _sqlite_dump(main: Path, logs: Path) -> dict[str, list[dict]]:
    out = {}
    for path, tables in ((main, MAIN_TABLES), (logs, LOG_TABLES)):
        db = Database(path)
        await db.open()
        try:
            out.update(await _dump(db, tables))
        finally:
            await db.close()
    return out


async def test_copy_to_postgresql_and_back(
    relay_env: RelayEnv, postgres_server: PostgresServer, tmp_path: Path, capsys
) -> None:
    await _fill(relay_env)
    cfg = relay_env.gw.config
    data = ["--data-dir", str(cfg.data_dir)]
    pg_url = postgres_server.new_database(migrated=False)  # the copy creates the schema

    assert await _copy("--to", pg_url, *data) == 0
    out = capsys.readouterr().out
    assert "row counts match" in out and "logs: 3 rows" in out

    source = await _sqlite_dump(cfg.db_path, cfg.log_db_path)
    assert len(source["logs"]) == 3 and len(source["redemptions"]) == 2
    assert len(source["abilities"]) == 2 and len(source["users"]) == 2
    pg = PgDatabase(pg_url)
    await pg.open()
    try:
        copied = await _dump(pg, MAIN_TABLES + LOG_TABLES)
        assert {t: len(r) for t, r in copied.items()} == {t: len(r) for t, r in source.items()}
        assert copied == source, "every row, every value"
        # the id counters moved past the copied ids
        new_id = await pg.insert("INSERT INTO vendors (name) VALUES (?)", ("after-copy",))
        assert new_id == 1
        new_user = await pg.insert("INSERT INTO users (username) VALUES (?)", ("bob",))
        assert new_user == max(r["id"] for r in source["users"]) + 1
        await pg.execute("DELETE FROM users WHERE id = ?", (new_user,))
        await pg.execute("DELETE FROM vendors")
    finally:
        await pg.close()

    # Into a store that has rows: refused, nothing written.
    assert await _copy("--to", pg_url, *data) == 1
    assert "has rows" in capsys.readouterr().err

    # And back, into new SQLite files.
    back = tmp_path / "back" / "clawrouter.db"
    assert await _copy("--from", pg_url, "--to", f"sqlite:///{back}", *data) == 0
    assert "row counts match" in capsys.readouterr().out
    assert await _sqlite_dump(back, back.parent / "logs.db") == source


async def test_the_gateway_runs_on_the_copy(
    relay_env: RelayEnv, postgres_server: PostgresServer
) -> None:
    await _fill(relay_env)
    cfg = relay_env.gw.config
    pg_url = postgres_server.new_database()
    assert await _copy("--to", pg_url, "--data-dir", str(cfg.data_dir)) == 0
    gw = Gateway(replace(cfg, database={"url": pg_url}))
    await gw.start()
    try:
        admin = await gw.login("root", "rootpass123")
        status, body = await admin.json("GET", "/api/user/?p=1&page_size=10")
        assert status == 200 and body["data"]["total"] == 2
        status, body = await admin.json("GET", "/api/log/?p=1&page_size=10")
        assert status == 200 and body["data"]["total"] == 3
        status, body = await admin.json("GET", "/api/user/search?keyword=ALICE")
        assert status == 200 and [u["username"] for u in body["data"]["items"]] == ["Alice"]
    finally:
        await gw.stop()
