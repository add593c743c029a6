"""A video's content at an address the upstream named off the channel's origin (a generic
gateway upstream's result_url) is fetched through the outbound guard (fetch_setting.*), as
new-api's video proxy: a private address is a 400 in the OpenAI shape, nothing is fetched and
no quota moves; allowed, the bytes stream through. Names resolve through a fake resolver."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import orjson
import pytest
from aiohttp.abc import AbstractResolver, ResolveResult

from clawrouter.config import Config, replace
from clawrouter.keys import MAIN_DB, OPTIONS, OUTBOUND
from tests.support.gateway import RelayEnv
from tests.support.upstream_tasks import FakeTaskUpstream, video_bytes


class LoopbackResolver(AbstractResolver):
    """Every name is 127.0.0.1 (never real DNS)."""

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        return [
            ResolveResult(hostname=host, host="127.0.0.1", port=port, family=socket.AF_INET,
                          proto=0, flags=socket.AI_NUMERICHOST)
        ]  # fmt: skip

    async def close(self) -> None:
        return None


@pytest.fixture
def config(config: Config) -> Config:
    return replace(
        config, relay={"task_poll_interval_seconds": 0.05, "task_poll_max_interval_seconds": 0.2}
    )


@pytest.fixture
async def fake() -> AsyncIterator[FakeTaskUpstream]:
    async with FakeTaskUpstream() as up:
        yield up


async def finished(env: RelayEnv, task_id: str) -> dict[str, Any]:
    for _ in range(160):
        row = await env.gw.app[MAIN_DB].fetchone(
            "SELECT * FROM tasks WHERE task_id = ?", (task_id,)
        )
        if row is not None and row["status"] in ("SUCCESS", "FAILURE"):
            return row
        await asyncio.sleep(0.05)
    raise AssertionError("the task never finished")


async def content(env: RelayEnv, task_id: str) -> tuple[int, bytes]:
    async with aiohttp.ClientSession() as http:
        url = f"{env.gw.base}/v1/videos/{task_id}/content"
        async with http.get(url, headers={"Authorization": f"Bearer {env.key}"}) as resp:
            return resp.status, await resp.read()


async def test_a_result_url_off_the_channel_origin_is_guarded(
    relay_env: RelayEnv, fake: FakeTaskUpstream
):
    env, opts = relay_env, relay_env.gw.app[OPTIONS]
    env.gw.app[OUTBOUND].resolver = LoopbackResolver()
    await opts.set("ModelPrice", {"video-gen": 0.1})
    await opts.set("fetch_setting.allowed_ports", [])
    await env.gw.add_channel(fake.base_url, type=60, models="video-gen", key="sk-gw", name="gw")
    status, answer, _ = await env.post(
        "/v1/video/generations", {"model": "video-gen", "prompt": "waves"}
    )
    assert status == 200, answer
    vid = answer["task_id"]
    upstream_id = next(iter(fake.plans))
    port = fake.base_url.rsplit(":", 1)[1]
    fake.plans[upstream_id][-1]["result_url"] = f"http://cdn.test:{port}/files/{upstream_id}.mp4"
    assert (await finished(env, vid))["status"] == "SUCCESS"
    before = (await env.user_row())["quota"]
    asked = len(fake.requests)

    status, body = await content(env, vid)
    assert status == 400
    error = orjson.loads(body)["error"]
    assert error["code"] == "fetch_refused" and error["type"] == "invalid_request_error"
    assert error["message"] == (
        "the video's address is not allowed: request reject: "
        "private IP address not allowed: cdn.test resolves to 127.0.0.1"
    )
    assert len(fake.requests) == asked  # nothing was fetched
    assert (await env.user_row())["quota"] == before

    await opts.set("fetch_setting.allow_private_ip", True)
    status, body = await content(env, vid)
    assert status == 200 and body == video_bytes()
    assert fake.last.path == f"/files/{upstream_id}.mp4"
    assert (await env.user_row())["quota"] == before
