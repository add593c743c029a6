"""The binary-stream answer (speech audio, images, transcriptions): the upstream's bytes reach
the client as they arrive, with the upstream's content type, while the job's meter watches
them for usage; then settle (per-call images times the job's other ratios). The first chunk
is read before the client's response starts, so a failure until then still fails over.
An adapter whose media answer must be converted (Imagen :predict → OpenAI images) answers
it as one converted document instead (MediaResponder)."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Protocol, runtime_checkable

import aiohttp
from aiohttp import web

from clawrouter.billing import pricing
from clawrouter.keys import STREAMING
from clawrouter.relay import upstream
from clawrouter.relay.answers.delivery import Delivery
from clawrouter.relay.job import Job
from clawrouter.relay.media.meters import Meter
from clawrouter.relay.providers.base import UpstreamError
from clawrouter.relay.settlement import settle
from clawrouter.relay.state import RelayState
from clawrouter.wire.usage import Usage

log = logging.getLogger(__name__)
_CHUNK = 1 << 16


@runtime_checkable
class MediaResponder(Protocol):
    """Optional adapter side: a media answer in the provider's own shape, converted to the
    OpenAI one for the client: (body, content type, usage the answer reported or None).
    `request` is the client's body (the JSON body or a form's text fields)."""

    def converts_media(self, endpoint: str) -> bool: ...

    def media_response(
        self, endpoint: str, body: bytes, created: int, request: dict[str, Any]
    ) -> tuple[bytes, str, Usage | None]: ...


def settle_media(state: RelayState, job: Job, meter: Meter) -> pricing.Settlement:
    """Charge what the meter saw: tokens × ratios, or per call × n × size/quality ratios."""
    job.content_notes.extend(meter.notes)
    return settle(state, job, meter.usage())


async def _first_chunk(resp: aiohttp.ClientResponse) -> bytes:
    try:
        return await resp.content.read(_CHUNK)
    except TimeoutError:
        resp.close()
        raise UpstreamError(
            504, "upstream timed out", code="upstream_timeout", local=True
        ) from None
    except aiohttp.ClientError as e:
        resp.close()
        raise UpstreamError(
            502, f"reading the upstream response failed: {type(e).__name__}",
            code="read_response_body_failed", local=True,
        ) from None  # fmt: skip


async def deliver(d: Delivery) -> web.StreamResponse:
    request, state, job, resp, adapter = d.request, d.state, d.job, d.resp, d.adapter
    meter: Meter = job.meter
    if isinstance(adapter, MediaResponder) and adapter.converts_media(job.upstream_endpoint):
        return await _converted(d, adapter, meter)
    first = await _first_chunk(resp)
    job.frt_ms = max(1, int((time.perf_counter() - job.started) * 1000))
    ctype = resp.headers.get("Content-Type", "application/octet-stream")
    meter.start(ctype)
    out = web.StreamResponse(status=200, headers={"Content-Type": ctype})
    out.headers["X-Request-Id"] = job.request_id
    await out.prepare(request)
    request[STREAMING] = True
    job.started_response = True
    job.end_reason = "done"
    try:
        chunk = first
        while chunk:
            meter.feed(chunk)
            try:
                await out.write(chunk)
            except (ConnectionError, aiohttp.ClientConnectionResetError):
                job.end_reason = "client_gone"
                break
            chunk = await resp.content.read(_CHUNK)
    except (ConnectionError, aiohttp.ClientConnectionResetError):
        job.end_reason = "upstream_cut"
    except TimeoutError:
        job.end_reason = "timeout"
    except aiohttp.ClientPayloadError:
        job.end_reason = "upstream_cut"
    except asyncio.CancelledError:
        job.end_reason = "client_gone"
        resp.close()
        settle_media(state, job, meter)
        raise
    finally:
        resp.close()
    settle_media(state, job, meter)
    if job.end_reason in ("upstream_cut", "timeout") and request.transport is not None:
        # Bytes cannot carry an error: end the connection without the chunked terminator,
        # so the client sees a truncated body rather than a short but complete file.
        request.transport.close()
    elif job.end_reason != "client_gone":
        try:
            await out.write_eof()
        except (ConnectionError, aiohttp.ClientConnectionResetError):
            job.end_reason = "client_gone"
    return out


async def _converted(d: Delivery, adapter: MediaResponder, meter: Meter) -> web.Response:
    job = d.job
    raw = await upstream.read_body(d.resp)
    job.frt_ms = max(1, int((time.perf_counter() - job.started) * 1000))
    body, ctype, reported = adapter.media_response(
        job.upstream_endpoint, raw, job.created_at, job.body
    )
    meter.start(ctype)
    if reported is not None and not reported.is_empty():
        meter.reported = reported
    else:
        meter.feed(body)
    job.end_reason = "done"
    settle_media(d.state, job, meter)
    return web.Response(body=body, headers={"Content-Type": ctype})
