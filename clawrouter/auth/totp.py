"""TOTP two-factor authentication (pyotp): secrets, the otpauth URI, backup codes, and the one
check every route uses (login step 2, /api/verify, disable, backup-code regeneration).

The reference's parameters: SHA1, 6 digits, 30 s steps, ±1 step of skew; 4 backup codes
`XXXX-XXXX` from [A-Z0-9], bcrypt-hashed one row each; 5 wrong codes lock the check for 300 s.
Safer than the reference: a time step is accepted once (two_fas.last_step), so a code seen
over a shoulder or in a log cannot be replayed; the counter counts one per wrong attempt; the
secret is stored encrypted (AES-GCM, key derived from the session secret) and bound to its
user, so a copy of the database alone does not hold it."""

from __future__ import annotations

import base64
import hmac
import os
import secrets
from typing import Any

import pyotp
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from clawrouter.auth import passwords
from clawrouter.db.repo import twofa as twofa_repo
from clawrouter.db.store import Store
from clawrouter.errors import ApiError

DIGITS, PERIOD, SKEW = 6, 30, 1
BACKUP_COUNT, BACKUP_ALPHABET = 4, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
MAX_FAILURES, LOCK_SECONDS = 5, 300
KEY_PURPOSE = "clawrouter two_fas.secret v1"  # SessionCodec.derive_key
_SEALED = "enc1:"

NOT_ENABLED = "two-factor authentication is not enabled for this user"
WRONG_CODE = "the code or backup code is wrong"
REPLAYED = "this code has already been used; wait for the next one from your authenticator app"
UNREADABLE = (
    "the two-factor secret cannot be read: the session secret changed since it was set up."
    " Log in with a backup code, or ask an administrator to turn 2FA off, then set it up again"
)


# ---- secrets and codes (pure) -------------------------------------------------------------------
def new_secret() -> str:
    """A random base32 secret of 160 bits (32 characters), as the reference's library makes."""
    return pyotp.random_base32()


def otpauth_uri(secret: str, username: str, issuer: str) -> str:
    """The reference's qr_code_data, character for character (it is not URL-escaped)."""
    account = f"{username} ({issuer})"
    return (
        f"otpauth://totp/{issuer}:{account}?secret={secret}&issuer={issuer}"
        f"&digits={DIGITS}&period={PERIOD}"
    )


def totp_digits(code: str) -> str | None:
    """`code` as a 6-digit TOTP code (spaces removed), or None."""
    digits = code.replace(" ", "")
    return digits if len(digits) == DIGITS and digits.isascii() and digits.isdigit() else None


def matching_step(secret: str, digits: str, now: float) -> int | None:
    """The time step within ±SKEW of now whose code is `digits`, compared in constant time."""
    otp = pyotp.TOTP(secret, digits=DIGITS, interval=PERIOD)
    current = int(now) // PERIOD
    for step in range(current - SKEW, current + SKEW + 1):
        if hmac.compare_digest(otp.generate_otp(step), digits):
            return step
    return None


def new_backup_codes() -> list[str]:
    codes = []
    for _ in range(BACKUP_COUNT):
        raw = "".join(secrets.choice(BACKUP_ALPHABET) for _ in range(8))
        codes.append(f"{raw[:4]}-{raw[4:]}")
    return codes


def backup_code(code: str) -> str | None:
    """`code` normalised to XXXX-XXXX (dash optional, any case), or None when it cannot be
    one."""
    raw = code.strip().replace("-", "").upper()
    if len(raw) != 8 or any(c not in BACKUP_ALPHABET for c in raw):
        return None
    return f"{raw[:4]}-{raw[4:]}"


async def hash_backup_codes(codes: list[str]) -> list[str]:
    return [await passwords.hash_password(code) for code in codes]


def seal_secret(key: bytes, user_id: int, secret: str) -> str:
    """The secret encrypted for storage (AES-GCM, bound to the user id)."""
    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, secret.encode("ascii"), _aad(user_id))
    return _SEALED + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")


def open_secret(key: bytes, user_id: int, stored: str) -> str:
    """The stored secret in clear; a plain base32 value (a reference database) passes through.
    Raises ApiError when it was sealed with another key (the session secret changed)."""
    if not stored.startswith(_SEALED):
        return stored
    try:
        blob = base64.urlsafe_b64decode(stored[len(_SEALED) :])
        return AESGCM(key).decrypt(blob[:12], blob[12:], _aad(user_id)).decode("ascii")
    except (InvalidTag, ValueError):
        raise ApiError(UNREADABLE) from None


def _aad(user_id: int) -> bytes:
    return f"two_fas:{user_id}".encode()


# ---- the check ----------------------------------------------------------------------------------
def locked_for(row: dict[str, Any], now: int) -> int:
    """Seconds left of the row's lock (0 when not locked)."""
    until = row["locked_until"] or 0
    return max(until - now, 0)


def locked_message(seconds: int) -> str:
    return (
        f"too many wrong codes: two-factor verification is locked, try again in {seconds} seconds"
    )


def code_text(body: dict[str, Any]) -> str:
    code = body.get("code")
    if not isinstance(code, str) or not code.strip():
        raise ApiError("code is required: a 6-digit code or a backup code")
    return code


async def check_code(
    db: Store, key: bytes, user_id: int, code: str, now: int, *, allow_backup: bool = True
) -> str:
    """Accept a TOTP code (a time step not used before) or, with allow_backup, an unused
    backup code; returns "totp" or "backup". Anything else raises ApiError; a wrong code counts
    toward the lock, and while locked even a right one is refused."""
    row = await twofa_repo.get_two_fa(db, user_id)
    if row is None or not row["is_enabled"]:
        raise ApiError(NOT_ENABLED)
    if wait := locked_for(row, now):
        raise ApiError(locked_message(wait))
    digits = totp_digits(code)
    normal = backup_code(code) if allow_backup and digits is None else None
    if digits is None and normal is None:
        wanted = "a 6-digit code or a backup code (XXXX-XXXX)" if allow_backup else None
        raise ApiError(f"the code must be {wanted or 'the 6-digit code of your app'}")
    message = WRONG_CODE
    if digits is not None:
        step = matching_step(open_secret(key, user_id, row["secret"]), digits, now)
        if step is not None:
            if step > row["last_step"] and await twofa_repo.accept_step(db, user_id, step, now):
                return "totp"
            message = REPLAYED
    elif normal is not None:
        for saved in await twofa_repo.unused_backup_codes(db, user_id):
            if await passwords.verify_password(normal, saved["code_hash"]):
                if await twofa_repo.use_backup_code(db, user_id, saved["id"], now):
                    return "backup"
                break  # used concurrently, a moment ago
    failures, until = await twofa_repo.record_failure(db, user_id, now, MAX_FAILURES, LOCK_SECONDS)
    if until > now:
        raise ApiError(locked_message(until - now))
    left = MAX_FAILURES - failures
    raise ApiError(f"{message} ({left} more wrong codes lock it for {LOCK_SECONDS // 60} minutes)")
