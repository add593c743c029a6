"""AWS Signature Version 4, header form (what the Bedrock adapter signs its calls with):
canonical request, string to sign, signing key and the Authorization header. Pure: the time
comes in as an argument.

The canonical URI is the URI-encoding of the path exactly as it goes on the wire (yarl's
`raw_path`, which is what aiohttp sends), so an already-encoded model id (`…v1%3A0`, which yarl
sends as `…v1:0`) is signed the way AWS re-encodes what it receives. Paths are not normalised
(no `.`/`..` segments are ever built here).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, unquote

from yarl import URL

ALGORITHM = "AWS4-HMAC-SHA256"
# Headers the Bedrock adapter signs: never ones a channel's header override may rewrite later.
SIGNED = ("host", "x-amz-content-sha256", "x-amz-date", "x-amz-security-token")
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True, slots=True)
class AwsCredentials:
    access_key: str
    secret_key: str
    session_token: str = ""


def amz_date(now: int) -> str:
    """`YYYYMMDDTHHMMSSZ` for a unix time."""
    return datetime.fromtimestamp(now, UTC).strftime("%Y%m%dT%H%M%SZ")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _encode(text: str, safe: str = "") -> str:
    """AWS URI-encoding: everything but A-Z a-z 0-9 - _ . ~ (and `safe`) as %XX."""
    return quote(text, safe=safe)


def canonical_uri(raw_path: str) -> str:
    return _encode(raw_path or "/", safe="/")


def canonical_query(raw_query: str) -> str:
    pairs = []
    for part in raw_query.split("&") if raw_query else []:
        name, _, value = part.partition("=")
        pairs.append((_encode(unquote(name)), _encode(unquote(value))))
    return "&".join(f"{n}={v}" for n, v in sorted(pairs))


def _trim(value: str) -> str:
    return " ".join(value.split())


def canonical_request(
    method: str,
    raw_path: str,
    raw_query: str,
    headers: Mapping[str, str],
    signed: Iterable[str],
    payload_hash: str,
) -> tuple[str, str]:
    """(canonical request, signed-headers list) over the named headers present in `headers`."""
    lower = {k.lower(): _trim(str(v)) for k, v in headers.items()}
    names = sorted(n for n in {s.lower() for s in signed} if n in lower)
    header_block = "".join(f"{n}:{lower[n]}\n" for n in names)
    signed_list = ";".join(names)
    parts = [
        method.upper(),
        canonical_uri(raw_path),
        canonical_query(raw_query),
        header_block,
        signed_list,
        payload_hash,
    ]
    return "\n".join(parts), signed_list


def signing_key(secret_key: str, date: str, region: str, service: str) -> bytes:
    key = ("AWS4" + secret_key).encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def string_to_sign(stamp: str, scope: str, canonical: str) -> str:
    return "\n".join([ALGORITHM, stamp, scope, sha256_hex(canonical.encode())])


def authorization(
    method: str,
    raw_path: str,
    raw_query: str,
    headers: Mapping[str, str],
    signed: Iterable[str],
    payload_hash: str,
    creds: AwsCredentials,
    region: str,
    service: str,
    stamp: str,
) -> str:
    """The Authorization header value; `headers` must already hold x-amz-date = `stamp`."""
    canonical, signed_list = canonical_request(
        method, raw_path, raw_query, headers, signed, payload_hash
    )
    scope = f"{stamp[:8]}/{region}/{service}/aws4_request"
    key = signing_key(creds.secret_key, stamp[:8], region, service)
    to_sign = string_to_sign(stamp, scope, canonical)
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return (
        f"{ALGORITHM} Credential={creds.access_key}/{scope}, "
        f"SignedHeaders={signed_list}, Signature={signature}"
    )


def host_header(url: URL) -> str:
    host = url.raw_host or ""
    port = url.explicit_port
    if port is not None and port != _DEFAULT_PORTS.get(url.scheme):
        return f"{host}:{port}"
    return host


def sign(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    creds: AwsCredentials,
    region: str,
    service: str,
    now: int,
) -> dict[str, str]:
    """`headers` plus Host, X-Amz-Date, X-Amz-Content-Sha256, X-Amz-Security-Token (when the
    credentials carry one) and Authorization."""
    wire = URL(url)
    stamp = amz_date(now)
    payload_hash = sha256_hex(body)
    out = {
        **headers,
        "Host": host_header(wire),
        "X-Amz-Date": stamp,
        "X-Amz-Content-Sha256": payload_hash,
    }
    if creds.session_token:
        out["X-Amz-Security-Token"] = creds.session_token
    out["Authorization"] = authorization(
        method, wire.raw_path, wire.raw_query_string, out, SIGNED, payload_hash,
        creds, region, service, stamp,
    )  # fmt: skip
    return out
