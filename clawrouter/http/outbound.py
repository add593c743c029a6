"""The one client for fetches a user controls (notification webhooks, Bark, Gotify): its own
ClientSession whose resolver checks every resolved address against the fetch policy at
connect time (so DNS rebinding cannot slip past a check made earlier), redirects followed by
hand with each hop's URL checked again, no DNS cache, no pooled connection reused across
policy changes, no proxy from the environment.

Admin-configured destinations (channel bases, OAuth, payment providers, SMTP, uptime-kuma,
ratio sync) use the app's ordinary session and are not checked, as in new-api."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urljoin

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

from clawrouter.http.outbound_guard import FetchPolicy, FetchRefused, parse_ip

MAX_REDIRECTS = 10
LOOPBACK = ipaddress.IPv4Address("127.0.0.1")
_REDIRECTS = (301, 302, 303, 307, 308)


def _parse(url: str) -> URL:
    """The URL as aiohttp will read it: checks run on this very parse, so no difference
    between two URL parsers can make the checked host differ from the connected one."""
    try:
        parsed = URL(url)
        parsed.raw_host  # noqa: B018 (an invalid authority raises here)
    except (ValueError, TypeError):
        raise FetchRefused("invalid URL format") from None
    return parsed


class GuardedResolver(AbstractResolver):
    """Resolves through `inner`, then refuses the host when any address it resolves to is
    not allowed (new-api refuses a name when one of its addresses is refused)."""

    def __init__(self, client: OutboundClient) -> None:
        self.client = client

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self.client.resolver.resolve(host, port, family)
        policy = self.client.policy()
        if policy.checks_names():
            for result in results:
                ip = parse_ip(result["host"])
                if ip is None:
                    raise FetchRefused(f"{host} resolved to something that is not an address")
                policy.check_ip(ip, host.rstrip("."))
        return results

    async def close(self) -> None:
        await self.client.resolver.close()


class OutboundClient:
    """Fetches on a user's behalf. `policy` is read at every check, so an option change
    applies to the next connection; `resolver` turns names into addresses (tests put a fake
    one here: never real DNS)."""

    def __init__(self, policy: Callable[[], FetchPolicy], resolver: AbstractResolver) -> None:
        self.policy = policy
        self.resolver = resolver
        self._session: aiohttp.ClientSession | None = None

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            connector = aiohttp.TCPConnector(
                resolver=GuardedResolver(self),
                use_dns_cache=False,
                force_close=True,
            )
            self._session = aiohttp.ClientSession(connector=connector, trust_env=False)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
        else:
            await self.resolver.close()

    def check(self, url: str) -> None:
        """The check that needs no network (the settings PUT): scheme, port, domain lists,
        a literal address, and `localhost` names (always loopback). Addresses a name
        resolves to are checked when it is fetched. Raises FetchRefused."""
        policy = self.policy()
        name = policy.check_url(str(_parse(url)))
        if name is not None and (name == "localhost" or name.endswith(".localhost")):
            policy.check_ip(LOOPBACK, name)

    @asynccontextmanager
    async def request(
        self, method: str, url: str, **kw: Any
    ) -> AsyncIterator[aiohttp.ClientResponse]:
        """Like ClientSession.request; redirects (when allowed) are followed here, every hop
        checked. Raises FetchRefused for a refused destination, at any hop."""
        follow = kw.pop("allow_redirects", True)
        for _ in range(MAX_REDIRECTS + 1):
            parsed = _parse(url)
            self.policy().check_url(str(parsed))
            resp = await self.session.request(method, parsed, allow_redirects=False, **kw)
            location = resp.headers.get("Location")
            if not follow or resp.status not in _REDIRECTS or not location:
                try:
                    yield resp
                finally:
                    resp.release()
                return
            resp.release()
            url = urljoin(str(resp.url), location)
            if resp.status == 303 or (resp.status in (301, 302) and method == "POST"):
                method, kw = "GET", {k: v for k, v in kw.items() if k not in ("data", "json")}
        raise FetchRefused(f"too many redirects (more than {MAX_REDIRECTS})")
