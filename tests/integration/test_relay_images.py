"""/v1/images/generations and /v1/images/edits through the relay, driven by the official openai
SDK in strict mode: OpenAI, Azure, xAI (OpenAI-compatible) and Gemini Imagen channels; per-call
billing × n × size/quality ratios, token billing from gpt-image usage; the multipart form
rebuilt byte for byte; failover before the first byte; size limits and bad forms → 400."""

from __future__ import annotations

import asyncio
import base64
from fractions import Fraction

import openai
import orjson
import pytest

from clawrouter.keys import RELAY
from tests.support.gateway import Client, RelayEnv
from tests.support.upstream_media import PNG, PNG_B64, parse_multipart

QPU = 500_000


def rounded(x: Fraction) -> int:
    return int(x + Fraction(1, 2))


async def set_option(root: Client, key: str, value: object) -> None:
    status, body = await root.json(
        "PUT", "/api/option/", json={"key": key, "value": orjson.dumps(value).decode()}
    )
    assert status == 200 and body["success"], body


@pytest.fixture
async def root(relay_env: RelayEnv) -> Client:
    return await relay_env.gw.login("root", "rootpass123")


@pytest.fixture
async def images(relay_env: RelayEnv) -> RelayEnv:
    relay_env.channel_id = await relay_env.gw.add_channel(
        relay_env.up.base_url, key="sk-images-openai", priority=5,
        models="dall-e-2,dall-e-3,gpt-image-1",
    )  # fmt: skip
    return relay_env


async def test_dall_e_3_is_billed_per_call_times_size_quality_and_n(images: RelayEnv):
    client = images.openai()
    reply = await client.images.generate(
        model="dall-e-3", prompt="a red fox in snow", size="1792x1024", quality="hd", n=2
    )
    assert [d.url for d in reply.data or []] == [
        "https://images.example/0.png",
        "https://images.example/1.png",
    ]
    up = images.up.last
    assert up.path == "/v1/images/generations" and up.api_key == "sk-images-openai"
    assert up.json == {
        "model": "dall-e-3", "prompt": "a red fox in snow", "size": "1792x1024",
        "quality": "hd", "n": 2,
    }  # fmt: skip
    # dall-e-3 $0.04 per call × 2 (1792 size) × 1.5 (hd at 1792) × n 2
    (log,) = await images.logs()
    assert log["quota"] == rounded(Fraction("0.04") * QPU * 2 * Fraction(3, 2) * 2) == 120_000
    assert log["model_name"] == "dall-e-3" and log["channel_id"] == images.channel_id
    assert log["content"] == "size 1792x1024, quality hd, n 2"
    assert log["prompt_tokens"] == 1 and log["completion_tokens"] == 0  # the reference's floor
    other = orjson.loads(log["other"])
    assert other["model_price"] == 0.04 and other["request_path"] == "/v1/images/generations"
    user = await images.user_row()
    assert user["used_quota"] == 120_000


async def test_dall_e_2_small_size_ratio_and_b64(images: RelayEnv):
    reply = await images.openai().images.generate(
        model="dall-e-2", prompt="a cat", size="256x256", response_format="b64_json"
    )
    assert reply.data and base64.b64decode(reply.data[0].b64_json or "") == PNG
    (log,) = await images.logs()
    assert log["quota"] == rounded(Fraction("0.02") * QPU * Fraction(2, 5)) == 4000


async def test_gpt_image_token_usage_is_billed_and_logged(images: RelayEnv, root: Client):
    await set_option(root, "ModelPrice", {})
    await set_option(root, "ModelRatio", {"gpt-image-1": 2.5})
    await set_option(root, "CompletionRatio", {"gpt-image-1": 8})
    await set_option(root, "ImageRatio", {"gpt-image-1": 2})
    reply = await images.openai().images.generate(
        model="gpt-image-1", prompt="three small words", n=2
    )
    assert reply.usage is not None
    assert (reply.usage.input_tokens, reply.usage.output_tokens) == (3, 200)
    (log,) = await images.logs()
    # prompt 3 (text) at ratio 1, output 200 × completion 8, all × model ratio 2.5
    assert log["quota"] == rounded((3 + 200 * 8) * Fraction(5, 2)) == 4008
    assert (log["prompt_tokens"], log["completion_tokens"]) == (3, 200)
    assert orjson.loads(log["other"])["model_price"] == -1


