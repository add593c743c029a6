"""Opening the two stores (main and logs) with their migrations applied.

SQLite (the default): two files, main and logs. PostgreSQL (database.url = postgresql://...):
one database holds both schemas' tables, so main and logs are the same PgDatabase.
"""

from __future__ import annotations

from clawrouter.config import Config
from clawrouter.db.database import Database
from clawrouter.db.migrate import migrate
from clawrouter.db.store import Store


async def open_stores(config: Config) -> tuple[Store, Store, list[str]]:
    """Open and migrate main and log databases; returns (main, logs, migrations applied)."""
    if config.db_backend == "postgresql":
        return await _open_postgresql(config)
    kw = {"readers": config.database.readers, "busy_timeout_ms": config.database.busy_timeout_ms}
    main = Database(config.db_path, **kw)
    logs = Database(config.log_db_path, **kw)
    await main.open()
    try:
        await logs.open()
        applied = [f"main/{n}" for n in await migrate(main, "main")]
        applied += [f"logs/{n}" for n in await migrate(logs, "logs")]
    except BaseException:
        await main.close()
        await logs.close()
        raise
    return main, logs, applied


async def _open_postgresql(config: Config) -> tuple[Store, Store, list[str]]:
    from clawrouter.db.postgres import PgDatabase  # asyncpg is imported only when configured

    db = PgDatabase(
        config.database.url,
        pool_size=config.database.readers + 2,
        timeout_ms=config.database.busy_timeout_ms,
    )
    await db.open()
    try:
        applied = [f"main/{n}" for n in await migrate(db, "main")]
        applied += [f"logs/{n}" for n in await migrate(db, "logs")]
    except BaseException:
        await db.close()
        raise
    return db, db, applied
