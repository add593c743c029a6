"""/api/redemption (admin CRUD, search, sweeping invalid codes), redeeming with
POST /api/user/topup (one transaction, one winner under concurrency, relay refreshed, top-up
log) and the top-up history lists."""

from __future__ import annotations

import asyncio
import re

import pytest

from clawrouter.db.repo import redemptions as redemptions_repo
from clawrouter.db.repo import topups as topups_repo
from clawrouter.keys import LOG_DB, MAIN_DB, RELAY
from tests.support.gateway import Gateway

FUTURE = 4_000_000_000
CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}


async def create(client, **fields) -> list[str]:
    body = {"name": "promo", "quota": 1000, "count": 1, **fields}
    status, reply = await client.json("POST", "/api/redemption/", json=body)
    assert status == 200 and reply["success"], reply
    return reply["data"]


async def row_of(gateway: Gateway, key: str) -> dict:
    return await gateway.app[MAIN_DB].fetchone('SELECT * FROM redemptions WHERE "key" = ?', (key,))


async def count(gateway: Gateway) -> int:
    return await gateway.app[MAIN_DB].fetchval("SELECT COUNT(*) FROM redemptions")


async def fail(client, method: str, path: str, fragment: str, **kw) -> None:
    status, reply = await client.json(method, path, **kw)
    assert status == 200 and reply["success"] is False, reply
    assert fragment in reply["message"], reply["message"]


async def test_create_list_get_search(root, gateway: Gateway):
    keys = await create(root, count=3, expired_time=FUTURE)
    assert len(keys) == 3 and all(re.fullmatch(r"[0-9a-f]{32}", k) for k in keys)
    await create(root, name="other")
    status, reply = await root.json("GET", "/api/redemption/?p=1&page_size=2")
    data = reply["data"]
    assert data["total"] == 4 and [r["name"] for r in data["items"]] == ["other", "promo"]
    first = data["items"][1]
    assert first["quota"] == 1000 and first["status"] == 1 and first["user_id"] == 1
    status, reply = await root.json("GET", "/api/redemption/?p=9")
    assert reply["data"]["items"] == []
    status, reply = await root.json("GET", f"/api/redemption/{first['id']}")
    assert reply["data"]["key"] == first["key"] and reply["data"]["expired_time"] == FUTURE
    status, reply = await root.json("GET", "/api/redemption/search?keyword=pro")
    assert reply["data"]["total"] == 3
    status, reply = await root.json("GET", "/api/redemption/search?keyword=romo")
    assert reply["data"]["total"] == 0, "prefix match only"
    status, reply = await root.json("GET", f"/api/redemption/search?keyword={first['id']}")
    assert [r["id"] for r in reply["data"]["items"]] == [first["id"]]
    await fail(root, "GET", "/api/redemption/999", "not found")
    status, _ = await root.json("GET", "/api/redemption/abc")
    assert status == 404


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"name": ""}, "name must be 1 to 20"),
        ({"name": "x" * 21}, "name must be 1 to 20"),
        ({"name": 7}, "name must be a string"),
        ({"quota": 0}, "quota must be at least 1"),
        ({"quota": "5"}, "quota must be an integer"),
        ({"quota": None}, "quota is required"),
        ({"count": 0}, "count must be between"),
        ({"count": 101}, "count must be between"),
        ({"expired_time": 1}, "expired_time must be 0"),
        ({"expired_time": -5}, "expired_time must be at least 0"),
    ],
)
async def test_create_rejects_bad_input(root, gateway: Gateway, body, fragment):
    full = {"name": "promo", "quota": 1000, "count": 2, **body}
    await fail(root, "POST", "/api/redemption/", fragment, json=full)
    assert await count(gateway) == 0


async def test_name_counts_characters_not_bytes(root):
    assert len(await create(root, name="兑换码" * 6)) == 1


async def test_update_and_status_only(root, gateway: Gateway):
    (key,) = await create(root)
    rid = (await row_of(gateway, key))["id"]
    body = {"id": rid, "name": "renamed", "quota": 5, "expired_time": FUTURE}
    status, reply = await root.json("PUT", "/api/redemption/", json=body)
    assert reply["success"] and reply["data"]["name"] == "renamed" and reply["data"]["quota"] == 5
    body = {"id": rid, "status": 2}
    status, reply = await root.json("PUT", "/api/redemption/?status_only=true", json=body)
    assert reply["data"]["status"] == 2 and reply["data"]["name"] == "renamed"
    bad = {"id": rid, "status": 3}
    await fail(root, "PUT", "/api/redemption/?status_only=true", "status must be", json=bad)
    await fail(
        root, "PUT", "/api/redemption/", "quota must be at least 1", json={"id": rid, "quota": 0}
    )
    await fail(root, "PUT", "/api/redemption/", "not found", json={"id": 999, "name": "x"})
    await fail(root, "PUT", "/api/redemption/", "id is required", json={"name": "x"})
    row = await row_of(gateway, key)
    assert (row["status"], row["quota"]) == (2, 5), "nothing half-written"


