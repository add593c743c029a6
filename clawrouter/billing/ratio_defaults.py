"""Built-in price tables, seeded as option values (ModelRatio, CompletionRatio, …).

Per-token models are listed once with their vendor list prices in USD per 1M tokens; the ratio
maps are derived from them with exact arithmetic: ModelRatio = input / 2 (ratio 1 = $2 per 1M
input tokens), CompletionRatio = output / input, CacheRatio = cache read / input and
CreateCacheRatio = 5-minute cache write / input. Per-call models (ModelPrice) are in USD per call.
Every public function returns a fresh dict the option layer may mutate and serialise.
`completion_ratio_rule` is the reference's hard-coded per-family output multiplier.
"""

from __future__ import annotations

from fractions import Fraction
from types import MappingProxyType
from typing import NamedTuple


class ListPrice(NamedTuple):
    """Vendor list price in USD per 1M tokens; None = not offered."""

    names: tuple[str, ...]
    input: float
    output: float | None = None
    cache_read: float | None = None
    cache_write: float | None = None  # 5-minute cache write (Anthropic)


OPENAI_PRICES: tuple[ListPrice, ...] = (
    ListPrice(("gpt-3.5-turbo", "gpt-3.5-turbo-0125"), 0.5, 1.5),
    ListPrice(("gpt-3.5-turbo-1106",), 1, 2),
    ListPrice(("gpt-3.5-turbo-instruct",), 1.5, 2),
    ListPrice(("gpt-4", "gpt-4-0613"), 30, 60),
    ListPrice(("gpt-4-32k", "gpt-4-32k-0613"), 60, 120),
    ListPrice(
        (
            "gpt-4-turbo",
            "gpt-4-turbo-2024-04-09",
            "gpt-4-turbo-preview",
            "gpt-4-0125-preview",
            "gpt-4-1106-preview",
        ),
        10,
        30,
    ),
    ListPrice(("gpt-4o", "gpt-4o-2024-08-06", "gpt-4o-2024-11-20"), 2.5, 10, 1.25),
    ListPrice(("gpt-4o-2024-05-13",), 5, 15),
    ListPrice(("chatgpt-4o-latest",), 5, 15),
    ListPrice(("gpt-4o-mini", "gpt-4o-mini-2024-07-18"), 0.15, 0.6, 0.075),
    ListPrice(("gpt-4o-audio-preview", "gpt-4o-audio-preview-2024-12-17"), 2.5, 10),
    ListPrice(("gpt-4o-mini-audio-preview", "gpt-4o-mini-audio-preview-2024-12-17"), 0.15, 0.6),
    ListPrice(("gpt-4o-realtime-preview", "gpt-4o-realtime-preview-2024-12-17"), 5, 20, 2.5),
    ListPrice(
        ("gpt-4o-mini-realtime-preview", "gpt-4o-mini-realtime-preview-2024-12-17"), 0.6, 2.4, 0.3
    ),
    ListPrice(("gpt-4.1", "gpt-4.1-2025-04-14"), 2, 8, 0.5),
    ListPrice(("gpt-4.1-mini", "gpt-4.1-mini-2025-04-14"), 0.4, 1.6, 0.1),
    ListPrice(("gpt-4.1-nano", "gpt-4.1-nano-2025-04-14"), 0.1, 0.4, 0.025),
    ListPrice(("gpt-5", "gpt-5-2025-08-07", "gpt-5-chat-latest"), 1.25, 10, 0.125),
    ListPrice(("gpt-5-mini", "gpt-5-mini-2025-08-07"), 0.25, 2, 0.025),
    ListPrice(("gpt-5-nano", "gpt-5-nano-2025-08-07"), 0.05, 0.4, 0.005),
    ListPrice(("o1", "o1-2024-12-17"), 15, 60, 7.5),
    ListPrice(("o1-mini", "o1-mini-2024-09-12"), 1.1, 4.4, 0.55),
    ListPrice(("o3", "o3-2025-04-16"), 2, 8, 0.5),
    ListPrice(("o3-mini", "o3-mini-2025-01-31"), 1.1, 4.4, 0.55),
    ListPrice(("o4-mini", "o4-mini-2025-04-16"), 1.1, 4.4, 0.275),
    ListPrice(("text-embedding-3-small",), 0.02),
    ListPrice(("text-embedding-3-large",), 0.13),
    ListPrice(("text-embedding-ada-002",), 0.1),
    ListPrice(
        (
            "omni-moderation-latest",
            "omni-moderation-2024-09-26",
            "text-moderation-latest",
            "text-moderation-stable",
            "text-moderation-007",
        ),
        0,  # free
    ),
    # Speech-to-text is counted as 1000 tokens per audio minute: $0.006/min = $6 per 1M.
    ListPrice(("whisper-1",), 6),
    # Text-to-speech is counted in input characters: $15 / $30 per 1M characters.
    ListPrice(("tts-1", "tts-1-1106"), 15),
    ListPrice(("tts-1-hd", "tts-1-hd-1106"), 30),
    # Token prices for models billed per call by default (ModelPrice wins while it is set).
    ListPrice(("gpt-4o-mini-tts",), 0.6, 12),
    ListPrice(("gpt-image-1",), 5, 40, 1.25),
)

