"""Wires the relay's QuotaWatch to the app: a notice it raises is sent in the background by the
outbox (jobs.outbox: bounded, failures logged, a short grace at shutdown), never on the relay's
path. A cleanup context (app.py), after the relay state exists."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from clawrouter.keys import CLOCK, CONFIG, OPTIONS, OUTBOUND, OUTBOX, RELAY
from clawrouter.notify.send import deliver
from clawrouter.notify.watch import Notice


async def _send(app: web.Application, notice: Notice) -> None:
    cfg = app[CONFIG].providers
    await deliver(
        notice,
        http=app[OUTBOUND],
        options=app[OPTIONS],
        now=app[CLOCK](),
        seconds=cfg.timeout_seconds,
        ca_file=cfg.smtp_ca_file,
    )


async def quota_notices(app: web.Application) -> AsyncIterator[None]:
    watch = app[RELAY].quota_watch
    outbox = app[OUTBOX]

    def submit(notice: Notice) -> None:
        outbox.submit(_send(app, notice), f"quota notice to user {notice.user_id}", lane="notice")

    watch.sink = submit
    try:
        yield
    finally:
        watch.sink = None
