"""Fake images and audio upstreams in the providers' wire formats: OpenAI (also Azure
deployments and compatible vendors) /images/generations, /images/edits (multipart),
/audio/speech (audio bytes in slow chunks, or speech.audio.* SSE), /audio/transcriptions and
/translations (multipart; json, text, srt, vtt, verbose_json); Gemini Imagen `:predict` and
Gemini TTS (`:generateContent` asking for AUDIO: inline PCM, TTS_AUDIO_TOKENS audio tokens).

Usage: gpt-image-* answers report `usage` (input = words of the prompt + 10 per input image,
image tokens = 10 per input image, output = 100 per image); dall-e answers report none.
gpt-4o-transcribe reports token usage (input 50 audio tokens, output = words of the text),
whisper-1 reports `{"type": "duration"}`. Speech audio is SPEECH_CHUNKS chunks of
SPEECH_CHUNK bytes, `slow-<ms>` apart (`cut`: the connection drops after half). The last multipart request is in `rec.parts`."""

from __future__ import annotations

import base64
import re
import time
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tests.support.upstream_core import SSE_HEADERS, Call, Frame, Route, cut_connection
from tests.support.upstream_gemini import error_response as gemini_error
from tests.support.upstream_openai import error_response as openai_error

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
PNG_B64 = base64.b64encode(PNG).decode()
SPEECH_CHUNK = 4096
SPEECH_CHUNKS = 4
TRANSCRIPT = "The quick brown fox jumps over the lazy dog."
AUDIO_TYPES = {"mp3": "audio/mpeg", "opus": "audio/opus", "aac": "audio/aac", "flac": "audio/flac",
               "wav": "audio/wav", "pcm": "audio/pcm"}  # fmt: skip


@dataclass(frozen=True)
class Part:
    name: str
    filename: str | None
    content_type: str | None
    data: bytes


def parse_multipart(body: bytes, content_type: str) -> list[Part]:
    """A strict multipart/form-data parser for checking what the gateway sent."""
    found = re.search(r"boundary=\"?([^\";]+)\"?", content_type)
    assert found, f"no boundary in {content_type!r}"
    dash = b"--" + found.group(1).encode()
    assert body.startswith(dash + b"\r\n") and body.endswith(dash + b"--\r\n"), "bad framing"
    parts = []
    for chunk in body[len(dash) + 2 : -(len(dash) + 4)].split(b"\r\n" + dash + b"\r\n"):
        head, _, data = chunk.partition(b"\r\n\r\n")
        if chunk.endswith(b"\r\n"):
            data = data[:-2]
        headers = dict(line.split(": ", 1) for line in head.decode().split("\r\n") if ": " in line)
        disp = headers.get("Content-Disposition", "")
        name = re.search(r' name="([^"]*)"', disp)
        filename = re.search(r' filename="([^"]*)"', disp)
        parts.append(
            Part(
                name.group(1) if name else "",
                filename.group(1) if filename else None,
                headers.get("Content-Type"),
                data,
            )
        )
    return parts


def _fields(call: Call) -> dict[str, Any]:
    if call.rec.json is not None:
        return call.body
    parts = parse_multipart(call.rec.body, call.rec.headers.get("Content-Type", ""))
    call.rec.parts = parts  # type: ignore[attr-defined]
    return {p.name: p.data.decode() for p in parts if p.filename is None}


def _model(call: Call, fields: dict[str, Any]) -> str:
    return str(fields.get("model") or call.rec.model or "")


def _image_usage(prompt: str, images_in: int, n: int) -> dict[str, Any]:
    text = len(prompt.split())
    return {
        "input_tokens": text + 10 * images_in,
        "input_tokens_details": {"image_tokens": 10 * images_in, "text_tokens": text},
        "output_tokens": 100 * n,
        "total_tokens": text + 10 * images_in + 100 * n,
    }


