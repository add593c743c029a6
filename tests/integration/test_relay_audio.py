"""/v1/audio/speech, /transcriptions and /translations through the relay, driven by the
official openai SDK in strict mode: speech bytes streamed to the client as they arrive (content
type kept) and billed by the input's tokens; speech-to-text multipart rebuilt for the upstream,
every response format passed through, billed ceil(seconds)/60 × 1000 prompt tokens from the
duration mutagen reads; failover before the first byte; limits and bad forms → 400."""

from __future__ import annotations

import asyncio
import io
import math
import wave
from fractions import Fraction

import httpx2  # the openai SDK's HTTP client
import openai
import orjson
import pytest

from tests.support.gateway import RelayEnv
from tests.support.upstream_media import (
    SPEECH_CHUNK,
    SPEECH_CHUNKS,
    TRANSCRIPT,
    TTS_AUDIO_TOKENS,
    TTS_PCM,
    parse_multipart,
)

TTS_RATIO = Fraction(15, 2)  # tts-1: $15 / 1M → ratio 7.5
WHISPER_RATIO = Fraction(3)  # whisper-1: $6 / 1M → ratio 3


def rounded(x: Fraction) -> int:
    return int(x + Fraction(1, 2))


def wav(seconds: float, rate: int = 8000) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(1)
        w.setframerate(rate)
        w.writeframes(b"\x80" * int(seconds * rate))
    return buf.getvalue()


@pytest.fixture
async def audio(relay_env: RelayEnv) -> RelayEnv:
    relay_env.channel_id = await relay_env.gw.add_channel(
        relay_env.up.base_url, key="sk-audio", priority=5,
        models="tts-1,whisper-1,gpt-4o-mini-tts",
        model_mapping='{"tts-1": "tts-1-slow-150"}',
    )  # fmt: skip
    return relay_env


async def test_speech_bytes_stream_through_as_they_arrive(audio: RelayEnv):
    client = audio.openai()
    text = "Hello there, world of speech"
    chunks: list[bytes] = []
    async with client.audio.speech.with_streaming_response.create(
        model="tts-1", voice="alloy", input=text, response_format="wav"
    ) as resp:
        assert resp.headers["content-type"] == "audio/wav"
        async for chunk in resp.iter_bytes():
            if not chunks:
                # the first bytes are here while the upstream is still sending (150 ms apart)
                assert not audio.up.last.completed
            chunks.append(chunk)
    body = b"".join(chunks)
    assert body == b"".join(bytes([i + 1]) * SPEECH_CHUNK for i in range(SPEECH_CHUNKS))
    up = audio.up.last
    assert up.path == "/v1/audio/speech" and up.api_key == "sk-audio"
    assert up.json == {"model": "tts-1-slow-150", "voice": "alloy", "input": text,
                       "response_format": "wav"}  # fmt: skip
    (log,) = await audio.logs()
    tokens = math.ceil(len(text) / 4)  # the gateway's estimate: ~4 characters per token
    assert (log["prompt_tokens"], log["completion_tokens"]) == (tokens, 0)
    assert log["quota"] == rounded(tokens * TTS_RATIO) == 53
    assert orjson.loads(log["other"])["admin_info"]["local_count_tokens"] is True


async def test_speech_sse_usage_is_billed_per_call_model(audio: RelayEnv):
    client = audio.openai()
    async with client.audio.speech.with_streaming_response.create(
        model="gpt-4o-mini-tts", voice="alloy", input="one two three", stream_format="sse"
    ) as resp:
        assert resp.headers["content-type"].startswith("text/event-stream")
        raw = await resp.read()
    assert b"speech.audio.done" in raw
    (log,) = await audio.logs()
    assert log["quota"] == rounded(Fraction("0.015") * 500_000) == 7500  # ModelPrice per call
    assert (log["prompt_tokens"], log["completion_tokens"]) == (3, 200)  # the SSE usage
    assert log["is_stream"] == 1


