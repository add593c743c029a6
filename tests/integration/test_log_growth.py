"""The log store on large tables (issue 15, cost growth; docs/performance.md): every filter of
the log lists, the stat sums and the dashboard's aggregates are answered from an index (the SQL
the repo really sends, read back with EXPLAIN QUERY PLAN), and retention deletes in batches."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from clawrouter.api import logs as logs_api
from clawrouter.db.database import Database
from clawrouter.db.migrate import migrate
from clawrouter.db.repo import logs as logs_repo
from clawrouter.db.repo import stats as stats_repo
from clawrouter.db.repo import usage as usage_repo
from clawrouter.db.repo.logs import LogFilter
from clawrouter.db.repo.usage import LOG_COLUMNS, insert_logs
from clawrouter.keys import LOG_DB
from tests.support.twofa import ClockGateway

NOW = 1_700_000_000


class Recorder:
    """The store, noting every read statement the repo sends."""

    def __init__(self, db: Database) -> None:
        self.db, self.dialect, self.sent = db, db.dialect, []

    async def fetchval(self, sql: str, params: Any = ()) -> Any:
        self.sent.append((sql, list(params)))
        return await self.db.fetchval(sql, params)

    async def fetchone(self, sql: str, params: Any = ()) -> Any:
        self.sent.append((sql, list(params)))
        return await self.db.fetchone(sql, params)

    async def fetchall(self, sql: str, params: Any = ()) -> Any:
        self.sent.append((sql, list(params)))
        return await self.db.fetchall(sql, params)


def log_row(i: int) -> tuple:
    fields = {c: "" for c in LOG_COLUMNS} | {
        "user_id": i % 7 + 1, "created_at": NOW - 3000 + i, "type": 2 if i % 5 else 5,
        "username": f"u{i % 7}", "token_name": f"k{i % 3}", "model_name": f"m-{i % 11}",
        "quota": i, "prompt_tokens": 1, "completion_tokens": 1, "use_time": 1, "is_stream": 0,
        "channel_id": i % 13, "token_id": i % 17, "group": "default", "request_id": f"r{i}",
    }  # fmt: skip
    return tuple(fields[c] for c in LOG_COLUMNS)


@pytest.fixture
async def logs_db(tmp_path: Path):
    db = Database(tmp_path / "logs.db")
    await db.open()
    await migrate(db, "logs")
    await insert_logs(db, [log_row(i) for i in range(3000)], [])
    try:
        yield db
    finally:
        await db.close()


async def plans(db: Database, rec: Recorder) -> list[str]:
    out = []
    for sql, params in rec.sent:
        rows = await db.fetchall("EXPLAIN QUERY PLAN " + sql, params)
        out.append(" | ".join(r["detail"] for r in rows))
    return out


FILTERS = {
    "user": LogFilter(user_id=3),
    "username": LogFilter(username="u3"),
    "token name": LogFilter(token_name="k1"),
    "model": LogFilter(model_name="m-4"),
    "model, escaped": LogFilter(model_name="m-4", model_escaped=True),
    "channel": LogFilter(channel=5),
    "request id": LogFilter(request_id="r42"),
    "user + range": LogFilter(user_id=3, start=NOW - 2000, end=NOW),
}


@pytest.mark.parametrize("name", FILTERS)
async def test_every_list_filter_is_an_index_search_in_id_order(logs_db, name):
    rec = Recorder(logs_db)
    rows, total = await logs_repo.page_logs(rec, FILTERS[name], 0, 10)  # type: ignore[arg-type]
    assert rows and total >= len(rows)
    count, page = await plans(logs_db, rec)
    assert "SEARCH logs USING" in count and "INDEX" in count, count
    assert "SEARCH logs USING INDEX" in page, page
    assert "TEMP B-TREE" not in page, f"{name}: sorts every matching row: {page}"


async def test_a_time_range_is_an_index_search(logs_db):
    rec = Recorder(logs_db)
    rows, _ = await logs_repo.page_logs(rec, LogFilter(start=NOW - 100, end=NOW), 0, 10)  # type: ignore[arg-type]
    assert [r["created_at"] for r in rows] == list(range(NOW - 1, NOW - 11, -1))
    assert all("SEARCH logs USING" in p for p in await plans(logs_db, rec))


async def test_a_model_and_a_time_range_read_only_that_slice(logs_db):
    """The dashboard's log page sends both: the range is searched inside the model's rows (one
    index, idx_logs_model_time), for the list and its count, and the stat sums it alone."""
    f = LogFilter(model_name="m-4", type=2, start=NOW - 2000)
    rec = Recorder(logs_db)
    rows, total = await logs_repo.page_logs(rec, f, 0, 10)  # type: ignore[arg-type]
    assert rows and {r["model_name"] for r in rows} == {"m-4"}
    await logs_repo.log_stat(rec, f, NOW - 60)  # type: ignore[arg-type]
    count, page, quota, _ = await plans(logs_db, rec)
    for plan in (count, page):
        assert "idx_logs_model_time (model_name=? AND created_at>?)" in plan, plan
    assert "COVERING INDEX idx_logs_model_time (model_name=? AND created_at>?)" in quota, quota


async def test_stat_sums_come_from_an_index(logs_db):
    rec = Recorder(logs_db)
    whole = await logs_repo.log_stat(rec, LogFilter(start=NOW - 1000, end=NOW), NOW - 60)  # type: ignore[arg-type]
    assert whole[0] == sum(i for i in range(2000, 3000) if i % 5)
    quota, window = await plans(logs_db, rec)
    assert "SEARCH logs USING COVERING INDEX idx_logs_created_type_quota" in quota, quota
    assert "SEARCH logs USING" in window, window
    rec.sent.clear()
    await logs_repo.log_stat(rec, LogFilter(username="u3"), NOW - 60)  # type: ignore[arg-type]
    assert all("idx_logs_username" in p for p in await plans(logs_db, rec))


async def test_dashboard_aggregates_read_an_index_in_group_order(logs_db):
    hours = [(u, f"u{u}", f"m-{m}", NOW // 3600 * 3600 - h * 3600, 1, 10, 5)
             for u in range(5) for m in range(3) for h in range(48)]  # fmt: skip
    await insert_logs(logs_db, [], hours)
    for query in (stats_repo.quota_by_model, stats_repo.quota_by_user):
        rec = Recorder(logs_db)
        rows = await query(rec, NOW - 86400, NOW)  # type: ignore[arg-type]
        assert rows and sum(r["count"] for r in rows) == 5 * 3 * 24
        (plan,) = await plans(logs_db, rec)
        assert "USING COVERING INDEX idx_quota_data_created_" in plan, plan
        assert "TEMP B-TREE" not in plan, plan


async def test_an_exact_model_name_ignores_ascii_case_as_like_does(logs_db):
    """= COLLATE NOCASE replaces LIKE for a pattern without wildcards: the same rows."""
    rows, total = await logs_repo.page_logs(logs_db, LogFilter(model_name="M-4"), 0, 500)
    assert total == len(rows) == 3000 // 11 + (4 < 3000 % 11)
    assert {r["model_name"] for r in rows} == {"m-4"}
    _, wild = await logs_repo.page_logs(logs_db, LogFilter(model_name="m_4"), 0, 1)
    assert wild == total, "_ stays a wildcard for admins"
    _, none = await logs_repo.page_logs(
        logs_db, LogFilter(model_name="m!_4", model_escaped=True), 0, 1
    )
    assert none == 0


@pytest.mark.parametrize(
    ("pattern", "escaped", "text"),
    [
        ("gpt-4o", False, "gpt-4o"),
        ("gpt_4o", False, None),
        ("gpt%", False, None),
        ("gpt!_4o", True, "gpt_4o"),
        ("a!!b", True, "a!b"),
        ("gpt_4o", True, None),
        ("%4o", True, None),
    ],
)
def test_literal_patterns(pattern, escaped, text):
    assert logs_repo.literal(pattern, escaped) == text


async def test_retention_deletes_in_short_batches(config, monkeypatch):
    """DELETE /api/log/ removes old rows DELETE_BATCH at a time, each its own transaction."""
    monkeypatch.setattr(logs_api, "DELETE_BATCH", 100)
    sizes: list[int] = []
    real = logs_repo.delete_logs_batch

    async def counted(db: Any, before: int, limit: int) -> int:
        n = await real(db, before, limit)
        sizes.append(n)
        return n

    monkeypatch.setattr(logs_repo, "delete_logs_batch", counted)
    gw = ClockGateway(config)
    await gw.start()
    try:
        await gw.setup_root()
        await insert_logs(gw.app[LOG_DB], [log_row(i) for i in range(450)], [])
        admin = await gw.login("root", "rootpass123")
        status, reply = await admin.json("DELETE", f"/api/log/?target_timestamp={NOW - 2700}")
        assert status == 200 and reply["data"] == 300
        assert sizes == [100, 100, 100, 0]
        assert await gw.app[LOG_DB].fetchval("SELECT COUNT(*) FROM logs") == 150
    finally:
        await gw.stop()


async def test_postgresql_answers_the_filters_from_an_index_in_id_order(postgres_url: str):
    """The same on PostgreSQL (a small table: sequential scans are turned off, so the plan
    shows what an index can answer): each equality filter is one index scan, no sort."""
    from clawrouter.db.postgres import PgDatabase

    pg = PgDatabase(postgres_url)
    await pg.open()
    try:
        await insert_logs(pg, [log_row(i) for i in range(300)], [])
        rows, total = await logs_repo.page_logs(pg, LogFilter(model_name="M-4"), 0, 100)
        assert total == len(rows) == 27 and {r["model_name"] for r in rows} == {"m-4"}
        for name in ("user", "username", "token name", "model", "channel"):
            rec = Recorder(pg)  # type: ignore[arg-type]
            await logs_repo.page_logs(rec, FILTERS[name], 0, 10)  # type: ignore[arg-type]
            sql, params = rec.sent[-1]
            async with pg.transaction() as tx:
                await tx.execute("SET LOCAL enable_seqscan = off")
                plan = " | ".join(
                    r["QUERY PLAN"] for r in await tx.fetchall("EXPLAIN " + sql, params)
                )
            assert "Index Scan Backward" in plan and "Sort" not in plan, f"{name}: {plan}"
    finally:
        await pg.close()


@pytest.mark.parametrize("count", [1, 255, 256, 257, 1023])
async def test_log_rows_go_in_whole_and_in_order_in_chunks_of_nine_sizes(tmp_path: Path, count):
    """Multi-row INSERTs (db/repo/usage.py): every row, in order, whatever the batch size, and
    only the statements of 256, 128, ... 1 rows (SQLite keeps each prepared statement)."""
    db = Database(tmp_path / "logs.db")
    await db.open()
    try:
        await migrate(db, "logs")
        sizes = usage_repo._log_chunks(count)
        assert sum(sizes) == count and set(sizes) <= {256, 128, 64, 32, 16, 8, 4, 2, 1}
        assert sizes == sorted(sizes, reverse=True)
        await insert_logs(db, [log_row(i) for i in range(count)], [])
        got = await db.fetchall("SELECT request_id FROM logs ORDER BY id")
        assert [r["request_id"] for r in got] == [log_row(i)[16] for i in range(count)]
    finally:
        await db.close()
