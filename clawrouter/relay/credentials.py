"""Short-lived upstream credentials (e.g. Vertex AI OAuth tokens from a service account):
fetched through the adapter's CredentialSource, cached per channel key until 60 s before they
expire, one exchange at a time per key."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable

import aiohttp

from clawrouter.relay import upstream
from clawrouter.relay.providers.base import ChannelView, CredentialSource, UpstreamError

_MARGIN = 60


@functools.lru_cache(maxsize=64)  # one answer per adapter class
def _exchanges_keys(adapter_type: type) -> bool:
    return issubclass(adapter_type, CredentialSource)


class CredentialCache:
    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._tokens: dict[tuple[int, str], tuple[str, int]] = {}
        self._locks: dict[tuple[int, str], asyncio.Lock] = {}

    async def token(
        self, adapter: object, ch: ChannelView, http: aiohttp.ClientSession, limit_s: float
    ) -> str:
        """The access token for this channel key, or "" when the adapter needs none."""
        if not _exchanges_keys(type(adapter)):
            return ""
        assert isinstance(adapter, CredentialSource)
        key = (ch.id, ch.key)
        cached = self._tokens.get(key)
        if cached and cached[1] - _MARGIN > self._clock():
            return cached[0]
        async with self._locks.setdefault(key, asyncio.Lock()):
            cached = self._tokens.get(key)
            now = int(self._clock())
            if cached and cached[1] - _MARGIN > now:
                return cached[0]
            call = adapter.credential_request(ch, now)
            if call is None:
                return ""
            limits = aiohttp.ClientTimeout(total=limit_s)
            resp = await upstream.send(http, call, limits)
            body = await upstream.read_body(resp)
            try:
                token, expires = adapter.parse_credential(resp.status, body, now)
            except UpstreamError:
                self._tokens.pop(key, None)
                raise
            self._tokens[key] = (token, expires)
            return token

    def forget(self, channel_id: int) -> None:
        for key in [k for k in self._tokens if k[0] == channel_id]:
            del self._tokens[key]