async def test_speech_fails_over_before_the_first_byte(audio: RelayEnv, relay_env: RelayEnv):
    root = await relay_env.gw.login("root", "rootpass123")
    await root.json("PUT", "/api/option/", json={"key": "RetryTimes", "value": "2"})
    bad = await audio.gw.add_channel(
        audio.up.base_url, key="sk-fail-503-tts", priority=9, models="tts-1"
    )
    async with audio.openai().audio.speech.with_streaming_response.create(
        model="tts-1", voice="alloy", input="hi"
    ) as resp:
        assert resp.headers["content-type"] == "audio/mpeg"
        assert len(await resp.read()) == SPEECH_CHUNK * SPEECH_CHUNKS
    assert [r.api_key for r in audio.up.requests] == ["sk-fail-503-tts", "sk-audio"]
    (log,) = await audio.logs()
    assert orjson.loads(log["other"])["admin_info"]["use_channel"] == [
        str(bad), str(audio.channel_id),
    ]  # fmt: skip


async def test_transcription_multipart_and_duration_billing(audio: RelayEnv):
    sound = wav(61.2)
    reply = await audio.openai().audio.transcriptions.create(
        model="whisper-1", file=("talk.wav", sound, "audio/wav"), language="en"
    )
    assert reply.text == TRANSCRIPT
    up = audio.up.last
    assert up.path == "/v1/audio/transcriptions" and up.api_key == "sk-audio"
    parts = parse_multipart(up.body, up.headers["Content-Type"])
    files = [(p.name, p.filename, p.content_type, p.data) for p in parts if p.filename]
    assert files == [("file", "talk.wav", "audio/wav", sound)]
    fields = {p.name: p.data for p in parts if p.filename is None}
    assert fields == {"model": b"whisper-1", "language": b"en"}
    (log,) = await audio.logs()
    tokens = round(62 / 60 * 1000)  # ceil(61.2 s) / 60 × 1000
    assert (log["prompt_tokens"], log["completion_tokens"]) == (tokens, 0) == (1033, 0)
    assert log["quota"] == rounded(tokens * WHISPER_RATIO) == 3099
    assert log["content"] == "audio 61.20 s"


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("text", TRANSCRIPT + "\n"),
        ("srt", f"1\n00:00:00,000 --> 00:00:02,000\n{TRANSCRIPT}\n\n"),
        ("vtt", f"WEBVTT\n\n00:00:00.000 --> 00:00:02.000\n{TRANSCRIPT}\n\n"),
    ],
)
async def test_transcription_text_formats_pass_through(audio: RelayEnv, fmt: str, expected: str):
    reply = await audio.openai().audio.transcriptions.create(
        model="whisper-1", file=("a.wav", wav(1.5), "audio/wav"), response_format=fmt
    )
    assert reply == expected
    (log,) = await audio.logs()
    assert log["prompt_tokens"] == round(2 / 60 * 1000) == 33


async def test_verbose_json_and_translation(audio: RelayEnv):
    client = audio.openai()
    verbose = await client.audio.transcriptions.create(
        model="whisper-1", file=("a.wav", wav(3), "audio/wav"), response_format="verbose_json"
    )
    assert verbose.text == TRANSCRIPT and verbose.duration == 62.0
    with pytest.warns(DeprecationWarning):  # openai 3.x marks translations deprecated
        translated = await client.audio.translations.create(
            model="whisper-1", file=("b.wav", wav(120), "audio/wav")
        )
    assert translated.text == TRANSCRIPT
    assert audio.up.last.path == "/v1/audio/translations"
    logs = await audio.logs()
    assert [log["prompt_tokens"] for log in logs] == [50, 2000]
    assert [log["quota"] for log in logs] == [150, 6000]


async def test_audio_limits_and_bad_forms_are_400(audio: RelayEnv):
    client = audio.openai()
    huge = b"\x00" * (25 * 1024 * 1024 + 1)
    with pytest.raises(openai.BadRequestError) as info:
        await client.audio.transcriptions.create(model="whisper-1", file=("x.mp3", huge))
    body = info.value.body
    assert isinstance(body, dict) and body["code"] == "file_too_large"
    assert body["param"] == "file" and "25 MB" in body["message"]
    with pytest.raises(openai.BadRequestError) as info:
        await client.audio.transcriptions.create(
            model="whisper-1",
            file=("a.wav", wav(1)),
            response_format="mp3",  # type: ignore[arg-type]
        )
    assert info.value.body["param"] == "response_format"  # type: ignore[index]
    status, err, _ = await audio.post("/v1/audio/speech", {"model": "tts-1", "voice": "alloy"})
    assert status == 400 and err["error"]["param"] == "input"
    status, err, _ = await audio.post(
        "/v1/audio/speech", {"model": "tts-1", "voice": "alloy", "input": "x" * 4097}
    )
    assert status == 400 and "4096" in err["error"]["message"]
    assert audio.up.requests == [] and await audio.logs() == []


