"""The write-behind writer never loses a charge: a flush that fails (the main store or the log
store refusing the write) keeps everything it took for the next flush, which applies it once."""

from __future__ import annotations

import pytest

from clawrouter.db.repo import users as users_repo
from clawrouter.db.store import Store
from clawrouter.keys import LOG_DB, MAIN_DB, WRITER
from tests.support.gateway import RelayEnv

HELLO = [{"role": "user", "content": "hello there"}]
PG_FAIL = (
    "CREATE OR REPLACE FUNCTION fail() RETURNS trigger LANGUAGE plpgsql"
    " AS $$ BEGIN RAISE EXCEPTION 'disk on fire'; END $$"
)


async def _fail(db: Store, event: str, table: str) -> None:
    """Make the store refuse `event` on `table` (a trigger, in the store's dialect)."""
    if db.dialect.name == "sqlite":
        sql = f"CREATE TRIGGER fail BEFORE {event} ON {table} BEGIN"
        await db.execute(sql + " SELECT RAISE(ABORT, 'disk on fire'); END")
    else:
        await db.execute(PG_FAIL)
        await db.execute(f"CREATE TRIGGER fail BEFORE {event} ON {table} EXECUTE FUNCTION fail()")


async def _unfail(db: Store, table: str) -> None:
    await db.execute("DROP TRIGGER fail" + ("" if db.dialect.name == "sqlite" else f" ON {table}"))


async def test_a_failed_flush_keeps_every_charge_for_the_next(relay_env: RelayEnv):
    app, client = relay_env.gw.app, relay_env.openai()
    main, logs, writer = app[MAIN_DB], app[LOG_DB], app[WRITER]
    await writer.flush()
    before = await users_repo.get_user(main, 1)
    await _fail(main, "UPDATE", "users")
    await _fail(logs, "INSERT", "logs")
    await client.chat.completions.create(model="gpt-4o-mini", messages=HELLO)
    with pytest.raises(Exception, match="disk on fire"):
        await writer.flush()  # nothing written: the balances' transaction rolled back
    await client.chat.completions.create(model="gpt-4o-mini", messages=HELLO)
    await _unfail(main, "users")
    with pytest.raises(Exception, match="disk on fire"):
        await writer.flush()  # balances written now; the log rows wait
    await client.chat.completions.create(model="gpt-4o-mini", messages=HELLO)
    await _unfail(logs, "logs")
    await writer.flush()
    rows = await logs.fetchall("SELECT quota FROM logs ORDER BY id")
    (agg,) = await logs.fetchall("SELECT count, quota FROM quota_data")
    after = await users_repo.get_user(main, 1)
    charged = sum(r["quota"] for r in rows)
    assert len(rows) == 3 and charged > 0 and (agg["count"], agg["quota"]) == (3, charged)
    assert after["used_quota"] - before["used_quota"] == charged
    assert before["quota"] - after["quota"] == charged
    assert after["request_count"] - before["request_count"] == 3
