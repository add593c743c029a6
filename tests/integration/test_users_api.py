"""/api/user management (list, search, get, create, update, delete, manage) and the caller's
profile extras (models, groups, setting, aff, self-delete): validation, the role matrix and the
relay seeing every change at once."""

from __future__ import annotations

import orjson
import pytest

from clawrouter.db.repo import users as users_repo
from clawrouter.keys import LOG_DB, MAIN_DB, OPTIONS, RELAY
from tests.support.gateway import Gateway

CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}


async def admin_client(gateway: Gateway, name: str = "admin"):
    uid = await gateway.add_user(name, role=10)
    return uid, await gateway.login(name, "userpass123")


async def user_count(gateway: Gateway) -> int:
    return await gateway.app[MAIN_DB].fetchval("SELECT COUNT(*) FROM users")


async def fail(client, method: str, path: str, fragment: str, **kw) -> None:
    status, reply = await client.json(method, path, **kw)
    assert status == 200 and reply["success"] is False, reply
    assert fragment in reply["message"], reply["message"]


# ---- list / search / get ------------------------------------------------------------------------
async def test_list_includes_soft_deleted_newest_first_without_password(root, gateway: Gateway):
    a = await gateway.add_user("alice")
    b = await gateway.add_user("bob", deleted_at=1_800_000_000)
    status, reply = await root.json("GET", "/api/user/?p=1&page_size=2")
    data = reply["data"]
    assert status == 200 and data["total"] == 3 and data["page_size"] == 2
    assert [u["id"] for u in data["items"]] == [b, a]
    assert all("password" not in u for u in data["items"])
    assert data["items"][0]["DeletedAt"] and data["items"][1]["DeletedAt"] is None
    status, reply = await root.json("GET", "/api/user/?p=99")
    assert reply["data"]["items"] == [] and reply["data"]["total"] == 3
    status, reply = await root.json("GET", "/api/user/?p=x")
    assert status == 400


async def test_search_by_keyword_id_and_group(root, gateway: Gateway):
    a = await gateway.add_user("alice", email="a@example.com", group="vip")
    await gateway.add_user("bob", display_name="Bobby")
    status, reply = await root.json("GET", "/api/user/search?keyword=example")
    assert [u["id"] for u in reply["data"]["items"]] == [a]
    status, reply = await root.json("GET", "/api/user/search?keyword=bob")
    assert [u["username"] for u in reply["data"]["items"]] == ["bob"]
    status, reply = await root.json("GET", f"/api/user/search?keyword={a}")
    assert a in [u["id"] for u in reply["data"]["items"]]
    status, reply = await root.json("GET", "/api/user/search?group=vip")
    assert [u["id"] for u in reply["data"]["items"]] == [a]
    status, reply = await root.json("GET", "/api/user/search?keyword=%25")
    assert reply["data"]["total"] == 0, "LIKE wildcards are escaped"


async def test_get_user_and_role_rules(root, gateway: Gateway):
    uid = await gateway.add_user("carol")
    other_admin = await gateway.add_user("admin2", role=10)
    _, admin = await admin_client(gateway)
    status, reply = await admin.json("GET", f"/api/user/{uid}")
    assert reply["success"] and reply["data"]["username"] == "carol"
    assert "password" not in reply["data"]
    await fail(admin, "GET", "/api/user/1", "insufficient privilege")
    await fail(admin, "GET", f"/api/user/{other_admin}", "insufficient privilege")
    status, reply = await root.json("GET", f"/api/user/{other_admin}")
    assert reply["success"]
    await fail(root, "GET", "/api/user/999", "user not found")
    status, _ = await root.json("GET", "/api/user/abc")
    assert status == 404


