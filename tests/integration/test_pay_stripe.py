"""Stripe top-ups through the official library against a fake Stripe on 127.0.0.1: the Checkout
Session request, the pending ref_ order, and webhooks signed with the library's own scheme —
a paid checkout credits once (replays and concurrent duplicates included), a bad or stale
signature is a 400, expired / failed checkouts close the order for good, an async payment
waits for its success event. After each: the buyer's quota (API and relay memory), the order
history and the top-up log."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from tests.support.fake_payments import (
    STRIPE_PRICE,
    STRIPE_SECRET,
    FakeStripe,
)
from tests.support.pay_env import QPU, PayEnv

HOOK = "/api/stripe/webhook"


@pytest.fixture
async def fake() -> AsyncIterator[FakeStripe]:
    async with FakeStripe() as f:
        yield f


@pytest.fixture
async def pay(relay_env, fake: FakeStripe) -> PayEnv:
    return await PayEnv.start(
        relay_env,
        **fake.options(),
    )


async def start(pay: PayEnv, amount: int = 10) -> str:
    reply = await pay.call("/api/user/stripe/pay", {"amount": amount, "payment_method": "stripe"})
    assert reply["message"] == "success", reply
    (order,) = [o for o in await pay.orders() if o["status"] == "pending"][:1]
    return order["trade_no"]


async def test_info_lists_stripe_once_configured(pay: PayEnv):
    status, reply = await pay.buyer.json("GET", "/api/user/topup/info")
    info = reply["data"]
    assert info["enable_stripe_topup"] is True and info["stripe_min_topup"] == 1
    assert info["pay_methods"][-1] == {
        "name": "Stripe",
        "type": "stripe",
        "color": "#635BFF",
        "min_topup": "1",
    }


async def test_amount_preview_uses_the_unit_price(pay: PayEnv):
    assert await pay.call("/api/user/stripe/amount", {"amount": 10}) == {
        "message": "success",
        "data": "80.00",
    }
    await pay.options(StripeMinTopUp=5)
    reply = await pay.call("/api/user/stripe/amount", {"amount": 4})
    assert reply["message"] == "error" and "at least 5" in reply["data"]


async def test_pay_creates_a_checkout_session_and_a_pending_order(pay: PayEnv, fake: FakeStripe):
    reply = await pay.call("/api/user/stripe/pay", {"amount": 12, "payment_method": "stripe"})
    (sent,) = fake.requests
    form = sent["form"]
    assert sent["auth"] == f"Bearer {STRIPE_SECRET}"
    assert form["line_items[0][price]"] == STRIPE_PRICE
    assert form["line_items[0][quantity]"] == "12" and form["mode"] == "payment"
    assert form["success_url"] == "http://gateway.test/console/log"
    assert form["cancel_url"] == "http://gateway.test/console/topup"
    assert form["customer_email"] == "buyer@example.com"
    assert form["customer_creation"] == "always"
    ref = form["client_reference_id"]
    assert ref.startswith("ref_") and len(ref) == 44
    session = next(iter(fake.sessions.values()))
    assert reply == {"message": "success", "data": {"pay_link": session["url"]}}
    (order,) = await pay.orders()
    assert order["trade_no"] == ref and order["status"] == "pending"
    assert order["amount"] == 12 and order["money"] == 12.0
    assert order["payment_provider"] == "stripe" and await pay.quota() == 0


async def test_return_urls_must_be_on_this_server(pay: PayEnv, fake: FakeStripe):
    for success, kept in [
        ("http://gateway.test/console/topup?paid=1", True),
        ("https://evil.example/phish", False),
        ("http://gateway.test.evil.example/x", False),
    ]:
        body = {"amount": 1, "payment_method": "stripe", "success_url": success}
        assert (await pay.call("/api/user/stripe/pay", body))["message"] == "success"
        sent = fake.requests[-1]["form"]["success_url"]
        assert sent == (success if kept else "http://gateway.test/console/log")


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"amount": 0, "payment_method": "stripe"}, "at least 1"),
        ({"amount": 10001, "payment_method": "stripe"}, "at most 10000"),
        ({"amount": 10, "payment_method": "alipay"}, "unsupported payment method"),
        ({"amount": 1.5, "payment_method": "stripe"}, "must be an integer"),
    ],
)
async def test_pay_refusals(pay: PayEnv, fake: FakeStripe, body: dict, fragment: str):
    reply = await pay.call("/api/user/stripe/pay", body)
    assert reply["message"] == "error" and fragment in reply["data"], reply
    assert fake.requests == [] and await pay.orders() == []


async def test_pay_refused_when_stripe_is_off_or_refuses(pay: PayEnv, fake: FakeStripe):
    body = {"amount": 10, "payment_method": "stripe"}
    await pay.options(StripeApiSecret="pk_live_not_a_secret_key")
    reply = await pay.call("/api/user/stripe/pay", body)
    assert reply["message"] == "error" and "invalid Stripe API key" in reply["data"]
    await pay.options(StripeApiSecret="sk_test_wrong")  # Stripe answers 401
    reply = await pay.call("/api/user/stripe/pay", body)
    assert reply["message"] == "error" and "could not start" in reply["data"]
    await pay.options(StripePriceId="")
    reply = await pay.call("/api/user/stripe/pay", body)
    assert reply["message"] == "error" and "not configured Stripe" in reply["data"]
    assert len(fake.requests) == 1 and await pay.orders() == []


async def test_completed_checkout_credits_once(pay: PayEnv, fake: FakeStripe):
    assert await pay.relay_status() == 403
    ref = await start(pay)
    body, headers = fake.event("checkout.session.completed", ref)
    assert await pay.deliver(HOOK, body, headers) == (200, "ok")
    assert await pay.quota() == 10 * QPU
    assert await pay.relay_status() == 200
    (order,) = await pay.orders()
    assert order["status"] == "success" and order["complete_time"] > 0
    (entry,) = await pay.topup_logs()
    assert entry["quota"] == 10 * QPU and ref in entry["other"]
    user = await pay.relay.user_row(pay.uid)
    assert user["stripe_customer"] == "cus_fake_1"
    # Stripe retries the same event: acknowledged, nothing more credited
    assert await pay.deliver(HOOK, body, headers) == (200, "ok")
    again, again_headers = fake.event("checkout.session.async_payment_succeeded", ref)
    assert await pay.deliver(HOOK, again, again_headers) == (200, "ok")
    assert len(await pay.topup_logs()) == 1
    # the next checkout reuses the customer
    await start(pay)
    assert fake.requests[-1]["form"]["customer"] == "cus_fake_1"


async def test_concurrent_duplicate_webhooks_credit_once(pay: PayEnv, fake: FakeStripe):
    ref = await start(pay, amount=3)
    body, headers = fake.event("checkout.session.completed", ref)
    answers = await asyncio.gather(*(pay.deliver(HOOK, body, headers) for _ in range(8)))
    assert answers == [(200, "ok")] * 8
    assert await pay.quota() == 3 * QPU
    assert len(await pay.topup_logs()) == 1


async def test_bad_signatures_are_refused(pay: PayEnv, fake: FakeStripe):
    ref = await start(pay)
    body, headers = fake.event("checkout.session.completed", ref, secret="whsec_wrong")
    assert (await pay.deliver(HOOK, body, headers))[0] == 400
    body, headers = fake.event("checkout.session.completed", ref)
    assert (await pay.deliver(HOOK, body.replace(b'"paid"', b'"PAID"'), headers))[0] == 400
    assert (await pay.deliver(HOOK, body, {"Content-Type": "application/json"}))[0] == 400
    stale = int(time.time()) - 3600
    body, headers = fake.event("checkout.session.completed", ref, timestamp=stale)
    assert (await pay.deliver(HOOK, body, headers))[0] == 400
    assert (await pay.deliver(HOOK, b"not json", headers))[0] == 400
    assert await pay.quota() == 0 and await pay.topup_logs() == []
    assert (await pay.orders())[0]["status"] == "pending"


async def test_unknown_and_foreign_orders_credit_nothing(pay: PayEnv, fake: FakeStripe):
    body, headers = fake.event("checkout.session.completed", "ref_" + "0" * 40)
    assert await pay.deliver(HOOK, body, headers) == (200, "ok")
    body, headers = fake.event("checkout.session.completed", "")
    assert await pay.deliver(HOOK, body, headers) == (200, "ok")
    epay_like = await pay.call("/api/user/pay", {"amount": 10, "payment_method": "alipay"})
    assert epay_like["message"] == "error"  # epay is not configured here: no epay order
    assert await pay.quota() == 0 and await pay.topup_logs() == []


async def test_expired_checkout_closes_the_order_for_good(pay: PayEnv, fake: FakeStripe):
    ref = await start(pay)
    body, headers = fake.event("checkout.session.expired", ref)
    assert await pay.deliver(HOOK, body, headers) == (200, "ok")
    assert (await pay.orders())[0]["status"] == "expired"
    body, headers = fake.event("checkout.session.completed", ref)
    assert await pay.deliver(HOOK, body, headers) == (200, "ok")
    assert (await pay.orders())[0]["status"] == "expired"
    assert await pay.quota() == 0 and await pay.topup_logs() == []


async def test_async_payment_waits_for_its_outcome(pay: PayEnv, fake: FakeStripe):
    paid, failed = await start(pay, amount=2), await start(pay, amount=4)
    for ref in (paid, failed):  # checkout done, money not yet moved (e.g. a bank debit)
        body, headers = fake.event("checkout.session.completed", ref, payment_status="unpaid")
        assert await pay.deliver(HOOK, body, headers) == (200, "ok")
    assert await pay.quota() == 0
    body, headers = fake.event("checkout.session.async_payment_failed", failed)
    assert await pay.deliver(HOOK, body, headers) == (200, "ok")
    body, headers = fake.event("checkout.session.async_payment_succeeded", paid)
    assert await pay.deliver(HOOK, body, headers) == (200, "ok")
    assert await pay.quota() == 2 * QPU
    statuses = {o["trade_no"]: o["status"] for o in await pay.orders()}
    assert statuses == {paid: "success", failed: "failed"}


async def test_group_ratio_scales_money_and_credit(pay: PayEnv, fake: FakeStripe):
    await pay.options(TopupGroupRatio='{"default": 1.5}')
    assert (await pay.call("/api/user/stripe/amount", {"amount": 10}))["data"] == "120.00"
    ref = await start(pay, amount=10)
    assert (await pay.order(ref))["money"] == 15.0
    body, headers = fake.event("checkout.session.completed", ref)
    assert await pay.deliver(HOOK, body, headers) == (200, "ok")
    assert await pay.quota() == 15 * QPU  # the reference's rule: money x QuotaPerUnit
