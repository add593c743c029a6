"""SQL for verification_codes: one live code per (purpose, subject), stored as a SHA-256 digest
(a reader of the store cannot use a reset link), single use, expiring."""

from __future__ import annotations

import hashlib
import hmac

from clawrouter.db.store import Store


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode("utf-8")).hexdigest()


async def put_code(db: Store, purpose: str, subject: str, code: str, now: int, ttl: int) -> None:
    """Store a new code for (purpose, subject), replacing the previous one; codes expired for
    any subject are swept on the way, so the table stays small."""
    async with db.transaction() as tx:
        await tx.execute("DELETE FROM verification_codes WHERE created_at <= ?", (now - ttl,))
        await tx.execute(
            "INSERT INTO verification_codes (purpose, subject, code, created_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (purpose, subject)"
            " DO UPDATE SET code = excluded.code, created_at = excluded.created_at",
            (purpose, subject, _digest(code), now),
        )


async def take_code(db: Store, purpose: str, subject: str, code: str, now: int, ttl: int) -> bool:
    """True, and the code is gone, when `code` is the live code for (purpose, subject) and
    younger than `ttl` seconds; False otherwise (a wrong guess leaves the right code alone)."""
    async with db.transaction() as tx:
        row = await tx.fetchone(
            "SELECT code, created_at FROM verification_codes WHERE purpose = ? AND subject = ?",
            (purpose, subject),
        )
        if row is None:
            return False
        if now - row["created_at"] >= ttl:
            await tx.execute(
                "DELETE FROM verification_codes WHERE purpose = ? AND subject = ?",
                (purpose, subject),
            )
            return False
        if not hmac.compare_digest(row["code"], _digest(code)):
            return False
        await tx.execute(
            "DELETE FROM verification_codes WHERE purpose = ? AND subject = ?", (purpose, subject)
        )
        return True
