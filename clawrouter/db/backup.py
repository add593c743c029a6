"""Backups of the SQLite stores while the gateway serves, and their restore.

`backup` copies each store (clawrouter.db, then logs.db) with SQLite's online backup API in one
step: one read snapshot per file, taken under WAL without stopping the writer, so each copy is
consistent as of one moment. The copies are switched to rollback-journal mode (one self-contained
file each), checked (PRAGMA integrity_check) and described in backup.json with their sizes and
SHA-256. The session secret file goes along when there is one: it signs the login cookies and
derives the key of the stored two-factor secrets.

`restore` checks a backup the same way, refuses while a gateway has the stores open, keeps the
current files as <name>.before-restore, and writes each copy back with the backup API.
PostgreSQL stores are not handled here: pg_dump and pg_restore do that job.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from clawrouter.config import Config

MAIN, LOGS, SECRET, MANIFEST = "clawrouter.db", "logs.db", "session_secret", "backup.json"
FORMAT = 1


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why and what to do."""


def _sqlite_only(config: Config) -> None:
    if config.db_backend != "sqlite":
        raise BackupError(
            "the store is PostgreSQL (database.url): back it up with pg_dump and restore it with"
            " pg_restore (or psql); this command copies the SQLite stores only"
        )


@contextlib.contextmanager
def _connect(path: Path, timeout: float) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(path, timeout=timeout, isolation_level=None)
    try:
        yield conn
    finally:
        conn.close()


def _check(path: Path) -> None:
    with _connect(path, 5.0) as conn:
        result = conn.execute("PRAGMA integrity_check").fetchone()[0]
    if result != "ok":
        raise BackupError(f"{path} fails SQLite's integrity check: {result}")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _copy(src: Path, dst: Path, timeout: float) -> None:
    """src -> a new self-contained file dst, in one backup step (one consistent snapshot)."""
    with _connect(src, timeout) as source, _connect(dst, timeout) as target:
        source.backup(target)  # pages=-1: all at once, under one read transaction
        target.execute("PRAGMA journal_mode=DELETE")


def backup(config: Config, target: Path) -> dict[str, Any]:
    """Copy the stores (and the session secret file) into the new or empty directory target;
    returns the manifest written there as backup.json."""
    _sqlite_only(config)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BackupError(f"{target} exists and is not an empty directory; choose a new one")
    timeout = config.database.busy_timeout_ms / 1000
    files: dict[str, Any] = {}
    for src in (config.db_path, config.log_db_path):
        if not src.is_file():
            raise BackupError(f"no store at {src}: is --data-dir (or database.path) right?")
    target.mkdir(mode=0o700, parents=True, exist_ok=True)  # the stores hold upstream keys
    for name, src in ((MAIN, config.db_path), (LOGS, config.log_db_path)):
        partial = target / (name + ".partial")
        _copy(src, partial, timeout)
        _check(partial)
        partial.rename(target / name)
        os.chmod(target / name, 0o600)
        files[name] = {"bytes": (target / name).stat().st_size, "sha256": _sha256(target / name)}
    secret = config.data_dir / SECRET
    if secret.is_file():
        (target / SECRET).write_bytes(secret.read_bytes())
        os.chmod(target / SECRET, 0o600)
        files[SECRET] = {"bytes": secret.stat().st_size, "sha256": _sha256(target / SECRET)}
    manifest = {
        "format": FORMAT,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "files": files,
    }
    (target / MANIFEST).write_bytes(orjson.dumps(manifest, option=orjson.OPT_INDENT_2))
    return manifest


def verify(source: Path) -> dict[str, Any]:
    """The backup's manifest, after checking every file against it and SQLite's own check."""
    try:
        manifest = orjson.loads((source / MANIFEST).read_bytes())
    except (OSError, orjson.JSONDecodeError) as e:
        raise BackupError(f"{source} is not a ClawRouter backup (no readable {MANIFEST})") from e
    files = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(files, dict) or MAIN not in files or LOGS not in files:
        raise BackupError(f"{source / MANIFEST} does not list {MAIN} and {LOGS}")
    for name, info in files.items():
        path = source / name
        if name not in (MAIN, LOGS, SECRET) or not path.is_file():
            raise BackupError(f"{path} is missing")
        if _sha256(path) != info.get("sha256"):
            raise BackupError(f"{path} does not match its checksum in {MANIFEST}")
        if name != SECRET:
            _check(path)
    return manifest


def _in_use(path: Path, timeout: float) -> bool:
    """True when another process (a running gateway) has the store open."""
    with _connect(path, timeout) as conn:
        conn.execute("PRAGMA locking_mode=EXCLUSIVE")
        try:
            conn.execute("BEGIN EXCLUSIVE")
        except sqlite3.OperationalError:
            return True
        conn.execute("ROLLBACK")
    return False


def restore(config: Config, source: Path) -> list[str]:
    """Put a backup back into the configured stores; returns what was done, line by line."""
    _sqlite_only(config)
    manifest = verify(source)
    timeout = min(config.database.busy_timeout_ms / 1000, 2.0)
    targets = ((MAIN, config.db_path), (LOGS, config.log_db_path))
    for _, dst in targets:
        if dst.is_file() and _in_use(dst, timeout):
            raise BackupError(f"{dst} is in use: stop the gateway first, then restore")
    done = []
    for name, dst in targets:
        dst.parent.mkdir(parents=True, exist_ok=True)
        if dst.is_file():
            kept = dst.with_name(dst.name + ".before-restore")
            kept.unlink(missing_ok=True)
            _copy(dst, kept, timeout)
            done.append(f"kept the previous {dst} as {kept}")
        with _connect(source / name, timeout) as src, _connect(dst, timeout) as target:
            src.backup(target)
        done.append(f"restored {dst} from {source / name}")
    if SECRET in manifest["files"]:
        secret = config.data_dir / SECRET
        secret.parent.mkdir(parents=True, exist_ok=True)
        secret.write_bytes((source / SECRET).read_bytes())
        os.chmod(secret, 0o600)
        done.append(f"restored {secret}")
        if config.security.session_secret:
            done.append("note: security.session_secret is set and wins over that file")
    return done
