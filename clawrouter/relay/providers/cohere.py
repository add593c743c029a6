"""The Cohere adapter (type 34), through Cohere's OpenAI-compatibility API: chat completions at
`{base}/compatibility/v1/chat/completions` and embeddings at `{base}/compatibility/v1/embeddings`
(default base https://api.cohere.ai), Bearer key. Cohere's native /v2/chat format is not spoken;
the compatibility layer maps the OpenAI parameters itself (tools and structured output included).
Rerank goes to Cohere's native `{base}/v1/rerank` (relay.answers.rerank reads its answer).
`stream_options` is removed (the compatibility API rejects it; Cohere is not one of the
STREAM_OPTIONS_TYPES), so a stream without usage is billed from the estimate. Model listing is
not offered: Cohere's /v1/models answers in its own shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from clawrouter.relay.providers.base import ChannelView
from clawrouter.relay.providers.compat import CompatAdapter
from clawrouter.wire.formats import Endpoint

PATHS: Mapping[str, str] = MappingProxyType(
    {
        Endpoint.CHAT: "/compatibility/v1/chat/completions",
        Endpoint.EMBEDDINGS: "/compatibility/v1/embeddings",
        # Cohere's native rerank API (answers with meta.billed_units)
        Endpoint.RERANK: "/v1/rerank",
    }
)


def _root(base: str) -> str:
    """A base URL given with the compatibility path (as Cohere's docs show it) is trimmed."""
    return base.removesuffix("/v1").removesuffix("/compatibility")


class CohereAdapter(CompatAdapter):
    """Cohere through its OpenAI-compatibility endpoints."""

    __slots__ = ()
    name = "cohere"
    endpoints = frozenset(PATHS)
    paths = PATHS

    def base_url(self, ch: ChannelView) -> str:
        return _root(super().base_url(ch))
