"""Cross-option rules checked before an option is stored (e.g. OAuth needs its client id)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import orjson

from clawrouter.http.outbound_guard import PREFIX as FETCH_PREFIX
from clawrouter.http.outbound_guard import check_option as fetch_problem
from clawrouter.options.console_panels import PANELS, panel_problem
from clawrouter.options.registry import OptionError

PROTOCOL_POLICY = "global.responses_to_chat_completions_policy"
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


# options whose value is one of a few words (passkey.* as browsers' WebAuthn enums)
_CHOICES = {
    "passkey.user_verification": ("preferred", "required", "discouraged", ""),  # "": preferred
    "passkey.attachment_preference": ("", "platform", "cross-platform"),
}


def check_dependencies(key: str, text: str, current: Mapping[str, str]) -> None:
    if key in _CHOICES and text.strip() not in _CHOICES[key]:
        words = ", ".join(repr(c) for c in _CHOICES[key])
        raise OptionError(f"must be one of {words}")
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
    if key in PANELS and text.strip():
        problem = panel_problem(key, orjson.loads(text))
        if problem:
            raise OptionError(f"{key}: {problem}")
    if key.startswith(FETCH_PREFIX) and text.strip().startswith("["):
        problem = fetch_problem(key, orjson.loads(text))
        if problem:
            raise OptionError(problem)
    if key == PROTOCOL_POLICY:
        problem = _protocol_policy_problem(orjson.loads(text))
        if problem:
            raise OptionError(f"{key}: {problem}")


def _protocol_policy_problem(value: Any) -> str | None:
    """Why a value is not a new-api protocol policy ({enabled, all_channels, channel_ids,
    channel_types, model_patterns}), or None."""
    if not isinstance(value, dict):
        return "the policy must be a JSON object"
    for key in ("enabled", "all_channels"):
        if key in value and not isinstance(value[key], bool):
            return f"{key} must be true or false"
    for key in ("channel_ids", "channel_types"):
        items = value.get(key) or []
        if not isinstance(items, list) or not all(
            isinstance(i, int) and not isinstance(i, bool) for i in items
        ):
            return f"{key} must be a list of integers"
    patterns = value.get("model_patterns") or []
    if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
        return "model_patterns must be a list of regular expressions"
    for text in patterns:
        try:
            re.compile(text)
        except re.error as e:
            return f"model_patterns: {text!r} is not a valid regular expression ({e})"
    return None
