"""The console's playground: POST /pg/chat/completions with the login session (new-api's
controller/playground.go). The caller is the session's user, never an access token; the call
runs as a temporary in-memory key `playground-<group>` (unlimited, id 0, never stored, so no
/v1 request can use it) and goes through the ordinary relay pipeline: routed, billed to the
user's wallet and logged like any relay call, streamed when asked."""

from __future__ import annotations

from aiohttp import web

from clawrouter.api.routing import LEVEL_ATTR
from clawrouter.auth.middleware import authenticate, session_middleware
from clawrouter.auth.roles import COMMON
from clawrouter.errors import ForbiddenError, UnauthorizedError
from clawrouter.keys import RELAY
from clawrouter.relay.entries import TokenEntry, UserEntry
from clawrouter.relay.keyauth import RelayCaller
from clawrouter.relay.pipeline import parse_body, run_job, start_job
from clawrouter.relay.state import RelayState
from clawrouter.wire.formats import Endpoint, Format
from clawrouter.wire.status import TokenStatus


def playground_token(user: UserEntry, group: str) -> TokenEntry:
    """The temporary key a playground call runs as: the user's wallet is the only limit."""
    return TokenEntry(
        id=0, user_id=user.id, key="", name=f"playground-{group}", status=TokenStatus.ENABLED,
        expired_time=-1, remain_quota=0, unlimited=True, used_quota=0, model_limits_enabled=False,
        model_limits=frozenset(), allow_ips=(), group=group, cross_group_retry=False,
        auto_groups=[],
    )  # fmt: skip


def _group(state: RelayState, user: UserEntry, asked: object) -> str:
    """The group the body names (when the user may use it), else the user's own group."""
    group = asked.strip() if isinstance(asked, str) else ""
    if not group:
        return user.group
    usable = state.usable_groups(user.group)
    if group not in usable:
        raise ForbiddenError(f"no access to group {group}", code="group_not_allowed")
    if group != "auto" and group not in state.options["GroupRatio"]:
        raise ForbiddenError(f"group {group} is deprecated", code="group_deprecated")
    return group


async def _chat(request: web.Request) -> web.StreamResponse:
    caller = await authenticate(request, COMMON)
    if caller["use_access_token"]:
        raise ForbiddenError(
            "the playground takes the login session only, not an access token",
            code="access_denied",
        )
    state = request.app[RELAY]
    user = state.users.get(caller["id"])
    if user is None:
        raise UnauthorizedError("not logged in or the session has expired")
    body = await parse_body(request)
    group = _group(state, user, body.pop("group", None))
    relay_caller = RelayCaller(playground_token(user, group), user, group)
    state, job = await start_job(
        request, Format.OPENAI, Endpoint.CHAT, caller=relay_caller, body=body
    )
    return await run_job(request, state, job)


async def chat_completions(request: web.Request) -> web.StreamResponse:
    """Playground chat completion with the login session, JSON or SSE"""
    return await session_middleware(request, _chat)


setattr(chat_completions, LEVEL_ATTR, COMMON)


async def not_found(request: web.Request) -> web.Response:
    raise web.HTTPNotFound()


def add_routes(app: web.Application) -> None:
    app.router.add_post("/pg/chat/completions", chat_completions)
    app.router.add_route("*", "/pg/{tail:.*}", not_found)
