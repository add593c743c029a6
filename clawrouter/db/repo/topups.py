"""SQL for the top_ups table (payment orders): the paged history lists, creating an order, and
the conditional status changes that make a credit happen once (pending -> success claimed by
one UPDATE inside the ledger's transaction)."""

from __future__ import annotations

from clawrouter.db.repo.rows import insert_row, like_escape, page
from clawrouter.db.store import Row, Store, Tx

PENDING, SUCCESS, EXPIRED, FAILED = "pending", "success", "expired", "failed"


async def page_topups(
    db: Store, offset: int, limit: int, *, user_id: int = 0, keyword: str = ""
) -> tuple[list[Row], int]:
    """Newest first; `user_id` 0 means everyone; `keyword` is a substring of trade_no."""
    where: list[str] = []
    params: list = []
    if user_id:
        where.append("user_id = ?")
        params.append(user_id)
    if keyword:
        where.append("trade_no LIKE ? ESCAPE '!'")
        params.append(f"%{like_escape(keyword)}%")
    return await page(db, "top_ups", " AND ".join(where) or "1 = 1", params, offset, limit)


async def insert_topup(db: Store, fields: dict) -> int:
    """A new order (the payment flows create them pending)."""
    return await insert_row(db, "top_ups", fields)


async def get_topup(db: Store, trade_no: str) -> Row | None:
    return await db.fetchone("SELECT * FROM top_ups WHERE trade_no = ?", (trade_no,))


async def claim_pending(
    tx: Tx, trade_no: str, now: int, *, provider: str = "", method: str = ""
) -> Row | None:
    """Mark a pending order paid and return it; None when it is not pending (already paid,
    expired, failed), unknown, or (with `provider`) another provider's. One UPDATE with the
    status in its WHERE: of two concurrent claims, one changes the row and the other nothing.
    `method` records the way the provider says it was paid (epay: alipay, wxpay, ...)."""
    sets, params = "status = ?, complete_time = ?", [SUCCESS, now]
    if method:
        sets += ", payment_method = ?"
        params.append(method)
    where, wparams = "trade_no = ? AND status = ?", [trade_no, PENDING]
    if provider:
        where += " AND payment_provider = ?"
        wparams.append(provider)
    rows = await tx.fetchall(
        f"UPDATE top_ups SET {sets} WHERE {where} RETURNING *", (*params, *wparams)
    )
    return rows[0] if rows else None


async def close_pending(db: Store, trade_no: str, status: str, provider: str) -> int:
    """A pending order the provider says will not be paid becomes `status` (expired, failed);
    an order already paid stays paid. Returns rows changed (0 or 1)."""
    return await db.execute(
        "UPDATE top_ups SET status = ? WHERE trade_no = ? AND status = ? AND payment_provider = ?",
        (status, trade_no, PENDING, provider),
    )


async def set_stripe_customer(tx: Tx, user_id: int, customer: str) -> None:
    """The Stripe customer id a paid checkout names, reused for the user's next checkout."""
    await tx.execute("UPDATE users SET stripe_customer = ? WHERE id = ?", (customer, user_id))
