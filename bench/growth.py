"""`make growth`: how ClawRouter's costs grow (issue 15, item 3), tabled for docs/performance.md.

  relay    CPU per request and peak RSS vs prompt size and stream length (bench/growth_relay.py)
  index    startup, memory, selection, resync and key lookup vs channels and keys
           (bench/growth_index.py)
  logs     log list / filter / stat / dashboard query times vs log-table rows, and relay latency
           while a retention delete runs (bench/growth_logs.py)

The full run (10 M log rows) is long: seeding alone takes ~10 minutes. `--quick` scales every
axis down to finish in about two minutes. `--keep DIR` keeps (and reuses) the seeded data.
Prints Markdown tables and writes bench/results/growth-<time>.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
import urllib.request
from pathlib import Path

from bench import growth_index, growth_logs, growth_relay

REPO = Path(__file__).resolve().parent.parent
FULL = {
    "sizes": [1024, 10_240, 102_400, 1_048_576],
    "lengths": [10, 100, 1000, 10_000],
    "counts": [10, 1000, 10_000, 100_000],
    "logs": [10_000, 1_000_000, 10_000_000],
    "seconds": 3.0,
}
QUICK = {
    "sizes": [1024, 102_400, 1_048_576],
    "lengths": [10, 1000],
    "counts": [10, 10_000],
    "logs": [200_000],
    "seconds": 1.0,
}


def _ints(text: str) -> list[int]:
    return [int(float(x)) for x in text.split(",") if x.strip()]


def logs_section(work: Path, n: int) -> dict:
    """Seed n log rows under a gateway, time every query, then a retention delete of the oldest
    tenth (three days of the thirty) while relay requests are timed."""
    rig = growth_relay.Rig(work, REPO)
    try:
        rig.gw.stop()
        seeded = work / "logs.db"  # a log store seeded before (a long run): used as it is,
        kept = seeded.exists()  # migrated only (seed_s is then the migrations' time)
        if kept:
            for suffix in ("", "-wal", "-shm"):
                (work / "data" / f"logs.db{suffix}").unlink(missing_ok=True)
            seeded.rename(work / "data" / "logs.db")
        now = int(time.time())
        seed_s = growth_logs.seed_logs(
            work / "data" / "logs.db", 0 if kept else n, now, report=True
        )
        start_s = rig.start_gateway(timeout=3600)
        api = rig.admin()
        times = {
            label: round(growth_logs.timed(api, path), 1)
            for label, path in growth_logs.queries(now)
        }
        for label, ms in times.items():
            print(f"    {n:>11,} rows  {label:<26} {ms:>9.1f} ms")
        delete = _delete_while_relaying(rig, api, now - growth_logs.SPAN * 9 // 10)
        print(f"    retention delete: {delete}")
    finally:
        rig.stop()
    return {
        "rows": n,
        "seed_s": round(seed_s, 1),
        "startup_s": round(start_s, 2),
        "db_mb": round((work / "data" / "logs.db").stat().st_size / 2**20),
        "query_ms": times,
        "delete": delete,
    }


def _delete_while_relaying(rig: growth_relay.Rig, api, target: int) -> dict:
    """growth_logs.relay_during_delete, with the DELETE sent without a client timeout."""

    class LongApi:
        def call(self, method: str, path: str) -> object:
            req = urllib.request.Request(rig.base + path, method=method)
            req.add_header("New-Api-User", str(api.user_id))
            with api.opener.open(req, timeout=7200) as r:
                return json.loads(r.read())["data"]

    return growth_logs.relay_during_delete(LongApi(), rig.base, rig.key, target)  # type: ignore[arg-type]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="scaled down: about two minutes")
    ap.add_argument("--only", default="relay,index,logs", help="sections to run (comma list)")
    ap.add_argument("--sizes", help="prompt bytes, comma list")
    ap.add_argument("--lengths", help="stream events, comma list")
    ap.add_argument("--counts", help="channels and keys, comma list")
    ap.add_argument("--logs", help="log-table rows, comma list")
    ap.add_argument("--seconds", type=float, help="seconds of requests per measurement")
    ap.add_argument("--keep", type=Path, help="keep the data here (reused by the next run)")
    a = ap.parse_args()
    plan = dict(QUICK if a.quick else FULL)
    for name in ("sizes", "lengths", "counts", "logs"):
        if getattr(a, name):
            plan[name] = _ints(getattr(a, name))
    if a.seconds:
        plan["seconds"] = a.seconds
    work = a.keep or Path(tempfile.mkdtemp(prefix="clawrouter-growth-"))
    work.mkdir(parents=True, exist_ok=True)
    sections = {s.strip() for s in a.only.split(",")}
    results: dict = {"plan": plan, "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    t0 = time.monotonic()
    try:
        if "relay" in sections:
            print("relay: prompt size and stream length")
            results["relay"] = growth_relay.run(
                work / "relay", REPO, plan["sizes"], plan["lengths"], plan["seconds"]
            )
        if "index" in sections:
            print("index: channels and keys")
            results["index"] = growth_index.run(
                work / "index", REPO, plan["counts"], plan["seconds"]
            )
        if "logs" in sections:
            print("logs: log-table size")
            results["logs"] = [logs_section(work / f"logs-{n}", n) for n in plan["logs"]]
    finally:
        if a.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    results["seconds"] = round(time.monotonic() - t0)
    out = REPO / "bench" / "results" / f"growth-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1))
    print(tables(results))
    print(f"\nresults: {out} ({results['seconds']} s)")


def tables(r: dict) -> str:
    """The results as the Markdown tables of docs/performance.md, "Cost growth"."""
    out = []
    if "relay" in r:
        out += ["", "| path | prompt | CPU µs/req | peak RSS MB |", "|---|---:|---:|---:|"]
        out += [
            f"| {x['path']} | {x['bytes']:,} B | {x['cpu_us']:,} | {x['peak_rss_mb']} |"
            for x in r["relay"]["prompt"]
        ]
        out += ["", "| path | events | CPU µs/req | µs/event | peak RSS MB |"]
        out += ["|---|---:|---:|---:|---:|"]
        out += [
            f"| {x['path']} | {x['events']:,} | {x['cpu_us']:,} | {x['cpu_us_per_event']} |"
            f" {x['peak_rss_mb']} |"
            for x in r["relay"]["stream"]
        ]
    if "index" in r:
        cols = ["n", "startup_s", "idle_rss_mb", "req_cpu_us", "load_ms", "state_mb",
                "full_resync_ms", "one_channel_resync_ms", "index_rebuild_ms", "select_us",
                "key_lookup_us"]  # fmt: skip
        out += ["", "| " + " | ".join(cols) + " |", "|" + "---:|" * len(cols)]
        out += ["| " + " | ".join(f"{x[c]:,}" for c in cols) + " |" for x in r["index"]]
    if "logs" in r:
        runs = r["logs"]
        out += ["", "| query | " + " | ".join(f"{x['rows']:,} rows" for x in runs) + " |"]
        out += ["|---|" + "---:|" * len(runs)]
        for label in runs[0]["query_ms"]:
            out.append(
                f"| {label} | " + " | ".join(f"{x['query_ms'][label]} ms" for x in runs) + " |"
            )
        out += ["", "| rows | deleted | delete s | relay p50 alone | p50 during | p99 during |"]
        out += ["|---:|---:|---:|---:|---:|---:|"]
        for x in runs:
            d = x["delete"]
            out.append(
                f"| {x['rows']:,} | {d['deleted']:,} | {d['delete_s']} | {d['alone_p50_ms']} ms"
                f" | {d['during_p50_ms']} ms | {d['during_p99_ms']} ms |"
            )
    return "\n".join(out)


if __name__ == "__main__":
    main()