async def test_anonymous_and_common_users_are_refused(root, gateway: Gateway):
    await gateway.add_user("dave")
    dave = await gateway.login("dave", "userpass123")
    anon = gateway.client()
    admin_routes = [
        ("GET", "/api/user/"), ("GET", "/api/user/search"), ("GET", "/api/user/1"),
        ("POST", "/api/user/"), ("PUT", "/api/user/"), ("DELETE", "/api/user/1"),
        ("POST", "/api/user/manage"),
    ]  # fmt: skip
    for method, path in admin_routes:
        status, _ = await anon.json(method, path, json={})
        assert status == 401, (method, path)
        await fail(dave, method, path, "insufficient privilege", json={})
    for method, path in [("GET", "/api/user/models"), ("GET", "/api/user/self/groups")]:
        status, _ = await anon.json(method, path)
        assert status == 401
    status, reply = await anon.json("GET", "/api/user/groups")
    assert status == 200 and reply["success"], "the group list is public"


# ---- create -------------------------------------------------------------------------------------
async def test_create_user(root, gateway: Gateway):
    await gateway.app[OPTIONS].set("QuotaForNewUser", "1234")
    body = {"username": "erin", "password": "erinpass1", "display_name": "Erin"}
    status, reply = await root.json("POST", "/api/user/", json=body)
    assert reply["success"], reply
    data = reply["data"]
    assert data["role"] == 1 and data["quota"] == 1234 and len(data["aff_code"]) == 4
    assert data["display_name"] == "Erin" and "password" not in data
    assert gateway.app[RELAY].users[data["id"]].quota == 1234
    logs = await gateway.app[LOG_DB].fetchall("SELECT * FROM logs WHERE user_id = ?", (data["id"],))
    assert [(r["type"], r["quota"]) for r in logs] == [(4, 1234)]
    await gateway.login("erin", "erinpass1")
    status, reply = await root.json("POST", "/api/user/", json={**body, "username": "e2"})
    assert reply["data"]["aff_code"] != data["aff_code"]


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"password": "longenough"}, "username is required"),
        ({"username": "x" * 21, "password": "longenough"}, "at most 20"),
        ({"username": 5, "password": "longenough"}, "username must be a string"),
        ({"username": "frank"}, "password is required"),
        ({"username": "frank", "password": "short"}, "8 to 20"),
        ({"username": "frank", "password": "x" * 21}, "8 to 20"),
        ({"username": "frank", "password": "longenough", "role": 100}, "lower role"),
        ({"username": "frank", "password": "longenough", "role": 5}, "role must be one of"),
        ({"username": "frank", "password": "longenough", "role": "1"}, "role must be an int"),
        ({"username": "ghost", "password": "longenough"}, "already taken"),
    ],
)
async def test_create_user_rejects_bad_input(root, gateway: Gateway, body, fragment):
    await gateway.add_user("ghost", deleted_at=1_800_000_000)  # soft-deleted names stay taken
    before = await user_count(gateway)
    await fail(root, "POST", "/api/user/", fragment, json=body)
    assert await user_count(gateway) == before


async def test_admin_creates_only_lower_roles(root, gateway: Gateway):
    _, admin = await admin_client(gateway)
    body = {"username": "helper", "password": "longenough", "role": 10}
    await fail(admin, "POST", "/api/user/", "lower role", json=body)
    status, reply = await admin.json("POST", "/api/user/", json={**body, "role": 1})
    assert reply["success"]
    status, reply = await root.json("POST", "/api/user/", json={**body, "username": "adm2"})
    assert reply["success"] and reply["data"]["role"] == 10
    status, _ = await root.json("POST", "/api/user/", data=b"[1]")
    assert status == 400


# ---- update / delete ----------------------------------------------------------------------------
async def test_update_user(root, gateway: Gateway):
    uid = await gateway.add_user("ivan", quota=50)
    body = {
        "id": uid, "username": "ivan2", "display_name": "Ivan", "group": "vip",
        "remark": "note", "password": "newpass123", "quota": 999999,
    }  # fmt: skip
    status, reply = await root.json("PUT", "/api/user/", json=body)
    assert reply["success"], reply
    data = reply["data"]
    assert (data["username"], data["display_name"], data["group"], data["remark"]) == (
        "ivan2", "Ivan", "vip", "note",
    )  # fmt: skip
    assert data["quota"] == 50, "quota is not editable here"
    assert gateway.app[RELAY].users[uid].group == "vip"
    await gateway.login("ivan2", "newpass123")
    status, reply = await root.json("PUT", "/api/user/", json={"id": uid, "password": ""})
    assert reply["success"]
    await gateway.login("ivan2", "newpass123")


