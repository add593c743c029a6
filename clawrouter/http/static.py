"""Serving the dashboard SPA: files from static/, index.html for client-side routes.

Hashed assets (static/assets/, names carry a content hash) are cached for a year and immutable;
everything else, index.html first, is `no-cache`. Client routes (/console/token, /login, ...)
fall back to index.html; API paths (/api, /v1, /v1beta, /pg, /mj) and missing assets never do:
they answer 404 in their own JSON shape. GET and HEAD.
Everything served here is behind the global web rate limit (per IP).
"""

from __future__ import annotations

import sys
from pathlib import Path

from aiohttp import web

from clawrouter.errors import NotFoundError
from clawrouter.http.limits import web_limited

_API_PREFIXES = ("/api", "/v1", "/v1beta", "/pg", "/mj", "/assets")
MAX_PATH = 1024  # longer than any file or client-side route of the dashboard
IMMUTABLE = "public, max-age=31536000, immutable"
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


def is_api_path(path: str) -> bool:
    """Paths that belong to an API (or to the hashed assets): never the SPA's index.html."""
    return any(path == p or path.startswith(p + "/") for p in _API_PREFIXES)


def _file(root: Path, path: str) -> Path | None:
    """The file under root that path names, if there is one. The filesystem's refusals (a
    name too long, an invalid character) mean there is none."""
    try:
        target = (root / path).resolve()
        return target if target.is_relative_to(root) and target.is_file() else None
    except (OSError, ValueError):
        return None


def _serve(target: Path, cache: str) -> web.FileResponse:
    headers = {"Cache-Control": cache, "X-Content-Type-Options": "nosniff"}
    kind = CONTENT_TYPES.get(target.suffix.lower())
    if kind is not None:
        headers["Content-Type"] = kind
    return web.FileResponse(target, headers=headers)


def spa_handler(root: Path | None):
    async def serve_spa(request: web.Request) -> web.StreamResponse:
        path = request.match_info.get("tail", "")
        if root is None or is_odd(path):
            if root is None and request.path == "/":
                return web.Response(text="ClawRouter is running. The dashboard is not installed.")
            raise NotFoundError(f"Invalid URL ({request.method} {request.path})")
        target = _file(root, path) if path else None
        if target is not None:
            hashed = request.path.startswith("/assets/")
            return _serve(target, IMMUTABLE if hashed else "no-cache")
        if is_api_path(request.path):
            raise NotFoundError(f"Invalid URL ({request.method} {request.path})")
        return _serve(root / "index.html", "no-cache")

    return serve_spa


def add_spa_routes(app: web.Application, configured_dir: str) -> None:
    handler = spa_handler(find_static_dir(configured_dir))
    app.router.add_get("/{tail:.*}", web_limited(handler))
