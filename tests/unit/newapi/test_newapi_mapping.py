"""import-newapi's pure parts: reading SOURCE strings (SQLite paths, PostgreSQL and MySQL DSNs in
new-api's forms), GORM's time forms, and the row mapping (keys, access tokens, NULLs, bools)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from clawrouter.db.newapi_source import (
    MysqlSource,
    PostgresSource,
    SqliteSource,
    describe,
    open_source,
)
from clawrouter.db.repo.users import access_token_digest
from clawrouter.newapi.mapping import TABLES, differs, map_row, unix_time

SPEC = {s.name: s for s in TABLES}


def test_sources_by_form():
    assert isinstance(open_source("/data/one-api.db"), SqliteSource)
    src = open_source("one-api.db?_busy_timeout=30000")
    assert isinstance(src, SqliteSource) and src.path == Path("one-api.db")
    assert open_source("sqlite:///data/x.db").path == Path("data/x.db")  # type: ignore[attr-defined]
    assert isinstance(open_source("postgres://u:p@db:5432/newapi"), PostgresSource)
    assert isinstance(open_source("postgresql://u@db/newapi"), PostgresSource)
    go = open_source("root:123456@tcp(localhost:3306)/oneapi?charset=utf8mb4&parseTime=True")
    assert isinstance(go, MysqlSource)
    assert go.params == {
        "host": "localhost", "port": 3306, "user": "root", "password": "123456",
        "database": "oneapi",
    }  # fmt: skip
    url = open_source("mysql://app:p%40ss@10.0.0.5/newapi")
    assert isinstance(url, MysqlSource)
    assert (url.params["host"], url.params["port"], url.params["password"]) == (
        "10.0.0.5",
        3306,
        "p@ss",
    )


def test_passwords_never_shown():
    assert describe("postgres://u:secret@db:5432/x") == "postgres://u:********@db:5432/x"
    assert describe("root:123456@tcp(db:3306)/oneapi") == "root:********@tcp(db:3306)/oneapi"
    assert describe("/data/one-api.db") == "/data/one-api.db"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        ("2025-11-02 08:30:15.123456789+00:00", 1762072215),  # GORM on SQLite, nanoseconds
        ("2025-11-02 16:30:15+08:00", 1762072215),
        ("2025-11-02T08:30:15Z", 1762072215),
        ("2025-11-02 08:30:15", 1762072215),  # no zone: UTC
        (datetime(2025, 11, 2, 8, 30, 15, tzinfo=UTC), 1762072215),
        (1762072215, 1762072215),
        ("not a time", 0),  # still deleted, at an unknown time
    ],
)
def test_unix_time(value, expected):
    assert unix_time(value) == expected


def test_user_row():
    row = map_row(
        SPEC["users"],
        {"ID": 2, "Username": "alice", "password": "$2a$10$x", "access_token": "tok",
         "aff_code": "", "quota": Decimal(5), "deleted_at": None, "stripe_customer": None,
         "not_a_column": 1},
    )  # fmt: skip
    assert row == {
        "id": 2, "username": "alice", "password": "$2a$10$x",
        "access_token": access_token_digest("tok"), "aff_code": None, "quota": 5,
        "deleted_at": None,
    }  # fmt: skip


def test_token_and_channel_rows():
    token = map_row(SPEC["tokens"], {"id": 1, "key": "sk-abc", "unlimited_quota": True})
    assert token == {"id": 1, "key": "abc", "unlimited_quota": 1}
    channel = map_row(
        SPEC["channels"],
        {"id": 4, "weight": None, "model_mapping": None, "balance": Decimal("1.25"),
         "channel_info": {"is_multi_key": False}},
    )  # fmt: skip
    # weight NULL is left to the default; model_mapping may be NULL; json decoded by a driver
    assert channel == {
        "id": 4, "model_mapping": None, "balance": 1.25, "channel_info": '{"is_multi_key":false}'
    }  # fmt: skip


def test_differs():
    assert not differs({"a": 1, "b": 0.1 + 0.2}, {"a": 1, "b": 0.3, "c": "x"})
    assert differs({"a": 1}, {"a": 2})
    assert differs({"a": None}, {"a": 0})