async def test_update_user_rules(root, gateway: Gateway):
    uid = await gateway.add_user("judy")
    await gateway.add_user("kate", deleted_at=1)
    other_admin = await gateway.add_user("admin2", role=10)
    _, admin = await admin_client(gateway)
    await fail(admin, "PUT", "/api/user/", "insufficient privilege", json={"id": 1, "remark": "x"})
    body = {"id": other_admin, "remark": "x"}
    await fail(admin, "PUT", "/api/user/", "insufficient privilege", json=body)
    body = {"id": uid, "remark": "x", "role": 10}
    await fail(admin, "PUT", "/api/user/", "insufficient privilege", json=body)
    await fail(root, "PUT", "/api/user/", "already taken", json={"id": uid, "username": "kate"})
    await fail(root, "PUT", "/api/user/", "8 to 20", json={"id": uid, "password": "short"})
    await fail(root, "PUT", "/api/user/", "user not found", json={"id": 999})
    await fail(root, "PUT", "/api/user/", "id is required", json={"remark": "x"})
    await fail(root, "PUT", "/api/user/", "id must be an integer", json={"id": "x"})
    row = await users_repo.get_user(gateway.app[MAIN_DB], uid)
    assert row["remark"] == "" and row["username"] == "judy", "nothing half-written"


async def test_delete_user_is_hard_and_drops_keys(root, gateway: Gateway):
    uid = await gateway.add_user("leo")
    key = await gateway.add_token(user_id=uid)
    other_admin = await gateway.add_user("admin2", role=10)
    _, admin = await admin_client(gateway)
    await fail(admin, "DELETE", f"/api/user/{other_admin}", "insufficient privilege")
    await fail(admin, "DELETE", "/api/user/1", "insufficient privilege")
    await fail(root, "DELETE", "/api/user/1", "insufficient privilege")
    await fail(root, "DELETE", "/api/user/999", "user not found")
    status, reply = await admin.json("DELETE", f"/api/user/{uid}")
    assert reply["success"]
    assert await users_repo.get_user(gateway.app[MAIN_DB], uid, with_deleted=True) is None
    assert uid not in gateway.app[RELAY].users and key[3:] not in gateway.app[RELAY].tokens


# ---- manage -------------------------------------------------------------------------------------
async def manage(client, uid: int, action: str, **extra):
    status, reply = await client.json(
        "POST", "/api/user/manage", json={"id": uid, "action": action, **extra}
    )
    assert status == 200
    return reply


async def test_manage_actions(root, gateway: Gateway):
    uid = await gateway.add_user("mia")
    state = gateway.app[RELAY]
    reply = await manage(root, uid, "disable")
    assert reply["data"] == {"role": 1, "status": 2} and state.users[uid].status == 2
    assert (await manage(root, uid, "enable"))["data"]["status"] == 1
    assert state.users[uid].status == 1
    assert (await manage(root, uid, "promote"))["data"]["role"] == 10
    assert "already an administrator" in (await manage(root, uid, "promote"))["message"]
    assert (await manage(root, uid, "demote"))["data"]["role"] == 1
    assert "already a common user" in (await manage(root, uid, "demote"))["message"]
    assert "action must be one of" in (await manage(root, uid, "explode"))["message"]
    assert "user not found" in (await manage(root, 999, "enable"))["message"]
    assert (await manage(root, uid, "delete"))["success"]
    assert uid not in state.users
    row = await users_repo.get_user(gateway.app[MAIN_DB], uid, with_deleted=True)
    assert row["deleted_at"]


