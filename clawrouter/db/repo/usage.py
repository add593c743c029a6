"""SQL the usage writer flushes: balance deltas, token touches, log rows, hourly aggregates."""

from __future__ import annotations

from collections.abc import Sequence
from types import MappingProxyType

from clawrouter.db.store import Store, Tx

LOG_COLUMNS = (
    "user_id", "created_at", "type", "content", "username", "token_name", "model_name", "quota",
    "prompt_tokens", "completion_tokens", "use_time", "is_stream", "channel_id", "token_id",
    "group", "ip", "request_id", "upstream_request_id", "other",
)  # fmt: skip
_LOG_INSERT = (
    "INSERT INTO logs (" + ", ".join(f'"{c}"' for c in LOG_COLUMNS) + ") VALUES "
)  # fmt: skip
_LOG_ROW = "(" + ", ".join("?" for _ in LOG_COLUMNS) + ")"
# Log rows go in as multi-row INSERTs of up to LOG_CHUNK rows (19 parameters each, far below
# SQLite's and PostgreSQL's 32,766): one statement step per chunk instead of one per row, so
# SQLite's writer thread gives the GIL back and takes it again once per chunk, not once per row
# (docs/performance.md, "The log writer"). A batch's last rows go in chunks of powers of two,
# so only these nine statements exist: SQLite keeps each prepared one (~0.8 MB for 256 rows),
# and a statement per remainder length would keep up to 128 of them (~44 MB).
LOG_CHUNK = 256
_POWERS = tuple(LOG_CHUNK >> i for i in range(LOG_CHUNK.bit_length()))  # 256, 128, ... 1
_LOG_INSERTS = MappingProxyType({n: _LOG_INSERT + ", ".join([_LOG_ROW] * n) for n in _POWERS})


def _log_chunks(count: int) -> list[int]:
    """Chunk sizes for `count` rows: LOG_CHUNK as often as it fits, then the remainder's
    powers of two, largest first (600 -> 256, 256, 64, 16, 8)."""
    sizes = [LOG_CHUNK] * (count // LOG_CHUNK)
    rest = count % LOG_CHUNK
    size = LOG_CHUNK // 2
    while rest:
        if rest >= size:
            sizes.append(size)
            rest -= size
        size //= 2
    return sizes


async def apply_balances(
    db: Store,
    users: Sequence[tuple[int, int, int, int]],
    tokens: Sequence[tuple[int, int, int, int]],
    channels: Sequence[tuple[int, int]],
    statuses: Sequence[tuple[int, int]],
) -> None:
    """users: (quota_delta, used_delta, count_delta, id); tokens: (remain_delta, used_delta,
    accessed_time, id); channels: (used_delta, id); statuses: token (status, id)."""
    async with db.transaction() as tx:
        await apply_balances_in(tx, users, tokens, channels, statuses)


async def apply_balances_in(
    tx: Tx,
    users: Sequence[tuple[int, int, int, int]],
    tokens: Sequence[tuple[int, int, int, int]],
    channels: Sequence[tuple[int, int]],
    statuses: Sequence[tuple[int, int]],
) -> None:
    """apply_balances inside a transaction the caller holds (the ledger's). Rows are updated in
    id order, users before tokens, as the shared ledger locks them (no deadlock between them)."""
    users = sorted(users, key=lambda r: r[-1])
    tokens = sorted(tokens, key=lambda r: r[-1])
    await tx.executemany(
        "UPDATE users SET quota = quota + ?, used_quota = used_quota + ?,"
        " request_count = request_count + ? WHERE id = ?",
        users,
    )
    await tx.executemany(
        "UPDATE tokens SET remain_quota = remain_quota + ?, used_quota = used_quota + ?,"
        f" accessed_time = {tx.dialect.greatest}(accessed_time, ?) WHERE id = ?",
        tokens,
    )
    await tx.executemany("UPDATE channels SET used_quota = used_quota + ? WHERE id = ?", channels)
    await tx.executemany("UPDATE tokens SET status = ? WHERE id = ?", statuses)


async def insert_logs(
    db: Store,
    rows: Sequence[tuple],
    quota_data: Sequence[tuple[int, str, str, int, int, int, int]],
) -> None:
    """rows: tuples in LOG_COLUMNS order; quota_data: (user_id, username, model_name,
    hour, count, quota, token_used)."""
    async with db.transaction() as tx:
        start = 0
        for size in _log_chunks(len(rows)):
            part = rows[start : start + size]
            start += size
            await tx.execute(_LOG_INSERTS[size], [value for row in part for value in row])
        await tx.executemany(
            "INSERT INTO quota_data (user_id, username, model_name, created_at, count, quota,"
            " token_used) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (user_id, username, model_name, created_at) DO UPDATE SET"
            " count = quota_data.count + excluded.count,"
            " quota = quota_data.quota + excluded.quota,"
            " token_used = quota_data.token_used + excluded.token_used",
            quota_data,
        )


async def lock_balances(tx: Tx, user_ids: Sequence[int], token_ids: Sequence[int]) -> None:
    """Lock the rows whose balances the shared ledger is about to write (PostgreSQL: row locks
    held to the commit, taken in id order; SQLite's write transaction locks everything), so
    that of two writers the one that read Redis later also writes later."""
    await tx.executemany("UPDATE users SET quota = quota WHERE id = ?", [(i,) for i in user_ids])
    await tx.executemany(
        "UPDATE tokens SET remain_quota = remain_quota WHERE id = ?", [(i,) for i in token_ids]
    )


async def set_balances(
    tx: Tx, users: Sequence[tuple[int, int]], tokens: Sequence[tuple[int, int]]
) -> None:
    """For the shared ledger only: absolute balances read from Redis. users: (quota, id);
    tokens: (remain_quota, id)."""
    await tx.executemany("UPDATE users SET quota = ? WHERE id = ?", users)
    await tx.executemany("UPDATE tokens SET remain_quota = ? WHERE id = ?", tokens)
