"""A new-api database as new-api's GORM creates it (reference-management.md §3), filled with
realistic rows, in a SQLite file or a PostgreSQL database: the source of import-newapi tests.

Values are Python-typed here (bool, datetime); SQLite gets them as GORM writes them there
(0/1, "2025-01-02 03:04:05.123456789+00:00"), PostgreSQL as boolean and timestamptz.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import bcrypt

# {pk} {bool} {time} {real}: per dialect below. Quoted "group"/"key" as GORM quotes them.
DDL = """
CREATE TABLE users (id {pk}, username varchar(191) UNIQUE, password text NOT NULL, display_name text,
  role bigint DEFAULT 1, status bigint DEFAULT 1, email text, github_id text, discord_id text,
  oidc_id text, wechat_id text, telegram_id text, linux_do_id text, access_token char(32) UNIQUE,
  quota bigint DEFAULT 0, used_quota bigint DEFAULT 0, request_count bigint DEFAULT 0,
  "group" varchar(64) DEFAULT 'default', aff_code varchar(32) UNIQUE, aff_count bigint DEFAULT 0,
  aff_quota bigint DEFAULT 0, aff_history bigint DEFAULT 0, inviter_id bigint, setting text,
  remark varchar(255), stripe_customer varchar(64), created_at bigint,
  last_login_at bigint DEFAULT 0, deleted_at {time});
CREATE TABLE tokens (id {pk}, user_id bigint, "key" varchar(128) UNIQUE, status bigint DEFAULT 1,
  name text, created_time bigint, accessed_time bigint, expired_time bigint DEFAULT -1,
  remain_quota bigint DEFAULT 0, unlimited_quota {bool}, model_limits_enabled {bool},
  model_limits text, allow_ips text DEFAULT '', used_quota bigint DEFAULT 0,
  "group" text DEFAULT '', cross_group_retry {bool}, deleted_at {time});
CREATE TABLE channels (id {pk}, type bigint DEFAULT 0, "key" text NOT NULL,
  openai_organization text, test_model text, status bigint DEFAULT 1, name text,
  weight bigint DEFAULT 0, created_time bigint, test_time bigint, response_time bigint,
  base_url text DEFAULT '', other text, balance {real}, balance_updated_time bigint, models text,
  "group" varchar(64) DEFAULT 'default', used_quota bigint DEFAULT 0, model_mapping text,
  status_code_mapping varchar(1024) DEFAULT '', priority bigint DEFAULT 0,
  auto_ban bigint DEFAULT 1, other_info text, tag text, setting text, param_override text,
  header_override text, remark varchar(255), channel_info text, settings text);
CREATE TABLE abilities ("group" varchar(64), model varchar(255), channel_id bigint,
  enabled {bool}, priority bigint DEFAULT 0, weight bigint DEFAULT 0, tag text,
  PRIMARY KEY ("group", model, channel_id));
CREATE TABLE options ("key" varchar(191) PRIMARY KEY, value text);
CREATE TABLE redemptions (id {pk}, user_id bigint, "key" char(32) UNIQUE,
  status bigint DEFAULT 1, name text, quota bigint DEFAULT 100, created_time bigint,
  redeemed_time bigint, used_user_id bigint, expired_time bigint, deleted_at {time});
CREATE TABLE setups (id {pk}, version varchar(50), initialized_at bigint);
CREATE TABLE logs (id {pk}, user_id bigint, created_at bigint, type bigint, content text,
  username text DEFAULT '', token_name text DEFAULT '', model_name text DEFAULT '',
  quota bigint DEFAULT 0, prompt_tokens bigint DEFAULT 0, completion_tokens bigint DEFAULT 0,
  use_time bigint DEFAULT 0, is_stream {bool}, channel_id bigint, token_id bigint DEFAULT 0,
  "group" text, ip text DEFAULT '', request_id varchar(64) DEFAULT '', other text);
CREATE TABLE quota_data (id {pk}, user_id bigint, username varchar(64) DEFAULT '',
  model_name varchar(64) DEFAULT '', created_at bigint, token_used bigint DEFAULT 0,
  count bigint DEFAULT 0, quota bigint DEFAULT 0);
