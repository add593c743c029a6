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


def spa_handler(root: Path | None):
    async def serve_spa(request: web.Request) -> web.StreamResponse:
        path = request.match_info.get("tail", "")
        if root is None:
            if request.path == "/":
                return web.Response(text="ClawRouter is running. The dashboard is not installed.")
            raise NotFoundError(f"Invalid URL ({request.method} {request.path})")
        target = (root / path).resolve() if path else root / "index.html"
        if path and target.is_relative_to(root) and target.is_file():
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
