"""SQL that reads the request/consume logs (the log store); the usage writer inserts them."""

from __future__ import annotations

from dataclasses import dataclass, replace

from clawrouter.db.repo.rows import page
from clawrouter.db.store import Row, Store


@dataclass(frozen=True, slots=True)
class LogFilter:
    """Filters of the log lists; zero / empty values mean "any"."""

    type: int = 0
    start: int = 0
    end: int = 0
    user_id: int = 0
    username: str = ""
    token_name: str = ""
    model_name: str = ""  # a LIKE pattern
    model_escaped: bool = False  # the pattern escapes _ and ! with '!'
    channel: int = 0
    group: str = ""
    request_id: str = ""


def literal(pattern: str, escaped: bool) -> str | None:
    """The text a LIKE pattern matches when it holds no wildcard (% or an unescaped _), else None.
    Such a pattern is compared with = instead, which an index answers in id order (LIKE with a
    bound pattern is a scan of the whole table on both dialects)."""
    if not escaped:
        return None if "%" in pattern or "_" in pattern else pattern
    out, chars = [], iter(pattern)
    for c in chars:
        if c == "!":
            out.append(next(chars, "!"))
        elif c in "%_":
            return None
        else:
            out.append(c)
    return "".join(out)


def _model(f: LogFilter, dialect: str) -> tuple[str, str]:
    """The model_name condition and its parameter. LIKE ignores case on both stores (SQLite's
    ASCII case, as COLLATE NOCASE does; PostgreSQL's store runs it as ILIKE, as lower() = does),
    and each has an index on the same expression (idx_logs_model_nocase)."""
    exact = literal(f.model_name, f.model_escaped)
    if exact is not None:
        if dialect == "sqlite":
            return "model_name = ? COLLATE NOCASE", exact
        return "lower(model_name) = lower(?)", exact
    like = "model_name LIKE ? ESCAPE '!'" if f.model_escaped else "model_name LIKE ?"
    return like, f.model_name


def _where(f: LogFilter, dialect: str) -> tuple[str, list]:
    exact = (
        ("user_id", f.user_id), ("type", f.type), ("username", f.username),
        ("token_name", f.token_name), ("channel_id", f.channel), ('"group"', f.group),
        ("request_id", f.request_id),
    )  # fmt: skip
    where = [f"{col} = ?" for col, value in exact if value]
    params: list = [value for _, value in exact if value]
    if f.model_name:
        cond, value = _model(f, dialect)
        where.append(cond)
        params.append(value)
    if f.start:
        where.append("created_at >= ?")
        params.append(f.start)
    if f.end:
        where.append("created_at <= ?")
        params.append(f.end)
    return " AND ".join(where) or "1 = 1", params


async def page_logs(
    db: Store, f: LogFilter, offset: int, limit: int, *, count_cap: int = 0
) -> tuple[list[Row], int]:
    """Newest first; the total stops at count_cap when one is given."""
    clause, params = _where(f, db.dialect.name)
    return await page(db, "logs", clause, params, offset, limit, count_cap=count_cap)


async def log_stat(db: Store, f: LogFilter, since: int) -> tuple[int, int, int]:
    """(Σ quota of consume logs matching f, then the consume count and Σ tokens since `since`
    under the same filters but ignoring f's time range)."""
    clause, params = _where(replace(f, type=0), db.dialect.name)
    quota = await db.fetchval(
        f"SELECT COALESCE(SUM(quota), 0) FROM logs WHERE {clause} AND type = 2", params
    )
    clause, params = _where(replace(f, type=0, start=0, end=0), db.dialect.name)
    row = await db.fetchone(
        "SELECT COUNT(*) AS rpm, COALESCE(SUM(prompt_tokens + completion_tokens), 0) AS tpm"
        f" FROM logs WHERE {clause} AND type = 2 AND created_at >= ?",
        [*params, since],
    )
    assert row is not None
    return int(quota), int(row["rpm"]), int(row["tpm"])


async def recent_token_logs(db: Store, token_id: int, limit: int) -> list[Row]:
    """The newest `limit` log rows written under one API key."""
    return await db.fetchall(
        "SELECT * FROM logs WHERE token_id = ? ORDER BY id DESC LIMIT ?", (token_id, limit)
    )


async def delete_logs_batch(db: Store, before: int, limit: int) -> int:
    """Delete up to `limit` rows older than `before` in one short transaction; rows deleted."""
    return await db.execute(
        "DELETE FROM logs WHERE id IN (SELECT id FROM logs WHERE created_at < ? LIMIT ?)",
        (before, limit),
    )
