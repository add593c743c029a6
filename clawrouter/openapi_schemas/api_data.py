"""Schemas of the logs, statistics, redemptions, options, ratios, model metadata, vendors,
groups, tasks, pricing, usage and payment routes."""

from __future__ import annotations

from typing import Any

from clawrouter.openapi_schemas.common import (
    ANY,
    BOOL,
    INT,
    NUM,
    PAGING,
    STR,
    arr,
    map_of,
    obj,
    page,
    query,
    ref,
    row,
    spec,
)

_RANGE = ("start_timestamp:i", "end_timestamp:i")
_LOG_QUERY = (*PAGING, "type:i", *_RANGE, "token_name", "model_name", "group", "request_id")
_MODEL_FIELDS = {
    "model_name": STR,
    "description": STR,
    "icon": STR,
    "tags": STR,
    "vendor_id": INT,
    "endpoints": ANY,
    "status": INT,
    "sync_official": INT,
    "name_rule": INT,
}
_VENDOR_FIELDS = {"name": STR, "description": STR, "icon": STR, "status": INT}
_REDEMPTION_FIELDS = {"name": STR, "quota": INT, "expired_time": INT}
_PREFILL_FIELDS = {
    "name": STR,
    "type": {"enum": ["model", "tag", "endpoint"]},
    "items": ANY,
    "description": STR,
}


def _logs() -> dict[tuple[str, str], dict[str, Any]]:
    logs = spec(page(ref("Log")), query=query(*_LOG_QUERY, "username", "channel:i"))
    own = spec(page(ref("Log")), query=query(*_LOG_QUERY))
    deprecated = spec(answer={"$ref": "#/components/schemas/ApiFailure"}, failure=False)
    stat = query(*_RANGE, "type:i", "token_name", "model_name", "group")
    return {
        ("GET", "/api/log/"): logs,
        ("GET", "/api/log/self"): own,
        ("GET", "/api/log/stat"): spec(ref("LogStat"), query=stat + query("username", "channel:i")),
        ("GET", "/api/log/self/stat"): spec(ref("LogStat"), query=stat),
        ("GET", "/api/log/token"): spec(arr(ref("Log")), query=query("key")),
        ("DELETE", "/api/log/"): spec(
            INT, query=query("target_timestamp:i", required=("target_timestamp",))
        ),
        ("GET", "/api/log/search"): deprecated,
        ("GET", "/api/log/self/search"): deprecated,
        ("GET", "/api/data/"): spec(arr(ref("QuotaData")), query=query(*_RANGE, "username")),
        ("GET", "/api/data/users"): spec(arr(ref("QuotaData")), query=query(*_RANGE)),
        ("GET", "/api/data/self"): spec(arr(ref("QuotaData")), query=query(*_RANGE)),
        ("GET", "/api/usage/token/"): spec(
            answer=obj(
                {
                    "code": BOOL,
                    "message": STR,
                    "data": row(
                        "object:s name:s total_granted:i total_used:i total_available:i"
                        " unlimited_quota:b model_limits:o model_limits_enabled:b expires_at:i"
                    ),
                },
                "code message data",
            )
        ),
    }


def _catalogue() -> dict[tuple[str, str], dict[str, Any]]:
    models = spec(
        page(ref("ModelMeta"), {"vendor_counts": map_of(INT)}),
        query=query(*PAGING, "keyword", "vendor"),
    )
    vendors = spec(page(ref("Vendor")), query=query(*PAGING, "keyword"))
    redemptions = spec(page(ref("Redemption")), query=query(*PAGING, "keyword"))
    return {
        ("GET", "/api/models/"): models,
        ("GET", "/api/models/search"): models,
        ("GET", "/api/models/{id}"): spec(ref("ModelMeta")),
        ("POST", "/api/models/"): spec(ref("ModelMeta"), body=obj(_MODEL_FIELDS, "model_name")),
        ("PUT", "/api/models/"): spec(
            ref("ModelMeta"),
            body=obj({"id": INT, **_MODEL_FIELDS}, "id"),
            query=query("status_only:b"),
        ),
        ("DELETE", "/api/models/{id}"): spec(),
        ("GET", "/api/models/missing"): spec(arr(STR)),
        ("GET", "/api/models/sync_upstream/preview"): spec(
            obj({"missing": arr(ANY), "conflicts": arr(ANY), "source": obj()}, "*"),
            query=query("locale"),
        ),
        ("POST", "/api/models/sync_upstream"): spec(
            obj(), body=obj({"locale": STR, "overwrite": arr(ANY)})
        ),
        ("GET", "/api/vendors/"): vendors,
        ("GET", "/api/vendors/search"): vendors,
        ("GET", "/api/vendors/{id}"): spec(ref("Vendor")),
        ("POST", "/api/vendors/"): spec(ref("Vendor"), body=obj(_VENDOR_FIELDS, "name")),
        ("PUT", "/api/vendors/"): spec(
            ref("Vendor"), body=obj({"id": INT, **_VENDOR_FIELDS}, "id")
        ),
        ("DELETE", "/api/vendors/{id}"): spec(),
        ("GET", "/api/redemption/"): redemptions,
        ("GET", "/api/redemption/search"): redemptions,
        ("GET", "/api/redemption/{id}"): spec(ref("Redemption")),
        ("POST", "/api/redemption/"): spec(
            arr(STR), body=obj({**_REDEMPTION_FIELDS, "count": INT}, "name quota")
        ),
        ("PUT", "/api/redemption/"): spec(
            ref("Redemption"),
            body=obj({"id": INT, "status": INT, **_REDEMPTION_FIELDS}, "id"),
            query=query("status_only:b"),
        ),
        ("DELETE", "/api/redemption/{id}"): spec(),
        ("DELETE", "/api/redemption/invalid"): spec(INT),
    }


