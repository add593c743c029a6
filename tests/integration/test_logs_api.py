"""/api/log (admin) and /api/log/self: filters, paging, channel names, the /self rewrites (ids
renumbered, admin-only `other` keys removed, sanitised model search) and the role matrix."""

from __future__ import annotations

import orjson
import pytest

from clawrouter.db.repo import channels as channels_repo
from clawrouter.db.repo.usage import LOG_COLUMNS, insert_logs
from clawrouter.keys import LOG_DB, MAIN_DB, RELAY
from tests.support.gateway import Gateway

T0 = 1_800_000_000


def log_row(**fields) -> tuple:
    row = {c: "" for c in LOG_COLUMNS} | {
        "user_id": 1, "created_at": T0, "type": 2, "username": "root", "token_name": "laptop",
        "model_name": "gpt-4o", "quota": 10, "prompt_tokens": 3, "completion_tokens": 4,
        "use_time": 1, "is_stream": 1, "channel_id": 0, "token_id": 1, "group": "default",
    }  # fmt: skip
    row.update(fields)
    return tuple(row[c] for c in LOG_COLUMNS)


@pytest.fixture
async def logs(root, gateway: Gateway):
    """Six rows: four of root's, two of bob's (user 2), on one named channel."""
    row = {"type": 1, "key": "k", "name": "openai-main", "models": "gpt-4o", "status": 1}
    (cid,) = await channels_repo.insert_channels(gateway.app[MAIN_DB], [row])
    await gateway.app[RELAY].reload_channels([cid])
    other = {"model_ratio": 2, "admin_info": {"use_channel": [cid]}, "stream_status": "ok"}
    rows = [
        log_row(channel_id=cid, request_id="req-1", other=orjson.dumps(other).decode()),
        log_row(created_at=T0 + 10, model_name="gpt_4o", token_name="ci", channel_id=cid),
        log_row(created_at=T0 + 20, type=5, model_name="claude-3", group="vip"),
        log_row(created_at=T0 + 30, type=1, model_name="", content="top-up", channel_id=99),
        log_row(user_id=2, username="bob", created_at=T0 + 40, other="not json"),
        log_row(user_id=2, username="bob", created_at=T0 + 50, model_name="gpt4o"),
    ]
    await insert_logs(gateway.app[LOG_DB], rows, [])
    return cid


async def names(client, path: str) -> list:
    status, reply = await client.json("GET", path)
    assert status == 200 and reply["success"], reply
    return [(i["username"], i["created_at"] - T0) for i in reply["data"]["items"]]


async def test_admin_list_items(root, logs):
    status, reply = await root.json("GET", "/api/log/")
    data = reply["data"]
    assert data["total"] == 6 and data["page"] == 1 and data["page_size"] == 10
    items = data["items"]
    assert [i["id"] for i in items] == [6, 5, 4, 3, 2, 1]
    first = items[-1]
    assert first["channel"] == logs and first["channel_name"] == "openai-main"
    assert first["is_stream"] is True and first["request_id"] == "req-1"
    assert orjson.loads(first["other"])["admin_info"] == {"use_channel": [logs]}
    assert "request_id" not in items[0] and items[0]["channel_name"] == ""
    assert items[2]["channel"] == 99 and items[2]["channel_name"] == "", "unknown channel"
    assert set(first) >= {"user_id", "quota", "prompt_tokens", "completion_tokens", "use_time"}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("type=2", [("bob", 50), ("bob", 40), ("root", 10), ("root", 0)]),
        ("type=0&username=bob", [("bob", 50), ("bob", 40)]),
        (
            f"start_timestamp={T0 + 10}&end_timestamp={T0 + 30}",
            [("root", 30), ("root", 20), ("root", 10)],
        ),
        ("token_name=ci", [("root", 10)]),
        ("model_name=gpt%25", [("bob", 50), ("bob", 40), ("root", 10), ("root", 0)]),
        ("model_name=gpt_4o", [("bob", 40), ("root", 10), ("root", 0)]),  # raw LIKE for admins
        ("group=vip", [("root", 20)]),
        ("request_id=req-1", [("root", 0)]),
        ("channel=99", [("root", 30)]),
        ("p=2&page_size=4", [("root", 10), ("root", 0)]),
        ("p=3&page_size=4", []),
    ],
)
async def test_admin_filters(root, logs, query, expected):
    assert await names(root, f"/api/log/?{query}") == expected


async def test_channel_filter_by_id(root, logs):
    assert await names(root, f"/api/log/?channel={logs}") == [("root", 10), ("root", 0)]


async def test_self_list_is_scoped_renumbered_and_stripped(root, gateway: Gateway, logs):
    status, reply = await root.json("GET", "/api/log/self?page_size=3")
    data = reply["data"]
    assert data["total"] == 4
    assert [i["id"] for i in data["items"]] == [1, 2, 3]
    assert {i["username"] for i in data["items"]} == {"root"}
    assert all(i["channel_name"] == "" for i in data["items"])
    status, reply = await root.json("GET", "/api/log/self?p=2&page_size=3")
    (oldest,) = reply["data"]["items"]
    assert oldest["id"] == 4 and oldest["request_id"] == "req-1"
    assert orjson.loads(oldest["other"]) == {"model_ratio": 2}
    # username and channel filters are admin-only: ignored here
    assert len(await names(root, "/api/log/self?username=bob&channel=99")) == 4

    await gateway.add_user("bob")
    bob = await gateway.login("bob", "userpass123")
    status, reply = await bob.json("GET", "/api/log/self")
    items = reply["data"]["items"]
    assert [i["id"] for i in items] == [1, 2] and {i["user_id"] for i in items} == {2}
    assert items[1]["other"] == "not json"


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("gpt_4o", [("root", 10)]),  # _ is literal for users
        ("gpt-4o", [("root", 0)]),
        ("%4o", [("root", 10), ("root", 0)]),
        ("claude%", [("root", 20)]),
    ],
)
async def test_self_model_search(root, logs, model, expected):
    assert await names(root, f"/api/log/self?model_name={model.replace('%', '%25')}") == expected


@pytest.mark.parametrize(
    ("model", "fragment"),
    [("gp%%", "consecutive"), ("%a%b%", "at most two"), ("%a%", "at least 2")],
)
async def test_self_model_search_rejects_bad_patterns(root, logs, model, fragment):
    status, reply = await root.json("GET", f"/api/log/self?model_name={model.replace('%', '%25')}")
    assert reply["success"] is False and fragment in reply["message"]


async def test_bad_query_and_roles(root, gateway: Gateway, logs):
    for path in ("/api/log/?type=abc", "/api/log/self?start_timestamp=soon"):
        status, reply = await root.json("GET", path)
        assert status == 400 and reply["success"] is False and reply["message"]
    await gateway.add_user("bob")  # user 2, who owns two rows
    await gateway.add_user("carol")
    carol = await gateway.login("carol", "userpass123")
    status, reply = await carol.json("GET", "/api/log/")
    assert reply["success"] is False and "privilege" in reply["message"]
    status, reply = await carol.json("GET", "/api/log/self")
    assert reply["success"] and reply["data"]["items"] == []
    anonymous = gateway.client(user_id=1)
    for path in ("/api/log/", "/api/log/self"):
        status, reply = await anonymous.json("GET", path)
        assert status == 401 and reply["success"] is False
