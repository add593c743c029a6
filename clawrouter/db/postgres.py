"""PgDatabase: the PostgreSQL Store (db/store.py) over an asyncpg connection pool.

It runs the repo's portable SQL: `?` placeholders become `$n` and LIKE becomes ILIKE (SQLite's
LIKE ignores ASCII case, so searches match alike on both), once per distinct statement (cached).
Write transactions are serialised as SQLite's single writer serialises them: one at a time per
process, and one at a time across processes through a transaction-scoped advisory lock, so a
check-then-write in one transaction (a key limit, a code redeemed once) holds on many instances
too. Reads run in parallel on the pool. A value of another type than its column's is converted
as SQLite's type affinity converts it ("12" for an integer, 5 for text), or refused.
Driver exceptions leave as StoreError/DuplicateError.
Main and log schemas share one database; schema_versions records each one's migrations.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any, TypeVar

import asyncpg

from clawrouter.db.store import POSTGRESQL, DuplicateError, Params, Row, StoreError

_TOKEN = re.compile(r"""'(?:[^']|'')*'|"(?:[^"]|"")*"|\?|\bLIKE\b""", re.IGNORECASE)
_KEY = re.compile(r"Key \(([^)]*)\)")
_WRITE_LOCK = 0x436C6177526F7574  # "ClawRout": the advisory lock every write transaction holds
_CACHE_MAX = 4096
_VERSIONS = (
    "CREATE TABLE IF NOT EXISTS schema_versions (schema TEXT PRIMARY KEY, version BIGINT NOT NULL)"
)
_HAS_ID = (
    "SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = current_schema()"
    " AND table_name = ? AND column_name = 'id' AND is_identity = 'YES'"
)
T = TypeVar("T")


def translate(sql: str) -> str:
    """Portable SQL -> PostgreSQL: `?` -> `$1, $2, ...`, LIKE -> ILIKE, outside quotes."""
    n = 0

    def repl(m: re.Match[str]) -> str:
        nonlocal n
        token = m.group(0)
        if token == "?":
            n += 1
            return f"${n}"
        if token[0] in "'\"":
            return token
        return "ILIKE"

    return _TOKEN.sub(repl, sql)


def _numeric(text: str) -> int | float:
    """SUM over BIGINT is NUMERIC in PostgreSQL: read it as SQLite answers, an int (or float)."""
    value = Decimal(text)
    return int(value) if value == value.to_integral_value() else float(value)


async def _init(conn: asyncpg.Connection) -> None:
    await conn.set_type_codec(
        "numeric", encoder=str, decoder=_numeric, schema="pg_catalog", format="text"
    )


def _refused(err: Exception) -> StoreError:
    if isinstance(err, asyncpg.UniqueViolationError):
        table = getattr(err, "table_name", None) or ""
        m = _KEY.search(getattr(err, "detail", None) or "")
        names = [c.strip().strip('"') for c in m.group(1).split(",")] if m else []
        return DuplicateError(str(err), tuple(f"{table}.{c}" for c in names))
    return StoreError(str(err))


# Refused writes and values the server or the driver will not take (an integer out of range, a
# string for a number): the caller's bad input, as SQLite's IntegrityError/OverflowError are.
_REFUSED = (
    asyncpg.IntegrityConstraintViolationError,
    asyncpg.DataError,
    asyncpg.exceptions._base.DataError,
)


_INTS = frozenset({"int2", "int4", "int8"})
_FLOATS = frozenset({"float4", "float8", "numeric"})
_TEXTS = frozenset({"text", "varchar", "bpchar"})


async def _guard(call: Awaitable[T]) -> T:
    try:
        return await call
    except _REFUSED as e:
        raise _refused(e) from e


def _affine(value: Any, pg_type: str) -> Any:
    """A value as SQLite's column affinity would store it: "12" in an integer column is 12, 5 in
    a text column is "5". Raises ValueError when it is no such value ("abc" for an integer)."""
    if pg_type in _INTS and isinstance(value, str):
        return int(value.strip())
    if pg_type in _FLOATS and isinstance(value, str):
        return float(value.strip())
    if pg_type in _TEXTS and isinstance(value, int | float):
        return str(int(value) if isinstance(value, bool) else value)
    return value


def _unsent(err: Exception) -> bool:
    """The driver refused an argument while encoding it: nothing reached the server."""
    return type(err) is asyncpg.DataError and str(err).startswith("invalid input for query arg")


async def _coerced(target: Any, q: str, rows: list[tuple]) -> list[tuple] | None:
    """`rows` with each value turned to its parameter's type, or None when one cannot be."""
    if isinstance(target, asyncpg.Pool):
        async with target.acquire() as conn:
            types = [t.name for t in (await conn.prepare(q)).get_parameters()]
    else:
        types = [t.name for t in (await target.prepare(q)).get_parameters()]
    try:
        return [tuple(_affine(v, t) for v, t in zip(row, types, strict=True)) for row in rows]
    except ValueError:
        return None


async def _run(target: Any, method: str, q: str, args: tuple) -> Any:
    """Run on a connection or the pool; a value of another type than its column's is converted
    as SQLite converts it (the driver refuses it before anything is sent, so a retry is safe)."""
    call = getattr(target, method)
    try:
        return await call(q, *args)
    except asyncpg.DataError as e:
        if not _unsent(e):
            raise _refused(e) from e
        fixed = await _coerced(target, q, [args])
        if fixed is None:
            raise _refused(e) from e
        return await _guard(call(q, *fixed[0]))
    except _REFUSED as e:
        raise _refused(e) from e


