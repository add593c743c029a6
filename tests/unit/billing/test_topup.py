"""billing.topup: top-up prices and credited quota as exact decimals (no float drift), epay's
MD5 signature rule and Creem's HMAC, as tables."""

from __future__ import annotations

from decimal import Decimal

import pytest

from clawrouter.billing import topup


@pytest.mark.parametrize(
    ("amount", "unit", "ratio", "discount", "tokens", "text"),
    [
        (10, 7.3, 1, 1, False, "73.00"),
        (3, 7.3, 1, 1, False, "21.90"),  # 3 * 7.3 as floats is 21.900000000000002
        (10, 7.3, 2, 0.9, False, "131.40"),
        (1, 0.1, 3, 1, False, "0.30"),  # 0.1 * 3 as floats is 0.30000000000000004
        (5_000_000, 7.3, 1, 1, True, "73.00"),  # TOKENS mode: quota / QuotaPerUnit first
        (1, 0.005, 1, 1, False, "0.01"),  # half up
        (7, 8.0, 1.5, 1, False, "84.00"),
    ],
)
def test_pay_money(amount, unit, ratio, discount, tokens, text):
    money = topup.pay_money(
        amount,
        unit_price=unit,
        ratio=Decimal(str(ratio)),
        discount=Decimal(str(discount)),
        tokens_mode=tokens,
        quota_per_unit=500_000,
    )
    assert topup.money_text(money) == text


@pytest.mark.parametrize(
    ("ratios", "group", "expected"),
    [({"default": 1.5}, "default", "1.5"), ({}, "vip", "1"), ({"vip": 0}, "vip", "1")],
)
def test_group_ratio(ratios, group, expected):
    assert topup.group_ratio(ratios, group) == Decimal(expected)


@pytest.mark.parametrize(
    ("discounts", "amount", "expected"),
    [
        ({"100": 0.9}, 100, "0.9"),
        ({"100": 0.9}, 10, "1"),
        ({"10": 0}, 10, "1"),
        ({"10": True}, 10, "1"),
    ],
)
def test_discount_for(discounts, amount, expected):
    assert topup.discount_for(discounts, amount) == Decimal(expected)


@pytest.mark.parametrize(
    ("order", "quota"),
    [
        ({"payment_provider": "epay", "amount": 10, "money": 73.0}, 5_000_000),
        ({"payment_provider": "", "amount": 3, "money": 0.0}, 1_500_000),
        ({"payment_provider": "stripe", "amount": 3, "money": 4.35}, 2_175_000),  # not 2174999
        ({"payment_provider": "stripe", "amount": 10, "money": 15.0}, 7_500_000),
        ({"payment_provider": "creem", "amount": 123_456, "money": 9.99}, 123_456),
    ],
)
def test_order_quota(order, quota):
    assert topup.order_quota(order, 500_000) == quota


def test_epay_sign_follows_the_md5_rule():
    params = {
        "pid": "1001",
        "type": "alipay",
        "out_trade_no": "X",
        "name": "TUC1",
        "money": "1.00",
        "return_url": "",  # empty: not signed
        "sign_type": "MD5",  # never signed
    }
    # md5("money=1.00&name=TUC1&out_trade_no=X&pid=1001&type=alipay" + "key")
    assert topup.epay_sign(params, "key") == "165ee205ede56d5558542f7971574478"
    signed = {**params, "sign": "165ee205ede56d5558542f7971574478"}
    assert topup.epay_verified(signed, "key")
    assert topup.epay_verified({**signed, "sign": signed["sign"].upper()}, "key")
    assert not topup.epay_verified({**signed, "money": "100.00"}, "key")
    assert not topup.epay_verified(signed, "other")
    assert not topup.epay_verified(params, "key")  # unsigned


def test_creem_signature_rule():
    body = b'{"eventType":"checkout.completed"}'
    sig = topup.creem_signature(body, "s3cret")
    assert len(sig) == 64
    assert topup.creem_verified(body, sig, "s3cret", test_mode=False)
    assert not topup.creem_verified(body + b" ", sig, "s3cret", test_mode=False)
    assert not topup.creem_verified(body, "", "s3cret", test_mode=True)  # a secret: always checked
    assert topup.creem_verified(body, "", "", test_mode=True)
    assert not topup.creem_verified(body, sig, "", test_mode=False)
