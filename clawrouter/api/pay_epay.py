"""Epay (易支付): price preview, starting a payment (a pending USR<id>NO... order and the signed
form the console posts to <PayAddress>/submit.php) and the notify callback (MD5 signature,
then the order paid out once; plain-text success / fail)."""

from __future__ import annotations

import logging
import secrets
import string

from aiohttp import web

from clawrouter.api import pay_orders
from clawrouter.api.pay_orders import pay_error, pay_ok
from clawrouter.api.routing import Routes
from clawrouter.auth.roles import COMMON, PUBLIC
from clawrouter.billing import topup
from clawrouter.keys import CALLER, CLOCK, OPTIONS
from clawrouter.options.store import Options

log = logging.getLogger(__name__)

PROVIDER = "epay"
TRADE_SUCCESS = "TRADE_SUCCESS"
_ALNUM = string.ascii_letters + string.digits


def epay_enabled(o: Options) -> bool:
    return bool(o["PayAddress"].strip() and o["EpayId"].strip() and o["EpayKey"].strip())


def callback_base(o: Options) -> str:
    """Where epay sends its notify: CustomCallbackAddress, else ServerAddress."""
    return (o["CustomCallbackAddress"].strip() or o["ServerAddress"].strip()).rstrip("/")


async def request_amount(request: web.Request) -> web.Response:
    """POST /api/user/amount: what `amount` costs, "7.30"."""
    body = await pay_orders.read_pay_request(request)
    amount = pay_orders.int_field(body, "amount")
    pay_orders.check_amount(request, amount, "MinTopUp")
    return pay_ok(topup.money_text(pay_orders.price(request, amount, "Price")))


async def request_pay(request: web.Request) -> web.Response:
    """POST /api/user/pay: a pending order and the signed purchase form."""
    body = await pay_orders.read_pay_request(request)
    amount = pay_orders.int_field(body, "amount")
    method = body.get("payment_method")
    pay_orders.check_amount(request, amount, "MinTopUp")
    money = pay_orders.price(request, amount, "Price")
    o = request.config_dict[OPTIONS]
    if not isinstance(method, str) or method not in {
        m.get("type") for m in o["PayMethods"] if isinstance(m, dict)
    }:
        raise pay_error("this payment method does not exist")
    if not epay_enabled(o):
        raise pay_error("the administrator has not configured epay")
    uid, now = request[CALLER]["id"], int(request.config_dict[CLOCK]())
    rand = "".join(secrets.choice(_ALNUM) for _ in range(6))
    trade_no = f"USR{uid}NO{rand}{now}"
    money_text = topup.money_text(money)
    server = o["ServerAddress"].strip().rstrip("/")
    params = {
        "pid": o["EpayId"].strip(),
        "type": method,
        "out_trade_no": trade_no,
        "notify_url": callback_base(o) + "/api/user/epay/notify",
        "return_url": server + "/console/log",
        "name": f"TUC{amount}",
        "money": money_text,
        "device": "pc",
    }
    params["sign"] = topup.epay_sign(params, o["EpayKey"].strip())
    params["sign_type"] = "MD5"
    stored = amount
    if pay_orders.tokens_mode(request):  # the order's amount is in currency units
        stored = int(topup.usd_amount(amount, True, o["QuotaPerUnit"]))
    await pay_orders.open_order(
        request,
        {
            "amount": stored,
            "money": float(money_text),
            "trade_no": trade_no,
            "payment_method": method,
            "payment_provider": PROVIDER,
        },
    )
    url = o["PayAddress"].strip().rstrip("/") + "/submit.php"
    return pay_ok(params, url=url)


async def epay_notify(request: web.Request) -> web.Response:
    """GET|POST /api/user/epay/notify: `success` once the order is paid (or already was),
    `fail` for a bad signature, an unknown order or one that can no longer be paid."""
    if request.method == "POST":
        try:
            form = await request.post()
        except ValueError:  # a form aiohttp cannot read (a part without a name, ...)
            log.warning("epay notify refused: the form cannot be read")
            return web.Response(text="fail")
        params = {k: v for k, v in form.items() if isinstance(v, str)}
    else:
        params = dict(request.query)
    o = request.config_dict[OPTIONS]
    if not params or not epay_enabled(o) or not topup.epay_verified(params, o["EpayKey"].strip()):
        log.warning("epay notify refused: unsigned, badly signed, or epay is off")
        return web.Response(text="fail")
    if params.get("trade_status") != TRADE_SUCCESS:
        return web.Response(text="success")
    trade_no = params.get("out_trade_no", "")
    outcome = await pay_orders.pay_out(
        request, trade_no, provider=PROVIDER, method=params.get("type", "")
    )
    if outcome in ("credited", "already_paid"):
        return web.Response(text="success")
    log.warning("epay notify for order %r: %s", trade_no, outcome)
    return web.Response(text="fail")


def routes(r: Routes) -> None:
    r.add("POST", "/user/amount", request_amount, COMMON, limit="critical")
    r.add("POST", "/user/pay", request_pay, COMMON, limit="critical")
    r.add("GET", "/user/epay/notify", epay_notify, PUBLIC)
    r.add("POST", "/user/epay/notify", epay_notify, PUBLIC)
