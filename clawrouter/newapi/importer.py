"""`import-newapi`: copy a new-api / one-api database into ClawRouter's store.

Rows keep their ids (or, for abilities and options, their keys), so the same keys, users and
channels are found where clients and scripts expect them, and a second run updates in place:
a row that would not change is counted as unchanged, never written twice. With dry_run nothing
is written and the report says what a real run would do. A row whose unique value (a username,
an API key, a redemption code, ...) already belongs to another row here is skipped and named.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from clawrouter.config import Config
from clawrouter.db.newapi_source import Source, SourceError, describe, open_source
from clawrouter.db.repo import imports, setups, users
from clawrouter.db.repo import options as options_repo
from clawrouter.db.store import Row, Store
from clawrouter.db.stores import open_stores
from clawrouter.newapi.mapping import LOG_TABLES, TABLES, TableSpec, differs, map_row
from clawrouter.newapi.report import Report, TableReport
from clawrouter.newapi.twofa import sealed_secret, twofa_key
from clawrouter.options.defaults import specs as option_specs
from clawrouter.options.registry import OptionError, normalise

_SECRET_COLUMNS = frozenset({"key", "access_token", "secret", "code_hash"})


@dataclass
class Run:
    """One import's settings and what earlier tables decided for later ones."""

    dry_run: bool
    batch: int
    twofa_key: bytes  # seals two-factor secrets as this gateway's own are sealed
    owners: set[int] | None = None  # users imported (or already the same); None: no users table

    def owned(self, spec: TableSpec, row: dict[str, Any]) -> bool:
        """Whether the row's user was imported (a row of another user would land on whoever
        holds that id here)."""
        if not spec.owner or self.owners is None:
            return True
        owner = row.get(spec.owner)
        return owner in self.owners or (spec.name in ("logs", "quota_data") and not owner)


def _clash(spec: TableSpec, m: dict[str, Any], before: Row | None, held: dict) -> str | None:
    """Why `m` cannot be written here, or None."""
    for col in spec.unique:
        holder = held[col].get(m.get(col), m["id"])
        if holder != m["id"]:
            shown = "" if col in _SECRET_COLUMNS else f" {m[col]!r}"
            return f"id {m['id']}: its {col}{shown} belongs to row {holder} here"
    ident = spec.unique[0] if spec.unique else None
    if before is not None and ident and ident in m and before.get(ident) != m[ident]:
        shown = "" if ident in _SECRET_COLUMNS else f" ({before.get(ident)!r} here)"
        return f"id {m['id']}: that id is another {ident}{shown}"
    return None


async def _import_rows(
    db: Store, spec: TableSpec, rows: list[dict[str, Any]], rep: TableReport, run: Run
) -> list[dict[str, Any]]:
    """Compare one batch with the store, write the new and changed rows; returns those kept."""
    rep.source += len(rows)
    mapped = []
    for m in (map_row(spec, r) for r in rows):
        if m.get("id") is None:
            continue
        if not run.owned(spec, m):
            rep.skipped += 1
            rep.note(f"id {m['id']}: its user {m.get(spec.owner)} was not imported")
            continue
        mapped.append(m)
    stored = await imports.rows_by_id(db, spec.name, [m["id"] for m in mapped])
    held: dict[str, dict[Any, Any]] = {}
    for col in spec.unique:
        values = [
            m[col]
            for m in mapped
            if m.get(col) is not None and not (spec.alive_unique and m.get("deleted_at"))
        ]
        held[col] = await imports.holders(db, spec.name, col, values, alive_only=spec.alive_unique)
    write, kept = [], []
    for m in mapped:
        before = stored.get(m["id"])
        why = _clash(spec, m, before, held)
        if why is not None:
            rep.skipped += 1
            rep.note(why)
            continue
        if spec.name == "two_fas" and m.get("secret"):
            m["secret"] = sealed_secret(run.twofa_key, m, before)
        kept.append(m)
        if before is None:
            rep.insert += 1
            write.append(m)
        elif differs(m, before):
            rep.update += 1
            write.append(m)
        else:
            rep.same += 1
    if write and not run.dry_run:
        await imports.upsert_rows(db, spec.name, spec.key, write)
    return kept


async def _import_table(
    src: Source, db: Store, spec: TableSpec, rep: TableReport, run: Run
) -> list[dict[str, Any]]:
    kept: list[dict[str, Any]] = []
    async for rows in src.rows(spec.name, run.batch):
        kept += await _import_rows(db, spec, rows, rep, run)
    if spec.name == "users":
        odd = [m["username"] for m in kept if not str(m.get("password", "")).startswith("$2")]
        if odd:
            rep.note(
                f"{len(odd)} users have no bcrypt password (e.g. {odd[0]!r}): they sign in "
                "with an outside account, or an admin runs reset-password"
            )
    return kept


async def _import_abilities(
    src: Source, db: Store, spec: TableSpec, rep: TableReport, dry_run: bool, channels: set[int]
) -> None:
    """The abilities of every imported channel become the source's, exactly."""
    wanted: dict[int, list[dict[str, Any]]] = {cid: [] for cid in channels}
    async for rows in src.rows("abilities"):
        rep.source += len(rows)
        for m in (map_row(spec, r) for r in rows):
            if m.get("channel_id") not in channels:
                rep.skipped += 1
                rep.note(f"{m.get('model')!r} in group {m.get('group')!r}: channel "
                         f"{m.get('channel_id')} was not imported")  # fmt: skip
                continue
            m.setdefault("enabled", 1)
            wanted[m["channel_id"]].append(m)
    have: dict[int, set[tuple[Any, ...]]] = {}
    for row in await imports.abilities_of(db, sorted(channels)):
        have.setdefault(row["channel_id"], set()).add(_ability(row))
    changed: list[int] = []
    for cid, rows in wanted.items():
        new = {_ability(r) for r in rows}
        old = have.get(cid, set())
        rep.same += len(new & old)
        rep.insert += len(new - old)
        if new != old:
            changed.append(cid)
    if changed and not dry_run:
        rows = [r for cid in changed for r in wanted[cid]]
        await imports.replace_abilities(db, changed, rows)


