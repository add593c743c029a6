"""Email verification codes and password-reset tokens (the reference's purposes "v" and "r"):
how they look, how long they live, and the rules an address must pass before a code is mailed.
They are stored by db.repo.verification (digests only, single use)."""

from __future__ import annotations

import re
import secrets

from clawrouter.db.repo import verification as codes_repo
from clawrouter.db.store import Store
from clawrouter.errors import ApiError
from clawrouter.options.store import Options

EMAIL_VERIFY, PASSWORD_RESET = "v", "r"
VALID_SECONDS = 600  # the reference's VerificationValidMinutes = 10
CODE_LENGTH = 6
MAX_EMAIL = 50  # the users.email limit
_EMAIL = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+"
)


def new_code() -> str:
    """Six hex characters, as the reference mails them."""
    return secrets.token_hex(CODE_LENGTH // 2)


def new_reset_token() -> str:
    """32 hex characters (128 random bits) for the reset link."""
    return secrets.token_hex(16)


def normalize_email(value: object) -> str:
    """The address trimmed and lower-cased; ApiError unless it is one plain address of at
    most MAX_EMAIL characters (no name part, no spaces or line breaks)."""
    if not isinstance(value, str) or not value.strip():
        raise ApiError("email is required")
    email = value.strip().lower()
    if len(email) > MAX_EMAIL:
        raise ApiError(f"email must be at most {MAX_EMAIL} characters")
    if not _EMAIL.fullmatch(email) or ".." in email or email.startswith("."):
        raise ApiError("email is not a valid email address")
    return email


def check_allowed(email: str, options: Options) -> None:
    """The administrator's rules for addresses that may receive a code: the domain allow-list
    (EmailDomainRestrictionEnabled) and no `+` or `.` aliases (EmailAliasRestrictionEnabled)."""
    local, _, domain = email.partition("@")
    if options["EmailDomainRestrictionEnabled"]:
        allowed = {d.strip().lower() for d in str(options["EmailDomainWhitelist"]).split(",")}
        if domain not in allowed:
            raise ApiError(
                f"the administrator allows only some email domains, and {domain} is not one of them"
            )
    if options["EmailAliasRestrictionEnabled"] and ("+" in local or "." in local):
        raise ApiError(
            "the administrator does not allow email aliases: "
            "the part before @ must not contain '+' or '.'"
        )


async def issue(db: Store, purpose: str, subject: str, code: str, now: int) -> None:
    await codes_repo.put_code(db, purpose, subject, code, now, VALID_SECONDS)


async def take(db: Store, purpose: str, subject: str, code: object, now: int) -> bool:
    """Whether `code` is the live one for (purpose, subject); it is used up when it is. Codes
    are hex, so case does not matter."""
    if not isinstance(code, str) or not code.strip() or len(code) > 64:
        return False
    code = code.strip().lower()
    return await codes_repo.take_code(db, purpose, subject, code, now, VALID_SECONDS)
