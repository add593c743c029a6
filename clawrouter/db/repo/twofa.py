"""SQL for two_fas and two_fa_backup_codes."""

from __future__ import annotations

from clawrouter.db.database import Database


async def is_enabled(db: Database, user_id: int) -> bool:
    return bool(
        await db.fetchval(
            "SELECT COUNT(*) FROM two_fas"
            " WHERE user_id = ? AND is_enabled = 1 AND deleted_at IS NULL",
            (user_id,),
        )
    )
