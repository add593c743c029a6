"""Cross-option rules checked before an option is stored (e.g. OAuth needs its client id)."""

from __future__ import annotations

from collections.abc import Mapping

import orjson

from clawrouter.options.registry import OptionError

# switch -> options that must be non-empty before it may be turned on
_REQUIRES = {
    "GitHubOAuthEnabled": ("GitHubClientId", "GitHubClientSecret"),
    "LinuxDOOAuthEnabled": ("LinuxDOClientId", "LinuxDOClientSecret"),
    "WeChatAuthEnabled": ("WeChatServerAddress",),
    "TelegramOAuthEnabled": ("TelegramBotToken", "TelegramBotName"),
    "TurnstileCheckEnabled": ("TurnstileSiteKey", "TurnstileSecretKey"),
    "discord.enabled": ("discord.client_id", "discord.client_secret"),
    "oidc.enabled": ("oidc.client_id", "oidc.client_secret"),
    "EmailDomainRestrictionEnabled": ("EmailDomainWhitelist",),
}
_RATIO_MAPS = (
    "GroupRatio",
    "ModelRatio",
    "CompletionRatio",
    "CacheRatio",
    "CreateCacheRatio",
    "ModelPrice",
    "ImageRatio",
    "AudioRatio",
    "AudioCompletionRatio",
    "TopupGroupRatio",
)


def check_dependencies(key: str, text: str, current: Mapping[str, str]) -> None:
    if key in _REQUIRES and text == "true":
        missing = [k for k in _REQUIRES[key] if not current.get(k, "").strip()]
        if missing:
            raise OptionError(f"set {', '.join(missing)} before enabling {key}")
    if key in _RATIO_MAPS:
        for name, value in orjson.loads(text).items():
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise OptionError(f"{key}: the value for {name!r} must be a non-negative number")
    if key == "GroupGroupRatio":
        for group, inner in orjson.loads(text).items():
            if not isinstance(inner, dict):
                raise OptionError(f"GroupGroupRatio: {group!r} must map to an object")
            for other, value in inner.items():
                if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                    raise OptionError(f"GroupGroupRatio: {group}.{other} must be a number ≥ 0")