def _settings() -> dict[tuple[str, str], dict[str, Any]]:
    return {
        ("GET", "/api/option/"): spec(arr(ref("Option"))),
        ("PUT", "/api/option/"): spec(body=obj({"key": STR, "value": ANY}, "key value")),
        ("POST", "/api/option/rest_model_ratio"): spec(),
        ("POST", "/api/option/migrate_console_setting"): spec(),
        ("GET", "/api/ratio_config"): spec(
            obj({"model_ratio": obj(), "completion_ratio": obj(), "model_price": obj()})
        ),
        ("GET", "/api/ratio_sync/channels"): spec(
            arr(
                obj(
                    {"id": INT, "name": STR, "base_url": STR, "status": INT, "type": INT},
                    "id name base_url",
                )
            )
        ),
        ("POST", "/api/ratio_sync/fetch"): spec(
            obj(
                {
                    "differences": obj(),
                    "test_results": arr(obj({"name": STR, "status": STR}, "name status")),
                },
                "*",
            ),
            body=obj(
                {
                    "channel_ids": arr(INT),
                    "timeout": NUM,
                    "upstreams": arr(obj({"name": STR, "base_url": STR, "endpoint": STR})),
                }
            ),
        ),
        ("GET", "/api/group/"): spec(arr(STR)),
        ("GET", "/api/prefill_group/"): spec(arr(ref("PrefillGroup")), query=query("type")),
        ("POST", "/api/prefill_group/"): spec(
            ref("PrefillGroup"), body=obj(_PREFILL_FIELDS, "name type")
        ),
        ("PUT", "/api/prefill_group/"): spec(
            ref("PrefillGroup"), body=obj({"id": INT, **_PREFILL_FIELDS}, "id")
        ),
        ("DELETE", "/api/prefill_group/{id}"): spec(),
        ("GET", "/api/task/"): spec(
            page(ref("Task")),
            query=query(
                *PAGING,
                *_RANGE,
                "platform",
                "task_id",
                "status",
                "action",
                "channel_id:i",
                "user_id:i",
            ),
        ),
        ("GET", "/api/task/self"): spec(
            page(ref("Task")), query=query(*PAGING, *_RANGE, "platform", "task_id", "status")
        ),
        ("GET", "/api/mj/"): spec(page(ref("Midjourney")), query=query(*PAGING, *_RANGE)),
        ("GET", "/api/mj/self"): spec(page(ref("Midjourney")), query=query(*PAGING, *_RANGE)),
        ("GET", "/api/pricing"): spec(
            arr(ref("PricingRow")),
            extra={
                "vendors": arr(obj()),
                "group_ratio": obj(),
                "usable_group": obj(),
                "supported_endpoint": obj(),
                "auto_groups": arr(STR),
                "pricing_version": STR,
            },
        ),
        ("GET", "/api/models"): spec(map_of(arr(STR))),
    }


def _payments() -> dict[tuple[str, str], dict[str, Any]]:
    def pay(data: dict, extra: dict | None = None) -> dict[str, Any]:
        return obj({"message": {"const": "success"}, "data": data, **(extra or {})}, "message data")

    amount = obj({"amount": INT}, "amount")
    method = obj({"amount": INT, "payment_method": STR}, "amount payment_method")
    text = spec(answer=STR, media="text/plain", failure=False)
    return {
        ("POST", "/api/user/topup"): spec(INT, body=obj({"key": STR}, "key")),
        ("GET", "/api/user/topup/info"): spec(ref("TopUpInfo")),
        ("GET", "/api/user/topup/self"): spec(page(ref("TopUp")), query=query(*PAGING, "keyword")),
        ("GET", "/api/user/topup"): spec(page(ref("TopUp")), query=query(*PAGING, "keyword")),
        ("POST", "/api/user/topup/complete"): spec(body=obj({"trade_no": STR}, "trade_no")),
        ("POST", "/api/user/amount"): spec(answer=pay(STR), body=amount),
        ("POST", "/api/user/pay"): spec(answer=pay(obj(), {"url": STR}), body=method),
        ("POST", "/api/user/stripe/amount"): spec(answer=pay(STR), body=amount),
        ("POST", "/api/user/stripe/pay"): spec(
            answer=pay(obj({"pay_link": STR}, "pay_link")),
            body=obj(
                {"amount": INT, "payment_method": STR, "success_url": STR, "cancel_url": STR},
                "amount",
            ),
        ),
        ("POST", "/api/user/creem/pay"): spec(
            answer=pay(obj({"checkout_url": STR, "order_id": STR}, "*")),
            body=obj({"product_id": STR, "payment_method": STR}, "product_id"),
        ),
        ("GET", "/api/user/epay/notify"): text,
        ("POST", "/api/user/epay/notify"): text,
        ("POST", "/api/stripe/webhook"): text,
        ("POST", "/api/creem/webhook"): text,
    }


def specs() -> dict[tuple[str, str], dict[str, Any]]:
    return {**_logs(), **_catalogue(), **_settings(), **_payments()}
