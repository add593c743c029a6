"""new-api's per-user model request limits (ModelRequestRateLimit* options) on the relay: the
total (failures included) and the successful requests per user in a window, a group's
override, and new-api's 429 texts in the OpenAI error shape seen through the official SDK.
Counted in the process here; tests/integration/test_rate_limits_redis.py counts them in Redis
across two gateways."""

from __future__ import annotations

import openai

from clawrouter.keys import OPTIONS
from clawrouter.relay.model_limits import SUCCESS, TOTAL
from tests.support.gateway import RelayEnv

MESSAGES = [{"role": "user", "content": "hi"}]


async def statuses(env: RelayEnv, n: int, model: str = "gpt-4o-mini") -> list[int | str]:
    out: list[int | str] = []
    client = env.openai(max_retries=0)
    for _ in range(n):
        try:
            await client.chat.completions.create(model=model, messages=MESSAGES)
            out.append(200)
        except openai.RateLimitError as e:
            out.append(e.body["message"] if isinstance(e.body, dict) else str(e.body))
        except openai.APIStatusError as e:
            out.append(e.status_code)
    return out


async def limits(env: RelayEnv, **values) -> None:
    options = env.gw.app[OPTIONS]
    await options.set("ModelRequestRateLimitEnabled", True)
    for key, value in values.items():
        await options.set(key, value)


async def test_successful_requests_per_window(relay_env: RelayEnv):
    await limits(relay_env, ModelRequestRateLimitSuccessCount=2)
    got = await statuses(relay_env, 3)
    assert got[:2] == [200, 200]
    assert got[2] == SUCCESS.format(m=1, n=2)


async def test_total_requests_count_failures_too(relay_env: RelayEnv):
    await limits(relay_env, ModelRequestRateLimitCount=3, ModelRequestRateLimitSuccessCount=0)
    got = await statuses(relay_env, 2, model="no-such-model")  # refused, but counted
    assert all(s != 200 and not isinstance(s, str) for s in got), got
    got = await statuses(relay_env, 2)
    assert got == [200, TOTAL.format(m=1, n=3)]


async def test_a_group_override_and_off_by_default(relay_env: RelayEnv):
    assert await statuses(relay_env, 3) == [200, 200, 200], "off unless enabled"
    await limits(
        relay_env, ModelRequestRateLimitSuccessCount=1000,
        ModelRequestRateLimitGroup={"default": [0, 1]},
    )  # fmt: skip
    got = await statuses(relay_env, 2)
    assert got == [200, SUCCESS.format(m=1, n=1)]
