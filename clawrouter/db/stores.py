"""Opening the two stores (main and logs) with their migrations applied."""

from __future__ import annotations

from clawrouter.config import Config
from clawrouter.db.database import Database
from clawrouter.db.migrate import migrate


async def open_stores(config: Config) -> tuple[Database, Database, list[str]]:
    """Open and migrate main and log databases; returns (main, logs, migrations applied)."""
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
