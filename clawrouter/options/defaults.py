"""Every option the reference gateway has, with its kind and default (stored as strings).

Price tables come from billing.ratio_defaults; everything else is listed here once.
"""

from __future__ import annotations

import orjson

from clawrouter.options.registry import OptionSpec

_DISABLE_KEYWORDS = "\n".join(
    [
        "Your credit balance is too low",
        "This organization has been disabled.",
        "You exceeded your current quota",
        "Permission denied",
        "The security token included in the request is invalid",
        "Operation not allowed",
        "Your account is not authorized",
    ]
)

# (key, kind, default) — defaults as the reference ships them.
_TABLE: tuple[tuple[str, str, object], ...] = (
    # quota and units
    ("QuotaPerUnit", "float", 500000),
    ("QuotaForNewUser", "int", 0),
    ("QuotaForInviter", "int", 0),
    ("QuotaForInvitee", "int", 0),
    ("QuotaRemindThreshold", "int", 1000),
    ("PreConsumedQuota", "int", 500),
    ("DisplayInCurrencyEnabled", "bool", True),
    ("DisplayTokenStatEnabled", "bool", True),
    ("general_setting.quota_display_type", "str", "USD"),
    ("general_setting.custom_currency_symbol", "str", "¤"),
    ("general_setting.custom_currency_exchange_rate", "float", 1),
    # the reference links its own docs site; empty hides the "Docs" link in the console
    ("general_setting.docs_link", "str", ""),
    ("general_setting.ping_interval_enabled", "bool", False),
    ("general_setting.ping_interval_seconds", "int", 60),
    ("USDExchangeRate", "float", 7.3),
    ("Price", "float", 7.3),
    ("MinTopUp", "int", 1),
    ("TopupGroupRatio", "json_map", {"default": 1, "vip": 1, "svip": 1}),
    ("payment_setting.amount_options", "json_list", [10, 20, 50, 100, 200, 500]),
    ("payment_setting.amount_discount", "json_map", {}),
    # groups
    ("GroupRatio", "json_map", {"default": 1, "vip": 1, "svip": 1}),
    ("GroupGroupRatio", "json_map", {"vip": {"edit_this": 0.9}}),
    (
        "group_ratio_setting.group_special_usable_group",
        "json_map",
        {"vip": {"append_1": "vip_special_group_1", "-:remove_1": "vip_removed_group_1"}},
    ),
    ("UserUsableGroups", "json_map", {"default": "默认分组", "vip": "vip分组"}),
    ("AutoGroups", "json_list", ["default"]),
    ("DefaultUseAutoGroup", "bool", False),
    ("ExposeRatioEnabled", "bool", False),
    # auth and registration
    ("PasswordLoginEnabled", "bool", True),
    ("PasswordRegisterEnabled", "bool", True),
    ("RegisterEnabled", "bool", True),
    ("EmailVerificationEnabled", "bool", False),
    ("EmailDomainRestrictionEnabled", "bool", False),
    ("EmailAliasRestrictionEnabled", "bool", False),
    (
        "EmailDomainWhitelist",
        "str",
        "gmail.com,163.com,126.com,qq.com,outlook.com,hotmail.com,icloud.com,yahoo.com,foxmail.com",
    ),
    ("GitHubOAuthEnabled", "bool", False),
    ("LinuxDOOAuthEnabled", "bool", False),
    ("WeChatAuthEnabled", "bool", False),
    ("TelegramOAuthEnabled", "bool", False),
    ("TurnstileCheckEnabled", "bool", False),
    ("GitHubClientId", "str", ""),
    ("GitHubClientSecret", "str", ""),
    ("LinuxDOClientId", "str", ""),
    ("LinuxDOClientSecret", "str", ""),
    ("LinuxDOMinimumTrustLevel", "int", 0),
    ("WeChatServerAddress", "str", ""),
    ("WeChatServerToken", "str", ""),
    ("WeChatAccountQRCodeImageURL", "str", ""),
    ("TelegramBotToken", "str", ""),
    ("TelegramBotName", "str", ""),
    ("TurnstileSiteKey", "str", ""),
    ("TurnstileSecretKey", "str", ""),
    ("discord.enabled", "bool", False),
    ("discord.client_id", "str", ""),
    ("discord.client_secret", "str", ""),
    ("oidc.enabled", "bool", False),
    ("oidc.client_id", "str", ""),
    ("oidc.client_secret", "str", ""),
    ("oidc.well_known", "str", ""),
    ("oidc.authorization_endpoint", "str", ""),
    ("oidc.token_endpoint", "str", ""),
    ("oidc.user_info_endpoint", "str", ""),
    ("passkey.enabled", "bool", False),
    ("passkey.rp_display_name", "str", ""),
    ("passkey.rp_id", "str", ""),
    ("passkey.origins", "str", ""),
    ("passkey.allow_insecure_origin", "bool", False),
    ("passkey.user_verification", "str", "preferred"),
    ("passkey.attachment_preference", "str", ""),
    ("SMTPServer", "str", ""),
    ("SMTPPort", "int", 587),
    ("SMTPAccount", "str", ""),
    ("SMTPFrom", "str", ""),
    ("SMTPToken", "str", ""),
    ("SMTPSSLEnabled", "bool", False),
    ("SMTPForceAuthLogin", "bool", False),
    # site and content
    ("SystemName", "str", "ClawRouter"),  # the reference ships "New API"
    ("Logo", "str", ""),
    ("Footer", "str", ""),
    ("ServerAddress", "str", ""),
    ("TopUpLink", "str", ""),
    ("Notice", "str", ""),
    ("About", "str", ""),
    ("HomePageContent", "str", ""),
    ("legal.user_agreement", "str", ""),
    ("legal.privacy_policy", "str", ""),
    ("Chats", "json_list", []),
    ("console_setting.api_info", "json_list", []),
    ("console_setting.announcements", "json_list", []),
    ("console_setting.faq", "json_list", []),
    ("console_setting.uptime_kuma_groups", "json_list", []),
    ("console_setting.api_info_enabled", "bool", True),
    ("console_setting.announcements_enabled", "bool", True),
    ("console_setting.faq_enabled", "bool", True),
    ("console_setting.uptime_kuma_enabled", "bool", True),
    ("HeaderNavModules", "str", ""),
    ("SidebarModulesAdmin", "str", ""),
    ("DefaultCollapseSidebar", "bool", False),
    ("DemoSiteEnabled", "bool", False),
    ("SelfUseModeEnabled", "bool", False),
    # operations
    ("ChannelDisableThreshold", "float", 5),
    ("AutomaticDisableChannelEnabled", "bool", False),
    ("AutomaticEnableChannelEnabled", "bool", False),
    ("AutomaticDisableKeywords", "str", _DISABLE_KEYWORDS),
    ("AutomaticDisableStatusCodes", "codes", "401"),
    (
        "AutomaticRetryStatusCodes",
        "codes",
        "100-199,300-399,401-407,409-499,500-503,505-523,525-599",
    ),
    ("RetryTimes", "int", 0),
    ("monitor_setting.auto_test_channel_enabled", "bool", False),
    ("monitor_setting.auto_test_channel_minutes", "int", 10),
    ("LogConsumeEnabled", "bool", True),
    ("ErrorLogEnabled", "bool", False),
    ("DataExportEnabled", "bool", True),
    ("DataExportInterval", "int", 5),
    ("DataExportDefaultTime", "str", "hour"),
    ("DrawingEnabled", "bool", True),
    ("TaskEnabled", "bool", True),
    ("MjNotifyEnabled", "bool", False),
    ("MjAccountFilterEnabled", "bool", False),
    ("MjModeClearEnabled", "bool", False),
    ("MjForwardUrlEnabled", "bool", False),
    ("MjActionCheckSuccessEnabled", "bool", True),
    ("CheckSensitiveEnabled", "bool", False),
    ("CheckSensitiveOnPromptEnabled", "bool", False),
    ("StopOnSensitiveEnabled", "bool", False),
    ("SensitiveWords", "str", ""),
    ("StreamCacheQueueLength", "int", 0),
    ("ModelRequestRateLimitEnabled", "bool", False),
    ("ModelRequestRateLimitDurationMinutes", "int", 1),
    ("ModelRequestRateLimitCount", "int", 0),
    ("ModelRequestRateLimitSuccessCount", "int", 1000),
    ("ModelRequestRateLimitGroup", "json_map", {}),
    ("token_setting.max_user_tokens", "int", 1000),
    ("checkin_setting.enabled", "bool", False),
    ("checkin_setting.min_quota", "int", 1000),
    ("checkin_setting.max_quota", "int", 10000),
    ("quota_setting.enable_free_model_pre_consume", "bool", True),
    ("claude.default_max_tokens", "json_map", {"default": 8192}),
    ("claude.thinking_adapter_enabled", "bool", True),
    ("claude.thinking_adapter_budget_tokens_percentage", "float", 0.8),
    ("gemini.thinking_adapter_enabled", "bool", False),
    # Responses requests forced through chat completions (relay.responses_route)
    (
        "global.responses_to_chat_completions_policy",
        "json_map",
        {"enabled": False, "all_channels": True},
    ),
    # SSRF protection of fetches a user controls (http.outbound_guard); new-api's defaults
    ("fetch_setting.enable_ssrf_protection", "bool", True),
    ("fetch_setting.allow_private_ip", "bool", False),
    ("fetch_setting.domain_filter_mode", "bool", False),  # true: whitelist, false: blacklist
    ("fetch_setting.ip_filter_mode", "bool", False),  # true: whitelist, false: blacklist
    ("fetch_setting.domain_list", "json_list", []),  # example.com, *.example.com
    ("fetch_setting.ip_list", "json_list", []),  # 1.2.3.4, 10.0.0.0/8, 2001:db8::/32
    ("fetch_setting.allowed_ports", "json_list", ["80", "443", "8080", "8443"]),  # or "a-b"
    ("fetch_setting.apply_ip_filter_for_domain", "bool", True),
    ("WorkerUrl", "str", ""),
    ("WorkerValidKey", "str", ""),
    ("FileUploadPermission", "int", 0),
    ("FileDownloadPermission", "int", 0),
    ("ImageUploadPermission", "int", 0),
    ("ImageDownloadPermission", "int", 0),
    # payments
    ("PayAddress", "str", ""),
    ("CustomCallbackAddress", "str", ""),
    ("EpayId", "str", ""),
    ("EpayKey", "str", ""),
    (
        "PayMethods",
        "json_list",
        [
            {"name": "支付宝", "color": "rgba(var(--semi-blue-5), 1)", "type": "alipay"},
            {"name": "微信", "color": "rgba(var(--semi-green-5), 1)", "type": "wxpay"},
            {"name": "自定义1", "color": "black", "type": "custom1", "min_topup": "50"},
        ],
    ),
    ("StripeApiSecret", "str", ""),
    ("StripeWebhookSecret", "str", ""),
    ("StripePriceId", "str", ""),
    ("StripeUnitPrice", "float", 8.0),
    ("StripeMinTopUp", "int", 1),
    ("StripePromotionCodesEnabled", "bool", False),
    # ClawRouter's own: the Stripe API base (without /v1), e.g. a local fake for tests/staging
    ("StripeApiBase", "str", "https://api.stripe.com"),
    ("CreemApiKey", "str", ""),
    ("CreemProducts", "json_list", []),
    ("CreemTestMode", "bool", False),
    ("CreemWebhookSecret", "str", ""),
    # ClawRouter's own: the Creem API base (without /v1); in CreemTestMode the default one
    # becomes https://test-api.creem.io
    ("CreemApiBase", "str", "https://api.creem.io"),
)

# Price tables: (option key, name of the billing.ratio_defaults function giving the default map).
_PRICE_TABLES = (
    ("ModelRatio", "model_ratio"),
    ("CompletionRatio", "completion_ratio"),
    ("CacheRatio", "cache_ratio"),
    ("CreateCacheRatio", "create_cache_ratio"),
    ("ModelPrice", "model_price"),
    ("ImageRatio", "image_ratio"),
    ("AudioRatio", "audio_ratio"),
    ("AudioCompletionRatio", "audio_completion_ratio"),
)


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return orjson.dumps(value).decode()
    return str(value)


def price_table_defaults() -> dict[str, dict[str, float]]:
    """Fresh copies of the built-in price tables, keyed by option name."""
    from clawrouter.billing import ratio_defaults

    return {key: dict(getattr(ratio_defaults, fn)()) for key, fn in _PRICE_TABLES}


def specs() -> list[OptionSpec]:
    out = [OptionSpec(key, kind, _text(default)) for key, kind, default in _TABLE]
    out += [OptionSpec(k, "json_map", _text(v)) for k, v in price_table_defaults().items()]
    return out
