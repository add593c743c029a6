"""Settling one relay request: the usage an answer reported (or the documented estimate when
it reported none), the charge that usage costs, the consume log row; and what a client that
hangs up before its answer began is billed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from clawrouter.billing import pricing
from clawrouter.relay import estimate
from clawrouter.relay.job import Job
from clawrouter.relay.records import record_consume
from clawrouter.relay.state import RelayState
from clawrouter.wire import usage as usage_mod
from clawrouter.wire.formats import Endpoint, Format
from clawrouter.wire.usage import Usage

# Read once: an Enum member costs ~0.1 µs a read (Python 3.11), and usage_of runs per answer.
_ANTHROPIC, _GEMINI, _RESPONSES = Format.ANTHROPIC, Format.GEMINI, Endpoint.RESPONSES


def usage_of(protocol: Format, endpoint: Endpoint, data: dict[str, Any]) -> Usage | None:
    if protocol == _ANTHROPIC:
        return usage_mod.from_anthropic(data.get("usage"))
    if protocol == _GEMINI:
        return usage_mod.from_gemini(data.get("usageMetadata"))
    if endpoint == _RESPONSES:
        return usage_mod.from_responses(data.get("usage"))
    return usage_mod.from_openai(data.get("usage"))


def finalize_usage(job: Job, usage: Usage | None, output_text: Callable[[], str]) -> Usage:
    """Upstream usage when it has any; otherwise the documented estimate (output_text is
    only called then)."""
    if usage is not None and not usage.is_empty():
        return usage
    est = Usage(
        prompt_tokens=job.prompt_estimate(),
        completion_tokens=estimate.text_tokens(output_text()),
        estimated=True,
    )
    job.content_notes.append("upstream sent no usage; tokens estimated")
    return est


def settle(state: RelayState, job: Job, usage: Usage) -> pricing.Settlement:
    assert job.price is not None
    ratios = job.other_ratios if job.price.per_call else None  # media: n, size, quality
    settlement = pricing.settle_quota(
        job.price, usage, quota_per_unit=int(state.options["QuotaPerUnit"]), other_ratios=ratios
    )
    return book(state, job, settlement, usage)


def book(
    state: RelayState, job: Job, settlement: pricing.Settlement, usage: Usage
) -> pricing.Settlement:
    """Charge a computed settlement to the job's key and wallet, and write its log row."""
    assert job.charge is not None and job.channel is not None
    job.charge.settle(settlement.quota, job.channel.id, int(state.clock()))
    record_consume(state, job, settlement, usage)
    return settlement


def bill_hang_up(state: RelayState, job: Job) -> None:
    """A client that hung up before its answer began (a stream settles its own hang-up): the
    request reached the upstream, which was working on the prompt, so the prompt is billed —
    as estimated, no output was delivered."""
    assert job.charge is not None
    if job.charge.done:
        return
    job.end_reason = "client_gone"
    job.content_notes.append("client disconnected before the answer; prompt billed")
    settle(state, job, finalize_usage(job, None, str))
