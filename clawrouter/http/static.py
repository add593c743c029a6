"""Serving the dashboard SPA: files from static/, index.html for client-side routes.

Hashed assets are cached for a year; index.html is never cached. /api and /v1 paths never fall
back to the SPA.
"""

from __future__ import annotations

import sys
from pathlib import Path

from aiohttp import web

from clawrouter.errors import NotFoundError

_NO_FALLBACK = ("/api/", "/v1/", "/v1beta/", "/assets/", "/pg/", "/mj/")
MAX_PATH = 1024  # longer than any file or client-side route of the dashboard


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


def _file(root: Path, path: str) -> Path | None:
    """The file under root that path names, if there is one. The filesystem's refusals (a
    name too long, an invalid character) mean there is none."""
    try:
        target = (root / path).resolve()
        return target if target.is_relative_to(root) and target.is_file() else None
    except (OSError, ValueError):
        return None


def spa_handler(root: Path | None):
    async def serve_spa(request: web.Request) -> web.StreamResponse:
        path = request.match_info.get("tail", "")
        if root is None or is_odd(path):
            if root is None and request.path == "/":
                return web.Response(text="ClawRouter is running. The dashboard is not installed.")
            raise NotFoundError(f"Invalid URL ({request.method} {request.path})")
        target = _file(root, path) if path else None
        if target is not None:
            cache = (
                "public, max-age=31536000, immutable" if "/assets/" in request.path else "no-cache"
            )
            return web.FileResponse(target, headers={"Cache-Control": cache})
        if request.path.startswith(_NO_FALLBACK) or request.path in ("/api", "/v1"):
            raise NotFoundError(f"Invalid URL ({request.method} {request.path})")
        return web.FileResponse(root / "index.html", headers={"Cache-Control": "no-cache"})

    return serve_spa


def add_spa_routes(app: web.Application, configured_dir: str) -> None:
    handler = spa_handler(find_static_dir(configured_dir))
    app.router.add_get("/{tail:.*}", handler)
