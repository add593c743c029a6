"""A fake upstream that breaks: FakeUpstream's markers (in the channel's key: `hang` before the
headers, `fail-429`/`fail-500`, `cut` and `slow-<ms>` mid-stream) plus the faults no marker
gives, chosen by a word in the channel's key:

  x-reset      the TCP connection is reset before any byte of the answer
  x-hangbody   a JSON answer's headers and half its body, then silence
  x-badjson    200 application/json whose body is not JSON
  x-badsse     200 text/event-stream whose events are not JSON (and no terminator)

Each channel of a test has its own key, so a broken channel and a good one share the server."""

from __future__ import annotations

from aiohttp import web

from tests.support.upstream_core import RecordedRequest
from tests.support.upstreams import FakeUpstream

HALF_JSON = b'{"id": "chatcmpl-fault", "object": "chat.completion", "choices": [{"index": 0, "mes'


class FaultUpstream(FakeUpstream):
    async def _answer(self, request: web.Request, rec: RecordedRequest) -> web.StreamResponse:
        key = rec.api_key or ""
        if "x-reset" in key:
            rec.cut = True
            if request.transport is not None:
                request.transport.abort()
            return web.Response()  # never sent: the connection is gone
        if "x-hangbody" in key:
            resp = web.StreamResponse(headers={"Content-Type": "application/json"})
            resp.content_length = len(HALF_JSON) * 2
            await resp.prepare(request)
            await resp.write(HALF_JSON)
            await self.sleep(self.max_hang_s * 1000)
            rec.cut = True
            if request.transport is not None:
                request.transport.abort()
            return resp
        if "x-badjson" in key:
            rec.completed = True
            return web.Response(body=b'{"choices": [ not json', content_type="application/json")
        if "x-badsse" in key:
            resp = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
            await resp.prepare(request)
            for chunk in (
                b"data: {not json\n\n",
                b"event: ???\ndata: \xff\xfe\n\n",
                b"data: [1,\n\n",
            ):
                await resp.write(chunk)
            rec.completed = True
            return resp
        return await super()._answer(request, rec)