CREATE TABLE two_fas (id {pk}, user_id bigint UNIQUE, secret varchar(255), is_enabled {bool},
  failed_attempts bigint DEFAULT 0, locked_until {time}, last_used_at {time}, created_at {time},
  updated_at {time}, deleted_at {time});
CREATE TABLE two_fa_backup_codes (id {pk}, user_id bigint, code_hash text, is_used {bool},
  used_at {time}, created_at {time}, deleted_at {time});
CREATE TABLE midjourneys (id {pk}, code bigint, user_id bigint, action varchar(40));
"""
SQLITE_TYPES = {"pk": "integer PRIMARY KEY AUTOINCREMENT", "bool": "numeric", "time": "datetime",
                "real": "real"}  # fmt: skip
MYSQL_TYPES = {"pk": "bigint AUTO_INCREMENT PRIMARY KEY", "bool": "tinyint(1)",
               "time": "datetime(3) NULL", "real": "double"}  # fmt: skip
PG_TYPES = {"pk": "bigserial PRIMARY KEY", "bool": "boolean", "time": "timestamptz",
            "real": "numeric"}  # fmt: skip

ROOT_PASSWORD = "old-root-pass-1"
ALICE_PASSWORD = "alice-in-newapi"
ALICE_KEY = "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb7dEf0hIj3kLm6n"  # 48 chars, stored without sk-
BOB_KEY = "Zy9xWv8uTs7rQp6oNm5lKj4iHg3fEd2cBa1zYx0wVu9tSr8q"  # a deleted key
ALICE_ACCESS_TOKEN = "0123456789abcdef0123456789abcdef"
REDEMPTION = "5f1c0e9a2b7d4c3e8f6a1b2c3d4e5f60"
ROOT_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # base32, in clear as new-api keeps it
ROOT_BACKUP_CODE = "ABCD-EF12"
NOW = 1_764_000_000


def _hash(password: str) -> str:
    # new-api's Go bcrypt writes the $2a$ prefix at cost 10
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(10, prefix=b"2a")).decode()


def rows(upstream_url: str) -> dict[str, list[dict[str, Any]]]:
    deleted = datetime(2025, 11, 2, 8, 30, 15, 123456, tzinfo=UTC)
    user = {"display_name": "", "email": "", "github_id": "", "discord_id": "", "oidc_id": "",
            "wechat_id": "", "telegram_id": "", "linux_do_id": "", "inviter_id": 0,
            "setting": "", "remark": "", "stripe_customer": "", "deleted_at": None}  # fmt: skip
    channel = {"openai_organization": None, "test_model": None, "other": "", "balance": 0,
               "balance_updated_time": 0, "status_code_mapping": "", "other_info": "",
               "tag": None, "setting": None, "param_override": None, "header_override": None,
               "remark": None, "channel_info": '{"is_multi_key":false}', "settings": "",
               "test_time": 0, "response_time": 0, "used_quota": 0, "auto_ban": 1}  # fmt: skip
    return {
        "users": [
            {
                **user,
                "id": 1,
                "username": "root",
                "password": _hash(ROOT_PASSWORD),
                "display_name": "Root User",
                "role": 100,
                "status": 1,
                "quota": 100_000_000,
                "used_quota": 0,
                "request_count": 0,
                "group": "default",
                "aff_code": "Qx1a",
                "aff_count": 0,
                "aff_quota": 0,
                "aff_history": 0,
                "access_token": None,
                "created_at": NOW - 86400 * 90,
                "last_login_at": NOW - 3600,
            },
            {
                **user,
                "id": 2,
                "username": "alice",
                "password": _hash(ALICE_PASSWORD),
                "display_name": "Alice",
                "role": 1,
                "status": 1,
                "email": "alice@example.com",
                "quota": 2_500_000,
                "used_quota": 120_000,
                "request_count": 42,
                "group": "vip",
                "aff_code": "Al1c",
                "aff_count": 1,
                "aff_quota": 50_000,
                "aff_history": 50_000,
                "access_token": ALICE_ACCESS_TOKEN,
                "github_id": "1234567",
                "setting": '{"notify_type":"email","quota_warning_threshold":50000}',
                "created_at": NOW - 86400 * 30,
                "last_login_at": NOW - 7200,
            },
            {
                **user,
                "id": 3,
                "username": "bob",
                "password": _hash("bob-password"),
                "role": 1,
                "status": 2,
                "quota": 0,
                "used_quota": 0,
                "request_count": 0,
                "group": "default",
                "aff_code": "B0bb",
                "aff_count": 0,
                "aff_quota": 0,
                "aff_history": 0,
                "access_token": "",
                "inviter_id": 2,
                "created_at": NOW - 86400 * 10,
                "last_login_at": 0,
                "deleted_at": deleted,
            },
        ],
        "tokens": [
            {
                "id": 1,
                "user_id": 2,
                "key": ALICE_KEY,
                "status": 1,
                "name": "laptop",
                "created_time": NOW - 86400,
                "accessed_time": NOW - 60,
                "expired_time": -1,
                "remain_quota": 500_000,
                "unlimited_quota": False,
                "model_limits_enabled": True,
                "model_limits": "gpt-4o-mini,gpt-4o",
                "allow_ips": "",
                "used_quota": 20_000,
                "group": "",
                "cross_group_retry": False,
                "deleted_at": None,
            },
            {
                "id": 7,
                "user_id": 3,
                "key": BOB_KEY,
                "status": 1,
                "name": "old",
                "created_time": NOW - 86400 * 9,
                "accessed_time": 0,
                "expired_time": -1,
                "remain_quota": 0,
                "unlimited_quota": True,
                "model_limits_enabled": False,
                "model_limits": "",
                "allow_ips": "",
                "used_quota": 0,
                "group": "",
                "cross_group_retry": False,
                "deleted_at": deleted,
            },
        ],
        "channels": [
            {
                **channel,
                "id": 4,
                "type": 1,
                "key": "sk-upstream-newapi-one",
                "status": 1,
                "name": "openai-main",
                "weight": 10,
                "created_time": NOW - 86400 * 60,
                "base_url": upstream_url,
                "models": "gpt-4o-mini,gpt-4o",
                "group": "default,vip",
                "model_mapping": '{"gpt-4o-mini":"gpt-4o-mini-2024-07-18"}',
                "priority": 5,
                "tag": "openai",
                "param_override": '{"temperature":0.2}',
                "header_override": '{"X-Team":"research"}',
            },
            {
                **channel,
                "id": 9,
                "type": 14,
                "key": "sk-ant-disabled",
                "status": 2,
                "name": "claude-off",
                "weight": None,
                "created_time": NOW - 86400 * 20,
                "base_url": "",
                "models": "claude-3-5-haiku-20241022",
                "group": "vip",
                "model_mapping": None,
                "priority": None,
                "auto_ban": 0,
            },
        ],
        "abilities": [
            {
                "group": g,
                "model": m,
                "channel_id": 4,
                "enabled": True,
                "priority": 5,
                "weight": 10,
                "tag": "openai",
            }
            for g in ("default", "vip")
            for m in ("gpt-4o-mini", "gpt-4o")
        ]
        + [
            {
                "group": "vip",
                "model": "claude-3-5-haiku-20241022",
                "channel_id": 9,
                "enabled": False,
                "priority": 0,
                "weight": 0,
                "tag": None,
            },
            {
                "group": "default",
                "model": "ghost",
                "channel_id": 99,
                "enabled": True,
                "priority": 0,
                "weight": 0,
                "tag": None,
            },  # a channel deleted long ago
        ],
        "options": [
            {"key": "SystemName", "value": "Acme AI"},
            {"key": "QuotaPerUnit", "value": "500000"},
            {"key": "RetryTimes", "value": "2"},
            {"key": "RegisterEnabled", "value": "maybe"},  # not a bool: skipped, named
            {"key": "ChatLink", "value": "https://chat.example.com"},  # gone from new-api
        ],
        "redemptions": [
            {
                "id": 1,
                "user_id": 1,
                "key": REDEMPTION,
                "status": 1,
                "name": "welcome",
                "quota": 500_000,
                "created_time": NOW - 3600,
                "redeemed_time": 0,
                "used_user_id": 0,
                "expired_time": 0,
                "deleted_at": None,
            },
        ],
        "setups": [{"id": 1, "version": "v0.9.0", "initialized_at": NOW - 86400 * 90}],
        "two_fas": [
            {
                "id": 1,
                "user_id": 1,
                "secret": ROOT_TOTP_SECRET,
                "is_enabled": True,
                "failed_attempts": 0,
                "locked_until": None,
                "last_used_at": None,
                "created_at": datetime(2025, 9, 1, tzinfo=UTC),
                "updated_at": datetime(2025, 9, 1, tzinfo=UTC),
                "deleted_at": None,
            },
        ],
        "two_fa_backup_codes": [
            {
                "id": 1,
                "user_id": 1,
                "code_hash": _hash(ROOT_BACKUP_CODE),
                "is_used": False,
                "used_at": None,
                "created_at": datetime(2025, 9, 1, tzinfo=UTC),
                "deleted_at": None,
            },
        ],
        "logs": [
            {
                "id": i,
                "user_id": 2,
                "created_at": NOW - 600 + i,
                "type": 2,
                "content": "",
                "username": "alice",
                "token_name": "laptop",
                "model_name": "gpt-4o-mini",
                "quota": 150,
                "prompt_tokens": 20,
                "completion_tokens": 10,
                "use_time": 1,
                "is_stream": i % 2 == 0,
                "channel_id": 4,
                "token_id": 1,
                "group": "vip",
                "ip": "",
                "request_id": f"2025112{i}",
                "other": '{"model_ratio":0.075}',
            }
            for i in range(1, 6)
        ],
        "quota_data": [
            {
                "id": 1,
                "user_id": 2,
                "username": "alice",
                "model_name": "gpt-4o-mini",
                "created_at": NOW - NOW % 3600,
                "token_used": 150,
                "count": 5,
                "quota": 750,
            },
        ],
    }


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):  # GORM's SQLite text form, nanoseconds included
        return value.strftime("%Y-%m-%d %H:%M:%S.%f") + "000+00:00"
    if isinstance(value, bool):
        return int(value)
    return value


def build_sqlite(path: Path, upstream_url: str) -> Path:
    conn = sqlite3.connect(path)
    try:
        conn.executescript(DDL.format(**SQLITE_TYPES))
        for table, items in rows(upstream_url).items():
            for row in items:
                cols = ", ".join(f'"{c}"' for c in row)
                marks = ", ".join("?" for _ in row)
                conn.execute(
                    f"INSERT INTO {table} ({cols}) VALUES ({marks})",
                    [_sqlite_value(v) for v in row.values()],
                )
        conn.commit()
    finally:
        conn.close()
    return path


async def build_postgres(url: str, upstream_url: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        await conn.execute(DDL.format(**PG_TYPES))
        for table, items in rows(upstream_url).items():
            for row in items:
                cols = ", ".join(f'"{c}"' for c in row)
                marks = ", ".join(f"${i}" for i in range(1, len(row) + 1))
                await conn.execute(f"INSERT INTO {table} ({cols}) VALUES ({marks})", *row.values())
    finally:
        await conn.close()


def build_mysql(host: str, port: int, database: str, upstream_url: str) -> None:
    """The same database in MySQL (quoted names through ANSI_QUOTES, as GORM's backticks)."""
    import pymysql

    conn = pymysql.connect(host=host, port=port, user="root", autocommit=True)
    try:
        with conn.cursor() as cur:
            cur.execute(f"CREATE DATABASE {database} CHARACTER SET utf8mb4")
            cur.execute(f"USE {database}")
            cur.execute("SET SESSION sql_mode = 'ANSI_QUOTES'")
            for statement in DDL.format(**MYSQL_TYPES).split(";"):
                if statement.strip():
                    cur.execute(statement)
            for table, items in rows(upstream_url).items():
                for row in items:
                    cols = ", ".join(f'"{c}"' for c in row)
                    marks = ", ".join("%s" for _ in row)
                    values = [v.replace(tzinfo=None) if isinstance(v, datetime) else v
                              for v in row.values()]  # fmt: skip
                    cur.execute(f"INSERT INTO {table} ({cols}) VALUES ({marks})", values)
    finally:
        conn.close()
