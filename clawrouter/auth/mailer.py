"""Mail over SMTP (aiosmtplib), configured by the reference's options: SMTPServer, SMTPPort,
SMTPAccount, SMTPFrom (defaults to SMTPAccount), SMTPToken, SMTPSSLEnabled (implicit TLS, also
used on port 465) and SMTPForceAuthLogin (AUTH LOGIN rather than the best method offered).

Without implicit TLS the connection is upgraded with STARTTLS whenever the server offers it;
credentials are never sent in clear text to a server that is not on this machine. Certificates
are verified (providers.smtp_ca_file adds a private CA). The whole exchange is bounded by
providers.timeout_seconds, and every failure is a MailError whose message says what went wrong
without the account's token."""

from __future__ import annotations

import asyncio
import ipaddress
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid

import aiosmtplib

from clawrouter.options.store import Options


class MailError(Exception):
    """A mail could not be sent; the message is safe to show an administrator."""


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    server: str
    port: int
    account: str
    sender: str
    token: str
    ssl: bool
    force_auth_login: bool
    system_name: str

    @classmethod
    def from_options(cls, options: Options) -> SmtpSettings:
        account = str(options["SMTPAccount"]).strip()
        return cls(
            server=str(options["SMTPServer"]).strip(),
            port=int(options["SMTPPort"]),
            account=account,
            sender=str(options["SMTPFrom"]).strip() or account,
            token=str(options["SMTPToken"]),
            ssl=bool(options["SMTPSSLEnabled"]),
            force_auth_login=bool(options["SMTPForceAuthLogin"]),
            system_name=str(options["SystemName"]).strip(),
        )

    def problem(self) -> str:
        """Why mail cannot be sent with these settings, or "" when they look usable."""
        if not self.server:
            return "mail is not set up: the administrator has not configured SMTPServer"
        if not self.sender or "@" not in self.sender:
            return "SMTPFrom (or SMTPAccount) must be an email address to send mail from"
        return ""

    @property
    def implicit_tls(self) -> bool:
        return self.ssl or self.port == 465

    @property
    def where(self) -> str:
        return f"{self.server}:{self.port}"

    def __repr__(self) -> str:  # never print the token
        return f"SmtpSettings({self.where}, account={self.account!r}, ssl={self.ssl})"


def _is_local(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _clean_header(value: str) -> str:
    if "\r" in value or "\n" in value:
        raise MailError("mail headers must not contain line breaks")
    return value


def build_message(s: SmtpSettings, to: str, subject: str, text: str, html: str) -> EmailMessage:
    """A multipart/alternative message (plain text and HTML) from `SystemName <SMTPFrom>`."""
    if s.problem():
        raise MailError(s.problem())
    msg = EmailMessage()
    msg["From"] = formataddr((_clean_header(s.system_name), _clean_header(s.sender)))
    msg["To"] = _clean_header(to)
    msg["Subject"] = _clean_header(subject)
    msg["Date"] = format_datetime(datetime.now(UTC))
    msg["Message-ID"] = make_msgid(domain=s.sender.rpartition("@")[2] or None)
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    return msg


def tls_context(ca_file: str = "") -> ssl.SSLContext:
    """The system's trusted CAs, plus `ca_file` (a private mail relay's CA) when given."""
    ctx = ssl.create_default_context()
    if ca_file:
        try:
            ctx.load_verify_locations(cafile=ca_file)
        except (OSError, ssl.SSLError) as e:
            raise MailError(f"providers.smtp_ca_file could not be read: {e}") from None
    return ctx


async def _login(client: aiosmtplib.SMTP, s: SmtpSettings) -> None:
    """AUTH PLAIN as the reference does, LOGIN when forced (SMTPForceAuthLogin) or when it is
    all the server offers; otherwise whatever the server supports."""
    if client.is_ehlo_or_helo_needed:  # after STARTTLS the server's extensions are asked again
        await client.ehlo()
    offered = client.server_auth_methods
    if s.force_auth_login or ("plain" not in offered and "login" in offered):
        await client.auth_login(s.account, s.token)
    elif "plain" in offered:
        await client.auth_plain(s.account, s.token)
    else:
        await client.login(s.account, s.token)


async def _exchange(client: aiosmtplib.SMTP, s: SmtpSettings, msg: EmailMessage) -> None:
    await client.connect()
    if s.account:
        encrypted = client.get_transport_info("sslcontext") is not None
        if not encrypted and not _is_local(s.server):
            raise MailError(
                f"the mail server {s.where} offers no TLS (STARTTLS), so the SMTP password "
                "is not sent; enable SMTPSSLEnabled or use the server's TLS port"
            )
        await _login(client, s)
    await client.send_message(msg, sender=s.sender, recipients=[msg["To"]])


async def send_mail(
    s: SmtpSettings,
    to: str,
    subject: str,
    text: str,
    html: str,
    *,
    seconds: float,
    ca_file: str = "",
) -> None:
    """Send one mail, or raise MailError within `seconds` (the whole exchange)."""
    msg = build_message(s, to, subject, text, html)
    client = aiosmtplib.SMTP(
        hostname=s.server,
        port=s.port,
        use_tls=s.implicit_tls,
        start_tls=False if s.implicit_tls else None,  # None: STARTTLS when offered
        tls_context=tls_context(ca_file),
        timeout=seconds,
    )
    try:
        async with asyncio.timeout(seconds):
            await _exchange(client, s, msg)
    except TimeoutError:
        raise MailError(f"the mail server {s.where} did not answer within {seconds:g} s") from None
    except aiosmtplib.SMTPAuthenticationError:
        raise MailError(
            f"the mail server {s.where} refused the login: check SMTPAccount and SMTPToken"
        ) from None
    except aiosmtplib.SMTPConnectError as e:
        raise MailError(
            f"could not connect to the mail server {s.where}: {_reason(e.__cause__ or e)}"
        ) from None
    except aiosmtplib.SMTPRecipientsRefused:
        raise MailError(f"the mail server {s.where} refused the recipient address") from None
    except aiosmtplib.SMTPResponseException as e:
        raise MailError(
            f"the mail server {s.where} refused the mail: {e.code} {e.message}"
        ) from None
    except (aiosmtplib.SMTPException, ssl.SSLError, OSError) as e:
        raise MailError(f"could not send mail via {s.where}: {_reason(e)}") from None
    finally:
        client.close()


def _reason(err: BaseException) -> str:
    if isinstance(err, ssl.SSLCertVerificationError):
        return f"the server's TLS certificate is not trusted ({err.verify_message})"
    if isinstance(err, ssl.SSLError):
        return f"TLS failed ({err.reason or err})"
    if isinstance(err, ConnectionRefusedError):
        return "connection refused"
    if isinstance(err, aiosmtplib.SMTPException):
        return err.message
    return str(err) or type(err).__name__
