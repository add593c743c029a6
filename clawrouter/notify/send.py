"""Deliver one quota notice the way the user chose (settings.kind), as the reference does:

- email: through the configured SMTP server (auth.mailer) to notification_email, else the
  account's address; skipped (logged) when neither exists or mail is not set up;
- webhook: POST JSON {type, title, content, values, timestamp} with Content-Type
  application/json and, when the user set a secret, X-Webhook-Signature: the hex HMAC-SHA256
  of the exact body with that secret;
- bark: GET the user's Bark URL with {{title}} and {{content}} replaced by the URL-encoded
  title and text;
- gotify: POST {gotify_url}/message?token=... with JSON {title, message, priority}.

Every URL goes through the outbound guard (http.outbound: the fetch_setting.* options,
checked on the URL, on each address its host resolves to at connect time and on every
redirect, which is followed as the reference's HTTP client does); a refused destination is a
failure ("request reject: ..."), nothing is sent.

One attempt, bounded by `seconds`; any answer outside 2xx is a failure. Every failure is a
NotifyError whose message names the channel and host only (never a URL's path or query, a
token or a secret); the caller logs it."""

from __future__ import annotations

import hashlib
import hmac
import logging
from typing import Any
from urllib.parse import quote, urlsplit

import aiohttp
import orjson

from clawrouter.auth import mailer
from clawrouter.http.outbound import OutboundClient
from clawrouter.http.outbound_guard import FetchRefused
from clawrouter.notify.message import Message, quota_message
from clawrouter.notify.watch import Notice

log = logging.getLogger(__name__)

BARK_AGENT = "OneAPI-Bark-Notify/1.0"  # the User-Agent values the reference sends
GOTIFY_AGENT = "NewAPI-Gotify-Notify/1.0"


class NotifyError(Exception):
    """A notice could not be delivered; the message is safe to log."""


def signature(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def webhook_body(msg: Message, now: float) -> bytes:
    payload = {
        "type": msg.type,
        "title": msg.title,
        "content": msg.fill(),
        "values": list(msg.values),
        "timestamp": int(now),
    }
    return orjson.dumps(payload)


def bark_url(template: str, msg: Message) -> str:
    url = template.replace("{{title}}", quote(msg.title, safe=""))
    return url.replace("{{content}}", quote(msg.fill(), safe=""))


def gotify_request(s: Any, msg: Message) -> tuple[str, bytes]:
    url = s.gotify_url.rstrip("/") + "/message?token=" + quote(s.gotify_token, safe="")
    body = {"title": msg.title, "message": msg.fill(), "priority": s.gotify_priority}
    return url, orjson.dumps(body)


def _host(url: str) -> str:
    try:
        return urlsplit(url).netloc.rpartition("@")[2] or "?"
    except ValueError:
        return "?"


async def _http(
    http: OutboundClient,
    kind: str,
    method: str,
    url: str,
    seconds: float,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> None:
    where = f"{kind} notice to {_host(url)}"
    try:
        timeout = aiohttp.ClientTimeout(total=seconds)
        async with http.request(method, url, data=body, headers=headers, timeout=timeout) as resp:
            if not 200 <= resp.status < 300:
                raise NotifyError(f"{where}: the server answered HTTP {resp.status}")
    except FetchRefused as e:
        raise NotifyError(f"{where}: request reject: {e}") from None
    except TimeoutError:
        raise NotifyError(f"{where}: no answer within {seconds:g} s") from None
    except (aiohttp.ClientError, ValueError, OSError) as e:
        raise NotifyError(f"{where}: {type(e).__name__}") from None


async def deliver(
    notice: Notice,
    *,
    http: OutboundClient,
    options: Any,
    now: float,
    seconds: float,
    ca_file: str = "",
) -> str:
    """Send `notice`; returns the channel used ("" when there was nowhere to send it)."""
    s = notice.settings
    msg = quota_message(s.kind, notice.remaining, options)
    if s.kind == "webhook" and s.webhook_url:
        body = webhook_body(msg, now)
        headers = {"Content-Type": "application/json"}
        if s.webhook_secret:
            headers["X-Webhook-Signature"] = signature(s.webhook_secret, body)
        await _http(http, "webhook", "POST", s.webhook_url, seconds, body, headers)
    elif s.kind == "bark" and s.bark_url:
        url = bark_url(s.bark_url, msg)
        await _http(http, "bark", "GET", url, seconds, headers={"User-Agent": BARK_AGENT})
    elif s.kind == "gotify" and s.gotify_url and s.gotify_token:
        url, body = gotify_request(s, msg)
        headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": GOTIFY_AGENT}
        await _http(http, "gotify", "POST", url, seconds, body, headers)
    elif s.kind == "email":
        return await _email(notice, msg, options, seconds, ca_file)
    else:
        log.info("user %d has no %s address: quota notice not sent", notice.user_id, s.kind)
        return ""
    return s.kind


async def _email(notice: Notice, msg: Message, options: Any, seconds: float, ca_file: str) -> str:
    to = notice.settings.email or notice.account_email
    if not to:
        log.info("user %d has no e-mail address: quota notice not sent", notice.user_id)
        return ""
    smtp = mailer.SmtpSettings.from_options(options)
    if smtp.problem():
        log.info("quota notice to user %d not sent: %s", notice.user_id, smtp.problem())
        return ""
    try:
        html = msg.fill(escape=True)
        await mailer.send_mail(
            smtp, to, msg.title, msg.plain(), html, seconds=seconds, ca_file=ca_file
        )
    except mailer.MailError as e:
        raise NotifyError(f"email notice: {e}") from None
    return "email"