async def test_image_stream_events_are_relayed_and_billed(images: RelayEnv):
    stream = await images.openai().images.generate(
        model="gpt-image-1", prompt="a lighthouse", stream=True, partial_images=1
    )
    kinds = [event.type async for event in stream]
    assert kinds == ["image_generation.partial_image", "image_generation.completed"]
    assert images.up.last.json["stream"] is True
    assert images.up.last.headers["Accept"] == "text/event-stream"
    (log,) = await images.logs()
    assert log["quota"] == rounded(Fraction("0.042") * QPU) == 21_000
    assert log["is_stream"] == 1 and (log["prompt_tokens"], log["completion_tokens"]) == (2, 100)
    assert orjson.loads(log["other"])["stream_status"] == {"status": "ok", "end_reason": "done"}


def expected_form(boundary: str, parts: list[tuple[str, str | None, str | None, bytes]]) -> bytes:
    out = b""
    for name, filename, ctype, data in parts:
        disp = f'Content-Disposition: form-data; name="{name}"'
        if filename is not None:
            disp += f'; filename="{filename}"\r\nContent-Type: {ctype}'
        out += f"--{boundary}\r\n{disp}\r\n\r\n".encode() + data + b"\r\n"
    return out + f"--{boundary}--\r\n".encode()


async def test_image_edit_multipart_is_rebuilt_byte_for_byte(images: RelayEnv):
    gw = images.gw
    cid = await gw.add_channel(
        images.up.base_url, key="sk-edits", priority=9, models="gpt-image-1",
        model_mapping='{"gpt-image-1": "gpt-image-1-2025-04-15"}',
    )  # fmt: skip
    photo, mask = PNG + b"\x00photo-bytes" * 100, PNG + b"\xffmask"
    reply = await images.openai().images.edit(
        model="gpt-image-1",
        image=[("photo.png", photo, "image/png"), ("second.png", PNG, "image/png")],
        mask=("mask.png", mask, "image/png"),
        prompt="add a hat",
    )
    assert reply.data and reply.data[0].b64_json == PNG_B64
    up = images.up.last
    assert up.path == "/v1/images/edits" and up.api_key == "sk-edits"
    ctype = up.headers["Content-Type"]
    boundary = ctype.split("boundary=", 1)[1]
    sent = [(p.name, p.filename, p.content_type, p.data) for p in parse_multipart(up.body, ctype)]
    fields = [p for p in sent if p[1] is None]
    assert sorted(fields) == [
        ("model", None, None, b"gpt-image-1-2025-04-15"),
        ("prompt", None, None, b"add a hat"),
    ]
    assert [p for p in sent if p[1] is not None] == [
        ("image[]", "photo.png", "image/png", photo),
        ("image[]", "second.png", "image/png", PNG),
        ("mask", "mask.png", "image/png", mask),
    ]
    assert up.body == expected_form(boundary, sent)
    (log,) = await images.logs()
    assert log["channel_id"] == cid and log["quota"] == 21_000
    # the fake's gpt-image usage: prompt = 3 words + 10 per input image (the mask is not one)
    assert (log["prompt_tokens"], log["completion_tokens"]) == (3 + 20, 100)


