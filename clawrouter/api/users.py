"""/api/user management (admins): list, search, get, create, update, delete and the manage
actions (enable, disable, delete, promote, demote, quota). Nobody acts on an equal or higher
role (root is exempt where the reference exempts it). Every write refreshes the relay."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from clawrouter.api import audit
from clawrouter.api.routing import Routes
from clawrouter.api.validate import int_field, str_field
from clawrouter.auth import passwords, signup
from clawrouter.auth.middleware import keep_session
from clawrouter.auth.roles import ADMIN, COMMON, ROOT, VALID_ROLES
from clawrouter.changes.change import Change
from clawrouter.db.repo import users as users_repo
from clawrouter.db.store import DuplicateError
from clawrouter.errors import ApiError
from clawrouter.http.render import ok, page
from clawrouter.http.request import pagination, path_id, read_object
from clawrouter.keys import CALLER, CHANGES, CLOCK, MAIN_DB, OPTIONS, RELAY
from clawrouter.wire.status import LogType, UserStatus

NOT_FOUND = "user not found"
NO_RIGHT = "insufficient privilege: you cannot manage a user of the same or a higher role"
MAX_NAME = 20
MAX_GROUP = 64
MAX_REMARK = 255
_QUOTA_MODES = ("add", "subtract", "override")


_HIDDEN = frozenset({"password", "access_token", "session_version"})


def user_view(row: dict[str, Any], live: Any = None) -> dict[str, Any]:
    """A user as admins see it: every column but the secrets, live balances merged."""
    out = {k: v for k, v in row.items() if k not in _HIDDEN}
    if live is not None:
        out.update(quota=live.quota, used_quota=live.used_quota, request_count=live.request_count)
    out["aff_history_quota"] = row["aff_history"]
    deleted = row["deleted_at"]
    out["DeletedAt"] = (
        datetime.fromtimestamp(deleted, UTC).isoformat().replace("+00:00", "Z") if deleted else None
    )
    return out


def _view(request: web.Request, row: dict[str, Any]) -> dict[str, Any]:
    relay = request.config_dict[RELAY]  # a shared ledger's balances: the store's columns
    return user_view(row, relay.users.get(row["id"]) if relay.ledger.in_memory else None)


async def new_aff_code(request: web.Request) -> str:
    """4 random letters/digits not used by any user yet."""
    return await signup.new_aff_code(request.config_dict[MAIN_DB])


def _outranks(caller: dict[str, Any], role: int) -> bool:
    return caller["role"] > role or caller["role"] == ROOT


async def _target(request: web.Request, user_id: int | None) -> dict[str, Any]:
    if not user_id:
        raise ApiError("id is required")
    row = await users_repo.get_user(request.config_dict[MAIN_DB], user_id, with_deleted=True)
    if row is None:
        raise ApiError(NOT_FOUND)
    return row


def _name(body: dict[str, Any], key: str, *, required: bool = False) -> str | None:
    value = str_field(body, key, max_len=MAX_NAME)
    value = value.strip() if value is not None else None
    if required and not value:
        raise ApiError(f"{key} is required")
    return value


async def _password(body: dict[str, Any], *, required: bool) -> str | None:
    value = str_field(body, "password")
    if not value:
        if required:
            raise ApiError("password is required")
        return None
    if not 8 <= len(value) <= 20:
        raise ApiError("password must be 8 to 20 characters")
    if (err := passwords.check_length(value)) is not None:
        raise ApiError(err)
    return await passwords.hash_password(value)


async def _check_username(request: web.Request, username: str, own_id: int = 0) -> None:
    """Usernames are unique across all users, soft-deleted ones included."""
    found = await users_repo.get_user_by_username(request.config_dict[MAIN_DB], username)
    if found is not None and found["id"] != own_id:
        raise ApiError(f"the username {username!r} is already taken")


# ---- handlers -----------------------------------------------------------------------------------
async def list_users(request: web.Request) -> web.Response:
    p, size = pagination(request)
    rows, total = await users_repo.page_users(request.config_dict[MAIN_DB], (p - 1) * size, size)
    return page([_view(request, r) for r in rows], total, p, size)


async def search_users(request: web.Request) -> web.Response:
    p, size = pagination(request)
    rows, total = await users_repo.page_users(
        request.config_dict[MAIN_DB],
        (p - 1) * size,
        size,
        keyword=request.query.get("keyword", "").strip(),
        group=request.query.get("group", "").strip(),
    )
    return page([_view(request, r) for r in rows], total, p, size)


async def get_user(request: web.Request) -> web.Response:
    row = await _target(request, path_id(request))
    if not _outranks(request[CALLER], row["role"]):
        raise ApiError(NO_RIGHT)
    return ok(_view(request, row))


async def create_user(request: web.Request) -> web.Response:
    body = await read_object(request)
    app, caller = request.config_dict, request[CALLER]
    username = _name(body, "username", required=True)
    assert username is not None
    display_name = _name(body, "display_name") or username
    role = int_field(body, "role", COMMON)
    if role not in VALID_ROLES:
        raise ApiError(f"role must be one of {', '.join(map(str, VALID_ROLES))}")
    if role >= caller["role"]:
        raise ApiError("you can only create users with a lower role than your own")
    hashed = await _password(body, required=True)
    await _check_username(request, username)
    row = {
        "username": username, "password": hashed, "display_name": display_name, "role": role,
        "status": UserStatus.ENABLED, "quota": app[OPTIONS]["QuotaForNewUser"],
        "aff_code": await new_aff_code(request), "created_at": int(app[CLOCK]()),
    }  # fmt: skip
    try:
        created = await users_repo.create_user(app[MAIN_DB], row)
    except DuplicateError as e:  # a concurrent create took the name (or the invite code)
        if "users.username" in e.columns:
            raise ApiError(f"the username {username!r} is already taken") from None
        raise ApiError("could not allocate an invite code, please retry") from None
    await app[CHANGES].publish(Change("user", created["id"]))
    if row["quota"] > 0:
        text = f"new user welcome quota: {row['quota']}"
        await audit.write_log(request, created, LogType.SYSTEM, text, quota=row["quota"])
    return ok(_view(request, created))


async def update_user(request: web.Request) -> web.Response:
    body = await read_object(request)
    app, caller = request.config_dict, request[CALLER]
    target = await _target(request, int_field(body, "id"))
    new_role = int_field(body, "role", 0)
    assert new_role is not None
    if not (_outranks(caller, target["role"]) and _outranks(caller, new_role)):
        raise ApiError(NO_RIGHT)
    changes: dict[str, Any] = {}
    username = _name(body, "username")
    if username == "":
        raise ApiError("username cannot be empty")
    if username is not None and username != target["username"]:
        await _check_username(request, username, target["id"])
        changes["username"] = username
    display_name = _name(body, "display_name")
    if display_name is not None:
        changes["display_name"] = display_name or changes.get("username", target["username"])
    group = str_field(body, "group", max_len=MAX_GROUP)
    if group is not None and group.strip():
        changes["group"] = group.strip()
    remark = str_field(body, "remark", max_len=MAX_REMARK)
    if remark is not None:
        changes["remark"] = remark
    hashed = await _password(body, required=False)
    await users_repo.update_user(app[MAIN_DB], target["id"], changes)
    if hashed is not None:  # the user's sessions and access token end (the caller's stays)
        version = await users_repo.set_password(app[MAIN_DB], target["id"], hashed)
        keep_session(request, target["id"], version)
    await app[CHANGES].publish(Change("user", target["id"]))
    return ok(_view(request, await _target(request, target["id"])))


async def delete_user(request: web.Request) -> web.Response:
    app = request.config_dict
    target = await _target(request, path_id(request))
    if request[CALLER]["role"] <= target["role"]:
        raise ApiError(NO_RIGHT)
    await users_repo.hard_delete_user(app[MAIN_DB], target["id"], int(app[CLOCK]()))
    await app[RELAY].ledger.forget_user(target["id"])  # a reused id starts from its row
    await app[CHANGES].publish(Change("user", target["id"]))
    return ok()


# ---- manage -------------------------------------------------------------------------------------
async def _manage_quota(request: web.Request, target: dict[str, Any], body: dict) -> None:
    app, caller = request.config_dict, request[CALLER]
    mode = body.get("mode") or "add"
    if mode not in _QUOTA_MODES:
        raise ApiError("mode must be add, subtract or override")
    value = int_field(body, "value", low=0 if mode == "override" else 1)
    if value is None:
        raise ApiError("value is required")
    ledger = app[RELAY].ledger
    if mode == "override":
        await ledger.set_user_quota(target["id"], value)
        text = f"admin set the quota to {value}"
    else:
        delta = value if mode == "add" else -value
        await ledger.add_user_quota(target["id"], delta)
        text = f"admin {'added' if delta > 0 else 'subtracted'} {value} quota"
    await app[CHANGES].publish(Change("user", target["id"]), here=False)  # the ledger reloaded it
    admin = {"admin_id": caller["id"], "admin_username": caller["username"]}
    await audit.write_log(
        request, target, LogType.MANAGE, text, quota=value, other={"admin_info": admin}
    )


async def _manage_action(request: web.Request, target: dict, action: Any, body: dict) -> dict:
    """The column changes for one action (empty when handled otherwise)."""
    is_root = target["role"] == ROOT
    if action == "disable":
        if is_root:
            raise ApiError("the root user cannot be disabled")
        return {"status": UserStatus.DISABLED}
    if action == "enable":
        return {"status": UserStatus.ENABLED}
    if action == "delete":
        if is_root:
            raise ApiError("the root user cannot be deleted")
        return {"deleted_at": int(request.config_dict[CLOCK]())}
    if action == "promote":
        if request[CALLER]["role"] != ROOT:
            raise ApiError("only the root user can promote users")
        if target["role"] >= ADMIN:
            raise ApiError("this user is already an administrator")
        return {"role": ADMIN}
    if action == "demote":
        if is_root:
            raise ApiError("the root user cannot be demoted")
        if target["role"] <= COMMON:
            raise ApiError("this user is already a common user")
        return {"role": COMMON}
    if action == "add_quota":
        await _manage_quota(request, target, body)
        return {}
    raise ApiError("action must be one of disable, enable, delete, promote, demote, add_quota")


async def manage_user(request: web.Request) -> web.Response:
    body = await read_object(request)
    app = request.config_dict
    target = await _target(request, int_field(body, "id"))
    if not _outranks(request[CALLER], target["role"]):
        raise ApiError(NO_RIGHT)
    changes = await _manage_action(request, target, body.get("action"), body)
    await users_repo.update_user(app[MAIN_DB], target["id"], changes)
    await app[CHANGES].publish(Change("user", target["id"]))
    row = await _target(request, target["id"])
    return ok({"role": row["role"], "status": row["status"]})


def routes(r: Routes) -> None:
    r.add("GET", "/user/", list_users, ADMIN)
    r.add("GET", "/user/search", search_users, ADMIN)
    r.add("POST", "/user/", create_user, ADMIN)
    r.add("PUT", "/user/", update_user, ADMIN)
    r.add("POST", "/user/manage", manage_user, ADMIN)
    r.add("GET", r"/user/{id:\d+}", get_user, ADMIN)
    r.add("DELETE", r"/user/{id:\d+}", delete_user, ADMIN)
