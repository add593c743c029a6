"""Creem: starting a payment for one of the CreemProducts (a pending ref_... order, then a
checkout at <CreemApiBase>/v1/checkouts) and the webhook: creem-signature is the hex
HMAC-SHA256 of the raw body with CreemWebhookSecret (skipped only in test mode with no secret);
a paid one-time checkout.completed pays the order out once."""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
import orjson
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

PROVIDER = "creem"
LIVE_BASE, TEST_BASE = "https://api.creem.io", "https://test-api.creem.io"


def creem_enabled(o: Options) -> bool:
    return bool(o["CreemApiKey"].strip() and o["CreemProducts"])


def api_base(o: Options) -> str:
    """CreemApiBase; in test mode the default base becomes Creem's test API."""
    base = o["CreemApiBase"].strip().rstrip("/") or LIVE_BASE
    return TEST_BASE if o["CreemTestMode"] and base == LIVE_BASE else base


def _product(o: Options, product_id: str) -> dict[str, Any]:
    for p in o["CreemProducts"]:
        if isinstance(p, dict) and p.get("productId") == product_id:
            quota = p.get("quota")
            if not isinstance(quota, int) or isinstance(quota, bool) or quota <= 0:
                raise pay_error("the product's quota is not configured correctly")
            if quota > pay_orders.MAX_QUOTA:
                raise pay_error("the product's quota is too large")
            return p
    raise pay_error("the product does not exist")


async def _checkout(request: web.Request, ref: str, product: dict[str, Any]) -> str:
    o, user = request.config_dict[OPTIONS], request[CALLER]
    body = {
        "product_id": product["productId"],
        "request_id": ref,
        "customer": {"email": user.get("email") or ""},
        "metadata": {
            "username": user["username"],
            "reference_id": ref,
            "product_name": str(product.get("name", "")),
            "quota": str(product["quota"]),
        },
    }
    headers = {"x-api-key": o["CreemApiKey"].strip(), "Content-Type": "application/json"}
    http = request.config_dict[HTTP]
    url = api_base(o) + "/v1/checkouts"
    try:
        async with http.post(
            url, data=orjson.dumps(body), headers=headers, timeout=aiohttp.ClientTimeout(total=30)
        ) as resp:
            raw = await resp.read()
            if resp.status // 100 != 2:
                raise ValueError(f"HTTP {resp.status}")
            link = orjson.loads(raw).get("checkout_url")
    except (aiohttp.ClientError, TimeoutError, ValueError, AttributeError) as e:
        log.warning("Creem checkout for order %s failed: %s", ref, e)
        return ""
    return link if isinstance(link, str) else ""


async def request_pay(request: web.Request) -> web.Response:
    """POST /api/user/creem/pay: {checkout_url, order_id}."""
    body = await pay_orders.read_pay_request(request)
    if body.get("payment_method") != PROVIDER:
        raise pay_error("unsupported payment method")
    product_id = body.get("product_id")
    if not isinstance(product_id, str) or not product_id:
        raise pay_error("choose a product")
    o = request.config_dict[OPTIONS]
    if not creem_enabled(o):
        raise pay_error("the administrator has not configured Creem")
    product = _product(o, product_id)
    price = product.get("price", 0)
    now = int(request.config_dict[CLOCK]())
    ref = pay_orders.reference_id("creem-api-ref", request[CALLER]["id"], now)
    await pay_orders.open_order(
        request,
        {
            "amount": product["quota"],
            "money": float(price) if isinstance(price, int | float) else 0.0,
            "trade_no": ref,
            "payment_method": PROVIDER,
            "payment_provider": PROVIDER,
        },
    )
    link = await _checkout(request, ref, product)
    if not link:
        await topups_repo.close_pending(
            request.config_dict[MAIN_DB], ref, topups_repo.FAILED, PROVIDER
        )
        raise pay_error("could not start the payment")
    return pay_ok({"checkout_url": link, "order_id": ref})


def _object(event: Any) -> dict[str, Any]:
    obj = event.get("object") if isinstance(event, dict) else None
    return obj if isinstance(obj, dict) else {}


async def creem_webhook(request: web.Request) -> web.Response:
    """POST /api/creem/webhook: 401 unsigned or badly signed, 400 unreadable or for an order we
    do not have, 200 once handled (or ignored)."""
    raw = await request.read()
    o = request.config_dict[OPTIONS]
    signature = request.headers.get("creem-signature", "")
    if not signature and not o["CreemTestMode"]:
        return web.Response(status=401, text="missing creem-signature")
    if not topup.creem_verified(
        raw, signature, o["CreemWebhookSecret"].strip(), o["CreemTestMode"]
    ):
        return web.Response(status=401, text="invalid creem-signature")
    try:
        event = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return web.Response(status=400, text="invalid JSON")
    if not isinstance(event, dict) or event.get("eventType") != "checkout.completed":
        return web.Response(text="ok")
    obj = _object(event)
    order = obj.get("order") if isinstance(obj.get("order"), dict) else {}
    if order.get("status") != "paid":
        return web.Response(text="ok")
    ref = obj.get("request_id")
    if not isinstance(ref, str) or not ref:
        return web.Response(status=400, text="request_id is missing")
    if order.get("type", "onetime") != "onetime":
        return web.Response(text="ok")
    outcome = await pay_orders.pay_out(request, ref, provider=PROVIDER)
    log.info("Creem checkout.completed for order %s: %s", ref, outcome)
    if outcome in ("unknown", "refused"):
        return web.Response(status=400, text=f"order {outcome}")
    return web.Response(text="ok")


def routes(r: Routes) -> None:
    r.add("POST", "/user/creem/pay", request_pay, COMMON, limit="critical")
    r.add("POST", "/creem/webhook", creem_webhook, PUBLIC)
