"""Log-table growth: fill a gateway's log store with N synthetic rows (through the store's own
bulk writer, db/repo/copy.write_rows), then time the admin and user log queries and the
dashboard's data queries over HTTP, and time relay requests while a retention delete runs."""

from __future__ import annotations

import asyncio
import statistics
import threading
import time
import urllib.request
from pathlib import Path

import orjson

from bench.gateway import Api

MODELS = [f"model-{i:02d}" for i in range(50)]  # model-07 is the one filtered on
USERS = 1000
CHANNELS = 100
SPAN = 30 * 86400  # the rows cover the last 30 days, oldest first
BATCH = 50_000


def _row(i: int, n: int, now: int) -> tuple:
    uid = i * 7919 % USERS + 1
    created = now - SPAN + i * SPAN // max(n, 1)
    kind = 2 if i % 20 else 5  # 5 % errors, the rest consume rows
    model = MODELS[i * 31 % len(MODELS)]
    other = f'{{"model_ratio":1,"group_ratio":1,"admin_info":{{"use_channel":[{i % CHANNELS}]}}}}'
    return (
        i + 1, uid, created, kind, "", f"user{uid}", f"key{i % 10}", model,
        (i % 500) * 10, 100 + i % 900, 20 + i % 300, 1 + i % 9, i % 2, i % CHANNELS + 1,
        uid * 10 + i % 10, "default", "127.0.0.1", f"req{i:012d}", "", other,
    )  # fmt: skip


def _hourly(n: int, now: int) -> list[dict]:
    """quota_data as the usage writer would have summed the rows: (user, model, hour) buckets."""
    hours = SPAN // 3600
    per = max(1, n // hours // USERS)
    out = []
    for h in range(hours):
        hour = (now - SPAN) // 3600 * 3600 + h * 3600
        for j in range(min(USERS, max(1, n // hours))):
            uid, model = j * 7919 % USERS + 1, MODELS[j * 31 % len(MODELS)]
            out.append({
                "user_id": uid, "username": f"user{uid}", "model_name": model,
                "created_at": hour, "token_used": per * 400, "count": per, "quota": per * 2500,
            })  # fmt: skip
    return out


COLUMNS = (
    "id", "user_id", "created_at", "type", "content", "username", "token_name", "model_name",
    "quota", "prompt_tokens", "completion_tokens", "use_time", "is_stream", "channel_id",
    "token_id", "group", "ip", "request_id", "upstream_request_id", "other",
)  # fmt: skip


async def _seed(path: Path, n: int, now: int, report: bool) -> None:
    from clawrouter.db.database import Database
    from clawrouter.db.migrate import migrate
    from clawrouter.db.repo import copy as copy_repo

    db = Database(path)
    await db.open()
    try:
        await migrate(db, "logs")
        have = await copy_repo.count_rows(db, "logs")
        if not have and n:
            await copy_repo.write_rows(db, "quota_data", _hourly(n, now))
        t0 = time.monotonic()
        for start in range(have, n, BATCH):
            stop = min(n, start + BATCH)
            rows = [dict(zip(COLUMNS, _row(i, n, now), strict=True)) for i in range(start, stop)]
            await copy_repo.write_rows(db, "logs", rows)
            if report and (start // BATCH) % 20 == 0:
                rate = (start - have + len(rows)) / max(time.monotonic() - t0, 1e-9)
                print(f"    seeded {start + len(rows):,} / {n:,} log rows ({rate:,.0f}/s)")
    finally:
        await db.close()


def seed_logs(path: Path, n: int, now: int, *, report: bool = False) -> float:
    """Fill `path` (the log store, gateway stopped) up to n rows; seconds taken."""
    t0 = time.monotonic()
    asyncio.run(_seed(path, n, now, report))
    return time.monotonic() - t0


def timed(api: Api, path: str, repeat: int = 3) -> float:
    """Median ms of GET path (the first call warms the page cache and is not counted)."""
    api.call("GET", path)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        api.call("GET", path)
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def queries(now: int) -> list[tuple[str, str]]:
    """(label, path) of every log and dashboard query the bench times."""
    day, week = f"start_timestamp={now - 86400}", f"start_timestamp={now - 7 * 86400}"
    rng = f"{day}&end_timestamp={now}"
    return [
        ("list, newest page", "/api/log/?p=1&page_size=10"),
        ("list, page 100", "/api/log/?p=100&page_size=10"),
        ("list, type=2", "/api/log/?p=1&page_size=10&type=2"),
        ("list, model", "/api/log/?p=1&page_size=10&model_name=model-07"),
        ("list, user", "/api/log/?p=1&page_size=10&username=user42"),
        ("list, token name", "/api/log/?p=1&page_size=10&token_name=key3"),
        ("list, channel", "/api/log/?p=1&page_size=10&channel=17"),
        ("list, last day", f"/api/log/?p=1&page_size=10&{rng}"),
        ("list, user + last week", f"/api/log/?p=1&page_size=10&username=user42&{week}"),
        ("list, model + last day", f"/api/log/?p=1&page_size=10&model_name=model-07&{day}"),
        ("stat, all time", "/api/log/stat?type=2"),
        ("stat, last day", f"/api/log/stat?type=2&{rng}"),
        ("stat, user", "/api/log/stat?type=2&username=user42"),
        ("stat, model + last week", f"/api/log/stat?type=2&model_name=model-07&{week}"),
        ("self list", "/api/log/self?p=1&page_size=10"),
        ("self list, model fuzzy", "/api/log/self?p=1&page_size=10&model_name=%25del-0%25"),
        ("self stat", "/api/log/self/stat?type=2"),
        ("data, last week", f"/api/data/?{week}&end_timestamp={now}"),
        ("data by user, last week", f"/api/data/users?{week}&end_timestamp={now}"),
        ("data self, last week", f"/api/data/self?{week}&end_timestamp={now}"),
    ]


def chat_ms(base: str, key: str, body: bytes) -> float:
    req = urllib.request.Request(base + "/v1/chat/completions", data=body, method="POST")
    req.add_header("Authorization", f"Bearer {key}")
    req.add_header("Content-Type", "application/json")
    t0 = time.perf_counter()
    with urllib.request.urlopen(req, timeout=60) as r:
        r.read()
    return (time.perf_counter() - t0) * 1000


def relay_during_delete(api: Api, base: str, key: str, target: int) -> dict:
    """Relay latencies alone, then while DELETE /api/log/ removes every row before target."""
    body = orjson.dumps({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]})
    alone = [chat_ms(base, key, body) for _ in range(50)]
    done: dict = {}

    def delete() -> None:
        t0 = time.perf_counter()
        done["deleted"] = api.call("DELETE", f"/api/log/?target_timestamp={target}")
        done["seconds"] = time.perf_counter() - t0

    th = threading.Thread(target=delete)
    th.start()
    during = []
    while th.is_alive():
        during.append(chat_ms(base, key, body))
        time.sleep(0.01)
    th.join()
    return {
        "deleted": done.get("deleted"),
        "delete_s": round(done.get("seconds", 0.0), 1),
        "alone_p50_ms": round(statistics.median(alone), 1),
        "alone_max_ms": round(max(alone), 1),
        "during_n": len(during),
        "during_p50_ms": round(statistics.median(during), 1) if during else None,
        "during_p99_ms": round(sorted(during)[int(len(during) * 0.99)], 1) if during else None,
        "during_max_ms": round(max(during), 1) if during else None,
    }
