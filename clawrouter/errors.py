"""The one error type. Raise a ClawError anywhere; the edge renders it in the caller's protocol.

`status` is the HTTP status, `code` a stable snake_case string, `type` the OpenAI-style error type.
On /api routes a status of 200 renders as the reference's `{"success": false, "message": ...}`.
"""

from __future__ import annotations


class ClawError(Exception):
    status = 500
    code = ""
    type = "new_api_error"

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        type: str | None = None,
        param: str = "",
        retry_after: int | None = None,
        extra: dict | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code
        if type is not None:
            self.type = type
        self.param = param
        self.retry_after = retry_after
        self.extra = extra or {}


class ApiError(ClawError):
    """A management-API business error: HTTP 200 with success:false, as the reference does."""

    status = 200


class BadRequestError(ClawError):
    status = 400
    code = "invalid_request"
    type = "invalid_request_error"


class UnauthorizedError(ClawError):
    status = 401
    type = "authentication_error"


class ForbiddenError(ClawError):
    status = 403
    type = "permission_error"


class NotFoundError(ClawError):
    status = 404
    code = "not_found"
    type = "invalid_request_error"


class PayloadTooLargeError(ClawError):
    status = 413
    code = "request_body_too_large"
    type = "invalid_request_error"


class RateLimitedError(ClawError):
    status = 429
    code = "rate_limit_exceeded"
    type = "rate_limit_error"

    def __init__(self, message: str = "Too many requests, please retry later", **kw) -> None:
        kw.setdefault("retry_after", 1)
        super().__init__(message, **kw)


class ServiceUnavailableError(ClawError):
    status = 503
    type = "service_unavailable"
