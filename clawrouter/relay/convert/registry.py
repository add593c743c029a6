"""Which converter serves a (client format, upstream protocol) pair; pairs without a direct
converter go through chat (e.g. Anthropic client -> chat -> Gemini upstream)."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from clawrouter.relay.convert import (
    chat_to_gemini,
    chat_to_messages,
    gemini_to_chat,
    messages_to_chat,
    responses_to_chat,
)
from clawrouter.relay.convert.base import ConvertContext
from clawrouter.wire.formats import Format

_DIRECT: dict[tuple[str, str], ModuleType] = {
    (Format.OPENAI, Format.ANTHROPIC): chat_to_messages,
    (Format.OPENAI, Format.GEMINI): chat_to_gemini,
    (Format.ANTHROPIC, Format.OPENAI): messages_to_chat,
    (Format.GEMINI, Format.OPENAI): gemini_to_chat,
    (Format.RESPONSES, Format.OPENAI): responses_to_chat,
}
_TO_CHAT = {
    Format.ANTHROPIC: messages_to_chat,
    Format.GEMINI: gemini_to_chat,
    Format.RESPONSES: responses_to_chat,
}
_FROM_CHAT = {Format.ANTHROPIC: chat_to_messages, Format.GEMINI: chat_to_gemini}


class Composed:
    """client -> chat -> upstream, built from two direct converters."""

    def __init__(self, outer: Any, inner: Any) -> None:
        self.outer, self.inner = outer, inner  # outer: client<->chat, inner: chat<->upstream

    def request(self, body: dict[str, Any], ctx: ConvertContext) -> dict[str, Any]:
        return self.inner.request(self.outer.request(body, ctx), ctx)

    def response(self, body: dict[str, Any], ctx: ConvertContext) -> dict[str, Any]:
        return self.outer.response(self.inner.response(body, _inner_ctx(ctx)), ctx)

    def Stream(self, ctx: ConvertContext) -> ComposedStream:
        return ComposedStream(self.inner.Stream(_inner_ctx(ctx)), self.outer.Stream(ctx))


def _inner_ctx(ctx: ConvertContext) -> ConvertContext:
    inner = ConvertContext(**{f: getattr(ctx, f) for f in ctx.__dataclass_fields__})
    inner.include_usage = True  # the outer converter needs the usage chunk
    return inner


class ComposedStream:
    def __init__(self, inner: Any, outer: Any) -> None:
        self.inner, self.outer = inner, outer

    @property
    def usage(self) -> Any:
        return self.inner.usage

    def feed(self, event: dict[str, Any]) -> list[dict[str, Any]]:
        return [e for mid in self.inner.feed(event) for e in self.outer.feed(mid)]

    def finish(self) -> list[dict[str, Any]]:
        out = [e for mid in self.inner.finish() for e in self.outer.feed(mid)]
        return out + self.outer.finish()


def converter(client: str, upstream: str) -> Any | None:
    """The converter for the pair, or None when no conversion is needed."""
    if client == upstream:
        return None
    direct = _DIRECT.get((client, upstream))
    if direct is not None:
        return direct
    if client in _TO_CHAT and upstream in _FROM_CHAT:
        return Composed(_TO_CHAT[client], _FROM_CHAT[upstream])
    raise KeyError(f"no conversion from {client} to {upstream}")
