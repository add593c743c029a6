"""Epay top-ups: the price preview, starting a payment (pending order, signed form, submit URL),
and the notify callback: MD5-signed, credits a pending order exactly once (replays and
concurrent duplicates included), never an unknown or unpaid one; plain-text success/fail. After
each: the buyer's quota (API and relay memory), the order history and the top-up log."""

from __future__ import annotations

import asyncio

import pytest

from clawrouter.db.repo import topups as topups_repo
from clawrouter.keys import LOG_DB, MAIN_DB
from tests.support.fake_payments import EPAY_ID, EPAY_KEY, epay_notify, epay_signed
from tests.support.pay_env import QPU, PayEnv

EPAY = {
    "PayAddress": "https://pay.example.com",
    "EpayId": EPAY_ID,
    "EpayKey": EPAY_KEY,
    "CustomCallbackAddress": "https://hooks.example.com",
}


@pytest.fixture
async def pay(relay_env) -> PayEnv:
    return await PayEnv.start(relay_env, **EPAY)


async def start(pay: PayEnv, amount: int = 10, method: str = "alipay") -> dict:
    reply = await pay.call("/api/user/pay", {"amount": amount, "payment_method": method})
    assert reply["message"] == "success", reply
    return await pay.order(reply["data"]["out_trade_no"])


async def test_info_offers_epay_once_configured(pay: PayEnv):
    status, reply = await pay.buyer.json("GET", "/api/user/topup/info")
    info = reply["data"]
    assert info["enable_online_topup"] is True and info["enable_stripe_topup"] is False
    assert [m["type"] for m in info["pay_methods"]] == ["alipay", "wxpay", "custom1"]
    assert info["min_topup"] == 1 and info["amount_options"] == [10, 20, 50, 100, 200, 500]
    await pay.options(EpayKey="")
    status, reply = await pay.buyer.json("GET", "/api/user/topup/info")
    assert reply["data"]["enable_online_topup"] is False


async def test_amount_preview(pay: PayEnv):
    reply = await pay.call("/api/user/amount", {"amount": 10})
    assert reply == {"message": "success", "data": "73.00"}
    await pay.options(
        TopupGroupRatio='{"default": 2, "vip": 1}',
        **{"payment_setting.amount_discount": '{"10": 0.9}'},
    )
    assert (await pay.call("/api/user/amount", {"amount": 10}))["data"] == "131.40"
    assert (await pay.call("/api/user/amount", {"amount": 20}))["data"] == "292.00"
    await pay.options(**{"general_setting.quota_display_type": "TOKENS"})
    reply = await pay.call("/api/user/amount", {"amount": 10})
    assert reply["data"] == "the amount must be at least 500000"
    assert (await pay.call("/api/user/amount", {"amount": 5 * QPU}))["data"] == "73.00"


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"amount": 0, "payment_method": "alipay"}, "at least 1"),
        ({"amount": "10", "payment_method": "alipay"}, "amount must be an integer"),
        ({"amount": 10**13, "payment_method": "alipay"}, "too large"),
        ({"amount": 10, "payment_method": "paypal"}, "payment method does not exist"),
        ({"amount": 10}, "payment method does not exist"),
    ],
)
async def test_pay_refusals_create_no_order(pay: PayEnv, body: dict, fragment: str):
    reply = await pay.call("/api/user/pay", body)
    assert reply["message"] == "error" and fragment in reply["data"], reply
    assert await pay.orders() == []


async def test_pay_refused_when_epay_is_not_configured(pay: PayEnv):
    await pay.options(EpayId="")
    reply = await pay.call("/api/user/pay", {"amount": 10, "payment_method": "alipay"})
    assert reply["message"] == "error" and "not configured epay" in reply["data"]
    status, reply = await pay.buyer.json("POST", "/api/user/pay", data=b"{oops")
    assert status == 200 and reply["message"] == "error" and "invalid request" in reply["data"]
    assert await pay.orders() == []


async def test_pay_gives_a_signed_form_and_a_pending_order(pay: PayEnv):
    reply = await pay.call("/api/user/pay", {"amount": 10, "payment_method": "wxpay"})
    assert reply["message"] == "success" and reply["url"] == "https://pay.example.com/submit.php"
    form = reply["data"]
    trade_no = form["out_trade_no"]
    assert trade_no.startswith(f"USR{pay.uid}NO") and len(trade_no) == len(f"USR{pay.uid}NO") + 16
    assert form["pid"] == EPAY_ID and form["type"] == "wxpay" and form["money"] == "73.00"
    assert form["notify_url"] == "https://hooks.example.com/api/user/epay/notify"
    assert form["return_url"] == "http://gateway.test/console/log"
    assert form["name"] == "TUC10" and form["sign_type"] == "MD5"
    assert form == epay_signed({k: v for k, v in form.items() if k != "sign"})
    (order,) = await pay.orders()
    assert order["trade_no"] == trade_no and order["status"] == "pending"
    assert order["amount"] == 10 and order["money"] == 73.0
    assert order["payment_provider"] == "epay" and order["payment_method"] == "wxpay"
    assert await pay.quota() == 0


