"""The PostgreSQL Store against a real server (tests/support/postgres.py): the same schema as
SQLite, the repo SQL translated, the store's own errors, case-insensitive searches, 64-bit
balances, and write transactions serialised across two stores (two processes' worth)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from clawrouter.config import load
from clawrouter.db.database import Database
from clawrouter.db.migrate import migrate, migrations
from clawrouter.db.postgres import PgDatabase, translate
from clawrouter.db.repo import logs as logs_repo
from clawrouter.db.repo import tokens as tokens_repo
from clawrouter.db.repo import usage as usage_repo
from clawrouter.db.repo import users as users_repo
from clawrouter.db.store import DuplicateError, StoreError
from clawrouter.db.stores import open_stores


@pytest.fixture
async def pg(postgres_url: str) -> AsyncIterator[PgDatabase]:
    db = PgDatabase(postgres_url)
    await db.open()
    try:
        yield db
    finally:
        await db.close()


def test_translate_placeholders_and_like_outside_quotes() -> None:
    sql = "SELECT '?', \"a?\" FROM t WHERE x = ? AND n LIKE ? ESCAPE '!' AND y = 'LIKE' AND z = ?"
    assert translate(sql) == (
        "SELECT '?', \"a?\" FROM t WHERE x = $1 AND n ILIKE $2 ESCAPE '!' AND y = 'LIKE' AND z = $3"
    )
    assert translate("SELECT 'it''s ?' , ?") == "SELECT 'it''s ?' , $1"


def test_one_migration_set_per_dialect_numbered_alike() -> None:
    for schema in ("main", "logs"):
        sqlite = [(v, n) for v, n, _ in migrations(schema)]
        pg = [(v, n) for v, n, _ in migrations(schema, "postgresql")]
        assert sqlite == pg


async def test_same_tables_and_columns_as_sqlite(pg: PgDatabase, tmp_path: Path) -> None:
    lite = Database(tmp_path / "main.db")
    logs = Database(tmp_path / "logs.db")
    await lite.open()
    await logs.open()
    try:
        await migrate(lite, "main")
        await migrate(logs, "logs")
        want: dict[str, set[str]] = {}
        want_indexes: set[str] = set()
        for db in (lite, logs):
            named = await db.fetchall(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            )
            want_indexes |= {r["name"] for r in named}
            tables = await db.fetchall(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%'"
            )
            for t in tables:
                cols = await db.fetchall(f"SELECT name FROM pragma_table_info('{t['name']}')")
                want[t["name"]] = {c["name"] for c in cols}
    finally:
        await lite.close()
        await logs.close()
    rows = await pg.fetchall(
        "SELECT table_name, column_name, data_type FROM information_schema.columns"
        " WHERE table_schema = 'public' AND table_name <> 'schema_versions'"
    )
    got: dict[str, set[str]] = {}
    for r in rows:
        got.setdefault(r["table_name"], set()).add(r["column_name"])
        assert r["data_type"] != "integer", f"{r['table_name']}.{r['column_name']} is 32-bit"
    assert got == want
    indexes = await pg.fetchall(
        "SELECT indexname FROM pg_indexes WHERE schemaname = 'public'"
        " AND indexname NOT LIKE '%!_pkey' ESCAPE '!' AND indexname NOT LIKE '%!_key' ESCAPE '!'"
    )
    assert {r["indexname"] for r in indexes} == want_indexes


async def test_migrations_are_recorded_and_not_reapplied(pg: PgDatabase) -> None:
    assert await pg.schema_version("main") == len(migrations("main", "postgresql"))
    assert await pg.schema_version("logs") == len(migrations("logs", "postgresql"))
    assert await migrate(pg, "main") == []


async def test_insert_execute_and_rollback(pg: PgDatabase) -> None:
    uid = await users_repo.insert_user(pg, {"username": "ann", "quota": 5})
    assert uid >= 1
    assert await pg.execute("UPDATE users SET remark = ? WHERE id = ?", ("x", uid)) == 1
    with pytest.raises(RuntimeError):
        async with pg.transaction() as tx:
            await tx.execute("UPDATE users SET remark = ? WHERE id = ?", ("rolled", uid))
            raise RuntimeError("boom")
    assert await pg.fetchval("SELECT remark FROM users WHERE id = ?", (uid,)) == "x"


async def test_driver_errors_become_store_errors(pg: PgDatabase) -> None:
    await users_repo.insert_user(pg, {"username": "bob"})
    with pytest.raises(DuplicateError) as err:
        await users_repo.insert_user(pg, {"username": "bob"})
    assert err.value.columns == ("users.username",)
    assert not isinstance(err.value.__cause__, StoreError)  # the driver's, kept as the cause
    with pytest.raises(StoreError):  # a foreign key
        await pg.execute("INSERT INTO two_fas (user_id, secret) VALUES (?, ?)", (999_999, "s"))
    with pytest.raises(StoreError):  # a value the column cannot take
        await pg.execute("UPDATE users SET quota = ? WHERE id = ?", ("lots", 1))


async def test_values_are_converted_as_sqlite_affinity_converts_them(pg: PgDatabase) -> None:
    uid = await users_repo.insert_user(pg, {"username": 42, "quota": "12"})
    assert await users_repo.get_user(pg, uid) == await users_repo.get_user_by_username(pg, "42")
    user = await users_repo.get_user(pg, uid)
    assert user is not None and (user["username"], user["quota"]) == ("42", 12)
    async with pg.transaction() as tx:
        await tx.executemany("UPDATE users SET remark = ? WHERE id = ?", [(7, str(uid))])
        assert await tx.fetchval("SELECT remark FROM users WHERE id = ?", (str(uid),)) == "7"
    with pytest.raises(StoreError):  # no number: refused, as the caller's bad input
        await pg.fetchone("SELECT * FROM users WHERE id = ?", ("abc",))


async def test_searches_ignore_case(pg: PgDatabase) -> None:
    await users_repo.insert_user(pg, {"username": "CamelCase", "email": "Mixed@Example.com"})
    rows, total = await users_repo.page_users(pg, 0, 10, keyword="camelcase")
    assert total == 1 and rows[0]["username"] == "CamelCase"
    rows, total = await users_repo.page_users(pg, 0, 10, keyword="MIXED@")
    assert total == 1
    row = await users_repo.get_user_by_email(pg, "mixed@example.COM")
    assert row is not None and row["username"] == "CamelCase"


async def test_balances_are_64_bit_and_sums_are_ints(pg: PgDatabase) -> None:
    big = 2**40
    uid = await users_repo.insert_user(pg, {"username": "whale", "quota": big})
    tid = await tokens_repo.insert_token(
        pg, {"user_id": uid, "key": "k1", "remain_quota": big, "accessed_time": 100}
    )
    await usage_repo.apply_balances(pg, [(-big // 2, big // 2, 1, uid)], [(-5, 5, 50, tid)], [], [])
    user = await users_repo.get_user(pg, uid)
    assert user is not None and user["quota"] == big // 2 and user["used_quota"] == big // 2
    token = await tokens_repo.get_token(pg, tid)
    assert token is not None and token["accessed_time"] == 100  # GREATEST kept the later time
    given = {"user_id": uid, "quota": big, "type": 2}
    log = tuple(given.get(c, "" if c in _TEXT else 0) for c in usage_repo.LOG_COLUMNS)
    await usage_repo.insert_logs(pg, [log, log], [(uid, "whale", "m", 3600, 1, big, 7)] * 2)
    quota, count, _ = await logs_repo.log_stat(pg, logs_repo.LogFilter(user_id=uid), 0)
    assert quota == 2 * big and isinstance(quota, int) and count == 2
    agg = await pg.fetchone("SELECT count, quota, token_used FROM quota_data")
    assert agg == {"count": 2, "quota": 2 * big, "token_used": 14}


_TEXT = {"content", "username", "token_name", "model_name", "group", "ip", "request_id",
         "upstream_request_id", "other"}  # fmt: skip


async def test_write_transactions_serialise_across_stores(postgres_url: str) -> None:
    """Two stores on one database (two instances): a key limit checked and written in one
    transaction is never overshot by concurrent creates."""
    a, b = PgDatabase(postgres_url), PgDatabase(postgres_url)
    await a.open()
    await b.open()
    try:
        uid = await users_repo.insert_user(a, {"username": "racer"})

        async def create(db: PgDatabase, n: int) -> int | None:
            return await tokens_repo.create_token(db, {"user_id": uid, "key": f"r{n}"}, limit=5)

        made = await asyncio.gather(*(create(a if n % 2 else b, n) for n in range(20)))
        assert sum(m is not None for m in made) == 5
        assert await tokens_repo.count_user_tokens(a, uid) == 5
    finally:
        await a.close()
        await b.close()


async def test_open_stores_uses_one_database_for_main_and_logs(postgres_url: str) -> None:
    config = load(env={"SQL_DSN": postgres_url})
    assert config.db_backend == "postgresql"
    main, logs, applied = await open_stores(config)
    try:
        assert main is logs and applied == []  # the template was migrated already
        assert await main.ping()
    finally:
        await main.close()
