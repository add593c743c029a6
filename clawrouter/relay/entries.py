"""In-memory records the relay works from: API keys, users and channels, parsed once from
their rows so the hot path never touches the database or re-parses JSON."""

from __future__ import annotations

import ipaddress
import sys
from dataclasses import dataclass, field
from typing import Any

import orjson

from clawrouter.notify.settings import DEFAULT as NO_NOTIFY_SETTINGS
from clawrouter.notify.settings import NotifySettings
from clawrouter.wire.status import ChannelStatus

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
NO_NAMES: frozenset[str] = frozenset()  # one shared empty set for every key without limits


def _json(text: Any, default: Any) -> Any:
    if not isinstance(text, str) or not text.strip():
        return default
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        return default
    return value if isinstance(value, type(default)) else default


# Columns a row's fingerprint leaves out: the balances (compared with the writer's deltas
# instead) and what every request moves (a key's accessed_time).
TOKEN_VOLATILE = frozenset({"remain_quota", "used_quota", "accessed_time"})
USER_VOLATILE = frozenset({"quota", "used_quota", "request_count"})
CHANNEL_VOLATILE = frozenset({"used_quota"})


def fingerprint(row: dict[str, Any], volatile: frozenset[str]) -> int:
    """A hash of a row's other columns: the resync (relay/resync.py) re-reads an entry only
    when it differs from the one the entry was parsed from."""
    kept = row.copy()  # copying and popping is ~2x faster than filtering the items
    for k in volatile:
        kept.pop(k, None)
    values = tuple(kept.values())
    try:
        return hash(values)
    except TypeError:  # an unhashable value from a driver (a list, a dict)
        return hash(repr(values))


def split_list(text: str | None, seps: str = ",") -> list[str]:
    for sep in seps[1:]:
        text = (text or "").replace(sep, seps[0])
    return [p.strip() for p in (text or "").split(seps[0]) if p.strip()]


def _names(text: str | None) -> list[str]:
    """Model or group names, interned: 100,000 channels share one copy of each name."""
    return [sys.intern(p) for p in split_list(text)]


def parse_networks(text: str) -> tuple[IPNetwork, ...]:
    nets = []
    for part in split_list(text, ",\n "):
        try:
            nets.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            continue
    return tuple(nets)


@dataclass(slots=True)
class TokenEntry:
    id: int
    user_id: int
    key: str
    name: str
    status: int
    expired_time: int
    remain_quota: int
    unlimited: bool
    used_quota: int
    model_limits_enabled: bool
    model_limits: frozenset[str]
    allow_ips: tuple[IPNetwork, ...]
    group: str
    cross_group_retry: bool
    auto_groups: tuple[str, ...]
    fp: int = 0  # fingerprint() of the row it was parsed from

    @classmethod
    def from_row(cls, r: dict[str, Any]) -> TokenEntry:
        return cls(
            id=r["id"],
            user_id=r["user_id"],
            key=r["key"],
            name=r["name"],
            status=r["status"],
            expired_time=r["expired_time"],
            remain_quota=r["remain_quota"],
            unlimited=bool(r["unlimited_quota"]),
            used_quota=r["used_quota"],
            model_limits_enabled=bool(r["model_limits_enabled"]),
            model_limits=frozenset(split_list(r["model_limits"])) or NO_NAMES,
            allow_ips=parse_networks(r["allow_ips"] or ""),
            group=sys.intern(r["group"] or ""),
            cross_group_retry=bool(r["cross_group_retry"]),
            auto_groups=tuple(
                sys.intern(g) for g in _json(r.get("auto_groups"), []) if isinstance(g, str)
            ),
            fp=fingerprint(r, TOKEN_VOLATILE),
        )


