"""The fetch policy (new-api's fetch_setting.*): tables of URLs, addresses, CIDRs, ports, IPv6
forms, IPv4-mapped and other IPv4-carrying IPv6 addresses, and what the option check says."""

from __future__ import annotations

import ipaddress

import pytest

from clawrouter.http.outbound_guard import (
    FetchPolicy,
    FetchRefused,
    check_option,
    is_private,
    legacy_ipv4,
    parse_ip,
    parse_ports,
)
from clawrouter.options.defaults import specs
from clawrouter.options.registry import parse

DEFAULT = FetchPolicy()


def options(**values: object) -> dict[str, object]:
    out = {s.key: parse(s, s.default) for s in specs() if s.key.startswith("fetch_setting.")}
    out.update({f"fetch_setting.{k}": v for k, v in values.items()})
    return out


def test_the_options_default_to_new_apis_defaults():
    assert FetchPolicy.from_options(options()) == DEFAULT
    assert DEFAULT.enabled and not DEFAULT.allow_private_ip and DEFAULT.ip_filter_for_domain
    assert DEFAULT.ports == ((80, 80), (443, 443), (8080, 8080), (8443, 8443))


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.255.255.254",
        "10.1.2.3",
        "172.16.0.1",
        "172.31.255.255",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata
        "0.0.0.0",
        "0.1.2.3",
        "100.64.0.1",  # shared address space (CGNAT)
        "224.0.0.1",  # multicast
        "239.255.255.250",
        "240.0.0.1",  # reserved
        "255.255.255.255",
        "192.0.2.1",  # documentation
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "fd12:3456::1",
        "ff02::1",  # IPv6 multicast
        "::ffff:127.0.0.1",  # IPv4-mapped
        "::ffff:169.254.169.254",
        "::ffff:10.0.0.1",
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
        "2002:7f00:1::1",  # 6to4 of 127.0.0.1
        "2001:db8::1",  # documentation
    ],
)
def test_private_addresses(address: str):
    ip = ipaddress.ip_address(address)
    assert is_private(ip)
    with pytest.raises(FetchRefused, match="private IP address not allowed"):
        DEFAULT.check_ip(ip)
    FetchPolicy(allow_private_ip=True).check_ip(ip)  # allowed when the option says so


@pytest.mark.parametrize(
    "address", ["8.8.8.8", "1.1.1.1", "93.184.216.34", "2606:4700::1111", "::ffff:8.8.8.8"]
)
def test_public_addresses(address: str):
    ip = ipaddress.ip_address(address)
    assert not is_private(ip)
    DEFAULT.check_ip(ip)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://127.0.0.1/hook", "private IP address not allowed: 127.0.0.1"),
        ("http://[::1]/hook", "private IP address not allowed: ::1"),
        ("http://[::ffff:127.0.0.1]/hook", "private IP address not allowed"),
        ("http://[::ffff:7f00:1]/hook", "private IP address not allowed"),  # the same, in hex
        ("http://[fe80::1%25eth0]/hook", "private IP address not allowed: fe80::1"),
        ("http://169.254.169.254/latest/meta-data/", "private IP address not allowed"),
        ("https://user:pw@10.0.0.1/x", "private IP address not allowed: 10.0.0.1"),
        ("ftp://example.com/x", "unsupported protocol: ftp"),
        ("file:///etc/passwd", "unsupported protocol: file"),
        ("gopher://example.com:70/x", "unsupported protocol: gopher"),
        ("http://example.com:22/x", "port 22 is not allowed"),
        ("https://example.com:6379/", "port 6379 is not allowed"),
        ("http://8.8.8.8:3000/", "port 3000 is not allowed"),
        ("http://example.com:99999/", "invalid URL format"),
        ("http:///nohost", "invalid URL format"),
    ],
)
def test_refused_urls(url: str, message: str):
    with pytest.raises(FetchRefused, match=message.replace("[", r"\[")):
        DEFAULT.check_url(url)


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("https://hooks.example.com/x", "hooks.example.com"),
        ("http://Example.COM./x", "example.com"),  # case and the root dot do not matter
        ("http://example.com:8080/x", "example.com"),
        ("https://example.com:8443/x", "example.com"),
        ("http://8.8.8.8/x", None),  # a literal address: nothing left to resolve
        ("https://[2606:4700::1111]/x", None),
    ],
)
def test_allowed_urls_and_what_is_left_to_resolve(url: str, name: str | None):
    assert DEFAULT.check_url(url) == name


