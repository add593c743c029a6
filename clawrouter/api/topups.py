"""Wallet top-ups under /api/user: redeeming a code (any user), what the wallet page may offer
(topup/info), the top-up order history (own orders, or everyone's for admins) and the admin's
manual completion of an order. The online payment flows are pay_epay, pay_stripe, pay_creem
(their routes are declared with these)."""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

from clawrouter.api import audit, pay_creem, pay_epay, pay_orders, pay_stripe
from clawrouter.api.routing import Routes
from clawrouter.auth.roles import ADMIN, COMMON
from clawrouter.changes.change import Change
from clawrouter.db.repo import redemptions as redemptions_repo
from clawrouter.db.repo import topups as topups_repo
from clawrouter.db.store import Tx
from clawrouter.errors import ApiError
from clawrouter.http.render import ok, page
from clawrouter.http.request import pagination, read_object
from clawrouter.keys import CALLER, CHANGES, CLOCK, MAIN_DB, OPTIONS, RELAY
from clawrouter.relay.ledger import CreditRefused
from clawrouter.wire.status import LogType

MAX_KEY = 64


async def redeem(request: web.Request) -> web.Response:
    body = await read_object(request)
    key = body.get("key")
    if not isinstance(key, str) or not key.strip():
        raise ApiError("key is required")
    if len(key.strip()) > MAX_KEY:
        raise ApiError("invalid redemption code")
    app, user = request.config_dict, request[CALLER]
    now, code = int(app[CLOCK]()), dict[str, Any]()

    async def claim(tx: Tx) -> int:
        code.update(await redemptions_repo.claim_code(tx, key.strip(), user["id"], now))
        return code["quota"]

    try:  # the code is marked used and the wallet credited together, through the ledger
        await app[RELAY].ledger.credit(user["id"], claim, f"redeem:{key.strip()}")
    except redemptions_repo.RedeemRefused as e:
        raise ApiError(f"redeem failed: {e}") from None
    except CreditRefused:
        raise ApiError("redeem failed: this redemption code cannot be credited") from None
    await app[CHANGES].publish(Change("user", user["id"]), here=False)  # the ledger reloaded it
    quota = code["quota"]
    text = f"top-up with redemption code #{code['id']}: +{quota} quota"
    await audit.write_log(request, user, LogType.TOPUP, text, quota=quota)
    return ok(quota)


async def topup_info(request: web.Request) -> web.Response:
    """What the wallet page may offer (top-up methods, amounts, minimums): the reference's
    fields. A provider is enabled once its options are set; Stripe joins the pay methods."""
    o = request.config_dict[OPTIONS]
    stripe_on = pay_stripe.stripe_enabled(o)
    methods = list(o["PayMethods"])
    if stripe_on and not any(isinstance(m, dict) and m.get("type") == "stripe" for m in methods):
        methods.append(
            {
                "name": "Stripe",
                "type": "stripe",
                "color": "#635BFF",
                "min_topup": str(o["StripeMinTopUp"]),
            }
        )
    return ok(
        {
            "enable_online_topup": pay_epay.epay_enabled(o),
            "enable_stripe_topup": stripe_on,
            "enable_creem_topup": pay_creem.creem_enabled(o),
            "enable_waffo_topup": False,
            "enable_waffo_pancake_topup": False,
            "waffo_pay_methods": None,
            "creem_products": orjson.dumps(o["CreemProducts"]).decode(),
            "pay_methods": methods,
            "min_topup": o["MinTopUp"],
            "stripe_min_topup": o["StripeMinTopUp"],
            "waffo_min_topup": 1,
            "waffo_pancake_min_topup": 1,
            "amount_options": o["payment_setting.amount_options"],
            "discount": o["payment_setting.amount_discount"],
        }
    )


async def _history(request: web.Request, user_id: int) -> web.Response:
    p, size = pagination(request)
    rows, total = await topups_repo.page_topups(
        request.config_dict[MAIN_DB],
        (p - 1) * size,
        size,
        user_id=user_id,
        keyword=request.query.get("keyword", "").strip(),
    )
    return page(rows, total, p, size)


async def own_topups(request: web.Request) -> web.Response:
    return await _history(request, request[CALLER]["id"])


async def all_topups(request: web.Request) -> web.Response:
    return await _history(request, 0)


async def complete_topup(request: web.Request) -> web.Response:
    """POST /api/user/topup/complete {trade_no}: an admin pays a pending order out by hand
    (once, even racing the provider's webhook); the top-up log row names the admin."""
    body = await read_object(request)
    trade_no = body.get("trade_no")
    if not isinstance(trade_no, str) or not trade_no.strip():
        raise ApiError("trade_no is required")
    outcome = await pay_orders.pay_out(request, trade_no.strip(), admin=request[CALLER])
    if outcome == "unknown":
        raise ApiError("top-up order not found")
    if outcome == "closed":
        raise ApiError("the order is not pending; it cannot be completed")
    if outcome == "refused":
        raise ApiError("the order's quota could not be credited")
    return ok()


def routes(r: Routes) -> None:
    r.add("POST", "/user/topup", redeem, COMMON, limit="critical")
    r.add("GET", "/user/topup/info", topup_info, COMMON)
    r.add("GET", "/user/topup/self", own_topups, COMMON)
    r.add("GET", "/user/topup", all_topups, ADMIN)
    r.add("POST", "/user/topup/complete", complete_topup, ADMIN)
    for module in (pay_epay, pay_stripe, pay_creem):
        module.routes(r)
