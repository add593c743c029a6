"""The official SDK clients every test uses, in strict mode, and the SDKs' own types as checks of
raw wire bodies.

openai and anthropic validate each JSON body and each stream event with their pydantic types when
built with `_strict_response_validation=True` (required fields, literals, types; extra fields are
allowed). google-genai has no such switch: it drops the fields it does not read before validating
and its types have no required fields, so a misspelt field would vanish silently. Its client here
runs on an aiohttp session that checks each raw body and SSE event against the genai types by
their wire (camelCase) names with extra fields forbidden, before the SDK sees it.

Both openai's and anthropic's `client.with_options(...)` / `copy()` return a client WITHOUT
strict validation (openai 3.57, anthropic 2.16): build another client here instead."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import anthropic
import openai
import orjson
from google import genai
from google.genai import types as gtypes

from tests.support import sdk_types

STRICT = {"_strict_response_validation": True, "max_retries": 0}
# Where an SDK's own types reject what the real API sends, a test passes LENIENT for that call
# and test_sdk_strict checks the raw body instead (tests/support/sdk_types.py):
# - openai CreateEmbeddingResponse types `embedding` as list[float], yet the SDK asks for
#   encoding_format="base64" by default and the API then answers with a base64 string;
# - openai Completion (also each legacy /v1/completions stream chunk) requires `finish_reason`,
#   which the API sends as null on every stream chunk but the last.
LENIENT = {"_strict_response_validation": False}


def openai_client(base_url: str, api_key: str, **kw: Any) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(base_url=base_url, api_key=api_key, **{**STRICT, **kw})


def azure_client(endpoint: str, api_key: str, **kw: Any) -> openai.AsyncAzureOpenAI:
    return openai.AsyncAzureOpenAI(azure_endpoint=endpoint, api_key=api_key, **{**STRICT, **kw})


def anthropic_client(base_url: str, api_key: str, **kw: Any) -> anthropic.AsyncAnthropic:
    return anthropic.AsyncAnthropic(base_url=base_url, api_key=api_key, **{**STRICT, **kw})


@asynccontextmanager
async def genai_client(
    base_url: str, api_key: str, api_version: str | None = None
) -> AsyncIterator[genai.Client]:
    """A google-genai client whose every response is checked by check_gemini first."""
    session = aiohttp.ClientSession(middlewares=(_check_gemini_response,))
    options = gtypes.HttpOptions(
        base_url=base_url,
        api_version=api_version,
        retry_options=gtypes.HttpRetryOptions(attempts=1),
        aiohttp_client=session,
    )
    client = genai.Client(api_key=api_key, http_options=options)
    try:
        yield client
    finally:
        await client.aio.aclose()
        await session.close()


# ---- google-genai: each raw body checked before the SDK reads it ------------------------------------
def check_gemini(method: str, path: str, status: int, raw: Any) -> None:
    """One raw Gemini body or SSE event's data, against the genai types (tests/support/sdk_types)."""
    if ":" in path:
        sdk_types.gemini(path.rpartition(":")[2], status, raw)
    elif status >= 400:
        sdk_types.google_error(raw, status)
    elif method == "GET" and path.rstrip("/").endswith("/models"):
        sdk_types.gemini_models(raw)
    elif method == "GET" and "/models/" in path:
        sdk_types.gemini_model(raw)
    else:
        raise AssertionError(f"no Gemini response type known for {method} {path}")


def _sse_data(body: bytes) -> list[Any]:
    return [orjson.loads(data) for _, data in sdk_types.sse_events(body) if data != "[DONE]"]


class _CheckedContent:
    """Stands in for a response's content stream: each complete SSE event (or the whole JSON
    body) goes through check as it passes to the SDK, without buffering the stream."""

    def __init__(self, inner: aiohttp.StreamReader, check: Callable[[Any], None]) -> None:
        self._inner, self._check, self._pending = inner, check, b""

    async def read(self, n: int = -1) -> bytes:
        data = await self._inner.read(n)
        if n == -1 and data:
            self._check(orjson.loads(data))
        return data

    async def iter_any(self) -> AsyncIterator[bytes]:
        async for chunk in self._inner.iter_any():
            self._pending += chunk.replace(b"\r\n", b"\n")
            *done, self._pending = self._pending.split(b"\n\n")
            for event in _sse_data(b"\n\n".join(done)):
                self._check(event)
            yield chunk
        for event in _sse_data(self._pending):
            self._check(event)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


async def _check_gemini_response(
    req: aiohttp.ClientRequest, handler: Callable[..., Any]
) -> aiohttp.ClientResponse:
    resp = await handler(req)
    method, path, status = req.method, req.url.path, resp.status
    resp.content = _CheckedContent(  # type: ignore[assignment]
        resp.content, lambda raw: check_gemini(method, path, status, raw)
    )
    return resp
