"""Serving the dashboard SPA: files from static/, index.html for client-side routes.

Hashed assets (static/assets/, names carry a content hash) are cached for a year and immutable;
everything else, index.html first, is `no-cache`. Client routes (/console/token, /login, ...:
the first segments in PAGE_ROOTS, the dashboard's route table) fall back to index.html; any
other path (the APIs, missing assets, /wp-login.php) answers 404 in JSON. GET and HEAD.
Files are read once and kept in memory with their gzip form (the bundle is a few MB and never
changes while the process runs), answered gzipped to clients that accept it, with a content
ETag (If-None-Match → 304). aiohttp's FileResponse is kept only for files too large to keep
(MAX_CACHED_FILE): it leaks its open file when the client hangs up at the wrong moment.
Everything served here is behind the global web rate limit (per IP).
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import sys
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from clawrouter.errors import NotFoundError
from clawrouter.http.limits import web_limited

# First path segments of the dashboard's client routes (web/src/app/routes.tsx; a meta test
# keeps them in step). "/" is a page too.
PAGE_ROOTS = frozenset(
    {"setup", "login", "register", "reset", "user", "oauth", "console", "pricing"}
)
MAX_PATH = 1024  # longer than any file or client-side route of the dashboard
IMMUTABLE = "public, max-age=31536000, immutable"
MAX_CACHED_FILE = 8 << 20  # bytes; larger files are streamed from disk on each request
_COMPRESSIBLE = (".html", ".js", ".mjs", ".css", ".json", ".map", ".svg", ".txt")
# explicit types: the platform's mimetypes table may lack some (woff2) or differ (js)
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".txt": "text/plain; charset=utf-8",
}


def find_static_dir(configured: str = "") -> Path | None:
    """The configured dir, the source checkout's static/, or the installed share/ copy."""
    here = Path(__file__).resolve().parent.parent
    candidates = [
        Path(configured) if configured else None,
        here.parent / "static",
        Path(sys.prefix) / "share" / "clawrouter" / "static",
    ]
    for cand in candidates:
        if cand is not None and (cand / "index.html").is_file():
            return cand.resolve()
    return None


def is_odd(path: str) -> bool:
    """A path none of our files or routes can have: a NUL, a `..` segment, or too long."""
    return len(path) > MAX_PATH or "\x00" in path or ".." in path.split("/")


def is_page(path: str) -> bool:
    """A client route of the dashboard: "/" or a path under one of PAGE_ROOTS."""
    return path == "/" or path[1:].partition("/")[0] in PAGE_ROOTS


def _file(root: Path, path: str) -> Path | None:
    """The file under root that path names, if there is one. The filesystem's refusals (a
    name too long, an invalid character) mean there is none."""
    try:
        target = (root / path).resolve()
        return target if target.is_relative_to(root) and target.is_file() else None
    except (OSError, ValueError):
        return None


@dataclass(frozen=True, slots=True)
class _Cached:
    body: bytes
    gzipped: bytes | None  # None when gzip would not make it smaller
    etag: str


class _Files:
    """The static files read so far (one per app: never module state)."""

    def __init__(self) -> None:
        self._files: dict[Path, _Cached | None] = {}

    async def get(self, target: Path) -> _Cached | None:
        """The file's bytes, or None when it is too large to keep (read and compressed once,
        off the event loop)."""
        if target not in self._files:
            self._files[target] = await asyncio.to_thread(self._read, target)
        return self._files[target]

    @staticmethod
    def _read(target: Path) -> _Cached | None:
        if target.stat().st_size > MAX_CACHED_FILE:
            return None
        body = target.read_bytes()
        gzipped = None
        if target.suffix.lower() in _COMPRESSIBLE and len(body) > 512:
            packed = gzip.compress(body, compresslevel=9, mtime=0)
            gzipped = packed if len(packed) < len(body) else None
        return _Cached(body, gzipped, '"' + hashlib.sha256(body).hexdigest()[:32] + '"')


async def _serve(
    request: web.Request, files: _Files, target: Path, cache: str
) -> web.StreamResponse:
    headers = {"Cache-Control": cache, "X-Content-Type-Options": "nosniff"}
    kind = CONTENT_TYPES.get(target.suffix.lower())
    if kind is not None:
        headers["Content-Type"] = kind
    try:
        cached = await files.get(target)
    except OSError:
        raise NotFoundError(f"Invalid URL ({request.method} {request.path})") from None
    if cached is None:
        return web.FileResponse(target, headers=headers)
    headers["ETag"] = cached.etag
    if cached.gzipped is not None:
        headers["Vary"] = "Accept-Encoding"
    if cached.etag in request.headers.get("If-None-Match", ""):
        return web.Response(status=304, headers=headers)
    body = cached.body
    if cached.gzipped is not None and "gzip" in request.headers.get("Accept-Encoding", ""):
        body, headers["Content-Encoding"] = cached.gzipped, "gzip"
    return web.Response(body=body, headers=headers)


def spa_handler(root: Path | None):
    files = _Files()

    async def serve_spa(request: web.Request) -> web.StreamResponse:
        path = request.match_info.get("tail", "")
        if root is None or is_odd(path):
            if root is None and request.path == "/":
                return web.Response(text="ClawRouter is running. The dashboard is not installed.")
            raise NotFoundError(f"Invalid URL ({request.method} {request.path})")
        target = _file(root, path) if path else None
        if target is not None:
            hashed = request.path.startswith("/assets/")
            return await _serve(request, files, target, IMMUTABLE if hashed else "no-cache")
        if not is_page(request.path):
            raise NotFoundError(f"Invalid URL ({request.method} {request.path})")
        return await _serve(request, files, root / "index.html", "no-cache")

    return serve_spa


def add_spa_routes(app: web.Application, configured_dir: str) -> None:
    handler = spa_handler(find_static_dir(configured_dir))
    app.router.add_get("/{tail:.*}", web_limited(handler))
