"""POST /api/user/topup/complete: an admin pays a pending order out by hand — once, even when
the provider's webhook arrives at the same moment — and the top-up log names the admin; paid,
closed and unknown orders are refused or left alone; only admins may call it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from tests.support.fake_payments import (
    EPAY_ID,
    EPAY_KEY,
    FakeStripe,
    epay_notify,
)
from tests.support.pay_env import QPU, PayEnv

COMPLETE = "/api/user/topup/complete"


@pytest.fixture
async def fake() -> AsyncIterator[FakeStripe]:
    async with FakeStripe() as f:
        yield f


@pytest.fixture
async def pay(relay_env, fake: FakeStripe) -> PayEnv:
    return await PayEnv.start(
        relay_env,
        PayAddress="https://pay.example.com",
        EpayId=EPAY_ID,
        EpayKey=EPAY_KEY,
        **fake.options(),
    )


async def epay_order(pay: PayEnv, amount: int = 10) -> dict:
    reply = await pay.call("/api/user/pay", {"amount": amount, "payment_method": "alipay"})
    return await pay.order(reply["data"]["out_trade_no"])


async def complete(pay: PayEnv, trade_no: str) -> dict:
    status, reply = await pay.root.json("POST", COMPLETE, json={"trade_no": trade_no})
    assert status == 200, reply
    return reply


async def test_admin_completes_once_and_is_named_in_the_log(pay: PayEnv):
    assert await pay.relay_status() == 403
    order = await epay_order(pay)
    assert await complete(pay, order["trade_no"]) == {"success": True, "message": ""}
    assert await pay.quota() == 10 * QPU
    assert await pay.relay_status() == 200
    (row,) = await pay.orders()
    assert row["status"] == "success"
    (entry,) = await pay.topup_logs()
    assert entry["quota"] == 10 * QPU and "completed by admin root" in entry["content"]
    assert '"admin_id":1' in entry["other"]
    # again: already paid, nothing more; the late webhook is acknowledged and credits nothing
    assert (await complete(pay, order["trade_no"]))["success"] is True
    assert await pay.notify(epay_notify(order)) == (200, "success")
    assert len(await pay.topup_logs()) == 1
    await pay.relay.flush()
    assert await pay.quota() < 10 * QPU  # the relay call was charged; no second credit


async def test_admin_completion_racing_webhooks_credits_once(pay: PayEnv, fake: FakeStripe):
    order = await epay_order(pay, amount=7)
    params = epay_notify(order)
    reply = await pay.call("/api/user/stripe/pay", {"amount": 3, "payment_method": "stripe"})
    assert reply["message"] == "success"
    ref = next(o["trade_no"] for o in await pay.orders() if o["payment_provider"] == "stripe")
    body, headers = fake.event("checkout.session.completed", ref)
    results = await asyncio.gather(
        complete(pay, order["trade_no"]),
        pay.notify(params),
        pay.notify(params, "POST"),
        complete(pay, order["trade_no"]),
        complete(pay, ref),
        pay.deliver("/api/stripe/webhook", body, headers),
        complete(pay, ref),
    )
    assert all(r["success"] for r in results if isinstance(r, dict))
    assert [r for r in results if isinstance(r, tuple)] == [
        (200, "success"),
        (200, "success"),
        (200, "ok"),
    ]
    assert await pay.quota() == 10 * QPU
    assert len(await pay.topup_logs()) == 2
    assert {o["status"] for o in await pay.orders()} == {"success"}


async def test_refusals(pay: PayEnv, fake: FakeStripe):
    for body, fragment in [
        ({"trade_no": ""}, "trade_no is required"),
        ({}, "trade_no is required"),
        ({"trade_no": 5}, "trade_no is required"),
        ({"trade_no": "USR9NOnothing1800000000"}, "not found"),
    ]:
        status, reply = await pay.root.json("POST", COMPLETE, json=body)
        assert status == 200 and reply["success"] is False and fragment in reply["message"]
    await pay.call("/api/user/stripe/pay", {"amount": 3, "payment_method": "stripe"})
    (order,) = await pay.orders()
    body, headers = fake.event("checkout.session.expired", order["trade_no"])
    assert await pay.deliver("/api/stripe/webhook", body, headers) == (200, "ok")
    reply = await complete(pay, order["trade_no"])
    assert reply["success"] is False and "not pending" in reply["message"]
    # a user may not complete orders, not even their own
    pending = await epay_order(pay)
    status, reply = await pay.buyer.json("POST", COMPLETE, json={"trade_no": pending["trade_no"]})
    assert status == 200 and reply["success"] is False  # the reference's refusal shape
    status, _ = await pay.gw.client().json("POST", COMPLETE, json={"trade_no": "x"})
    assert status == 401
    assert await pay.quota() == 0 and await pay.topup_logs() == []
    assert (await pay.order(pending["trade_no"]))["status"] == "pending"


async def test_admin_lists_everyones_orders(pay: PayEnv):
    order = await epay_order(pay)
    status, reply = await pay.root.json("GET", "/api/user/topup?keyword=" + order["trade_no"][:8])
    assert status == 200 and [o["trade_no"] for o in reply["data"]["items"]] == [order["trade_no"]]
    status, reply = await pay.buyer.json("GET", "/api/user/topup")
    assert status == 200 and reply["success"] is False
