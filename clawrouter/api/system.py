"""Public system endpoints: status, setup, notice/about/legal texts, uptime, status test."""

from __future__ import annotations

import re
import secrets
import string
import time
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from clawrouter import __version__
from clawrouter.api.routing import Routes
from clawrouter.api.uptime import uptime_status
from clawrouter.auth import passwords
from clawrouter.auth.roles import ADMIN, PUBLIC, ROOT
from clawrouter.changes.change import Change
from clawrouter.db.repo import setups as setups_repo
from clawrouter.db.repo import users as users_repo
from clawrouter.errors import ApiError, ServiceUnavailableError
from clawrouter.http.render import json_response, ok
from clawrouter.http.request import read_object
from clawrouter.keys import CHANGES, CLOCK, LOG_DB, MAIN_DB, OPTIONS, STARTED_AT
from clawrouter.options.store import Options

_AFF_CHARS = string.ascii_letters + string.digits
_USERNAME = re.compile(r"^[\w.\-@]+$")


def _host(address: str) -> str:
    """The host name in a URL such as ServerAddress ("" when there is none)."""
    try:
        return urlsplit(address.strip()).hostname or ""
    except ValueError:
        return ""


def _status_data(o: Options, started_at: int, setup_done: bool) -> dict[str, Any]:
    """Every switch and setting the console reads before login (reference §4.1.1, plus the
    newer reference's register_enabled / password_login_enabled / password_register_enabled).
    Client ids and site keys are public; no secret is ever here."""
    display = o["general_setting.quota_display_type"]
    data: dict[str, Any] = {
        "version": __version__,
        "start_time": started_at,
        "system_name": o["SystemName"],
        "logo": o["Logo"],
        "footer_html": o["Footer"],
        "server_address": o["ServerAddress"],
        "docs_link": o["general_setting.docs_link"],
        "top_up_link": o["TopUpLink"],
        "setup": setup_done,
        "register_enabled": o["RegisterEnabled"],
        "password_login_enabled": o["PasswordLoginEnabled"],
        "password_register_enabled": o["PasswordRegisterEnabled"],
        "email_verification": o["EmailVerificationEnabled"],
        "github_oauth": o["GitHubOAuthEnabled"],
        "github_client_id": o["GitHubClientId"],
        "discord_oauth": o["discord.enabled"],
        "discord_client_id": o["discord.client_id"],
        "linuxdo_oauth": o["LinuxDOOAuthEnabled"],
        "linuxdo_client_id": o["LinuxDOClientId"],
        "linuxdo_minimum_trust_level": o["LinuxDOMinimumTrustLevel"],
        "telegram_oauth": o["TelegramOAuthEnabled"],
        "telegram_bot_name": o["TelegramBotName"],
        "wechat_login": o["WeChatAuthEnabled"],
        "wechat_qrcode": o["WeChatAccountQRCodeImageURL"],
        "oidc_enabled": o["oidc.enabled"],
        "oidc_client_id": o["oidc.client_id"],
        "oidc_authorization_endpoint": o["oidc.authorization_endpoint"],
        "turnstile_check": o["TurnstileCheckEnabled"],
        "turnstile_site_key": o["TurnstileSiteKey"],
        "passkey_login": o["passkey.enabled"],
        "passkey_display_name": o["passkey.rp_display_name"] or o["SystemName"],
        "passkey_rp_id": o["passkey.rp_id"] or _host(o["ServerAddress"]),
        "passkey_origins": o["passkey.origins"] or o["ServerAddress"],
        "passkey_allow_insecure": o["passkey.allow_insecure_origin"],
        "passkey_user_verification": o["passkey.user_verification"],
        "passkey_attachment": o["passkey.attachment_preference"],
        "quota_per_unit": o["QuotaPerUnit"],
        "display_in_currency": display != "TOKENS",
        "quota_display_type": display,
        "custom_currency_symbol": o["general_setting.custom_currency_symbol"],
        "custom_currency_exchange_rate": o["general_setting.custom_currency_exchange_rate"],
        "usd_exchange_rate": o["USDExchangeRate"],
        "price": o["Price"],
        "stripe_unit_price": o["StripeUnitPrice"],
        "enable_batch_update": True,
        "enable_drawing": o["DrawingEnabled"],
        "enable_task": o["TaskEnabled"],
        "enable_data_export": o["DataExportEnabled"],
        "data_export_default_time": o["DataExportDefaultTime"],
        "default_collapse_sidebar": o["DefaultCollapseSidebar"],
        "mj_notify_enabled": o["MjNotifyEnabled"],
        "chats": o["Chats"],
        "demo_site_enabled": o["DemoSiteEnabled"],
        "self_use_mode_enabled": o["SelfUseModeEnabled"],
        "default_use_auto_group": o["DefaultUseAutoGroup"],
        "checkin_enabled": o["checkin_setting.enabled"],
        "user_agreement_enabled": bool(o["legal.user_agreement"].strip()),
        "privacy_policy_enabled": bool(o["legal.privacy_policy"].strip()),
        "HeaderNavModules": o["HeaderNavModules"],
        "SidebarModulesAdmin": o["SidebarModulesAdmin"],
    }
    for panel, key in (
        ("api_info", "api_info"),
        ("announcements", "announcements"),
        ("faq", "faq"),
        ("uptime_kuma", "uptime_kuma_groups"),
    ):
        enabled = o[f"console_setting.{panel}_enabled"]
        data[f"{panel}_enabled"] = enabled
        if enabled and panel != "uptime_kuma":
            data[panel] = o[f"console_setting.{key}"]
    if data.get("announcements"):
        data["announcements"] = sorted(
            data["announcements"], key=lambda a: str(a.get("publishDate", "")), reverse=True
        )
    return data


