"""The change feed in one process (the default): a management write is applied to the relay's
memory before its answer is sent; the periodic resync still catches writes no feed carried;
the Change record, its wire form and the redis.url setting (REDIS_CONN_STRING)."""

from __future__ import annotations

import asyncio

import openai
import pytest

from clawrouter.changes.change import Change, ChangeError, LocalFeed
from clawrouter.config import ConfigError, as_dict, load, replace
from clawrouter.db.repo import channels as channels_repo
from clawrouter.keys import CHANGES, MAIN_DB, RELAY
from tests.support.gateway import Client, Gateway, RelayEnv
from tests.support.sdk import openai_client

MESSAGES = [{"role": "user", "content": "hi"}]


async def chat_status(base: str, key: str) -> int:
    """The relay's answer to one chat call through the OpenAI SDK: 200 or the error status."""
    client = openai_client(base + "/v1", key)
    try:
        reply = await client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
        assert reply.choices[0].message.content
        return 200
    except openai.APIStatusError as e:
        return e.status_code
    finally:
        await client.close()


async def new_key(root: Client) -> tuple[int, str]:
    status, reply = await root.json(
        "POST", "/api/token/", json={"name": "feed", "unlimited_quota": True}
    )
    assert status == 200 and reply["success"], reply
    return reply["data"]["id"], "sk-" + reply["data"]["key"].removeprefix("sk-")


# ---- the record ----------------------------------------------------------------------------------
def test_change_names_a_kind_and_ids():
    assert Change("user", 7).ids == (7,)
    assert Change("channel", [1, 2]).ids == (1, 2)
    assert Change("channel").ids == ()
    assert Change("option", ["ModelRatio", "GroupRatio"]).ids == ("ModelRatio", "GroupRatio")
    for kind, ids in [("nope", ()), ("user", ["7"]), ("token", [True]), ("option", [3])]:
        with pytest.raises(ChangeError):
            Change(kind, ids)  # type: ignore[arg-type]


def test_wire_form_round_trips_and_refuses_junk():
    change = Change("token", [3, 4])
    assert Change.decode(change.encode("origin-a")) == ("origin-a", change)
    assert Change.decode(Change("all").encode("b")) == ("b", Change("all"))
    for junk in (b"", b"{}", b"[1]", b'{"o": "x", "k": "user", "i": ["1"]}', b"\xff"):
        with pytest.raises(ChangeError):
            Change.decode(junk)


async def test_local_feed_awaits_every_subscriber_in_order():
    feed, seen = LocalFeed(), []

    async def slow(change: Change) -> None:
        await asyncio.sleep(0.01)
        seen.append(("slow", change))

    async def fast(change: Change) -> None:
        seen.append(("fast", change))

    feed.subscribe(slow)
    feed.subscribe(fast)
    await feed.publish(Change("user", 1))
    assert seen == [("slow", Change("user", 1)), ("fast", Change("user", 1))]
    await feed.publish(Change("user", 2), here=False)  # for other processes only: none here
    assert len(seen) == 2


# ---- the setting ---------------------------------------------------------------------------------
def test_redis_url_setting_and_its_new_api_alias():
    assert load(env={}).redis.url == ""
    cfg = load(env={"REDIS_CONN_STRING": "redis://default:s3cret@10.0.0.5:6379"})
    assert cfg.redis.url == "redis://default:s3cret@10.0.0.5:6379"
    assert as_dict(cfg)["redis"]["url"] == "redis://default:********@10.0.0.5:6379"
    ours = {"REDIS_CONN_STRING": "redis://a:6379", "CLAWROUTER_REDIS_URL": "redis://b:6379"}
    assert load(env=ours).redis.url == "redis://b:6379"
    assert load(env={}).redis.channel == "clawrouter:changes"
    with pytest.raises(ConfigError, match=r"redis\.url must be redis://"):
        load(env={"CLAWROUTER_REDIS_URL": "http://u:pw@host:6379"})


# ---- in one process ------------------------------------------------------------------------------
async def test_one_process_uses_the_in_process_feed(gateway: Gateway):
    assert isinstance(gateway.app[CHANGES], LocalFeed)


async def test_answers_come_after_the_relay_applied_the_change(relay_env: RelayEnv):
    """No wait anywhere: each management answer already holds for the very next relay call."""
    gw = relay_env.gw
    root = await gw.login("root", "rootpass123")
    token_id, key = await new_key(root)
    assert await chat_status(gw.base, key) == 200, "a new key works at once"

    body = {"id": token_id, "status": 2}
    status, reply = await root.json("PUT", "/api/token/?status_only=true", json=body)
    assert status == 200 and reply["success"], reply
    assert await chat_status(gw.base, key) == 401, "a disabled key is refused at once"

    cid = relay_env.channel_id
    status, reply = await root.json("PUT", "/api/channel/", json={"id": cid, "status": 2})
    assert reply["success"], reply
    assert await chat_status(gw.base, relay_env.key) == 503, "no channel serves the model now"
    assert gw.app[RELAY].index == {}

    status, reply = await root.json("PUT", "/api/option/", json={"key": "SystemName", "value": "X"})
    assert reply["success"], reply
    status, reply = await gw.client().json("GET", "/api/status")
    assert reply["data"]["system_name"] == "X"


async def test_periodic_resync_catches_writes_no_feed_carried(config, upstream):
    """A write straight to the store (the CLI, another program) is picked up by the timer."""
    gw = Gateway(replace(config, relay={"sync_interval_seconds": 0.2}))
    await gw.start()
    try:
        await gw.setup_root()
        cid = await gw.add_channel(upstream.base_url)
        key = await gw.add_token()
        assert await chat_status(gw.base, key) == 200
        await channels_repo.update_channel(gw.app[MAIN_DB], cid, {"status": 2})
        assert gw.app[RELAY].channels[cid].status == 1, "nothing told the relay yet"
        for _ in range(50):
            await asyncio.sleep(0.05)
            if gw.app[RELAY].channels[cid].status == 2:
                break
        assert gw.app[RELAY].channels[cid].status == 2
        assert await chat_status(gw.base, key) == 503
    finally:
        await gw.stop()
