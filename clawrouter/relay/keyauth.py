"""Relay API-key authentication from memory: where the key is read from (per path), the key
checks (status, expiry, quota, IP allowlist, user, group) and channel pinning. Raises ClawError
subclasses that the edge renders in the caller's format."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from aiohttp import hdrs, web

from clawrouter.auth.roles import ADMIN
from clawrouter.errors import BadRequestError, ForbiddenError, UnauthorizedError
from clawrouter.http.request import bearer
from clawrouter.relay.entries import TokenEntry, UserEntry
from clawrouter.relay.state import RelayState
from clawrouter.wire.status import TokenStatus, UserStatus

_REALTIME_PREFIX = "openai-insecure-api-key."
# Read once: an Enum member costs ~0.1 µs a read (Python 3.11), and every key check reads these.
_ENABLED, _DISABLED = TokenStatus.ENABLED, TokenStatus.DISABLED
_EXPIRED, _EXHAUSTED = TokenStatus.EXPIRED, TokenStatus.EXHAUSTED
_USER_DISABLED = UserStatus.DISABLED


@dataclass(slots=True)
class RelayCaller:
    token: TokenEntry
    user: UserEntry
    group: str  # the group the request uses ("auto" resolved later, per model)
    pinned_channel: int | None = None


def _is_gemini_path(path: str) -> bool:
    return path.startswith(("/v1beta/", "/v1/models")) or path == "/v1beta"


def raw_key(request: web.Request) -> str:
    """The key as the client sent it, honouring each protocol's place for it."""
    headers, path = request.headers, request.path
    proto = headers.get(hdrs.SEC_WEBSOCKET_PROTOCOL)  # istr names: no case folding per lookup
    if proto and _REALTIME_PREFIX in proto:
        for part in proto.split(","):
            part = part.strip()
            if part.startswith(_REALTIME_PREFIX):
                return part[len(_REALTIME_PREFIX) :]
    if _is_gemini_path(path):
        key = headers.get("x-goog-api-key") or request.query.get("key")
        if key:
            return key
    if ("/v1/messages" in path or path.startswith("/v1/models")) and headers.get("x-api-key"):
        return headers["x-api-key"]
    return bearer(headers.get(hdrs.AUTHORIZATION, "")) or headers.get("x-api-key", "").strip()


def split_key(raw: str) -> tuple[str, str | None]:
    """'sk-KEY-CHANNELID' -> ('KEY', 'CHANNELID'); the sk- prefix is optional."""
    if raw.startswith("sk-"):
        raw = raw[3:]
    key, _, channel = raw.partition("-")
    return key, (channel or None)


def _ip_allowed(token: TokenEntry, ip: str) -> bool:
    if not token.allow_ips:
        return True
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return any(addr in net for net in token.allow_ips)


def _check_token(state: RelayState, token: TokenEntry, now: int) -> None:
    if token.status == _DISABLED:
        raise UnauthorizedError("this API key has been disabled", code="invalid_api_key")
    if token.status == _EXPIRED or (token.expired_time != -1 and token.expired_time < now):
        if token.status != _EXPIRED:
            token.status = _EXPIRED
            state.writer.token_status(token.id, _EXPIRED)
        raise UnauthorizedError("this API key has expired", code="invalid_api_key")
    if not token.unlimited and token.remain_quota <= 0:
        if token.status != _EXHAUSTED:
            token.status = _EXHAUSTED
            state.writer.token_status(token.id, _EXHAUSTED)
        raise UnauthorizedError("this API key's quota is used up", code="invalid_api_key")
    if token.status != _ENABLED:
        raise UnauthorizedError("this API key is not enabled", code="invalid_api_key")


def _resolve_group(state: RelayState, token: TokenEntry, user: UserEntry) -> str:
    group = token.group or user.group
    if group == "auto":
        return group
    if group not in state.usable_groups(user.group):
        raise ForbiddenError(f"no access to group {group}", code="group_not_allowed")
    if group not in state.options["GroupRatio"]:
        raise ForbiddenError(f"group {group} is deprecated", code="group_deprecated")
    return group


def read_only_token(state: RelayState, raw: str) -> TokenEntry:
    """The key for routes that only read about it (its usage, its logs): any status, expiry or
    balance, but the key must exist and its user be enabled (new-api's TokenAuthReadOnly)."""
    if not raw:
        raise UnauthorizedError("no API key given; send Authorization: Bearer sk-...")
    token = state.tokens.get(split_key(raw)[0])
    if token is None:
        raise UnauthorizedError("invalid API key")
    user = state.users.get(token.user_id)
    if user is None or user.status == UserStatus.DISABLED:
        raise ForbiddenError("the user of this API key has been banned")
    return token


def authenticate_key(state: RelayState, request: web.Request, ip: str) -> RelayCaller:
    raw = raw_key(request)
    if not raw:
        raise UnauthorizedError(
            "no API key provided; send Authorization: Bearer sk-...", code="invalid_api_key"
        )
    key, channel = split_key(raw)
    token = state.tokens.get(key)
    if token is None:
        raise UnauthorizedError("invalid API key", code="invalid_api_key")
    _check_token(state, token, int(state.clock()))
    if not _ip_allowed(token, ip):
        raise ForbiddenError(f"this API key may not be used from {ip}", code="access_denied")
    user = state.users.get(token.user_id)
    if user is None or user.status == _USER_DISABLED:
        raise ForbiddenError("the user of this API key has been banned", code="user_banned")
    pinned = None
    if channel is not None:
        if user.role < ADMIN:
            raise ForbiddenError("regular users may not pin a channel", code="access_denied")
        if not channel.isdigit():
            raise BadRequestError(f"invalid channel id {channel!r} in the API key")
        pinned = int(channel)
    return RelayCaller(token, user, _resolve_group(state, token, user), pinned)
