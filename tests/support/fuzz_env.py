"""The gateway the route fuzzer runs against: root, a common user, a paying user whose API key
has a finite quota, OpenAI / Anthropic / Gemini channels on a fake upstream; every outside
service pointed at a closed loopback port. reconcile() checks afterwards that no quota moved
without a consume log row and that no more rows were written than requests succeeded."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from aiohttp import web

from clawrouter.config import Config, load, replace
from clawrouter.db.repo import tokens as tokens_repo
from clawrouter.db.repo import users as users_repo
from clawrouter.keys import LOG_DB, MAIN_DB, WRITER
from tests.support.gateway import Gateway
from tests.support.native import CLAUDE, CLAUDE_KEY, GEMINI, GEMINI_KEY
from tests.support.upstream_core import RecordedRequest
from tests.support.upstreams import FakeUpstream

CLOSED = "http://127.0.0.1:9"  # nothing listens on the discard port
WALLET, KEY_QUOTA = 50_000_000, 20_000_000
PAYER = "fuzzpayer"


class SturdyUpstream(FakeUpstream):
    """The fake upstream, answering a body its handlers cannot take with a 400 (a real provider
    refuses junk; the test fake would crash into a 500 the gateway then relays)."""

    async def _answer(self, request: web.Request, rec: RecordedRequest) -> web.StreamResponse:
        try:
            return await super()._answer(request, rec)
        except (AttributeError, KeyError, TypeError, ValueError, IndexError) as e:
            error = {
                "message": f"fake upstream: bad request ({e})",
                "type": "invalid_request_error",
            }
            return web.json_response({"error": error}, status=400)


def fuzz_config(data_dir: str) -> Config:
    base = load(env={}, overrides={"server.data_dir": data_dir})
    outside = {
        name: CLOSED
        for name in ("github_oauth_url", "github_api_url", "discord_api_url", "linuxdo_url")
    }
    return replace(
        base,
        security={"api_rate_limit": 0, "web_rate_limit": 0},
        providers={**outside, "turnstile_verify_url": CLOSED, "timeout_seconds": 2.0},
        relay={"models_metadata_url": CLOSED, "first_byte_timeout_seconds": 20.0},
    )


@asynccontextmanager
async def fuzz_gateway(data_dir: str | Path) -> AsyncIterator[tuple[Gateway, str]]:
    """(gateway, the paying user's API key), started and seeded; stopped on exit."""
    async with SturdyUpstream(max_hang_s=5) as up:
        gw = Gateway(fuzz_config(str(Path(data_dir) / "data")))
        await gw.start()
        try:
            await gw.setup_root()
            for _ in range(4):  # low ids are what a fuzzed `"id": 1` edits or deletes
                await gw.add_channel(CLOSED, models="fuzz-decoy", status=2)
            await gw.add_channel(up.base_url, models="gpt-4o-mini,gpt-4o,dall-e-3,tts-1,sora-2")
            await gw.add_channel(up.base_url, type=14, models=CLAUDE, key=CLAUDE_KEY)
            await gw.add_channel(up.base_url, type=24, models=GEMINI, key=GEMINI_KEY)
            await gw.add_user("fuzzuser")
            payer = await gw.add_user(PAYER, quota=WALLET)
            for _ in range(8):  # the same for keys
                await gw.add_token(user_id=1)
            key = await gw.add_token(user_id=payer, unlimited_quota=0, remain_quota=KEY_QUOTA)
            yield gw, key
        finally:
            await gw.stop()


async def reconcile(gw: Gateway, report: Any) -> list[str]:
    """Σ consume-log quota == what left the paying user's wallet and key; no more consume rows
    than successful API-key requests (a refused request is never billed)."""
    await gw.app[WRITER].flush()
    main, logs = gw.app[MAIN_DB], gw.app[LOG_DB]
    user = await users_repo.get_user_by_username(main, PAYER)
    assert user is not None
    (token,), _ = await tokens_repo.list_user_tokens(main, user["id"], 0, 10)
    rows = await logs.fetchall(
        "SELECT quota FROM logs WHERE type = 2 AND user_id = ?", (user["id"],)
    )
    charged = sum(r["quota"] for r in rows)
    problems = [] if charged else ["nothing was charged: the quota check proves nothing"]
    if WALLET - user["quota"] != charged or user["used_quota"] != charged:
        problems.append(f"wallet moved {WALLET - user['quota']} but the logs say {charged}")
    if KEY_QUOTA - token["remain_quota"] != charged or token["used_quota"] != charged:
        problems.append(f"key moved {KEY_QUOTA - token['remain_quota']}, logs say {charged}")
    if len(rows) > report.key_successes:
        problems.append(f"{len(rows)} consume rows for {report.key_successes} successes")
    return problems