async def test_edit_fails_over_before_the_first_byte(images: RelayEnv, root: Client):
    await set_option(root, "RetryTimes", 1)
    gw = images.gw
    bad = await gw.add_channel(
        images.up.base_url, key="sk-fail-500-edits", priority=20, models="dall-e-2"
    )
    reply = await images.openai().images.edit(
        model="dall-e-2", image=("a.png", PNG, "image/png"), prompt="blue sky", n=1
    )
    assert reply.data and reply.data[0].url
    first, second = images.up.requests
    assert first.api_key == "sk-fail-500-edits" and second.api_key == "sk-images-openai"
    strip = lambda r: [(p.name, p.filename, p.data) for p in parse_multipart(  # noqa: E731
        r.body, r.headers["Content-Type"])]  # fmt: skip
    assert strip(first) == strip(second)
    logs = await images.logs()
    consume = [log for log in logs if log["type"] == 2]
    assert len(consume) == 1 and consume[0]["quota"] == 10_000
    assert orjson.loads(consume[0]["other"])["admin_info"]["use_channel"] == [
        str(bad), str(images.channel_id),
    ]  # fmt: skip


async def test_azure_and_xai_channels(relay_env: RelayEnv, root: Client):
    gw, up = relay_env.gw, relay_env.up
    await set_option(root, "ModelPrice", {"dall-e-3": 0.04, "grok-2-image": 0.07})
    await gw.add_channel(
        up.base_url, type=3, key="azure-key", models="dall-e-3", other="2025-04-01-preview"
    )
    await gw.add_channel(up.base_url, type=48, key="xai-key", models="grok-2-image")
    client = relay_env.openai()
    await client.images.generate(model="dall-e-3", prompt="a bridge")
    azure = up.last
    assert azure.path == "/openai/deployments/dall-e-3/images/generations"
    assert azure.query == {"api-version": "2025-04-01-preview"}
    assert azure.headers["api-key"] == "azure-key" and "Authorization" not in azure.headers
    await client.images.generate(model="grok-2-image", prompt="a bridge", n=3)
    xai = up.last
    assert xai.path == "/v1/images/generations" and xai.api_key == "xai-key"
    assert xai.json["n"] == 3
    quotas = [log["quota"] for log in await relay_env.logs()]
    assert quotas == [20_000, rounded(Fraction("0.07") * QPU * 3)]


async def test_imagen_predict_through_a_gemini_channel(relay_env: RelayEnv, root: Client):
    gw, up = relay_env.gw, relay_env.up
    await set_option(root, "ModelPrice", {"imagen-3.0-generate-002": 0.03})
    await gw.add_channel(up.base_url, type=24, key="gemini-key", models="imagen-3.0-generate-002")
    reply = await relay_env.openai().images.generate(
        model="imagen-3.0-generate-002", prompt="a koi pond", n=2, size="1792x1024"
    )
    assert [base64.b64decode(d.b64_json or "") for d in reply.data or []] == [PNG, PNG]
    call = up.last
    assert call.path == "/v1beta/models/imagen-3.0-generate-002:predict"
    assert call.headers["x-goog-api-key"] == "gemini-key"
    assert call.json == {
        "instances": [{"prompt": "a koi pond"}],
        "parameters": {"sampleCount": 2, "aspectRatio": "16:9"},
    }
    (log,) = await relay_env.logs()
    assert log["quota"] == rounded(Fraction("0.03") * QPU * 2) == 30_000  # no dall-e size ratio
    with pytest.raises(openai.BadRequestError) as info:
        await relay_env.openai().images.generate(
            model="imagen-3.0-generate-002", prompt="a koi pond", stream=True
        )
    assert info.value.body["code"] == "stream_not_supported"  # type: ignore[index]
    assert len(up.requests) == 1 and len(await relay_env.logs()) == 1  # refused, not sent


