"""Config loading: precedence, unknown keys, types, secrets."""

from __future__ import annotations

from pathlib import Path

import pytest

from clawrouter.config import ConfigError, as_dict, env_warnings, load


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "c.toml"
    path.write_text(text)
    return path


def test_defaults():
    cfg = load(env={})
    assert (cfg.server.host, cfg.server.port, cfg.server.data_dir) == ("127.0.0.1", 3000, "./data")
    assert cfg.db_path == Path("data/clawrouter.db") and cfg.log_db_path == Path("data/logs.db")


def test_precedence_defaults_toml_env_cli(tmp_path: Path):
    path = write(tmp_path, '[server]\nport = 4000\nhost = "0.0.0.0"\n[logging]\nlevel = "debug"\n')
    cfg = load(path, env={})
    assert (cfg.server.port, cfg.server.host, cfg.logging.level) == (4000, "0.0.0.0", "debug")
    env = {"CLAWROUTER_SERVER_PORT": "5000", "CLAWROUTER_LOGGING_LEVEL": "warning"}
    cfg = load(path, env=env)
    assert (cfg.server.port, cfg.server.host, cfg.logging.level) == (5000, "0.0.0.0", "warning")
    cfg = load(path, env=env, overrides={"server.port": 6000, "server.host": None})
    assert (cfg.server.port, cfg.server.host) == (6000, "0.0.0.0")


def test_config_path_from_env_and_aliases(tmp_path: Path):
    path = write(tmp_path, "[server]\nport = 4100\n")
    cfg = load(env={"CLAWROUTER_CONFIG": str(path), "CLAWROUTER_DATA_DIR": "/tmp/x"})
    assert cfg.server.port == 4100 and cfg.server.data_dir == "/tmp/x"


@pytest.mark.parametrize(
    ("toml", "fragment"),
    [
        ("[server]\nprot = 1\n", "server.prot"),
        ("[server]\nprot = 1\n", "did you mean 'port'"),
        ("[sever]\nport = 1\n", "sever"),
        ("[server]\nport = 'abc'\n", "expected int"),
        ("[server]\nport = 70000\n", "1..65535"),
        ("port = 1\n", "must be a [table]"),
        ("[server\n", "not valid TOML"),
        ("[logging]\nformat = 'xml'\n", "console or json"),
    ],
)
def test_bad_toml_names_the_problem(tmp_path: Path, toml: str, fragment: str):
    with pytest.raises(ConfigError, match=None) as info:
        load(write(tmp_path, toml), env={})
    assert fragment in str(info.value)


def test_unknown_env_is_skipped_with_a_warning():
    # A shell exporting client-side variables (CLAWROUTER_URL, ...) must still start the gateway.
    env = {
        "CLAWROUTER_URL": "http://gw:3000",
        "CLAWROUTER_SERVER_PROT": "1",
        "CLAWROUTER_LOG_LEVEL": "debug",
        "CLAWROUTER_SERVER_PORT": "4321",
        "CLAWROUTER_CONFIG": "",
        "OTHER_VAR": "1",
    }
    cfg = load(env=env)
    assert cfg.server.port == 4321 and cfg.logging.level == "info"
    assert env_warnings(env) == [
        "ignoring environment variable CLAWROUTER_LOG_LEVEL: not a ClawRouter setting"
        " (did you mean CLAWROUTER_LOGGING_LEVEL?)",
        "ignoring environment variable CLAWROUTER_SERVER_PROT: not a ClawRouter setting"
        " (did you mean CLAWROUTER_SERVER_PORT?)",
        "ignoring environment variable CLAWROUTER_URL: not a ClawRouter setting",
    ]
    assert env_warnings({"CLAWROUTER_PORT": "1", "CLAWROUTER_SERVER_HOST": "::"}) == []
    # a known setting with a bad value is still an error
    with pytest.raises(ConfigError, match="CLAWROUTER_SERVER_PORT"):
        load(env={"CLAWROUTER_SERVER_PORT": "abc", "CLAWROUTER_URL": "x"})


def test_every_setting_has_an_env_name_without_warning():
    env = {f"CLAWROUTER_{s}_{k}".upper(): "1" for s, t in as_dict(load(env={})).items() for k in t}
    assert env_warnings(env) == []


def test_bool_and_float_coercion():
    cfg = load(
        env={"CLAWROUTER_SECURITY_COOKIE_SECURE": "yes", "CLAWROUTER_SERVER_MAX_BODY_MB": "2.5"}
    )
    assert cfg.security.cookie_secure is True and cfg.max_body_bytes == int(2.5 * 1024 * 1024)
    with pytest.raises(ConfigError):
        load(env={"CLAWROUTER_SECURITY_COOKIE_SECURE": "perhaps"})


def test_missing_file(tmp_path: Path):
    with pytest.raises(ConfigError, match="not found"):
        load(tmp_path / "nope.toml", env={})


def test_secret_file_and_redaction(tmp_path: Path):
    secret = tmp_path / "secret"
    secret.write_text("s3cret-value\n")
    cfg = load(env={"CLAWROUTER_SECURITY_SESSION_SECRET_FILE": str(secret)})
    assert cfg.security.session_secret == "s3cret-value"
    shown = as_dict(cfg)
    assert shown["security"]["session_secret"] == "********"
    assert as_dict(cfg, redact=False)["security"]["session_secret"] == "s3cret-value"
