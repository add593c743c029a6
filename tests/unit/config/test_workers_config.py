"""server.workers (--workers N / auto) and the [changes] table: parsing, refusals, and which
change feed a configuration gets."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from clawrouter.cli import build_parser
from clawrouter.config import ConfigError, load


def test_workers_default_to_one_process_and_the_in_process_feed():
    cfg = load(env={})
    assert cfg.server.workers == 1 and cfg.worker_count == 1 and cfg.feed_kind == "local"


@pytest.mark.parametrize(
    ("where", "value", "count"),
    [("env", "3", 3), ("env", "auto", os.cpu_count() or 1), ("cli", "2", 2), ("cli", "AUTO", None)],
)
def test_workers_from_env_cli_and_auto(where: str, value: str, count: int | None):
    if where == "env":
        cfg = load(env={"CLAWROUTER_SERVER_WORKERS": value})
    else:
        args = build_parser().parse_args(["--workers", value])
        cfg = load(env={}, overrides={"server.workers": args.workers})
    assert cfg.worker_count == (count or os.cpu_count() or 1)
    if cfg.worker_count > 1:
        assert cfg.feed_kind == "sql", "several workers without Redis share the table feed"


def test_workers_in_toml_and_redis_wins_the_feed(tmp_path: Path):
    path = tmp_path / "c.toml"
    path.write_text('[server]\nworkers = "auto"\n[redis]\nurl = "redis://127.0.0.1:6379/0"\n')
    cfg = load(path, env={})
    assert cfg.server.workers == 0 and cfg.feed_kind == "redis"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"CLAWROUTER_SERVER_WORKERS": "-1"}, "server.workers must be 1 or more"),
        ({"CLAWROUTER_SERVER_WORKERS": "many"}, "server.workers"),
        ({"CLAWROUTER_CHANGES_FEED": "kafka"}, 'changes.feed must be "" (automatic) or "sql"'),
        ({"CLAWROUTER_CHANGES_POLL_INTERVAL_SECONDS": "0"}, "poll_interval_seconds"),
        ({"CLAWROUTER_CHANGES_KEEP_SECONDS": "1"}, "keep_seconds at least 10"),
    ],
)
def test_bad_values_are_refused_with_the_key_named(env: dict[str, str], message: str):
    with pytest.raises(ConfigError) as e:
        load(env=env)
    assert message in str(e.value)


def test_the_sql_feed_on_request_for_one_process():
    assert load(env={"CLAWROUTER_CHANGES_FEED": "sql"}).feed_kind == "sql"
