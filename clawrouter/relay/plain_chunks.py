"""Which upstream chunks a same-format stream can forward without decoding them: bytes that
re-framing would send unchanged and that carry nothing the pump must act on (usage, the end,
an error). Pure byte checks, no aiohttp."""

from __future__ import annotations

import re

from clawrouter.wire.formats import Format

# Per upstream protocol, bytes that make _forward act on an event (its usage, the end, an
# error) besides `"usage` and `finish_reason` (both fine when null); a protocol not listed
# (Gemini: usageMetadata in every chunk) has every event decoded.
MARKERS: dict[str, tuple[bytes, ...]] = {
    Format.OPENAI: (b"error", b"event:"),  # chat streams name no events
    Format.ANTHROPIC: (b"error", b"message_start", b"message_delta", b"message_stop"),
    Format.RESPONSES: (
        b"error", b"response.completed", b"response.incomplete", b"response.failed",
    ),
}  # fmt: skip


# Whole events framed as _forward frames them (several in one chunk: checked at once).
_CANONICAL = re.compile(rb"(?:(?:event: [^\r\n]+\n)?data: [^\r\n]+\n\n)+")


def plain_event(chunk: bytes, markers: tuple[bytes, ...]) -> int:
    """The number of events in `chunk` when it is whole events, each framed exactly as
    _forward re-frames it (an optional `event: <name>` line, one `data: <text>` line, a blank
    line; no CR, comment or id), that _forward would neither parse nor act on: no terminator,
    none of the protocol's `markers`, usage only as `"usage":null` and finish only as
    `"finish_reason":null`. Forwarding its bytes as they came then sends exactly what
    re-framing them would. Else 0."""
    if not chunk.endswith(b"\n\n") or b"\r" in chunk:
        return 0
    for marker in markers:  # the cheap refusals first: the last chunks carry these
        if marker in chunk:
            return 0
    found = chunk.count(b'"usage')
    if found and found != chunk.count(b'"usage":null'):
        return 0
    found = chunk.count(b"finish_reason")
    if found and found != chunk.count(b'"finish_reason":null'):
        return 0
    if chunk.startswith(b"data: ") and chunk.find(b"\n") == len(chunk) - 2:  # one data line
        if len(chunk) == 8 or chunk == b"data: [DONE]\n\n":
            return 0
        events = 1
    elif (events := chunk.count(b"\n\n")) > 1:  # events coalesced in one read
        if b"[DONE]" in chunk or _CANONICAL.fullmatch(chunk) is None:
            return 0
    elif chunk.startswith(b"data: "):
        return 0  # one event of several data lines
    elif chunk.startswith(b"event: "):
        eol = chunk.find(b"\n")
        if eol <= 7 or chunk.count(b"\n") != 3 or not chunk.startswith(b"data: ", eol + 1):
            return 0
        if len(chunk) == eol + 9 or chunk.endswith(b"data: [DONE]\n\n"):
            return 0
    else:
        return 0
    if not chunk.isascii():
        try:
            chunk.decode()  # re-framing would replace invalid UTF-8
        except UnicodeDecodeError:
            return 0
    return events


# A Gemini event the pump must decode: the end (a finish or a blocked prompt) or an error.
GEMINI_MARKERS = (b"error", b"finishReason", b"blockReason")


def gemini_plain(chunk: bytes) -> bytes | None:
    """A Gemini chunk that is one whole event, one `data: <json>` line ended by a blank line
    (CRLF, as Gemini sends, or LF), with none of GEMINI_MARKERS and valid UTF-8: the bytes
    re-framing it sends (`data: <json>` and LF LF). Its usageMetadata, if any, the pump reads
    when it needs it (each chunk repeats the running total: the last one counts). Else None."""
    if chunk.endswith(b"\r\n\r\n"):
        line = chunk[:-4]
    elif chunk.endswith(b"\n\n"):
        line = chunk[:-2]
    else:
        return None
    if not line.startswith(b"data: ") or len(line) == 6 or b"\n" in line or b"\r" in line:
        return None
    for marker in GEMINI_MARKERS:
        if marker in line:
            return None
    if line == b"data: [DONE]":
        return None
    if not line.isascii():
        try:
            line.decode()  # re-framing would replace invalid UTF-8
        except UnicodeDecodeError:
            return None
    return line + b"\n\n"
