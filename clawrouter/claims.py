"""Claims: the one place for state that must hold across every worker and instance — "used
once" marks (a passkey challenge answered, a Telegram login spent, an OAuth state used) and
short leases (one "test all channels" run per gateway). One small interface: claim a name
until a time (set-if-absent with an expiry), renew or release it as its holder.

StoreClaims keeps them in the main store's `claims` table (SQL in db/repo/claims.py);
with redis.url set, RedisClaims (claims_redis.py) keeps them in Redis. Never in process
memory: a replay sent to another worker must be refused too (docs/scaling.md)."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from clawrouter.config import Config
from clawrouter.db.repo import claims as repo
from clawrouter.db.store import Store

if TYPE_CHECKING:
    from clawrouter.redis_link import RedisLink


class Claims(Protocol):
    async def claim(self, name: str, ttl: float, holder: str = "") -> bool:
        """Hold `name` for `ttl` seconds; False when it is held (not yet expired) already."""
        ...

    async def renew(self, name: str, ttl: float, holder: str) -> bool:
        """Hold it `ttl` seconds more; False when `holder` no longer holds it."""
        ...

    async def release(self, name: str, holder: str) -> None: ...

    async def holder(self, name: str) -> str | None: ...

    async def close(self) -> None: ...


def digest(*parts: object) -> str:
    """A short fixed-size name for secret material (a challenge, a login hash): what is stored
    cannot be used by a reader of the store or of Redis."""
    text = "\x1f".join(str(p) for p in parts)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class StoreClaims:
    def __init__(self, db: Store, clock: Callable[[], float]) -> None:
        self._db, self._clock = db, clock

    def _times(self, ttl: float) -> tuple[int, int]:
        """(now, expires_at) in whole seconds. A row holds while expires_at > now, so the
        expiry is rounded up from clock + ttl: a claim holds for at least `ttl` (rounding `now`
        down first let a 1 s claim lapse a moment after it was made, at a second boundary)."""
        t = self._clock()
        now = int(t)
        return now, max(now + 1, math.ceil(t + ttl))

    async def claim(self, name: str, ttl: float, holder: str = "") -> bool:
        now, until = self._times(ttl)
        return await repo.claim(self._db, name, holder, now, until)

    async def renew(self, name: str, ttl: float, holder: str) -> bool:
        now, until = self._times(ttl)
        return await repo.renew(self._db, name, holder, now, until)

    async def release(self, name: str, holder: str) -> None:
        await repo.release(self._db, name, holder)

    async def holder(self, name: str) -> str | None:
        return await repo.holder(self._db, name, int(self._clock()))

    async def close(self) -> None:
        return None


def open_claims(
    config: Config, db: Store, clock: Callable[[], float], link: RedisLink | None = None
) -> Claims:
    """In the store by default; in Redis, beside the other shared state, when redis.url is set
    (on the process's Redis `link`)."""
    if not config.redis.url:
        return StoreClaims(db, clock)
    from clawrouter.claims_redis import RedisClaims  # redis-py only when configured

    assert link is not None, "redis.url is set: app.py opens the link first"
    return RedisClaims(link)
