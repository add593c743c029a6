"""Options held in memory: loaded at start, written through on change, re-read on a timer.

The relay and the API read options only from here (no database read per request).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from clawrouter.db.repo import options as repo
from clawrouter.db.store import Store
from clawrouter.options.defaults import specs
from clawrouter.options.registry import OptionError, OptionSpec, normalise, parse, valid_key
from clawrouter.options.rules import check_dependencies


class Options:
    """Raw string values plus their parsed forms, keyed by option name."""

    def __init__(self, db: Store) -> None:
        self._db = db
        self._specs: dict[str, OptionSpec] = {s.key: s for s in specs()}
        self._raw: dict[str, str] = {k: s.default for k, s in self._specs.items()}
        self._parsed: dict[str, Any] = {}
        self._listeners: list[Callable[[set[str]], None]] = []
        self.version = 0

    # ---- reading (memory only) -------------------------------------------------------------
    def __getitem__(self, key: str) -> Any:
        try:
            return self._parsed[key]
        except KeyError:
            value = parse(self._specs.get(key), self._raw.get(key, ""))
            self._parsed[key] = value
            return value

    def get(self, key: str, default: Any = None) -> Any:
        if key not in self._raw:
            return default
        return self[key]

    def raw(self) -> Mapping[str, str]:
        return self._raw

    def spec(self, key: str) -> OptionSpec | None:
        return self._specs.get(key)

    def on_change(self, listener: Callable[[set[str]], None]) -> None:
        """Call listener(changed_keys) after every change (API write or reload)."""
        self._listeners.append(listener)

    # ---- writing ---------------------------------------------------------------------------
    async def load(self) -> None:
        stored = await repo.list_options(self._db)
        self._apply(stored)

    async def set(self, key: Any, value: Any) -> None:
        """Validate, persist and apply one option; raises OptionError with a message."""
        if not valid_key(key):
            raise OptionError("option key is missing or malformed")
        text = normalise(self._specs.get(key), value)
        check_dependencies(key, text, self._raw)
        await repo.upsert_option(self._db, key, text)
        self._apply({key: text})

    async def set_many(self, values: Mapping[str, Any]) -> None:
        texts = {k: normalise(self._specs.get(k), v) for k, v in values.items()}
        await repo.upsert_options(self._db, texts)
        self._apply(texts)

    def _apply(self, values: Mapping[str, str]) -> None:
        changed = {k for k, v in values.items() if self._raw.get(k) != v}
        if not changed:
            return
        for key in changed:
            self._raw[key] = values[key]
            self._parsed.pop(key, None)
        self.version += 1
        for listener in self._listeners:
            listener(changed)


def require_known(options: Options, key: str) -> OptionSpec:
    spec = options.spec(key)
    if spec is None:
        raise OptionError(f"unknown option {key}")
    return spec
