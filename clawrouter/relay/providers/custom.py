"""Custom channels (type 8): the base URL is the complete upstream URL, with `{model}` replaced
by the upstream model. Auth and bodies follow the OpenAI adapter.
"""

from __future__ import annotations

from urllib.parse import quote

from clawrouter.relay.providers.base import ChannelView, RelayRequest
from clawrouter.relay.providers.openai import OpenAIAdapter, config_error
from clawrouter.wire.formats import Endpoint


class CustomAdapter(OpenAIAdapter):
    """One fixed URL for every endpoint (so no model listing: a GET on a chat URL means nothing)."""

    __slots__ = ()
    name = "custom"
    endpoints = frozenset(
        {
            Endpoint.CHAT,
            Endpoint.COMPLETIONS,
            Endpoint.EMBEDDINGS,
            Endpoint.MODERATIONS,
            Endpoint.RESPONSES,
        }
    )

    def url(self, req: RelayRequest, model: str, ch: ChannelView) -> str:
        url = ch.base_url.strip()
        if not url:
            raise config_error(ch, "a Custom channel needs its full upstream URL as base URL")
        return url.replace("{model}", quote(model, safe="/@:"))
