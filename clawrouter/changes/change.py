"""Change (what changed: a kind and ids), the ChangeFeed protocol every feed implements, and
LocalFeed, the in-process feed of a single process.

A leaf module: no aiohttp, no store, no relay. Publishing happens after a write commits; a
subscriber re-reads what changed from the store, so a change carries no values, only ids.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import orjson

# channel / token / user: rows by id; option: options by key; all: everything (a resync)
Kind = Literal["channel", "token", "user", "option", "all"]
KINDS: frozenset[str] = frozenset({"channel", "token", "user", "option", "all"})
Subscriber = Callable[["Change"], Awaitable[None]]


class ChangeError(ValueError):
    """A change message that is not one (a bad kind or ids); the feed drops it."""


@dataclass(frozen=True, slots=True)
class Change:
    """`ids` names the rows (ints) or option keys (strings) that changed; empty means every
    one of that kind (all channels, say)."""

    kind: Kind
    ids: tuple[int | str, ...] = ()

    def __init__(self, kind: Kind, ids: Iterable[int | str] | int | str = ()) -> None:
        if kind not in KINDS:
            raise ChangeError(f"unknown change kind {kind!r}")
        if isinstance(ids, int | str):
            ids = (ids,)
        ids = tuple(ids)
        numeric = kind in ("channel", "token", "user")
        for i in ids:
            ok = (type(i) is int) if numeric else isinstance(i, str)
            if not ok:
                raise ChangeError(f"bad id {i!r} in a {kind} change")
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "ids", ids)

    def encode(self, origin: str) -> bytes:
        """The wire form between processes: {"o": origin, "k": kind, "i": ids} as JSON."""
        return orjson.dumps({"o": origin, "k": self.kind, "i": list(self.ids)})

    @staticmethod
    def decode(data: bytes | str) -> tuple[str, Change]:
        """(origin, change) from encode()'s bytes; raises ChangeError when it is not one."""
        try:
            msg: Any = orjson.loads(data)
            return str(msg["o"]), Change(msg["k"], msg["i"])
        except (orjson.JSONDecodeError, KeyError, TypeError) as e:
            raise ChangeError(f"not a change message: {data!r:.200}") from e


class ChangeFeed(Protocol):
    """What the app, the API handlers and the relay's state see of a feed."""

    def subscribe(self, subscriber: Subscriber) -> None:
        """Call `subscriber(change)` for every change, this process's and (for a shared feed)
        every other process's."""
        ...

    async def publish(self, change: Change, *, here: bool = True) -> None:
        """Announce a committed write. Returns once this process's subscribers have applied
        it, so an answer sent after it already holds for this process's relay. here=False:
        only the other processes need it (this one changed its memory itself)."""
        ...

    async def start(self) -> None: ...

    async def close(self) -> None: ...


class LocalFeed:
    """One process: publish awaits each subscriber in turn; nothing is sent anywhere."""

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []

    def subscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.append(subscriber)

    async def publish(self, change: Change, *, here: bool = True) -> None:
        if not here:
            return
        for subscriber in self._subscribers:
            await subscriber(change)

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None
