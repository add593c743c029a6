"""Video tasks through the relay: Sora-style channels (type 55) driven by the official openai
SDK's `videos` methods, the unified /v1/video/generations routes, a generic upstream (type 60),
the poller (also across a gateway restart), failure and timeout refunds, the content streamed
through, and the error shapes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import openai
import orjson
import pytest

from clawrouter.config import Config, replace
from clawrouter.keys import MAIN_DB, OPTIONS
from tests.support.gateway import RelayEnv
from tests.support.upstream_tasks import CONTENT_SIZE, FakeTaskUpstream, video_bytes

# openai 3.57 marks its videos methods deprecated (OpenAI retires the Sora API in 2026).
pytestmark = pytest.mark.filterwarnings("ignore:The Sora API:DeprecationWarning")
PRICE = 0.3  # ModelPrice of sora-2 here, USD per call
QPU = 500_000


@pytest.fixture
def config(config: Config) -> Config:
    return replace(
        config, relay={"task_poll_interval_seconds": 0.05, "task_poll_max_interval_seconds": 0.2}
    )


@pytest.fixture
async def fake() -> AsyncIterator[FakeTaskUpstream]:
    async with FakeTaskUpstream() as up:
        yield up


@pytest.fixture
async def env(relay_env: RelayEnv, fake: FakeTaskUpstream) -> RelayEnv:
    await relay_env.gw.app[OPTIONS].set("ModelPrice", {"sora-2": PRICE, "video-gen": 0.1})
    await relay_env.gw.app[OPTIONS].set("ErrorLogEnabled", True)
    await relay_env.gw.add_channel(
        fake.base_url, type=55, models="sora-2", key="sk-sora-upstream", name="sora",
        model_mapping='{"sora-2": "sora-2-2025-10-06"}',
    )  # fmt: skip
    return relay_env


async def payer(env: RelayEnv, quota: int = 5_000_000, remain: int = 3_000_000) -> tuple[int, str]:
    uid = await env.gw.add_user("payer", quota=quota)
    key = await env.gw.add_token(user_id=uid, unlimited_quota=0, remain_quota=remain)
    return uid, key


async def balances(env: RelayEnv, uid: int) -> tuple[int, int, int]:
    """(wallet, the key's remaining quota, the key's used quota)."""
    user = await env.user_row(uid)
    token = await env.gw.app[MAIN_DB].fetchone(
        "SELECT remain_quota, used_quota FROM tokens WHERE user_id = ?", (uid,)
    )
    assert token is not None
    return user["quota"], token["remain_quota"], token["used_quota"]


async def eventually(check: Callable[[], Awaitable[Any]], seconds: float = 8.0) -> Any:
    for _ in range(int(seconds / 0.05)):
        value = await check()
        if value:
            return value
        await asyncio.sleep(0.05)
    raise AssertionError("the condition never held")


async def task_row(env: RelayEnv, task_id: str) -> dict[str, Any]:
    row = await env.gw.app[MAIN_DB].fetchone("SELECT * FROM tasks WHERE task_id = ?", (task_id,))
    assert row is not None
    return row


async def finished(env: RelayEnv, task_id: str) -> dict[str, Any]:
    async def done() -> dict[str, Any] | None:
        row = await task_row(env, task_id)
        return row if row["status"] in ("SUCCESS", "FAILURE") else None

    return await eventually(done)


async def get(env: RelayEnv, path: str, key: str | None = None) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as http:
        headers = {"Authorization": f"Bearer {key or env.key}"}
        async with http.get(env.gw.base + path, headers=headers) as resp:
            return resp.status, orjson.loads(await resp.read())


def sora_quota(seconds: int, size_ratio: float) -> int:
    """model price × QuotaPerUnit × group ratio 1 × seconds × size ratio, rounded half up."""
    return int(PRICE * QPU * seconds * size_ratio + 0.5)


async def test_sora_lifecycle_through_the_sdk(env: RelayEnv, fake: FakeTaskUpstream):
    uid, key = await payer(env)
    before = await balances(env, uid)
    client = env.openai(key)
    video = await client.videos.create(
        model="sora-2", prompt="a cat on a mat", seconds="8", size="1792x1024"
    )
    assert video.id.startswith("task_") and len(video.id) == 37
    assert video.status == "queued" and video.object == "video"
    sent = fake.requests[0]
    assert (sent.method, sent.path, sent.api_key) == ("POST", "/v1/videos", "sk-sora-upstream")
    assert sent.json == {
        "model": "sora-2-2025-10-06", "prompt": "a cat on a mat", "seconds": "8",
        "size": "1792x1024",
    }  # fmt: skip
    charged = sora_quota(8, 1.666667)
    assert charged == 2_000_000  # 0.3 × 500000 × 8 × 1.666667 = 2000000.4
    after = await balances(env, uid)
    assert (before[0] - after[0], before[1] - after[1], after[2]) == (charged, charged, charged)
    (log,) = await env.logs()
    assert (log["type"], log["quota"], log["model_name"]) == (2, charged, "sora-2")
    assert f"video task {video.id}" in log["content"] and "seconds × 8" in log["content"]
    assert orjson.loads(log["other"])["model_price"] == PRICE

    row = await finished(env, video.id)
    assert row["status"] == "SUCCESS" and row["progress"] == "100%" and row["quota"] == charged
    upstream_id = orjson.loads(row["private_data"])["upstream_task_id"]
    assert f"/v1/videos/{upstream_id}" in [r.path for r in fake.requests if r.method == "GET"]
    done = await client.videos.retrieve(video.id)
    assert (done.status, done.progress, done.id, done.model) == (
        "completed", 100, video.id, "sora-2",
    )  # fmt: skip
    content = await client.videos.download_content(video.id)
    assert await content.aread() == video_bytes()
    assert fake.last.path == f"/v1/videos/{upstream_id}/content"
    assert fake.last.api_key == "sk-sora-upstream"
    assert await balances(env, uid) == after  # success: no refund


async def test_reference_image_passes_through_intact(env: RelayEnv, fake: FakeTaskUpstream):
    image = bytes(range(256)) * 40
    video = await env.openai().videos.create(
        model="sora-2", prompt="animate this", input_reference=("ref.png", image, "image/png")
    )
    sent = fake.requests[0].json
    assert sent["input_reference"] == {
        "filename": "ref.png", "content_type": "image/png", "data": image,
    }  # fmt: skip
    assert (sent["model"], sent["prompt"]) == ("sora-2-2025-10-06", "animate this")
    assert (await task_row(env, video.id))["action"] == "generate"


async def test_failed_task_is_refunded_once(env: RelayEnv, fake: FakeTaskUpstream):
    uid, key = await payer(env)
    before = await balances(env, uid)
    client = env.openai(key)
    video = await client.videos.create(model="sora-2", prompt="fail-video please")
    row = await finished(env, video.id)
    assert row["status"] == "FAILURE" and row["fail_reason"] == "the prompt was blocked"
    charged = sora_quota(4, 1)  # defaults: 4 seconds, 720x1280
    assert row["quota"] == charged == 600_000
    got = await client.videos.retrieve(video.id)
    assert got.status == "failed" and got.error is not None
    assert (got.error.code, got.error.message) == ("moderation_blocked", "the prompt was blocked")
    await asyncio.sleep(0.3)  # more poll rounds: a finished task is never refunded twice
    assert await balances(env, uid) == (before[0], before[1], 0)
    consume, refund = await env.logs()
    assert (consume["type"], consume["quota"]) == (2, charged)
    assert (refund["type"], refund["quota"], refund["model_name"]) == (6, charged, "sora-2")
    assert video.id in refund["content"] and refund["token_name"] == "test-key"
    with pytest.raises(openai.BadRequestError):
        await client.videos.download_content(video.id)


async def test_timeout_fails_and_refunds(env: RelayEnv, fake: FakeTaskUpstream):
    uid, key = await payer(env)
    before = await balances(env, uid)
    video = await env.openai(key).videos.create(model="sora-2", prompt="never-done, slowly")
    await eventually(lambda: _status_is(env, video.id, "IN_PROGRESS"))
    # A day old (TASK_TIMEOUT_MINUTES defaults to 1440).
    await env.gw.app[MAIN_DB].execute(
        "UPDATE tasks SET submit_time = submit_time - 86400 WHERE task_id = ?", (video.id,)
    )
    row = await finished(env, video.id)
    assert row["status"] == "FAILURE"
    assert row["fail_reason"] == "task timed out after 1440 minutes"
    assert await balances(env, uid) == (before[0], before[1], 0)
    assert [log["type"] for log in await env.logs()] == [2, 6]


async def _status_is(env: RelayEnv, task_id: str, status: str) -> bool:
    return (await task_row(env, task_id))["status"] == status


async def test_poller_picks_up_after_a_restart(env: RelayEnv, fake: FakeTaskUpstream):
    fake.fetch_status = 500  # the upstream cannot be polled: the task waits, with backoff
    video = await env.openai().videos.create(model="sora-2", prompt="a restart-proof video")
    await eventually(lambda: _polled(fake, 2))
    polls = sum(1 for r in fake.requests if r.method == "GET")
    await asyncio.sleep(1.0)
    # Backoff: waits of 0.05, 0.1, 0.2, 0.2 ... s (not 20 polls of 0.05 s in that second).
    assert sum(1 for r in fake.requests if r.method == "GET") - polls <= 8
    assert (await task_row(env, video.id))["status"] == "SUBMITTED"
    await env.gw.restart()
    fake.fetch_status = 200
    row = await finished(env, video.id)
    assert row["status"] == "SUCCESS"
    done = await env.openai().videos.retrieve(video.id)  # a client on the new port
    assert done.status == "completed"


async def _polled(fake: FakeTaskUpstream, times: int) -> bool:
    return sum(1 for r in fake.requests if r.method == "GET") >= times


async def test_unified_route_and_task_lists(env: RelayEnv, fake: FakeTaskUpstream):
    body = {"model": "sora-2", "prompt": "a fox in the snow", "duration": 8}
    status, answer, _ = await env.post("/v1/video/generations", body)
    assert status == 200 and answer["task_id"] == answer["id"]
    task_id = answer["task_id"]
    assert fake.requests[0].json == {
        "model": "sora-2-2025-10-06", "prompt": "a fox in the snow", "seconds": "8",
    }  # fmt: skip
    await finished(env, task_id)
    status, got = await get(env, f"/v1/video/generations/{task_id}")
    assert status == 200 and got["code"] == "success"
    dto = got["data"]
    assert (dto["task_id"], dto["status"], dto["platform"], dto["quota"]) == (
        task_id, "SUCCESS", "55", sora_quota(8, 1),
    )  # fmt: skip
    assert dto["result_url"] == f"{env.gw.base}/v1/videos/{task_id}/content"
    status, missing = await get(env, "/v1/video/generations/task_nope")
    assert status == 404 and missing["code"] == "task_not_exist" and missing["data"] is None

    root = await env.gw.login("root", "rootpass123")
    status, own = await root.json("GET", "/api/task/self")
    assert status == 200 and [t["task_id"] for t in own["data"]["items"]] == [task_id]
    assert "private_data" not in own["data"]["items"][0]
    status, every = await root.json("GET", f"/api/task/?task_id={task_id}")
    assert every["data"]["items"][0]["status"] == "SUCCESS"
    assert every["data"]["items"][0]["username"] == "root"


async def test_generic_gateway_upstream(env: RelayEnv, fake: FakeTaskUpstream):
    await env.gw.add_channel(
        fake.base_url, type=60, models="video-gen", key="sk-gateway", name="gateway"
    )
    status, answer, _ = await env.post(
        "/v1/video/generations", {"model": "video-gen", "prompt": "waves"}
    )
    assert status == 200, answer
    assert fake.requests[0].path == "/v1/video/generations" and fake.requests[0].api_key == (
        "sk-gateway"
    )
    row = await finished(env, answer["task_id"])
    assert row["status"] == "SUCCESS" and row["quota"] == 50_000  # 0.1 × 500000, per call
    async with aiohttp.ClientSession() as http:
        url = f"{env.gw.base}/v1/videos/{answer['task_id']}/content"
        async with http.get(url, headers={"Authorization": f"Bearer {env.key}"}) as resp:
            assert resp.status == 200 and resp.headers["Content-Type"] == "video/mp4"
            assert await resp.read() == video_bytes()
    assert fake.last.path.startswith("/files/gen_")


async def test_content_streams_before_the_upstream_finishes(env: RelayEnv, fake: FakeTaskUpstream):
    video = await env.openai().videos.create(model="sora-2", prompt="a long river")
    await finished(env, video.id)
    fake.content_gate = asyncio.Event()
    async with aiohttp.ClientSession() as http:
        url = f"{env.gw.base}/v1/videos/{video.id}/content"
        async with http.get(url, headers={"Authorization": f"Bearer {env.key}"}) as resp:
            assert resp.status == 200 and resp.content_length == CONTENT_SIZE
            first = await resp.content.readexactly(CONTENT_SIZE // 4)
            assert fake.content_sent < CONTENT_SIZE  # the upstream is still holding the rest
            fake.content_gate.set()
            rest = await resp.read()
    assert first + rest == video_bytes()


async def test_submit_errors_and_refunds(env: RelayEnv, fake: FakeTaskUpstream):
    uid, key = await payer(env)
    before = await balances(env, uid)
    client = env.openai(key)
    with pytest.raises(openai.BadRequestError) as bad:
        await client.videos.create(model="sora-2", prompt="")
    assert bad.value.body["param"] == "prompt"  # type: ignore[index]
    status, body, _ = await env.post("/v1/video/generations", {"model": "sora-2"}, key=key)
    assert status == 400 and body["code"] == "invalid_request" and body["data"] is None
    assert fake.requests == []

    await env.gw.add_channel(
        fake.base_url, type=55, models="sora-busy", key="sk-busy", name="busy",
        model_mapping='{"sora-busy": "sora-fail-429"}',
    )  # fmt: skip
    await env.gw.app[OPTIONS].set("ModelPrice", {"sora-2": PRICE, "sora-busy": PRICE})
    with pytest.raises(openai.RateLimitError):
        await client.videos.create(model="sora-busy", prompt="anything")
    assert fake.last.api_key == "sk-busy"
    assert await balances(env, uid) == before
    assert await env.gw.app[MAIN_DB].fetchall("SELECT id FROM tasks") == []
    (log,) = await env.logs()
    assert log["type"] == 5 and log["content"].startswith("status_code=429")


async def test_tasks_are_private_and_unknown_ids_404(env: RelayEnv, fake: FakeTaskUpstream):
    video = await env.openai().videos.create(model="sora-2", prompt="mine only")
    _, other_key = await payer(env)
    with pytest.raises(openai.NotFoundError):
        await env.openai(other_key).videos.retrieve(video.id)
    status, body = await get(env, "/v1/videos/task_unknown/content")
    assert status == 404 and body["error"]["code"] == "task_not_exist"


async def test_failover_to_the_next_channel(env: RelayEnv, fake: FakeTaskUpstream):
    await env.gw.add_channel(
        fake.base_url, type=55, models="sora-2", key="sk-first", name="first", priority=10,
        model_mapping='{"sora-2": "sora-fail-500"}',
    )  # fmt: skip
    await env.gw.app[OPTIONS].set("RetryTimes", 1)
    video = await env.openai().videos.create(model="sora-2", prompt="second time lucky")
    assert [r.api_key for r in fake.requests[:2]] == ["sk-first", "sk-sora-upstream"]
    logs = await env.logs()
    assert [log["type"] for log in logs] == [5, 2]
    assert (await task_row(env, video.id))["channel_id"] == logs[1]["channel_id"]


async def test_a_wallet_short_of_the_full_price_is_refused(env: RelayEnv, fake: FakeTaskUpstream):
    uid, key = await payer(env, quota=1_000_000, remain=1_000_000)
    with pytest.raises(openai.PermissionDeniedError) as refused:
        # 0.3 × 500000 × 12 = 1,800,000 > 1,000,000: tasks pre-consume in full, no trust bypass
        await env.openai(key).videos.create(model="sora-2", prompt="too long", seconds="12")
    assert refused.value.code == "pre_consume_token_quota_failed"
    assert fake.requests == [] and await balances(env, uid) == (1_000_000, 1_000_000, 0)


async def test_remix_on_the_original_channel_at_the_original_price(
    env: RelayEnv, fake: FakeTaskUpstream
):
    uid, key = await payer(env, quota=10_000_000, remain=6_000_000)
    client = env.openai(key)
    video = await client.videos.create(
        model="sora-2", prompt="a red kite", seconds="8", size="1792x1024"
    )
    original = await finished(env, video.id)
    # Another sora-2 channel at a higher priority: the remix still goes to the original's.
    await env.gw.add_channel(fake.base_url, type=55, models="sora-2", key="sk-other", priority=9)
    before = await balances(env, uid)
    remixed = await client.videos.remix(video.id, prompt="make the kite blue")
    assert remixed.id.startswith("task_") and remixed.id != video.id
    upstream_id = orjson.loads(original["private_data"])["upstream_task_id"]
    sent = fake.last
    assert (sent.path, sent.api_key) == (f"/v1/videos/{upstream_id}/remix", "sk-sora-upstream")
    assert sent.json == {"prompt": "make the kite blue"}
    after = await balances(env, uid)
    assert before[0] - after[0] == sora_quota(8, 1.666667) == 2_000_000
    row = await finished(env, remixed.id)
    assert (row["status"], row["action"]) == ("SUCCESS", "remixGenerate")
    done = await client.videos.retrieve(remixed.id)
    assert (done.size, done.seconds, done.remixed_from_video_id) == ("1792x1024", "8", video.id)
    with pytest.raises(openai.NotFoundError):
        await client.videos.remix("task_missing", prompt="nothing to remix")


async def test_content_with_the_console_session(env: RelayEnv, fake: FakeTaskUpstream):
    video = await env.openai().videos.create(model="sora-2", prompt="for the console")
    await finished(env, video.id)
    root = await env.gw.login("root", "rootpass123")
    resp = await root.request("GET", f"/v1/videos/{video.id}/content")
    assert resp.status == 200 and await resp.read() == video_bytes()
    resp = await root.request(
        "GET", f"/v1/videos/{video.id}/content", headers={"New-Api-User": "2"}
    )
    assert resp.status == 401  # the session's user only


async def test_a_client_that_hangs_up_during_submit_is_still_charged(
    env: RelayEnv, fake: FakeTaskUpstream
):
    """The upstream accepted the task: it is recorded and charged, not left running unbilled."""
    uid, key = await payer(env)
    before = await balances(env, uid)
    body = {"model": "sora-2", "prompt": "slow-submit of a hang-up"}
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=0.2)) as http:
        with pytest.raises(TimeoutError):
            await http.post(
                env.gw.base + "/v1/videos", json=body, headers={"Authorization": f"Bearer {key}"}
            )

    async def recorded() -> list[dict[str, Any]]:
        return await env.gw.app[MAIN_DB].fetchall("SELECT * FROM tasks")

    (row,) = await eventually(recorded)
    assert row["quota"] == sora_quota(4, 1)
    after = await balances(env, uid)
    assert before[0] - after[0] == row["quota"]
    assert [log["type"] for log in await env.logs()] == [2]
