"""Secure verification ("sudo mode"): a recent proof of presence — a 2FA code, a backup code, a
passkey assertion, or the password of an account with neither (api.verify) — kept in the login
session for WINDOW seconds, required before sensitive actions (channel key reveal, passkey
register/delete). Session keys and 403 codes are the reference's (its console retries the call
after /api/verify when it sees them). It belongs to the session's user: an access-token caller
never passes it, whatever cookie comes along."""

from __future__ import annotations

from aiohttp import web

from clawrouter.auth.sessions import Session
from clawrouter.errors import ClawError
from clawrouter.keys import CALLER, CLOCK, SESSION

WINDOW = 300  # seconds a verification stays valid
PASSKEY_READY_WINDOW = 60  # seconds between passkey verify/finish and POST /api/verify
VERIFIED_AT, VERIFIED_METHOD = "secure_verified_at", "secure_verified_method"
PASSKEY_READY_AT = "secure_passkey_ready_at"
METHODS = ("2fa", "passkey", "password")


class VerificationRequired(ClawError):
    """403 with the reference's `code` (VERIFICATION_REQUIRED / _INVALID / _EXPIRED) in the
    body: {"success": false, "message": ..., "code": ...}."""

    status = 403

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message, code=code, type="forbidden", extra={"code": code})


def mark_verified(session: Session, method: str, now: int) -> int:
    """Record a successful verification; returns when it expires."""
    session.drop(PASSKEY_READY_AT)
    session.set(**{VERIFIED_AT: now, VERIFIED_METHOD: method})
    return now + WINDOW


def mark_passkey_ready(session: Session, now: int) -> None:
    """A passkey assertion just succeeded (passkey verify/finish); POST /api/verify with
    method passkey turns it into a verification within PASSKEY_READY_WINDOW."""
    session.drop(VERIFIED_AT, VERIFIED_METHOD)
    session.set(**{PASSKEY_READY_AT: now})


def take_passkey_ready(session: Session, now: int) -> int | None:
    """Consume a fresh passkey assertion: when it was made, None when there is none fresh. The
    caller spends it in the claims too (single use, also across replayed cookies)."""
    at = session.get(PASSKEY_READY_AT)
    session.drop(PASSKEY_READY_AT)
    return at if isinstance(at, int) and 0 <= now - at < PASSKEY_READY_WINDOW else None


def status(session: Session, now: int) -> tuple[bool, int, str]:
    """(verified, expires_at, method) of the session's verification."""
    at = session.get(VERIFIED_AT)
    if not isinstance(at, int) or now - at >= WINDOW:
        return False, 0, ""
    return True, at + WINDOW, str(session.get(VERIFIED_METHOD) or "")


def require(request: web.Request, *, method: str | None = None) -> str:
    """Raise the reference's 403 unless the session holds a verification younger than WINDOW
    (made with `method`, when given); returns the method used."""
    session: Session = request[SESSION]
    at = session.get(VERIFIED_AT)
    caller = request.get(CALLER)
    if at is None or caller is None or session.get("id") != caller["id"]:
        raise VerificationRequired("secure verification required", "VERIFICATION_REQUIRED")
    if not isinstance(at, int):
        session.drop(VERIFIED_AT, VERIFIED_METHOD)
        raise VerificationRequired(
            "secure verification is invalid, please verify again",
            "VERIFICATION_INVALID",
        )
    if int(request.config_dict[CLOCK]()) - at >= WINDOW:
        session.drop(VERIFIED_AT, VERIFIED_METHOD)
        raise VerificationRequired(
            "secure verification has expired, please verify again",
            "VERIFICATION_EXPIRED",
        )
    used = str(session.get(VERIFIED_METHOD) or "")
    if method is not None and used != method:
        raise VerificationRequired(
            f"this action needs a secure verification with {method}",
            "VERIFICATION_REQUIRED",
        )
    return used
