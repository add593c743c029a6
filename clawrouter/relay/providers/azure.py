"""Azure OpenAI (type 3): deployment URLs with `api-version`, the `api-key` header, and the
Responses API's own path and version. Bodies follow the OpenAI adapter.
"""

from __future__ import annotations

from types import MappingProxyType
from urllib.parse import quote

from clawrouter.relay.providers.base import ChannelView, RelayRequest, UpstreamCall
from clawrouter.relay.providers.openai import (
    CF_GATEWAY,
    PATHS,
    OpenAIAdapter,
    join_url,
    ws_url,
)
from clawrouter.wire.formats import Endpoint

DEFAULT_API_VERSION = "2025-04-01-preview"
RESPONSES_API_VERSION = "preview"
# Channels created before 2025-05-10 00:00 UTC address deployments by the model name without dots
# (gpt-4.1 -> gpt-41), the old naming convention; newer channels keep the dots.
NO_REMOVE_DOT_TIME = 1746835200

TASKS = MappingProxyType(
    {
        Endpoint.CHAT: "chat/completions",
        Endpoint.COMPLETIONS: "completions",
        Endpoint.EMBEDDINGS: "embeddings",
        Endpoint.IMAGES: "images/generations",
        Endpoint.IMAGE_EDITS: "images/edits",
        Endpoint.SPEECH: "audio/speech",
        Endpoint.TRANSCRIPTIONS: "audio/transcriptions",
        Endpoint.TRANSLATIONS: "audio/translations",
    }
)


class AzureAdapter(OpenAIAdapter):
    """`{base}/openai/deployments/{model}/{task}?api-version={other or default}`; a base ending in
    `/openai/v1` uses Azure's v1 API (OpenAI paths, model in the body, no api-version)."""

    __slots__ = ()
    name = "azure"
    endpoints = frozenset({*TASKS, Endpoint.RESPONSES, Endpoint.MODELS})

    def url(self, req: RelayRequest, model: str, ch: ChannelView) -> str:
        base = self.base_url(ch)
        if base.endswith("/openai/v1"):
            return join_url(base, PATHS[req.endpoint])
        version = ch.other.strip() or DEFAULT_API_VERSION
        if req.endpoint == Endpoint.RESPONSES:
            return self._responses_url(base, version, ch)
        if req.endpoint == Endpoint.MODELS:
            return f"{base}/openai/models?api-version={quote(version)}"
        if ch.created_time < NO_REMOVE_DOT_TIME:
            model = model.replace(".", "")
        path = f"/{quote(model, safe='')}/{TASKS[req.endpoint]}?api-version={quote(version)}"
        if base.startswith(CF_GATEWAY):  # the gateway URL already names the resource
            return base + path
        return f"{base}/openai/deployments{path}"

    @staticmethod
    def _responses_url(base: str, version: str, ch: ChannelView) -> str:
        if "cognitiveservices.azure.com" in base:
            path, responses_version = "/openai/responses", version
        else:
            path, responses_version = "/openai/v1/responses", RESPONSES_API_VERSION
        responses_version = str(ch.settings.get("azure_responses_version") or responses_version)
        return f"{base}{path}?api-version={quote(responses_version)}"

    def auth_headers(self, ch: ChannelView) -> dict[str, str]:
        return {"api-key": ch.key} if ch.key else {}

    def realtime_call(self, model: str, ch: ChannelView) -> UpstreamCall:
        """`{base}/openai/realtime?api-version=&deployment=` (Azure's Realtime endpoint)."""
        base = self.base_url(ch)
        version = ch.other.strip() or DEFAULT_API_VERSION
        query = f"api-version={quote(version)}&deployment={quote(model, safe='')}"
        return UpstreamCall("GET", ws_url(f"{base}/openai/realtime?{query}"), self.auth_headers(ch))