async def test_manage_role_matrix(root, gateway: Gateway):
    uid = await gateway.add_user("nina")
    other_admin = await gateway.add_user("admin2", role=10)
    _, admin = await admin_client(gateway)
    for target in (1, other_admin):
        for action in ("disable", "enable", "delete", "demote", "add_quota"):
            reply = await manage(admin, target, action, mode="add", value=5)
            assert "insufficient privilege" in reply["message"], (target, action)
    assert "only the root user" in (await manage(admin, uid, "promote"))["message"]
    assert (await manage(admin, uid, "disable"))["success"]
    for action in ("disable", "delete", "demote"):
        assert "root user cannot" in (await manage(root, 1, action))["message"], action
    assert gateway.app[RELAY].users[1].status == 1 and gateway.app[RELAY].users[1].role == 100


async def test_manage_quota_modes_and_log(root, gateway: Gateway):
    uid = await gateway.add_user("olga", quota=100)
    state = gateway.app[RELAY]
    assert (await manage(root, uid, "add_quota", mode="add", value=50))["success"]
    assert state.users[uid].quota == 150
    assert (await manage(root, uid, "add_quota", mode="subtract", value=30))["success"]
    assert state.users[uid].quota == 120
    assert (await manage(root, uid, "add_quota", mode="override", value=7))["success"]
    assert state.users[uid].quota == 7
    bad = [
        ({"mode": "add", "value": 0}, "value must be at least 1"),
        ({"mode": "subtract", "value": -1}, "value must be at least 1"),
        ({"mode": "override", "value": -1}, "value must be at least 0"),
        ({"mode": "double", "value": 1}, "mode must be"),
        ({"mode": "add"}, "value is required"),
        ({"mode": "add", "value": "5"}, "value must be an integer"),
    ]
    for extra, fragment in bad:
        assert fragment in (await manage(root, uid, "add_quota", **extra))["message"], extra
    assert state.users[uid].quota == 7
    rows = await gateway.app[LOG_DB].fetchall(
        "SELECT * FROM logs WHERE user_id = ? ORDER BY id", (uid,)
    )
    assert [(r["type"], r["quota"]) for r in rows] == [(3, 50), (3, 30), (3, 7)]
    other = orjson.loads(rows[0]["other"])
    assert other["admin_info"] == {"admin_id": 1, "admin_username": "root"}


async def test_relay_honours_disable_and_quota_at_once(relay_env):
    gw = relay_env.gw
    root = await gw.login("root", "rootpass123")
    uid = await gw.add_user("pat", quota=0)
    key = await gw.add_token(user_id=uid)
    status, _, _ = await relay_env.post("/v1/chat/completions", CHAT, key=key)
    assert status != 200, "no quota yet"
    assert (await manage(root, uid, "add_quota", mode="add", value=10_000_000))["success"]
    status, _, _ = await relay_env.post("/v1/chat/completions", CHAT, key=key)
    assert status == 200
    assert (await manage(root, uid, "disable"))["success"]
    status, body, _ = await relay_env.post("/v1/chat/completions", CHAT, key=key)
    assert status == 403 and "banned" in body["error"]["message"]
    assert (await manage(root, uid, "enable"))["success"]
    status, _, _ = await relay_env.post("/v1/chat/completions", CHAT, key=key)
    assert status == 200


# ---- the caller's own extras --------------------------------------------------------------------
async def test_models_and_groups(root, gateway: Gateway):
    await gateway.add_channel("http://127.0.0.1:9", models="m-default,m-shared", group="default")
    await gateway.add_channel("http://127.0.0.1:9", models="m-vip,m-shared", group="vip")
    await gateway.add_channel("http://127.0.0.1:9", models="m-hidden", group="secret")
    await gateway.add_channel("http://127.0.0.1:9", models="m-off", group="default", status=2)
    status, reply = await root.json("GET", "/api/user/models")
    assert reply["data"] == ["m-default", "m-shared", "m-vip"]
    status, reply = await root.json("GET", "/api/user/self/groups")
    groups = reply["data"]
    assert set(groups) == {"default", "vip", "auto"}
    assert groups["default"] == {"ratio": 1, "desc": "默认分组"}
    await gateway.app[OPTIONS].set("AutoGroups", "[]")
    await gateway.app[OPTIONS].set("GroupGroupRatio", '{"default": {"vip": 0.5}}')
    status, reply = await root.json("GET", "/api/user/self/groups")
    assert set(reply["data"]) == {"default", "vip"} and reply["data"]["vip"]["ratio"] == 0.5
    status, reply = await gateway.client().json("GET", "/api/user/groups")
    assert reply["data"]["vip"]["ratio"] == 1, "public list: plain group ratios"


