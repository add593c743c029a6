"""Conversations for the Responses API's previous_response_id when a Responses client is served
by a chat-completions channel (OpenAI stores them itself; converted channels cannot). The most
recent ones stay in memory; every one is written behind to the store and read back on a miss
(only requests that name a previous response pay that read). Kept RETENTION_DAYS days."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import orjson

from clawrouter.db.repo import conversations as repo
from clawrouter.db.store import Store
from clawrouter.jobs.usage_writer import UsageWriter
from clawrouter.relay.convert import responses_to_chat
from clawrouter.relay.providers.base import UpstreamError
from clawrouter.wire.formats import Format

MEMORY_ENTRIES = 2000
RETENTION_DAYS = 30


class ConversationStore:
    def __init__(self, db: Store, writer: UsageWriter, clock: Callable[[], float]) -> None:
        self._db, self._writer, self._clock = db, writer, clock
        self._recent: OrderedDict[str, tuple[int, int, list[dict[str, Any]]]] = OrderedDict()
        self._pruned_at = 0

    def put(self, response_id: str, user_id: int, messages: list[dict[str, Any]]) -> None:
        now = int(self._clock())
        self._recent[response_id] = (user_id, now, messages)
        while len(self._recent) > MEMORY_ENTRIES:
            self._recent.popitem(last=False)
        text = orjson.dumps(messages).decode()
        self._writer.spawn(repo.insert_conversation(self._db, response_id, user_id, now, text))
        if now - self._pruned_at > 3600:
            self._pruned_at = now
            cutoff = now - RETENTION_DAYS * 86400
            self._writer.spawn(repo.delete_conversations_before(self._db, cutoff))

    async def get(self, response_id: str, user_id: int) -> list[dict[str, Any]] | None:
        """The stored messages, or None when unknown, expired or another user's."""
        hit = self._recent.get(response_id)
        if hit is None:
            row = await repo.get_conversation(self._db, response_id)
            if row is None:
                return None
            try:
                hit = (row["user_id"], row["created_at"], orjson.loads(row["messages"]))
            except orjson.JSONDecodeError:
                return None
        owner, created, messages = hit
        if owner != user_id or created < self._clock() - RETENTION_DAYS * 86400:
            return None
        return messages


def tracks(job: Any, conv: Any) -> bool:
    """Conversations are kept for Responses clients on chat-completions channels (`conv` is
    the converter module or its stream state machine)."""
    direct = conv is responses_to_chat or isinstance(conv, responses_to_chat.Stream)
    return job.client_format == Format.RESPONSES and direct


async def history_for(state: Any, job: Any, conv: Any) -> list[dict[str, Any]] | None:
    """The stored conversation a request continues (previous_response_id), if any."""
    previous = job.body.get("previous_response_id")
    if not previous or not tracks(job, conv):
        return None
    if not isinstance(previous, str):
        raise UpstreamError(400, "previous_response_id must be a string", local=True)
    found = await state.conversations.get(previous, job.caller.user.id)
    if found is None:
        raise UpstreamError(
            400,
            f"previous response {previous!r} was not found",
            type="invalid_request_error",
            code="previous_response_not_found",
            local=True,
        )
    return found


def remember(state: Any, job: Any, response_id: str, assistant: dict[str, Any]) -> None:
    """Store the conversation so far under the new response id."""
    messages = responses_to_chat.history(job.upstream_body, assistant)
    state.conversations.put(response_id, job.caller.user.id, messages)
