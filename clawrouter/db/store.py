"""The store interface every caller uses: Store (a database) and Tx (a write transaction on it),
the rows they return, the store's own errors and the few dialect facts the repo SQL needs.

Two implementations: db/database.py (SQLite, the default) and db/postgres.py (PostgreSQL). SQL
is written once, in db/repo/, with `?` placeholders; an implementation adapts it (PostgreSQL:
`$n` and a case-insensitive LIKE). A leaf module: it imports no driver and no caller.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, Protocol

Row = dict[str, Any]
Params = Sequence[Any] | dict[str, Any]


class StoreError(Exception):
    """The store refused a write (a constraint); the driver's exception is the __cause__."""


class DuplicateError(StoreError):
    """A UNIQUE constraint refused the write: another row already holds that value."""

    def __init__(self, message: str, columns: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.columns = columns  # "table.column" names, when the driver says which


@dataclass(frozen=True, slots=True)
class Dialect:
    """What differs between the SQL dialects and is not translated by the implementation."""

    name: str  # "sqlite" or "postgresql"
    greatest: str  # the larger of two values: MAX(a, b) in SQLite, GREATEST(a, b) elsewhere


SQLITE = Dialect("sqlite", "MAX")
POSTGRESQL = Dialect("postgresql", "GREATEST")


class Tx(Protocol):
    """A write transaction: every statement commits together or not at all."""

    dialect: Dialect

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; returns rows changed."""
        ...

    async def insert(self, sql: str, params: Params = ()) -> int:
        """Run an INSERT into a table with an `id` column; returns the new id."""
        ...

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None: ...

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None: ...

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        """Also for INSERT/UPDATE ... RETURNING: the rows written, in this transaction."""
        ...

    async def fetchval(self, sql: str, params: Params = ()) -> Any: ...


class Store(Protocol):
    """A database: reads anywhere, writes in serialised transactions (one writer at a time, as
    SQLite has it), migrations per named schema ("main", "logs")."""

    backend: str
    dialect: Dialect

    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None: ...

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]: ...

    async def fetchval(self, sql: str, params: Params = ()) -> Any: ...

    def transaction(self) -> AbstractAsyncContextManager[Tx]:
        """Serialised write transaction; commits on success, rolls back on any error."""
        ...

    async def execute(self, sql: str, params: Params = ()) -> int: ...

    async def insert(self, sql: str, params: Params = ()) -> int: ...

    async def schema_version(self, schema: str) -> int:
        """The last migration applied to `schema` ("main" or "logs"), 0 for none."""
        ...

    async def apply_migration(self, schema: str, version: int, sql: str) -> None:
        """Run one migration script and record its version, in one transaction."""
        ...

    async def sync_ids(self, tables: Sequence[str]) -> None:
        """Move the tables' id counters past their largest id (after rows copied with ids)."""
        ...

    async def ping(self) -> bool: ...
