"""A lean HTTP/1.1 client for the relay's upstream calls (asyncio.Protocol + httptools):
pooled keep-alive connections, gzip/deflate bodies, one timer per call, aiohttp's exception
types. It sends bytes bodies to http(s) URLs only; everything else stays on aiohttp."""

from clawrouter.http.upstream_client.client import UpstreamClient
from clawrouter.http.upstream_client.response import Body, Response

__all__ = ["Body", "Response", "UpstreamClient"]
