"""open_feed(config): the in-process feed by default, the Redis one when redis.url is set."""

from __future__ import annotations

from clawrouter.changes.change import ChangeFeed, LocalFeed
from clawrouter.config import Config, ConfigError


def open_feed(config: Config) -> ChangeFeed:
    if not config.redis.url:
        return LocalFeed()
    try:
        from clawrouter.changes.redis_feed import RedisFeed  # redis-py only when configured
    except ImportError as e:
        raise ConfigError(
            "redis.url is set but the redis package is missing: pip install 'clawrouter[redis]'"
        ) from e
    return RedisFeed(config.redis.url, config.redis.channel)
