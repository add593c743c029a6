"""Two-factor secrets on their way in: new-api keeps the TOTP secret in clear; ClawRouter seals
it with a key derived from its session secret (auth/totp.py), so the import seals it the same
way. A secret already stored and equal is kept as stored, so a second run changes nothing."""

from __future__ import annotations

from typing import Any

from clawrouter.auth.sessions import SessionCodec, load_or_create_secret
from clawrouter.auth.totp import KEY_PURPOSE, open_secret, seal_secret
from clawrouter.config import Config
from clawrouter.errors import ApiError


def twofa_key(config: Config) -> bytes:
    """The key the gateway on this configuration seals two-factor secrets with (the session
    secret is made and kept in the data directory now if there is none yet, as serve would)."""
    secret = load_or_create_secret(config.data_dir, config.security.session_secret)
    return SessionCodec(secret, 0).derive_key(KEY_PURPOSE)


def sealed_secret(key: bytes, row: dict[str, Any], stored: dict[str, Any] | None) -> str:
    plain, user_id = str(row["secret"]), int(row["user_id"])
    if stored is not None and stored.get("secret") and int(stored["user_id"]) == user_id:
        try:
            if open_secret(key, user_id, stored["secret"]) == plain:
                return stored["secret"]
        except ApiError:
            pass  # sealed with another key: seal it anew
    return seal_secret(key, user_id, plain)
