"""Which destinations a user-controlled outbound fetch may reach: new-api's fetch settings
(`fetch_setting.*` options) as one policy, and the checks on a URL and on an address.

Pure: no aiohttp, no I/O (inet_aton only parses). The connect-time enforcement (every
resolved address, every redirect) is clawrouter.http.outbound; admin-configured destinations
(channel bases, OAuth, payments, SMTP, uptime-kuma, ratio sync) never come here."""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

IP = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

PREFIX = "fetch_setting."
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_LEGACY = re.compile(r"(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]+)){0,3}")


class FetchRefused(ValueError):
    """The destination is not allowed; the message (new-api's wording) is safe to show."""


def _strings(value: Any, key: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        raise FetchRefused(f"{PREFIX}{key} must be a JSON array of strings")
    return [str(v).strip() for v in value if str(v).strip()]


def parse_ports(items: list[str]) -> tuple[tuple[int, int], ...]:
    """["80", "8000-9000"] -> ((80, 80), (8000, 9000)); raises FetchRefused."""
    out = []
    for item in items:
        lo, sep, hi = item.partition("-")
        try:
            a, b = int(lo.strip()), int(hi.strip()) if sep else int(lo.strip())
        except ValueError:
            raise FetchRefused(f"invalid port or port range: {item}") from None
        if not sep and not 1 <= a <= 65535:
            raise FetchRefused(f"invalid port {item}: ports must be 1-65535")
        if a > b or not (1 <= a <= 65535 and 1 <= b <= 65535):
            raise FetchRefused(f"invalid port range {item}: ports must be 1-65535, start ≤ end")
        out.append((a, b))
    return tuple(out)


def parse_networks(items: list[str]) -> tuple[Network, ...]:
    """["10.0.0.0/8", "1.2.3.4"] -> networks; raises FetchRefused."""
    try:
        return tuple(ipaddress.ip_network(item, strict=False) for item in items)
    except ValueError:
        bad = next(i for i in items if not _is_network(i))
        raise FetchRefused(f"invalid IP or CIDR in ip_list: {bad}") from None


def _is_network(text: str) -> bool:
    try:
        ipaddress.ip_network(text, strict=False)
    except ValueError:
        return False
    return True


def check_option(key: str, value: Any) -> str | None:
    """Why a submitted fetch_setting list value is unusable, or None (the options PUT)."""
    try:
        if key == PREFIX + "allowed_ports":
            parse_ports(_strings(value, "allowed_ports"))
        elif key == PREFIX + "ip_list":
            parse_networks(_strings(value, "ip_list"))
        elif key == PREFIX + "domain_list":
            _strings(value, "domain_list")
    except FetchRefused as e:
        return str(e)
    return None


def embedded_v4(ip: IP) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, NAT64, 6to4, Teredo), if any."""
    if isinstance(ip, ipaddress.IPv4Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.sixtofour is not None:
        return ip.sixtofour
    return ip.teredo[1] if ip.teredo is not None else None


def is_private(ip: IP) -> bool:
    """Loopback, private, link-local, multicast, reserved, unspecified, shared (CGNAT) and
    documentation ranges, and IPv6 forms carrying such an IPv4 address."""
    inner = embedded_v4(ip)
    if inner is not None and is_private(inner):
        return True
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return False  # a mapped public IPv4 address is judged by that address alone
    return ip.is_multicast or ip.is_reserved or ip.is_unspecified or not ip.is_global


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) of a URL, default ports filled in; ("", "", None) when unparsable."""
    try:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        port = parts.port or {"http": 80, "https": 443}.get(scheme)
        return scheme, (parts.hostname or "").rstrip("."), port
    except ValueError:
        return "", "", None


