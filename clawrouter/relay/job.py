"""One relay request's working state, from authentication to the log row."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from clawrouter.billing.pricing import Price
from clawrouter.relay import estimate
from clawrouter.relay.entries import ChannelEntry
from clawrouter.relay.keyauth import RelayCaller
from clawrouter.relay.quota import Charge
from clawrouter.relay.selection import Tiers
from clawrouter.wire.formats import Endpoint, Format
from clawrouter.wire.multipart import Form


@dataclass(slots=True)
class Job:
    request_id: str
    path: str
    client_format: Format  # the wire format the client speaks
    endpoint: Endpoint  # what the client called
    body: dict[str, Any]
    model: str  # as requested (billing and the log use this name)
    stream: bool
    caller: RelayCaller
    ip: str
    started: float  # perf_counter at arrival
    created_at: int  # unix seconds at arrival
    routes: list[tuple[str, Tiers]]  # (group, tiers) candidates in order
    group: str = ""
    price: Price | None = None
    charge: Charge | None = None
    estimated_prompt: int = -1  # see prompt_estimate()
    include_usage: bool = True  # chat stream clients: send the usage chunk
    tried: list[int] = field(default_factory=list)
    channel: ChannelEntry | None = None
    key_index: int = 0
    upstream_model: str = ""
    upstream_format: Format | str = ""  # a Format once the attempt is prepared
    # what the upstream is asked for (conversion may change it); an Endpoint once prepared
    upstream_endpoint: Endpoint | str = ""
    upstream_body: dict[str, Any] = field(default_factory=dict)  # as sent, before overrides
    response_id: str = ""  # the id of the object returned to the client (converted formats)
    responses_fallback: bool = False  # a 404/405 on /v1/responses may retry via chat
    frt_ms: int = 0
    started_response: bool = False
    end_reason: str = ""
    content_notes: list[str] = field(default_factory=list)
    # Media requests (relay.media.routes): the multipart files (text fields are `body`), the meter
    # that reads usage off the passed-through answer, per-call ratios (n, size, quality).
    form: Form | None = None
    meter: Any = None
    other_ratios: dict[str, float] | None = None
    raw_body: bytes | None = None  # the client's bytes of `body` (JSON requests)
    output_reserve: int = -1  # output tokens to reserve when set (images: 1584, as new-api)

    def prompt_estimate(self) -> int:
        """Estimated prompt tokens of the request, computed on first use (most requests never
        need it: trusted callers reserve nothing and upstreams usually report usage)."""
        if self.estimated_prompt < 0:
            self.estimated_prompt = estimate.request_tokens(self.body)
        return self.estimated_prompt


JobSetup = Callable[[Job], None]  # fills a media job's fields before quota is reserved
