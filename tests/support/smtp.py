"""A real SMTP server for the tests (aiosmtpd) on 127.0.0.1, in the test's own event loop: plain,
STARTTLS or implicit TLS, with AUTH PLAIN/LOGIN against one account. The tests read what it
received (`messages`). Also a self-signed certificate made with `cryptography`, a port nobody
listens on, and a server that accepts and then never says a word."""

from __future__ import annotations

import asyncio
import datetime
import email
import email.policy
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Literal

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

Mode = Literal["plain", "starttls", "ssl"]
ACCOUNT, TOKEN = "mailer@example.com", "smtp-secret-token"


@dataclass(frozen=True)
class Cert:
    cert: Path  # PEM certificate, also the CA the client must trust
    key: Path


def make_cert(directory: Path, host: str = "127.0.0.1") -> Cert:
    """A self-signed certificate for `host` (and localhost), valid for a day."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "clawrouter test smtp")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(host))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    out = Cert(directory / "smtp-cert.pem", directory / "smtp-key.pem")
    out.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    out.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return out


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage
    login: str | None  # the account that authenticated, if any
    mechanism: str | None  # PLAIN or LOGIN
    tls: bool  # the mail came over an encrypted connection

    def text(self) -> str:
        """The plain-text part."""
        part = self.message.get_body(preferencelist=("plain",))
        assert part is not None
        return part.get_content()

    def html(self) -> str:
        part = self.message.get_body(preferencelist=("html",))
        assert part is not None
        return part.get_content()


class FakeSmtp:
    """`async with FakeSmtp("starttls", cert=...) as smtp:` then smtp.port, smtp.messages."""

    def __init__(
        self,
        mode: Mode = "plain",
        *,
        cert: Cert | None = None,
        auth: bool = True,
        mechanisms: tuple[str, ...] = ("PLAIN", "LOGIN"),
    ) -> None:
        if mode != "plain" and cert is None:
            raise ValueError(f"{mode} needs a certificate")
        self.mode, self.cert, self.auth, self.mechanisms = mode, cert, auth, mechanisms
        self.messages: list[Received] = []
        self.logins: list[tuple[str, str, bool]] = []  # (mechanism, login, accepted)
        self.port = 0
        self._server: asyncio.Server | None = None
        self._arrived = asyncio.Event()

    def _tls(self) -> ssl.SSLContext:
        assert self.cert is not None
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.cert.cert, self.cert.key)
        return ctx

    def _authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        login, password = auth_data.login.decode(), auth_data.password.decode()
        accepted = (login, password) == (ACCOUNT, TOKEN)
        self.logins.append((mechanism, login, accepted))
        # handled=False: aiosmtpd answers 535 itself (with handled=True it would say nothing)
        return AuthResult(success=accepted, handled=False, auth_data=auth_data)

    async def handle_DATA(self, server: SMTP, session, envelope) -> str:
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        tls = server.transport is not None and server.transport.get_extra_info("sslcontext")
        self.messages.append(
            Received(
                sender=envelope.mail_from,
                recipients=list(envelope.rcpt_tos),
                message=message,  # type: ignore[arg-type]
                login=session.auth_data.login.decode() if session.authenticated else None,
                mechanism=self.logins[-1][0] if session.authenticated else None,
                tls=bool(tls),
            )
        )
        self._arrived.set()
        return "250 OK"

    def _protocol(self) -> SMTP:
        kwargs: dict[str, Any] = {"hostname": "smtp.test", "auth_exclude_mechanism": ()}
        if self.mode == "starttls":
            kwargs["tls_context"] = self._tls()
        if self.auth:
            kwargs["authenticator"] = self._authenticate
            # aiosmtpd knows TLS only after its own STARTTLS; implicit TLS is TLS from the start
            kwargs["auth_require_tls"] = self.mode == "starttls"
            kwargs["auth_exclude_mechanism"] = [
                m for m in ("LOGIN", "PLAIN") if m not in self.mechanisms
            ]
        return SMTP(self, **kwargs)

    async def __aenter__(self) -> FakeSmtp:
        loop = asyncio.get_running_loop()
        ssl_ctx = self._tls() if self.mode == "ssl" else None
        self._server = await loop.create_server(self._protocol, "127.0.0.1", 0, ssl=ssl_ctx)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def wait_for(self, count: int = 1, seconds: float = 5.0) -> list[Received]:
        """Wait until `count` mails arrived (the password-reset mail is sent after the answer)."""
        async with asyncio.timeout(seconds):
            while len(self.messages) < count:
                self._arrived.clear()
                await self._arrived.wait()
        return self.messages


def closed_port() -> int:
    """A loopback port nothing listens on (a mail server that is down)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SilentServer:
    """Accepts connections and never answers (a mail server that hangs)."""

    def __init__(self) -> None:
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: list[asyncio.StreamWriter] = []

    async def _accept(self, _reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.append(writer)

    async def __aenter__(self) -> SilentServer:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        for w in self._writers:
            w.close()
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()
