"""Schemas of the user, token and channel routes."""

from __future__ import annotations

from typing import Any

from clawrouter.openapi_schemas.common import (
    BOOL,
    INT,
    PAGING,
    STR,
    arr,
    map_of,
    obj,
    ok,
    page,
    query,
    ref,
    spec,
)

_IDS = obj({"ids": arr(INT)}, "ids")
_USER_FIELDS = {
    "username": STR,
    "password": STR,
    "display_name": STR,
    "role": INT,
    "group": STR,
    "remark": STR,
    "quota": INT,
    "email": STR,
}
_TOKEN_FIELDS = {
    "name": STR,
    "remain_quota": INT,
    "unlimited_quota": BOOL,
    "expired_time": INT,
    "model_limits_enabled": BOOL,
    "model_limits": STR,
    "allow_ips": STR,
    "group": STR,
    "cross_group_retry": BOOL,
}
_CHANNEL_FIELDS = {
    "type": INT,
    "name": STR,
    "key": STR,
    "base_url": STR,
    "models": STR,
    "group": STR,
    "status": INT,
    "priority": INT,
    "weight": INT,
    "tag": STR,
    "model_mapping": STR,
    "status_code_mapping": STR,
    "test_model": STR,
    "auto_ban": INT,
    "other": STR,
    "setting": STR,
    "settings": STR,
    "param_override": STR,
    "header_override": STR,
    "remark": STR,
    "openai_organization": STR,
}


def _users() -> dict[tuple[str, str], dict[str, Any]]:
    user_page = spec(page(ref("User")), query=query(*PAGING, "group", "keyword"))
    return {
        ("GET", "/api/user/"): user_page,
        ("GET", "/api/user/search"): user_page,
        ("GET", "/api/user/{id}"): spec(ref("User")),
        ("POST", "/api/user/"): spec(ref("User"), body=obj(_USER_FIELDS, "username password")),
        ("PUT", "/api/user/"): spec(ref("User"), body=obj({"id": INT, **_USER_FIELDS}, "id")),
        ("DELETE", "/api/user/{id}"): spec(),
        ("POST", "/api/user/manage"): spec(
            obj({"role": INT, "status": INT}, "*"),
            body=obj(
                {
                    "id": INT,
                    "action": {
                        "enum": ["disable", "enable", "delete", "promote", "demote", "add_quota"]
                    },
                    "mode": {"enum": ["add", "subtract", "override"]},
                    "value": INT,
                },
                "id action",
            ),
        ),
    }


def _tokens() -> dict[tuple[str, str], dict[str, Any]]:
    token_page = spec(page(ref("Token")), query=query(*PAGING))
    return {
        ("GET", "/api/token/"): token_page,
        ("GET", "/api/token/search"): spec(
            page(ref("Token")), query=query(*PAGING, "keyword", "token")
        ),
        ("GET", "/api/token/{id}"): spec(ref("Token")),
        ("POST", "/api/token/"): spec(ref("Token"), body=obj(_TOKEN_FIELDS, "name")),
        ("PUT", "/api/token/"): spec(
            ref("Token"),
            body=obj({"id": INT, "status": INT, **_TOKEN_FIELDS}, "id"),
            query=query("status_only:b"),
        ),
        ("DELETE", "/api/token/{id}"): spec(),
        ("POST", "/api/token/batch"): spec(INT, body=_IDS),
        ("POST", "/api/token/batch/keys"): spec(obj({"keys": map_of(STR)}, "keys"), body=_IDS),
        ("POST", "/api/token/{id}/key"): spec(obj({"key": STR}, "key")),
    }


