"""Logging setup: console or JSON lines, every line tagged with the request id, secrets redacted."""

from __future__ import annotations

import asyncio
import contextvars
import io
import logging
import re
import sys
import time
from typing import Any, TextIO

import orjson
from aiohttp.abc import AbstractAccessLogger
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.web_protocol import RequestPayloadError
from multidict import istr

REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
# Query parameters whose value is a secret wherever they appear: API keys (?key=), OAuth and
# e-mail codes, reset and access tokens, passwords, Telegram's login hash.
_SECRETS = re.compile(
    r"(sk-[A-Za-z0-9_\-]{8})[A-Za-z0-9_\-]+|(Bearer\s+)[^\s\"']+"
    r"|((?:key|code|token|password|secret|hash)=)[^&\s\"']+",
    re.I,
)


def redact(text: str) -> str:
    if "sk-" not in text and "earer" not in text and "=" not in text:
        return text  # the common case, without running the regex

    def sub(m: re.Match[str]) -> str:
        if m.group(1):
            return m.group(1) + "****"
        return (m.group(2) or m.group(3)) + "****"

    return _SECRETS.sub(sub, text)


_X_REQUEST_ID = istr("X-Request-Id")  # istr: not case-folded again per access line
# The console's level column, padded (logging.getLevelName and the padding, once).
_LEVEL_NAMES = {logging.INFO: "INFO   ", logging.WARNING: "WARNING"}


class _Context(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        return True


class _Console(logging.Formatter):
    _second = -1
    _stamp = ""

    def stamp(self, created: float) -> str:
        second = int(created)
        if second != self._second:  # one strftime per second, not per line
            self._second = second
            self._stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(second))
        return self._stamp

    def format(self, record: logging.LogRecord) -> str:
        stamp = self.stamp(record.created)
        fields = getattr(record, "fields", None)  # an access line names its own request
        rid = fields["request_id"] if fields else record.request_id
        line = f"{stamp} {record.levelname:<7} [{rid}] {record.getMessage()}"
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
        fields = getattr(record, "fields", None)
        if fields:  # the access log's request fields (its request id among them)
            doc.update(fields)
        if record.exc_info:
            doc["exception"] = redact(self.formatException(record.exc_info))
        return orjson.dumps(doc).decode()


class _Stream(logging.StreamHandler):
    """stderr without a system call per line when it is not a terminal (a pipe or a file):
    lines are flushed at warnings, at exit and half a second after they were written, so a
    busy gateway does not pay a write per access-log line."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__(stream)
        isatty = getattr(stream, "isatty", None)
        self._tty = bool(isatty and isatty())
        self._pending: asyncio.TimerHandle | None = None

    def flush(self) -> None:
        if self._tty:
            super().flush()  # else: flushed by emit's rules below

    def emit(self, record: logging.LogRecord) -> None:
        super().emit(record)
        self._after_write(record.levelno)

    def access(self, request_id: str, message: str, level: int = logging.INFO) -> None:
        """An access-log line without building a LogRecord (console format only)."""
        fmt = self.formatter
        assert isinstance(fmt, _Console)
        name = _LEVEL_NAMES.get(level) or f"{logging.getLevelName(level):<7}"
        line = f"{fmt.stamp(time.time())} {name} [{request_id}] {message}\n"
        with self.lock:  # type: ignore[union-attr]  # created by Handler.__init__
            self.stream.write(line)
        self._after_write(level)

    def _after_write(self, level: int) -> None:
        if self._tty or level >= logging.WARNING:
            super().flush()
        elif self._pending is None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                super().flush()
                return
            self._pending = loop.call_later(0.5, self._timed_flush)

    def _timed_flush(self) -> None:
        self._pending = None
        super().flush()

    def close(self) -> None:
        super().flush()
        super().close()


def _log_stream() -> TextIO:
    """stderr for log lines. Python line-buffers stderr even into a pipe or a file (one system
    call per line), so there our lines get a block-buffered writer on the same descriptor,
    flushed by _Stream's rules."""
    if sys.stderr.isatty():
        return sys.stderr
    try:
        fd = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):
        return sys.stderr
    raw = io.FileIO(fd, "w", closefd=False)
    return io.TextIOWrapper(io.BufferedWriter(raw), encoding="utf-8", errors="replace")


def setup(level: str = "info", fmt: str = "console") -> None:
    handler = _Stream(_log_stream())
    handler.addFilter(_Context())
    handler.setFormatter(_Json() if fmt == "json" else _Console())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())


class AccessLogger(AbstractAccessLogger):
    """One line per request: method, path (query redacted), status, ms, request id. INFO, and
    WARNING for a 5xx (a client's mistake is no warning). In JSON each is a field, with the
    ones fields() adds (who and what: http/observe.py)."""

    def __init__(self, logger: logging.Logger, log_format: str) -> None:
        super().__init__(logger, log_format)
        self._paths: dict[str, str] = {}  # raw path (no query) -> as logged; see _path

    def fields(self, request: Any) -> dict[str, Any]:
        return {}

    def _path(self, request: Any) -> str:
        """The path and query as logged (secrets redacted). str(request.rel_url) costs about a
        microsecond per request and is a function of the raw path, so a path without a query
        (most relay calls) is formatted once; a query (a key may be in it) never memoised."""
        raw = request.raw_path
        path = self._paths.get(raw)
        if path is None:
            path = redact(request.path_qs)
            if "?" not in raw:
                if len(self._paths) >= 256:
                    self._paths.clear()
                self._paths[raw] = path
        return path

    def log(self, request, response, time: float) -> None:
        status = response.status
        level = logging.WARNING if status >= 500 else logging.INFO
        if not self.logger.isEnabledFor(level):
            return
        rid = response.headers.get(_X_REQUEST_ID, "-")
        path = self._path(request)
        handlers = logging.getLogger().handlers
        fast = handlers[0] if len(handlers) == 1 else None
        if isinstance(fast, _Stream) and isinstance(fast.formatter, _Console):
            message = f"{request.remote} {request.method} {path} {time * 1000:.1f}ms {status}"
            fast.access(rid, message, level)  # the hot path: no LogRecord, no formatting
            return
        fields = {
            "request_id": rid,
            "method": request.method,
            "path": path,
            "status": status,
            "duration_ms": round(time * 1000, 1),
            "remote": request.remote,
            **self.fields(request),
        }
        self.logger.log(
            level, "%s %s %s %.1fms", request.method, path, status, time * 1000,
            extra={"fields": fields},
        )  # fmt: skip


class ServerLog(logging.LoggerAdapter):
    """aiohttp's connection logger ("aiohttp.server"), given to the server through the app's
    handler_args. A request its HTTP parser refused (a malformed request line or header, a bad
    chunked body, a line too long) is the client's mistake, already answered 400: one INFO line
    without a traceback. Anything else is logged as aiohttp logs it (ERROR, with traceback)."""

    def __init__(self) -> None:
        super().__init__(logging.getLogger("aiohttp.server"), {})

    def exception(  # type: ignore[override]
        self, msg: object, *args: object, exc_info: object = True, **kwargs: Any
    ) -> None:
        if isinstance(exc_info, RequestPayloadError):  # an unread body that does not decode
            exc_info = exc_info.__cause__ or exc_info
        if isinstance(exc_info, HttpProcessingError):
            why = " ".join(str(exc_info.message).split())[:200]
            peer = args[0] if args else "-"
            self.logger.info("bad HTTP request from %s refused (%s): %s", peer, exc_info.code, why)
            return
        super().exception(msg, *args, exc_info=exc_info, **kwargs)
