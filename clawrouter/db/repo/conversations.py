"""SQL for stored_responses: conversations kept for the Responses API's previous_response_id
on channels that only speak chat completions."""

from __future__ import annotations

from clawrouter.db.store import Row, Store


async def insert_conversation(
    db: Store, response_id: str, user_id: int, created_at: int, messages: str
) -> None:
    await db.execute(
        "INSERT INTO stored_responses (id, user_id, created_at, messages) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (id) DO NOTHING",
        (response_id, user_id, created_at, messages),
    )


async def get_conversation(db: Store, response_id: str) -> Row | None:
    return await db.fetchone(
        "SELECT user_id, created_at, messages FROM stored_responses WHERE id = ?", (response_id,)
    )


async def delete_conversations_before(db: Store, cutoff: int) -> int:
    return await db.execute("DELETE FROM stored_responses WHERE created_at < ?", (cutoff,))