ANTHROPIC_PRICES: tuple[ListPrice, ...] = (
    ListPrice(("claude-3-haiku", "claude-3-haiku-20240307"), 0.25, 1.25, 0.03, 0.3),
    ListPrice(
        ("claude-3-opus", "claude-3-opus-latest", "claude-3-opus-20240229"), 15, 75, 1.5, 18.75
    ),
    ListPrice(
        ("claude-3-5-haiku", "claude-3-5-haiku-latest", "claude-3-5-haiku-20241022"),
        0.8,
        4,
        0.08,
        1,
    ),
    ListPrice(
        (
            "claude-3-5-sonnet",
            "claude-3-5-sonnet-latest",
            "claude-3-5-sonnet-20240620",
            "claude-3-5-sonnet-20241022",
        ),
        3,
        15,
        0.3,
        3.75,
    ),
    ListPrice(
        ("claude-3-7-sonnet", "claude-3-7-sonnet-latest", "claude-3-7-sonnet-20250219"),
        3,
        15,
        0.3,
        3.75,
    ),
    ListPrice(
        ("claude-sonnet-4", "claude-sonnet-4-0", "claude-sonnet-4-20250514"), 3, 15, 0.3, 3.75
    ),
    ListPrice(("claude-opus-4", "claude-opus-4-0", "claude-opus-4-20250514"), 15, 75, 1.5, 18.75),
    ListPrice(("claude-opus-4-1", "claude-opus-4-1-20250805"), 15, 75, 1.5, 18.75),
    ListPrice(("claude-sonnet-4-5", "claude-sonnet-4-5-20250929"), 3, 15, 0.3, 3.75),
    ListPrice(("claude-haiku-4-5", "claude-haiku-4-5-20251001"), 1, 5, 0.1, 1.25),
    ListPrice(("claude-opus-4-5", "claude-opus-4-5-20251101"), 5, 25, 0.5, 6.25),
)

GOOGLE_PRICES: tuple[ListPrice, ...] = (
    # Gemini prices are the <=128k (1.5) / <=200k (2.5 Pro) prompt tier.
    ListPrice(("gemini-1.5-pro", "gemini-1.5-pro-latest", "gemini-1.5-pro-002"), 1.25, 5, 0.3125),
    ListPrice(
        ("gemini-1.5-flash", "gemini-1.5-flash-latest", "gemini-1.5-flash-002"),
        0.075,
        0.3,
        0.01875,
    ),
    ListPrice(("gemini-2.0-flash", "gemini-2.0-flash-001"), 0.1, 0.4, 0.025),
    ListPrice(("gemini-2.0-flash-lite", "gemini-2.0-flash-lite-001"), 0.075, 0.3),
    ListPrice(("gemini-2.5-pro",), 1.25, 10, 0.125),
    ListPrice(("gemini-2.5-flash",), 0.3, 2.5, 0.03),
    ListPrice(("gemini-2.5-flash-lite",), 0.1, 0.4, 0.01),
    ListPrice(("gemini-embedding-001",), 0.15),
    # Free on the Gemini API; a token price keeps usage visible (same as the reference).
    ListPrice(("text-embedding-004",), 0.002),
)

OTHER_PRICES: tuple[ListPrice, ...] = (
    # DeepSeek V3.2 list price (chat and reasoner are the same model family).
    ListPrice(("deepseek-chat",), 0.28, 0.42, 0.028),
    ListPrice(("deepseek-reasoner",), 0.28, 0.42, 0.028),
    # xAI
    ListPrice(("grok-3", "grok-3-latest", "grok-3-beta"), 3, 15, 0.75),
    ListPrice(("grok-3-mini", "grok-3-mini-latest", "grok-3-mini-beta"), 0.3, 0.5, 0.075),
    ListPrice(("grok-4", "grok-4-latest", "grok-4-0709"), 3, 15, 0.75),
    # Mistral
    ListPrice(("mistral-large-latest", "mistral-large-2411"), 2, 6),
    ListPrice(("mistral-small-latest", "mistral-small-2503"), 0.1, 0.3),
    ListPrice(("codestral-latest", "codestral-2501"), 0.3, 0.9),
    # Moonshot
    ListPrice(("kimi-k2", "kimi-k2-0711-preview", "kimi-k2-0905-preview"), 0.6, 2.5, 0.15),
    # Qwen (Alibaba Cloud international)
    ListPrice(("qwen-max", "qwen-max-latest"), 1.6, 6.4),
    ListPrice(("qwen-plus", "qwen-plus-latest"), 0.4, 1.2),
    ListPrice(("qwen-turbo", "qwen-turbo-latest"), 0.05, 0.2),
)

