"""auth.totp's pure parts: the otpauth URI, code formats, the ±1-step window, backup codes and
the sealed secret."""

from __future__ import annotations

import pyotp
import pytest

from clawrouter.auth import totp
from clawrouter.errors import ApiError

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
NOW = 1_800_000_010  # 10 s into a step


def test_otpauth_uri_is_the_references():
    assert totp.otpauth_uri(SECRET, "alice", "New API") == (
        "otpauth://totp/New API:alice (New API)?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
        "&issuer=New API&digits=6&period=30"
    )


def test_new_secret_is_160_bits_of_base32():
    secret = totp.new_secret()
    assert len(secret) == 32 and pyotp.TOTP(secret).now().isdigit()


@pytest.mark.parametrize(
    ("code", "digits"),
    [("123456", "123456"), ("123 456", "123456"), ("12345", None), ("1234567", None),
     ("12345a", None), ("１２３４５６", None), ("ABCD-EFGH", None)],
)  # fmt: skip
def test_totp_digits(code, digits):
    assert totp.totp_digits(code) == digits


def test_matching_step_takes_one_step_either_way_only():
    otp = pyotp.TOTP(SECRET)
    step = NOW // 30
    for offset in (-1, 0, 1):
        assert totp.matching_step(SECRET, otp.at(NOW + 30 * offset), NOW) == step + offset
    for offset in (-2, 2):
        assert totp.matching_step(SECRET, otp.at(NOW + 30 * offset), NOW) is None


def test_backup_codes():
    codes = totp.new_backup_codes()
    assert len(codes) == 4 and len(set(codes)) == 4
    assert all(totp.backup_code(c) == c for c in codes)
    assert totp.backup_code("abcd-ef12") == "ABCD-EF12"
    assert totp.backup_code(" abcdef12 ") == "ABCD-EF12"
    for bad in ("ABCD-EF1", "ABCD-EF123", "ABCD_EF12", "ÄBCD-EF12", ""):
        assert totp.backup_code(bad) is None


def test_sealed_secrets_open_only_with_their_key_and_user():
    key, other = b"k" * 32, b"o" * 32
    sealed = totp.seal_secret(key, 7, SECRET)
    assert SECRET not in sealed and sealed.startswith("enc1:")
    assert totp.seal_secret(key, 7, SECRET) != sealed  # a fresh nonce each time
    assert totp.open_secret(key, 7, sealed) == SECRET
    for k, uid in ((other, 7), (key, 8)):
        with pytest.raises(ApiError, match="session secret changed"):
            totp.open_secret(k, uid, sealed)
    with pytest.raises(ApiError):
        totp.open_secret(key, 7, "enc1:!!not-base64")
    assert totp.open_secret(key, 7, SECRET) == SECRET  # a reference database's clear value