@dataclass(slots=True)
class UserEntry:
    id: int
    username: str
    role: int
    status: int
    group: str
    quota: int
    used_quota: int
    request_count: int
    setting: dict[str, Any]
    email: str = ""  # the account's address (quota notices by e-mail fall back to it)
    notify: NotifySettings = NO_NOTIFY_SETTINGS  # parsed from `setting` (notify.watch reads it)
    fp: int = 0  # fingerprint() of the row it was parsed from

    @classmethod
    def from_row(cls, r: dict[str, Any]) -> UserEntry:
        setting = _json(r.get("setting"), {})
        return cls(
            id=r["id"],
            username=r["username"],
            role=r["role"],
            status=r["status"],
            group=sys.intern(r["group"] or "default"),
            quota=r["quota"],
            used_quota=r["used_quota"],
            request_count=r["request_count"],
            setting=setting,
            email=(r.get("email") or "").strip(),
            notify=NotifySettings.parse(setting),
            fp=fingerprint(r, USER_VOLATILE),
        )


@dataclass(slots=True)
class ChannelEntry:
    id: int
    type: int
    name: str
    status: int
    base_url: str
    keys: list[str]
    other: str
    organization: str
    models: list[str]
    groups: list[str]
    priority: int
    weight: int
    tag: str
    auto_ban: bool
    created_time: int
    test_model: str
    model_mapping: dict[str, str]
    status_code_mapping: dict[str, Any]
    param_override: dict[str, Any] | None
    header_override: dict[str, Any] | None
    setting: dict[str, Any]
    settings: dict[str, Any]
    info: dict[str, Any]
    other_info: dict[str, Any]
    used_quota: int = 0
    polling_index: int = field(default=0)
    responses_via_chat_until: float = 0.0  # relay.responses_route: auto found no /responses
    fp: int = 0  # fingerprint() of the row it was parsed from

    @classmethod
    def from_row(cls, r: dict[str, Any]) -> ChannelEntry:
        key = r["key"] or ""
        if key.lstrip().startswith("{"):
            keys = [key.strip()]  # one JSON credential (a service account), newlines and all
        elif key.lstrip().startswith("["):  # a JSON array of credentials (multi-key Vertex)
            keys = [k if isinstance(k, str) else orjson.dumps(k).decode() for k in _json(key, [])]
        else:
            keys = split_list(key, "\n")
        info = _json(r.get("channel_info"), {})
        return cls(
            id=r["id"],
            type=r["type"],
            name=r["name"],
            status=r["status"],
            base_url=(r["base_url"] or "").rstrip("/"),
            keys=keys or [key],
            other=r["other"] or "",
            organization=r["openai_organization"] or "",
            models=_names(r["models"]),
            groups=_names(r["group"]),
            priority=r["priority"] or 0,
            weight=r["weight"] or 0,
            tag=r["tag"] or "",
            auto_ban=bool(r["auto_ban"]),
            created_time=r["created_time"],
            test_model=r["test_model"] or "",
            model_mapping={
                str(k): str(v) for k, v in _json(r.get("model_mapping"), {}).items() if v
            },
            status_code_mapping=_json(r.get("status_code_mapping"), {}),
            param_override=_json(r.get("param_override"), {}) or None,
            header_override=_json(r.get("header_override"), {}) or None,
            setting=_json(r.get("setting"), {}),
            settings=_json(r.get("settings"), {}),
            info=info,
            other_info=_json(r.get("other_info"), {}),
            used_quota=r["used_quota"],
            polling_index=int(info.get("multi_key_polling_index") or 0),
            fp=fingerprint(r, CHANNEL_VOLATILE),
        )

    @property
    def multi_key(self) -> bool:
        return bool(self.info.get("is_multi_key")) and len(self.keys) > 1

    def key_status(self, index: int) -> int:
        statuses = self.info.get("multi_key_status_list") or {}
        return int(statuses.get(str(index), ChannelStatus.ENABLED))

    def enabled_key_indexes(self) -> list[int]:
        return [i for i in range(len(self.keys)) if self.key_status(i) == ChannelStatus.ENABLED]
