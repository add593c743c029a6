"""How a new-api / one-api row becomes a ClawRouter row: which tables and columns are imported,
which may be NULL, which must stay unique, and the few values that change form. Pure: no I/O.

Columns ClawRouter does not have are dropped; columns the source lacks (one-api is older) are
left to the store's defaults. A NULL in a column ClawRouter keeps NOT NULL is left out, so the
default applies on insert and the stored value stays on update.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from clawrouter.db.repo.users import access_token_digest


@dataclass(frozen=True, slots=True)
class TableSpec:
    name: str
    columns: tuple[str, ...]  # besides the key
    key: tuple[str, ...] = ("id",)
    nullable: frozenset[str] = frozenset()
    unique: tuple[str, ...] = ()  # single columns another row may hold already
    alive_unique: bool = False  # unique only among rows not soft-deleted
    owner: str = ""  # the column naming the user a row belongs to (skipped with its user)
    times: tuple[str, ...] = ("deleted_at",)  # GORM DATETIME columns, stored as unix seconds
    what: str = ""  # for the report


def _cols(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_TIMES = ("created_time", "updated_time")
TABLES = (
    TableSpec(
        "users",
        _cols(
            "username password display_name role status email github_id discord_id oidc_id "
            "wechat_id telegram_id linux_do_id access_token quota used_quota request_count "
            "group aff_code aff_count aff_quota aff_history inviter_id setting remark "
            "stripe_customer created_at last_login_at deleted_at"
        ),
        nullable=frozenset({"access_token", "aff_code", "deleted_at"}),
        unique=("username", "aff_code", "access_token"),
        what="users (bcrypt password hashes kept)",
    ),
    TableSpec(
        "channels",
        _cols(
            "type key openai_organization test_model status name weight created_time "
            "test_time response_time base_url other balance balance_updated_time models group "
            "used_quota model_mapping status_code_mapping priority auto_ban other_info tag "
            "setting param_override header_override remark channel_info settings"
        ),
        nullable=frozenset(
            _cols(
                "openai_organization test_model model_mapping tag setting param_override "
                "header_override remark"
            )
        ),
        what="channels (keys, models, groups, priorities, weights, mappings, overrides)",
    ),
    TableSpec(
        "abilities",
        ("enabled", "priority", "weight", "tag"),
        key=("group", "model", "channel_id"),
        nullable=frozenset({"tag"}),
        what="abilities (the routing index)",
    ),
    TableSpec(
        "tokens",
        _cols(
            "user_id key status name created_time accessed_time expired_time remain_quota "
            "unlimited_quota model_limits_enabled model_limits allow_ips used_quota group "
            "cross_group_retry deleted_at"
        ),
        nullable=frozenset({"deleted_at"}),
        unique=("key",),
        owner="user_id",
        what="API keys (the same sk- keys)",
    ),
    TableSpec(
        "two_fas",
        _cols(
            "user_id secret is_enabled failed_attempts locked_until last_used_at created_at "
            "updated_at deleted_at"
        ),
        nullable=frozenset({"locked_until", "last_used_at", "deleted_at"}),
        unique=("user_id",),
        owner="user_id",
        times=("locked_until", "last_used_at", "created_at", "updated_at", "deleted_at"),
        what="two-factor secrets (sealed with this gateway's key)",
    ),
    TableSpec(
        "two_fa_backup_codes",
        _cols("user_id code_hash is_used used_at created_at deleted_at"),
        nullable=frozenset({"used_at", "deleted_at"}),
        owner="user_id",
        times=("used_at", "created_at", "deleted_at"),
        what="two-factor backup codes (bcrypt hashes)",
    ),
    TableSpec(
        "redemptions",
        _cols(
            "user_id key status name quota created_time redeemed_time used_user_id "
            "expired_time deleted_at"
        ),
        nullable=frozenset({"deleted_at"}),
        unique=("key",),
        what="redemption codes",
    ),
    TableSpec(
        "top_ups",
        _cols(
            "user_id amount money trade_no payment_method payment_provider create_time "
            "complete_time status"
        ),
        unique=("trade_no",),
        owner="user_id",
        what="top-up orders",
    ),
    TableSpec(
        "vendors",
        ("name", "description", "icon", "status", *_TIMES, "deleted_at"),
        nullable=frozenset({"deleted_at"}),
        unique=("name",),
        alive_unique=True,
        what="model vendors",
    ),
    TableSpec(
        "models",
        _cols(
            "model_name description icon tags vendor_id endpoints status sync_official "
            "name_rule created_time updated_time deleted_at"
        ),
        nullable=frozenset({"deleted_at"}),
        unique=("model_name",),
        alive_unique=True,
        what="model metadata",
    ),
    TableSpec(
        "prefill_groups",
        ("name", "type", "items", "description", *_TIMES, "deleted_at"),
        nullable=frozenset({"deleted_at"}),
        unique=("name",),
        alive_unique=True,
        what="prefill groups",
    ),
    TableSpec("setups", ("version", "initialized_at"), what="the setup marker"),
)
LOG_TABLES = (
    TableSpec(
        "logs",
        _cols(
            "user_id created_at type content username token_name model_name quota "
            "prompt_tokens completion_tokens use_time is_stream channel_id token_id group ip "
            "request_id other"
        ),
        owner="user_id",
        what="request logs (--logs)",
    ),
    TableSpec(
        "quota_data",
        ("user_id", "username", "model_name", "created_at", "token_used", "count", "quota"),
        owner="user_id",
        what="hourly usage data (--logs)",
    ),
)
_FRACTION = re.compile(r"(\.\d{6})\d+")


def unix_time(value: Any) -> int | None:
    """A GORM DATETIME (datetime, or SQLite's text form) as unix seconds; None stays None."""
    if value is None or value == "":
        return None
    if isinstance(value, int | float):
        return int(value)
    if isinstance(value, bytes):
        value = value.decode()
    if isinstance(value, str):
        text = _FRACTION.sub(r"\1", value.strip().replace("T", " ", 1))
        text = text.removesuffix("Z") + ("+00:00" if text.endswith("Z") else "")
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            return 0  # unreadable: still deleted, at an unknown time
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return int(value.timestamp())
    return 0


def _plain(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("utf-8", "replace")
    if isinstance(value, dict | list):  # a json column read by a driver that decodes it
        import orjson

        return orjson.dumps(value).decode()
    return value


def map_row(spec: TableSpec, row: dict[str, Any]) -> dict[str, Any]:
    """The ClawRouter row for a source row: known columns only, values in ClawRouter's form."""
    low = {k.lower(): v for k, v in row.items()}
    out: dict[str, Any] = {}
    for col in (*spec.key, *spec.columns):
        if col not in low:
            continue
        value = unix_time(low[col]) if col in spec.times else _plain(low[col])
        if spec.name == "users" and col in ("access_token", "aff_code"):
            if not value:
                value = None  # empty would collide with every other empty one
            elif col == "access_token":
                value = access_token_digest(value)  # ClawRouter keeps only a digest
        elif spec.name == "tokens" and col == "key" and isinstance(value, str):
            value = value.removeprefix("sk-")  # stored without the prefix, as new-api does
        if value is None and col not in spec.nullable:
            continue
        out[col] = value
    return out


def row_key(spec: TableSpec, row: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(row.get(k) for k in spec.key)


def differs(mapped: dict[str, Any], stored: dict[str, Any]) -> bool:
    """Whether writing `mapped` would change the stored row."""
    for col, value in mapped.items():
        have = stored.get(col)
        if isinstance(value, float) or isinstance(have, float):
            if have is None or value is None or abs(float(value) - float(have)) > 1e-9:
                return True
        elif have != value:
            return True
    return False
