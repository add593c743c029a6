"""The caller's own profile extras under /api/user: usable groups and models, notification
settings, invite (aff) code and self-deletion; plus the public group list."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlparse

import orjson
from aiohttp import web

from clawrouter.api.account import user_setting
from clawrouter.api.routing import Routes
from clawrouter.api.users import new_aff_code
from clawrouter.api.validate import bool_field, str_field
from clawrouter.auth.roles import ADMIN, COMMON, PUBLIC, ROOT
from clawrouter.changes.change import Change
from clawrouter.db.repo import users as users_repo
from clawrouter.db.store import Tx
from clawrouter.errors import ApiError
from clawrouter.http.outbound_guard import FetchRefused
from clawrouter.http.render import ok
from clawrouter.http.request import read_object
from clawrouter.keys import CALLER, CHANGES, CLOCK, MAIN_DB, OPTIONS, OUTBOUND, RELAY, SESSION

NOTIFY_TYPES = ("email", "webhook", "bark", "gotify")
AUTO_RATIO = "自动"  # what the reference (and its SPA) shows as the auto group's ratio
_KEPT_SETTINGS = ("sidebar_modules", "language", "billing_preference")


def _groups(request: web.Request, user_group: str, *, per_user: bool) -> dict[str, Any]:
    """Usable groups that have a group ratio → {ratio, desc}; `per_user` applies the
    user-group-specific ratios."""
    state = request.config_dict[RELAY]
    usable = state.usable_groups(user_group)
    out: dict[str, Any] = {}
    for group, ratio in state.ratios.group_ratio.items():
        if group in usable:
            if per_user:
                ratio = state.ratios.group_ratio_for(group, user_group)[0]
            out[group] = {"ratio": ratio, "desc": usable[group]}
    if request.config_dict[OPTIONS]["AutoGroups"]:
        out["auto"] = {"ratio": AUTO_RATIO, "desc": usable.get("auto", "auto-select a group")}
    return out


async def public_groups(request: web.Request) -> web.Response:
    return ok(_groups(request, "", per_user=False))


async def self_groups(request: web.Request) -> web.Response:
    return ok(_groups(request, request[CALLER]["group"] or "default", per_user=True))


async def self_models(request: web.Request) -> web.Response:
    state = request.config_dict[RELAY]
    models: set[str] = set()
    for group in state.usable_groups(request[CALLER]["group"] or "default"):
        models |= state.group_models(group)
    return ok(sorted(models))


def _url(body: dict[str, Any], key: str, *, required: bool) -> str:
    value = (str_field(body, key) or "").strip()
    if not value:
        if required:
            raise ApiError(f"{key} is required for this notification type")
        return ""
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ApiError(f"{key} must be an http(s) URL")
    return value


def _threshold(body: dict[str, Any]) -> float:
    value = body.get("quota_warning_threshold")
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ApiError("quota_warning_threshold must be a number greater than 0")
    return value


def _notify_fields(body: dict[str, Any], kind: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if kind == "webhook":
        out["webhook_url"] = _url(body, "webhook_url", required=True)
        out["webhook_secret"] = str_field(body, "webhook_secret") or ""
    elif kind == "email":
        email = (str_field(body, "notification_email", max_len=100) or "").strip()
        if email and ("@" not in email or " " in email):
            raise ApiError("notification_email is not a valid e-mail address")
        out["notification_email"] = email
    elif kind == "bark":
        out["bark_url"] = _url(body, "bark_url", required=True)
    else:
        out["gotify_url"] = _url(body, "gotify_url", required=True)
        token = (str_field(body, "gotify_token") or "").strip()
        if not token:
            raise ApiError("gotify_token is required for gotify notifications")
        out["gotify_token"] = token
        priority = body.get("gotify_priority")
        valid = isinstance(priority, int) and not isinstance(priority, bool)
        out["gotify_priority"] = priority if valid and 0 <= priority <= 10 else 5
    return out


def _check_destination(request: web.Request, fields: dict[str, Any]) -> None:
    """The notification URL against the fetch settings now, without DNS (it is checked
    again, with the addresses its host resolves to, whenever a notice is sent)."""
    for key in ("webhook_url", "bark_url", "gotify_url"):
        if fields.get(key):
            url = fields[key].replace("{{title}}", "t").replace("{{content}}", "c")
            try:
                request.config_dict[OUTBOUND].check(url)
            except FetchRefused as e:
                raise ApiError(f"{key} is not allowed: request reject: {e}") from None


async def update_setting(request: web.Request) -> web.Response:
    body = await read_object(request)
    user = request[CALLER]
    kind = body.get("notify_type")
    if kind not in NOTIFY_TYPES:
        raise ApiError("notify_type must be one of " + ", ".join(NOTIFY_TYPES))
    old = user_setting(user)
    setting: dict[str, Any] = {k: old[k] for k in _KEPT_SETTINGS if k in old}
    setting.update(notify_type=kind, quota_warning_threshold=_threshold(body))
    fields = _notify_fields(body, kind)
    _check_destination(request, fields)
    setting.update(fields)
    for key in ("accept_unset_model_ratio_model", "record_ip_log"):
        setting[key] = bool(bool_field(body, key, False))
    notify_models = bool(bool_field(body, "upstream_model_update_notify_enabled", False))
    setting["upstream_model_update_notify_enabled"] = notify_models and user["role"] >= ADMIN
    app = request.config_dict
    await users_repo.update_user(
        app[MAIN_DB], user["id"], {"setting": orjson.dumps(setting).decode()}
    )
    await app[CHANGES].publish(Change("user", user["id"]))
    return ok()


async def delete_self(request: web.Request) -> web.Response:
    user, app = request[CALLER], request.config_dict
    if user["role"] >= ROOT:
        raise ApiError("the root user cannot delete itself")
    await users_repo.soft_delete_user(app[MAIN_DB], user["id"], int(app[CLOCK]()))
    await app[CHANGES].publish(Change("user", user["id"]))
    request[SESSION].clear_all()
    return ok()


async def get_aff(request: web.Request) -> web.Response:
    user, db = request[CALLER], request.config_dict[MAIN_DB]
    if user["aff_code"]:
        return ok(user["aff_code"])
    await users_repo.set_aff_code_if_empty(db, user["id"], await new_aff_code(request))
    row = await users_repo.get_user(db, user["id"])
    if row is None:
        raise ApiError("user not found")
    return ok(row["aff_code"])


async def transfer_aff(request: web.Request) -> web.Response:
    """POST /api/user/aff_transfer {quota}: at least one unit ($1) of invite rewards into the
    balance, and no more than there is."""
    body = await read_object(request)
    amount = body.get("quota")
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise ApiError("quota must be an integer")
    app, user = request.config_dict, request[CALLER]
    unit = int(app[OPTIONS]["QuotaPerUnit"])
    if amount < unit:
        raise ApiError(f"the smallest transfer is {unit} quota")
    if amount > user["aff_quota"]:
        raise ApiError("not enough invite rewards for this transfer")

    async def claim(tx: Tx) -> int | None:  # the rewards leave as the wallet is credited
        return amount if await users_repo.take_aff_quota(tx, user["id"], amount) else None

    key = f"aff:{user['id']}:{uuid.uuid4().hex}"
    if await app[RELAY].ledger.credit(user["id"], claim, key) is None:
        raise ApiError("not enough invite rewards for this transfer")
    await app[CHANGES].publish(Change("user", user["id"]), here=False)  # the ledger reloaded it
    return ok(message="transferred")


def routes(r: Routes) -> None:
    r.add("GET", "/user/groups", public_groups, PUBLIC)
    r.add("GET", "/user/self/groups", self_groups, COMMON)
    r.add("GET", "/user/models", self_models, COMMON)
    r.add("PUT", "/user/setting", update_setting, COMMON)
    r.add("DELETE", "/user/self", delete_self, COMMON)
    r.add("GET", "/user/aff", get_aff, COMMON)
    r.add("POST", "/user/aff_transfer", transfer_aff, COMMON)
