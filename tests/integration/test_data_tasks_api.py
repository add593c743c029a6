"""/api/data (dashboard aggregates) and /api/task, /api/mj (async job lists): grouping, scoping,
filters, the 30-day span limit, private_data never returned, and the role matrix."""

from __future__ import annotations

import pytest

from clawrouter.db.repo import tasks as tasks_repo
from clawrouter.db.repo.usage import insert_logs
from clawrouter.keys import LOG_DB, MAIN_DB
from tests.support.gateway import Gateway

H = 1_800_000_000 - 1_800_000_000 % 3600


@pytest.fixture
async def env(root, gateway: Gateway):
    await gateway.add_user("bob")  # user 2
    quota = [
        (1, "root", "gpt-4o", H, 2, 20, 200),
        (1, "root", "claude-3", H, 1, 5, 50),
        (2, "bob", "gpt-4o", H, 3, 30, 300),
        (2, "bob", "gpt-4o", H + 3600, 1, 10, 100),
    ]
    await insert_logs(gateway.app[LOG_DB], [], quota)
    db = gateway.app[MAIN_DB]
    await tasks_repo.insert_task(db, {"task_id": "t1", "platform": "suno", "user_id": 1,
        "status": "SUCCESS", "action": "MUSIC", "submit_time": H, "channel_id": 3,
        "properties": '{"input": "song"}', "private_data": '{"key": "secret"}', "data": "{}"})  # fmt: skip
    await tasks_repo.insert_task(db, {"task_id": "t2", "platform": "kling", "user_id": 2,
        "status": "FAILURE", "action": "VIDEO", "submit_time": H + 10})  # fmt: skip
    await tasks_repo.insert_midjourney(db, {"mj_id": "m1", "user_id": 1, "channel_id": 3,
        "submit_time": H, "prompt": "cat"})  # fmt: skip
    await tasks_repo.insert_midjourney(db, {"mj_id": "m2", "user_id": 2, "submit_time": H + 5})
    return await gateway.login("bob", "userpass123")


async def data(client, path: str):
    status, reply = await client.json("GET", path)
    assert status == 200 and reply["success"], reply
    return reply["data"]


async def test_quota_data(root, env):
    rows = await data(root, "/api/data/")
    assert [(r["model_name"], r["created_at"], r["count"], r["quota"], r["token_used"])
            for r in rows] == [("claude-3", H, 1, 5, 50), ("gpt-4o", H, 5, 50, 500),
                               ("gpt-4o", H + 3600, 1, 10, 100)]  # fmt: skip
    rows = await data(root, f"/api/data/?username=bob&start_timestamp={H + 1}")
    assert [(r["username"], r["created_at"]) for r in rows] == [("bob", H + 3600)]
    rows = await data(root, "/api/data/users")
    assert [(r["username"], r["created_at"], r["quota"]) for r in rows] == [
        ("bob", H, 30), ("root", H, 25), ("bob", H + 3600, 10)]  # fmt: skip
    rows = await data(root, f"/api/data/users?end_timestamp={H}")
    assert len(rows) == 2


async def test_own_quota_data(root, env, gateway: Gateway):
    rows = await data(env, f"/api/data/self?start_timestamp={H}&end_timestamp={H + 86400}")
    assert [r["quota"] for r in rows] == [30, 10] and {r["user_id"] for r in rows} == {2}
    for query, fragment in [
        (f"start_timestamp={H}&end_timestamp={H + 31 * 86400}", "30 days"),
        (f"start_timestamp={H}&end_timestamp={H - 1}", "before"),
        ("", "required"),
    ]:
        status, reply = await env.json("GET", f"/api/data/self?{query}")
        assert reply["success"] is False and fragment in reply["message"]
    status, reply = await env.json("GET", "/api/data/self?start_timestamp=x")
    assert status == 400


async def test_tasks(root, env):
    page = await data(root, "/api/task/")
    assert page["total"] == 2 and [t["task_id"] for t in page["items"]] == ["t2", "t1"]
    t1 = page["items"][1]
    assert "private_data" not in t1 and t1["properties"] == {"input": "song"}
    assert t1["username"] == "root" and page["items"][0]["username"] == "bob"
    for query, expected in [
        ("platform=suno", ["t1"]), ("status=FAILURE", ["t2"]), ("action=MUSIC", ["t1"]),
        ("channel_id=3", ["t1"]), ("user_id=2", ["t2"]), ("task_id=t2", ["t2"]),
        (f"start_timestamp={H + 1}", ["t2"]), (f"end_timestamp={H}", ["t1"]),
        ("p=2&page_size=1", ["t1"]),
    ]:  # fmt: skip
        page = await data(root, f"/api/task/?{query}")
        assert [t["task_id"] for t in page["items"]] == expected, query
    page = await data(env, "/api/task/self?user_id=1")
    assert [t["task_id"] for t in page["items"]] == ["t2"]
    assert "username" not in page["items"][0] and "private_data" not in page["items"][0]


async def test_midjourneys(root, env):
    page = await data(root, "/api/mj/")
    assert [m["mj_id"] for m in page["items"]] == ["m2", "m1"]
    assert [m["mj_id"] for m in (await data(root, "/api/mj/?channel_id=3"))["items"]] == ["m1"]
    assert [m["mj_id"] for m in (await data(root, "/api/mj/?mj_id=m2"))["items"]] == ["m2"]
    page = await data(root, f"/api/mj/?start_timestamp={H + 1}&end_timestamp={H + 9}")
    assert [m["mj_id"] for m in page["items"]] == ["m2"]
    page = await data(env, "/api/mj/self")
    assert [m["mj_id"] for m in page["items"]] == ["m2"]


async def test_roles(root, env, gateway: Gateway):
    for path in ("/api/data/", "/api/data/users", "/api/task/", "/api/mj/"):
        status, reply = await env.json("GET", path)
        assert reply["success"] is False and "privilege" in reply["message"], path
    anon = gateway.client(user_id=2)
    for path in ("/api/data/self", "/api/task/self", "/api/mj/self", "/api/data/"):
        status, reply = await anon.json("GET", path)
        assert status == 401 and reply["success"] is False
    status, reply = await root.json("GET", "/api/task/?channel_id=abc")
    assert status == 400 and reply["success"] is False
