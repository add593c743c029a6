"""Gemini text to speech (`gemini-*-tts` models) for OpenAI speech clients: /v1/audio/speech
becomes `:generateContent` with `responseModalities: ["AUDIO"]` and the voice as a prebuilt
voice; the answer's inline PCM (audio/L16, 24 kHz mono) goes back as a WAV file (`pcm` asked:
the raw samples), with the answer's usageMetadata (the audio tokens are its candidates
tokens) for billing. Pure."""

from __future__ import annotations

import base64
import binascii
import io
import re
import wave
from typing import Any

import orjson

from clawrouter.relay.providers.base import UpstreamError
from clawrouter.wire import usage as usage_mod
from clawrouter.wire.usage import Usage

DEFAULT_VOICE = "Kore"
DEFAULT_RATE = 24000
_RATE = re.compile(r"rate=(\d+)")


def speech_body(body: dict[str, Any]) -> dict[str, Any]:
    voice = body.get("voice")
    name = voice if isinstance(voice, str) and voice else DEFAULT_VOICE
    text = str(body.get("input") or "")
    instructions = body.get("instructions")
    if isinstance(instructions, str) and instructions:
        text = f"{instructions}: {text}"
    return {
        "contents": [{"role": "user", "parts": [{"text": text}]}],
        "generationConfig": {
            "responseModalities": ["AUDIO"],
            "speechConfig": {"voiceConfig": {"prebuiltVoiceConfig": {"voiceName": name}}},
        },
    }


def _bad(message: str) -> UpstreamError:
    return UpstreamError(502, message, code="bad_response_body")


def _pcm(data: Any) -> tuple[bytes, int]:
    """(PCM bytes, sample rate) from the answer's inlineData parts."""
    cands = data.get("candidates") if isinstance(data, dict) else None
    parts = (((cands or [{}])[0] or {}).get("content") or {}).get("parts") if cands else None
    chunks, rate = [], DEFAULT_RATE
    for part in parts if isinstance(parts, list) else []:
        inline = part.get("inlineData") if isinstance(part, dict) else None
        if not isinstance(inline, dict) or not isinstance(inline.get("data"), str):
            continue
        found = _RATE.search(str(inline.get("mimeType") or ""))
        rate = int(found.group(1)) if found else rate
        try:
            chunks.append(base64.b64decode(inline["data"], validate=True))
        except (binascii.Error, ValueError):
            raise _bad("upstream returned undecodable audio") from None
    if not chunks:
        raise _bad("upstream returned no audio")
    return b"".join(chunks), rate


def to_wav(pcm: bytes, rate: int) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm)
    return buf.getvalue()


def speech_answer(raw: bytes, request: dict[str, Any]) -> tuple[bytes, str, Usage | None]:
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise _bad("upstream returned an invalid JSON body") from None
    pcm, rate = _pcm(data)
    used = usage_mod.from_gemini(data.get("usageMetadata"))
    if request.get("response_format") == "pcm":
        return pcm, "audio/pcm", used
    return to_wav(pcm, rate), "audio/wav", used
