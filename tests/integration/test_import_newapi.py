"""import-newapi: a new-api database (built from the reference schema, realistic rows; SQLite,
PostgreSQL and MySQL sources) imported into ClawRouter; afterwards its passwords sign in and its
sk- keys call the relay through the official openai SDK, a second run changes nothing, and a dry
run writes nothing."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

from clawrouter.config import Config
from clawrouter.db.repo import options as options_repo
from clawrouter.db.stores import open_stores
from clawrouter.keys import MAIN_DB
from clawrouter.newapi.importer import Report, run_import
from tests.support import newapi_db
from tests.support.gateway import Gateway
from tests.support.mysql import MysqlServer, find_server
from tests.support.sdk import openai_client
from tests.support.twofa import ClockGateway, login_2fa
from tests.support.upstreams import FakeUpstream


def counts(report: Report) -> dict[str, tuple[int, int, int, int, int]]:
    return {t.table: (t.source, t.insert, t.update, t.same, t.skipped) for t in report.tables}


async def test_dry_run_then_import_then_rerun_changes_nothing(
    config: Config, upstream: FakeUpstream, tmp_path: Path
):
    source = newapi_db.build_sqlite(tmp_path / "one-api.db", upstream.base_url)

    dry = await run_import(config, str(source), dry_run=True, with_logs=True)
    assert dry.dry_run and dry.kind == "sqlite"
    main, logs, _ = await open_stores(config)
    try:
        assert await main.fetchval("SELECT COUNT(*) FROM users") == 0
        assert await logs.fetchval("SELECT COUNT(*) FROM logs") == 0
    finally:
        await logs.close()
        if logs is not main:
            await main.close()

    done = await run_import(config, str(source), with_logs=True)
    # the dry run foretold exactly what the real run did
    assert counts(dry) == counts(done)
    got = counts(done)
    assert got["users"] == (3, 3, 0, 0, 0)
    assert got["tokens"] == (2, 2, 0, 0, 0)
    assert got["channels"] == (2, 2, 0, 0, 0)
    # 5 abilities kept; the one of a channel that no longer exists is skipped
    assert got["abilities"] == (6, 5, 0, 0, 1)
    assert got["redemptions"] == (1, 1, 0, 0, 0)
    assert got["two_fas"] == (1, 1, 0, 0, 0) and got["two_fa_backup_codes"] == (1, 1, 0, 0, 0)
    assert got["logs"] == (5, 5, 0, 0, 0) and got["quota_data"] == (1, 1, 0, 0, 0)
    # SystemName, QuotaPerUnit, RetryTimes; RegisterEnabled=maybe and ChatLink are skipped
    assert got["options"][0] == 5 and got["options"][4] == 2
    text = done.text()
    assert "RegisterEnabled" in text and "ChatLink" in text and "channel 99" in text
    assert "midjourneys" not in text  # tables ClawRouter does not import are not mentioned

    again = await run_import(config, str(source), with_logs=True)
    for table, (src, ins, upd, same, skipped) in counts(again).items():
        assert (ins, upd) == (0, 0), f"{table} changed on the second run"
        assert same + skipped == src, table


async def test_imported_password_and_key_work(config: Config, upstream: FakeUpstream, tmp_path):
    source = newapi_db.build_sqlite(tmp_path / "new-api.db", upstream.base_url)
    await run_import(config, str(source))
    gw = ClockGateway(config)
    await gw.start()
    try:
        alice = await gw.login("alice", newapi_db.ALICE_PASSWORD)
        assert alice.user_id == 2
        status, body = await alice.json("GET", "/api/user/self")
        assert status == 200 and body["data"]["group"] == "vip", body
        assert body["data"]["quota"] == 2_500_000
        # the management access token of new-api keeps working (stored here as a digest)
        script = gw.client(2)
        script.headers["Authorization"] = newapi_db.ALICE_ACCESS_TOKEN
        status, body = await script.json("GET", "/api/user/self")
        assert status == 200 and body["data"]["username"] == "alice", body
        # root had two-factor auth in new-api: the same authenticator app's codes work here
        code = gw.code(newapi_db.ROOT_TOTP_SECRET)
        root = await login_2fa(gw, "root", newapi_db.ROOT_PASSWORD, code)
        stored = await gw.app[MAIN_DB].fetchval("SELECT secret FROM two_fas WHERE user_id = 1")
        assert stored.startswith("enc1:") and newapi_db.ROOT_TOTP_SECRET not in stored
        # and so does its backup code
        await login_2fa(gw, "root", newapi_db.ROOT_PASSWORD, newapi_db.ROOT_BACKUP_CODE)
        status, body = await gw.client().json("GET", "/api/status")
        assert body["data"]["system_name"] == "Acme AI"

        client = openai_client(gw.base + "/v1", "sk-" + newapi_db.ALICE_KEY)
        try:
            reply = await client.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}]
            )
            assert reply.choices[0].message.content
            # the channel's model mapping, key and header override came along
            assert upstream.last.model == "gpt-4o-mini-2024-07-18"
            assert upstream.last.api_key == "sk-upstream-newapi-one"
            assert upstream.last.headers.get("X-Team") == "research"
            # the key's model limits came along too
            import openai

            with pytest.raises(openai.APIStatusError) as err:
                await client.chat.completions.create(
                    model="claude-3-5-haiku-20241022", messages=[{"role": "user", "content": "x"}]
                )
            assert 400 <= err.value.status_code < 500
        finally:
            await client.close()
        # a key deleted in new-api stays unusable
        deleted = openai_client(gw.base + "/v1", "sk-" + newapi_db.BOB_KEY)
        try:
            with pytest.raises(openai.AuthenticationError):
                await deleted.models.list()
        finally:
            await deleted.close()
        # the redemption code is there, unused
        status, body = await root.json("GET", "/api/redemption/?p=1&page_size=10")
        assert status == 200 and body["data"]["items"][0]["name"] == "welcome", body
    finally:
        await gw.stop()


async def test_a_taken_username_is_skipped_and_named(config: Config, tmp_path, upstream):
    source = newapi_db.build_sqlite(tmp_path / "one-api.db", upstream.base_url)
    gw = Gateway(config)
    await gw.start()
    try:
        await gw.setup_root()
        await gw.add_user("someone")  # id 2 here
        await gw.add_user("alice")  # id 3 here: new-api's alice is id 2
    finally:
        await gw.stop()
    report = await run_import(config, str(source))
    users = next(t for t in report.tables if t.table == "users")
    assert users.skipped == 2  # alice (taken by id 3) and bob (id 3 is someone else's)
    assert any("'alice' belongs to row 3" in n for n in users.notes), users.notes
    assert any("id 3: that id is another username ('alice' here)" in n for n in users.notes)
    # their keys are not handed to whoever holds their ids here
    tokens = next(t for t in report.tables if t.table == "tokens")
    assert tokens.skipped == 2 and "id 7: its user 3 was not imported" in tokens.notes
    main, logs, _ = await open_stores(config)
    try:
        options = await options_repo.list_options(main)
        assert options["SystemName"] == "Acme AI"
    finally:
        await logs.close()
        if logs is not main:
            await main.close()


def test_command_line_dry_run_and_bad_source(tmp_path: Path):
    source = newapi_db.build_sqlite(tmp_path / "one-api.db", "http://127.0.0.1:9")
    data = tmp_path / "data"
    run = [sys.executable, "-m", "clawrouter", "import-newapi", "--data-dir", str(data)]
    out = subprocess.run([*run, str(source), "--dry-run"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "dry run: nothing written" in out.stdout
    assert "users" in out.stdout and "channels" in out.stdout

    missing = subprocess.run([*run, str(tmp_path / "nope.db")], capture_output=True, text=True)
    assert missing.returncode == 1 and "no SQLite file" in missing.stderr
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    wrong = subprocess.run([*run, str(empty)], capture_output=True, text=True)
    assert wrong.returncode == 1 and "not a new-api or one-api database" in wrong.stderr


async def test_import_from_postgresql(config: Config, upstream, postgres_server, tmp_path):
    url = postgres_server.new_database(migrated=False)
    try:
        await newapi_db.build_postgres(url, upstream.base_url)
        report = await run_import(config, url, with_logs=True)
        assert report.kind == "postgresql"
        got = counts(report)
        assert got["users"] == (3, 3, 0, 0, 0) and got["tokens"] == (2, 2, 0, 0, 0)
        assert got["abilities"] == (6, 5, 0, 0, 1) and got["logs"][1] == 5
        again = counts(await run_import(config, url, with_logs=True))
        assert all((ins, upd) == (0, 0) for _, ins, upd, _, _ in again.values()), again
        main, logs, _ = await open_stores(config)
        try:
            bob = await main.fetchone("SELECT * FROM users WHERE id = 3")
            assert bob is not None and bob["deleted_at"] == 1762072215  # timestamptz -> unix
            token = await main.fetchone("SELECT * FROM tokens WHERE id = 1")
            assert token is not None and token["key"] == newapi_db.ALICE_KEY
            assert token["model_limits_enabled"] == 1  # boolean -> 0/1
        finally:
            await logs.close()
            if logs is not main:
                await main.close()
    finally:
        postgres_server.drop_database(url)


@pytest.fixture(scope="module")
def mysql_server():
    found = find_server()
    if found is None:
        pytest.skip("MariaDB/MySQL is not installed (apt-get install mariadb-server): skipped")
    try:
        import pymysql  # noqa: F401
    except ImportError:
        pytest.skip("PyMySQL is not installed (pip install pymysql): skipped")
    server = MysqlServer(*found)
    server.start()
    try:
        yield server
    finally:
        server.stop()


async def test_import_from_mysql(config: Config, upstream, mysql_server: MysqlServer):
    await asyncio.to_thread(
        newapi_db.build_mysql, "127.0.0.1", mysql_server.port, "newapi", upstream.base_url
    )
    dsn = mysql_server.dsn("newapi")  # new-api's own form: root@tcp(127.0.0.1:port)/newapi
    report = await run_import(config, dsn, with_logs=True)
    assert report.kind == "mysql"
    got = counts(report)
    assert got["users"] == (3, 3, 0, 0, 0) and got["tokens"] == (2, 2, 0, 0, 0)
    assert got["abilities"] == (6, 5, 0, 0, 1) and got["two_fas"] == (1, 1, 0, 0, 0)
    assert got["logs"][1] == 5 and got["options"][4] == 2
    again = counts(await run_import(config, dsn, with_logs=True))
    assert all((ins, upd) == (0, 0) for _, ins, upd, _, _ in again.values()), again
    main, logs, _ = await open_stores(config)
    try:
        bob = await main.fetchone("SELECT * FROM users WHERE id = 3")
        assert bob is not None and bob["deleted_at"] == 1762072215  # DATETIME -> unix
        channel = await main.fetchone("SELECT * FROM channels WHERE id = 4")
        assert channel is not None and channel["model_mapping"] == (
            '{"gpt-4o-mini":"gpt-4o-mini-2024-07-18"}'
        )
        log = await logs.fetchone("SELECT * FROM logs WHERE id = 2")
        assert log is not None and log["is_stream"] == 1  # tinyint(1) -> 0/1
    finally:
        await logs.close()
        if logs is not main:
            await main.close()
