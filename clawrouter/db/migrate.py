"""Numbered SQL migrations applied under PRAGMA user_version, one transaction each.

Files live in db/migrations/<store>/NNNN_name.sql and are never edited once shipped.
"""

from __future__ import annotations

import re
from importlib import resources

from clawrouter.db.database import Database

_NAME = re.compile(r"^(\d{4})_[\w-]+\.sql$")


def migrations(store: str) -> list[tuple[int, str, str]]:
    """(version, filename, sql) for a store ("main" or "logs"), in order."""
    folder = resources.files("clawrouter.db").joinpath("migrations", store)
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


async def current_version(db: Database) -> int:
    return int(await db.fetchval("PRAGMA user_version") or 0)


async def migrate(db: Database, store: str) -> list[str]:
    """Apply pending migrations; returns the names applied."""
    have = await current_version(db)
    applied = []
    for version, name, sql in migrations(store):
        if version <= have:
            continue
        await db.script(f"{sql}\nPRAGMA user_version = {version};")
        applied.append(name)
    return applied