async def test_update_setting(root, gateway: Gateway):
    await root.json("PUT", "/api/user/self", json={"sidebar_modules": '{"a": 1}'})
    body = {
        "notify_type": "gotify", "quota_warning_threshold": 5000,
        "gotify_url": "https://push.example", "gotify_token": "t", "gotify_priority": 42,
        "record_ip_log": True, "upstream_model_update_notify_enabled": True,
    }  # fmt: skip
    status, reply = await root.json("PUT", "/api/user/setting", json=body)
    assert reply["success"], reply
    setting = gateway.app[RELAY].users[1].setting
    assert setting["gotify_priority"] == 5 and setting["record_ip_log"] is True
    assert setting["sidebar_modules"] == '{"a": 1}', "kept"
    assert setting["upstream_model_update_notify_enabled"] is True, "root may"
    bad = [
        ({}, "notify_type must be"),
        ({"notify_type": "sms"}, "notify_type must be"),
        ({"notify_type": "email", "quota_warning_threshold": 0}, "greater than 0"),
        ({"notify_type": "email", "quota_warning_threshold": "5"}, "greater than 0"),
        ({"notify_type": "webhook", "quota_warning_threshold": 1}, "webhook_url is required"),
        (
            {"notify_type": "bark", "quota_warning_threshold": 1, "bark_url": "ftp://x"},
            "http(s) URL",
        ),
        (
            {"notify_type": "email", "quota_warning_threshold": 1, "notification_email": "x"},
            "e-mail",
        ),
    ]
    for payload, fragment in bad:
        await fail(root, "PUT", "/api/user/setting", fragment, json=payload)
    assert gateway.app[RELAY].users[1].setting["notify_type"] == "gotify"


async def test_aff_code_is_created_once(root, gateway: Gateway):
    status, first = await root.json("GET", "/api/user/aff")
    assert first["success"] and len(first["data"]) == 4 and first["data"].isalnum()
    status, again = await root.json("GET", "/api/user/aff")
    assert again["data"] == first["data"]


async def test_delete_self(root, gateway: Gateway):
    await fail(root, "DELETE", "/api/user/self", "root user cannot")
    uid = await gateway.add_user("quinn")
    quinn = await gateway.login("quinn", "userpass123")
    status, reply = await quinn.json("DELETE", "/api/user/self")
    assert reply["success"]
    row = await users_repo.get_user(gateway.app[MAIN_DB], uid, with_deleted=True)
    assert row["deleted_at"] and uid not in gateway.app[RELAY].users
    status, _ = await quinn.json("GET", "/api/user/self")
    assert status == 401


async def test_aff_transfer(root, gateway):
    uid = await gateway.add_user("inviter", aff_quota=700_000, quota=0)
    c = await gateway.login("inviter", "userpass123")
    for bad, fragment in ((100, "smallest"), ("x", "integer"), (800_000, "not enough")):
        status, body = await c.json("POST", "/api/user/aff_transfer", json={"quota": bad})
        assert body["success"] is False and fragment in body["message"], body
    status, body = await c.json("POST", "/api/user/aff_transfer", json={"quota": 500_000})
    assert body["success"], body
    status, body = await c.json("GET", "/api/user/self")
    assert body["data"]["quota"] == 500_000 and body["data"]["aff_quota"] == 200_000
    from clawrouter.keys import RELAY

    assert gateway.app[RELAY].users[uid].quota == 500_000
