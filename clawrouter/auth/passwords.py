"""bcrypt password hashing, run off the event loop. bcrypt uses the first 72 bytes only, so
longer passwords are rejected rather than silently truncated."""

from __future__ import annotations

import asyncio

import bcrypt

MAX_BYTES = 72
ROUNDS = 10  # the reference's cost; existing $2a$10$ hashes verify unchanged


def check_length(password: str) -> str | None:
    """An error message when the password cannot be hashed faithfully, else None."""
    if len(password.encode("utf-8")) > MAX_BYTES:
        return f"password must be at most {MAX_BYTES} bytes"
    return None


def _hash(password: str) -> str:
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(ROUNDS)).decode("ascii")


def _verify(password: str, hashed: str) -> bool:
    if not hashed or len(password.encode("utf-8")) > MAX_BYTES:
        return False
    try:
        return bcrypt.checkpw(password.encode("utf-8"), hashed.encode("ascii"))
    except ValueError:
        return False


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hash, password)


async def verify_password(password: str, hashed: str) -> bool:
    return await asyncio.to_thread(_verify, password, hashed)
