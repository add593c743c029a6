"""Token usage: one normalised record for every protocol, plus per-protocol readers.

Pure: no aiohttp, no database. `semantic` says how `prompt_tokens` relates to cache tokens:
"openai" (prompt includes cached reads and cache writes) or "anthropic" (input excludes both).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0  # cache reads
    cache_write_tokens: int = 0  # cache writes, total (5m + 1h + unsplit)
    cache_write_5m_tokens: int = 0
    cache_write_1h_tokens: int = 0
    reasoning_tokens: int = 0  # part of completion_tokens
    image_tokens: int = 0  # part of prompt_tokens
    audio_tokens: int = 0  # part of prompt_tokens
    audio_completion_tokens: int = 0  # part of completion_tokens (audio output)
    semantic: str = "openai"
    estimated: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def total_tokens(self) -> int:
        if self.semantic == "anthropic":
            return (
                self.prompt_tokens
                + self.cached_tokens
                + self.cache_write_tokens
                + self.completion_tokens
            )
        return self.prompt_tokens + self.completion_tokens

    @property
    def input_total(self) -> int:
        """All prompt-side tokens, whatever the semantic."""
        if self.semantic == "anthropic":
            return self.prompt_tokens + self.cached_tokens + self.cache_write_tokens
        return self.prompt_tokens

    def is_empty(self) -> bool:
        return self.prompt_tokens == 0 and self.completion_tokens == 0


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def from_openai(u: dict[str, Any] | None) -> Usage | None:
    """Chat/completions/embeddings `usage` object."""
    if not isinstance(u, dict):
        return None
    pd = u.get("prompt_tokens_details") or {}
    cd = u.get("completion_tokens_details") or {}
    return Usage(
        prompt_tokens=_int(u.get("prompt_tokens")),
        completion_tokens=_int(u.get("completion_tokens")),
        cached_tokens=_int(pd.get("cached_tokens")),
        cache_write_tokens=max(
            _int(pd.get("cached_creation_tokens")), _int(pd.get("cache_write_tokens"))
        ),
        reasoning_tokens=_int(cd.get("reasoning_tokens")),
        image_tokens=_int(pd.get("image_tokens")),
        audio_tokens=_int(pd.get("audio_tokens")),
    )


def from_responses(u: dict[str, Any] | None) -> Usage | None:
    """OpenAI Responses API `usage` object (input_tokens/output_tokens)."""
    if not isinstance(u, dict):
        return None
    idt = u.get("input_tokens_details") or {}
    odt = u.get("output_tokens_details") or {}
    return Usage(
        prompt_tokens=_int(u.get("input_tokens")),
        completion_tokens=_int(u.get("output_tokens")),
        cached_tokens=_int(idt.get("cached_tokens")),
        cache_write_tokens=_int(idt.get("cache_write_tokens")),
        reasoning_tokens=_int(odt.get("reasoning_tokens")),
    )


def from_realtime(u: dict[str, Any] | None) -> Usage | None:
    """Realtime API `response.done` usage: input/output tokens with their text/audio split
    (cached input is billed as input, as the reference does)."""
    if not isinstance(u, dict):
        return None
    idt = u.get("input_token_details") or {}
    odt = u.get("output_token_details") or {}
    return Usage(
        prompt_tokens=_int(u.get("input_tokens")),
        completion_tokens=_int(u.get("output_tokens")),
        audio_tokens=_int(idt.get("audio_tokens") if isinstance(idt, dict) else 0),
        audio_completion_tokens=_int(odt.get("audio_tokens") if isinstance(odt, dict) else 0),
    )


def from_anthropic(u: dict[str, Any] | None) -> Usage | None:
    """Claude Messages `usage`: input_tokens excludes cache reads and writes."""
    if not isinstance(u, dict):
        return None
    cc = u.get("cache_creation") or {}
    w5 = _int(cc.get("ephemeral_5m_input_tokens"))
    w1 = _int(cc.get("ephemeral_1h_input_tokens"))
    return Usage(
        prompt_tokens=_int(u.get("input_tokens")),
        completion_tokens=_int(u.get("output_tokens")),
        cached_tokens=_int(u.get("cache_read_input_tokens")),
        cache_write_tokens=max(_int(u.get("cache_creation_input_tokens")), w5 + w1),
        cache_write_5m_tokens=w5,
        cache_write_1h_tokens=w1,
        semantic="anthropic",
    )


def from_gemini(m: dict[str, Any] | None) -> Usage | None:
    """Gemini `usageMetadata`: thoughts count as completion, tool-use prompt as prompt."""
    if not isinstance(m, dict):
        return None
    thoughts = _int(m.get("thoughtsTokenCount"))
    return Usage(
        prompt_tokens=_int(m.get("promptTokenCount")) + _int(m.get("toolUsePromptTokenCount")),
        completion_tokens=_int(m.get("candidatesTokenCount")) + thoughts,
        cached_tokens=_int(m.get("cachedContentTokenCount")),
        reasoning_tokens=thoughts,
    )


def to_openai(u: Usage) -> dict[str, Any]:
    """Render as an OpenAI chat `usage` object (prompt includes cache tokens)."""
    prompt = u.input_total
    out: dict[str, Any] = {
        "prompt_tokens": prompt,
        "completion_tokens": u.completion_tokens,
        "total_tokens": prompt + u.completion_tokens,
    }
    details: dict[str, int] = {"cached_tokens": u.cached_tokens}
    if u.cache_write_tokens:
        details["cache_write_tokens"] = u.cache_write_tokens
    out["prompt_tokens_details"] = details
    if u.reasoning_tokens:
        out["completion_tokens_details"] = {"reasoning_tokens": u.reasoning_tokens}
    return out


def to_anthropic(u: Usage) -> dict[str, Any]:
    """Render as a Claude `usage` object (input excludes cache tokens)."""
    if u.semantic == "anthropic":
        input_tokens = u.prompt_tokens
    else:
        input_tokens = max(u.prompt_tokens - u.cached_tokens - u.cache_write_tokens, 0)
    return {
        "input_tokens": input_tokens,
        "output_tokens": u.completion_tokens,
        "cache_read_input_tokens": u.cached_tokens,
        "cache_creation_input_tokens": u.cache_write_tokens,
    }


def to_responses(u: Usage) -> dict[str, Any]:
    prompt = u.input_total
    return {
        "input_tokens": prompt,
        "input_tokens_details": {
            "cached_tokens": u.cached_tokens,
            "cache_write_tokens": u.cache_write_tokens,
        },
        "output_tokens": u.completion_tokens,
        "output_tokens_details": {"reasoning_tokens": u.reasoning_tokens},
        "total_tokens": prompt + u.completion_tokens,
    }


def to_gemini(u: Usage) -> dict[str, Any]:
    prompt = u.input_total
    out: dict[str, Any] = {
        "promptTokenCount": prompt,
        "candidatesTokenCount": u.completion_tokens - u.reasoning_tokens,
        "totalTokenCount": prompt + u.completion_tokens,
    }
    if u.reasoning_tokens:
        out["thoughtsTokenCount"] = u.reasoning_tokens
    if u.cached_tokens:
        out["cachedContentTokenCount"] = u.cached_tokens
    return out
