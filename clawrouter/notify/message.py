"""The low-quota notice's words, per channel, in the reference's shape: a title, a content
template whose `{{value}}` placeholders are filled in order from `values`, and the notice type
"quota_exceed". E-mail and webhook carry the HTML content with the top-up link; Bark and
Gotify a short plain line. Pure: the caller passes the options it needs."""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

QUOTA_EXCEED = "quota_exceed"  # the reference's dto.NotifyTypeQuotaExceed
PLACEHOLDER = "{{value}}"
PROMPT = "Your quota is running low"
_SHORT = {
    "bark": "{{value}}, remaining quota: {{value}}, please top up in time",
    "gotify": "{{value}}, your remaining quota is {{value}}, please top up in time.",
}
_FULL = (
    "{{value}}, your remaining quota is {{value}}; to keep using the service, please top up "
    "in time.<br/>Top-up link: <a href='{{value}}'>{{value}}</a>"
)


@dataclass(frozen=True, slots=True)
class Message:
    type: str
    title: str
    content: str  # the template
    values: tuple[str, ...]

    def fill(self, escape: bool = False) -> str:
        out = self.content
        for value in self.values:
            out = out.replace(PLACEHOLDER, html.escape(value) if escape else value, 1)
        return out

    def plain(self) -> str:
        """The filled content without markup (an e-mail's text part)."""
        text = self.fill().replace("<br/>", "\n")
        if len(self.values) == 4:
            text = text.replace(f"<a href='{self.values[2]}'>{self.values[3]}</a>", self.values[2])
        return text


def format_quota(quota: int, options: Any) -> str:
    """As the reference's FormatQuota: dollars when DisplayInCurrencyEnabled, else points."""
    if options["DisplayInCurrencyEnabled"]:
        per_unit = float(options["QuotaPerUnit"]) or 500000.0
        return f"${quota / per_unit:.6f}"
    return f"{quota} quota"


def top_up_link(options: Any) -> str:
    return str(options["ServerAddress"]).strip().rstrip("/") + "/console/topup"


def quota_message(kind: str, remaining: int, options: Any) -> Message:
    amount = format_quota(remaining, options)
    if kind in _SHORT:
        return Message(QUOTA_EXCEED, PROMPT, _SHORT[kind], (PROMPT, amount))
    link = top_up_link(options)
    return Message(QUOTA_EXCEED, PROMPT, _FULL, (PROMPT, amount, link, link))
