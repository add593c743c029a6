"""TOTP 2FA over HTTP: setup, enable, status, login step 2, replay and backup-code refusals,
the lockout and its end, disable, backup-code regeneration, the admin statistics and forced
disable, the secret at rest, and clean errors for bad input."""

from __future__ import annotations

import re

import pyotp
import pytest

from clawrouter.config import replace
from clawrouter.keys import LOG_DB, MAIN_DB
from tests.support.twofa import STEP, ClockGateway, enroll, login_2fa

BACKUP = re.compile(r"^[A-Z0-9]{4}-[A-Z0-9]{4}$")


@pytest.fixture
async def root(gw: ClockGateway):
    await gw.setup_root()
    return await gw.login("root", "rootpass123")


async def status(client) -> dict:
    code, body = await client.json("GET", "/api/user/2fa/status")
    assert code == 200 and body["success"], body
    return body["data"]


async def fails(client, path: str, payload, needle: str, method: str = "POST") -> str:
    code, body = await client.json(method, path, json=payload)
    assert code == 200 and body["success"] is False, body
    assert needle in body["message"], body
    return body["message"]


async def test_setup_answers_the_reference_shape_and_stores_no_secret_in_clear(gw, root):
    assert await status(root) == {"enabled": False, "locked": False}
    code, body = await root.json("POST", "/api/user/2fa/setup")
    assert code == 200 and body["success"], body
    data = body["data"]
    secret = data["secret"]
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    assert data["qr_code_data"] == (
        f"otpauth://totp/ClawRouter:root (ClawRouter)?secret={secret}"
        "&issuer=ClawRouter&digits=6&period=30"
    )
    assert len(data["backup_codes"]) == 4 and all(BACKUP.match(c) for c in data["backup_codes"])
    db = gw.app[MAIN_DB]
    row = await db.fetchone("SELECT * FROM two_fas WHERE user_id = ?", (root.user_id,))
    assert row["is_enabled"] == 0 and secret not in row["secret"]
    assert row["secret"].startswith("enc1:")
    hashes = await db.fetchall(
        "SELECT code_hash FROM two_fa_backup_codes WHERE user_id = ?", (root.user_id,)
    )
    assert len(hashes) == 4 and all(h["code_hash"].startswith("$2b$10$") for h in hashes)
    assert not {c for c in data["backup_codes"]} & {h["code_hash"] for h in hashes}
    # a pending setup is not 2FA yet: the password alone still logs in
    assert (await status(root))["enabled"] is False
    assert (await gw.login("root", "rootpass123")).user_id == root.user_id


async def test_setup_replaces_a_pending_one_and_is_refused_once_enabled(gw, root):
    _, first = await root.json("POST", "/api/user/2fa/setup")
    _, second = await root.json("POST", "/api/user/2fa/setup")
    old, new = first["data"]["secret"], second["data"]["secret"]
    assert old != new
    await fails(root, "/api/user/2fa/enable", {"code": gw.code(old)}, "code is wrong")
    code, body = await root.json("POST", "/api/user/2fa/enable", json={"code": gw.code(new)})
    assert body["success"] and body["message"] == "two-factor authentication is enabled"
    assert await status(root) == {"enabled": True, "locked": False, "backup_codes_remaining": 4}
    await fails(root, "/api/user/2fa/setup", None, "already enabled")
    await fails(root, "/api/user/2fa/enable", {"code": gw.code(new, 1)}, "already enabled")


async def test_enable_refusals(gw, root):
    await fails(root, "/api/user/2fa/enable", {"code": "123456"}, "start the setup first")
    _, body = await root.json("POST", "/api/user/2fa/setup")
    secret = body["data"]["secret"]
    for bad in ({}, {"code": ""}, {"code": 123456}, {"code": None}, {"code": ["1"]}):
        await fails(root, "/api/user/2fa/enable", bad, "code is required")
    await fails(root, "/api/user/2fa/enable", {"code": "12345a"}, "6-digit code")
    await fails(root, "/api/user/2fa/enable", {"code": body["data"]["backup_codes"][0]}, "6-digit")
    wrong = gw.code(secret, 5)
    await fails(root, "/api/user/2fa/enable", {"code": wrong}, "code is wrong")
    code, body = await root.json("POST", "/api/user/2fa/enable", data=b"[1]")
    assert code == 400 and body["success"] is False
    # one step of skew either way is accepted (the reference's window)
    code, body = await root.json("POST", "/api/user/2fa/enable", json={"code": gw.code(secret, -1)})
    assert body["success"], body


