"""The Jina adapter (type 38): rerank at `{base}/v1/rerank` and embeddings at
`{base}/v1/embeddings` (default base https://api.jina.ai), Bearer key, as new-api's Jina
adaptor. Embeddings go without `encoding_format` (Jina answers floats only, new-api drops it).
Jina reports `usage.total_tokens`; relay.answers.rerank bills it as prompt tokens."""

from __future__ import annotations

from typing import Any

from clawrouter.relay.providers.base import ChannelView, RelayRequest
from clawrouter.relay.providers.compat import CompatAdapter
from clawrouter.wire.formats import Endpoint


class JinaAdapter(CompatAdapter):
    """Jina AI: rerank and embeddings only."""

    __slots__ = ()
    name = "jina"
    endpoints = frozenset({Endpoint.RERANK, Endpoint.EMBEDDINGS})

    def adjust(self, body: dict[str, Any], req: RelayRequest, ch: ChannelView) -> dict[str, Any]:
        if req.endpoint == Endpoint.EMBEDDINGS and "encoding_format" in body:
            return {k: v for k, v in body.items() if k != "encoding_format"}
        return body
