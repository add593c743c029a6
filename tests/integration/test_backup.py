"""`python -m clawrouter backup PATH` while the gateway serves a steady load (a separate process
copying the live stores as the write-behind writer flushes every 20 ms), then `restore PATH`
into a new data directory: the restored stores are identical to the backup, each copy is one
consistent snapshot (totals written in one transaction agree), and a gateway on them serves the
same API key. restore refuses a store in use and keeps the files it replaces; PostgreSQL is
pointed at pg_dump."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
from pathlib import Path

import aiohttp
import orjson

from clawrouter.cli import main
from clawrouter.config import Config, replace
from tests.support.gateway import Gateway
from tests.support.upstreams import FakeUpstream

ENV = {k: v for k, v in os.environ.items() if not k.startswith("CLAWROUTER_")}
CHAT = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hello there"}]}


async def cli(*args: str) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "clawrouter", *args, env=ENV,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(proc.communicate(), 60)
    return proc.returncode or 0, out.decode()


def dump(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def query(path: Path, sql: str) -> tuple:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchone()
    finally:
        conn.close()


class Load:
    """Workers sending chat requests until stopped; `done` holds every answer's status."""

    def __init__(self, base: str, key: str, workers: int = 6) -> None:
        self.base, self.key = base, key
        self.done: list[int] = []
        self.progress, self.stop = asyncio.Event(), asyncio.Event()
        self.tasks = [asyncio.create_task(self.work()) for _ in range(workers)]

    async def work(self) -> None:
        hdrs = {"Authorization": f"Bearer {self.key}"}
        async with aiohttp.ClientSession() as http:
            while not self.stop.is_set():
                async with http.post(
                    self.base + "/v1/chat/completions", json=CHAT, headers=hdrs
                ) as resp:
                    await resp.read()
                    self.done.append(resp.status)
                    self.progress.set()

    async def until(self, count: int) -> None:
        while len(self.done) < count:
            self.progress.clear()
            await self.progress.wait()

    async def finish(self) -> None:
        self.stop.set()
        await asyncio.gather(*self.tasks)


async def test_backup_under_load_restores_to_an_identical_store(
    config: Config, upstream: FakeUpstream, tmp_path: Path
):
    config = replace(config, relay={"log_flush_interval_seconds": 0.02})
    data = config.server.data_dir
    gw = Gateway(config)
    await gw.start()
    try:
        await gw.setup_root()
        session = await gw.login("root", "rootpass123")
        await gw.add_channel(upstream.base_url, models="gpt-4o")
        key = await gw.add_token()
        cookies = {c.key: c.value for c in session.session.cookie_jar}
        load = Load(gw.base, key)
        await load.until(30)
        code, out = await cli("backup", str(tmp_path / "bk"), "--data-dir", data)
        await load.until(len(load.done) + 30)  # the load goes on after the copy
        await load.finish()
        assert code == 0, out
        done = load.done
        assert set(done) == {200}
    finally:
        await gw.stop()
    bk = tmp_path / "bk"
    manifest = orjson.loads((bk / "backup.json").read_bytes())
    assert set(manifest["files"]) == {"clawrouter.db", "logs.db", "session_secret"}
    # taken under load: some requests are in it, not all of them
    (copied,) = query(bk / "logs.db", "SELECT COUNT(*) FROM logs WHERE type = 2")
    (final,) = query(Path(data) / "logs.db", "SELECT COUNT(*) FROM logs WHERE type = 2")
    assert 0 < copied < final == len(done)
    # each file is one snapshot: totals each flush writes in one transaction agree
    logged, counted, quota, aggregated = query(
        bk / "logs.db",
        "SELECT (SELECT COUNT(*) FROM logs WHERE type = 2), (SELECT SUM(count) FROM quota_data),"
        " (SELECT SUM(quota) FROM logs WHERE type = 2), (SELECT SUM(quota) FROM quota_data)",
    )
    assert logged == counted and quota == aggregated
    user_used, tokens_used = query(
        bk / "clawrouter.db",
        "SELECT (SELECT used_quota FROM users WHERE id = 1),"
        " (SELECT SUM(used_quota) FROM tokens WHERE user_id = 1)",
    )
    assert user_used == tokens_used > 0

    restored = tmp_path / "restored"
    code, out = await cli("restore", str(bk), "--data-dir", str(restored))
    assert code == 0, out
    for name in ("clawrouter.db", "logs.db"):
        assert dump(restored / name) == dump(bk / name), name
    assert (restored / "session_secret").read_bytes() == (bk / "session_secret").read_bytes()

    gw2 = Gateway(replace(config, server={"data_dir": str(restored)}))
    await gw2.start()
    try:
        async with aiohttp.ClientSession() as http:
            hdrs = {"Authorization": f"Bearer {key}"}
            async with http.post(gw2.base + "/v1/chat/completions", json=CHAT, headers=hdrs) as r:
                assert r.status == 200, await r.text()
            # the old login cookie still works: the session secret came back
            hdrs = {"New-Api-User": str(session.user_id)}
            async with (
                aiohttp.ClientSession(cookies=cookies) as browser,
                browser.get(gw2.base + "/api/user/self", headers=hdrs) as r,
            ):
                body = await r.json()
                assert r.status == 200 and body["data"]["username"] == "root", body
        code, out = await cli("restore", str(bk), "--data-dir", str(restored))
        assert code == 1 and "in use: stop the gateway first" in out
    finally:
        await gw2.stop()
    code, out = await cli("restore", str(bk), "--data-dir", str(restored))
    assert code == 0 and "before-restore" in out
    assert (restored / "logs.db.before-restore").is_file()


async def test_backup_refusals(config: Config, tmp_path: Path, capsys):
    assert main(["backup", str(tmp_path / "b"), "--data-dir", str(tmp_path / "none")]) == 1
    assert "no store at" in capsys.readouterr().err
    not_a_backup = tmp_path / "junk"
    not_a_backup.mkdir()
    assert main(["restore", str(not_a_backup), "--data-dir", str(tmp_path / "d")]) == 1
    assert "is not a ClawRouter backup" in capsys.readouterr().err
    toml = tmp_path / "pg.toml"
    toml.write_text('[database]\nurl = "postgresql://claw:secret@127.0.0.1:5432/claw"\n')
    for command in ("backup", "restore"):
        assert main(["--config", str(toml), command, str(tmp_path / "b")]) == 2
        err = capsys.readouterr().err
        assert "pg_dump" in err and "secret" not in err.replace("session", "")
