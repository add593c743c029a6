"""Checks the data Telegram's login widget hands the browser: an HMAC-SHA256 over the sorted
`key=value` lines (all fields but `hash`), keyed with SHA-256 of the bot token, compared in
constant time; and, safer than the reference, an auth_date no older than a day. Pure."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

from clawrouter.auth.oauth_providers import OAuthFailure

MAX_AGE_SECONDS = 86400  # Telegram's own advice; the reference accepts any age
FUTURE_SKEW_SECONDS = 300


def widget_hash(fields: Mapping[str, str], bot_token: str) -> str:
    """The hex hash Telegram computes for `fields` (without `hash`)."""
    lines = "\n".join(sorted(f"{k}={v}" for k, v in fields.items() if k != "hash"))
    key = hashlib.sha256(bot_token.encode()).digest()
    return hmac.new(key, lines.encode(), hashlib.sha256).hexdigest()


def telegram_id(fields: Mapping[str, str], bot_token: str, now: int) -> str:
    """The Telegram user id of genuine, recent widget data; else OAuthFailure."""
    if not bot_token:
        raise OAuthFailure("Telegram sign-in has no bot token configured (TelegramBotToken)")
    given = fields.get("hash", "")
    expected = widget_hash(fields, bot_token)
    if not given or not hmac.compare_digest(expected.encode(), given.encode()):
        raise OAuthFailure("the Telegram login data is not valid (its hash does not match)")
    auth_date = fields.get("auth_date", "")
    if not auth_date.isascii() or not auth_date.isdigit() or len(auth_date) > 12:
        raise OAuthFailure("the Telegram login data has no valid auth_date")
    age = now - int(auth_date)
    if age > MAX_AGE_SECONDS:
        raise OAuthFailure("the Telegram login is more than a day old; sign in with Telegram again")
    if age < -FUTURE_SKEW_SECONDS:
        raise OAuthFailure("the Telegram login data is dated in the future")
    uid = fields.get("id", "").strip()
    if not uid:
        raise OAuthFailure("the Telegram login data has no user id")
    return uid
