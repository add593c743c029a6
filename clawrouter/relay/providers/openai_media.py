"""The OpenAI images and audio endpoints as upstream calls: a JSON body (generations, speech)
or the client's multipart form rebuilt with the mapped model (edits, transcriptions,
translations: every file byte for byte). Shared by OpenAI, Azure and compatible vendors."""

from __future__ import annotations

from typing import TYPE_CHECKING

import orjson

from clawrouter.relay.providers.base import ChannelView, RelayRequest, UpstreamCall
from clawrouter.wire.formats import Endpoint
from clawrouter.wire.multipart import Form, encode

if TYPE_CHECKING:
    from clawrouter.relay.providers.openai import OpenAIAdapter


def media_call(adapter: OpenAIAdapter, req: RelayRequest, ch: ChannelView) -> UpstreamCall:
    body = {**req.body, "model": req.model or req.body.get("model")}
    url = adapter.url(req, str(body["model"]), ch)
    if req.endpoint == Endpoint.SPEECH:
        accept = "*/*"  # audio bytes, or SSE when the body asks for stream_format "sse"
    else:
        accept = "text/event-stream" if req.stream else "application/json"
    headers = {"Accept": accept}
    if req.form is not None:
        data, headers["Content-Type"] = encode(body, req.form)
    else:
        data, headers["Content-Type"] = orjson.dumps(body), "application/json"
    headers.update(adapter.auth_headers(ch))
    headers.update(adapter.extra_headers(req, ch))
    return UpstreamCall("POST", url, headers, data)


__all__ = ["Form", "media_call"]
