"""Metering for media answers (images, speech, transcriptions): what a passed-through answer
reported as usage (a JSON body's `usage`, or the last SSE event carrying one), with the
reference's fallbacks; the per-call image ratios (n, size, quality); and speech-to-text's
duration-based prompt tokens, the duration read from the audio file with mutagen."""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from typing import Any

import mutagen
import orjson

from clawrouter.wire.sse import SSEDecoder
from clawrouter.wire.usage import Usage

MAX_JSON_BYTES = 64 << 20  # a JSON answer is parsed for its usage up to this size
STT_TOKENS_PER_MINUTE = 1000
_DALL_E_SIZES = (("256", 0.4), ("512", 0.45), ("1792", 2.0))


def image_ratios(model: str, size: str, quality: str, n: int) -> dict[str, float]:
    """The reference's other-ratios for a per-call image price: dall-e sizes (a size naming
    256 → 0.4, 512 → 0.45, 1792 → 2), dall-e-3 `hd` (×2, ×1.5 at 1792) and n."""
    ratios: dict[str, float] = {}
    if model.startswith("dall-e"):
        for part, ratio in _DALL_E_SIZES:
            if part in size:
                ratios["size"] = ratio
                break
    if model.startswith("dall-e-3") and quality == "hd":
        ratios["quality"] = 1.5 if "1792" in size else 2.0
    if n != 1:
        ratios["n"] = float(n)
    return ratios


def audio_seconds(data: bytes, filename: str = "") -> float | None:
    """The duration of an audio file (mp3, m4a/mp4, wav, flac, ogg, ...), or None when the
    format is not one mutagen reads."""
    try:
        audio = mutagen.File(io.BytesIO(data), filename=filename or None)  # type: ignore[attr-defined]
    except (mutagen.MutagenError, ValueError, EOFError, OverflowError):
        return None
    length = getattr(getattr(audio, "info", None), "length", None)
    if not isinstance(length, int | float) or not math.isfinite(length) or length <= 0:
        return None
    return float(length)


def duration_tokens(seconds: float) -> int:
    """Speech-to-text prompt tokens: ceil(seconds) / 60 × 1000, rounded (as new-api)."""
    return round(math.ceil(seconds) / 60 * STT_TOKENS_PER_MINUTE)


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def media_usage(u: Any) -> Usage | None:
    """An images/audio `usage` object: input/output tokens (or prompt/completion tokens),
    image tokens from input_tokens_details. None when it reports no tokens (whisper's
    `{"type": "duration", "seconds": n}`)."""
    if not isinstance(u, dict):
        return None
    prompt = _int(u.get("input_tokens")) or _int(u.get("prompt_tokens"))
    completion = _int(u.get("output_tokens")) or _int(u.get("completion_tokens"))
    if prompt == 0 and completion == 0:
        return None
    details = u.get("input_tokens_details") or u.get("prompt_tokens_details") or {}
    image = _int(details.get("image_tokens")) if isinstance(details, dict) else 0
    audio = _int(details.get("audio_tokens")) if isinstance(details, dict) else 0
    return Usage(
        prompt_tokens=prompt, completion_tokens=completion, image_tokens=image, audio_tokens=audio
    )


@dataclass(slots=True)
class Meter:
    """Watches a media answer go by. `fallback_prompt` is billed when the answer reports no
    usage (images: 1, the reference's floor; speech: the input's estimated tokens; speech to
    text: the duration tokens); `estimated` marks that fallback as a local count."""

    fallback_prompt: int
    estimated: bool = False
    notes: list[str] = field(default_factory=list)
    sse: bool = False
    images: int = 0  # image_generation.completed / image_edit.completed events seen
    reported: Usage | None = None  # usage a converted answer carried (Gemini TTS)
    _buf: list[bytes] = field(default_factory=list)
    _size: int = 0
    _decoder: SSEDecoder | None = None
    _last: Any = None

    def start(self, content_type: str) -> None:
        self.sse = content_type.startswith("text/event-stream")
        if self.sse:
            self._decoder = SSEDecoder()

    def feed(self, chunk: bytes) -> None:
        if self._decoder is not None:
            for ev in self._decoder.feed(chunk):
                self._event(ev.data)
            return
        self._size += len(chunk)
        if self._size <= MAX_JSON_BYTES:
            self._buf.append(chunk)

    def _event(self, data: str) -> None:
        if '"usage"' not in data and "completed" not in data:
            return
        try:
            obj = orjson.loads(data)
        except orjson.JSONDecodeError:
            return
        if not isinstance(obj, dict):
            return
        if str(obj.get("type", "")).endswith(".completed"):
            self.images += 1
        if isinstance(obj.get("usage"), dict):
            self._last = obj["usage"]

    def usage(self) -> Usage:
        if self.reported is not None:
            return self.reported
        if self._decoder is not None:
            for ev in self._decoder.finish():
                self._event(ev.data)
        elif self._buf and self._size <= MAX_JSON_BYTES:
            raw = b"".join(self._buf)
            self._buf.clear()
            if raw[:1] == b"{":
                try:
                    data = orjson.loads(raw)
                except orjson.JSONDecodeError:
                    data = None
                if isinstance(data, dict):
                    self._last = data.get("usage")
        found = media_usage(self._last)
        if found is not None:
            return found
        return Usage(prompt_tokens=self.fallback_prompt, estimated=self.estimated)
