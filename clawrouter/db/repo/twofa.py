"""SQL for two_fas and two_fa_backup_codes (TOTP 2FA), and whether a user has a passkey (the
second factors /api/verify can use)."""

from __future__ import annotations

from clawrouter.db.store import Row, Store, Tx


async def is_enabled(db: Store, user_id: int) -> bool:
    return bool(
        await db.fetchval(
            "SELECT COUNT(*) FROM two_fas"
            " WHERE user_id = ? AND is_enabled = 1 AND deleted_at IS NULL",
            (user_id,),
        )
    )


async def has_passkey(db: Store, user_id: int) -> bool:
    return bool(
        await db.fetchval(
            "SELECT COUNT(*) FROM passkey_credentials WHERE user_id = ? AND deleted_at IS NULL",
            (user_id,),
        )
    )


async def get_two_fa(db: Store, user_id: int) -> Row | None:
    return await db.fetchone(
        "SELECT * FROM two_fas WHERE user_id = ? AND deleted_at IS NULL", (user_id,)
    )


async def _insert_codes(tx: Tx, user_id: int, hashes: list[str], now: int) -> None:
    await tx.execute("DELETE FROM two_fa_backup_codes WHERE user_id = ?", (user_id,))
    for code_hash in hashes:
        await tx.execute(
            "INSERT INTO two_fa_backup_codes (user_id, code_hash, created_at) VALUES (?, ?, ?)",
            (user_id, code_hash, now),
        )


async def start_setup(db: Store, user_id: int, secret: str, hashes: list[str], now: int) -> bool:
    """Replace any pending (not enabled) setup with a new one and its backup codes; False,
    changing nothing, when 2FA is already enabled."""
    async with db.transaction() as tx:
        if await tx.fetchval(
            "SELECT COUNT(*) FROM two_fas WHERE user_id = ? AND is_enabled = 1", (user_id,)
        ):
            return False
        await tx.execute("DELETE FROM two_fas WHERE user_id = ?", (user_id,))
        await tx.execute(
            "INSERT INTO two_fas (user_id, secret, is_enabled, created_at, updated_at)"
            " VALUES (?, ?, 0, ?, ?)",
            (user_id, secret, now, now),
        )
        await _insert_codes(tx, user_id, hashes, now)
        return True


async def enable(db: Store, user_id: int, step: int, now: int) -> bool:
    """Turn a pending setup on; `step` (the code that proved it) cannot be used again."""
    changed = await db.execute(
        "UPDATE two_fas SET is_enabled = 1, failed_attempts = 0, locked_until = NULL,"
        " last_step = ?, last_used_at = ?, updated_at = ?"
        " WHERE user_id = ? AND is_enabled = 0 AND deleted_at IS NULL",
        (step, now, now, user_id),
    )
    return changed == 1


async def delete_two_fa(db: Store, user_id: int) -> bool:
    """Remove the user's 2FA and backup codes for good; False when it was not enabled."""
    async with db.transaction() as tx:
        enabled = await tx.fetchval(
            "SELECT COUNT(*) FROM two_fas WHERE user_id = ? AND is_enabled = 1", (user_id,)
        )
        if not enabled:
            return False
        await tx.execute("DELETE FROM two_fa_backup_codes WHERE user_id = ?", (user_id,))
        await tx.execute("DELETE FROM two_fas WHERE user_id = ?", (user_id,))
        return True


async def accept_step(db: Store, user_id: int, step: int, now: int) -> bool:
    """Record a TOTP code's time step as used, unless that step (or a later one) already was
    or the check is locked; a success clears the failure count."""
    changed = await db.execute(
        "UPDATE two_fas SET last_step = ?, failed_attempts = 0, locked_until = NULL,"
        " last_used_at = ?, updated_at = ?"
        " WHERE user_id = ? AND is_enabled = 1 AND last_step < ?"
        " AND (locked_until IS NULL OR locked_until <= ?)",
        (step, now, now, user_id, step, now),
    )
    return changed == 1


async def unused_backup_codes(db: Store, user_id: int) -> list[Row]:
    return await db.fetchall(
        "SELECT id, code_hash FROM two_fa_backup_codes"
        " WHERE user_id = ? AND is_used = 0 AND deleted_at IS NULL ORDER BY id",
        (user_id,),
    )


async def count_unused_backup_codes(db: Store, user_id: int) -> int:
    return int(
        await db.fetchval(
            "SELECT COUNT(*) FROM two_fa_backup_codes"
            " WHERE user_id = ? AND is_used = 0 AND deleted_at IS NULL",
            (user_id,),
        )
        or 0
    )


async def use_backup_code(db: Store, user_id: int, code_id: int, now: int) -> bool:
    """Mark a backup code used (once only) and clear the failure count."""
    async with db.transaction() as tx:
        used = await tx.execute(
            "UPDATE two_fa_backup_codes SET is_used = 1, used_at = ?"
            " WHERE id = ? AND user_id = ? AND is_used = 0",
            (now, code_id, user_id),
        )
        if used != 1:
            return False
        await tx.execute(
            "UPDATE two_fas SET failed_attempts = 0, locked_until = NULL, last_used_at = ?,"
            " updated_at = ? WHERE user_id = ?",
            (now, now, user_id),
        )
        return True


async def replace_backup_codes(db: Store, user_id: int, hashes: list[str], now: int) -> None:
    async with db.transaction() as tx:
        await _insert_codes(tx, user_id, hashes, now)


async def record_failure(
    db: Store, user_id: int, now: int, max_failures: int, lock_seconds: int
) -> tuple[int, int]:
    """Count one wrong code; from max_failures on, lock for lock_seconds. Returns the count
    and the lock's end (0 when not locked). The count goes back to 0 only on a success, so
    after a lock ends one more wrong code locks again (as the reference)."""
    async with db.transaction() as tx:
        row = await tx.fetchone(
            "UPDATE two_fas SET failed_attempts = failed_attempts + 1,"
            " locked_until = CASE WHEN failed_attempts + 1 >= ? THEN ? ELSE locked_until END,"
            " updated_at = ? WHERE user_id = ? RETURNING failed_attempts, locked_until",
            (max_failures, now + lock_seconds, now, user_id),
        )
    if row is None:
        return 0, 0
    return int(row["failed_attempts"]), int(row["locked_until"] or 0)


async def stats(db: Store) -> tuple[int, int]:
    """(live users, live users with 2FA enabled)."""
    total = await db.fetchval("SELECT COUNT(*) FROM users WHERE deleted_at IS NULL")
    enabled = await db.fetchval(
        "SELECT COUNT(*) FROM two_fas JOIN users ON users.id = two_fas.user_id"
        " WHERE two_fas.is_enabled = 1 AND two_fas.deleted_at IS NULL"
        " AND users.deleted_at IS NULL"
    )
    return int(total or 0), int(enabled or 0)
