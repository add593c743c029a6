"""Top-up arithmetic and payment signatures, pure: what an amount costs, how much quota a paid
order credits (integers, through Decimal: no float drift), epay's MD5 signature rule and Creem's
HMAC. No I/O, no clock, no aiohttp, no database."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

EPAY_UNSIGNED = ("sign", "sign_type")


def _dec(value: float | int | str) -> Decimal:
    """A float option as the decimal it was written as (7.3, not 7.29999...)."""
    return Decimal(str(value))


def group_ratio(ratios: Mapping[str, Any], group: str) -> Decimal:
    """TopupGroupRatio for the user's group; a missing or zero ratio counts as 1."""
    value = ratios.get(group) or 1
    return _dec(value)


def discount_for(discounts: Mapping[str, Any], amount: int) -> Decimal:
    """payment_setting.amount_discount for exactly this amount (keys are the amounts); 1
    when none or not positive."""
    value = discounts.get(str(amount))
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return _dec(value)
    return Decimal(1)


def usd_amount(amount: int, tokens_mode: bool, quota_per_unit: float) -> Decimal:
    """The request's amount in currency units: in TOKENS display mode it is quota."""
    if tokens_mode:
        return Decimal(amount) / _dec(quota_per_unit)
    return Decimal(amount)


def pay_money(
    amount: int,
    *,
    unit_price: float,
    ratio: Decimal,
    discount: Decimal,
    tokens_mode: bool,
    quota_per_unit: float,
) -> Decimal:
    """amount x unit price x top-up group ratio x discount (Price or StripeUnitPrice)."""
    return usd_amount(amount, tokens_mode, quota_per_unit) * _dec(unit_price) * ratio * discount


def money_text(money: Decimal) -> str:
    """Two decimals, as the reference prints prices ("7.30")."""
    return str(money.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def to_quota(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def order_quota(order: Mapping[str, Any], quota_per_unit: float) -> int:
    """What a paid order credits: Creem the product's quota (its amount), Stripe its money x
    QuotaPerUnit (the reference's rule: money is amount x top-up group ratio), every other
    provider (epay, manual) its amount x QuotaPerUnit."""
    provider = order.get("payment_provider") or ""
    if provider == "creem":
        return int(order["amount"])
    if provider == "stripe":
        return to_quota(_dec(order["money"]) * _dec(quota_per_unit))
    return to_quota(Decimal(int(order["amount"])) * _dec(quota_per_unit))


def epay_sign(params: Mapping[str, str], key: str) -> str:
    """epay's rule: the non-empty parameters but sign and sign_type, sorted by name, joined as
    a=1&b=2, the merchant key appended, MD5 in lowercase hex."""
    text = "&".join(
        f"{k}={params[k]}" for k in sorted(params) if k not in EPAY_UNSIGNED and params[k] != ""
    )
    return hashlib.md5((text + key).encode()).hexdigest()  # epay's own rule


def epay_verified(params: Mapping[str, str], key: str) -> bool:
    sign = params.get("sign", "")
    return bool(sign) and hmac.compare_digest(sign.lower(), epay_sign(params, key))


def creem_signature(body: bytes, secret: str) -> str:
    """Creem's creem-signature header: hex HMAC-SHA256 of the raw body."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def creem_verified(body: bytes, header: str, secret: str, test_mode: bool) -> bool:
    """No secret: accepted only in test mode (the reference's rule)."""
    if not secret:
        return test_mode
    return hmac.compare_digest(header.encode(), creem_signature(body, secret).encode())