async def test_size_limits_and_bad_requests_are_400_in_openai_shape(images: RelayEnv):
    client = images.openai()
    big = PNG + b"\x00" * (4 * 1024 * 1024)
    with pytest.raises(openai.BadRequestError) as info:
        await client.images.edit(model="dall-e-2", image=("big.png", big, "image/png"), prompt="x")
    err = info.value.body
    assert info.value.status_code == 400 and isinstance(err, dict)
    assert err["code"] == "file_too_large" and err["param"] == "image"
    assert "4 MB" in err["message"] and err["type"] == "invalid_request_error"
    with pytest.raises(openai.BadRequestError) as info:
        await client.images.generate(model="dall-e-3", prompt="x", n=11)
    assert info.value.body["param"] == "n"  # type: ignore[index]
    status, body, _ = await images.post("/v1/images/generations", {"model": "dall-e-3"})
    assert status == 400 and body["error"]["param"] == "prompt"
    bad = b'--xyz\r\nContent-Disposition: form-data; name="prompt"\r\n\r\nhi'  # never closed
    status, body, _ = await images.post(
        "/v1/images/edits", bad, **{"Content-Type": "multipart/form-data; boundary=xyz"}
    )
    assert status == 400 and body["error"]["type"] == "invalid_request_error"
    status, body, _ = await images.post("/v1/images/edits", {"prompt": "x"})
    assert status == 400 and "multipart/form-data" in body["error"]["message"]
    assert images.up.requests == [] and await images.logs() == []


async def test_upstream_error_reaches_the_client_in_openai_shape(images: RelayEnv):
    await images.gw.add_channel(
        images.up.base_url, key="sk-fail-429", priority=30, models="dall-e-3"
    )
    with pytest.raises(openai.RateLimitError) as info:
        await images.openai().images.generate(model="dall-e-3", prompt="x")
    assert info.value.status_code == 429
    assert [log["type"] for log in await images.logs()] == []  # ErrorLogEnabled is off
    assert (await images.user_row())["used_quota"] == 0


async def test_reserve_before_the_call_then_settle(images: RelayEnv, root: Client):
    """A limited caller: per-call images reserve price × ratios; token-priced ones reserve
    (max(prompt, 500) + 1584 output tokens) × ratio, as new-api; both settle to the real cost."""
    await set_option(root, "ModelPrice", {"dall-e-3": 0.04})
    await set_option(root, "ModelRatio", {"gpt-image-1": 2.5})
    await set_option(root, "CompletionRatio", {"gpt-image-1": 8})
    gw = images.gw
    await gw.add_channel(
        images.up.base_url, key="sk-slow", priority=50, models="dall-e-3,gpt-image-1",
        model_mapping='{"dall-e-3": "dall-e-3-first-300", "gpt-image-1": "gpt-image-1-first-300"}',
    )  # fmt: skip
    uid = await gw.add_user("painter", quota=3_000_000)
    key = await gw.add_token(user_id=uid, unlimited_quota=0, remain_quota=2_000_000)
    state = gw.app[RELAY]
    client = images.openai(key=key)
    call = asyncio.create_task(
        client.images.generate(model="dall-e-3", prompt="x", size="1024x1792", n=2)
    )
    await images.up.wait_requests(1)
    held = rounded(Fraction("0.04") * QPU * 2 * 2)
    assert state.users[uid].quota == 3_000_000 - held == 2_920_000
    await call
    assert state.users[uid].quota == 3_000_000 - held  # per call: the reserve was the price
    call = asyncio.create_task(client.images.generate(model="gpt-image-1", prompt="one two"))
    await images.up.wait_requests(2)
    reserve = rounded((500 + 1584) * Fraction(5, 2))
    assert state.users[uid].quota == 2_920_000 - reserve
    await call
    assert state.users[uid].quota == 2_920_000 - rounded((2 + 100 * 8) * Fraction(5, 2))


async def test_hang_up_before_the_image_bills_the_call_with_its_ratios(images: RelayEnv):
    await images.gw.add_channel(
        images.up.base_url, key="sk-slow", priority=50, models="dall-e-3",
        model_mapping='{"dall-e-3": "dall-e-3-first-2000"}',
    )  # fmt: skip
    call = asyncio.create_task(
        images.openai().images.generate(model="dall-e-3", prompt="x", n=3, quality="hd")
    )
    await images.up.wait_requests(1)
    call.cancel()
    await images.up.wait_aborted()
    for _ in range(100):
        if await images.logs():
            break
        await asyncio.sleep(0.02)
    (log,) = await images.logs()
    # the upstream was already at work: the call is billed, n and hd included
    assert log["quota"] == rounded(Fraction("0.04") * QPU * 2 * 3) == 120_000
    assert "client disconnected before the answer" in log["content"]
