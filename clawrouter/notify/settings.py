"""A user's notification settings, parsed once from the users row's `setting` JSON (what
PUT /api/user/setting stores) so the relay's settle never parses anything. Pure: no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

KINDS = ("email", "webhook", "bark", "gotify")


def _text(setting: dict[str, Any], key: str) -> str:
    value = setting.get(key)
    return value.strip() if isinstance(value, str) else ""


@dataclass(frozen=True, slots=True)
class NotifySettings:
    kind: str = "email"  # no choice made: e-mail to the account's address, as the reference
    threshold: int = 0  # quota_warning_threshold; 0: the QuotaRemindThreshold option applies
    email: str = ""  # notification_email; "": the account's e-mail
    webhook_url: str = ""
    webhook_secret: str = ""
    bark_url: str = ""
    gotify_url: str = ""
    gotify_token: str = ""
    gotify_priority: int = 5

    @classmethod
    def parse(cls, setting: dict[str, Any]) -> NotifySettings:
        kind = _text(setting, "notify_type")
        threshold = setting.get("quota_warning_threshold")
        number = isinstance(threshold, int | float) and not isinstance(threshold, bool)
        priority, secret = setting.get("gotify_priority"), setting.get("webhook_secret")
        valid = isinstance(priority, int) and not isinstance(priority, bool) and 0 <= priority <= 10
        return cls(
            kind=kind if kind in KINDS else "email",
            threshold=int(threshold) if number and threshold > 0 else 0,
            email=_text(setting, "notification_email"),
            webhook_url=_text(setting, "webhook_url"),
            webhook_secret=secret if isinstance(secret, str) else "",
            bark_url=_text(setting, "bark_url"),
            gotify_url=_text(setting, "gotify_url"),
            gotify_token=_text(setting, "gotify_token"),
            gotify_priority=priority if valid else 5,
        )

    def __repr__(self) -> str:  # never print a secret or a token
        return f"NotifySettings(kind={self.kind!r}, threshold={self.threshold})"


DEFAULT = NotifySettings()
