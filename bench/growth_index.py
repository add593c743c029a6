"""Channel and key growth (10 -> 100,000 of each): the gateway's startup time and RSS with that
many rows, CPU per relay request when every channel serves the requested model (one priority
tier of N: the worst case for selection) and the key used is one of N, and, in this process,
the relay state's own costs: full load (startup and full resync), one channel's resync, the
routing index rebuild, channel selection and key lookup per request, and the indexes' memory."""

from __future__ import annotations

import asyncio
import gc
import random
import time
import timeit
import tracemalloc
from pathlib import Path

from bench.growth_relay import MODEL, Rig, chat_body
from bench.procs import tree_usage

KEY_PREFIX = "growth"


def _channel(i: int, upstream: str) -> dict:
    return {
        "type": 1, "name": f"growth-{i}", "key": f"sk-up-{i}",
        "base_url": upstream, "models": MODEL, "group": "default", "status": 1,
        "weight": 1, "priority": 0, "created_time": 1_700_000_000,
    }  # fmt: skip


def _token(i: int) -> dict:
    return {
        "user_id": 1, "key": f"{KEY_PREFIX}{i:042d}", "status": 1, "name": f"growth-{i}",
        "created_time": 1_700_000_000, "expired_time": -1, "remain_quota": 0,
        "unlimited_quota": 1,
    }  # fmt: skip


async def _seed(path: Path, n: int, upstream: str) -> None:
    """Add channels and keys up to n of each (the bench's own channel and key are one each)."""
    from clawrouter.db.database import Database
    from clawrouter.db.repo import channels as channels_repo
    from clawrouter.db.repo import copy as copy_repo

    db = Database(path)
    await db.open()
    try:
        have = await copy_repo.count_rows(db, "channels")
        for start in range(have, n, 5000):
            rows = [_channel(i, upstream) for i in range(start, min(n, start + 5000))]
            await channels_repo.insert_channels(db, rows)
        have = await copy_repo.count_rows(db, "tokens")
        for start in range(have, n, 20_000):
            await copy_repo.write_rows(
                db, "tokens", [_token(i) for i in range(start, min(n, start + 20_000))]
            )
    finally:
        await db.close()


async def _state_costs(data: Path, n: int) -> dict:
    """The relay state's costs, measured on a RelayState over the seeded store."""
    from clawrouter.db.database import Database
    from clawrouter.jobs.usage_writer import UsageWriter
    from clawrouter.options.store import Options
    from clawrouter.relay.selection import pick
    from clawrouter.relay.state import RelayState

    main, logs = Database(data / "clawrouter.db"), Database(data / "logs.db")
    await main.open()
    await logs.open()
    try:
        options = Options(main)
        await options.load()
        writer = UsageWriter(main, logs)
        state = RelayState(main, options, writer, time.time, random.Random(1))
        t0 = time.perf_counter()
        await state.load_all()
        load_s = time.perf_counter() - t0
        gc.collect()
        tracemalloc.start()  # the memory the loaded state holds, on a second, traced state
        traced = RelayState(main, options, writer, time.time, random.Random(1))
        await traced.load_all()
        held = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        del traced
        t0 = time.perf_counter()
        await state.load_all()
        resync_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        await state.reload_channels([1])
        one_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        state.rebuild_index()
        rebuild_s = time.perf_counter() - t0
        rng, model = random.Random(2), MODEL
        reps = 2000
        sel = timeit.timeit(lambda: pick(state.tiers("default", model), (), rng), number=reps)
        key = f"{KEY_PREFIX}{n // 2:042d}"
        look = timeit.timeit(lambda: state.tokens.get(key), number=100_000)
        return {
            "load_ms": round(load_s * 1000, 1),
            "state_mb": round(held / 2**20, 1),
            "full_resync_ms": round(resync_s * 1000, 1),
            "one_channel_resync_ms": round(one_s * 1000, 2),
            "index_rebuild_ms": round(rebuild_s * 1000, 2),
            "select_us": round(sel / reps * 1e6, 2),
            "key_lookup_us": round(look / 100_000 * 1e6, 3),
        }
    finally:
        await main.close()
        await logs.close()


def run(work: Path, repo: Path, counts: list[int], seconds: float) -> list[dict]:
    out = []
    for count in counts:
        rig = Rig(work / f"n{count}", repo)
        upstream = f"http://127.0.0.1:{rig.up_port}"
        rig.gw.stop()
        asyncio.run(_seed(rig.work / "data" / "clawrouter.db", count, upstream))
        start_s = rig.start_gateway(timeout=600)
        try:
            idle_mb = tree_usage(rig.gw.pid)[0] / 2**20
            if count > 1:
                rig.key = f"sk-{KEY_PREFIX}{count // 2:042d}"
            req = rig.measure("/v1/chat/completions", chat_body(200, False), seconds)
        finally:
            rig.stop()
        costs = asyncio.run(_state_costs(rig.work / "data", count))
        row = {"n": count, "startup_s": round(start_s, 2), "idle_rss_mb": round(idle_mb, 1)}
        row |= {"req_cpu_us": req["cpu_us"], **costs}
        out.append(row)
        print(f"  {count:>7,} channels and keys  {row}")
    return out
