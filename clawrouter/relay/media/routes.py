"""Images and audio through the relay: /v1/images/generations and /edits, /v1/audio/speech,
/transcriptions and /translations. Thin handlers: authenticate, read the JSON body or the
multipart form (files kept apart, size limits), check the fields the gateway reads, set the
job's meter and per-call ratios, then the usual pipeline (routing, failover, settlement).
The answers pass through as bytes (relay.answers.binary)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from clawrouter.errors import BadRequestError
from clawrouter.http.multipart import read_form
from clawrouter.http.request import client_ip
from clawrouter.keys import CONFIG, RELAY
from clawrouter.relay import estimate
from clawrouter.relay.job import Job, JobSetup
from clawrouter.relay.keyauth import RelayCaller, authenticate_key
from clawrouter.relay.media.meters import Meter, audio_seconds, duration_tokens, image_ratios
from clawrouter.relay.pipeline import parse_body, run_job, start_job
from clawrouter.wire.formats import Endpoint, Format
from clawrouter.wire.multipart import Form

MB = 1 << 20
IMAGE_LIMIT = 50 * MB  # OpenAI: each image for gpt-image models under 50 MB
DALL_E_2_LIMIT = 4 * MB  # OpenAI: dall-e-2 edits take a square PNG under 4 MB (image and mask)
AUDIO_LIMIT = 25 * MB  # OpenAI: audio files up to 25 MB
MAX_N = 10
IMAGE_OUTPUT_RESERVE = 1584  # output tokens reserved for a token-priced image (new-api)
SPEECH_MAX_CHARS = 4096
STT_FORMATS = frozenset({"json", "text", "srt", "verbose_json", "vtt", "diarized_json"})
IMAGE_FORMATS = frozenset({"url", "b64_json"})
SPEECH_STREAM_FORMATS = frozenset({"audio", "sse"})
UNREADABLE_AUDIO_SECONDS = 60  # billed when mutagen cannot read the duration (e.g. webm)
_EDIT_FILES = ("image", "image[]")


def _caller(request: web.Request) -> RelayCaller:
    state = request.app[RELAY]
    ip = client_ip(request, request.app[CONFIG].server.trust_forwarded_for)
    return authenticate_key(state, request, ip)


def _text(body: dict[str, Any], name: str, *, required: bool = False) -> str:
    value = body.get(name)
    if value is None or (value == "" and not required):
        if required:
            raise BadRequestError(f"Invalid request: {name} is required", param=name)
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise BadRequestError(f"Invalid request: {name} must be a non-empty string", param=name)
    return value


def _n(body: dict[str, Any]) -> int:
    value = body.get("n")
    if value is None or value == "":
        return 1
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_N:
        raise BadRequestError(f"Invalid request: n must be an integer from 1 to {MAX_N}", param="n")
    return value


def _flag(body: dict[str, Any], name: str) -> bool:
    value = body.get(name)
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise BadRequestError(f"Invalid request: {name} must be a boolean", param=name)


def _choice(body: dict[str, Any], name: str, allowed: frozenset[str]) -> str:
    value = _text(body, name)
    if value and value not in allowed:
        options = ", ".join(sorted(allowed))
        raise BadRequestError(f"Invalid request: {name} must be one of {options}", param=name)
    return value


async def _run(
    request: web.Request,
    endpoint: Endpoint,
    caller: RelayCaller,
    body: dict[str, Any],
    default_model: str,
    stream: bool,
    setup: JobSetup,
) -> web.StreamResponse:
    model = body.get("model")
    path_model = default_model if model is None or model == "" else None
    state, job = await start_job(
        request, Format.OPENAI, endpoint, path_model=path_model, stream=stream, caller=caller,
        body=body, setup=setup,
    )  # fmt: skip
    return await run_job(request, state, job)


# ---- images ---------------------------------------------------------------------------------


def _image_setup(body: dict[str, Any], form: Form | None) -> JobSetup:
    n = _n(body)
    size = _text(body, "size")
    quality = _text(body, "quality") or "standard"
    prompt = _text(body, "prompt", required=True)
    _choice(body, "response_format", IMAGE_FORMATS)

    def setup(job: Job) -> None:
        job.form = form
        job.meter = Meter(fallback_prompt=1)  # the reference's floor: an image costs ≥ 1 token
        job.meter.notes += [f"size {size}"] if size else []
        job.meter.notes += [f"quality {quality}", f"n {n}"]
        job.estimated_prompt = estimate.text_tokens(prompt)
        job.output_reserve = IMAGE_OUTPUT_RESERVE
        job.other_ratios = image_ratios(job.model, size, quality, n) or None

    return setup


async def image_generations(request: web.Request) -> web.StreamResponse:
    caller = _caller(request)
    body = await parse_body(request)
    setup = _image_setup(body, None)
    stream = _flag(body, "stream")
    return await _run(request, Endpoint.IMAGES, caller, body, "dall-e", stream, setup)


async def image_edits(request: web.Request) -> web.StreamResponse:
    caller = _caller(request)
    limits = {"image": IMAGE_LIMIT, "image[]": IMAGE_LIMIT, "mask": IMAGE_LIMIT}
    fields, form = await read_form(request, limits)
    images = form.named(*_EDIT_FILES)
    if not images:
        raise BadRequestError("Invalid request: image is required (a file part)", param="image")
    if len(form.named("mask")) > 1:
        raise BadRequestError("Invalid request: at most one mask", param="mask")
    unknown = [f.name for f in form.files if f.name not in (*_EDIT_FILES, "mask")]
    if unknown:
        raise BadRequestError(f"Invalid request: unexpected file {unknown[0]}", param=unknown[0])
    model = fields.get("model") or "dall-e-2"
    if isinstance(model, str) and model.startswith("dall-e-2"):
        for f in form.files:
            if len(f.data) > DALL_E_2_LIMIT:
                raise BadRequestError(
                    f"Invalid request: {f.name} is too large; dall-e-2 takes images under"
                    " 4 MB", param=f.name, code="file_too_large",
                )  # fmt: skip
    setup = _image_setup(fields, form)
    stream = _flag(fields, "stream")
    return await _run(request, Endpoint.IMAGE_EDITS, caller, fields, "dall-e-2", stream, setup)


# ---- audio ----------------------------------------------------------------------------------


async def speech(request: web.Request) -> web.StreamResponse:
    caller = _caller(request)
    body = await parse_body(request)
    text = _text(body, "input", required=True)
    if len(text) > SPEECH_MAX_CHARS:
        raise BadRequestError(
            f"Invalid request: input is longer than {SPEECH_MAX_CHARS} characters",
            param="input",
        )
    _text(body, "voice")
    _choice(body, "stream_format", SPEECH_STREAM_FORMATS)

    def setup(job: Job) -> None:
        job.estimated_prompt = estimate.text_tokens(text)
        job.meter = Meter(fallback_prompt=job.estimated_prompt, estimated=True)

    # Always a stream to the client (audio bytes as they come), so logged as one.
    return await _run(request, Endpoint.SPEECH, caller, body, "tts-1", True, setup)


async def _speech_to_text(request: web.Request, endpoint: Endpoint) -> web.StreamResponse:
    caller = _caller(request)
    fields, form = await read_form(request, {"file": AUDIO_LIMIT})
    files = form.named("file")
    if len(files) != 1 or len(form.files) != 1:
        raise BadRequestError("Invalid request: send exactly one audio file as file", param="file")
    _choice(fields, "response_format", STT_FORMATS)
    stream = _flag(fields, "stream")
    audio = files[0]
    seconds = audio_seconds(audio.data, audio.filename)

    def setup(job: Job) -> None:
        job.form = form
        if seconds is None:
            job.estimated_prompt = duration_tokens(UNREADABLE_AUDIO_SECONDS)
            note = "audio duration unreadable; billed as one minute"
        else:
            job.estimated_prompt = duration_tokens(seconds)
            note = f"audio {seconds:.2f} s"
        job.meter = Meter(fallback_prompt=job.estimated_prompt)
        job.meter.notes.append(note)

    return await _run(request, endpoint, caller, fields, "whisper-1", stream, setup)


async def transcriptions(request: web.Request) -> web.StreamResponse:
    return await _speech_to_text(request, Endpoint.TRANSCRIPTIONS)


async def translations(request: web.Request) -> web.StreamResponse:
    return await _speech_to_text(request, Endpoint.TRANSLATIONS)


def add_routes(app: web.Application) -> None:
    r = app.router
    r.add_post("/v1/images/generations", image_generations)
    r.add_post("/v1/images/edits", image_edits)
    r.add_post("/v1/edits", image_edits)
    r.add_post("/v1/audio/speech", speech)
    r.add_post("/v1/audio/transcriptions", transcriptions)
    r.add_post("/v1/audio/translations", translations)
