"""new-api's deployment environment names, as aliases of ClawRouter's settings: which name maps
to which setting, how a value changes form on the way, and the names ClawRouter reads but
ignores, each with the reason (logged at start-up when set). Data and pure functions only:
config.py reads the environment (docs/configuration.md has the table).
"""

from __future__ import annotations

from collections.abc import Mapping

# name -> (section, key). Applied after the TOML file and before CLAWROUTER_* variables, so a
# CLAWROUTER_* variable for the same setting wins. An empty value counts as unset, as in new-api.
# Later entries win over earlier ones for the same setting.
NEWAPI_ENV = {
    "PORT": ("server", "port"),
    "MAX_REQUEST_BODY_MB": ("server", "max_body_mb"),
    "SQL_DSN": ("database", "url"),
    "SQLITE_PATH": ("database", "path"),
    "REDIS_CONN_STRING": ("redis", "url"),
    "DEBUG": ("logging", "level"),
    "SESSION_SECRET": ("security", "session_secret"),
    "SESSION_COOKIE_SECURE": ("security", "cookie_secure"),
    "GLOBAL_API_RATE_LIMIT": ("security", "api_rate_limit"),
    "GLOBAL_API_RATE_LIMIT_DURATION": ("security", "api_rate_window_seconds"),
    "GLOBAL_WEB_RATE_LIMIT": ("security", "web_rate_limit"),
    "GLOBAL_WEB_RATE_LIMIT_DURATION": ("security", "web_rate_window_seconds"),
    "CRITICAL_RATE_LIMIT": ("security", "critical_rate_limit"),
    "CRITICAL_RATE_LIMIT_DURATION": ("security", "critical_rate_window_seconds"),
    "SEARCH_RATE_LIMIT": ("security", "search_rate_limit"),
    "SEARCH_RATE_LIMIT_DURATION": ("security", "search_rate_window_seconds"),
    "RELAY_TIMEOUT": ("relay", "first_byte_timeout_seconds"),
    "RELAY_RESPONSE_HEADER_TIMEOUT": ("relay", "first_byte_timeout_seconds"),
    "STREAMING_TIMEOUT": ("relay", "stream_idle_timeout_seconds"),
    "SYNC_FREQUENCY": ("relay", "sync_interval_seconds"),
    "BATCH_UPDATE_INTERVAL": ("relay", "log_flush_interval_seconds"),
    "TASK_TIMEOUT_MINUTES": ("relay", "task_timeout_minutes"),
}
# new-api's on/off switches: false turns that limit off (0); true leaves it as configured.
NEWAPI_SWITCHES = {
    "GLOBAL_API_RATE_LIMIT_ENABLE": ("security", "api_rate_limit"),
    "GLOBAL_WEB_RATE_LIMIT_ENABLE": ("security", "web_rate_limit"),
    "CRITICAL_RATE_LIMIT_ENABLE": ("security", "critical_rate_limit"),
    "SEARCH_RATE_LIMIT_ENABLE": ("security", "search_rate_limit"),
}
_ALWAYS = "ClawRouter always does this"
NEWAPI_IGNORED = {
    "NODE_TYPE": "ClawRouter has no master/slave roles: each gateway runs its own background jobs",
    "MEMORY_CACHE_ENABLED": f"{_ALWAYS}: users, keys, channels and options are cached in memory",
    "BATCH_UPDATE_ENABLED": f"{_ALWAYS}: balances and logs are written behind, in batches",
    "LOG_SQL_DSN": "logs go to logs.db beside the SQLite store, or to the same PostgreSQL database",
    "SQL_MAX_IDLE_CONNS": "the pool is sized by database.readers",
    "SQL_MAX_OPEN_CONNS": "the pool is sized by database.readers",
    "SQL_CONN_MAX_LIFETIME": "connections are kept for the life of the process",
    "CRYPTO_SECRET": "nothing is keyed by it here (there is no shared Redis cache)",
    "FRONTEND_BASE_URL": "the gateway always serves its own dashboard",
    "TRUSTED_PROXIES": "set server.trust_forwarded_for (the last X-Forwarded-For hop counts)",
    "CHANNEL_UPDATE_FREQUENCY": "channel tests are scheduled by options, not the environment",
    "CHANNEL_TEST_FREQUENCY": "channel tests are scheduled by options, not the environment",
    "ERROR_LOG_ENABLED": "an option here: set ErrorLogEnabled with PUT /api/option/",
    "GIN_MODE": "a Go web framework switch",
    "ENABLE_PPROF": "a Go profiler",
    "PYROSCOPE_URL": "a Go profiler",
    "TLS_INSECURE_SKIP_VERIFY": "upstream TLS certificates are always verified",
    "STREAM_SCANNER_MAX_BUFFER_MB": "SSE lines are read without a fixed buffer limit",
    "GENERATE_DEFAULT_TOKEN": "new users get no API key until they make one",
    "UPDATE_TASK": "the task poller always runs",
}
TRUE = frozenset({"1", "t", "true", "yes", "on"})  # Go's strconv.ParseBool, plus yes/on
FALSE = frozenset({"0", "f", "false", "no", "off"})


def newapi_value(name: str, value: str) -> str | None:
    """A new-api variable's value in the form of its ClawRouter setting; None leaves the
    setting as it is (new-api's "0 = no timeout", DEBUG=false)."""
    if name in ("RELAY_TIMEOUT", "RELAY_RESPONSE_HEADER_TIMEOUT") and value in ("0", "0.0"):
        return None  # no timeout at all is not offered: the configured timeout stays
    if name == "SQLITE_PATH":  # new-api's form carries driver options: one-api.db?_busy_timeout=
        return value.partition("?")[0]
    if name == "DEBUG":
        return "debug" if value.lower() in TRUE else None
    return value


def ignored_warnings(env: Mapping[str, str]) -> list[str]:
    """One message per ignored new-api variable that is set, saying why it is ignored."""
    return [
        f"ignoring environment variable {name} (new-api): {reason}"
        for name, reason in NEWAPI_IGNORED.items()
        if env.get(name, "").strip()
    ]
