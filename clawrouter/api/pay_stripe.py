"""Stripe: price preview, a Checkout Session created through the official `stripe` library
(StripeApiBase points it elsewhere, e.g. at a local fake) with a pending ref_... order, and the
webhook: Stripe-Signature verified by the library (5-minute tolerance); a paid checkout pays
the order out once, an expired or failed one closes it."""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

import aiohttp
import stripe
from aiohttp import web

from clawrouter.api import pay_orders
from clawrouter.api.pay_orders import pay_error, pay_ok
from clawrouter.api.routing import Routes
from clawrouter.auth.roles import COMMON, PUBLIC
from clawrouter.billing import topup
from clawrouter.db.repo import topups as topups_repo
from clawrouter.keys import CALLER, CLOCK, HTTP, MAIN_DB, OPTIONS
from clawrouter.options.store import Options

log = logging.getLogger(__name__)

PROVIDER = "stripe"
MAX_AMOUNT = 10000
TOLERANCE = 300  # seconds a signed event stays acceptable (the library's default)
_CREDIT = ("checkout.session.completed", "checkout.session.async_payment_succeeded")
_PAID = ("paid", "no_payment_required")
_CLOSE = {
    "checkout.session.expired": topups_repo.EXPIRED,
    "checkout.session.async_payment_failed": topups_repo.FAILED,
}


def stripe_enabled(o: Options) -> bool:
    return bool(
        o["StripeApiSecret"].strip()
        and o["StripeWebhookSecret"].strip()
        and o["StripePriceId"].strip()
    )


async def request_amount(request: web.Request) -> web.Response:
    """POST /api/user/stripe/amount: what `amount` costs at StripeUnitPrice."""
    body = await pay_orders.read_pay_request(request)
    amount = pay_orders.int_field(body, "amount")
    pay_orders.check_amount(request, amount, "StripeMinTopUp")
    return pay_ok(topup.money_text(pay_orders.price(request, amount, "StripeUnitPrice")))


def _return_url(o: Options, asked: Any, path: str) -> str:
    """The caller's success/cancel URL when it is on this server (ServerAddress), else ours."""
    server = o["ServerAddress"].strip().rstrip("/")
    if isinstance(asked, str) and server and asked.startswith(server + "/"):
        return asked
    return server + path


async def request_pay(request: web.Request) -> web.Response:
    """POST /api/user/stripe/pay: a Checkout Session for `amount` units of StripePriceId."""
    body = await pay_orders.read_pay_request(request)
    if body.get("payment_method") != PROVIDER:
        raise pay_error("unsupported payment method")
    amount = pay_orders.int_field(body, "amount")
    pay_orders.check_amount(request, amount, "StripeMinTopUp")
    if amount > MAX_AMOUNT:
        raise pay_error(f"the amount must be at most {MAX_AMOUNT}")
    o, user = request.config_dict[OPTIONS], request[CALLER]
    if not stripe_enabled(o):
        raise pay_error("the administrator has not configured Stripe")
    secret = o["StripeApiSecret"].strip()
    if not secret.startswith(("sk_", "rk_")):
        raise pay_error("invalid Stripe API key")
    now = int(request.config_dict[CLOCK]())
    ref = pay_orders.reference_id("new-api-ref", user["id"], now)
    params: dict[str, Any] = {
        "client_reference_id": ref,
        "success_url": _return_url(o, body.get("success_url"), "/console/log"),
        "cancel_url": _return_url(o, body.get("cancel_url"), "/console/topup"),
        "line_items": [{"price": o["StripePriceId"].strip(), "quantity": amount}],
        "mode": "payment",
        "allow_promotion_codes": bool(o["StripePromotionCodesEnabled"]),
    }
    if user.get("stripe_customer"):
        params["customer"] = user["stripe_customer"]
    else:
        if user.get("email"):
            params["customer_email"] = user["email"]
        params["customer_creation"] = "always"
    client = stripe.StripeClient(
        secret,
        base_addresses={"api": o["StripeApiBase"].strip().rstrip("/")},
        http_client=stripe.AIOHTTPClient(
            session=request.config_dict[HTTP], timeout=aiohttp.ClientTimeout(total=30)
        ),
        max_network_retries=0,
    )
    try:
        session = await client.v1.checkout.sessions.create_async(params)  # type: ignore[arg-type]
    except stripe.StripeError as e:
        log.warning("Stripe checkout session refused: %s", e.user_message or e)
        raise pay_error("could not start the payment") from None
    ratio = topup.group_ratio(o["TopupGroupRatio"], user.get("group") or "default")
    await pay_orders.open_order(
        request,
        {
            "amount": amount,
            "money": float(Decimal(amount) * ratio),
            "trade_no": ref,
            "payment_method": PROVIDER,
            "payment_provider": PROVIDER,
        },
    )
    return pay_ok({"pay_link": session.url})


async def stripe_webhook(request: web.Request) -> web.Response:
    """POST /api/stripe/webhook: 400 unless signed with StripeWebhookSecret; 200 otherwise."""
    payload = await request.read()
    secret = request.config_dict[OPTIONS]["StripeWebhookSecret"].strip()
    if not secret:
        return web.Response(status=400, text="Stripe webhooks are not configured")
    try:
        event = stripe.Webhook.construct_event(
            payload, request.headers.get("Stripe-Signature", ""), secret, tolerance=TOLERANCE
        )
    except (ValueError, stripe.SignatureVerificationError) as e:
        log.warning("Stripe webhook refused: %s", e)
        return web.Response(status=400, text="invalid signature or payload")
    raw = event.to_dict()
    data = raw.get("data") if isinstance(raw.get("data"), dict) else {}
    obj = data.get("object") if isinstance(data.get("object"), dict) else {}
    ref = obj.get("client_reference_id") or ""
    kind = raw.get("type") or ""
    if not isinstance(ref, str):
        ref = ""
    if kind in _CREDIT and ref:
        if obj.get("payment_status") not in _PAID:
            return web.Response(text="ok")  # an async payment: wait for async_payment_succeeded
        customer = obj.get("customer") or ""
        outcome = await pay_orders.pay_out(
            request, ref, provider=PROVIDER, customer=customer if isinstance(customer, str) else ""
        )
        log.info("Stripe %s for order %s: %s", kind, ref, outcome)
    elif kind in _CLOSE and ref:
        db = request.config_dict[MAIN_DB]
        await topups_repo.close_pending(db, ref, _CLOSE[kind], PROVIDER)
    return web.Response(text="ok")


def routes(r: Routes) -> None:
    r.add("POST", "/user/stripe/amount", request_amount, COMMON, limit="critical")
    r.add("POST", "/user/stripe/pay", request_pay, COMMON, limit="critical")
    r.add("POST", "/stripe/webhook", stripe_webhook, PUBLIC)
