"""Login sessions end when the user's session_version moves (password changed or reset):
every cookie issued before is refused and the access token is revoked."""

from __future__ import annotations

from clawrouter.db.repo import users as users_repo
from clawrouter.keys import MAIN_DB
from tests.support.gateway import Gateway


async def test_ending_sessions_refuses_older_cookies_and_the_access_token(gateway: Gateway, root):
    status, body = await root.json("GET", "/api/user/token")
    token = body["data"]
    other = gateway.client(user_id=root.user_id)
    other.headers["Authorization"] = token
    assert (await root.json("GET", "/api/user/self"))[1]["success"]
    assert (await other.json("GET", "/api/user/self"))[1]["success"]
    await users_repo.end_sessions(gateway.app[MAIN_DB], root.user_id)
    status, _ = await root.json("GET", "/api/user/self")
    assert status == 401
    status, body = await other.json("GET", "/api/user/self")
    assert body["success"] is False and "access token is invalid" in body["message"]
    again = await gateway.login("root", "rootpass123")  # a new login carries the new version
    assert (await again.json("GET", "/api/user/self"))[1]["success"]


async def test_admins_never_see_a_users_secrets(gateway: Gateway, root):
    await root.json("GET", "/api/user/token")
    status, body = await root.json("GET", f"/api/user/{root.user_id}")
    assert body["success"] and not {"password", "access_token", "session_version"} & set(
        body["data"]
    )