async def test_login_needs_the_second_step(gw, root):
    secret, codes = await enroll(gw, root)
    c = gw.client(user_id=root.user_id)
    code, body = await c.json(
        "POST", "/api/user/login", json={"username": "root", "password": "rootpass123"}
    )
    assert body == {
        "success": True,
        "message": "please enter your two-factor code",
        "data": {"require_2fa": True},
    }
    code, _ = await c.json("GET", "/api/user/self")
    assert code == 401  # the pending session is not a login
    await fails(c, "/api/user/login/2fa", {"code": gw.code(secret, 3)}, "code or backup code is")
    code, body = await c.json("POST", "/api/user/login/2fa", json={"code": gw.code(secret)})
    assert body["success"] and body["data"]["id"] == root.user_id and body["data"]["role"] == 100
    code, body = await c.json("GET", "/api/user/self")
    assert body["success"] and body["data"]["username"] == "root"
    # the pending keys are gone: a second step 2 has nothing to finish
    await fails(c, "/api/user/login/2fa", {"code": gw.code(secret)}, "no login is waiting")


async def test_a_code_is_accepted_once(gw, root):
    secret, _ = await enroll(gw, root)
    code = gw.code(secret)
    await login_2fa(gw, "root", "rootpass123", code)
    c = gw.client()
    await c.json("POST", "/api/user/login", json={"username": "root", "password": "rootpass123"})
    await fails(c, "/api/user/login/2fa", {"code": code}, "already been used")
    gw.tick(STEP)  # the next step's code works
    code, body = await c.json("POST", "/api/user/login/2fa", json={"code": gw.code(secret)})
    assert body["success"], body
    # an older step (still inside the skew window) is refused once a newer one was used
    await fails(root, "/api/user/2fa/disable", {"code": gw.code(secret, -1)}, "already been used")


async def test_the_code_that_enabled_2fa_cannot_log_in(gw, root):
    _, body = await root.json("POST", "/api/user/2fa/setup")
    secret = body["data"]["secret"]
    enable_code = gw.code(secret)
    await root.json("POST", "/api/user/2fa/enable", json={"code": enable_code})
    c = gw.client()
    await c.json("POST", "/api/user/login", json={"username": "root", "password": "rootpass123"})
    await fails(c, "/api/user/login/2fa", {"code": enable_code}, "already been used")


async def test_backup_codes_log_in_once_each(gw, root):
    _, codes = await enroll(gw, root)
    await login_2fa(gw, "root", "rootpass123", codes[0])
    await login_2fa(gw, "root", "rootpass123", codes[1].lower().replace("-", ""))
    assert (await status(root))["backup_codes_remaining"] == 2
    c = gw.client()
    await c.json("POST", "/api/user/login", json={"username": "root", "password": "rootpass123"})
    await fails(c, "/api/user/login/2fa", {"code": codes[0]}, "code or backup code is wrong")
    await fails(c, "/api/user/login/2fa", {"code": "AB-CD"}, "must be a 6-digit code or a backup")


async def test_login_step_2_refusals(gw, root):
    secret, _ = await enroll(gw, root)
    anon = gw.client()
    await fails(anon, "/api/user/login/2fa", {"code": gw.code(secret)}, "no login is waiting")
    c = gw.client()
    await c.json("POST", "/api/user/login", json={"username": "root", "password": "rootpass123"})
    for bad in ({}, {"code": 5}, {"code": None}):
        await fails(c, "/api/user/login/2fa", bad, "code is required")
    code, body = await c.json("POST", "/api/user/login/2fa", data=b"not json")
    assert code == 400 and body["success"] is False
    gw.tick(300)  # the pending login expires
    await fails(c, "/api/user/login/2fa", {"code": gw.code(secret)}, "waited too long")
    await fails(c, "/api/user/login/2fa", {"code": gw.code(secret)}, "no login is waiting")