async def images(call: Call) -> web.StreamResponse:
    fields = _fields(call)
    model, edit = _model(call, fields), call.rec.json is None
    n = int(fields.get("n") or 1)
    images_in = len([p for p in getattr(call.rec, "parts", []) if p.name.startswith("image")])
    gpt_image = model.startswith("gpt-image")
    usage = _image_usage(str(fields.get("prompt", "")), images_in, n) if gpt_image else None
    if str(fields.get("stream", "")).lower() == "true":
        return await _image_stream(call, usage or {}, n, edit)
    b64 = gpt_image or fields.get("response_format") == "b64_json"
    data = [
        {"b64_json": PNG_B64} if b64 else {"url": f"https://images.example/{i}.png"}
        for i in range(n)
    ]
    payload: dict[str, Any] = {"created": int(time.time()), "data": data}
    if usage is not None:
        payload.update(background="opaque", output_format="png", quality="medium",
                       size="1024x1024", usage=usage)  # fmt: skip
    return call.json_response(payload)


async def _image_stream(
    call: Call, usage: dict[str, Any], n: int, edit: bool
) -> web.StreamResponse:
    kind = "image_edit" if edit else "image_generation"
    common = {"b64_json": PNG_B64, "background": "opaque", "created_at": int(time.time()),
              "output_format": "png", "quality": "medium", "size": "1024x1024"}  # fmt: skip
    resp = web.StreamResponse(headers=SSE_HEADERS)
    await resp.prepare(call.request)
    for _ in range(n):
        partial = {**common, "type": f"{kind}.partial_image", "partial_image_index": 0}
        await resp.write(Frame(partial, event=partial["type"]).encode())
        await call.up.sleep(call.markers.slow_ms)
        done = {**common, "type": f"{kind}.completed", "usage": usage}
        await resp.write(Frame(done, event=done["type"]).encode())
    call.rec.completed = True
    await resp.write_eof()
    return resp


async def speech(call: Call) -> web.StreamResponse:
    body = call.body
    if body.get("stream_format") == "sse":
        resp = web.StreamResponse(headers=SSE_HEADERS)
        await resp.prepare(call.request)
        for i in range(SPEECH_CHUNKS):
            delta = {
                "type": "speech.audio.delta",
                "audio": base64.b64encode(bytes([i]) * 64).decode(),
            }
            await resp.write(Frame(delta, event=delta["type"]).encode())
        words = len(str(body.get("input", "")).split())
        usage = {"input_tokens": words, "output_tokens": 200, "total_tokens": words + 200}
        done = {"type": "speech.audio.done", "usage": usage}
        await resp.write(Frame(done, event=done["type"]).encode())
        call.rec.completed = True
        await resp.write_eof()
        return resp
    ctype = AUDIO_TYPES.get(str(body.get("response_format") or "mp3"), "audio/mpeg")
    resp = web.StreamResponse(headers={"Content-Type": ctype})
    await resp.prepare(call.request)
    for i in range(SPEECH_CHUNKS):
        if i:
            await call.up.sleep(call.markers.slow_ms)
        if call.markers.cut and i == SPEECH_CHUNKS // 2:
            cut_connection(call)  # `cut`: the connection drops halfway through the audio
            return resp
        await resp.write(bytes([i + 1]) * SPEECH_CHUNK)
    call.rec.completed = True
    await resp.write_eof()
    return resp


TRANSCRIBE_USAGE = {"type": "tokens", "input_tokens": 50, "output_tokens": 9, "total_tokens": 59,
                    "input_token_details": {"audio_tokens": 50, "text_tokens": 0}}  # fmt: skip


async def _transcript_stream(call: Call) -> web.StreamResponse:
    resp = web.StreamResponse(headers=SSE_HEADERS)
    await resp.prepare(call.request)
    for word in TRANSCRIPT.split():
        delta = {"type": "transcript.text.delta", "delta": word + " "}
        await resp.write(Frame(delta).encode())
    done = {"type": "transcript.text.done", "text": TRANSCRIPT, "usage": TRANSCRIBE_USAGE}
    await resp.write(Frame(done).encode())
    call.rec.completed = True
    await resp.write_eof()
    return resp


def _srt(text: str) -> str:
    return f"1\n00:00:00,000 --> 00:00:02,000\n{text}\n\n"