async def test_client_hang_up_mid_speech_is_billed(audio: RelayEnv):
    client = audio.openai()
    async with client.audio.speech.with_streaming_response.create(
        model="tts-1", voice="alloy", input="four words right here"
    ) as resp:
        async for _ in resp.iter_bytes():
            break
    await audio.up.wait_aborted()
    for _ in range(100):
        if await audio.logs():
            break
        await asyncio.sleep(0.02)
    (log,) = await audio.logs()
    assert log["prompt_tokens"] == math.ceil(len("four words right here") / 4)
    assert orjson.loads(log["other"])["stream_status"]["end_reason"] in ("client_gone", "done")


async def test_gemini_tts_through_generate_content(relay_env: RelayEnv):
    gw, up = relay_env.gw, relay_env.up
    root = await gw.login("root", "rootpass123")
    model = "gemini-2.5-flash-preview-tts"
    for key, value in (("ModelRatio", {model: 0.25}), ("CompletionRatio", {model: 20})):
        await root.json(
            "PUT", "/api/option/", json={"key": key, "value": orjson.dumps(value).decode()}
        )
    await gw.add_channel(up.base_url, type=24, key="gemini-key", models=model)
    async with relay_env.openai().audio.speech.with_streaming_response.create(
        model=model, voice="Puck", input="Say hello warmly", response_format="wav"
    ) as resp:
        assert resp.headers["content-type"] == "audio/wav"
        audio = await resp.read()
    with wave.open(io.BytesIO(audio)) as w:
        assert (w.getframerate(), w.getsampwidth(), w.getnchannels()) == (24000, 2, 1)
        assert w.readframes(w.getnframes()) == TTS_PCM
    call = up.last
    assert call.path == f"/v1beta/models/{model}:generateContent"
    assert call.headers["x-goog-api-key"] == "gemini-key"
    assert call.json == {
        "contents": [{"role": "user", "parts": [{"text": "Say hello warmly"}]}],
        "generationConfig": {
            "responseModalities": ["AUDIO"],
            "speechConfig": {"voiceConfig": {"prebuiltVoiceConfig": {"voiceName": "Puck"}}},
        },
    }
    (log,) = await relay_env.logs()
    assert (log["prompt_tokens"], log["completion_tokens"]) == (3, TTS_AUDIO_TOKENS)
    # billed by the audio tokens the answer reports: (3 + 120 × 20) × 0.25
    assert log["quota"] == rounded((3 + TTS_AUDIO_TOKENS * 20) * Fraction(1, 4)) == 601


async def test_token_usage_transcription_json_and_stream(audio: RelayEnv):
    root = await audio.gw.login("root", "rootpass123")
    model = "gpt-4o-transcribe"
    for key, value in (("ModelRatio", {model: 1.25}), ("CompletionRatio", {model: 4})):
        await root.json(
            "PUT", "/api/option/", json={"key": key, "value": orjson.dumps(value).decode()}
        )
    await audio.gw.add_channel(audio.up.base_url, key="sk-4o", priority=7, models=model)
    client = audio.openai()
    reply = await client.audio.transcriptions.create(
        model=model, file=("a.wav", wav(90), "audio/wav")
    )
    assert reply.text == TRANSCRIPT and reply.usage is not None
    stream = await client.audio.transcriptions.create(
        model=model, file=("a.wav", wav(90), "audio/wav"), stream=True
    )
    events = [event async for event in stream]
    assert [e.type for e in events][-1] == "transcript.text.done"
    assert (
        "".join(e.delta for e in events if e.type == "transcript.text.delta").strip() == TRANSCRIPT
    )
    fields = {p.name: p.data for p in parse_multipart(audio.up.last.body,
              audio.up.last.headers["Content-Type"]) if p.filename is None}  # fmt: skip
    assert fields["stream"] == b"true"
    logs = await audio.logs()
    # the upstream's token usage wins over the duration (90 s would be 1500 tokens)
    assert [(log["prompt_tokens"], log["completion_tokens"]) for log in logs] == [(50, 9)] * 2
    assert (
        [log["quota"] for log in logs] == [rounded((50 + 9 * 4) * Fraction(5, 4))] * 2 == [108] * 2
    )
    assert [log["is_stream"] for log in logs] == [0, 1]


