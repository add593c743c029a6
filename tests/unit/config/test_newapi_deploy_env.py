"""new-api's deployment variables (PORT, SQLITE_PATH, timeouts, SYNC_FREQUENCY, BATCH_UPDATE_*,
NODE_TYPE, ...): each alias sets its ClawRouter setting in ClawRouter's form, a CLAWROUTER_*
variable still wins, and each ignored name is reported with its reason."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from clawrouter.config import ConfigError, env_warnings, load
from clawrouter.config_newapi import NEWAPI_ENV, NEWAPI_IGNORED, NEWAPI_SWITCHES

DOCS = Path(__file__).resolve().parents[3] / "docs" / "configuration.md"
# name, value, (section, key), expected
DEPLOYMENT = {
    "PORT": ("8080", ("server", "port"), 8080),
    "MAX_REQUEST_BODY_MB": ("64", ("server", "max_body_mb"), 64.0),
    "SQLITE_PATH": ("/data/one-api.db?_busy_timeout=30000", ("database", "path"), "/data/one-api.db"),
    "DEBUG": ("true", ("logging", "level"), "debug"),
    "SESSION_COOKIE_SECURE": ("true", ("security", "cookie_secure"), True),
    "RELAY_TIMEOUT": ("120", ("relay", "first_byte_timeout_seconds"), 120.0),
    "RELAY_RESPONSE_HEADER_TIMEOUT": ("90", ("relay", "first_byte_timeout_seconds"), 90.0),
    "STREAMING_TIMEOUT": ("45", ("relay", "stream_idle_timeout_seconds"), 45.0),
    "SYNC_FREQUENCY": ("30", ("relay", "sync_interval_seconds"), 30.0),
    "BATCH_UPDATE_INTERVAL": ("5", ("relay", "log_flush_interval_seconds"), 5.0),
}  # fmt: skip


def _get(cfg, where):
    return getattr(getattr(cfg, where[0]), where[1])


@pytest.mark.parametrize("name", sorted(DEPLOYMENT))
def test_each_deployment_alias(name: str):
    value, where, expected = DEPLOYMENT[name]
    assert NEWAPI_ENV[name] == where
    assert _get(load(env={name: value}), where) == expected
    assert _get(load(env={name: ""}), where) == _get(load(env={}), where), "empty is unset"
    ours = f"CLAWROUTER_{where[0]}_{where[1]}".upper()
    other = {"DEBUG": "warning", "SQLITE_PATH": "/x.db", "SESSION_COOKIE_SECURE": "false"}
    mine = other.get(name, "7")
    assert str(_get(load(env={name: value, ours: mine}), where)).lower() in (mine, "7.0")
    assert f"ignoring environment variable {name} (new-api): {ours} is set" in env_warnings(
        {name: value, ours: mine}
    )


def test_new_apis_zero_and_false_leave_the_setting_alone():
    default = load(env={})
    assert load(env={"RELAY_TIMEOUT": "0"}).relay.first_byte_timeout_seconds == (
        default.relay.first_byte_timeout_seconds
    )
    assert load(env={"DEBUG": "false"}).logging.level == default.logging.level
    # the header timeout is the closer match, so it wins over the whole-request one
    both = load(env={"RELAY_TIMEOUT": "600", "RELAY_RESPONSE_HEADER_TIMEOUT": "60"})
    assert both.relay.first_byte_timeout_seconds == 60


def test_bad_values_name_the_variable():
    with pytest.raises(ConfigError, match="PORT"):
        load(env={"PORT": "eighty"})
    with pytest.raises(ConfigError, match=r"server\.port"):
        load(env={"PORT": "70000"})


def test_ignored_names_are_reported_with_their_reason():
    warnings = env_warnings({"NODE_TYPE": "slave", "MEMORY_CACHE_ENABLED": "true", "TZ": "UTC"})
    assert warnings == [
        f"ignoring environment variable NODE_TYPE (new-api): {NEWAPI_IGNORED['NODE_TYPE']}",
        "ignoring environment variable MEMORY_CACHE_ENABLED (new-api): "
        + NEWAPI_IGNORED["MEMORY_CACHE_ENABLED"],
    ]
    assert env_warnings({"NODE_TYPE": ""}) == []
    assert not set(NEWAPI_IGNORED) & (set(NEWAPI_ENV) | set(NEWAPI_SWITCHES))


def test_the_docs_table_lists_every_name():
    text = DOCS.read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([A-Z0-9_]+)` \|", text, re.M))
    missing = (set(NEWAPI_ENV) | set(NEWAPI_SWITCHES) | set(NEWAPI_IGNORED)) - documented
    assert not missing, f"docs/configuration.md has no row for {sorted(missing)}"
