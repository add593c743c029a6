"""new-api's environment variables as aliases of ClawRouter's settings: each alias, its switch,
the precedence (TOML < new-api variable < CLAWROUTER_* variable) and the refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from clawrouter.config import NEWAPI_ENV, NEWAPI_SWITCHES, ConfigError, env_warnings, load

ALIASES = [
    ("GLOBAL_API_RATE_LIMIT", "api_rate_limit", 180),
    ("GLOBAL_API_RATE_LIMIT_DURATION", "api_rate_window_seconds", 180),
    ("GLOBAL_WEB_RATE_LIMIT", "web_rate_limit", 60),
    ("GLOBAL_WEB_RATE_LIMIT_DURATION", "web_rate_window_seconds", 180),
    ("CRITICAL_RATE_LIMIT", "critical_rate_limit", 20),
    ("CRITICAL_RATE_LIMIT_DURATION", "critical_rate_window_seconds", 1200),
    ("SEARCH_RATE_LIMIT", "search_rate_limit", 10),
    ("SEARCH_RATE_LIMIT_DURATION", "search_rate_window_seconds", 60),
]
SWITCHES = [
    ("GLOBAL_API_RATE_LIMIT_ENABLE", "api_rate_limit"),
    ("GLOBAL_WEB_RATE_LIMIT_ENABLE", "web_rate_limit"),
    ("CRITICAL_RATE_LIMIT_ENABLE", "critical_rate_limit"),
    ("SEARCH_RATE_LIMIT_ENABLE", "search_rate_limit"),
]


def test_the_tables_cover_new_apis_names():
    others = {"SESSION_SECRET", "TASK_TIMEOUT_MINUTES", "SQL_DSN"}
    others |= {"REDIS_CONN_STRING"}  # tests/integration/test_change_feed.py
    others |= {  # deployment names: tests/unit/config/test_newapi_deploy_env.py
        "PORT", "MAX_REQUEST_BODY_MB", "SQLITE_PATH", "DEBUG", "SESSION_COOKIE_SECURE",
        "RELAY_TIMEOUT", "RELAY_RESPONSE_HEADER_TIMEOUT", "STREAMING_TIMEOUT", "SYNC_FREQUENCY",
        "BATCH_UPDATE_INTERVAL",
    }  # fmt: skip
    assert {name for name, _, _ in ALIASES} | others == set(NEWAPI_ENV)
    assert {name for name, _ in SWITCHES} == set(NEWAPI_SWITCHES)


def test_task_timeout_minutes():
    assert load(env={}).relay.task_timeout_minutes == 1440, "new-api's default is ours"
    assert load(env={"TASK_TIMEOUT_MINUTES": "30"}).relay.task_timeout_minutes == 30
    ours = {"TASK_TIMEOUT_MINUTES": "30", "CLAWROUTER_RELAY_TASK_TIMEOUT_MINUTES": "5"}
    assert load(env=ours).relay.task_timeout_minutes == 5, "CLAWROUTER_* wins"


@pytest.mark.parametrize(("name", "key", "default"), ALIASES)
def test_each_alias_sets_its_setting(name: str, key: str, default: int):
    assert getattr(load(env={}).security, key) == default, "new-api's default is ours"
    assert getattr(load(env={name: "7"}).security, key) == 7
    assert getattr(load(env={name: ""}).security, key) == default, "empty means unset"
    ours = f"CLAWROUTER_SECURITY_{key.upper()}"
    assert getattr(load(env={name: "7", ours: "9"}).security, key) == 9, "CLAWROUTER_* wins"
    assert env_warnings({name: "7", ours: "9"}) == [
        f"ignoring environment variable {name} (new-api): {ours} is set"
    ]
    with pytest.raises(ConfigError, match=name):
        load(env={name: "many"})


@pytest.mark.parametrize(("name", "key"), SWITCHES)
@pytest.mark.parametrize("off", ["false", "0", "f", "FALSE", "False", "off"])
def test_each_switch_turns_its_limit_off(name: str, key: str, off: str):
    assert getattr(load(env={name: off}).security, key) == 0
    # ..._ENABLE=false wins over its own number, as in new-api
    number = next(alias for alias, k, _ in ALIASES if k == key)
    assert getattr(load(env={name: off, number: "50"}).security, key) == 0
    # ... but a CLAWROUTER_* setting for the same key wins over both
    ours = f"CLAWROUTER_SECURITY_{key.upper()}"
    assert getattr(load(env={name: off, ours: "5"}).security, key) == 5


@pytest.mark.parametrize(("name", "key"), SWITCHES)
def test_a_switch_left_on_keeps_the_limit(name: str, key: str):
    default = getattr(load(env={}).security, key)
    for on in ("true", "1", "t", "TRUE", "True", "yes", ""):
        assert getattr(load(env={name: on}).security, key) == default
    with pytest.raises(ConfigError, match=name):
        load(env={name: "sometimes"})


def test_new_api_variables_override_the_toml_file(tmp_path: Path):
    path = tmp_path / "c.toml"
    path.write_text("[security]\napi_rate_limit = 30\ncritical_rate_limit = 4\n")
    cfg = load(path, env={"GLOBAL_API_RATE_LIMIT": "31"})
    assert (cfg.security.api_rate_limit, cfg.security.critical_rate_limit) == (31, 4)


def test_session_secret_alias(tmp_path: Path):
    assert load(env={"SESSION_SECRET": " s3cret-value "}).security.session_secret == "s3cret-value"
    secret_file = tmp_path / "secret"
    secret_file.write_text("from-file\n")
    env = {"SESSION_SECRET": "alias", "CLAWROUTER_SECURITY_SESSION_SECRET_FILE": str(secret_file)}
    assert load(env=env).security.session_secret == "from-file"
    assert env_warnings(env) == [
        "ignoring environment variable SESSION_SECRET (new-api): "
        "CLAWROUTER_SECURITY_SESSION_SECRET_FILE is set"
    ]
    with pytest.raises(ConfigError, match="SESSION_SECRET"):
        load(env={"SESSION_SECRET": "random_string"})  # new-api's placeholder, refused there too


def test_limits_are_checked():
    with pytest.raises(ConfigError, match=r"security\.search_rate_limit"):
        load(env={"SEARCH_RATE_LIMIT": "-1"})
    with pytest.raises(ConfigError, match=r"security\.critical_rate_window_seconds"):
        load(env={"CLAWROUTER_SECURITY_CRITICAL_RATE_WINDOW_SECONDS": "0"})
    assert load(env={"CLAWROUTER_SECURITY_WEB_RATE_LIMIT": "0"}).security.web_rate_limit == 0
