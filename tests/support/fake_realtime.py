"""FakeRealtime: a loopback WebSocket server that speaks OpenAI's Realtime API (GA event names)
at /v1/realtime?model= and Azure's at /openai/realtime?deployment=, and records what it got.

    async with FakeRealtime() as up:
        ...point a channel at up.base_url...
        assert up.sessions[0].headers["Authorization"] == "Bearer sk-upstream-test"

On connect it sends `session.created`; `session.update` → `session.updated`;
`conversation.item.create` → `conversation.item.added`; `response.create` → `response.created`,
one `response.output_text.delta` per word of `reply`, `response.output_text.done` and
`response.done` carrying `usage` (the canonical REALTIME_USAGE, or `usage=`). A binary frame is
answered with a text event `{"type": "fake.binary", "size": n}`.

Behaviour switches (attributes): `refuse` = HTTP status to answer the handshake with (e.g. 401,
500); `cut_after_deltas` = after that many deltas of a turn, stop (no response.done) and either
wait (`cut_close=None`) or close with the given code. Every session records its headers, query,
the text events received (parsed) and how it ended (`closed_by_client`, `close_code`).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import orjson
from aiohttp import WSMsgType, web

REALTIME_USAGE = {
    "total_tokens": 150,
    "input_tokens": 100,
    "output_tokens": 50,
    "input_token_details": {"cached_tokens": 0, "text_tokens": 40, "audio_tokens": 60},
    "output_token_details": {"text_tokens": 20, "audio_tokens": 30},
}


@dataclass
class FakeSession:
    path: str
    headers: dict[str, str]
    query: dict[str, str]
    received: list[dict[str, Any]] = field(default_factory=list)
    binary_frames: int = 0
    closed_by_client: bool = False
    close_code: int | None = None
    ended: asyncio.Event = field(default_factory=asyncio.Event)

    def types(self) -> list[str]:
        return [e.get("type", "") for e in self.received]


class FakeRealtime:
    def __init__(self, reply: str = "Hello from fake-realtime.") -> None:
        self.reply = reply
        self.usage: dict[str, Any] = REALTIME_USAGE
        self.refuse = 0
        self.cut_after_deltas: int | None = None
        self.cut_close: int | None = None
        self.sessions: list[FakeSession] = []
        self._runner: web.AppRunner | None = None
        self.base_url = ""
        self._event_no = 0

    async def __aenter__(self) -> FakeRealtime:
        app = web.Application()
        app.router.add_get("/v1/realtime", self._handle)
        app.router.add_get("/openai/realtime", self._handle)
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._runner is not None
        await self._runner.cleanup()

    def _event(self, kind: str, **fields: Any) -> str:
        self._event_no += 1
        return orjson.dumps(
            {"type": kind, "event_id": f"event_{self._event_no}", **fields}
        ).decode()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        session = FakeSession(request.path, dict(request.headers), dict(request.query))
        self.sessions.append(session)
        if self.refuse:
            session.ended.set()
            body = {"error": {"message": "refused by the fake", "type": "invalid_request_error"}}
            return web.json_response(body, status=self.refuse)
        ws = web.WebSocketResponse(max_msg_size=32 << 20)
        await ws.prepare(request)
        try:
            await self._serve(ws, session)
        finally:
            session.close_code = ws.close_code
            session.ended.set()
        return ws

    async def _serve(self, ws: web.WebSocketResponse, session: FakeSession) -> None:
        model = session.query.get("model") or session.query.get("deployment", "")
        await ws.send_str(
            self._event("session.created", session={"id": "sess_1", "type": "realtime",
                                                    "object": "realtime.session", "model": model})
        )  # fmt: skip
        async for msg in ws:
            if msg.type == WSMsgType.BINARY:
                session.binary_frames += 1
                await ws.send_str(self._event("fake.binary", size=len(msg.data)))
                continue
            if msg.type != WSMsgType.TEXT:
                break
            event = orjson.loads(msg.data)
            session.received.append(event)
            kind = event.get("type")
            if kind == "session.update":
                await ws.send_str(self._event("session.updated", session=event.get("session")))
            elif kind == "conversation.item.create":
                item = {**event.get("item", {}), "id": "item_1", "object": "realtime.item"}
                await ws.send_str(
                    self._event("conversation.item.added", previous_item_id=None, item=item)
                )
            elif kind == "response.create" and not await self._respond(ws):
                return
        session.closed_by_client = True

    async def _respond(self, ws: web.WebSocketResponse) -> bool:
        """One turn; False when the fake cut it (and the session is over)."""
        rid = f"resp_{self._event_no}"
        response = {"id": rid, "object": "realtime.response", "status": "in_progress",
                    "output": [], "usage": None}  # fmt: skip
        await ws.send_str(self._event("response.created", response=response))
        ids = {"response_id": rid, "item_id": "item_2", "output_index": 0, "content_index": 0}
        words = self.reply.split(" ")
        for n, word in enumerate(words):
            if self.cut_after_deltas is not None and n == self.cut_after_deltas:
                if self.cut_close is not None:
                    await ws.close(code=self.cut_close, message=b"fake cut")
                    return False
                await ws.receive()  # wait for the other side to go away
                return False
            delta = word if n == 0 else " " + word
            await ws.send_str(self._event("response.output_text.delta", delta=delta, **ids))
        await ws.send_str(self._event("response.output_text.done", text=self.reply, **ids))
        done = {**response, "status": "completed", "usage": self.usage}
        await ws.send_str(self._event("response.done", response=done))
        return True