async def test_azure_deployment_urls_for_speech_and_transcription(relay_env: RelayEnv):
    gw, up = relay_env.gw, relay_env.up
    await gw.add_channel(
        up.base_url, type=3, key="az-key", models="tts-1,whisper-1", other="2024-10-21"
    )
    client = relay_env.openai()
    async with client.audio.speech.with_streaming_response.create(
        model="tts-1", voice="nova", input="hello"
    ) as resp:
        assert len(await resp.read()) == SPEECH_CHUNK * SPEECH_CHUNKS
    speech = up.last
    assert speech.path == "/openai/deployments/tts-1/audio/speech"
    assert speech.query == {"api-version": "2024-10-21"} and speech.headers["api-key"] == "az-key"
    sound = wav(5)
    reply = await client.audio.transcriptions.create(model="whisper-1", file=("n.wav", sound))
    assert reply.text == TRANSCRIPT
    stt = up.last
    assert stt.path == "/openai/deployments/whisper-1/audio/transcriptions"
    (part,) = [p for p in parse_multipart(stt.body, stt.headers["Content-Type"]) if p.filename]
    assert (part.name, part.filename, part.data) == ("file", "n.wav", sound)
    assert [log["prompt_tokens"] for log in await relay_env.logs()] == [2, round(5 / 60 * 1000)]


async def test_speech_cut_mid_audio_ends_the_answer_and_bills(audio: RelayEnv):
    await audio.gw.add_channel(
        audio.up.base_url, key="sk-cut", priority=9, models="tts-1",
        model_mapping='{"tts-1": "tts-1-cut"}',
    )  # fmt: skip
    got = b""
    # the body ends without its last chunk, so the client knows the audio is cut short
    with pytest.raises(httpx2.RemoteProtocolError, match="incomplete chunked read"):
        async with audio.openai().audio.speech.with_streaming_response.create(
            model="tts-1", voice="alloy", input="cut me off"
        ) as resp:
            async for chunk in resp.iter_bytes():
                got += chunk
    half = SPEECH_CHUNKS // 2
    assert got == b"".join(bytes([i + 1]) * SPEECH_CHUNK for i in range(half))
    assert [r.api_key for r in audio.up.requests] == ["sk-cut"]  # no failover after bytes
    (log,) = await audio.logs()
    assert log["prompt_tokens"] == math.ceil(len("cut me off") / 4)
    status = orjson.loads(log["other"])["stream_status"]
    assert status == {"status": "error", "end_reason": "upstream_cut"}


async def test_a_file_part_without_filename_is_still_a_file(audio: RelayEnv):
    sound = wav(2)
    body = (
        b'--b0\r\nContent-Disposition: form-data; name="model"\r\n\r\nwhisper-1\r\n'
        b'--b0\r\nContent-Disposition: form-data; name="file"\r\nContent-Type: audio/wav\r\n\r\n'
        + sound
        + b"\r\n--b0--\r\n"
    )
    ctype = {"Content-Type": "multipart/form-data; boundary=b0"}
    status, reply, _ = await audio.post("/v1/audio/transcriptions", body, **ctype)
    assert status == 200 and reply["text"] == TRANSCRIPT
    up = audio.up.last
    (part,) = [p for p in parse_multipart(up.body, up.headers["Content-Type"]) if p.filename]
    assert (part.name, part.filename, part.content_type, part.data) == (
        "file", "file", "audio/wav", sound,
    )  # fmt: skip
