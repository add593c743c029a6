"""RelayState: every API key, user and channel the relay needs, in memory, plus the routing
index (group -> model -> priority tiers). Loaded at start, refreshed by the change feed
(apply(), its subscriber: management writes, here or in another process) and fully on a timer;
balances merge with the write-behind deltas not yet flushed. Only this module reloads."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from typing import Any

from clawrouter.billing import pricing
from clawrouter.billing.ratios import Ratios
from clawrouter.changes.change import Change, ChangeFeed
from clawrouter.db.repo import channels as channels_repo
from clawrouter.db.repo import tokens as tokens_repo
from clawrouter.db.repo import users as users_repo
from clawrouter.db.store import Store
from clawrouter.jobs.usage_writer import UsageWriter
from clawrouter.notify.watch import QuotaWatch
from clawrouter.options.store import Options
from clawrouter.relay.conversations import ConversationStore
from clawrouter.relay.credentials import CredentialCache
from clawrouter.relay.entries import ChannelEntry, TokenEntry, UserEntry
from clawrouter.relay.ledger import Ledger, LocalLedger
from clawrouter.relay.resync import channels_pager, resync, tokens_pager, users_pager
from clawrouter.relay.resync import pages as resync_pages
from clawrouter.relay.selection import Tier

log = logging.getLogger(__name__)
Tiers = list[list[ChannelEntry]]  # channels grouped by priority, highest first
_PRICE_KEYS = {
    "ModelRatio", "CompletionRatio", "CacheRatio", "CreateCacheRatio", "ModelPrice",
    "ImageRatio", "AudioRatio", "AudioCompletionRatio", "GroupRatio", "GroupGroupRatio",
}  # fmt: skip


def _kept(old: Any, new: Any) -> Any:
    """Update `old` in place from `new` (requests in flight hold references to it and will
    still settle on it), or take `new` when there is no old one."""
    if old is None:
        return new
    for name in new.__slots__:
        setattr(old, name, getattr(new, name))
    return old


class RelayState:
    def __init__(
        self,
        db: Store,
        options: Options,
        writer: UsageWriter,
        clock: Callable[[], float],
        rng: random.Random | None = None,
    ) -> None:
        self.db = db
        self.options = options
        self.writer = writer
        self.clock = clock
        self.rng = rng or random.Random()
        self.tokens: dict[str, TokenEntry] = {}
        self.tokens_by_id: dict[int, TokenEntry] = {}
        self.users: dict[int, UserEntry] = {}
        self.channels: dict[int, ChannelEntry] = {}
        self.index: dict[str, dict[str, Tiers]] = {}
        self.ratios = Ratios.defaults()
        self.credentials = CredentialCache(clock)
        self.conversations = ConversationStore(db, writer, clock)
        self.ledger: Ledger = LocalLedger(self)  # the app opens the configured one
        self.quota_watch = QuotaWatch(options, clock)  # low-wallet notices (notify/)
        self._groups_memo: dict[tuple[int, str], dict[str, str]] = {}
        self._prices: dict[tuple[str, str, str, bool], pricing.Price | None] = {}
        self.feed: ChangeFeed | None = None  # set by the app: tells other processes what the
        # relay changed itself (a channel it disabled); never used per request
        options.on_change(self._options_changed)

    # ---- loading -------------------------------------------------------------------------------
    async def load_all(self) -> None:
        """Everything, in one locked pass at start; once loaded, relay/resync.py (paged, without
        the writer's lock, re-reading only the entries that differ)."""
        if self.users or self.tokens_by_id or self.channels:
            await resync(self)
            self._options_changed(_PRICE_KEYS)
            return
        async with self.writer.lock:  # nothing held yet: every row is new, one pass each
            async for rows in resync_pages(users_pager(self.db)):
                for r in rows:
                    self.users[r["id"]] = self._user(r)
            async for rows in resync_pages(tokens_pager(self.db)):
                for r in rows:
                    t = self._token(r)
                    self.tokens_by_id[t.id] = self.tokens[t.key] = t
            async for rows in resync_pages(channels_pager(self.db)):
                for r in rows:
                    self.channels[r["id"]] = self._channel(r)
        self.rebuild_index()
        self._options_changed(_PRICE_KEYS)

    def _token(self, row: dict[str, Any]) -> TokenEntry:
        t = TokenEntry.from_row(row)
        remain, used, _ = self.writer.pending_token(t.id)
        t.remain_quota += remain
        t.used_quota += used
        return t

    def _user(self, row: dict[str, Any]) -> UserEntry:
        u = UserEntry.from_row(row)
        quota, used, count = self.writer.pending_user(u.id)
        u.quota += quota
        u.used_quota += used
        u.request_count += count
        self.quota_watch.seen(u)  # a top-up re-arms the low-quota notice
        return u

    def _channel(self, row: dict[str, Any]) -> ChannelEntry:
        c = ChannelEntry.from_row(row)
        old = self.channels.get(c.id)
        if old is not None:
            c.polling_index = old.polling_index
            if old.base_url == c.base_url:  # what `auto` learnt holds while the URL does
                c.responses_via_chat_until = old.responses_via_chat_until
        c.used_quota += self.writer.pending_channel(c.id)
        return c

    async def apply(self, change: Change) -> None:
        """The change feed's subscriber: re-read from the store what `change` names."""
        kind, ids = change.kind, change.ids
        if kind == "all":
            await self.options.load()
            await self.load_all()
        elif kind == "option":
            await self.options.load()  # its listeners (_options_changed, ...) see what differs
        elif kind == "channel":
            await self.reload_channels([int(i) for i in ids] or None)
        elif not ids:  # every key or every user: the full load
            await self.load_all()
        else:
            load = self.load_token if kind == "token" else self.load_user
            async with self.writer.lock:
                for i in ids:
                    await load(int(i))

    async def reload_token(self, token_id: int) -> None:
        async with self.writer.lock:
            await self.load_token(token_id)

    async def load_token(self, token_id: int) -> None:
        """reload_token for a caller already holding the writer's lock (the ledger)."""
        row = await tokens_repo.get_token(self.db, token_id)
        old = self.tokens_by_id.pop(token_id, None)
        if old is not None:
            self.tokens.pop(old.key, None)
        if row is not None:
            t = _kept(old, self._token(row))
            self.tokens_by_id[t.id] = t
            self.tokens[t.key] = t
            if t.user_id not in self.users:  # a user created since the last full load
                user = await users_repo.get_user(self.db, t.user_id)
                if user is not None:
                    self.users[t.user_id] = self._user(user)

    async def reload_user(self, user_id: int) -> None:
        async with self.writer.lock:
            await self.load_user(user_id)

    async def load_user(self, user_id: int) -> None:
        """reload_user for a caller already holding the writer's lock (the ledger)."""
        row = await users_repo.get_user(self.db, user_id)
        if row is None:
            self.users.pop(user_id, None)
            for t in [t for t in self.tokens_by_id.values() if t.user_id == user_id]:
                self.tokens_by_id.pop(t.id, None)
                self.tokens.pop(t.key, None)
        else:
            self.users[user_id] = _kept(self.users.get(user_id), self._user(row))

    async def reload_channels(self, ids: list[int] | None = None) -> None:
        """Reload some channels (or all) and rebuild the routing index (for some channels, only
        the group/model pairs they were or are routed to)."""
        pairs = self._pairs(ids) if ids is not None else set()
        async with self.writer.lock:
            if ids is None:
                rows = await channels_repo.list_channels(self.db)
                self.channels = {
                    r["id"]: _kept(self.channels.get(r["id"]), self._channel(r)) for r in rows
                }
            else:
                for cid in ids:
                    await self.load_channel(cid)
        if ids is None:
            self.rebuild_index()
        else:
            self._reindex(pairs | self._pairs(ids))

    async def load_channel(self, channel_id: int) -> None:
        """One channel, for a caller holding the writer's lock (the index is not rebuilt)."""
        row = await channels_repo.get_channel(self.db, channel_id)
        if row is None:
            self.channels.pop(channel_id, None)
        else:
            self.channels[channel_id] = _kept(self.channels.get(channel_id), self._channel(row))

    # ---- routing index --------------------------------------------------------------------------
    def rebuild_index(self) -> None:
        by_pair: dict[str, dict[str, dict[int, list[ChannelEntry]]]] = {}
        for ch in self.channels.values():
            if ch.status != 1:
                continue
            for group in ch.groups:
                models = by_pair.setdefault(group, {})
                for model in ch.models:
                    models.setdefault(model, {}).setdefault(ch.priority, []).append(ch)
        self.index = {
            group: {
                model: [Tier(tiers[p]) for p in sorted(tiers, reverse=True)]
                for model, tiers in models.items()
            }
            for group, models in by_pair.items()
        }

    def _pairs(self, ids: list[int]) -> set[tuple[str, str]]:
        chans = [c for c in map(self.channels.get, ids) if c is not None]
        return {(g, m) for c in chans for g in c.groups for m in c.models}

    def _reindex(self, pairs: set[tuple[str, str]]) -> None:
        """rebuild_index for these (group, model) pairs only: the same tiers in the same order
        (one pass over the channels, no tier built for the other pairs)."""
        found: dict[tuple[str, str], dict[int, list[ChannelEntry]]] = {p: {} for p in pairs}
        groups = {g for g, _ in pairs}
        for ch in self.channels.values():
            if ch.status != 1:
                continue
            for group in ch.groups:
                if group in groups:
                    for model in ch.models:
                        tiers = found.get((group, model))
                        if tiers is not None:
                            tiers.setdefault(ch.priority, []).append(ch)
        index = dict(self.index)  # a new index, swapped in whole: requests read the old one
        copied: set[str] = set()
        for (group, model), tiers in found.items():
            if group not in copied:
                index[group] = dict(index.get(group, {}))
                copied.add(group)
            if tiers:
                index[group][model] = [Tier(tiers[p]) for p in sorted(tiers, reverse=True)]
            else:
                index[group].pop(model, None)
        self.index = {g: models for g, models in index.items() if models}

    def tiers(self, group: str, model: str) -> Tiers:
        return self.index.get(group, {}).get(model, [])

    def group_models(self, group: str) -> set[str]:
        return set(self.index.get(group, {}))

    # ---- options-derived values -----------------------------------------------------------------
    def price(self, model: str, group: str, user_group: str, self_use: bool) -> pricing.Price:
        """pricing.price, memoised until the price tables change (raises UnpricedModelError)."""
        key = (model, group, user_group, self_use)
        try:
            hit = self._prices[key]
        except KeyError:
            try:
                hit = pricing.price(model, group, user_group, self.ratios, self_use_mode=self_use)
            except pricing.UnpricedModelError:
                hit = None
            if len(self._prices) > 10_000:
                self._prices.clear()
            self._prices[key] = hit
        if hit is None:
            raise pricing.UnpricedModelError(model)
        return hit

    def _options_changed(self, keys: set[str]) -> None:
        self._groups_memo.clear()
        self._prices.clear()
        if keys & _PRICE_KEYS:
            o = self.options
            self.ratios = Ratios.from_options({k: o[k] for k in _PRICE_KEYS})

    def usable_groups(self, user_group: str) -> dict[str, str]:
        """Groups a user of `user_group` may use: UserUsableGroups, the per-group special
        rules (append / -:remove), and the user's own group."""
        memo_key = (self.options.version, user_group)
        cached = self._groups_memo.get(memo_key)
        if cached is not None:
            return cached
        groups = dict(self.options["UserUsableGroups"])
        special = self.options["group_ratio_setting.group_special_usable_group"].get(user_group)
        if isinstance(special, dict):
            for rule, name in special.items():
                if str(rule).startswith("-:"):
                    groups.pop(str(name), None)
                else:
                    groups[str(name)] = str(name)
        groups.setdefault(user_group, user_group)
        self._groups_memo[memo_key] = groups
        return groups
