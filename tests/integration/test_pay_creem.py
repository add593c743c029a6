"""Creem top-ups against a fake Creem on 127.0.0.1: a checkout for one of the CreemProducts
(pending ref_ order first), and the webhook: creem-signature (hex HMAC-SHA256 of the body) is
checked, skipped only in test mode without a secret; a paid one-time checkout.completed credits
the product's quota once. After each: the buyer's quota (API and relay memory), the order
history and the top-up log."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import orjson
import pytest

from tests.support.fake_payments import CREEM_KEY, CREEM_WEBHOOK_SECRET, FakeCreem
from tests.support.pay_env import PayEnv

HOOK = "/api/creem/webhook"
PRODUCTS = [
    {"productId": "prod_small", "name": "10$", "price": 10, "currency": "USD", "quota": 5_000_000},
    {"productId": "prod_free", "name": "bad", "price": 1, "currency": "USD", "quota": 0},
]


@pytest.fixture
async def fake() -> AsyncIterator[FakeCreem]:
    async with FakeCreem() as f:
        yield f


@pytest.fixture
async def pay(relay_env, fake: FakeCreem) -> PayEnv:
    return await PayEnv.start(
        relay_env,
        CreemApiKey=CREEM_KEY,
        CreemWebhookSecret=CREEM_WEBHOOK_SECRET,
        CreemProducts=orjson.dumps(PRODUCTS).decode(),
        CreemApiBase=fake.base,
    )


async def start(pay: PayEnv, product: str = "prod_small") -> str:
    reply = await pay.call(
        "/api/user/creem/pay", {"product_id": product, "payment_method": "creem"}
    )
    assert reply["message"] == "success", reply
    return reply["data"]["order_id"]


async def test_info_offers_creem_products(pay: PayEnv):
    status, reply = await pay.buyer.json("GET", "/api/user/topup/info")
    info = reply["data"]
    assert info["enable_creem_topup"] is True
    assert orjson.loads(info["creem_products"]) == PRODUCTS


async def test_pay_starts_a_checkout(pay: PayEnv, fake: FakeCreem):
    body = {"product_id": "prod_small", "payment_method": "creem"}
    reply = await pay.call("/api/user/creem/pay", body)
    (sent,) = fake.requests
    ref = sent["body"]["request_id"]
    assert sent["key"] == CREEM_KEY and sent["body"]["product_id"] == "prod_small"
    assert sent["body"]["customer"] == {"email": "buyer@example.com"}
    assert sent["body"]["metadata"]["quota"] == "5000000"
    assert reply["message"] == "success" and reply["data"]["order_id"] == ref
    assert reply["data"]["checkout_url"].startswith("https://creem.io/test/checkout/prod_small/")
    (order,) = await pay.orders()
    assert order["trade_no"] == ref and order["status"] == "pending"
    assert order["amount"] == 5_000_000 and order["money"] == 10.0
    assert order["payment_provider"] == "creem" and await pay.quota() == 0


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"product_id": "prod_nope", "payment_method": "creem"}, "product does not exist"),
        ({"product_id": "", "payment_method": "creem"}, "choose a product"),
        ({"product_id": "prod_small", "payment_method": "stripe"}, "unsupported payment"),
        ({"product_id": "prod_free", "payment_method": "creem"}, "not configured correctly"),
    ],
)
async def test_pay_refusals(pay: PayEnv, fake: FakeCreem, body: dict, fragment: str):
    reply = await pay.call("/api/user/creem/pay", body)
    assert reply["message"] == "error" and fragment in reply["data"], reply
    assert fake.requests == [] and await pay.orders() == []


async def test_a_refused_checkout_fails_its_order(pay: PayEnv, fake: FakeCreem):
    fake.fail_with = 500
    reply = await pay.call(
        "/api/user/creem/pay", {"product_id": "prod_small", "payment_method": "creem"}
    )
    assert reply["message"] == "error" and "could not start" in reply["data"]
    (order,) = await pay.orders()
    assert order["status"] == "failed"
    body, headers = fake.event(order["trade_no"])
    assert (await pay.deliver(HOOK, body, headers))[0] == 200
    assert await pay.quota() == 0
    await pay.options(CreemApiKey="")
    reply = await pay.call(
        "/api/user/creem/pay", {"product_id": "prod_small", "payment_method": "creem"}
    )
    assert reply["message"] == "error" and "not configured Creem" in reply["data"]


async def test_completed_checkout_credits_the_product_once(pay: PayEnv, fake: FakeCreem):
    assert await pay.relay_status() == 403
    ref = await start(pay)
    body, headers = fake.event(ref)
    assert await pay.deliver(HOOK, body, headers) == (200, "ok")
    assert await pay.quota() == 5_000_000
    assert await pay.relay_status() == 200
    (order,) = await pay.orders()
    assert order["status"] == "success"
    (entry,) = await pay.topup_logs()
    assert entry["quota"] == 5_000_000 and ref in entry["other"]
    assert await pay.deliver(HOOK, body, headers) == (200, "ok")  # a replay
    assert len(await pay.topup_logs()) == 1


async def test_concurrent_duplicate_webhooks_credit_once(pay: PayEnv, fake: FakeCreem):
    ref = await start(pay)
    body, headers = fake.event(ref)
    answers = await asyncio.gather(*(pay.deliver(HOOK, body, headers) for _ in range(8)))
    assert [a[0] for a in answers] == [200] * 8
    assert await pay.quota() == 5_000_000 and len(await pay.topup_logs()) == 1


async def test_signatures(pay: PayEnv, fake: FakeCreem):
    ref = await start(pay)
    body, headers = fake.event(ref, secret="wrong-secret")
    assert (await pay.deliver(HOOK, body, headers))[0] == 401
    body, headers = fake.event(ref)
    tampered = body.replace(b'"amount_paid":1000', b'"amount_paid":9999')
    assert tampered != body
    assert (await pay.deliver(HOOK, tampered, headers))[0] == 401
    unsigned = {"Content-Type": "application/json"}
    assert (await pay.deliver(HOOK, body, unsigned))[0] == 401
    assert await pay.quota() == 0
    # test mode with no secret: Creem's test webhooks are taken unsigned (the reference's rule)
    await pay.options(CreemWebhookSecret="", CreemTestMode=True)
    assert await pay.deliver(HOOK, body, unsigned) == (200, "ok")
    assert await pay.quota() == 5_000_000


async def test_unpaid_foreign_and_unknown_events_credit_nothing(pay: PayEnv, fake: FakeCreem):
    ref = await start(pay)
    for kw in (
        {"status": "pending"},
        {"event_type": "refund.created"},
        {"order_type": "recurring"},
    ):
        body, headers = fake.event(ref, **kw)
        assert await pay.deliver(HOOK, body, headers) == (200, "ok")
    body, headers = fake.event("ref_" + "f" * 40)
    assert (await pay.deliver(HOOK, body, headers))[0] == 400
    body, headers = fake.event("")
    assert (await pay.deliver(HOOK, body, headers))[0] == 400
    assert await pay.quota() == 0 and await pay.topup_logs() == []
    assert (await pay.orders())[0]["status"] == "pending"