LIST_PRICES: tuple[ListPrice, ...] = OPENAI_PRICES + ANTHROPIC_PRICES + GOOGLE_PRICES + OTHER_PRICES

# USD per call. Images are one 1024x1024 image (dall-e standard, gpt-image-1 medium); the relay
# multiplies by size/quality/n. gpt-4o-mini-tts ≈ one minute of speech ($0.015/min).
MODEL_PRICE: MappingProxyType[str, float] = MappingProxyType(
    {
        "dall-e-2": 0.02,
        "dall-e-3": 0.04,
        "gpt-image-1": 0.042,
        "gpt-4o-mini-tts": 0.015,
        # async tasks, as the reference seeds them
        "mj_imagine": 0.1,
        "mj_variation": 0.1,
        "mj_reroll": 0.1,
        "mj_blend": 0.1,
        "mj_describe": 0.05,
        "mj_upscale": 0.05,
        "suno_music": 0.1,
        "suno_lyrics": 0.01,
        "sora-2": 0.3,
        "sora-2-pro": 0.5,
        "veo-3.0-generate-001": 0.4,
        "veo-3.0-fast-generate-001": 0.15,
    }
)

# Image input tokens relative to text input ($10 / $5 per 1M for gpt-image-1).
IMAGE_RATIO: MappingProxyType[str, float] = MappingProxyType({"gpt-image-1": 2.0})

# (names, text input, audio input, audio output) in USD per 1M tokens.
_AUDIO_PRICES: tuple[tuple[tuple[str, ...], float, float, float], ...] = (
    (("gpt-4o-audio-preview", "gpt-4o-audio-preview-2024-12-17"), 2.5, 40, 80),
    (("gpt-4o-mini-audio-preview", "gpt-4o-mini-audio-preview-2024-12-17"), 0.15, 10, 20),
    (("gpt-4o-realtime-preview", "gpt-4o-realtime-preview-2024-12-17"), 5, 40, 80),
    (("gpt-4o-mini-realtime-preview", "gpt-4o-mini-realtime-preview-2024-12-17"), 0.6, 10, 20),
    (("gpt-4o-mini-tts",), 0.6, 12, 12),  # speech output only
)

# TTS-1 bills characters only; its audio output is not charged again.
_AUDIO_COMPLETION_FREE = ("tts-1", "tts-1-1106", "tts-1-hd", "tts-1-hd-1106")

# Built-in tool prices, USD per 1000 calls; "tool:prefix*" overrides for matching models.
TOOL_PRICE: MappingProxyType[str, float] = MappingProxyType(
    {
        "web_search": 10.0,
        "web_search_preview": 10.0,
        "file_search": 2.5,
        "google_search": 14.0,
        "image_generation": 150.0,
        "web_search_preview:gpt-4o*": 25.0,
        "web_search_preview:gpt-4.1*": 25.0,
    }
)


def _usd(value: float) -> Fraction:
    return Fraction(repr(float(value)))