def _channels() -> dict[tuple[str, str], dict[str, Any]]:
    channel_page = page(ref("Channel"), {"type_counts": map_of(INT)})
    listing = query(*PAGING, "status", "type:i", "tag_mode:b", "id_sort:b", "group")
    tested = obj(
        {"success": BOOL, "message": STR, "time": {"type": "number"}, "error_code": STR},
        "success message",
    )
    balance = obj(
        {"success": BOOL, "message": STR, "balance": {"type": "number"}}, "success message balance"
    )
    tag = obj({"tag": STR}, "tag")
    return {
        ("GET", "/api/channel/"): spec(channel_page, query=listing),
        ("GET", "/api/channel/search"): spec(
            obj(
                {"items": arr(ref("Channel")), "total": INT, "type_counts": map_of(INT)},
                "items total",
            ),
            query=query("keyword", "group", "model", "status", "type:i", *PAGING),
        ),
        ("GET", "/api/channel/{id}"): spec(ref("Channel")),
        ("POST", "/api/channel/"): spec(
            body=obj(
                {
                    "mode": {"enum": ["single", "batch", "multi_to_single"]},
                    "multi_key_mode": {"enum": ["random", "polling"]},
                    "batch_add_set_key_prefix_2_name": BOOL,
                    "channel": obj(_CHANNEL_FIELDS, "type key"),
                },
                "channel",
            )
        ),
        ("PUT", "/api/channel/"): spec(
            ref("Channel"),
            body=obj(
                {"id": INT, "key_mode": {"enum": ["append", "replace"]}, **_CHANNEL_FIELDS}, "id"
            ),
        ),
        ("DELETE", "/api/channel/{id}"): spec(),
        ("POST", "/api/channel/batch"): spec(INT, body=_IDS),
        ("POST", "/api/channel/batch/tag"): spec(
            INT, body=obj({"ids": arr(INT), "tag": {"type": ["string", "null"]}}, "ids")
        ),
        ("DELETE", "/api/channel/disabled"): spec(INT),
        ("POST", "/api/channel/copy/{id}"): spec(
            obj({"id": INT}, "id"), query=query("suffix", "reset_balance:b")
        ),
        ("POST", "/api/channel/fix"): spec(obj({"success": INT, "fails": INT}, "*")),
        ("GET", "/api/channel/models"): spec(arr(ref("ModelEntry"))),
        ("GET", "/api/channel/models_enabled"): spec(arr(STR)),
        ("POST", "/api/channel/{id}/key"): spec(obj({"key": STR}, "key")),
        ("POST", "/api/channel/fetch_models"): spec(
            arr(STR), body=obj({"base_url": STR, "type": INT, "key": STR}, "key")
        ),
        ("GET", "/api/channel/fetch_models/{id}"): spec(arr(STR)),
        ("GET", "/api/channel/test"): spec(),
        ("GET", "/api/channel/test/{id}"): spec(answer=tested, query=query("model", "stream:b")),
        ("GET", "/api/channel/update_balance"): spec(),
        ("GET", "/api/channel/update_balance/{id}"): spec(answer=balance),
        ("PUT", "/api/channel/tag"): spec(
            INT,
            body=obj(
                {
                    "tag": STR,
                    "new_tag": STR,
                    "priority": INT,
                    "weight": INT,
                    "model_mapping": STR,
                    "models": STR,
                    "groups": STR,
                    "param_override": STR,
                    "header_override": STR,
                },
                "tag",
            ),
        ),
        ("POST", "/api/channel/tag/disabled"): spec(INT, body=tag),
        ("POST", "/api/channel/tag/enabled"): spec(INT, body=tag),
        ("GET", "/api/channel/tag/models"): spec(STR, query=query("tag", required=("tag",))),
        ("POST", "/api/channel/multi_key/manage"): spec(
            answer=ok({}, optional=True),
            body=obj(
                {
                    "channel_id": INT,
                    "action": STR,
                    "key_index": INT,
                    "status": INT,
                    "page": INT,
                    "page_size": INT,
                },
                "channel_id action",
            ),
        ),
    }


def specs() -> dict[tuple[str, str], dict[str, Any]]:
    return {**_users(), **_tokens(), **_channels()}