async def test_delete_and_delete_invalid(root, gateway: Gateway):
    keys = [(await create(root, name=n, expired_time=FUTURE))[0] for n in "abcde"]
    used, disabled, expired, good, gone = keys
    db = gateway.app[MAIN_DB]
    ids = {k: (await row_of(gateway, k))["id"] for k in (used, disabled, expired, good, gone)}
    await redemptions_repo.update_redemption(db, ids[used], {"status": 3})
    await redemptions_repo.update_redemption(db, ids[disabled], {"status": 2})
    await redemptions_repo.update_redemption(db, ids[expired], {"expired_time": 100})
    status, reply = await root.json("DELETE", f"/api/redemption/{ids[gone]}")
    assert reply["success"]
    await fail(root, "DELETE", f"/api/redemption/{ids[gone]}", "not found")
    status, reply = await root.json("DELETE", "/api/redemption/invalid")
    assert reply["success"] and reply["data"] == 3
    status, reply = await root.json("GET", "/api/redemption/")
    assert [r["key"] for r in reply["data"]["items"]] == [good]
    assert await count(gateway) == 5, "soft deletes"


async def test_role_matrix(root, gateway: Gateway):
    await gateway.add_user("cu")
    common = await gateway.login("cu", "userpass123")
    anon = gateway.client()
    routes = [
        ("GET", "/api/redemption/"), ("GET", "/api/redemption/search"),
        ("GET", "/api/redemption/1"), ("POST", "/api/redemption/"), ("PUT", "/api/redemption/"),
        ("DELETE", "/api/redemption/1"), ("DELETE", "/api/redemption/invalid"),
        ("GET", "/api/user/topup"),
    ]  # fmt: skip
    for method, path in routes:
        status, _ = await anon.json(method, path, json={})
        assert status == 401, path
        await fail(common, method, path, "insufficient privilege", json={})
    for method, path in [("POST", "/api/user/topup"), ("GET", "/api/user/topup/self")]:
        status, _ = await anon.json(method, path, json={})
        assert status == 401, path
    await gateway.add_user("adm", role=10)
    admin = await gateway.login("adm", "userpass123")
    assert await create(admin)


# ---- redeem -------------------------------------------------------------------------------------
async def test_redeem_credits_marks_used_and_logs(root, gateway: Gateway):
    uid = await gateway.add_user("rita", quota=10)
    rita = await gateway.login("rita", "userpass123")
    (key,) = await create(root, quota=2500)
    status, reply = await rita.json("POST", "/api/user/topup", json={"key": key})
    assert reply == {"success": True, "message": "", "data": 2500}
    assert gateway.app[RELAY].users[uid].quota == 2510
    row = await row_of(gateway, key)
    assert row["status"] == 3 and row["used_user_id"] == uid and row["redeemed_time"] > 0
    logs = await gateway.app[LOG_DB].fetchall("SELECT * FROM logs WHERE user_id = ?", (uid,))
    assert [(r["type"], r["quota"], r["username"]) for r in logs] == [(1, 2500, "rita")]
    await fail(rita, "POST", "/api/user/topup", "already been used", json={"key": key})
    assert gateway.app[RELAY].users[uid].quota == 2510


async def test_redeem_refusals_write_nothing(root, gateway: Gateway):
    disabled, expired = (await create(root, expired_time=FUTURE))[0], (await create(root))[0]
    db, before = gateway.app[MAIN_DB], gateway.app[RELAY].users[1].quota
    ids = [(await row_of(gateway, k))["id"] for k in (disabled, expired)]
    await redemptions_repo.update_redemption(db, ids[0], {"status": 2})
    await redemptions_repo.update_redemption(db, ids[1], {"expired_time": 100})
    cases = [
        ({"key": disabled}, "already been used or is disabled"),
        ({"key": expired}, "expired"),
        ({"key": "0" * 32}, "invalid redemption code"),
        ({"key": ""}, "key is required"),
        ({"key": 5}, "key is required"),
        ({}, "key is required"),
    ]
    for body, fragment in cases:
        await fail(root, "POST", "/api/user/topup", fragment, json=body)
    assert gateway.app[RELAY].users[1].quota == before
    assert await gateway.app[LOG_DB].fetchval("SELECT COUNT(*) FROM logs") == 0
    assert (await row_of(gateway, expired))["status"] == 1
    status, _ = await root.json("POST", "/api/user/topup", data=b"not json")
    assert status == 400


