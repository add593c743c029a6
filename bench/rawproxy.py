"""The floor for any Python gateway: an aiohttp server on uvloop that forwards each request's
method, path, headers and body bytes to --upstream and copies the answer back as it arrives.
It parses nothing (no JSON, no auth, no billing, no logs). Listens on 127.0.0.1 only."""

from __future__ import annotations

import argparse

import aiohttp
from aiohttp import web

HOP_BY_HOP = frozenset(
    (
        "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
        "trailer", "transfer-encoding", "upgrade", "host", "content-length",
    )
)  # fmt: skip
SESSION = web.AppKey("session", aiohttp.ClientSession)
UPSTREAM = web.AppKey("upstream", str)


def _end_to_end(headers) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k.lower() not in HOP_BY_HOP}


async def forward(request: web.Request) -> web.StreamResponse:
    app = request.app
    data = await request.read()
    url = app[UPSTREAM] + request.path_qs
    async with app[SESSION].request(
        request.method, url, data=data, headers=_end_to_end(request.headers)
    ) as upstream:
        out = web.StreamResponse(status=upstream.status, headers=_end_to_end(upstream.headers))
        if upstream.content_length is not None:
            out.content_length = upstream.content_length
        try:
            await out.prepare(request)
            async for chunk in upstream.content.iter_any():
                await out.write(chunk)
            await out.write_eof()
        except ConnectionResetError:
            pass  # the client left (a load generator stopping)
        return out


async def _client(app: web.Application):
    app[SESSION] = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=0),
        timeout=aiohttp.ClientTimeout(total=None, sock_connect=10),
        auto_decompress=False,
        skip_auto_headers=("User-Agent", "Accept-Encoding"),
    )
    yield
    await app[SESSION].close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=18100)
    ap.add_argument("--upstream", default="http://127.0.0.1:18000")
    a = ap.parse_args()
    app = web.Application(client_max_size=32 * 2**20)
    app[UPSTREAM] = a.upstream.rstrip("/")
    app.cleanup_ctx.append(_client)
    app.router.add_route("*", "/{tail:.*}", forward)
    try:
        import uvloop

        loop = uvloop.new_event_loop()
    except ImportError:
        loop = None
    web.run_app(app, host="127.0.0.1", port=a.port, access_log=None, print=None, loop=loop)


if __name__ == "__main__":
    main()
