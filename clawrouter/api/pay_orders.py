"""What the payment providers share: the reference's {message, data} answers, reading a pay
request, pricing an amount for the caller, opening an order, and paying one out — through the
ledger, once — with its top-up log row. The providers' own flows are pay_epay, pay_stripe and
pay_creem; the admin's manual completion is in topups."""

from __future__ import annotations

import hashlib
import logging
import secrets
from decimal import Decimal
from typing import Any, Literal

from aiohttp import web

from clawrouter.api import audit
from clawrouter.billing import topup
from clawrouter.changes.change import Change
from clawrouter.db.repo import topups as topups_repo
from clawrouter.db.repo import users as users_repo
from clawrouter.db.store import Tx
from clawrouter.errors import ApiError, ClawError
from clawrouter.http.render import json_response
from clawrouter.http.request import read_object
from clawrouter.keys import CALLER, CHANGES, CLOCK, MAIN_DB, OPTIONS, RELAY
from clawrouter.relay.ledger import CreditRefused
from clawrouter.wire.status import LogType

log = logging.getLogger(__name__)

MAX_QUOTA = 2**53  # the most one order may credit (stays exact as a JSON number)
Outcome = Literal["credited", "already_paid", "closed", "unknown", "refused"]


def pay_ok(data: Any, **extra: Any) -> web.Response:
    """{"message": "success", "data": ...} as the reference's payment endpoints answer."""
    return json_response({"message": "success", "data": data, **extra})


def pay_error(text: str) -> ApiError:
    """{"message": "error", "data": "<why>"} (HTTP 200, as the reference); success:false too."""
    return ApiError("error", extra={"data": text})


async def read_pay_request(request: web.Request) -> dict[str, Any]:
    try:
        return await read_object(request)
    except ClawError as e:
        raise pay_error(f"invalid request: {e.message}") from None


def int_field(body: dict[str, Any], name: str) -> int:
    value = body.get(name)
    if not isinstance(value, int) or isinstance(value, bool):
        raise pay_error(f"{name} must be an integer")
    return value


def tokens_mode(request: web.Request) -> bool:
    return request.config_dict[OPTIONS]["general_setting.quota_display_type"] == "TOKENS"


def min_amount(request: web.Request, option: str) -> int:
    """MinTopUp / StripeMinTopUp, in quota when the console shows quota (TOKENS mode)."""
    o = request.config_dict[OPTIONS]
    least = int(o[option])
    return int(least * o["QuotaPerUnit"]) if tokens_mode(request) else least


def check_amount(request: web.Request, amount: int, min_option: str) -> None:
    least = min_amount(request, min_option)
    if amount < least:
        raise pay_error(f"the amount must be at least {least}")
    qpu = request.config_dict[OPTIONS]["QuotaPerUnit"]
    quota = topup.usd_amount(amount, tokens_mode(request), qpu) * Decimal(str(qpu))
    if quota > MAX_QUOTA:
        raise pay_error("the amount is too large")


def price(request: web.Request, amount: int, unit_option: str) -> Decimal:
    """What `amount` costs the caller: amount x unit price x group ratio x discount; refused
    when it rounds to a cent or less (the reference's 'amount too low')."""
    o, user = request.config_dict[OPTIONS], request[CALLER]
    money = topup.pay_money(
        amount,
        unit_price=o[unit_option],
        ratio=topup.group_ratio(o["TopupGroupRatio"], user.get("group") or "default"),
        discount=topup.discount_for(o["payment_setting.amount_discount"], amount),
        tokens_mode=tokens_mode(request),
        quota_per_unit=o["QuotaPerUnit"],
    )
    if money <= Decimal("0.01"):
        raise pay_error("the amount to pay is too low")
    return money


def reference_id(prefix: str, user_id: int, now: int) -> str:
    """A Stripe / Creem order number: ref_ and 40 hex digits, as the reference makes them."""
    seed = f"{prefix}-{user_id}-{now * 1000}-{secrets.token_hex(2)}"
    return "ref_" + hashlib.sha1(seed.encode()).hexdigest()  # an id, not a secret


async def open_order(request: web.Request, fields: dict[str, Any]) -> None:
    app = request.config_dict
    row = {
        "user_id": request[CALLER]["id"],
        "create_time": int(app[CLOCK]()),
        "status": topups_repo.PENDING,
        **fields,
    }
    try:
        await topups_repo.insert_topup(app[MAIN_DB], row)
    except Exception:
        log.exception("could not store top-up order %s", fields.get("trade_no"))
        raise pay_error("could not create the order") from None


async def pay_out(
    request: web.Request,
    trade_no: str,
    *,
    provider: str = "",
    method: str = "",
    customer: str = "",
    admin: dict[str, Any] | None = None,
) -> Outcome:
    """Credit a paid order exactly once: the claim (pending -> success, and for `provider`'s
    orders only) and the wallet's credit commit together in the ledger, so replays, concurrent
    deliveries and an admin's completion racing a webhook credit it once. Writes the top-up log
    row (type 1) for the credit."""
    app = request.config_dict
    db = app[MAIN_DB]
    order = await topups_repo.get_topup(db, trade_no)
    if order is None or (provider and order["payment_provider"] != provider):
        return "unknown"
    if order["status"] != topups_repo.PENDING:
        return "already_paid" if order["status"] == topups_repo.SUCCESS else "closed"
    qpu, now = app[OPTIONS]["QuotaPerUnit"], int(app[CLOCK]())
    claimed: dict[str, Any] = {}

    async def claim(tx: Tx) -> int | None:
        row = await topups_repo.claim_pending(tx, trade_no, now, provider=provider, method=method)
        if row is None:
            return None
        claimed.update(row)
        if customer:
            await topups_repo.set_stripe_customer(tx, row["user_id"], customer)
        return topup.order_quota(row, qpu)

    try:
        quota = await app[RELAY].ledger.credit(order["user_id"], claim, f"topup:{trade_no}")
    except CreditRefused:
        log.warning("top-up order %s could not be credited", trade_no)
        return "refused"
    if quota is None:  # another delivery claimed it first
        return "already_paid"
    # the ledger reloaded the wallet here; the other processes re-read it
    await app[CHANGES].publish(Change("user", order["user_id"]), here=False)
    await _topup_log(request, claimed, quota, admin)
    return "credited"


async def _topup_log(
    request: web.Request, order: dict[str, Any], quota: int, admin: dict[str, Any] | None
) -> None:
    app = request.config_dict
    user = await users_repo.get_user(app[MAIN_DB], order["user_id"], with_deleted=True)
    who = {"id": order["user_id"], "username": user["username"] if user else ""}
    qpu = app[OPTIONS]["QuotaPerUnit"]
    paid = f"paid {order['money']:.2f}"
    if admin is not None:
        text = f"top-up order {order['trade_no']} completed by admin {admin['username']}"
    else:
        text = f"online top-up ({order['payment_provider'] or order['payment_method']})"
    text += f": +{quota} quota (${quota / qpu:.2f}), {paid}"
    other = {
        "trade_no": order["trade_no"],
        "payment_method": order["payment_method"],
        "payment_provider": order["payment_provider"],
    }
    if admin is not None:
        other["admin_id"] = admin["id"]
    await audit.write_log(request, who, LogType.TOPUP, text, quota=quota, other=other)
