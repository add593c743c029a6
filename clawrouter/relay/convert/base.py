"""Shared shapes for format converters: the context they receive and the stream protocol.

A converter module serves one (client format, upstream format) pair and offers:
  request(body, ctx) -> dict      client request  -> upstream request
  response(body, ctx) -> dict     upstream response -> client response
  Stream(ctx)                     upstream stream events -> client stream events
Everything is pure: ids, timestamps and estimates arrive in the context. The formats a
converter maps between are clawrouter.wire.formats.Format members.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from clawrouter.wire.usage import Usage


@dataclass(slots=True)
class ConvertContext:
    """What a converter may know beyond the body it converts."""

    model: str  # the model name the upstream should see (after mapping)
    client_model: str = ""  # the model name the client asked for (echoed back in responses)
    id: str = "conv-0"  # id to use for objects the converter creates (chatcmpl-…, msg_…, resp_…)
    created: int = 0  # unix seconds for `created` fields
    prompt_tokens_estimate: int = 0  # used when the upstream reports no usage
    default_max_tokens: int = 8192  # Anthropic requires max_tokens
    include_usage: bool = True  # chat clients: emit a usage chunk at the end of a stream
    stream: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    # The upstream answer's usage when the caller has already read it (a converter need not
    # read it again); None: read it from the answer.
    usage: Usage | None = None

    @property
    def echo_model(self) -> str:
        return self.client_model or self.model


class StreamConverter(Protocol):
    """Turns upstream stream events (decoded JSON dicts) into client stream events."""

    usage: Usage | None

    def feed(self, event: dict[str, Any]) -> list[dict[str, Any]]: ...

    def finish(self) -> list[dict[str, Any]]: ...
