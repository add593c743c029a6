"""Media pieces without an event loop: per-call image ratios, speech-to-text duration tokens
(mutagen on real WAV and MP3 headers), the usage a meter reads off JSON and SSE answers, the
multipart encoder, and the Imagen request/answer conversion."""

from __future__ import annotations

import base64
import io
import struct
import wave

import orjson
import pytest

from clawrouter.relay.media.meters import Meter, audio_seconds, duration_tokens, image_ratios
from clawrouter.relay.providers import imagen
from clawrouter.relay.providers.base import UpstreamError
from clawrouter.wire.multipart import FilePart, Form, encode
from tests.support.upstream_media import parse_multipart


@pytest.mark.parametrize(
    ("model", "size", "quality", "n", "expected"),
    [
        ("dall-e-3", "1024x1024", "standard", 1, {}),
        ("dall-e-3", "1024x1024", "hd", 1, {"quality": 2.0}),
        ("dall-e-3", "1792x1024", "hd", 3, {"size": 2.0, "quality": 1.5, "n": 3.0}),
        ("dall-e-3", "1024x1792", "standard", 1, {"size": 2.0}),
        ("dall-e-2", "256x256", "standard", 2, {"size": 0.4, "n": 2.0}),
        ("dall-e-2", "512x512", "hd", 1, {"size": 0.45}),  # hd is dall-e-3's only
        ("gpt-image-1", "1536x1024", "high", 2, {"n": 2.0}),  # no dall-e size table
        ("imagen-3.0-generate-002", "1792x1024", "", 1, {}),
    ],
)
def test_image_ratios(model: str, size: str, quality: str, n: int, expected: dict):
    assert image_ratios(model, size, quality, n) == expected


@pytest.mark.parametrize(
    ("seconds", "tokens"), [(0.2, 17), (1.0, 17), (59.01, 1000), (60, 1000), (61.2, 1033)]
)
def test_duration_tokens(seconds: float, tokens: int):
    assert duration_tokens(seconds) == tokens


def _wav(seconds: float) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(b"\x00\x00" * int(seconds * 16000))
    return buf.getvalue()


def _mp3(frames: int) -> bytes:
    """MPEG-1 Layer III, 128 kbit/s, 44.1 kHz frames (417 bytes, 1152 samples each)."""
    header = struct.pack(">I", 0xFFFB9000)
    return (header + b"\x00" * 413) * frames


def test_audio_seconds_reads_headers_not_sizes():
    assert audio_seconds(_wav(2.5), "a.wav") == pytest.approx(2.5)
    assert audio_seconds(_mp3(400), "a.mp3") == pytest.approx(400 * 1152 / 44100, rel=0.01)
    assert audio_seconds(b"not audio at all" * 100, "a.webm") is None
    assert audio_seconds(b"", "") is None


def test_meter_reads_json_usage_and_falls_back():
    m = Meter(fallback_prompt=1)
    m.start("application/json")
    body = orjson.dumps({"created": 1, "data": [], "usage": {
        "input_tokens": 30, "input_tokens_details": {"image_tokens": 20, "text_tokens": 10},
        "output_tokens": 100, "total_tokens": 130}})  # fmt: skip
    for i in range(0, len(body), 7):
        m.feed(body[i : i + 7])
    u = m.usage()
    assert (u.prompt_tokens, u.completion_tokens, u.image_tokens) == (30, 100, 20)
    empty = Meter(fallback_prompt=1033)
    empty.start("application/json")
    empty.feed(b'{"text": "hi", "usage": {"type": "duration", "seconds": 62}}')
    assert (empty.usage().prompt_tokens, empty.usage().estimated) == (1033, False)
    text = Meter(fallback_prompt=5, estimated=True)
    text.start("text/plain")
    text.feed(b"1\n00:00:00,000 --> 00:00:02,000\nhello\n")
    assert (text.usage().prompt_tokens, text.usage().estimated) == (5, True)


def test_meter_reads_the_last_sse_usage():
    m = Meter(fallback_prompt=1)
    m.start("text/event-stream; charset=utf-8")
    usage = {"input_tokens": 4, "output_tokens": 100, "total_tokens": 104,
             "input_tokens_details": {"image_tokens": 0, "text_tokens": 4}}  # fmt: skip
    events = [{"type": "image_generation.partial_image", "b64_json": "AAAA"},
              {"type": "image_generation.completed", "b64_json": "AAAA", "usage": usage}]  # fmt: skip
    raw = b"".join(
        f"event: {e['type']}\ndata: {orjson.dumps(e).decode()}\n\n".encode() for e in events
    )
    m.feed(raw[:50])
    m.feed(raw[50:])
    assert (m.usage().prompt_tokens, m.usage().completion_tokens, m.images) == (4, 100, 1)


def test_multipart_encoding_round_trips():
    form = Form((FilePart("image[]", 'we"ird.png', "image/png", b"\x89PNG\r\n--x\r\n"),))
    body, ctype = encode({"model": "m", "n": "2", "tags[]": ["a", "b"], "skip": None}, form, "B")
    assert ctype == "multipart/form-data; boundary=B"
    parts = [(p.name, p.filename, p.data) for p in parse_multipart(body, ctype)]
    assert parts == [("model", None, b"m"), ("n", None, b"2"), ("tags[]", None, b"a"),
                     ("tags[]", None, b"b"), ("image[]", "we%22ird.png", b"\x89PNG\r\n--x\r\n")]  # fmt: skip


def test_imagen_request_and_answer():
    body = imagen.predict_body({"prompt": "a fox", "n": 3, "size": "1024x1536"})
    assert body == {"instances": [{"prompt": "a fox"}],
                    "parameters": {"sampleCount": 3, "aspectRatio": "3:4"}}  # fmt: skip
    assert imagen.aspect_ratio("1792x1024") == "16:9" and imagen.aspect_ratio("auto") is None
    raw = orjson.dumps({"predictions": [{"bytesBase64Encoded": "QUJD", "mimeType": "image/png"}]})
    assert orjson.loads(imagen.openai_images(raw, 7)) == {
        "created": 7,
        "data": [{"b64_json": "QUJD"}],
    }
    assert base64.b64decode("QUJD") == b"ABC"
    with pytest.raises(UpstreamError) as info:
        imagen.openai_images(b'{"predictions": []}', 7)
    assert info.value.status == 502