async def test_concurrent_redeems_of_one_code_credit_once(root, gateway: Gateway):
    a, b = await gateway.add_user("ann"), await gateway.add_user("ben")
    ann, ben = await gateway.login("ann", "userpass123"), await gateway.login("ben", "userpass123")
    (key,) = await create(root, quota=700)
    replies = await asyncio.gather(
        ann.json("POST", "/api/user/topup", json={"key": key}),
        ben.json("POST", "/api/user/topup", json={"key": key}),
    )
    assert sorted(r[1]["success"] for r in replies) == [False, True]
    users = gateway.app[RELAY].users
    assert users[a].quota + users[b].quota == 700
    winner = a if users[a].quota else b
    assert (await row_of(gateway, key))["used_user_id"] == winner


async def test_redeem_is_rate_limited(gateway: Gateway, config):
    from clawrouter.config import replace

    gateway.config = replace(config, security={"api_rate_limit": 0, "critical_rate_limit": 3})
    await gateway.restart()
    await gateway.setup_root()
    root = await gateway.login("root", "rootpass123")  # 1 of 3
    for _ in range(2):
        await fail(root, "POST", "/api/user/topup", "invalid", json={"key": "nope"})
    status, _ = await root.json("POST", "/api/user/topup", json={"key": "nope"})
    assert status == 429


async def test_redeemed_quota_reaches_the_relay(relay_env):
    gw = relay_env.gw
    root = await gw.login("root", "rootpass123")
    uid = await gw.add_user("sam", quota=0)
    sam = await gw.login("sam", "userpass123")
    key = await gw.add_token(user_id=uid)
    status, _, _ = await relay_env.post("/v1/chat/completions", CHAT, key=key)
    assert status != 200
    (code,) = await create(root, quota=10_000_000)
    status, reply = await sam.json("POST", "/api/user/topup", json={"key": code})
    assert reply["success"]
    status, _, _ = await relay_env.post("/v1/chat/completions", CHAT, key=key)
    assert status == 200


# ---- history ------------------------------------------------------------------------------------
async def test_topup_history(root, gateway: Gateway):
    uid = await gateway.add_user("tia")
    tia = await gateway.login("tia", "userpass123")
    db = gateway.app[MAIN_DB]
    for owner, trade in [(uid, "USR2NOaaa1"), (1, "USR1NObbb2"), (uid, "ref_ccc3")]:
        await topups_repo.insert_topup(
            db, {"user_id": owner, "amount": 10, "trade_no": trade, "status": "success"}
        )
    status, reply = await tia.json("GET", "/api/user/topup/self")
    assert [r["trade_no"] for r in reply["data"]["items"]] == ["ref_ccc3", "USR2NOaaa1"]
    status, reply = await tia.json("GET", "/api/user/topup/self?keyword=ref_")
    assert reply["data"]["total"] == 1
    status, reply = await root.json("GET", "/api/user/topup?p=1&page_size=2")
    assert reply["data"]["total"] == 3 and len(reply["data"]["items"]) == 2
    status, reply = await root.json("GET", "/api/user/topup?keyword=NObbb")
    assert [r["user_id"] for r in reply["data"]["items"]] == [1]
    status, reply = await root.json("GET", "/api/user/topup?keyword=%25")
    assert reply["data"]["total"] == 0


async def test_topup_info_says_payments_are_off(root, gateway: Gateway):
    """The wallet page reads it: the reference's fields, every payment flow off until one is
    served, the amounts and methods from the options."""
    await gateway.add_user("uma")
    uma = await gateway.login("uma", "userpass123")
    status, reply = await root.json(
        "PUT", "/api/option/", json={"key": "payment_setting.amount_options", "value": "[5, 25]"}
    )
    assert reply["success"], reply
    status, reply = await uma.json("GET", "/api/user/topup/info")
    assert status == 200 and reply["success"], reply
    info = reply["data"]
    flags = ("online", "stripe", "creem", "waffo", "waffo_pancake")
    assert all(info[f"enable_{name}_topup"] is False for name in flags)
    assert info["amount_options"] == [5, 25] and info["min_topup"] == 1
    assert info["creem_products"] == "[]" and isinstance(info["discount"], dict)
    assert {m["type"] for m in info["pay_methods"]} >= {"alipay", "wxpay"}
    status, _ = await gateway.client().json("GET", "/api/user/topup/info")
    assert status == 401
