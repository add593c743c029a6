"""The configuration's sections: one frozen dataclass per TOML table, and Config, which holds
them with the values derived from them (paths, the database backend, the worker count, the
change feed). Read and validated by clawrouter.config; a leaf module."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path

PG_SCHEMES = ("postgresql://", "postgres://")
SQLITE_SCHEME = "sqlite:///"


@dataclass(frozen=True, slots=True)
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 3000
    data_dir: str = "./data"
    max_body_mb: float = 32.0
    shutdown_grace_seconds: float = 10.0
    drain_delay_seconds: float = 0.0
    trust_forwarded_for: bool = False
    static_dir: str = ""
    workers: int = 1  # processes serving the port (docs/scaling.md); 0 or "auto": one per core


@dataclass(frozen=True, slots=True)
class DatabaseConfig:
    url: str = ""
    path: str = ""
    log_path: str = ""
    busy_timeout_ms: int = 5000
    readers: int = 2


@dataclass(frozen=True, slots=True)
class RedisConfig:
    url: str = ""  # redis://[user:password@]host:port/db; empty: one process, no Redis
    channel: str = "clawrouter:changes"  # the pub/sub channel of the change feed
    command_timeout_seconds: float = 1.0  # a command unanswered this long: Redis is hung (503)
    connect_timeout_seconds: float = 1.0  # opening a connection to Redis, at most


@dataclass(frozen=True, slots=True)
class ChangesConfig:
    feed: str = ""  # "": Redis when redis.url is set, else SQL with workers > 1, else in-process
    poll_interval_seconds: float = 0.25  # the SQL feed: how often each process reads new rows
    keep_seconds: float = 300.0  # the SQL feed: rows older than this are deleted


@dataclass(frozen=True, slots=True)
class LoggingConfig:
    level: str = "info"
    format: str = "console"
    access_log: bool = True


@dataclass(frozen=True, slots=True)
class SecurityConfig:
    session_secret: str = ""
    cookie_secure: bool = False
    session_days: int = 30
    api_rate_limit: int = 180
    api_rate_window_seconds: int = 180
    web_rate_limit: int = 60
    web_rate_window_seconds: int = 180
    critical_rate_limit: int = 20
    critical_rate_window_seconds: int = 1200
    search_rate_limit: int = 10
    search_rate_window_seconds: int = 60
    email_verification_rate_limit: int = 2
    email_verification_rate_window_seconds: int = 30


@dataclass(frozen=True, slots=True)
class RelayConfig:
    connect_timeout_seconds: float = 10.0
    first_byte_timeout_seconds: float = 300.0
    stream_idle_timeout_seconds: float = 300.0
    max_connections: int = 1000
    upstream_client: str = "lean"  # "lean" (clawrouter.http.upstream_client) or "aiohttp"
    sync_interval_seconds: float = 60.0
    log_flush_interval_seconds: float = 1.0
    models_metadata_url: str = "https://basellm.github.io/llm-metadata"
    models_metadata_timeout_seconds: float = 15.0
    task_timeout_minutes: float = 1440.0
    task_poll_interval_seconds: float = 15.0
    task_poll_max_interval_seconds: float = 120.0


@dataclass(frozen=True, slots=True)
class MetricsConfig:
    enabled: bool = True
    token: str = ""


@dataclass(frozen=True, slots=True)
class CorsConfig:
    origins: str = ""
    api_origins: str = ""
    max_age_seconds: int = 600


@dataclass(frozen=True, slots=True)
class ProvidersConfig:
    """Where the outside services of account security live (a staging setup or a test points
    them at a local fake). OIDC endpoints and WeChat's server are options instead."""

    github_oauth_url: str = "https://github.com"
    github_api_url: str = "https://api.github.com"
    discord_api_url: str = "https://discord.com/api"
    linuxdo_url: str = "https://connect.linux.do"
    turnstile_verify_url: str = "https://challenges.cloudflare.com/turnstile/v0/siteverify"
    smtp_ca_file: str = ""
    timeout_seconds: float = 10.0


@dataclass(frozen=True, slots=True)
class Config:
    server: ServerConfig = field(default_factory=ServerConfig)
    database: DatabaseConfig = field(default_factory=DatabaseConfig)
    redis: RedisConfig = field(default_factory=RedisConfig)
    changes: ChangesConfig = field(default_factory=ChangesConfig)
    logging: LoggingConfig = field(default_factory=LoggingConfig)
    security: SecurityConfig = field(default_factory=SecurityConfig)
    relay: RelayConfig = field(default_factory=RelayConfig)
    providers: ProvidersConfig = field(default_factory=ProvidersConfig)
    metrics: MetricsConfig = field(default_factory=MetricsConfig)
    cors: CorsConfig = field(default_factory=CorsConfig)

    @property
    def data_dir(self) -> Path:
        return Path(self.server.data_dir)

    @property
    def db_backend(self) -> str:
        """ "postgresql" for a postgresql:// (or postgres://) database.url, else "sqlite"."""
        return "postgresql" if self.database.url.startswith(PG_SCHEMES) else "sqlite"

    @property
    def db_path(self) -> Path:
        """The SQLite main file: database.url's sqlite:///PATH, database.path or the data dir."""
        if self.database.url.startswith(SQLITE_SCHEME):
            return Path(self.database.url.removeprefix(SQLITE_SCHEME))
        return Path(self.database.path) if self.database.path else self.data_dir / "clawrouter.db"

    @property
    def log_db_path(self) -> Path:
        if self.database.log_path:
            return Path(self.database.log_path)
        if self.database.url.startswith(SQLITE_SCHEME):
            return self.db_path.parent / "logs.db"
        return self.data_dir / "logs.db"

    @property
    def worker_count(self) -> int:
        """server.workers, with 0 ("auto") as the number of cores."""
        return self.server.workers or os.cpu_count() or 1

    @property
    def feed_kind(self) -> str:
        """The change feed in use: "redis", "sql" or "local" (one process)."""
        if self.redis.url:
            return "redis"
        if self.changes.feed == "sql" or self.worker_count > 1:
            return "sql"
        return "local"

    @property
    def max_body_bytes(self) -> int:
        return int(self.server.max_body_mb * 1024 * 1024)


def sections() -> dict[str, type]:
    return {f.name: f.default_factory for f in fields(Config)}  # type: ignore[misc]