def _count(status: str) -> int:
    last = status.rpartition(" ")[2]
    return int(last) if last.isdigit() else 0


def _args(params: Params) -> tuple:
    if isinstance(params, dict):
        raise TypeError("named parameters are not portable: use ? placeholders")
    return tuple(params)


class PgTx:
    """A write transaction on one pooled connection (the Tx protocol)."""

    dialect = POSTGRESQL

    def __init__(self, conn: asyncpg.Connection, sql: Callable[[str], str]) -> None:
        self._conn = conn
        self._sql = sql

    async def execute(self, sql: str, params: Params = ()) -> int:
        return _count(await _run(self._conn, "execute", self._sql(sql), _args(params)))

    async def insert(self, sql: str, params: Params = ()) -> int:
        q = self._sql(sql + " RETURNING id")
        return int(await _run(self._conn, "fetchval", q, _args(params)) or 0)

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        batch = [_args(r) for r in rows]
        if not batch:
            return
        q = self._sql(sql)
        try:
            await self._conn.executemany(q, batch)
        except asyncpg.DataError as e:
            if not _unsent(e):
                raise _refused(e) from e
            fixed = await _coerced(self._conn, q, batch)
            if fixed is None:
                raise _refused(e) from e
            await _guard(self._conn.executemany(q, fixed))
        except _REFUSED as e:
            raise _refused(e) from e

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        row = await _run(self._conn, "fetchrow", self._sql(sql), _args(params))
        return None if row is None else dict(row)

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        rows = await _run(self._conn, "fetch", self._sql(sql), _args(params))
        return [dict(r) for r in rows]

    async def fetchval(self, sql: str, params: Params = ()) -> Any:
        return await _run(self._conn, "fetchval", self._sql(sql), _args(params))


class PgDatabase:
    """A PostgreSQL database: a pool for reads, serialised write transactions."""

    backend = "postgresql"
    dialect = POSTGRESQL

    def __init__(self, url: str, *, pool_size: int = 4, timeout_ms: int = 5000) -> None:
        self.url = url
        self._size = max(2, pool_size)
        self._timeout = timeout_ms / 1000
        self._pool: asyncpg.Pool | None = None
        self._lock = asyncio.Lock()
        self._cache: dict[str, str] = {}

    def _sql(self, sql: str) -> str:
        out = self._cache.get(sql)
        if out is None:
            if len(self._cache) >= _CACHE_MAX:
                self._cache.clear()
            out = self._cache[sql] = translate(sql)
        return out

    async def open(self) -> None:
        self._pool = await asyncpg.create_pool(
            self.url, min_size=1, max_size=self._size, init=_init, timeout=self._timeout
        )

    async def close(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await pool.close()

    def _reads(self) -> asyncpg.Pool:
        if self._pool is None:
            raise RuntimeError("database is not open")
        return self._pool

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        row = await _run(self._reads(), "fetchrow", self._sql(sql), _args(params))
        return None if row is None else dict(row)

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        rows = await _run(self._reads(), "fetch", self._sql(sql), _args(params))
        return [dict(r) for r in rows]

    async def fetchval(self, sql: str, params: Params = ()) -> Any:
        return await _run(self._reads(), "fetchval", self._sql(sql), _args(params))

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PgTx]:
        """Serialised write transaction; commits on success, rolls back on any error."""
        async with self._lock, self._reads().acquire() as conn, conn.transaction():
            await conn.execute(f"SELECT pg_advisory_xact_lock({_WRITE_LOCK})")
            yield PgTx(conn, self._sql)

    async def execute(self, sql: str, params: Params = ()) -> int:
        async with self.transaction() as tx:
            return await tx.execute(sql, params)

    async def insert(self, sql: str, params: Params = ()) -> int:
        async with self.transaction() as tx:
            return await tx.insert(sql, params)

    async def script(self, sql: str) -> None:
        """Run a multi-statement script (no parameters) in one write transaction."""
        async with self.transaction() as tx:
            await tx._conn.execute(sql)

    async def schema_version(self, schema: str) -> int:
        async with self.transaction() as tx:
            await tx._conn.execute(_VERSIONS)
            value = await tx.fetchval(
                "SELECT version FROM schema_versions WHERE schema = ?", (schema,)
            )
        return int(value or 0)

    async def apply_migration(self, schema: str, version: int, sql: str) -> None:
        async with self.transaction() as tx:
            await tx._conn.execute(_VERSIONS)
            have = await tx.fetchval(
                "SELECT version FROM schema_versions WHERE schema = ?", (schema,)
            )
            if int(have or 0) >= version:  # another instance applied it meanwhile
                return
            await tx._conn.execute(sql)
            await tx.execute(
                "INSERT INTO schema_versions (schema, version) VALUES (?, ?) ON CONFLICT"
                " (schema) DO UPDATE SET version = excluded.version",
                (schema, version),
            )

    async def sync_ids(self, tables: Sequence[str]) -> None:
        """Identity columns do not follow explicit ids: set each one's next value past them."""
        async with self.transaction() as tx:
            for table in tables:
                if await tx.fetchval(_HAS_ID, (table,)):
                    await tx.fetchval(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                        f" COALESCE(MAX(id), 0) + 1, false) FROM {table}"
                    )

    async def ping(self) -> bool:
        try:
            return await self.fetchval("SELECT 1") == 1
        except Exception:
            return False
