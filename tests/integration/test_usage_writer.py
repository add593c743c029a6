"""The write-behind writer never loses a charge: a flush that fails (the main store or the log
store refusing the write) keeps everything it took for the next flush, which applies it once."""

from __future__ import annotations

import pytest

from clawrouter.db.repo import users as users_repo
from clawrouter.keys import LOG_DB, MAIN_DB, WRITER
from tests.support.gateway import RelayEnv

HELLO = [{"role": "user", "content": "hello there"}]
FAIL = "CREATE TRIGGER fail BEFORE {} BEGIN SELECT RAISE(ABORT, 'disk on fire'); END"


async def test_a_failed_flush_keeps_every_charge_for_the_next(relay_env: RelayEnv):
    app, client = relay_env.gw.app, relay_env.openai()
    main, logs, writer = app[MAIN_DB], app[LOG_DB], app[WRITER]
    await writer.flush()
    before = await users_repo.get_user(main, 1)
    await main.execute(FAIL.format("UPDATE ON users"))
    await logs.execute(FAIL.format("INSERT ON logs"))
    await client.chat.completions.create(model="gpt-4o-mini", messages=HELLO)
    with pytest.raises(Exception, match="disk on fire"):
        await writer.flush()  # nothing written: the balances' transaction rolled back
    await client.chat.completions.create(model="gpt-4o-mini", messages=HELLO)
    await main.execute("DROP TRIGGER fail")
    with pytest.raises(Exception, match="disk on fire"):
        await writer.flush()  # balances written now; the log rows wait
    await client.chat.completions.create(model="gpt-4o-mini", messages=HELLO)
    await logs.execute("DROP TRIGGER fail")
    await writer.flush()
    rows = await logs.fetchall("SELECT quota FROM logs ORDER BY id")
    (agg,) = await logs.fetchall("SELECT count, quota FROM quota_data")
    after = await users_repo.get_user(main, 1)
    charged = sum(r["quota"] for r in rows)
    assert len(rows) == 3 and charged > 0 and (agg["count"], agg["quota"]) == (3, charged)
    assert after["used_quota"] - before["used_quota"] == charged
    assert before["quota"] - after["quota"] == charged
    assert after["request_count"] - before["request_count"] == 3
