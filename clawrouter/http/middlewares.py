"""Root middlewares: request id, error rendering in the caller's protocol, body-size limit,
security headers. Nothing here leaks a traceback to a client."""

from __future__ import annotations

import functools
import logging
import random
import time

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.web_protocol import RequestPayloadError

from clawrouter.db.store import DuplicateError, StoreError
from clawrouter.errors import (
    ApiError,
    BadRequestError,
    ClawError,
    NotFoundError,
    PayloadTooLargeError,
)
from clawrouter.http.render import error_response, protocol_for
from clawrouter.keys import CONFIG, REQUEST_ID, STREAMING
from clawrouter.logs import REQUEST_ID as LOG_REQUEST_ID

log = logging.getLogger("clawrouter.http")


@functools.lru_cache(maxsize=2)  # a pure function of the second: one strftime per second
def _utc_stamp(second: int) -> str:
    return time.strftime("%Y%m%d%H%M%S", time.gmtime(second))


def new_request_id() -> str:
    """UTC yyyymmddHHMMSS + 9-digit nanoseconds + 8 random hex characters (the reference's
    shape). An id, not a secret: no cryptographic randomness needed."""
    second, ns = divmod(time.time_ns(), 1_000_000_000)
    return f"{_utc_stamp(second)}{ns:09d}{random.getrandbits(32):08x}"


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


@web.middleware
async def request_context(request: web.Request, handler):
    """Assign the request id, render every error, stamp X-Request-Id on every response."""
    rid = new_request_id()
    request[REQUEST_ID] = rid
    token = LOG_REQUEST_ID.set(rid)
    try:
        try:
            limit = request.app[CONFIG].max_body_bytes  # the root app: this is its middleware
            if request.content_length is not None and request.content_length > limit:
                raise PayloadTooLargeError(f"request body too large (limit {limit} bytes)")
            response = await handler(request)
        except ClawError as err:
            response = error_response(
                err, protocol_for(request.path, request.headers, request.query)
            )
        except StoreError as err:  # a write a handler did not expect to be refused
            response = error_response(
                _store_error(err), protocol_for(request.path, request.headers, request.query)
            )
        except (RequestPayloadError, HttpProcessingError) as err:  # the body itself is broken
            response = error_response(
                BadRequestError(f"the request body cannot be read ({err.__class__.__name__})"),
                protocol_for(request.path, request.headers, request.query),
            )
        except OverflowError:  # a number from the request past what the store can hold
            log.warning("a number out of range on %s %s", request.method, request.path)
            response = error_response(
                BadRequestError("a number in the request is out of range"),
                protocol_for(request.path, request.headers, request.query),
            )
        except web.HTTPException as exc:
            if exc.status < 400:
                raise
            response = error_response(
                _http_error(exc, request),
                protocol_for(request.path, request.headers, request.query),
            )
            if "Allow" in exc.headers:  # a 405 names the methods the path does accept
                response.headers["Allow"] = exc.headers["Allow"]
        except Exception:
            log.exception("unhandled error on %s %s", request.method, request.path)
            if request.get(STREAMING):
                raise  # the status line is gone; let aiohttp drop the connection
            err = ClawError(f"internal server error (request id: {rid})", code="internal_error")
            response = error_response(
                err, protocol_for(request.path, request.headers, request.query)
            )
        if not response.prepared:
            response.headers["X-Request-Id"] = rid
            response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response
    finally:
        LOG_REQUEST_ID.reset(token)
