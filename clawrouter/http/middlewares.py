"""Root middlewares: request id, error rendering in the caller's protocol, body-size limit,
security headers, and (edge) the metrics of every answer. Nothing here leaks a traceback to a
client."""

from __future__ import annotations

import asyncio
import functools
import logging
import random
import time
from typing import TYPE_CHECKING

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.web_protocol import RequestPayloadError
from multidict import istr

from clawrouter.config import Config
from clawrouter.db.store import DuplicateError, StoreError
from clawrouter.errors import (
    ApiError,
    BadRequestError,
    ClawError,
    NotFoundError,
    PayloadTooLargeError,
)
from clawrouter.http.observe import CLIENT_GONE, METHODS, route_label
from clawrouter.http.render import error_response, protocol_for
from clawrouter.keys import JOB, REQUEST_ID, STREAMING
from clawrouter.logs import REQUEST_ID as LOG_REQUEST_ID

if TYPE_CHECKING:
    from clawrouter.metrics import Metrics

log = logging.getLogger("clawrouter.http")


@functools.lru_cache(maxsize=2)  # a pure function of the second: one strftime per second
def _utc_stamp(second: int) -> str:
    return time.strftime("%Y%m%d%H%M%S", time.gmtime(second))


def new_request_id() -> str:
    """UTC yyyymmddHHMMSS + 9-digit nanoseconds + 8 random hex characters (the reference's
    shape). An id, not a secret: no cryptographic randomness needed."""
    second, ns = divmod(time.time_ns(), 1_000_000_000)
    # zero-padded by a leading digit sliced off: a third of the cost of format specs
    nanos = str(ns + 1_000_000_000)[1:]
    return _utc_stamp(second) + nanos + hex(random.getrandbits(32) | 0x1_0000_0000)[3:]


def _http_error(exc: web.HTTPException, request: web.Request) -> ClawError:
    if isinstance(exc, web.HTTPRequestEntityTooLarge):
        return PayloadTooLargeError("request body too large")
    if isinstance(exc, web.HTTPNotFound):
        return NotFoundError(f"Invalid URL ({request.method} {request.path})")
    if isinstance(exc, web.HTTPMethodNotAllowed):
        return ClawError(
            f"method {request.method} is not allowed on {request.path}",
            status=405,
            code="method_not_allowed",
            type="invalid_request_error",
        )
    return ClawError(exc.reason or "error", status=exc.status, type="invalid_request_error")


def _store_error(err: StoreError) -> ClawError:
    """The store's refusal as a business error: which value is taken, never a 500."""
    if isinstance(err, DuplicateError):
        names = ", ".join(c.rpartition(".")[2] for c in err.columns) or "value"
        return ApiError(f"{names} is already taken; choose another", code="duplicate")
    log.warning("store refused a write: %s", err)
    return ApiError("the store refused this change (a related record is missing or in use)")


def _rendered(request: web.Request, exc: Exception, rid: str) -> web.StreamResponse:
    """The answer for an exception a handler raised, in the caller's protocol; re-raises what
    must not be rendered (a redirect; an unexpected error once a stream began)."""
    if isinstance(exc, ClawError):
        err = exc
    elif isinstance(exc, StoreError):  # a write a handler did not expect to be refused
        err = _store_error(exc)
    elif isinstance(exc, (RequestPayloadError, HttpProcessingError)):  # the body is broken
        err = BadRequestError(f"the request body cannot be read ({exc.__class__.__name__})")
    elif isinstance(exc, OverflowError):  # a number from the request past what the store holds
        log.warning("a number out of range on %s %s", request.method, request.path)
        err = BadRequestError("a number in the request is out of range")
    elif isinstance(exc, web.HTTPException):
        if exc.status < 400:
            raise exc
        response = error_response(
            _http_error(exc, request), protocol_for(request.path, request.headers, request.query)
        )
        if "Allow" in exc.headers:  # a 405 names the methods the path does accept
            response.headers["Allow"] = exc.headers["Allow"]
        return response
    else:
        log.exception("unhandled error on %s %s", request.method, request.path)
        if request.get(STREAMING):
            raise exc  # the status line is gone; let aiohttp drop the connection
        err = ClawError(f"internal server error (request id: {rid})", code="internal_error")
    return error_response(err, protocol_for(request.path, request.headers, request.query))


# istr names: a CIMultiDict does not case-fold them again on every request
_X_REQUEST_ID, _X_CONTENT_TYPE_OPTIONS = istr("X-Request-Id"), istr("X-Content-Type-Options")


def _stamped(response: web.StreamResponse, rid: str) -> web.StreamResponse:
    if not response.prepared:
        headers = response.headers
        headers[_X_REQUEST_ID] = rid
        if _X_CONTENT_TYPE_OPTIONS not in headers:
            headers[_X_CONTENT_TYPE_OPTIONS] = "nosniff"
    return response


def edge(config: Config, metrics: Metrics | None, draining: asyncio.Event):
    """The application's outermost middleware (after CORS preflight): assign the request id,
    render every error in the caller's protocol, stamp X-Request-Id on every response, refuse
    a body over the limit, and observe every request's final status (http/observe.py; none
    when `metrics` is None), in one layer: one coroutine frame on every request."""
    limit = config.max_body_bytes

    @web.middleware
    async def edge_middleware(request: web.Request, handler) -> web.StreamResponse:
        started = time.perf_counter()
        rid = new_request_id()
        request[REQUEST_ID] = rid
        token = LOG_REQUEST_ID.set(rid)
        status = 500
        try:
            try:
                length = request.content_length
                if length is not None and length > limit:
                    raise PayloadTooLargeError(f"request body too large (limit {limit} bytes)")
                response = await handler(request)
            except Exception as exc:
                response = _rendered(request, exc, rid)
            _stamped(response, rid)
            status = response.status
            if draining.is_set() and not response.prepared:
                response.force_close()
            return response
        except asyncio.CancelledError:
            status = CLIENT_GONE
            raise
        except web.HTTPException as exc:  # a redirect, re-raised by _rendered
            status = exc.status
            raise
        finally:
            LOG_REQUEST_ID.reset(token)
            if metrics is not None:
                try:
                    job = request[JOB]  # (request.get: two Python calls more)
                except KeyError:
                    job = None
                method = request.method
                metrics.observe(
                    route_label(request), method if method in METHODS else "other", status,
                    time.perf_counter() - started, job,
                )  # fmt: skip

    return edge_middleware
