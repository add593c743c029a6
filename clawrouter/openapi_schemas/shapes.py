"""The management API's data shapes (components/schemas): what the handlers put in `data`.
Fields every answer carries are required; extra fields are allowed (new-api adds them too)."""

from __future__ import annotations

from clawrouter.openapi_schemas.common import (
    ANY,
    INT,
    STR,
    Schema,
    arr,
    fields,
    map_of,
    obj,
    row,
)

_USER = (
    "id:i username:s display_name:s role:i status:i email:s github_id:s discord_id:s oidc_id:s"
    " wechat_id:s telegram_id:s linux_do_id:s quota:i used_quota:i request_count:i group:s"
    " aff_code:s aff_count:i aff_quota:i aff_history:i inviter_id:i setting:s remark:s"
    " created_at:i last_login_at:i"
)
_SELF = (
    "id:i username:s display_name:s role:i status:i email:s group:s quota:i used_quota:i"
    " request_count:i aff_code:s aff_count:i aff_quota:i inviter_id:i setting:s"
    " sidebar_modules:s permissions:o"
)
_TOKEN = (
    "id:i user_id:i key:s status:i name:s created_time:i accessed_time:i expired_time:i"
    " remain_quota:i unlimited_quota:b model_limits_enabled:b model_limits:s allow_ips:s"
    " used_quota:i group:s"
)
_CHANNEL = (
    "id:i type:i key:s status:i name:s weight:i? created_time:i test_time:i response_time:i"
    " base_url:s? balance:n balance_updated_time:i models:s group:s used_quota:i priority:i?"
    " auto_ban:i? tag:s? model_mapping:s? status_code_mapping:s? setting:s? param_override:s?"
    " header_override:s? remark:s? openai_organization:s? test_model:s? channel_info:o"
)
_LOG = (
    "id:i user_id:i created_at:i type:i content:s username:s token_name:s model_name:s quota:i"
    " prompt_tokens:i completion_tokens:i use_time:i is_stream:b channel:i token_id:i group:s"
    " ip:s request_id:s other:s"
)
_REDEMPTION = (
    "id:i user_id:i key:s status:i name:s quota:i created_time:i redeemed_time:i"
    " used_user_id:i expired_time:i"
)
_VENDOR = "id:i name:s description:s icon:s status:i created_time:i updated_time:i"
_MODEL = (
    "id:i model_name:s description:s icon:s tags:s vendor_id:i endpoints:s status:i"
    " sync_official:i name_rule:i created_time:i updated_time:i"
)
_PREFILL = "id:i name:s type:s items:* description:s created_time:i updated_time:i"
_TASK = (
    "id:i created_at:i updated_at:i task_id:s platform:s user_id:i group:s channel_id:i"
    " quota:i action:s status:s fail_reason:s submit_time:i start_time:i finish_time:i"
    " progress:s properties:* data:*"
)
_MJ = (
    "id:i code:i user_id:i action:s mj_id:s prompt:s state:s submit_time:i start_time:i"
    " finish_time:i image_url:s status:s progress:s fail_reason:s channel_id:i quota:i"
)
_TOPUP = (
    "id:i user_id:i amount:i money:n trade_no:s payment_method:s create_time:i"
    " complete_time:i status:s"
)
_STATUS = (
    "version:s start_time:i system_name:s logo:s footer_html:s server_address:s setup:b"
    " register_enabled:b password_login_enabled:b password_register_enabled:b"
    " email_verification:b github_oauth:b discord_oauth:b linuxdo_oauth:b telegram_oauth:b"
    " wechat_login:b oidc_enabled:b turnstile_check:b turnstile_site_key:s passkey_login:b"
    " quota_per_unit:n display_in_currency:b quota_display_type:s price:n enable_task:b"
    " enable_drawing:b enable_data_export:b chats:a self_use_mode_enabled:b demo_site_enabled:b"
)
_PRICING_ROW = (
    "model_name:s description:s icon:s tags:s vendor_id:i quota_type:i model_ratio:n"
    " model_price:n owner_by:s completion_ratio:n enable_groups:a supported_endpoint_types:a"
)
_TOPUP_INFO = (
    "enable_online_topup:b enable_stripe_topup:b enable_creem_topup:b creem_products:s"
    " pay_methods:a min_topup:i stripe_min_topup:i amount_options:a discount:o"
)


def _group_ratios() -> Schema:
    return map_of(obj({"ratio": ANY, "desc": STR}, "ratio desc"))


def components() -> dict[str, Schema]:
    """components/schemas of the management API."""
    return {
        "User": row(_USER),
        "Self": row(_SELF),
        "Token": row(_TOKEN),
        "Channel": row(_CHANNEL),
        "Log": obj({**fields(_LOG), "channel_name": STR}, list(fields(_LOG))),
        "Redemption": row(_REDEMPTION),
        "Vendor": row(_VENDOR),
        "ModelMeta": obj(
            {
                **fields(_MODEL),
                "bound_channels": arr(row("name:s type:i")),
                "enable_groups": arr(STR),
                "quota_types": arr(INT),
            },
            list(fields(_MODEL)),
        ),
        "PrefillGroup": row(_PREFILL),
        "Task": row(_TASK),
        "Midjourney": row(_MJ),
        "TopUp": row(_TOPUP),
        "Status": row(_STATUS),
        "PricingRow": row(_PRICING_ROW),
        "TopUpInfo": row(_TOPUP_INFO),
        "Option": row("key:s value:s"),
        "GroupRatios": _group_ratios(),
        "QuotaData": obj(
            fields("model_name:s username:s created_at:i count:i quota:i token_used:i"),
            "created_at count quota token_used",
        ),
        "LogStat": row("quota:i rpm:i tpm:i"),
        "ModelEntry": row(
            "id:s object:s created:i owned_by:s supported_endpoint_types:a", "id object owned_by"
        ),
    }