@pytest.mark.parametrize(
    ("spelling", "address"),
    [
        ("2130706433", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("0xa9.0xfe.0xa9.0xfe", "169.254.169.254"),
        ("2852039166", "169.254.169.254"),
        ("017700000001", "127.0.0.1"),
    ],
)
def test_shorthand_ipv4_spellings_are_the_addresses_they_stand_for(spelling: str, address: str):
    # ipaddress refuses them, but inet_aton (and so getaddrinfo) reads them as addresses
    assert parse_ip(spelling) is None and str(legacy_ipv4(spelling)) == address
    with pytest.raises(FetchRefused, match=f"{spelling} resolves to {address}"):
        DEFAULT.check_url(f"http://{spelling}/")


@pytest.mark.parametrize("name", ["example.com", "1.example", "0x7f.example", "deadbeef", "1e3"])
def test_names_are_not_shorthand_addresses(name: str):
    assert legacy_ipv4(name) is None


def test_a_public_shorthand_address_is_judged_as_that_address():
    assert DEFAULT.check_url("http://134744072/") is None  # 8.8.8.8
    with pytest.raises(FetchRefused, match=r"IP in blacklist: 134744072 resolves to 8\.8\.8\.8"):
        FetchPolicy(networks=(ipaddress.ip_network("8.8.8.8/32"),)).check_url("http://134744072/")


def test_protection_off_allows_everything():
    off = FetchPolicy(enabled=False)
    assert off.check_url("gopher://127.0.0.1:25/") is None
    off.check_ip(ipaddress.ip_address("169.254.169.254"))
    assert not off.checks_names()


def test_domain_blacklist_and_whitelist():
    black = FetchPolicy(domains=("evil.com", "*.internal.example"), ports=())
    for url in ("http://evil.com/", "http://a.b.internal.example/", "http://internal.example/"):
        with pytest.raises(FetchRefused, match="domain in blacklist"):
            black.check_url(url)
    assert black.check_url("http://notevil.com/") == "notevil.com"
    assert black.check_url("http://evil.com.example.org/") == "evil.com.example.org"

    white = FetchPolicy(domain_whitelist=True, domains=("*.slack.com", "api.day.app"))
    assert white.check_url("https://hooks.slack.com/x") == "hooks.slack.com"
    assert white.check_url("https://api.day.app/k/t") == "api.day.app"
    for url in ("https://slack.com.evil.io/", "https://day.app/", "https://example.com/"):
        with pytest.raises(FetchRefused, match="domain not in whitelist"):
            white.check_url(url)


def test_ip_blacklist_and_whitelist_with_cidrs():
    nets = tuple(ipaddress.ip_network(n) for n in ("45.33.0.0/16", "8.8.8.8", "2606:4700::/32"))
    black = FetchPolicy(networks=nets)
    for address in ("45.33.32.156", "8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8"):
        with pytest.raises(FetchRefused, match="IP in blacklist"):
            black.check_ip(ipaddress.ip_address(address))
    black.check_ip(ipaddress.ip_address("8.8.4.4"))

    white = FetchPolicy(ip_whitelist=True, networks=nets)
    white.check_ip(ipaddress.ip_address("45.33.200.1"))
    white.check_ip(ipaddress.ip_address("::ffff:8.8.8.8"))  # mapped: its IPv4 form is listed
    with pytest.raises(FetchRefused, match=r"IP not in whitelist: example\.org resolves to 1\.1"):
        white.check_ip(ipaddress.ip_address("1.1.1.1"), "example.org")


def test_a_listed_private_address_still_needs_allow_private_ip():
    nets = (ipaddress.ip_network("10.0.0.0/8"),)
    with pytest.raises(FetchRefused, match="private IP"):
        FetchPolicy(ip_whitelist=True, networks=nets).check_ip(ipaddress.ip_address("10.1.1.1"))
    p = FetchPolicy(ip_whitelist=True, networks=nets, allow_private_ip=True)
    p.check_ip(ipaddress.ip_address("10.1.1.1"))
    with pytest.raises(FetchRefused, match="IP not in whitelist"):
        p.check_ip(ipaddress.ip_address("192.168.0.1"))


def test_apply_ip_filter_for_domain_off_leaves_names_unresolved():
    p = FetchPolicy(ip_filter_for_domain=False)
    assert p.check_url("http://localhost/") is None
    assert not p.checks_names()
    with pytest.raises(FetchRefused):  # literal addresses are still checked
        p.check_url("http://127.0.0.1/")


def test_ports():
    assert parse_ports(["80", " 8000-9000 ", "443"]) == ((80, 80), (8000, 9000), (443, 443))
    p = FetchPolicy(ports=parse_ports(["8000-9000"]), allow_private_ip=True)
    assert p.check_url("http://example.com:8500/") == "example.com"
    with pytest.raises(FetchRefused, match="port 80 is not allowed"):
        p.check_url("http://example.com/")
    assert FetchPolicy(ports=()).check_url("http://example.com:1/") == "example.com"  # [] = all
    for bad in (["0"], ["65536"], ["9000-8000"], ["http"], ["1-2-3"]):
        with pytest.raises(FetchRefused):
            parse_ports(bad)


@pytest.mark.parametrize(
    ("key", "value", "problem"),
    [
        ("allowed_ports", ["80", "8000-9000"], None),
        ("allowed_ports", [], None),
        ("allowed_ports", ["70000"], "ports must be 1-65535"),
        ("allowed_ports", ["abc"], "invalid port"),
        ("allowed_ports", {"a": 1}, "must be a JSON array"),
        ("ip_list", ["10.0.0.0/8", "1.2.3.4", "2001:db8::/32"], None),
        ("ip_list", ["10.0.0.0/33"], "invalid IP or CIDR in ip_list: 10.0.0.0/33"),
        ("ip_list", ["example.com"], "invalid IP or CIDR"),
        ("domain_list", ["example.com", "*.example.com"], None),
        ("domain_list", [{"x": 1}], "must be a JSON array of strings"),
    ],
)
def test_option_check(key: str, value: object, problem: str | None):
    found = check_option("fetch_setting." + key, value)
    assert (found is None) if problem is None else (problem in (found or ""))


def test_a_stored_list_that_does_not_parse_fails_closed():
    p = FetchPolicy.from_options(options(ip_list=["not an ip"]))
    assert p.enabled and p.domain_whitelist and p.ip_whitelist and not p.domains
    with pytest.raises(FetchRefused):
        p.check_url("https://example.com/")
