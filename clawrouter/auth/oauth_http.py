"""Runs the HTTP calls the sign-in adapters build, on the app's shared client session, each
within [providers] timeout_seconds; every failure (refused connection, timeout, an error status,
an answer that is not JSON or too large) becomes an OAuthFailure naming the provider."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
import orjson

from clawrouter.auth.oauth_providers import (
    HttpCall,
    OAuthFailure,
    Provider,
    ProviderUser,
    Settings,
    text,
)

log = logging.getLogger(__name__)
MAX_ANSWER_BYTES = 1 << 20  # a profile or token answer is a few hundred bytes


async def fetch_json(
    http: aiohttp.ClientSession, call: HttpCall, provider: str, seconds: float
) -> Any:
    """The decoded JSON answer to `call`. Messages never carry the URL (WeChat's holds the
    code), the headers or the body sent."""
    try:
        async with asyncio.timeout(seconds):
            status, body = await _send(http, call, provider)
    except TimeoutError:
        raise OAuthFailure(f"{provider} did not answer within {seconds:g} seconds") from None
    except aiohttp.ClientConnectorError as e:
        reason = e.os_error.strerror or "connection failed"
        raise OAuthFailure(f"could not connect to {provider}: {reason}") from None
    except aiohttp.InvalidURL:
        raise OAuthFailure(f"the address configured for {provider} is not a valid URL") from None
    except aiohttp.ClientError as e:
        log.info("%s request failed: %s", provider, type(e).__name__)
        raise OAuthFailure(f"the connection to {provider} failed ({type(e).__name__})") from None
    try:
        data = orjson.loads(body) if body.strip() else None
    except orjson.JSONDecodeError:
        data = None
        if status < 400:
            raise OAuthFailure(f"{provider} answered with something that is not JSON") from None
    if status >= 400:
        raise OAuthFailure(f"{provider} refused the request (HTTP {status}{_detail(data)})")
    if data is None:
        raise OAuthFailure(f"{provider} answered with an empty body")
    return data


async def _send(http: aiohttp.ClientSession, call: HttpCall, provider: str) -> tuple[int, bytes]:
    kwargs: dict[str, Any] = {"headers": dict(call.headers), "allow_redirects": False}
    if call.form is not None:
        kwargs["data"] = dict(call.form)
    elif call.json is not None:
        kwargs["json"] = dict(call.json)
    async with http.request(call.method, call.url, **kwargs) as resp:
        size, chunks = 0, []
        async for chunk in resp.content.iter_chunked(65536):
            size += len(chunk)
            if size > MAX_ANSWER_BYTES:
                raise OAuthFailure(f"{provider} answered with more than {MAX_ANSWER_BYTES} bytes")
            chunks.append(chunk)
        return resp.status, b"".join(chunks)


def _detail(data: Any) -> str:
    """The provider's own words from an error answer, if it sent any."""
    if not isinstance(data, dict):
        return ""
    detail = text(data.get("error_description")) or text(data.get("message"))
    detail = detail or text(data.get("error"))
    return f": {detail[:200]}" if detail else ""


async def identify(
    http: aiohttp.ClientSession, provider: Provider, code: str, s: Settings, seconds: float
) -> ProviderUser:
    """Exchange the authorization code and read who the user is (OIDC discovers its endpoints
    first when the explicit options are empty; GitHub asks for the verified primary email when
    the profile shows none, and signs in without one if that call fails)."""
    name = provider.name
    if (call := provider.discovery_call(s)) is not None:
        s = provider.discovered(s, await fetch_json(http, call, name, seconds))
    answer = await fetch_json(http, provider.token_call(code, s), name, seconds)
    token = provider.access_token(answer)
    user = provider.user(await fetch_json(http, provider.user_call(token, s), name, seconds), s)
    if (call := provider.emails_call(token, user, s)) is not None:
        try:
            user = provider.with_emails(user, await fetch_json(http, call, name, seconds))
        except OAuthFailure as e:
            log.info("%s sign-in goes on without an email address: %s", name, e.message)
    return user
