"""What happens when a channel fails: status mapping, auto-disable (per key on multi-key
channels), the error log row, and whether to try another channel."""

from __future__ import annotations

import logging
from collections.abc import Coroutine
from typing import Any

import orjson

from clawrouter.changes.change import Change
from clawrouter.db.repo import channels as channels_repo
from clawrouter.options.registry import in_codes
from clawrouter.relay.entries import ChannelEntry
from clawrouter.relay.job import Job
from clawrouter.relay.providers.base import UpstreamError
from clawrouter.relay.records import record_error
from clawrouter.relay.selection import map_status
from clawrouter.relay.state import RelayState
from clawrouter.wire.status import ChannelStatus

log = logging.getLogger(__name__)
_NEVER_RETRY = (504, 524)


def should_disable(state: RelayState, ch: ChannelEntry, err: UpstreamError) -> bool:
    o = state.options
    if not o["AutomaticDisableChannelEnabled"] or not ch.auto_ban:
        return False
    if err.code.startswith("channel:"):
        return True
    if err.local:
        return False
    if in_codes(o["AutomaticDisableStatusCodes"], err.status):
        return True
    text = err.message.lower()
    keywords = [k.strip().lower() for k in o["AutomaticDisableKeywords"].splitlines()]
    return any(k and k in text for k in keywords)


def should_retry(state: RelayState, job: Job, err: UpstreamError) -> bool:
    if job.caller.pinned_channel is not None:
        return False
    if err.code.startswith("channel:") or (err.local and err.status != 504):
        return True
    if 200 <= err.status < 300 or err.status in _NEVER_RETRY:
        return False
    if err.status < 100 or err.status > 599:
        return True
    return in_codes(state.options["AutomaticRetryStatusCodes"], err.status)


def _disable(state: RelayState, ch: ChannelEntry, key_index: int, reason: str) -> None:
    now = int(state.clock())
    if ch.multi_key:
        statuses = dict(ch.info.get("multi_key_status_list") or {})
        statuses[str(key_index)] = ChannelStatus.AUTO_DISABLED
        ch.info["multi_key_status_list"] = statuses
        ch.info.setdefault("multi_key_disabled_reason", {})[str(key_index)] = reason
        ch.info.setdefault("multi_key_disabled_time", {})[str(key_index)] = now
        if ch.enabled_key_indexes():
            info = orjson.dumps(ch.info).decode()
            state.writer.spawn(
                _announced(
                    state,
                    ch.id,
                    channels_repo.set_status(
                        state.db, ch.id, ch.status, orjson.dumps(ch.other_info).decode(), info
                    ),
                )
            )
            return
        reason = "All keys are disabled"
    ch.status = ChannelStatus.AUTO_DISABLED
    ch.other_info.update(status_reason=reason, status_time=now)
    log.warning("channel %s (%s) auto-disabled: %s", ch.id, ch.name, reason)
    state.rebuild_index()
    info = orjson.dumps(ch.info).decode() if ch.multi_key else None
    state.writer.spawn(
        _announced(
            state,
            ch.id,
            channels_repo.set_status(
                state.db,
                ch.id,
                ChannelStatus.AUTO_DISABLED,
                orjson.dumps(ch.other_info).decode(),
                info,
            ),
        )
    )


async def _announced(state: RelayState, channel_id: int, write: Coroutine[Any, Any, Any]) -> None:
    """Store the channel's new status, then tell the other processes (this one has it)."""
    await write
    if state.feed is not None:
        await state.feed.publish(Change("channel", channel_id), here=False)


def handle_failure(state: RelayState, job: Job, ch: ChannelEntry, err: UpstreamError):
    err.status = map_status(ch.status_code_mapping, err.status)
    log.info("channel %s failed: %s %s", ch.id, err.status, err.message[:200])
    if should_disable(state, ch, err):
        _disable(state, ch, job.key_index, f"status {err.status}: {err.message[:200]}")
    record_error(state, job, err)
    return err