async def test_notify_credits_once_and_the_relay_sees_it(pay: PayEnv):
    assert await pay.relay_status() == 403
    order = await start(pay)
    params = epay_notify(order)
    assert await pay.notify(params) == (200, "success")
    assert await pay.quota() == 10 * QPU
    assert await pay.relay_status() == 200
    (row,) = await pay.orders()
    assert row["status"] == "success" and row["complete_time"] > 0
    (entry,) = await pay.topup_logs()
    assert entry["quota"] == 10 * QPU and order["trade_no"] in entry["other"]
    # the same delivery again, by GET and by POST: acknowledged, nothing credited
    assert await pay.notify(params) == (200, "success")
    assert await pay.notify(params, "POST") == (200, "success")
    assert len(await pay.topup_logs()) == 1
    await pay.relay.flush()
    assert 0 < await pay.quota() < 10 * QPU  # the relay call above was charged, nothing added


async def test_concurrent_duplicate_notifies_credit_once(pay: PayEnv):
    order = await start(pay)
    params = epay_notify(order)
    answers = await asyncio.gather(*(pay.notify(params, m) for m in ["GET", "POST"] * 4))
    assert answers == [(200, "success")] * 8
    assert await pay.quota() == 10 * QPU
    assert len(await pay.topup_logs()) == 1
    assert (await pay.orders())[0]["status"] == "success"


async def test_bad_signatures_unknown_orders_and_unpaid_statuses_credit_nothing(pay: PayEnv):
    order = await start(pay)
    good = epay_notify(order)
    forged = {**good, "money": "0.01"}  # changed after signing
    assert await pay.notify(forged) == (200, "fail")
    assert await pay.notify(epay_signed(dict(good), key="wrong-key")) == (200, "fail")
    assert await pay.notify({k: v for k, v in good.items() if k != "sign"}) == (200, "fail")
    assert await pay.notify({}) == (200, "fail")
    unknown = epay_notify({**order, "trade_no": f"USR{pay.uid}NOabcdef1800000000"})
    assert await pay.notify(unknown) == (200, "fail")
    waiting = epay_notify(order, status="WAIT_BUYER_PAY")
    assert await pay.notify(waiting) == (200, "success")
    assert await pay.quota() == 0 and await pay.topup_logs() == []
    assert (await pay.orders())[0]["status"] == "pending"
    await pay.options(EpayKey="")  # epay switched off: even a good signature is refused
    assert await pay.notify(good) == (200, "fail")
    assert await pay.quota() == 0


async def test_notify_for_another_providers_order_is_refused(pay: PayEnv):
    order = await start(pay)
    stripe_order = {**order, "trade_no": "ref_" + "a" * 40}
    await topups_repo.insert_topup(
        pay.gw.app[MAIN_DB],
        {
            "user_id": pay.uid,
            "amount": 10,
            "money": 10.0,
            "trade_no": stripe_order["trade_no"],
            "payment_method": "stripe",
            "payment_provider": "stripe",
            "status": "pending",
        },
    )
    assert await pay.notify(epay_notify(stripe_order)) == (200, "fail")
    assert await pay.quota() == 0


async def test_credits_stay_exact_under_concurrent_relay_charges(pay: PayEnv):
    """Credits land while the relay charges the same wallet in memory (charges written behind):
    store, relay memory and API agree on start + credits - what the calls were charged."""
    orders = [await start(pay, amount=a) for a in (1, 2, 3)]
    deliveries = [pay.notify(epay_notify(o), m) for o in orders for m in ("GET", "POST")]
    status, reply = await pay.root.json(
        "POST",
        "/api/user/manage",
        json={"id": pay.uid, "action": "add_quota", "mode": "add", "value": 4 * QPU},
    )
    assert reply["success"], reply
    calls = [pay.relay_status() for _ in range(24)]
    results = await asyncio.gather(*deliveries, *calls)
    assert results[: len(deliveries)] == [(200, "success")] * len(deliveries)
    assert results[len(deliveries) :] == [200] * 24
    await pay.relay.flush()
    charged = await pay.gw.app[LOG_DB].fetchval(
        "SELECT COALESCE(SUM(quota), 0) FROM logs WHERE type = 2 AND user_id = ?", (pay.uid,)
    )
    assert charged > 0
    stored = (await pay.relay.user_row(pay.uid))["quota"]
    assert stored == await pay.quota() == 4 * QPU + 6 * QPU - charged
    assert len(await pay.topup_logs()) == 3


async def test_tokens_display_mode_takes_quota_amounts(pay: PayEnv):
    """With the console showing quota as tokens, amounts are quota: the minimum is MinTopUp x
    QuotaPerUnit, the order stores whole currency units, the credit is those units' quota."""
    await pay.options(**{"general_setting.quota_display_type": "TOKENS"})
    reply = await pay.call("/api/user/pay", {"amount": QPU - 1, "payment_method": "alipay"})
    assert reply["message"] == "error" and f"at least {QPU}" in reply["data"]
    reply = await pay.call("/api/user/pay", {"amount": 2 * QPU, "payment_method": "alipay"})
    assert reply["data"]["money"] == "14.60" and reply["data"]["name"] == f"TUC{2 * QPU}"
    order = await pay.order(reply["data"]["out_trade_no"])
    assert order["amount"] == 2
    assert await pay.notify(epay_notify(order)) == (200, "success")
    assert await pay.quota() == 2 * QPU