def _derive(field: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for row in LIST_PRICES:
        value = _ratio_of(row, field)
        if value is not None:
            out.update(dict.fromkeys(row.names, float(value)))
    return out


def _ratio_of(row: ListPrice, field: str) -> Fraction | None:
    if field == "input":
        return _usd(row.input) / 2
    other = getattr(row, field)
    if other is None or row.input == 0:
        return None
    return _usd(other) / _usd(row.input)


def model_ratio() -> dict[str, float]:
    """ModelRatio: input USD per 1M tokens / 2."""
    return _derive("input")


def completion_ratio() -> dict[str, float]:
    """CompletionRatio: output price / input price."""
    return _derive("output")


def cache_ratio() -> dict[str, float]:
    """CacheRatio: cache-read price / input price."""
    return _derive("cache_read")


def create_cache_ratio() -> dict[str, float]:
    """CreateCacheRatio: 5-minute cache-write price / input price (1h = ×1.6 at run time)."""
    return _derive("cache_write")


def model_price() -> dict[str, float]:
    """ModelPrice: USD per call."""
    return dict(MODEL_PRICE)


def image_ratio() -> dict[str, float]:
    return dict(IMAGE_RATIO)


def audio_ratio() -> dict[str, float]:
    """AudioRatio: audio input price / text input price."""
    out: dict[str, float] = {}
    for names, text_in, audio_in, _ in _AUDIO_PRICES:
        out.update(dict.fromkeys(names, float(_usd(audio_in) / _usd(text_in))))
    return out


def audio_completion_ratio() -> dict[str, float]:
    """AudioCompletionRatio: audio output price / audio input price."""
    out: dict[str, float] = dict.fromkeys(_AUDIO_COMPLETION_FREE, 0.0)
    for names, _, audio_in, audio_out in _AUDIO_PRICES:
        out.update(dict.fromkeys(names, float(_usd(audio_out) / _usd(audio_in))))
    return out


def tool_price() -> dict[str, float]:
    """Tool surcharges in USD per 1000 calls."""
    return dict(TOOL_PRICE)


def completion_ratio_rule(model: str) -> tuple[float, bool] | None:
    """The reference's hard-coded output multiplier for a model family: (ratio, locked).

    A locked rule beats the CompletionRatio option; an unlocked one only fills in when the
    option has no entry. None means no rule (the caller falls back to 1).
    """
    for rule in (_openai_rule, _claude_rule, _gemini_rule, _other_rule):
        found = rule(model)
        if found is not None:
            return found
    return None


def _openai_rule(name: str) -> tuple[float, bool] | None:
    if name.endswith("-all") or "-gizmo" in name:
        return 2, False
    if name == "chatgpt-4o-latest":
        return 3, True
    if name.startswith(("o1", "o3")):
        return 4, True
    if name.startswith("o4"):
        return 4, False
    if name.startswith("gpt-3.5"):
        return _gpt35_rule(name)
    if not name.startswith("gpt-"):
        return None
    if name.startswith("gpt-4o"):
        if name == "gpt-4o-2024-05-13":
            return 3, True
        return (20, False) if name.startswith("gpt-4o-mini-tts") else (4, False)
    if name.startswith("gpt-5"):
        return 8, "." not in name
    if name.startswith("gpt-4.5-preview"):
        return 2, True
    if name.startswith("gpt-4-turbo") or name.endswith(("gpt-4-1106", "gpt-4-1105")):
        return 3, True
    if name.startswith(("gpt-4-1106", "gpt-4-0125", "gpt-4-vision")):
        return 3, False
    if name.startswith("gpt-4.1"):
        return 4, False
    return 2, False


def _gpt35_rule(name: str) -> tuple[float, bool]:
    if name == "gpt-3.5-turbo" or name.endswith("0125"):
        return 3, True
    if name.endswith("1106"):
        return 2, True
    return 4 / 3, True


_CLAUDE_FAMILIES = (
    "claude-3",
    "claude-sonnet-4",
    "claude-opus-4",
    "claude-haiku-4",
    "claude-sonnet-5",
    "claude-opus-5",
    "claude-haiku-5",
)


def _claude_rule(name: str) -> tuple[float, bool] | None:
    if any(family in name for family in _CLAUDE_FAMILIES):
        return 5, True
    return None


def _gemini_rule(name: str) -> tuple[float, bool] | None:
    if not name.startswith("gemini-"):
        return None
    if name.startswith(("gemini-1.5", "gemini-2.0")):
        return 4, True
    if name.startswith("gemini-2.5-pro"):
        return 8, False
    if name.startswith("gemini-2.5-flash-preview"):
        return (4, False) if name.endswith("-nothinking") else (3.5 / 0.15, False)
    if name.startswith("gemini-2.5-flash-lite"):
        return 4, False
    if name.startswith(("gemini-2.5-flash", "gemini-robotics-er-1.5")):
        return 2.5 / 0.3, False
    if name.startswith("gemini-3-pro-image"):
        return 60, False
    if name.startswith("gemini-3-pro"):
        return 6, False
    return 4, False


_COMMAND_R = MappingProxyType(
    {
        "command-r": (3.0, True),
        "command-r-plus": (5.0, True),
        "command-r-08-2024": (4.0, True),
        "command-r-plus-08-2024": (4.0, True),
    }
)
_FIXED = MappingProxyType(
    {
        "llama2-70b-4096": (0.8 / 0.64, True),
        "llama3-8b-8192": (2.0, True),
        "llama3-70b-8192": (0.79 / 0.59, True),
    }
)
_ERNIE_CHEAP = ("ERNIE-Speed-", "ERNIE-Lite-", "ERNIE-Character", "ERNIE-Functions")


def _other_rule(name: str) -> tuple[float, bool] | None:
    if name.startswith("mistral-"):
        return 3, False  # the reference locks this; mistral-medium is 5x, so we do not
    if name.startswith("command"):
        return _COMMAND_R.get(name, (4, False))
    if name.startswith(_ERNIE_CHEAP):
        return 2, True
    return _FIXED.get(name)
