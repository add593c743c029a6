"""open_feed(config, db): the in-process feed for one process, the Redis one when redis.url is
set, the SQL-table one (on the main store) for several workers or changes.feed = "sql"."""

from __future__ import annotations

from clawrouter.changes.change import ChangeFeed, LocalFeed
from clawrouter.config import Config, ConfigError
from clawrouter.db.store import Store
from clawrouter.redis_link import RedisLink


def open_feed(config: Config, db: Store, link: RedisLink | None = None) -> ChangeFeed:
    """`link`: the process's Redis link (app.py), needed when the feed is Redis's."""
    kind = config.feed_kind
    if kind == "sql":
        from clawrouter.changes.sql_feed import SqlFeed

        c = config.changes
        return SqlFeed(db, poll_interval=c.poll_interval_seconds, keep=c.keep_seconds)
    if kind != "redis":
        return LocalFeed()
    try:
        from clawrouter.changes.redis_feed import RedisFeed  # redis-py only when configured
    except ImportError as e:
        raise ConfigError(
            "redis.url is set but the redis package is missing: pip install 'clawrouter[redis]'"
        ) from e
    assert link is not None, "redis.url is set: app.py opens the link first"
    return RedisFeed(link, config.redis.channel)
