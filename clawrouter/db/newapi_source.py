"""Read-only access to a new-api / one-api database: a SQLite file, a PostgreSQL DSN or a MySQL
DSN (new-api's own `user:pass@tcp(host:port)/db` form, or mysql://). The SQL here only reads
the SOURCE, never ClawRouter's store (that SQL lives in db/repo/).

Rows come back as dicts, `batch` rows at a time in id order (keyset pages on id), or whole for
the tables without an id column (abilities, options).
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

_PG = ("postgres://", "postgresql://")
_GO_MYSQL = re.compile(
    r"^(?P<user>[^:@/]*)(?::(?P<password>[^@]*))?@tcp\((?P<host>[^)]*)\)/(?P<db>[^?]*)"
)
_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")  # table names come from code, checked anyway


class SourceError(Exception):
    """The source cannot be opened or read; the message says why."""


def describe(source: str) -> str:
    """The source for messages, with any password hidden."""
    if "://" in source:
        scheme, _, rest = source.partition("://")
        userinfo, at, host = rest.rpartition("@")
        if at and ":" in userinfo:
            return f"{scheme}://{userinfo.partition(':')[0]}:********@{host}"
        return source
    m = _GO_MYSQL.match(source)
    if m and m["password"] is not None:
        return f"{m['user']}:********@{source[m.start('host') - 4 :]}"
    return source


class Source(ABC):
    """One source database. Subclasses implement _tables and _query."""

    kind = ""

    @abstractmethod
    async def open(self) -> None: ...

    @abstractmethod
    async def close(self) -> None: ...

    async def tables(self) -> set[str]:
        return {t.lower() for t in await self._tables()}

    async def rows(self, table: str, batch: int = 1000) -> AsyncIterator[list[dict[str, Any]]]:
        if not _NAME.match(table):
            raise SourceError(f"bad table name {table!r}")
        if table in ("abilities", "options"):
            rows = await self._query(f"SELECT * FROM {self._quote(table)}", ())
            if rows:
                yield rows
            return
        last: Any = None
        while True:
            if last is None:
                sql = f"SELECT * FROM {self._quote(table)} ORDER BY id LIMIT {int(batch)}"
                rows = await self._query(sql, ())
            else:
                sql = (
                    f"SELECT * FROM {self._quote(table)} WHERE id > {self._mark(1)}"
                    f" ORDER BY id LIMIT {int(batch)}"
                )
                rows = await self._query(sql, (last,))
            if not rows:
                return
            yield rows
            last = rows[-1]["id"]

    def _quote(self, name: str) -> str:
        return f'"{name}"'

    def _mark(self, n: int) -> str:
        return "?"

    @abstractmethod
    async def _tables(self) -> list[str]: ...

    @abstractmethod
    async def _query(self, sql: str, params: tuple[Any, ...]) -> list[dict[str, Any]]: ...


class SqliteSource(Source):
    kind = "sqlite"

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn: sqlite3.Connection | None = None

    async def open(self) -> None:
        if not self.path.is_file():
            raise SourceError(f"no SQLite file at {self.path}")
        try:  # read-only: the old gateway's file is never changed, even by a journal
            self._conn = self._connect("mode=ro")
        except sqlite3.OperationalError:
            # a WAL file in a directory we may not write to (a read-only mount): read the file
            # as it is, which is safe once new-api has stopped
            try:
                self._conn = self._connect("mode=ro&immutable=1")
            except sqlite3.DatabaseError as e:
                raise SourceError(f"cannot read {self.path}: {e}") from e
        except sqlite3.DatabaseError as e:
            raise SourceError(f"{self.path} is not a SQLite database: {e}") from e

    def _connect(self, options: str) -> sqlite3.Connection:
        conn = sqlite3.connect(
            f"file:{self.path.resolve()}?{options}", uri=True, check_same_thread=False
        )
        try:
            conn.row_factory = sqlite3.Row
            conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        except BaseException:
            conn.close()
            raise
        return conn

    async def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    async def _tables(self) -> list[str]:
        rows = await self._query("SELECT name FROM sqlite_master WHERE type = 'table'", ())
        return [r["name"] for r in rows]

    async def _query(self, sql: str, params: tuple[Any, ...]) -> list[dict[str, Any]]:
        assert self._conn is not None
        conn = self._conn

        def run() -> list[dict[str, Any]]:
            return [dict(r) for r in conn.execute(sql, params).fetchall()]

        try:
            return await asyncio.to_thread(run)
        except sqlite3.DatabaseError as e:
            raise SourceError(f"reading {self.path}: {e}") from e


class PostgresSource(Source):
    kind = "postgresql"

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self._conn: Any = None

    async def open(self) -> None:
        try:
            import asyncpg
        except ImportError as e:
            raise SourceError("reading PostgreSQL needs asyncpg: pip install asyncpg") from e
        try:
            self._conn = await asyncpg.connect(self.dsn, timeout=15)
        except (OSError, ValueError, asyncpg.PostgresError, asyncpg.InterfaceError) as e:
            raise SourceError(f"cannot connect to {describe(self.dsn)}: {e}") from e

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    def _mark(self, n: int) -> str:
        return f"${n}"

    async def _tables(self) -> list[str]:
        sql = (
            "SELECT table_name AS name FROM information_schema.tables"
            " WHERE table_schema = current_schema()"
        )
        return [r["name"] for r in await self._query(sql, ())]

    async def _query(self, sql: str, params: tuple[Any, ...]) -> list[dict[str, Any]]:
        import asyncpg

        try:
            return [dict(r) for r in await self._conn.fetch(sql, *params)]
        except asyncpg.PostgresError as e:
            raise SourceError(f"reading {describe(self.dsn)}: {e}") from e


class MysqlSource(Source):
    """MySQL through PyMySQL (optional: `pip install pymysql`), run on a worker thread."""

    kind = "mysql"

    def __init__(self, params: dict[str, Any]) -> None:
        self.params = params
        self._conn: Any = None

    async def open(self) -> None:
        try:
            import pymysql
            import pymysql.cursors
        except ImportError as e:
            raise SourceError("reading MySQL needs PyMySQL: pip install pymysql") from e
        kw = {**self.params, "cursorclass": pymysql.cursors.DictCursor, "charset": "utf8mb4"}
        try:
            self._conn = await asyncio.to_thread(pymysql.connect, **kw)
        except pymysql.MySQLError as e:
            raise SourceError(f"cannot connect to MySQL at {self.params.get('host')}: {e}") from e

    async def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _quote(self, name: str) -> str:
        return f"`{name}`"

    def _mark(self, n: int) -> str:
        return "%s"

    async def _tables(self) -> list[str]:
        rows = await self._query(
            "SELECT table_name AS name FROM information_schema.tables"
            " WHERE table_schema = DATABASE()",
            (),
        )
        return [r["name"] for r in rows]

    async def _query(self, sql: str, params: tuple[Any, ...]) -> list[dict[str, Any]]:
        conn = self._conn

        def run() -> list[dict[str, Any]]:
            with conn.cursor() as cur:
                cur.execute(sql, params)
                return list(cur.fetchall())

        return await asyncio.to_thread(run)


def _mysql_params(source: str) -> dict[str, Any]:
    if source.startswith("mysql://"):
        url = urlsplit(source)
        host, port = url.hostname or "127.0.0.1", url.port or 3306
        user, password, db = url.username or "", url.password or "", url.path.lstrip("/")
    else:
        m = _GO_MYSQL.match(source)
        if m is None:
            raise SourceError(f"not a MySQL DSN: {describe(source)}")
        host, _, port_text = m["host"].partition(":")
        port = int(port_text or 3306)
        user, password, db = m["user"], m["password"] or "", m["db"]
    return {
        "host": host,
        "port": port,
        "user": unquote(user),
        "password": unquote(password),
        "database": db,
    }


def open_source(source: str) -> Source:
    """A Source for a path (SQLite), sqlite:///PATH, postgres(ql)://... or a MySQL DSN."""
    if source.startswith(_PG):
        return PostgresSource(source)
    if source.startswith("mysql://") or _GO_MYSQL.match(source):
        return MysqlSource(_mysql_params(source))
    path = source.removeprefix("sqlite:///").removeprefix("sqlite://")
    # new-api's SQLITE_PATH may carry driver options: one-api.db?_busy_timeout=30000
    return SqliteSource(Path(path.partition("?")[0]))
