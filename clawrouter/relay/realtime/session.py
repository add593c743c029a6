"""One open Realtime session: frames pumped both ways as they come (never buffered), each turn
billed when its `response.done` arrives, the balance checked per turn.

Billing (the reference's PostWssConsumeQuota, billing.audio): each `response.done` usage is
charged at once through the relay's charge (key + wallet, write-behind) with its own consume log
row, so a long session never runs ahead of its balance by more than one turn. A turn starts
only while the key and the wallet have quota: a client's `response.create` on an exhausted
balance, or a turn that exhausts it, ends the session with a Realtime `error` event
(`insufficient_user_quota` / `insufficient_token_quota`) and close code 1008. A turn cut short
(client hang-up, upstream gone, shutdown) is billed for the text it produced, estimated.
Either side closing closes the other with the same code.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

import aiohttp
import orjson
from aiohttp import WSMsgType, web

from clawrouter.billing.audio import settle_audio_quota
from clawrouter.relay import settlement
from clawrouter.relay.job import Job
from clawrouter.relay.quota import Charge
from clawrouter.relay.state import RelayState
from clawrouter.wire.usage import from_realtime

MAX_MESSAGE = 16 << 20  # bytes per frame either way (audio appends are base64, up to ~15 MiB)
_DELTAS = ("response.text.delta", "response.output_text.delta", "response.audio_transcript.delta",
           "response.output_audio_transcript.delta")  # fmt: skip
_CLOSE_TYPES = (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED, WSMsgType.ERROR)
POLICY_VIOLATION = 1008


class RealtimeSession:
    def __init__(
        self,
        state: RelayState,
        job: Job,
        client: web.WebSocketResponse,
        upstream: aiohttp.ClientWebSocketResponse,
    ) -> None:
        self.state, self.job, self.client, self.upstream = state, job, client, upstream
        self.turn_open = False
        self.turn_text: list[str] = []
        self.turns = 0
        self.close_code: int = aiohttp.WSCloseCode.OK
        self.close_message = b""

    async def run(self) -> None:
        pumps = [
            asyncio.create_task(self._client_to_upstream()),
            asyncio.create_task(self._upstream_to_client()),
        ]
        try:
            await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in pumps:
                task.cancel()
            await asyncio.gather(*pumps, return_exceptions=True)
            if self.turn_open:
                self._bill_cut_turn()  # before the close: billed by the time either side knows
            await self._close_both()

    # -- the two pumps -------------------------------------------------------------------------

    async def _client_to_upstream(self) -> None:
        client, upstream = self.client, self.upstream
        with contextlib.suppress(ConnectionError, aiohttp.ClientError):
            async for msg in client:
                if msg.type == WSMsgType.TEXT:
                    if '"response.create"' in msg.data and self._exhausted() is not None:
                        await self._refuse()
                        return
                    await upstream.send_str(msg.data)
                elif msg.type == WSMsgType.BINARY:
                    await upstream.send_bytes(msg.data)
                elif msg.type in _CLOSE_TYPES:
                    break
            self.close_code = client.close_code or aiohttp.WSCloseCode.OK

    async def _upstream_to_client(self) -> None:
        client, upstream = self.client, self.upstream
        with contextlib.suppress(ConnectionError, aiohttp.ClientError):
            async for msg in upstream:
                if msg.type == WSMsgType.TEXT:
                    await client.send_str(msg.data)
                    if self._observe(msg.data):
                        await self._refuse()
                        return
                elif msg.type == WSMsgType.BINARY:
                    await client.send_bytes(msg.data)
                elif msg.type in _CLOSE_TYPES:
                    break
            self.close_code = upstream.close_code or aiohttp.WSCloseCode.OK
            if self.turn_open:
                self.job.end_reason = "upstream_closed"
            if isinstance(upstream.exception(), Exception):
                self.close_code = aiohttp.WSCloseCode.INTERNAL_ERROR
                self.job.end_reason = "upstream_error"

    async def _close_both(self) -> None:
        code, message = self.close_code, self.close_message
        if not 1000 <= code < 5000 or code in (1005, 1006, 1015):
            code = aiohttp.WSCloseCode.OK  # codes a peer may not send
        for ws in (self.upstream, self.client):
            with contextlib.suppress(Exception):
                await ws.close(code=code, message=message)

    # -- events and billing ----------------------------------------------------------------------

    def _observe(self, data: str) -> bool:
        """Account for one upstream event; True when the balance ran out with this turn."""
        if '"response.' not in data:
            return False
        try:
            event = orjson.loads(data)
        except orjson.JSONDecodeError:
            return False
        kind = event.get("type") if isinstance(event, dict) else None
        if kind == "response.created":
            self.turn_open, self.turn_text = True, []
            self.job.started = time.perf_counter()
        elif kind in _DELTAS and isinstance(event.get("delta"), str):
            self.turn_text.append(event["delta"])
        elif kind == "response.done":
            response = event.get("response")
            usage = from_realtime(response.get("usage") if isinstance(response, dict) else None)
            self._bill_turn(usage)
            return self._exhausted() is not None
        return False

    def _new_charge(self) -> Charge:
        caller = self.job.caller
        self.job.charge = Charge(self.state, caller.token, caller.user)
        self.turns += 1
        return self.job.charge

    def _bill_turn(self, usage: Any) -> None:
        job, state = self.job, self.state
        self.turn_open = False
        self._new_charge()
        job.end_reason = "done"
        job.content_notes = [f"realtime turn {self.turns}"]
        assert job.price is not None
        if usage is None or usage.is_empty():
            usage = settlement.finalize_usage(job, None, lambda: "".join(self.turn_text))
            settlement.settle(state, job, usage)
            return
        qpu = int(state.options["QuotaPerUnit"])
        settled = settle_audio_quota(job.price, usage, quota_per_unit=qpu)
        settlement.book(state, job, settled, usage)

    def _bill_cut_turn(self) -> None:
        job = self.job
        self.turn_open = False
        self._new_charge()
        job.end_reason = job.end_reason or "client_gone"
        job.content_notes = [f"realtime turn {self.turns} cut short; tokens estimated"]
        usage = settlement.finalize_usage(job, None, lambda: "".join(self.turn_text))
        settlement.settle(self.state, job, usage)

    def _exhausted(self) -> str | None:
        """The error code when the wallet or the key has no quota left for another turn."""
        token, user = self.job.caller.token, self.job.caller.user
        if user.quota <= 0:
            return "insufficient_user_quota"
        if not token.unlimited and token.remain_quota <= 0:
            return "insufficient_token_quota"
        return None

    async def _refuse(self) -> None:
        """Tell the client why the session ends (a Realtime `error` event), then end it."""
        code = self._exhausted() or "insufficient_user_quota"
        what = "wallet" if code == "insufficient_user_quota" else "API key"
        message = f"the {what} has no quota left for another realtime turn"
        event = {
            "type": "error",
            "event_id": f"evt_{self.job.request_id}",
            "error": {
                "type": "insufficient_quota",
                "code": code,
                "message": message,
                "param": None,
                "event_id": None,
            },
        }
        with contextlib.suppress(ConnectionError, aiohttp.ClientError):
            await self.client.send_str(orjson.dumps(event).decode())
        self.close_code, self.close_message = POLICY_VIOLATION, b"insufficient quota"
