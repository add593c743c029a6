"""Numbered SQL migrations, one transaction each, recorded per schema by the store (SQLite: the
file's PRAGMA user_version; PostgreSQL: the schema_versions table).

One migration set per dialect, the same schema in each: db/migrations/<schema>/NNNN_name.sql
for SQLite and db/migrations/postgresql/<schema>/NNNN_name.sql for PostgreSQL, numbered alike.
Files are never edited once shipped.
"""

from __future__ import annotations

import re
from importlib import resources

from clawrouter.db.store import Store

_NAME = re.compile(r"^(\d{4})_[\w-]+\.sql$")


def migrations(schema: str, dialect: str = "sqlite") -> list[tuple[int, str, str]]:
    """(version, filename, sql) for a schema ("main" or "logs") in a dialect, in order."""
    parts = ("migrations", schema) if dialect == "sqlite" else ("migrations", dialect, schema)
    folder = resources.files("clawrouter.db").joinpath(*parts)
    found = []
    for entry in folder.iterdir():
        m = _NAME.match(entry.name)
        if m:
            found.append((int(m.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    for i, (version, name, _) in enumerate(found, start=1):
        if version != i:
            raise RuntimeError(f"migration {name} is out of sequence (expected {i:04d})")
    return found


async def current_version(db: Store, schema: str = "main") -> int:
    return await db.schema_version(schema)


async def migrate(db: Store, schema: str) -> list[str]:
    """Apply pending migrations; returns the names applied."""
    have = await db.schema_version(schema)
    applied = []
    for version, name, sql in migrations(schema, db.dialect.name):
        if version <= have:
            continue
        await db.apply_migration(schema, version, sql)
        applied.append(name)
    return applied
