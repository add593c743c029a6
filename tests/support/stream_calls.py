"""A streamed relay request for model `broken` in each client format, and the SSE events of
the answer as (event name, data) pairs."""

from __future__ import annotations

HELLO = [{"role": "user", "content": "hello there"}]


def client_call(fmt: str, key: str) -> tuple[str, dict, dict]:
    """(path, body, headers) of a streamed request for model `broken` in client format fmt."""
    if fmt == "chat":
        body = {"model": "broken", "stream": True, "messages": HELLO}
        return "/v1/chat/completions", body, {"Authorization": f"Bearer {key}"}
    if fmt == "messages":
        body = {"model": "broken", "stream": True, "max_tokens": 64, "messages": HELLO}
        return "/v1/messages", body, {"x-api-key": key, "anthropic-version": "2023-06-01"}
    if fmt == "responses":
        body = {"model": "broken", "stream": True, "input": "hello there"}
        return "/v1/responses", body, {"Authorization": f"Bearer {key}"}
    body = {"contents": [{"role": "user", "parts": [{"text": "hello there"}]}]}
    path = "/v1beta/models/broken:streamGenerateContent?alt=sse"
    return path, body, {"x-goog-api-key": key}


def events(raw: bytes) -> list[tuple[str | None, str]]:
    out = []
    for block in raw.decode().replace("\r\n", "\n").split("\n\n"):
        name = data = None
        for line in block.split("\n"):
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data = line[5:].strip()
        if data is not None:
            out.append((name, data))
    return out