async def test_a_password_change_voids_a_pending_login(gw, root):
    secret, _ = await enroll(gw, root)
    c = gw.client()
    await c.json("POST", "/api/user/login", json={"username": "root", "password": "rootpass123"})
    change = {"password": "newpass1234", "original_password": "rootpass123"}
    assert (await root.json("PUT", "/api/user/self", json=change))[1]["success"]
    await fails(c, "/api/user/login/2fa", {"code": gw.code(secret)}, "no longer valid")


async def test_lockout_counts_every_route_and_ends(gw, root):
    secret, codes = await enroll(gw, root)
    c = gw.client()
    await c.json("POST", "/api/user/login", json={"username": "root", "password": "rootpass123"})
    wrong = gw.code(secret, 7)
    msg = await fails(c, "/api/user/login/2fa", {"code": wrong}, "4 more wrong codes")
    await fails(c, "/api/user/login/2fa", {"code": "ZZZZ-ZZZZ"}, "3 more wrong codes")
    await fails(root, "/api/verify", {"method": "2fa", "code": wrong}, "2 more wrong codes")
    await fails(root, "/api/user/2fa/disable", {"code": wrong}, "1 more wrong codes")
    assert "lock it for 5 minutes" in msg
    await fails(root, "/api/user/2fa/backup_codes", {"code": wrong}, "locked, try again in 300")
    assert (await status(root))["locked"] is True
    # while locked, right codes are refused too, and nothing counts
    await fails(c, "/api/user/login/2fa", {"code": gw.code(secret)}, "locked")
    await fails(c, "/api/user/login/2fa", {"code": codes[0]}, "locked")
    gw.tick(120)
    await fails(root, "/api/verify", {"method": "2fa", "code": gw.code(secret)}, "try again in 180")
    gw.tick(180)
    assert (await status(root))["locked"] is False
    # after the lock, the count stays until a success: one more wrong code locks again
    await fails(root, "/api/user/2fa/disable", {"code": wrong}, "locked, try again in 300")
    gw.tick(300)
    await login_2fa(gw, "root", "rootpass123", gw.code(secret))  # a success clears the count
    await fails(root, "/api/user/2fa/disable", {"code": wrong}, "4 more wrong codes")


async def test_disable_with_a_code_or_a_backup_code(gw, root):
    await fails(root, "/api/user/2fa/disable", {"code": "123456"}, "not enabled")
    secret, _ = await enroll(gw, root)
    await fails(root, "/api/user/2fa/disable", {"code": gw.code(secret, 4)}, "wrong")
    code, body = await root.json("POST", "/api/user/2fa/disable", json={"code": gw.code(secret)})
    assert body["success"] and body["message"] == "two-factor authentication is disabled"
    assert await status(root) == {"enabled": False, "locked": False}
    db = gw.app[MAIN_DB]
    assert not await db.fetchval("SELECT COUNT(*) FROM two_fa_backup_codes")
    assert not await db.fetchval("SELECT COUNT(*) FROM two_fas")
    assert (await gw.login("root", "rootpass123")).user_id == root.user_id
    _, codes = await enroll(gw, root)
    code, body = await root.json("POST", "/api/user/2fa/disable", json={"code": codes[3]})
    assert body["success"], body
    logs = await gw.app[LOG_DB].fetchall("SELECT type, content FROM logs ORDER BY id")
    assert [r["content"] for r in logs if r["type"] == 4].count(
        "two-factor authentication disabled"
    ) == 2


