"""Transport to an upstream: send a prepared call on the shared session with the configured
timeouts; turn network failures and error answers into UpstreamError."""

from __future__ import annotations

import functools

import aiohttp

from clawrouter.config import RelayConfig
from clawrouter.http.upstream_client import Response, UpstreamClient
from clawrouter.relay.providers.base import ProviderAdapter, UpstreamCall, UpstreamError

MAX_ERROR_BODY = 1 << 20
# What send returns: aiohttp's response, or the lean client's with the same surface.
UpstreamResponse = aiohttp.ClientResponse | Response


@functools.lru_cache(maxsize=8)  # a pure function of the frozen config: two values per app
def timeout_for(cfg: RelayConfig, stream: bool) -> aiohttp.ClientTimeout:
    return aiohttp.ClientTimeout(
        total=None,
        sock_connect=cfg.connect_timeout_seconds,
        sock_read=cfg.stream_idle_timeout_seconds if stream else cfg.first_byte_timeout_seconds,
    )


async def send(
    http: aiohttp.ClientSession,
    call: UpstreamCall,
    limits: aiohttp.ClientTimeout,
    lean: UpstreamClient | None = None,
) -> UpstreamResponse:
    """Send `call`; the one place that decides the client: the lean one (when the app has it:
    relay.upstream_client = "lean") for a bytes body or none to an http(s) URL, else aiohttp
    (multipart and other bodies, anything the lean client does not send). Both raise aiohttp's
    exception types."""
    try:
        if lean is not None and isinstance(call.body, bytes | None) and lean.can_send(call.url):
            return await lean.request(
                call.method, call.url, call.headers, call.body, limits.sock_connect,
                limits.sock_read,
            )  # fmt: skip
        return await http.request(
            call.method,
            call.url,
            headers=call.headers,
            data=call.body,
            timeout=limits,
            allow_redirects=False,
        )
    except TimeoutError:
        raise UpstreamError(
            504, "upstream timed out", code="upstream_timeout", local=True
        ) from None
    except aiohttp.ClientError as e:
        raise UpstreamError(
            502,
            f"upstream request failed: {network_problem(e)} ({type(e).__name__})",
            code="do_request_failed",
            local=True,
        ) from None


def network_problem(e: aiohttp.ClientError) -> str:
    """Plain words for why a request did not get through (the channel's URL stays out of it:
    the client may not see it; the log line names the channel)."""
    if isinstance(e, aiohttp.ClientConnectorDNSError):
        return "the upstream host name could not be resolved (check the channel's base URL)"
    if isinstance(e, aiohttp.ClientConnectorCertificateError | aiohttp.ClientSSLError):
        return "the TLS connection to the upstream failed"
    if isinstance(e, aiohttp.ClientConnectorError):
        return "the upstream refused or dropped the connection"
    if isinstance(e, aiohttp.ServerDisconnectedError):
        return "the upstream closed the connection before answering"
    if isinstance(e, aiohttp.InvalidURL):
        return "the channel's base URL is not a valid URL"
    return "the connection to the upstream failed"


async def read_error(resp: UpstreamResponse, adapter: ProviderAdapter) -> UpstreamError:
    try:
        body = await resp.content.read(MAX_ERROR_BODY)
    except (aiohttp.ClientError, TimeoutError):
        body = b""
    finally:
        resp.release()
    err = adapter.parse_error(resp.status, body)
    retry_after = resp.headers.get("Retry-After")
    if retry_after and retry_after.isdigit():
        err.retry_after = int(retry_after)
    return err


async def read_body(resp: UpstreamResponse) -> bytes:
    try:
        return await resp.read()
    except TimeoutError:
        raise UpstreamError(
            504, "upstream timed out", code="upstream_timeout", local=True
        ) from None
    except aiohttp.ClientError as e:
        raise UpstreamError(
            502, f"reading the upstream response failed: {type(e).__name__}",
            code="read_response_body_failed", local=True,
        ) from None  # fmt: skip
    finally:
        resp.release()
