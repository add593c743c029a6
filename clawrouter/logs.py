"""Logging setup: console or JSON lines, every line tagged with the request id, secrets redacted."""

from __future__ import annotations

import contextvars
import logging
import re
import sys
import time

import orjson
from aiohttp.abc import AbstractAccessLogger

REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_SECRETS = re.compile(
    r"(sk-[A-Za-z0-9_\-]{8})[A-Za-z0-9_\-]+|(Bearer\s+)[^\s\"']+|(key=)[^&\s\"']+", re.I
)


def redact(text: str) -> str:
    def sub(m: re.Match[str]) -> str:
        if m.group(1):
            return m.group(1) + "****"
        return (m.group(2) or m.group(3)) + "****"

    return _SECRETS.sub(sub, text)


class _Context(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        return True


class _Console(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(record.created))
        line = f"{stamp} {record.levelname:<7} [{record.request_id}] {record.getMessage()}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return redact(line)


class _Json(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        doc = {
            "time": round(record.created, 3),
            "level": record.levelname.lower(),
            "logger": record.name,
            "request_id": record.request_id,
            "message": redact(record.getMessage()),
        }
        if record.exc_info:
            doc["exception"] = redact(self.formatException(record.exc_info))
        return orjson.dumps(doc).decode()


def setup(level: str = "info", fmt: str = "console") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_Context())
    handler.setFormatter(_Json() if fmt == "json" else _Console())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())


class AccessLogger(AbstractAccessLogger):
    """One line per request: method, path (query redacted), status, ms, request id."""

    def log(self, request, response, time: float) -> None:
        rid = response.headers.get("X-Request-Id", "-")
        path = redact(request.path_qs)
        self.logger.info(
            "%s %s %s %.1fms %s %s",
            request.remote,
            request.method,
            path,
            time * 1000,
            response.status,
            rid,
        )
