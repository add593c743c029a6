"""Schemas of the account routes: login, self, 2FA, passkeys, secure verification, OAuth,
registration, mail codes, setup and the public system pages."""

from __future__ import annotations

from typing import Any

from clawrouter.openapi_schemas.common import (
    ANY,
    BOOL,
    INT,
    STR,
    arr,
    map_of,
    nullable,
    obj,
    query,
    ref,
    row,
    spec,
)

_LOGIN = row("id:i username:s display_name:s role:i status:i group:s")
_CODE = obj({"code": STR}, "code")
_OPTIONS = obj({"options": obj({"publicKey": obj()}, "publicKey")}, "options")
_CREDENTIAL = obj({"id": STR, "rawId": STR, "type": STR, "response": obj()}, "id response")


def _login() -> dict[str, Any]:
    body = obj({"username": STR, "password": STR}, "username password")
    two_fa = obj({"require_2fa": {"const": True}}, "require_2fa")
    return spec({"anyOf": [_LOGIN, two_fa]}, body=body)


def specs() -> dict[tuple[str, str], dict[str, Any]]:
    text = spec(STR)
    return {
        ("POST", "/api/user/login"): _login(),
        ("POST", "/api/user/login/2fa"): spec(_LOGIN, body=_CODE),
        ("GET", "/api/user/logout"): spec(),
        ("GET", "/api/user/self"): spec(ref("Self")),
        ("PUT", "/api/user/self"): spec(
            body=obj(
                {
                    "display_name": STR,
                    "password": STR,
                    "original_password": STR,
                    "sidebar_modules": STR,
                    "language": STR,
                }
            )
        ),
        ("DELETE", "/api/user/self"): spec(),
        ("GET", "/api/user/token"): spec(STR),
        ("GET", "/api/user/groups"): spec(ref("GroupRatios")),
        ("GET", "/api/user/self/groups"): spec(ref("GroupRatios")),
        ("GET", "/api/user/models"): spec(arr(STR)),
        ("PUT", "/api/user/setting"): spec(
            body=obj(
                {
                    "notify_type": STR,
                    "quota_warning_threshold": {"type": "number"},
                    "webhook_url": STR,
                    "webhook_secret": STR,
                    "notification_email": STR,
                    "bark_url": STR,
                    "gotify_url": STR,
                    "gotify_token": STR,
                    "gotify_priority": INT,
                    "accept_unset_model_ratio_model": BOOL,
                    "record_ip_log": BOOL,
                    "upstream_model_update_notify_enabled": BOOL,
                }
            )
        ),
        ("GET", "/api/user/aff"): spec(STR),
        ("POST", "/api/user/aff_transfer"): spec(body=obj({"quota": INT}, "quota")),
        # 2FA
        ("GET", "/api/user/2fa/status"): spec(
            obj({"enabled": BOOL, "locked": BOOL, "backup_codes_remaining": INT}, "enabled locked")
        ),
        ("POST", "/api/user/2fa/setup"): spec(
            obj({"secret": STR, "qr_code_data": STR, "backup_codes": arr(STR)}, "*")
        ),
        ("POST", "/api/user/2fa/enable"): spec(body=_CODE),
        ("POST", "/api/user/2fa/disable"): spec(body=_CODE),
        ("POST", "/api/user/2fa/backup_codes"): spec(
            obj({"backup_codes": arr(STR)}, "backup_codes"), body=_CODE
        ),
        ("GET", "/api/user/2fa/stats"): spec(
            obj({"total_users": INT, "enabled_users": INT, "enabled_rate": STR}, "*")
        ),
        ("DELETE", "/api/user/{id}/2fa"): spec(),
        # passkeys (WebAuthn options and credentials as the browser API shapes them)
        ("GET", "/api/user/passkey"): spec(
            obj({"enabled": BOOL, "last_used_at": nullable(STR)}, "enabled")
        ),
        ("DELETE", "/api/user/passkey"): spec(),
        ("DELETE", "/api/user/{id}/reset_passkey"): spec(),
        ("POST", "/api/user/passkey/register/begin"): spec(_OPTIONS),
        ("POST", "/api/user/passkey/register/finish"): spec(body=_CREDENTIAL),
        ("POST", "/api/user/passkey/login/begin"): spec(_OPTIONS),
        ("POST", "/api/user/passkey/login/finish"): spec(_LOGIN, body=_CREDENTIAL),
        ("POST", "/api/user/passkey/verify/begin"): spec(_OPTIONS),
        ("POST", "/api/user/passkey/verify/finish"): spec(body=_CREDENTIAL),
        # secure verification
        ("POST", "/api/verify"): spec(
            obj({"verified": BOOL, "expires_at": INT}, "*"),
            body=obj(
                {"method": {"enum": ["2fa", "passkey", "password"]}, "code": STR, "password": STR}
            ),
        ),
        ("GET", "/api/verify/status"): spec(obj({"verified": BOOL, "expires_at": INT}, "*")),
        # registration, mail codes, password reset
        ("POST", "/api/user/register"): spec(
            body=obj(
                {
                    "username": STR,
                    "password": STR,
                    "display_name": STR,
                    "aff_code": STR,
                    "email": STR,
                    "verification_code": STR,
                },
                "username password",
            )
        ),
        ("GET", "/api/verification"): spec(query=query("email", "turnstile")),
        ("GET", "/api/reset_password"): spec(query=query("email", "turnstile")),
        ("POST", "/api/user/reset"): spec(STR, body=obj({"email": STR, "token": STR}, "*")),
        ("POST", "/api/oauth/email/bind"): spec(body=obj({"email": STR, "code": STR}, "*")),
        ("GET", "/api/oauth/email/bind"): spec(query=query("email", "code")),
        # OAuth
        ("GET", "/api/oauth/state"): spec(STR, query=query("aff")),
        ("GET", "/api/oauth/{provider}"): spec(
            {"anyOf": [_LOGIN, obj({"action": {"const": "bind"}}, "action")]},
            query=query("code", "state"),
        ),
        ("GET", "/api/oauth/wechat"): spec(_LOGIN, query=query("code")),
        ("GET", "/api/oauth/wechat/bind"): spec(query=query("code")),
        ("POST", "/api/oauth/wechat/bind"): spec(body=obj({"code": STR}, "code")),
        ("GET", "/api/oauth/telegram/login"): spec(
            _LOGIN, query=query("id", "hash", "auth_date", "username", "first_name")
        ),
        ("GET", "/api/oauth/telegram/bind"): spec(
            query=query("id", "hash", "auth_date", "username", "first_name"),
            statuses={"302": "Bound: redirected to the console"},
        ),
        # first run and the public pages
        ("GET", "/api/setup"): spec(
            obj({"status": BOOL, "root_init": BOOL, "database_type": STR}, "*")
        ),
        ("POST", "/api/setup"): spec(
            body=obj(
                {"username": STR, "password": STR, "confirmPassword": STR, "confirm_password": STR},
                "username password",
            )
        ),
        ("GET", "/api/status"): spec(ref("Status")),
        ("GET", "/api/status/test"): spec(extra={"http_stats": obj()}),
        ("GET", "/api/notice"): text,
        ("GET", "/api/about"): text,
        ("GET", "/api/home_page_content"): text,
        ("GET", "/api/user-agreement"): text,
        ("GET", "/api/privacy-policy"): text,
        ("GET", "/api/uptime/status"): spec(arr(obj({"categoryName": STR, "monitors": arr(ANY)}))),
        ("GET", "/api/openapi.json"): spec(
            answer=obj({"openapi": STR, "info": obj(), "paths": map_of(obj())}, "*"),
            failure=False,
        ),
    }