def _vtt(text: str) -> str:
    return f"WEBVTT\n\n00:00:00.000 --> 00:00:02.000\n{text}\n\n"


async def speech_to_text(call: Call) -> web.StreamResponse:
    fields = _fields(call)
    model = _model(call, fields)
    fmt = fields.get("response_format") or "json"
    call.rec.completed = True
    if fmt == "text":
        return web.Response(text=TRANSCRIPT + "\n", content_type="text/plain")
    if fmt == "srt":
        return web.Response(text=_srt(TRANSCRIPT), content_type="text/plain")
    if fmt == "vtt":
        return web.Response(text=_vtt(TRANSCRIPT), content_type="text/plain")
    if fields.get("stream") == "true":
        return await _transcript_stream(call)
    if model.startswith("gpt-4o"):
        usage: dict[str, Any] = TRANSCRIBE_USAGE
    else:
        usage = {"type": "duration", "seconds": 62}
    payload: dict[str, Any] = {"text": TRANSCRIPT}
    if fmt == "verbose_json":
        segment = {"id": 0, "avg_logprob": -0.2, "compression_ratio": 1.1, "end": 2.0,
                   "no_speech_prob": 0.01, "seek": 0, "start": 0.0, "temperature": 0.0,
                   "text": TRANSCRIPT, "tokens": [1, 2, 3]}  # fmt: skip
        payload = {"task": "transcribe", "language": "english", "duration": 62.0,
                   "text": TRANSCRIPT, "segments": [segment]}  # fmt: skip
    if "translations" not in call.rec.path:
        payload["usage"] = usage
    return call.json_response(payload)


TTS_PCM = b"\x01\x00\xff\x7f" * 2400  # 0.1 s of 24 kHz 16-bit mono
TTS_AUDIO_TOKENS = 120


async def gemini_tts(call: Call) -> web.StreamResponse:
    """generateContent with responseModalities AUDIO: inline PCM and audio-token usage."""
    text = " ".join(p.get("text", "") for c in call.body["contents"] for p in c.get("parts", []))
    words = len(text.split())
    inline = {"mimeType": "audio/L16;codec=pcm;rate=24000",
              "data": base64.b64encode(TTS_PCM).decode()}  # fmt: skip
    usage = {"promptTokenCount": words, "candidatesTokenCount": TTS_AUDIO_TOKENS,
             "totalTokenCount": words + TTS_AUDIO_TOKENS,
             "promptTokensDetails": [{"modality": "TEXT", "tokenCount": words}],
             "candidatesTokensDetails": [{"modality": "AUDIO", "tokenCount": TTS_AUDIO_TOKENS}]}  # fmt: skip
    return call.json_response({
        "candidates": [{"content": {"role": "model", "parts": [{"inlineData": inline}]},
                        "finishReason": "STOP", "index": 0}],
        "usageMetadata": usage, "modelVersion": call.params["model"], "responseId": "tts-1",
    })  # fmt: skip


def wants_audio(rec: Any) -> bool:
    config = (rec.json or {}).get("generationConfig") or {}
    return "AUDIO" in (config.get("responseModalities") or [])


async def predict(call: Call) -> web.StreamResponse:
    params = call.body.get("parameters") or {}
    count = int(params.get("sampleCount") or 1)
    preds = [{"bytesBase64Encoded": PNG_B64, "mimeType": "image/png"} for _ in range(count)]
    return call.json_response({"predictions": preds})


ROUTES = [
    Route("POST", re.compile(r"/images/(generations|edits)$"), images, openai_error),
    Route("POST", re.compile(r"/audio/speech$"), speech, openai_error),
    Route(
        "POST", re.compile(r"/audio/(transcriptions|translations)$"), speech_to_text, openai_error
    ),
    Route("POST", re.compile(r"/models/(?P<model>[^/:]+):predict$"), predict, gemini_error),
    Route(
        "POST",
        re.compile(r"/models/(?P<model>[^/:]+):generateContent$"),
        gemini_tts,
        gemini_error,
        wants_audio,
    ),
]