def parse_ip(host: str) -> IP | None:
    """A URL host as an address (brackets and an IPv6 zone removed), or None for a name."""
    text = host.strip("[]").partition("%")[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def legacy_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """The address a shorthand IPv4 spelling stands for (2130706433, 0x7f000001, 0177.0.0.1,
    127.1: what inet_aton and so the system resolver accept), or None for a real name."""
    if not host or not _LEGACY.fullmatch(host):
        return None
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    enabled: bool = True
    allow_private_ip: bool = False
    domain_whitelist: bool = False
    ip_whitelist: bool = False
    domains: tuple[str, ...] = ()
    networks: tuple[Network, ...] = ()
    ports: tuple[tuple[int, int], ...] = ((80, 80), (443, 443), (8080, 8080), (8443, 8443))
    ip_filter_for_domain: bool = True

    @classmethod
    def from_options(cls, options: Mapping[str, Any] | Any) -> FetchPolicy:
        """From the parsed options; a stored list that no longer parses refuses everything
        (protection stays on) rather than failing open."""

        def get(name: str) -> Any:
            return options[PREFIX + name]

        try:
            return cls(
                enabled=bool(get("enable_ssrf_protection")),
                allow_private_ip=bool(get("allow_private_ip")),
                domain_whitelist=bool(get("domain_filter_mode")),
                ip_whitelist=bool(get("ip_filter_mode")),
                domains=tuple(d.lower().rstrip(".") for d in _strings(get("domain_list"), "d")),
                networks=parse_networks(_strings(get("ip_list"), "ip_list")),
                ports=parse_ports(_strings(get("allowed_ports"), "allowed_ports")),
                ip_filter_for_domain=bool(get("apply_ip_filter_for_domain")),
            )
        except FetchRefused:
            return cls(domain_whitelist=True, ip_whitelist=True)

    # ---- the checks ------------------------------------------------------------------------
    def _domain_listed(self, host: str) -> bool:
        for item in self.domains:
            if host == item:
                return True
            if item.startswith("*.") and (host == item[2:] or host.endswith(item[1:])):
                return True
        return False

    def _ip_listed(self, ip: IP) -> bool:
        inner = embedded_v4(ip) if isinstance(ip, ipaddress.IPv6Address) else None
        return any(ip in net or (inner is not None and inner in net) for net in self.networks)

    def check_ip(self, ip: IP, host: str = "") -> None:
        """Raise FetchRefused when `ip` (resolved from `host`, if given) may not be reached."""
        if not self.enabled:
            return
        shown = str(ip) if not host else f"{host} resolves to {ip}"
        if is_private(ip) and not self.allow_private_ip:
            raise FetchRefused(f"private IP address not allowed: {shown}")
        listed = self._ip_listed(ip)
        if self.ip_whitelist and not listed:
            raise FetchRefused(f"IP not in whitelist: {shown}")
        if not self.ip_whitelist and listed:
            raise FetchRefused(f"IP in blacklist: {shown}")

    def check_url(self, url: str) -> str | None:
        """Scheme, port, literal address and domain checks of one URL (each redirect too).
        Returns the host name still to be checked on its resolved addresses, or None when
        there is nothing left to check (a literal address, a name exempt, protection off)."""
        if not self.enabled:
            return None
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            raise FetchRefused("invalid URL format") from None
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https"):
            raise FetchRefused(f"unsupported protocol: {scheme} (only http/https allowed)")
        host = (parts.hostname or "").lower()
        if not host:
            raise FetchRefused("invalid URL format: no host")
        port = port if port is not None else (443 if scheme == "https" else 80)
        if self.ports and not any(a <= port <= b for a, b in self.ports):
            raise FetchRefused(f"port {port} is not allowed")
        ip = parse_ip(host)
        if ip is not None:
            self.check_ip(ip)
            return None
        name = host.rstrip(".")
        legacy = legacy_ipv4(name)
        if legacy is not None:
            self.check_ip(legacy, name)
            return None
        listed = self._domain_listed(name)
        if self.domain_whitelist and not listed:
            raise FetchRefused(f"domain not in whitelist: {name}")
        if not self.domain_whitelist and listed:
            raise FetchRefused(f"domain in blacklist: {name}")
        return name if self.ip_filter_for_domain else None

    def checks_names(self) -> bool:
        """Whether resolved addresses of a host name are checked at connect time."""
        return self.enabled and self.ip_filter_for_domain
