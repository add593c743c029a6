"""POST /pg/chat/completions: the console's playground, with the login session. Billed to the
wallet and logged as `playground-<group>` (a temporary key that no /v1 call can use), JSON and
stream; refused with an access token, without a login, and for a group the user may not use."""

from __future__ import annotations

from clawrouter.keys import RELAY
from tests.support.gateway import RelayEnv

CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hello there"}]}


async def _root(env: RelayEnv):
    return await env.gw.login("root", "rootpass123")


async def test_session_json_is_billed_and_logged(relay_env: RelayEnv):
    root = await _root(relay_env)
    before = relay_env.gw.app[RELAY].users[root.user_id].quota
    status, body = await root.json("POST", "/pg/chat/completions", json=CHAT)
    assert status == 200, body
    assert body["choices"][0]["message"]["content"]
    (log,) = await relay_env.logs()
    assert log["type"] == 2 and log["token_name"] == "playground-default" and log["token_id"] == 0
    assert log["user_id"] == root.user_id and log["group"] == "default" and log["quota"] > 0
    assert log["model_name"] == "gpt-4o-mini" and log["is_stream"] == 0
    status, me = await root.json("GET", "/api/user/self")
    assert me["data"]["quota"] == before - log["quota"]
    assert me["data"]["used_quota"] == log["quota"] and me["data"]["request_count"] == 1
    # the upstream got the request without the playground's own field
    assert "group" not in relay_env.up.requests[-1].json


async def test_session_stream_with_a_named_group(relay_env: RelayEnv):
    root = await _root(relay_env)
    body = {**CHAT, "stream": True, "group": "default"}
    resp = await root.request("POST", "/pg/chat/completions", json=body)
    text = (await resp.read()).decode()
    assert resp.status == 200 and resp.headers["Content-Type"].startswith("text/event-stream")
    assert '"delta"' in text and text.rstrip().endswith("data: [DONE]")
    (log,) = await relay_env.logs()
    assert log["is_stream"] == 1 and log["token_name"] == "playground-default"
    assert log["quota"] > 0


async def test_access_token_is_refused(relay_env: RelayEnv):
    root = await _root(relay_env)
    status, body = await root.json("GET", "/api/user/token")
    token = body["data"]
    client = relay_env.gw.client(root.user_id)
    client.headers["Authorization"] = f"Bearer {token}"
    status, body = await client.json("GET", "/api/user/self")
    assert status == 200 and body["success"]  # the token itself works on /api
    status, body = await client.json("POST", "/pg/chat/completions", json=CHAT)
    assert status == 403 and body["error"]["code"] == "access_denied"
    assert relay_env.up.requests == []


async def test_not_logged_in_and_header_rules(relay_env: RelayEnv):
    anonymous = relay_env.gw.client()
    status, body = await anonymous.json("POST", "/pg/chat/completions", json=CHAT)
    assert status == 401 and body["error"]["message"]
    root = await _root(relay_env)
    uid, root.user_id = root.user_id, None  # the session cookie, without New-Api-User
    status, body = await root.json("POST", "/pg/chat/completions", json=CHAT)
    assert status == 401
    status, body = await root.json(
        "POST", "/pg/chat/completions", json=CHAT, headers={"New-Api-User": str(uid + 1)}
    )
    assert status == 401
    assert relay_env.up.requests == []


async def test_a_group_the_user_may_not_use_is_refused(relay_env: RelayEnv):
    root = await _root(relay_env)
    status, body = await root.json(
        "POST", "/pg/chat/completions", json={**CHAT, "group": "no-such-group"}
    )
    assert status == 403 and body["error"]["code"] == "group_not_allowed"
    status, body = await root.json("POST", "/pg/chat/completions", json={**CHAT, "group": 5})
    assert status == 200  # not a group name: the user's own group
    assert len(relay_env.up.requests) == 1


async def test_the_playground_key_is_not_an_api_key(relay_env: RelayEnv):
    root = await _root(relay_env)
    status, _ = await root.json("POST", "/pg/chat/completions", json=CHAT)
    assert status == 200
    assert 0 not in relay_env.gw.app[RELAY].tokens_by_id
    for key in ("", "playground-default", "sk-playground-default"):
        client = relay_env.gw.client()
        status, body = await client.json(
            "POST", "/v1/chat/completions", json=CHAT, headers={"Authorization": f"Bearer {key}"}
        )
        assert status == 401, (key, body)


async def test_other_pg_paths_are_json_404s(relay_env: RelayEnv):
    client = relay_env.gw.client()
    for method, path in (("GET", "/pg/chat/completions"), ("POST", "/pg/nothing"), ("GET", "/pg")):
        status, body = await client.json(method, path)
        assert status == 404 and body["error"]["message"], (method, path, body)
