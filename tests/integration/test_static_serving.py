"""How the dashboard is served: index.html `no-cache`, hashed assets immutable for a year,
client routes fall back to index.html while API paths and missing assets answer a JSON 404,
HEAD works, content types are right (js, css, svg, woff2, png, json); gzip for clients that take
it, a content ETag, large files streamed from disk."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import aiohttp
import pytest

from clawrouter.config import Config, replace
from tests.support.gateway import Gateway

STATIC = Path(__file__).resolve().parents[2] / "static"
IMMUTABLE = "public, max-age=31536000, immutable"


async def test_index_and_client_routes_are_no_cache(gateway: Gateway):
    c = gateway.client()
    for path in ("/", "/console", "/console/token", "/login", "/oauth/github?code=x&state=y",
                 "/user/reset?email=a@b.c&token=t", "/pricing", "/console/nothing-here"):  # fmt: skip
        resp = await c.request("GET", path)
        text = await resp.text()
        assert resp.status == 200, path
        assert resp.headers["Cache-Control"] == "no-cache", path
        assert resp.headers["Content-Type"].startswith("text/html"), path
        assert '<div id="root">' in text, path


async def test_hashed_assets_are_immutable_with_their_types(gateway: Gateway):
    c = gateway.client()
    html = await (await c.request("GET", "/")).text()
    refs = re.findall(r'(?:src|href)="(/assets/[^"]+)"', html)
    assert refs
    for ref in refs:
        resp = await c.request("GET", ref)
        assert resp.status == 200 and resp.headers["Cache-Control"] == IMMUTABLE, ref
        want = "text/javascript" if ref.endswith(".js") else "text/css"
        assert resp.headers["Content-Type"].startswith(want), (ref, resp.headers["Content-Type"])
    for path, kind in (("/favicon.svg", "image/svg+xml"), ("/build.json", "application/json")):
        resp = await c.request("GET", path)
        assert resp.status == 200 and resp.headers["Content-Type"].startswith(kind), path
        assert resp.headers["Cache-Control"] == "no-cache", path


@pytest.mark.parametrize(
    "path",
    ["/api", "/api/nothing", "/v1", "/v1/nothing", "/v1beta", "/v1beta/nothing", "/pg", "/pg/x",
     "/mj", "/mj/submit/imagine", "/assets/index-00000000.js", "/assets/none.css"],
)  # fmt: skip
async def test_api_paths_and_missing_assets_never_fall_back(gateway: Gateway, path: str):
    resp = await gateway.client().request("GET", path)
    assert resp.status == 404, path
    assert resp.headers["Content-Type"].startswith("application/json"), path
    body = await resp.json()
    assert body.get("success") is False or body.get("error"), body


async def test_head_works(gateway: Gateway):
    c = gateway.client()
    for path in ("/", "/console/token", "/favicon.svg"):
        resp = await c.request("HEAD", path)
        assert resp.status == 200 and await resp.read() == b"", path
        assert int(resp.headers["Content-Length"]) > 0, path
    resp = await c.request("HEAD", "/v1/nothing")
    assert resp.status == 404


async def test_content_types_of_fonts_images_and_json(config: Config, tmp_path: Path):
    static = tmp_path / "static"
    (static / "assets").mkdir(parents=True)
    (static / "index.html").write_text("<!doctype html><title>ClawRouter</title>")
    (static / "assets" / "font-abcdefgh.woff2").write_bytes(b"wOF2" + bytes(60))
    (static / "assets" / "logo-abcdefgh.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(60))
    (static / "assets" / "app-abcdefgh.js").write_text("export {};")
    (static / "manifest.json").write_text("{}")
    gw = Gateway(replace(config, server={"static_dir": str(static)}))
    await gw.start()
    try:
        c = gw.client()
        for path, kind in (
            ("/assets/font-abcdefgh.woff2", "font/woff2"),
            ("/assets/logo-abcdefgh.png", "image/png"),
            ("/assets/app-abcdefgh.js", "text/javascript"),
            ("/manifest.json", "application/json"),
        ):
            resp = await c.request("GET", path)
            assert resp.status == 200 and resp.headers["Content-Type"].startswith(kind), path
            assert resp.headers["X-Content-Type-Options"] == "nosniff"
    finally:
        await gw.stop()


async def test_gzip_etag_and_the_large_file_fallback(
    config: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from clawrouter.http import static as static_mod

    monkeypatch.setattr(static_mod, "MAX_CACHED_FILE", 4096)
    static = tmp_path / "static"
    (static / "assets").mkdir(parents=True)
    (static / "index.html").write_text("<!doctype html><title>ClawRouter</title>")
    script = "export const words = [" + ", ".join(f'"word{i % 50}"' for i in range(300)) + "];"
    (static / "assets" / "app-abcdefgh.js").write_text(script)
    big = bytes(range(256)) * 64  # 16 KB: above the (lowered) cache limit, streamed from disk
    (static / "assets" / "big-abcdefgh.png").write_bytes(big)
    gw = Gateway(replace(config, server={"static_dir": str(static)}))
    await gw.start()
    try:
        async with aiohttp.ClientSession(auto_decompress=False) as http:
            url = gw.base + "/assets/app-abcdefgh.js"
            async with http.get(url, headers={"Accept-Encoding": "gzip"}) as resp:
                packed = await resp.read()
                etag = resp.headers["ETag"]
                assert resp.headers["Content-Encoding"] == "gzip"
                assert resp.headers["Vary"] == "Accept-Encoding"
            assert gzip.decompress(packed).decode() == script and len(packed) < len(script)
            async with http.get(url, headers={"Accept-Encoding": "identity"}) as resp:
                assert "Content-Encoding" not in resp.headers
                assert (await resp.read()).decode() == script
            async with http.get(url, headers={"If-None-Match": etag}) as resp:
                assert resp.status == 304 and await resp.read() == b""
                assert resp.headers["Cache-Control"] == IMMUTABLE
            async with http.get(gw.base + "/assets/big-abcdefgh.png") as resp:
                assert resp.status == 200 and await resp.read() == big
                assert resp.headers["Content-Type"] == "image/png"
    finally:
        await gw.stop()