async def test_backup_codes_regenerate_with_a_totp_code_only(gw, root):
    await fails(root, "/api/user/2fa/backup_codes", {"code": "123456"}, "not enabled")
    secret, old = await enroll(gw, root)
    await login_2fa(gw, "root", "rootpass123", old[0])
    assert (await status(root))["backup_codes_remaining"] == 3
    await fails(root, "/api/user/2fa/backup_codes", {"code": old[1]}, "6-digit code of your app")
    code, body = await root.json(
        "POST", "/api/user/2fa/backup_codes", json={"code": gw.code(secret)}
    )
    assert body["success"], body
    new = body["data"]["backup_codes"]
    assert len(new) == 4 and all(BACKUP.match(c) for c in new) and not set(new) & set(old)
    assert (await status(root))["backup_codes_remaining"] == 4
    c = gw.client()
    await c.json("POST", "/api/user/login", json={"username": "root", "password": "rootpass123"})
    await fails(c, "/api/user/login/2fa", {"code": old[1]}, "wrong")
    code, body = await c.json("POST", "/api/user/login/2fa", json={"code": new[2]})
    assert body["success"], body


async def test_admin_stats_and_forced_disable(gw, root):
    admin_id = await gw.add_user("admin2", role=10)
    user_id = await gw.add_user("plain", role=1)
    await gw.add_user("gone", role=1, deleted_at=1)
    admin = await gw.login("admin2", "userpass123")
    plain = await gw.login("plain", "userpass123")
    code, body = await admin.json("GET", "/api/user/2fa/stats")
    assert body["data"] == {"total_users": 3, "enabled_users": 0, "enabled_rate": "0.0%"}
    await enroll(gw, plain)
    await enroll(gw, root)
    code, body = await admin.json("GET", "/api/user/2fa/stats")
    assert body["data"] == {"total_users": 3, "enabled_users": 2, "enabled_rate": "66.7%"}
    # an admin may not touch root's 2FA (nor another admin's); root may
    await fails(admin, f"/api/user/{root.user_id}/2fa", None, "privilege", "DELETE")
    await fails(admin, "/api/user/999/2fa", None, "user not found", "DELETE")
    code, body = await admin.json("DELETE", f"/api/user/{user_id}/2fa")
    assert body == {
        "success": True,
        "message": "two-factor authentication of the user is disabled",
    }
    await fails(admin, f"/api/user/{user_id}/2fa", None, "not enabled", "DELETE")
    assert (await status(plain))["enabled"] is False
    await enroll(gw, admin)
    code, body = await root.json("DELETE", f"/api/user/{admin_id}/2fa")
    assert body["success"], body
    rows = await gw.app[LOG_DB].fetchall("SELECT * FROM logs WHERE type = 3 ORDER BY id")
    assert [(r["user_id"], r["content"]) for r in rows] == [
        (user_id, "an administrator disabled two-factor authentication"),
        (admin_id, "an administrator disabled two-factor authentication"),
    ]
    assert '"admin_username":"admin2"' in rows[0]["other"]
    code, body = await plain.json("GET", "/api/user/2fa/stats")
    assert body["success"] is False and "privilege" in body["message"]


async def test_a_changed_session_secret_leaves_the_backup_codes(gw, root, config):
    """The TOTP secret is sealed with a key derived from the session secret: with another
    secret it cannot be read (a clear message), and the backup codes still log in."""
    secret, codes = await enroll(gw, root)
    await gw.stop()
    gw.config = replace(
        gw.config, security={"session_secret": "another-secret-entirely-and-long-enough-for-hs256"}
    )
    await gw.start()
    c = gw.client()
    await c.json("POST", "/api/user/login", json={"username": "root", "password": "rootpass123"})
    await fails(c, "/api/user/login/2fa", {"code": gw.code(secret)}, "session secret changed")
    code, body = await c.json("POST", "/api/user/login/2fa", json={"code": codes[0]})
    assert body["success"], body


async def test_a_reference_database_secret_in_clear_still_works(gw, root):
    """A two_fas row written by new-api holds the base32 secret as is."""
    secret = pyotp.random_base32()
    await gw.app[MAIN_DB].execute(
        "INSERT INTO two_fas (user_id, secret, is_enabled) VALUES (?, ?, 1)",
        (root.user_id, secret),
    )
    await login_2fa(gw, "root", "rootpass123", gw.code(secret))
