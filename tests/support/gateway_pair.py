"""Two in-process gateways on one store and one Redis (the multi-instance tests): both started,
root set up and logged in on the first, one OpenAI channel to a fake upstream added through it
(so the change is published), and both stopped at the end."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from clawrouter.config import Config
from tests.support.gateway import Client, Gateway
from tests.support.upstreams import FakeUpstream


@contextlib.asynccontextmanager
async def gateway_pair(
    config: Config,
) -> AsyncIterator[tuple[Gateway, Gateway, Client, FakeUpstream]]:
    """(a, b, root logged in on a, the fake upstream)."""
    a, b = Gateway(config), Gateway(config)
    await a.start()
    await b.start()
    try:
        async with FakeUpstream() as up:
            await a.setup_root()
            root = await a.login("root", "rootpass123")
            body = {
                "mode": "single",
                "channel": {"type": 1, "name": "up", "key": "sk-up", "base_url": up.base_url,
                            "models": "gpt-4o-mini", "group": "default"},
            }  # fmt: skip
            status, reply = await root.json("POST", "/api/channel/", json=body)  # published
            assert status == 200 and reply["success"], reply
            yield a, b, root, up
    finally:
        await b.stop()
        await a.stop()
