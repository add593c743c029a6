"""The official OpenAI SDK through ClawRouter against every OpenAI-speaking adapter's fake
upstream: chat (JSON and stream) reaches the upstream on the adapter's path with its auth."""

from __future__ import annotations

import pytest

from clawrouter.relay.providers import channel_types as ct
from clawrouter.relay.providers.registry import ADAPTERS
from tests.support.gateway import RelayEnv

OPENAI_TYPES = sorted(t for t, a in ADAPTERS.items() if a.protocol == "openai")
# Paths the fake upstream does not serve (vendor-specific endpoints).
SKIP = {ct.MINIMAX: "chatcompletion_v2 path", ct.JINA: "rerank and embeddings only"}
EXTRA = {
    ct.CUSTOM: {"base_url": "{base}/v1/chat/completions"},
    ct.CLOUDFLARE: {"other": "acct123"},
    ct.BAIDU_V2: {"key": "tok|app"},
    ct.AZURE: {"other": "2024-10-21"},
}


@pytest.mark.parametrize("channel_type", OPENAI_TYPES, ids=lambda t: ct.type_name(t))
async def test_openai_sdk_through_every_openai_family_adapter(relay_env: RelayEnv, channel_type):
    if channel_type in SKIP:
        pytest.skip(SKIP[channel_type])
    extra = dict(EXTRA.get(channel_type, {}))
    base = extra.pop("base_url", "{base}").format(base=relay_env.up.base_url)
    await relay_env.gw.add_channel(
        base, type=channel_type, models="gpt-4o", priority=50, **{"key": "sk-up", **extra}
    )
    client = relay_env.openai()
    msg = [{"role": "user", "content": "hello adapter"}]
    r = await client.chat.completions.create(model="gpt-4o", messages=msg)
    assert r.choices[0].message.content == "Hello from fake-openai."
    sent = relay_env.up.last
    assert sent.path.endswith("/chat/completions"), sent.path
    assert sent.api_key in ("sk-up", "acct123", "tok", None) or sent.headers.get("api-key")
    stream = await client.chat.completions.create(model="gpt-4o", messages=msg, stream=True)
    text = "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])
    assert text == "Hello from fake-openai."
    logs = await relay_env.logs()
    assert [log["prompt_tokens"] > 0 for log in logs] == [True, True]