def _ability(row: dict[str, Any]) -> tuple[Any, ...]:
    return (row.get("group"), row.get("model"), row.get("channel_id"),
            int(row.get("enabled") or 0), int(row.get("priority") or 0),
            int(row.get("weight") or 0), row.get("tag"))  # fmt: skip


async def _import_options(src: Source, db: Store, rep: TableReport, dry_run: bool) -> None:
    known = {s.key: s for s in option_specs()}
    stored = await options_repo.list_options(db)
    write: dict[str, str] = {}
    unknown: list[str] = []
    async for rows in src.rows("options"):
        for row in rows:
            low = {k.lower(): v for k, v in row.items()}
            key, value = str(low.get("key")), low.get("value")
            rep.source += 1
            if key not in known:
                rep.skipped += 1
                unknown.append(key)
                continue
            try:
                text = normalise(known[key], "" if value is None else str(value))
            except OptionError as e:
                rep.skipped += 1
                rep.note(f"{key}: {e}")
                continue
            if stored.get(key) == text:
                rep.same += 1
            else:
                rep.insert += key not in stored
                rep.update += key in stored
                write[key] = text
    if unknown:
        names = ", ".join(sorted(unknown)[:8]) + (", ..." if len(unknown) > 8 else "")
        rep.note(f"{len(unknown)} options ClawRouter does not have: {names}")
    if write and not dry_run:
        await options_repo.upsert_options(db, write)


async def _import_logs(src: Source, db: Store, spec: TableSpec, rep: TableReport, run: Run):
    async for rows in src.rows(spec.name, run.batch):
        rep.source += len(rows)
        mapped = [m for m in (map_row(spec, r) for r in rows) if m.get("id") is not None]
        owned = [m for m in mapped if run.owned(spec, m)]
        if len(owned) < len(mapped):
            rep.skipped += len(mapped) - len(owned)
            rep.note(f"{len(mapped) - len(owned)} rows of users that were not imported")
        present = await imports.ids_present(db, spec.name, [m["id"] for m in owned])
        new = [m for m in owned if m["id"] not in present]
        rep.same += len(owned) - len(new)
        rep.insert += len(new)
        if new and not run.dry_run:
            await imports.insert_new(db, spec.name, new)


async def run_import(
    config: Config,
    source: str,
    *,
    dry_run: bool = False,
    with_logs: bool = False,
    logs_source: str = "",
    batch: int = 1000,
    progress: Callable[[str], None] | None = None,
) -> Report:
    """Import `source` into the configured store; raises SourceError when it cannot be read."""
    src = open_source(source)
    await src.open()
    try:
        tables = await src.tables()
        if not {"users", "channels"} <= tables:
            raise SourceError(
                f"{describe(source)} has no users and channels tables: not a new-api or one-api"
                " database"
            )
        report = Report(describe(source), src.kind, dry_run)
        run = Run(dry_run, batch, twofa_key(config))
        main, logs, _ = await open_stores(config)
        try:
            await _import_main(src, main, tables, report, run, progress)
            if with_logs:
                log_src = open_source(logs_source) if logs_source else src
                if log_src is not src:
                    await log_src.open()
                try:
                    await _import_log_tables(log_src, logs, report, run, progress)
                finally:
                    if log_src is not src:
                        await log_src.close()
        finally:
            await logs.close()
            if logs is not main:
                await main.close()
    finally:
        await src.close()
    return report


async def _import_main(
    src: Source,
    db: Store,
    tables: set[str],
    report: Report,
    run: Run,
    progress: Callable[[str], None] | None,
) -> None:
    channels = await imports.channel_ids(db)
    written: list[str] = []
    for spec in TABLES:
        if spec.name not in tables:
            report.absent.append(spec.name)
            continue
        if progress:
            progress(spec.name)
        rep = TableReport(spec.name, spec.what)
        report.tables.append(rep)
        if spec.name == "abilities":
            await _import_abilities(src, db, spec, rep, run.dry_run, channels)
            continue
        kept = await _import_table(src, db, spec, rep, run)
        written.append(spec.name)
        if spec.name == "channels":
            channels |= {m["id"] for m in kept}
        elif spec.name == "users":
            run.owners = {m["id"] for m in kept}
    if "options" in tables:
        rep = TableReport("options", "options (only those ClawRouter defines, checked)")
        report.tables.append(rep)
        await _import_options(src, db, rep, run.dry_run)
    if run.dry_run:
        return
    await db.sync_ids(written)
    if not await setups.is_initialised(db) and await users.root_exists(db):
        async with db.transaction() as tx:  # one-api has no setups table
            await setups.insert_setup(tx, "import-newapi", int(time.time()))


async def _import_log_tables(
    src: Source,
    db: Store,
    report: Report,
    run: Run,
    progress: Callable[[str], None] | None,
) -> None:
    tables = await src.tables()
    written = []
    for spec in LOG_TABLES:
        if spec.name not in tables:
            report.absent.append(spec.name)
            continue
        if progress:
            progress(spec.name)
        rep = TableReport(spec.name, spec.what)
        report.tables.append(rep)
        await _import_logs(src, db, spec, rep, run)
        written.append(spec.name)
    if written and not run.dry_run:
        await db.sync_ids(written)