async def get_status(request: web.Request) -> web.Response:
    app = request.config_dict
    done = await setups_repo.is_initialised(app[MAIN_DB])
    return ok(_status_data(app[OPTIONS], app[STARTED_AT], done))


async def get_setup(request: web.Request) -> web.Response:
    db = request.config_dict[MAIN_DB]
    if await setups_repo.is_initialised(db):
        return ok({"status": True, "root_init": False, "database_type": ""})
    return ok(
        {
            "status": False,
            "root_init": await users_repo.root_exists(db),
            "database_type": "postgres" if db.backend == "postgresql" else db.backend,
        }
    )


def _validate_setup(body: dict[str, Any]) -> tuple[str, str]:
    username, password = body.get("username"), body.get("password")
    confirm = body.get("confirmPassword", body.get("confirm_password"))
    if not isinstance(username, str) or not username.strip():
        raise ApiError("username is required")
    username = username.strip()
    if len(username) > 12:
        raise ApiError("username must be at most 12 characters")
    if not _USERNAME.match(username):
        raise ApiError("username may contain letters, digits and . _ - @ only")
    if not isinstance(password, str) or len(password) < 8:
        raise ApiError("password must be at least 8 characters")
    if (err := passwords.check_length(password)) is not None:
        raise ApiError(err)
    if confirm != password:
        raise ApiError("the two passwords do not match")
    return username, password


async def post_setup(request: web.Request) -> web.Response:
    app = request.config_dict
    db, options = app[MAIN_DB], app[OPTIONS]
    body = await read_object(request)
    if await setups_repo.is_initialised(db):
        raise ApiError("the system has already been initialised")
    for flag in ("SelfUseModeEnabled", "DemoSiteEnabled"):
        if flag in body and not isinstance(body[flag], bool):
            raise ApiError(f"{flag} must be true or false")
    now = int(app[CLOCK]())
    need_root = not await users_repo.root_exists(db)
    if need_root:
        username, password = _validate_setup(body)
        hashed = await passwords.hash_password(password)
    async with db.transaction() as tx:
        if await setups_repo.is_initialised(tx):
            raise ApiError("the system has already been initialised")
        if need_root:
            root_id = await users_repo.insert_user(
                tx,
                {
                    "username": username,
                    "password": hashed,
                    "display_name": "Root User",
                    "role": ROOT,
                    "status": 1,
                    "quota": 100_000_000,
                    "aff_code": "".join(secrets.choice(_AFF_CHARS) for _ in range(4)),
                    "created_at": now,
                },
            )
        await setups_repo.insert_setup(tx, __version__, now)
    switches = ("SelfUseModeEnabled", "DemoSiteEnabled")
    await options.set_many({f: bool(body.get(f, False)) for f in switches})
    await app[CHANGES].publish(Change("option", switches), here=False)
    if need_root:
        await app[CHANGES].publish(Change("user", root_id))
    return ok(message="system initialised")


def _text_option(key: str):
    async def handler(request: web.Request) -> web.Response:
        return ok(request.config_dict[OPTIONS][key])

    handler.__name__ = f"get_{key.replace('.', '_').lower()}"
    return handler


async def get_uptime_status(request: web.Request) -> web.Response:
    """Uptime Kuma groups are configured as console_setting.uptime_kuma_groups."""
    return ok(await uptime_status(request))


async def get_status_test(request: web.Request) -> web.Response:
    app = request.config_dict
    if not (await app[MAIN_DB].ping() and await app[LOG_DB].ping()):
        raise ServiceUnavailableError("database is not reachable", code="database_unavailable")
    return json_response(
        {
            "success": True,
            "message": "Server is running",
            "http_stats": {"uptime_seconds": int(time.time()) - app[STARTED_AT]},
        }
    )


def routes(r: Routes) -> None:
    r.add("GET", "/status", get_status, PUBLIC)
    r.add("GET", "/status/test", get_status_test, ADMIN)
    r.add("GET", "/setup", get_setup, PUBLIC)
    r.add("POST", "/setup", post_setup, PUBLIC)
    r.add("GET", "/notice", _text_option("Notice"), PUBLIC)
    r.add("GET", "/about", _text_option("About"), PUBLIC)
    r.add("GET", "/home_page_content", _text_option("HomePageContent"), PUBLIC)
    r.add("GET", "/user-agreement", _text_option("legal.user_agreement"), PUBLIC)
    r.add("GET", "/privacy-policy", _text_option("legal.privacy_policy"), PUBLIC)
    r.add("GET", "/uptime/status", get_uptime_status, PUBLIC)
