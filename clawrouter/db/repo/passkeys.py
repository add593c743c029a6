"""SQL for passkey_credentials: one WebAuthn credential per user (user_id is UNIQUE).

Binary values are stored as the reference stores them (standard base64 text): credential_id,
public_key (the COSE key) and transports as a JSON list, so a migrated new-api table reads as is.
Deleting is a hard delete (the reference's Unscoped delete), so the UNIQUE columns free up.
"""

from __future__ import annotations

from typing import Any

from clawrouter.db.repo.rows import insert_returning
from clawrouter.db.store import Row, Store


async def get_by_user(db: Store, user_id: int) -> Row | None:
    return await db.fetchone(
        "SELECT * FROM passkey_credentials WHERE user_id = ? AND deleted_at IS NULL", (user_id,)
    )


async def get_by_credential_id(db: Store, credential_id: str) -> Row | None:
    return await db.fetchone(
        "SELECT * FROM passkey_credentials WHERE credential_id = ? AND deleted_at IS NULL",
        (credential_id,),
    )


async def insert_credential(db: Store, fields: dict[str, Any]) -> Row:
    """Insert and return the stored row; DuplicateError when the user already has one (or the
    credential id is taken)."""
    return await insert_returning(db, "passkey_credentials", fields)


async def record_use(
    db: Store, row_id: int, sign_count: int, flags: dict[str, int], now: int
) -> bool:
    """Store a verified assertion's sign count, flags and time — only if the count moved
    forward (or the authenticator keeps no counter: both stored and new are 0). Checked in the
    UPDATE itself, so two racing assertions cannot both move it. False when refused."""
    changed = await db.execute(
        "UPDATE passkey_credentials SET sign_count = ?, user_verified = ?, backup_state = ?,"
        " last_used_at = ?, updated_at = ?"
        " WHERE id = ? AND ((? = 0 AND sign_count = 0) OR sign_count < ?)",
        (
            sign_count,
            flags["user_verified"],
            flags["backup_state"],
            now,
            now,
            row_id,
            sign_count,
            sign_count,
        ),
    )
    return changed > 0


async def set_clone_warning(db: Store, row_id: int, now: int) -> None:
    await db.execute(
        "UPDATE passkey_credentials SET clone_warning = 1, updated_at = ? WHERE id = ?",
        (now, row_id),
    )


async def delete_by_user(db: Store, user_id: int) -> int:
    return await db.execute("DELETE FROM passkey_credentials WHERE user_id = ?", (user_id,))
