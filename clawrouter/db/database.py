"""Database: the SQLite Store (db/store.py), one file behind one async interface.

One writer connection (every write serialised, transactions BEGIN IMMEDIATE) and a few reader
connections (WAL lets them read while the writer writes). Callers use only the Store methods,
with portable SQL and `?` placeholders; db/postgres.py is the other implementation. Driver
exceptions for refused writes leave as the store's own errors (StoreError).

Every read runs and finishes its statement in one step on its connection: a statement left open
between steps would hold that connection's read snapshot, and another request sharing the
connection would then not see a row committed just before it asked (a create reading back None).
"""

from __future__ import annotations

import asyncio
import itertools
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from clawrouter.db.store import SQLITE, DuplicateError, Params, Row, StoreError

__all__ = ["Database", "DuplicateError", "Params", "Row", "StoreError", "Tx"]


def _dict_factory(cursor: sqlite3.Cursor, row: tuple) -> Row:
    return {d[0]: v for d, v in zip(cursor.description, row, strict=True)}


def _refused(err: sqlite3.IntegrityError) -> StoreError:
    text = str(err)
    if text.startswith("UNIQUE constraint failed:"):
        columns = tuple(c.strip() for c in text.partition(":")[2].split(","))
        return DuplicateError(text, columns)
    return StoreError(text)


async def _rows(conn: aiosqlite.Connection, sql: str, params: Params) -> list[Row]:
    """Run one statement to completion in a single step on the connection's thread."""
    try:
        return list(await conn.execute_fetchall(sql, params))
    except sqlite3.IntegrityError as e:
        raise _refused(e) from e


class Tx:
    """A write transaction on the writer connection."""

    dialect = SQLITE

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; returns rows changed."""
        try:
            cur = await self._conn.execute(sql, params)
        except sqlite3.IntegrityError as e:
            raise _refused(e) from e
        return cur.rowcount

    async def insert(self, sql: str, params: Params = ()) -> int:
        """Run an INSERT; returns the new row id."""
        try:
            cur = await self._conn.execute(sql, params)
        except sqlite3.IntegrityError as e:
            raise _refused(e) from e
        return int(cur.lastrowid or 0)

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        try:
            await self._conn.executemany(sql, rows)
        except sqlite3.IntegrityError as e:
            raise _refused(e) from e

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        """The first row (for queries that return one or a few: every row is read)."""
        rows = await _rows(self._conn, sql, params)
        return rows[0] if rows else None

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        """Also for INSERT/UPDATE ... RETURNING: the rows written, in this transaction."""
        return await _rows(self._conn, sql, params)

    async def fetchval(self, sql: str, params: Params = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else next(iter(row.values()))


class Database:
    """One SQLite file: a serialised writer and a round-robin pool of readers."""

    backend = "sqlite"
    dialect = SQLITE

    def __init__(self, path: Path, *, readers: int = 2, busy_timeout_ms: int = 5000) -> None:
        self.path = Path(path)
        self._n_readers = readers
        self._busy = busy_timeout_ms
        self._writer: aiosqlite.Connection | None = None
        self._readers: list[aiosqlite.Connection] = []
        self._cycle: Any = None
        self._lock = asyncio.Lock()

    async def _connect(self, *, writer: bool) -> aiosqlite.Connection:
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        conn.row_factory = _dict_factory
        await conn.execute(f"PRAGMA busy_timeout = {int(self._busy)}")
        await conn.execute("PRAGMA foreign_keys = ON")
        if writer:
            await conn.execute("PRAGMA journal_mode = WAL")
            await conn.execute("PRAGMA synchronous = NORMAL")
        else:
            await conn.execute("PRAGMA query_only = ON")
        return conn

    async def open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._writer = await self._connect(writer=True)
        self._readers = [await self._connect(writer=False) for _ in range(self._n_readers)]
        self._cycle = itertools.cycle(self._readers)

    async def close(self) -> None:
        async with self._lock:
            for conn in [*self._readers, self._writer]:
                if conn is not None:
                    await conn.close()
            self._readers, self._writer = [], None

    def _reader(self) -> aiosqlite.Connection:
        if self._cycle is None:
            raise RuntimeError("database is not open")
        return next(self._cycle)

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        """The first row (for queries that return one or a few: every row is read)."""
        rows = await _rows(self._reader(), sql, params)
        return rows[0] if rows else None

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        return await _rows(self._reader(), sql, params)

    async def fetchval(self, sql: str, params: Params = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else next(iter(row.values()))

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        """Serialised write transaction; commits on success, rolls back on any error."""
        async with self._lock:
            if self._writer is None:
                raise RuntimeError("database is not open")
            await self._writer.execute("BEGIN IMMEDIATE")
            try:
                yield Tx(self._writer)
                await self._writer.execute("COMMIT")
            except BaseException:
                if self._writer.in_transaction:  # also when COMMIT itself failed (busy, I/O)
                    await self._writer.execute("ROLLBACK")
                raise

    async def execute(self, sql: str, params: Params = ()) -> int:
        async with self.transaction() as tx:
            return await tx.execute(sql, params)

    async def insert(self, sql: str, params: Params = ()) -> int:
        async with self.transaction() as tx:
            return await tx.insert(sql, params)

    async def script(self, sql: str) -> None:
        """Run a multi-statement script in one transaction (migrations)."""
        async with self._lock:
            if self._writer is None:
                raise RuntimeError("database is not open")
            try:
                await self._writer.executescript("BEGIN IMMEDIATE;\n" + sql + "\nCOMMIT;")
            except BaseException:
                if self._writer.in_transaction:
                    await self._writer.execute("ROLLBACK")
                raise

    async def schema_version(self, schema: str) -> int:
        """One file per schema: its PRAGMA user_version."""
        return int(await self.fetchval("PRAGMA user_version") or 0)

    async def apply_migration(self, schema: str, version: int, sql: str) -> None:
        await self.script(f"{sql}\nPRAGMA user_version = {int(version)};")

    async def sync_ids(self, tables: Sequence[str]) -> None:
        """Nothing to do: AUTOINCREMENT's counter follows the ids inserted."""

    async def ping(self) -> bool:
        try:
            return await self.fetchval("SELECT 1") == 1
        except Exception:
            return False
