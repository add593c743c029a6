"""Configuration: the frozen dataclasses of config_sections, read once: defaults < TOML <
new-api's variables < CLAWROUTER_* env < CLI flags.

The only module that reads os.environ. An unknown key in a TOML file is an error that names it; a
CLAWROUTER_* environment variable that is no setting is skipped and reported by env_warnings().
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import tomllib
from collections.abc import Mapping
from dataclasses import fields
from pathlib import Path
from typing import Any

from clawrouter.config_newapi import (
    FALSE,
    NEWAPI_ENV,
    NEWAPI_SWITCHES,
    TRUE,
    ignored_warnings,
    newapi_value,
)
from clawrouter.config_sections import PG_SCHEMES as _PG_SCHEMES
from clawrouter.config_sections import SQLITE_SCHEME as _SQLITE_SCHEME
from clawrouter.config_sections import (
    ChangesConfig,
    Config,
    CorsConfig,
    DatabaseConfig,
    LoggingConfig,
    MetricsConfig,
    ProvidersConfig,
    RedisConfig,
    RelayConfig,
    SecurityConfig,
    ServerConfig,
    sections,
)

# The sections are defined in config_sections and read through here, with the loading API.
__all__ = [
    "ENV_ALIASES",
    "ENV_PREFIX",
    "SECRET_KEYS",
    "ChangesConfig",
    "Config",
    "ConfigError",
    "CorsConfig",
    "DatabaseConfig",
    "LoggingConfig",
    "MetricsConfig",
    "ProvidersConfig",
    "RedisConfig",
    "RelayConfig",
    "SecurityConfig",
    "ServerConfig",
    "as_dict",
    "env_warnings",
    "export_environment",
    "load",
    "origin_list",
    "redact_url",
    "replace",
    "sections",
]

ENV_PREFIX = "CLAWROUTER_"
# Short env aliases people expect (and the benchmark kit uses).
ENV_ALIASES = {
    "CLAWROUTER_HOST": ("server", "host"),
    "CLAWROUTER_PORT": ("server", "port"),
    "CLAWROUTER_DATA_DIR": ("server", "data_dir"),
}
SECRET_KEYS = frozenset({("security", "session_secret"), ("metrics", "token")})
_REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


class ConfigError(ValueError):
    """A configuration value or key is wrong; the message names it."""


def export_environment(name: str, value: str) -> None:
    """Set a variable for this process and the processes it forks (the only module that
    touches the environment): the supervisor names prometheus-client's multiprocess directory
    for its workers (metrics.prepare_multiprocess)."""
    os.environ[name] = value


def _hint(name: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(name, choices, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _coerce(value: Any, typ: Any, where: str) -> Any:
    typ = {"str": str, "int": int, "float": float, "bool": bool}.get(typ, typ)
    if typ is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("1", "true", "yes", "on"):
            return True
        if isinstance(value, str) and value.lower() in ("0", "false", "no", "off", ""):
            return False
    elif typ is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str):
            try:
                return int(value)
            except ValueError:
                pass
    elif typ is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                pass
    elif typ is str:
        if isinstance(value, str):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
    raise ConfigError(f"{where}: expected {typ.__name__}, got {value!r}")


def _apply(layers: dict[str, dict[str, Any]], section: str, key: str, value: Any, where: str):
    secs = sections()
    if section not in secs:
        raise ConfigError(
            f"unknown config section {section!r} in {where}{_hint(section, list(secs))}"
        )
    names = {f.name: f.type for f in fields(secs[section])}
    if key not in names:
        raise ConfigError(f"unknown config key {section}.{key} in {where}{_hint(key, list(names))}")
    if (section, key) == ("server", "workers") and str(value).strip().lower() == "auto":
        value = 0  # one per core (Config.worker_count)
    layers.setdefault(section, {})[key] = _coerce(value, names[key], f"{section}.{key} ({where})")


def _from_toml(path: Path, layers: dict[str, dict[str, Any]]) -> None:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise ConfigError(f"config file not found: {path}") from e
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"config file {path} is not valid TOML: {e}") from e
    for section, table in data.items():
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: top-level key {section!r} must be a [table]")
        for key, value in table.items():
            _apply(layers, section, key, value, str(path))


def _env_names() -> list[str]:
    """Every environment variable name that is a setting (for "did you mean" hints)."""
    names = [ENV_PREFIX + "CONFIG", *ENV_ALIASES]
    for section, cls in sections().items():
        names += [f"{ENV_PREFIX}{section}_{f.name}".upper() for f in fields(cls)]
    names += [f"{ENV_PREFIX}{s}_{k}_FILE".upper() for s, k in SECRET_KEYS]
    return names


def _env_target(name: str) -> tuple[str, str, bool] | None:
    """Map CLAWROUTER_<SECTION>_<KEY>[_FILE] to (section, key, is_file); None if no setting."""
    if name in ENV_ALIASES:
        return (*ENV_ALIASES[name], False)
    rest = name[len(ENV_PREFIX) :].lower()
    for section, cls in sections().items():
        if rest.startswith(section + "_"):
            key = rest[len(section) + 1 :]
            if key.endswith("_file") and (section, key[: -len("_file")]) in SECRET_KEYS:
                return section, key[: -len("_file")], True
            if key in {f.name for f in fields(cls)}:
                return section, key, False
    return None


def _settings_env(env: Mapping[str, str]) -> list[str]:
    """The CLAWROUTER_* names in env other than CLAWROUTER_CONFIG."""
    return [n for n in env if n.startswith(ENV_PREFIX) and n != ENV_PREFIX + "CONFIG"]


def env_warnings(env: Mapping[str, str] | None = None) -> list[str]:
    """One message per CLAWROUTER_* variable that is no setting: load() skips them, so a shell
    that exports a client-side variable (CLAWROUTER_URL, ...) can still start the gateway."""
    env = os.environ if env is None else env
    known = _env_names()
    plain = {n[len(ENV_PREFIX) :]: n for n in known}
    out = []
    for name in sorted(_settings_env(env)):
        if _env_target(name) is None:
            close = difflib.get_close_matches(name[len(ENV_PREFIX) :], list(plain), n=1)
            hint = f" (did you mean {plain[close[0]]}?)" if close else ""
            out.append(f"ignoring environment variable {name}: not a ClawRouter setting{hint}")
    return out + _newapi_overridden(env) + ignored_warnings(env)


def _from_newapi_env(env: Mapping[str, str], layers: dict[str, dict[str, Any]]) -> None:
    for name, (section, key) in NEWAPI_ENV.items():
        value = env.get(name, "").strip()
        if not value:
            continue
        if name == "SESSION_SECRET" and value == "random_string":
            raise ConfigError("SESSION_SECRET: replace the placeholder with a random string")
        converted = newapi_value(name, value)
        if converted is not None:
            _apply(layers, section, key, converted, f"environment {name} (new-api)")
    for name, (section, key) in NEWAPI_SWITCHES.items():
        value = env.get(name, "").strip()
        if not value or value.lower() in TRUE:
            continue
        if value.lower() not in FALSE:
            raise ConfigError(
                f"environment {name} (new-api): expected true or false, not {value!r}"
            )
        layers.setdefault(section, {})[key] = 0


def _newapi_overridden(env: Mapping[str, str]) -> list[str]:
    """A message per new-api variable that a CLAWROUTER_* variable overrides."""
    out = []
    for name, (section, key) in {**NEWAPI_ENV, **NEWAPI_SWITCHES}.items():
        if not env.get(name, "").strip():
            continue
        ours = f"{ENV_PREFIX}{section}_{key}".upper()
        for candidate in (ours, ours + "_FILE"):
            if candidate in env and _env_target(candidate) is not None:
                out.append(f"ignoring environment variable {name} (new-api): {candidate} is set")
    return out


def _from_env(env: Mapping[str, str], layers: dict[str, dict[str, Any]]) -> None:
    for name in _settings_env(env):
        target = _env_target(name)
        if target is None:
            continue  # reported by env_warnings()
        section, key, is_file = target
        value = env[name]
        if is_file:
            try:
                value = Path(value).read_text(encoding="utf-8").strip()
            except OSError as e:
                raise ConfigError(f"{name}: cannot read {value}: {e}") from e
        _apply(layers, section, key, value, f"environment {name}")


def load(
    config_path: str | os.PathLike[str] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Config:
    """Build the effective Config. `overrides` are CLI flags as {"section.key": value}."""
    env = os.environ if env is None else env
    layers: dict[str, dict[str, Any]] = {}
    path = config_path or env.get(ENV_PREFIX + "CONFIG")
    if path:
        _from_toml(Path(path), layers)
    _from_newapi_env(env, layers)
    _from_env(env, layers)
    for dotted, value in (overrides or {}).items():
        if value is None:
            continue
        section, _, key = dotted.partition(".")
        _apply(layers, section, key, value, "command line")
    built = {name: cls(**layers.get(name, {})) for name, cls in sections().items()}
    return _validate(Config(**built))


def _validate(cfg: Config) -> Config:
    if not 0 < cfg.server.port < 65536:
        raise ConfigError(f"server.port must be 1..65535, got {cfg.server.port}")
    if cfg.server.max_body_mb <= 0:
        raise ConfigError("server.max_body_mb must be positive")
    if cfg.logging.level.lower() not in ("debug", "info", "warning", "error"):
        raise ConfigError(
            f"logging.level must be debug/info/warning/error, got {cfg.logging.level!r}"
        )
    if cfg.logging.format not in ("console", "json"):
        raise ConfigError(f"logging.format must be console or json, got {cfg.logging.format!r}")
    if cfg.server.drain_delay_seconds < 0:
        raise ConfigError("server.drain_delay_seconds must be 0 or more")
    if "*" in origin_list(cfg.cors.api_origins):
        raise ConfigError(
            "cors.api_origins cannot be *: it lets sites send the dashboard's login cookie;"
            " list the origins"
        )
    if cfg.server.workers < 0:
        raise ConfigError('server.workers must be 1 or more, or "auto" (one per core)')
    if cfg.relay.upstream_client not in ("lean", "aiohttp"):
        raise ConfigError(
            f'relay.upstream_client must be "lean" or "aiohttp", got {cfg.relay.upstream_client!r}'
        )
    if cfg.changes.feed not in ("", "sql"):
        raise ConfigError(f'changes.feed must be "" (automatic) or "sql", got {cfg.changes.feed!r}')
    if cfg.changes.poll_interval_seconds <= 0 or cfg.changes.keep_seconds < 10:
        raise ConfigError(
            "changes.poll_interval_seconds must be positive and changes.keep_seconds at least 10"
        )
    if cfg.database.readers < 1:
        raise ConfigError("database.readers must be at least 1")
    if cfg.database.url == "local":  # new-api's SQL_DSN=local: its SQLite default
        cfg = replace(cfg, database={"url": ""})
    url = cfg.database.url
    if url and not url.startswith((*_PG_SCHEMES, _SQLITE_SCHEME)):
        raise ConfigError(
            "database.url must be sqlite:///PATH or postgresql://user:password@host:port/db"
            f" (MySQL is not supported), got {redact_url(url)!r}"
        )
    if cfg.redis.url and not cfg.redis.url.startswith(_REDIS_SCHEMES):
        raise ConfigError(
            "redis.url must be redis://[user:password@]host:port/db (or rediss://, unix://),"
            f" got {redact_url(cfg.redis.url)!r}"
        )
    if cfg.redis.command_timeout_seconds <= 0 or cfg.redis.connect_timeout_seconds <= 0:
        raise ConfigError(
            "redis.command_timeout_seconds and redis.connect_timeout_seconds must be positive"
        )
    sec = cfg.security
    for name in ("api", "web", "critical", "search", "email_verification"):
        if getattr(sec, f"{name}_rate_limit") < 0:
            raise ConfigError(f"security.{name}_rate_limit must be 0 (off) or more")
        if getattr(sec, f"{name}_rate_window_seconds") < 1:
            raise ConfigError(f"security.{name}_rate_window_seconds must be at least 1")
    return cfg


def origin_list(value: str) -> tuple[str, ...]:
    """A comma-separated origins setting as a tuple (trailing slashes dropped)."""
    return tuple(o.strip().rstrip("/") for o in value.split(",") if o.strip())


def replace(cfg: Config, **sections_: dict[str, Any]) -> Config:
    """A copy of cfg with some keys changed, e.g. replace(cfg, server={"port": 0})."""
    return Config(
        **{
            name: dataclasses.replace(getattr(cfg, name), **sections_.get(name, {}))
            for name in sections()
        }
    )


def as_dict(cfg: Config, *, redact: bool = True) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for name in sections():
        table = dataclasses.asdict(getattr(cfg, name))
        for key, value in table.items():
            if redact and (name, key) in SECRET_KEYS and value:
                table[key] = "********"
            elif redact and (name, key) in (("database", "url"), ("redis", "url")):
                table[key] = redact_url(value)
        out[name] = table
    return out


def redact_url(url: str) -> str:
    """A database URL with its password replaced by ********."""
    scheme, sep, rest = url.partition("://")
    if not sep:  # a DSN without a scheme, such as MySQL's user:password@tcp(host)/db
        scheme, rest = "", url
    userinfo, at, host = rest.rpartition("@")
    if not at or ":" not in userinfo:
        return url
    return f"{scheme}{sep}{userinfo.partition(':')[0]}:********@{host}"
