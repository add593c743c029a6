"""The outbox (jobs/outbox.py) bounds each lane on its own: quota notices stuck behind a slow
webhook fill the "notice" lane and are dropped past its bound, while a password reset mail in
the "mail" lane still goes at once; a lane frees its places as its messages finish; shutdown
waits a moment, then cancels what is left."""

from __future__ import annotations

import asyncio

from clawrouter.jobs.outbox import Outbox


async def test_a_full_notice_lane_never_crowds_out_a_reset_mail():
    outbox = Outbox(max_pending=3)
    release = asyncio.Event()
    sent: list[str] = []

    async def slow_notice(n: int) -> None:
        await release.wait()
        sent.append(f"notice {n}")

    async def reset_mail() -> None:
        sent.append("reset")

    accepted = [outbox.submit(slow_notice(n), f"notice {n}", lane="notice") for n in range(5)]
    assert accepted == [True, True, True, False, False]
    assert outbox.submit(reset_mail(), "password reset mail") is True
    await asyncio.sleep(0)
    assert sent == ["reset"]  # not queued behind the notices
    release.set()
    await outbox.drain()
    assert sorted(sent) == ["notice 0", "notice 1", "notice 2", "reset"]
    assert outbox.pending == 0
    # the lane has room again once its messages are done
    assert outbox.submit(slow_notice(9), "notice 9", lane="notice") is True
    await outbox.drain()
    assert "notice 9" in sent


async def test_a_dropped_message_is_never_run_and_close_cancels_the_late_ones():
    outbox = Outbox(max_pending=1)
    ran: list[str] = []
    hang = asyncio.Event()

    async def stuck() -> None:
        try:
            await hang.wait()
        finally:
            ran.append("stuck ended")

    async def other() -> None:
        ran.append("other")

    assert outbox.submit(stuck(), "stuck") is True
    dropped = other()
    assert outbox.submit(dropped, "other") is False
    assert dropped.cr_frame is None  # closed unrun: no "never awaited" warning, no side effect
    await asyncio.sleep(0)
    await outbox.close(grace=0.05)
    assert ran == ["stuck ended"]
    assert outbox.pending == 0
