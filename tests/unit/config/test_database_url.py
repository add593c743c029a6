"""database.url: SQLite by default (no configuration), a sqlite:/// path, PostgreSQL, new-api's
SQL_DSN as its alias, refusals, and the password never shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from clawrouter.config import ConfigError, as_dict, load

PG = "postgresql://claw:s3cret@db.internal:5432/claw"


def test_default_is_sqlite_in_the_data_dir():
    cfg = load(env={}, overrides={"server.data_dir": "/srv/claw"})
    assert cfg.db_backend == "sqlite"
    assert (cfg.db_path, cfg.log_db_path) == (
        Path("/srv/claw/clawrouter.db"),
        Path("/srv/claw/logs.db"),
    )


def test_sqlite_url_names_the_main_file_and_logs_sit_beside_it():
    cfg = load(env={"CLAWROUTER_DATABASE_URL": "sqlite:////var/lib/claw/main.db"})
    assert cfg.db_backend == "sqlite"
    assert (cfg.db_path, cfg.log_db_path) == (
        Path("/var/lib/claw/main.db"),
        Path("/var/lib/claw/logs.db"),
    )
    assert load(env={"CLAWROUTER_DATABASE_URL": "sqlite:///rel/x.db"}).db_path == Path("rel/x.db")


@pytest.mark.parametrize("url", [PG, PG.replace("postgresql", "postgres")])
def test_postgresql_url_and_sql_dsn(url: str):
    assert load(env={"CLAWROUTER_DATABASE_URL": url}).db_backend == "postgresql"
    assert load(env={"SQL_DSN": url}).database.url == url
    ours = load(env={"SQL_DSN": url, "CLAWROUTER_DATABASE_URL": "sqlite:///a.db"})
    assert ours.db_backend == "sqlite", "a CLAWROUTER_* variable wins over new-api's"


def test_sql_dsn_local_is_the_sqlite_default():
    cfg = load(env={"SQL_DSN": "local"})
    assert cfg.database.url == "" and cfg.db_backend == "sqlite"


def test_mysql_and_unknown_urls_are_refused_without_the_password():
    with pytest.raises(ConfigError, match="MySQL is not supported") as err:
        load(env={"SQL_DSN": "root:hunter2@tcp(localhost:3306)/oneapi"})
    assert "hunter2" not in str(err.value)
    with pytest.raises(ConfigError, match=r"database\.url"):
        load(env={"CLAWROUTER_DATABASE_URL": "mysql://u:hunter2@h/db"})


def test_config_show_hides_the_password():
    shown = as_dict(load(env={"SQL_DSN": PG}))["database"]["url"]
    assert shown == "postgresql://claw:********@db.internal:5432/claw"
