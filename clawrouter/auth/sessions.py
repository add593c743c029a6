"""Login sessions as a signed cookie (HS256 JWT via pyjwt), the secret that signs it, and the
cookie's attributes.

The secret is generated once and kept in the data dir, so a restart logs nobody out. Keys for
other purposes (the TOTP secrets at rest) are derived from it with HKDF.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

COOKIE = "session"
_ALG = "HS256"


class Session(dict):
    """Session data for one request; `changed` tells the middleware to rewrite the cookie."""

    changed = False

    def set(self, **values: Any) -> None:
        self.update(values)
        self.changed = True

    def drop(self, *keys: str) -> None:
        for key in keys:
            if key in self:
                del self[key]
                self.changed = True

    def clear_all(self) -> None:
        self.clear()
        self.changed = True


def load_or_create_secret(data_dir: Path, configured: str = "") -> str:
    if configured:
        return configured
    path = data_dir / "session_secret"
    try:
        secret = path.read_text(encoding="ascii").strip()
        if secret:
            return secret
    except FileNotFoundError:
        pass
    data_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(secret)
    return secret


class SessionCodec:
    def __init__(self, secret: str, max_age: int) -> None:
        self._secret = secret
        self.max_age = max_age

    def derive_key(self, purpose: str) -> bytes:
        """A 32-byte key for `purpose`, derived from the session secret (HKDF-SHA256): the
        same secret always gives the same key, and no two purposes share one."""
        hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode())
        return hkdf.derive(self._secret.encode("utf-8"))

    def encode(self, data: dict[str, Any], now: int) -> str:
        claims = {**data, "iat": now, "exp": now + self.max_age}
        return jwt.encode(claims, self._secret, algorithm=_ALG)

    def decode(self, token: str, now: int) -> Session:
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[_ALG],
                options={"verify_exp": False, "verify_iat": False},
            )
        except (jwt.PyJWTError, UnicodeError):  # a cookie of bytes that are not UTF-8, too
            return Session()
        if not isinstance(claims, dict) or int(claims.get("exp", 0)) <= now:
            return Session()
        claims.pop("iat", None)
        claims.pop("exp", None)
        return Session(claims)
