"""`clawrouter db copy`: move a whole store (main and logs) into another, SQLite <-> PostgreSQL.

The target is created and migrated if needed and must hold no rows; every table is copied in id
order with its ids, the target's id counters are moved past them, and the copy is verified by
counting the rows of every table on both sides.
"""

from __future__ import annotations

from collections.abc import Callable

from clawrouter.config import Config, ConfigError, replace
from clawrouter.db.repo.copy import LOG_TABLES, MAIN_TABLES, count_rows, read_rows, write_rows
from clawrouter.db.store import Store
from clawrouter.db.stores import open_stores


class CopyError(Exception):
    """The copy cannot start or did not verify; the message says why."""


def config_for(config: Config, url: str) -> Config:
    """`config` with its store at `url` (sqlite:///PATH or postgresql://...)."""
    if not url.startswith(("sqlite:///", "postgresql://", "postgres://")):
        raise ConfigError(f"expected sqlite:///PATH or postgresql://..., got {url!r}")
    return replace(config, database={"url": url, "path": "", "log_path": ""})


async def copy_tables(
    pairs: list[tuple[Store, Store, tuple[str, ...]]],
    *,
    batch: int = 2000,
    progress: Callable[[str, int], None] | None = None,
) -> list[tuple[str, int, int]]:
    """Copy each (source, target, tables); returns (table, source rows, target rows)."""
    for _, target, tables in pairs:
        for table in tables:
            if await count_rows(target, table):
                raise CopyError(f"the target's {table} table has rows: copy into an empty store")
    for source, target, tables in pairs:
        for table in tables:
            done = 0
            async for rows in read_rows(source, table, batch):
                await write_rows(target, table, rows)
                done += len(rows)
            if progress is not None:
                progress(table, done)
        await target.sync_ids(tables)
    return [
        (table, await count_rows(source, table), await count_rows(target, table))
        for source, target, tables in pairs
        for table in tables
    ]


async def copy_store(
    config: Config,
    to_url: str,
    *,
    from_url: str = "",
    batch: int = 2000,
    progress: Callable[[str, int], None] | None = None,
) -> list[tuple[str, int, int]]:
    """Copy the configured store (or `from_url`) into `to_url`; raises CopyError when a table's
    row counts differ afterwards."""
    source_cfg = config_for(config, from_url) if from_url else config
    target_cfg = config_for(config, to_url)
    src_main, src_logs, _ = await open_stores(source_cfg)
    try:
        dst_main, dst_logs, _ = await open_stores(target_cfg)
        try:
            pairs = [(src_main, dst_main, MAIN_TABLES), (src_logs, dst_logs, LOG_TABLES)]
            counts = await copy_tables(pairs, batch=batch, progress=progress)
        finally:
            await dst_logs.close()
            await dst_main.close()
    finally:
        await src_logs.close()
        await src_main.close()
    wrong = [f"{t} ({a} -> {b})" for t, a, b in counts if a != b]
    if wrong:
        raise CopyError("row counts differ after the copy: " + ", ".join(wrong))
    return counts
