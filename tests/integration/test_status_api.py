"""/api/status reports every switch the console reads before login (reference §4.1.1), field by
field: root sets each option with PUT /api/option/, an anonymous client reads /api/status. No
secret ever appears in it."""

from __future__ import annotations

from typing import Any

from tests.support.gateway import Client, Gateway

# Every field of reference-management.md §4.1.1 that is always present, plus the newer
# reference's register_enabled / password_login_enabled / password_register_enabled.
_FIELDS = """
version start_time system_name logo footer_html server_address docs_link top_up_link setup
register_enabled password_login_enabled password_register_enabled
email_verification github_oauth github_client_id discord_oauth discord_client_id linuxdo_oauth
linuxdo_client_id linuxdo_minimum_trust_level telegram_oauth telegram_bot_name wechat_login
wechat_qrcode oidc_enabled oidc_client_id oidc_authorization_endpoint turnstile_check
turnstile_site_key
passkey_login passkey_display_name passkey_rp_id passkey_origins passkey_allow_insecure
passkey_user_verification passkey_attachment
quota_per_unit display_in_currency quota_display_type custom_currency_symbol
custom_currency_exchange_rate usd_exchange_rate price stripe_unit_price
enable_batch_update enable_drawing enable_task enable_data_export data_export_default_time
default_collapse_sidebar mj_notify_enabled chats demo_site_enabled self_use_mode_enabled
default_use_auto_group checkin_enabled user_agreement_enabled privacy_policy_enabled
api_info_enabled uptime_kuma_enabled announcements_enabled faq_enabled
HeaderNavModules SidebarModulesAdmin
"""
ALWAYS = _FIELDS.split()

DEFAULTS = {
    "register_enabled": True,
    "password_login_enabled": True,
    "password_register_enabled": True,
    "email_verification": False,
    "github_oauth": False,
    "github_client_id": "",
    "discord_oauth": False,
    "discord_client_id": "",
    "linuxdo_oauth": False,
    "linuxdo_client_id": "",
    "linuxdo_minimum_trust_level": 0,
    "telegram_oauth": False,
    "telegram_bot_name": "",
    "wechat_login": False,
    "wechat_qrcode": "",
    "oidc_enabled": False,
    "oidc_client_id": "",
    "oidc_authorization_endpoint": "",
    "turnstile_check": False,
    "turnstile_site_key": "",
    "passkey_login": False,
    "passkey_rp_id": "",
    "passkey_origins": "",
    "passkey_allow_insecure": False,
    "passkey_user_verification": "preferred",
    "passkey_attachment": "",
}

SECRET = "do-not-show-"
# (option, value, status field, what the field then says); in order: a provider's credentials
# come before its switch, which the options refuse to turn on without them.
STEPS: list[tuple[str, Any, str | None, Any]] = [
    ("RegisterEnabled", False, "register_enabled", False),
    ("PasswordLoginEnabled", False, "password_login_enabled", False),
    ("PasswordRegisterEnabled", False, "password_register_enabled", False),
    ("EmailVerificationEnabled", True, "email_verification", True),
    ("GitHubClientId", "gh-client", "github_client_id", "gh-client"),
    ("GitHubClientSecret", SECRET + "github", None, None),
    ("GitHubOAuthEnabled", True, "github_oauth", True),
    ("discord.client_id", "dc-client", "discord_client_id", "dc-client"),
    ("discord.client_secret", SECRET + "discord", None, None),
    ("discord.enabled", True, "discord_oauth", True),
    ("oidc.client_id", "oidc-client", "oidc_client_id", "oidc-client"),
    ("oidc.client_secret", SECRET + "oidc", None, None),
    (
        "oidc.authorization_endpoint",
        "https://id.example.com/authorize",
        "oidc_authorization_endpoint",
        "https://id.example.com/authorize",
    ),
    ("oidc.enabled", True, "oidc_enabled", True),
    ("LinuxDOClientId", "ld-client", "linuxdo_client_id", "ld-client"),
    ("LinuxDOClientSecret", SECRET + "linuxdo", None, None),
    ("LinuxDOMinimumTrustLevel", 2, "linuxdo_minimum_trust_level", 2),
    ("LinuxDOOAuthEnabled", True, "linuxdo_oauth", True),
    ("WeChatServerAddress", "https://wechat.example.com", None, None),
    ("WeChatServerToken", SECRET + "wechat", None, None),
    ("WeChatAccountQRCodeImageURL", "https://img.example/qr.png", "wechat_qrcode", None),
    ("WeChatAuthEnabled", True, "wechat_login", True),
    ("TelegramBotToken", SECRET + "telegram", None, None),
    ("TelegramBotName", "claw_bot", "telegram_bot_name", "claw_bot"),
    ("TelegramOAuthEnabled", True, "telegram_oauth", True),
    ("TurnstileSiteKey", "site-key-1", "turnstile_site_key", "site-key-1"),
    ("TurnstileSecretKey", SECRET + "turnstile", None, None),
    ("TurnstileCheckEnabled", True, "turnstile_check", True),
    ("passkey.enabled", True, "passkey_login", True),
    ("passkey.rp_display_name", "Claw Keys", "passkey_display_name", "Claw Keys"),
    ("ServerAddress", "https://gw.example.com:8443", "passkey_rp_id", "gw.example.com"),
    ("ServerAddress", "https://gw.example.com:8443", "passkey_origins", None),
    ("passkey.rp_id", "example.com", "passkey_rp_id", "example.com"),
    (
        "passkey.origins",
        "https://a.example.com,https://b.example.com",
        "passkey_origins",
        "https://a.example.com,https://b.example.com",
    ),
    ("passkey.allow_insecure_origin", True, "passkey_allow_insecure", True),
    ("passkey.user_verification", "required", "passkey_user_verification", "required"),
    ("passkey.attachment_preference", "platform", "passkey_attachment", "platform"),
    ("SMTPToken", SECRET + "smtp", None, None),
]
# Options that show in more than one field (the passkey RP falls back to ServerAddress).
ALSO = {"ServerAddress": {"server_address", "passkey_rp_id", "passkey_origins"}}


async def status(client: Client) -> tuple[dict[str, Any], str]:
    resp = await client.request("GET", "/api/status")
    text = await resp.text()
    body = await resp.json()
    assert resp.status == 200 and body["success"] is True, text
    return body["data"], text


async def test_every_console_field_is_there_with_its_default(gateway: Gateway):
    data, _ = await status(gateway.client())
    missing = [k for k in ALWAYS if k not in data]
    assert not missing, missing
    assert {k: data[k] for k in DEFAULTS} == DEFAULTS
    assert data["passkey_display_name"] == data["system_name"], "the site name by default"
    assert "custom_oauth_providers" not in data, "only when any exist"


async def test_each_switch_reaches_the_status_and_no_secret_does(root: Client, gateway: Gateway):
    anonymous = gateway.client()
    for option, value, field, shown in STEPS:
        before, _ = await status(anonymous)
        _, reply = await root.json("PUT", "/api/option/", json={"key": option, "value": value})
        assert reply["success"], (option, reply)
        data, text = await status(anonymous)
        assert SECRET not in text, option
        if field is None:
            assert data == before, f"{option} shows nowhere in /api/status"
            continue
        assert data[field] == (value if shown is None else shown), (option, field, data[field])
        changed = {k for k in data if data[k] != before.get(k)}
        assert changed <= {field} | ALSO.get(option, set()), (option, changed)
