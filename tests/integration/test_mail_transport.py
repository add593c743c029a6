"""Mail over real SMTP (aiosmtpd on 127.0.0.1), driven through GET /api/verification, which
sends at once and reports a failure: plain, STARTTLS, implicit TLS, AUTH PLAIN and LOGIN, the
sender, and every way a send fails — a clear message, fast, with no secret in it or the logs."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import pytest

from clawrouter.auth import mailer
from clawrouter.config import Config, replace
from tests.support.gateway import Gateway
from tests.support.smtp import ACCOUNT, TOKEN, Cert, FakeSmtp, SilentServer, closed_port, make_cert

TIMEOUT = 1.0


@pytest.fixture
def cert(tmp_path: Path) -> Cert:
    return make_cert(tmp_path / "tls")


@pytest.fixture
def config(config: Config, cert: Cert) -> Config:
    return replace(config, providers={"smtp_ca_file": str(cert.cert), "timeout_seconds": TIMEOUT})


async def use_smtp(root, port: int, **options: Any) -> None:
    values = {
        "SMTPServer": "127.0.0.1",
        "SMTPPort": port,
        "SMTPAccount": ACCOUNT,
        "SMTPToken": TOKEN,
        "SMTPSSLEnabled": False,
        "SMTPForceAuthLogin": False,
        "SMTPFrom": "",
        **options,
    }
    for key, value in values.items():
        status, body = await root.json("PUT", "/api/option/", json={"key": key, "value": value})
        assert status == 200 and body["success"], (key, body)


async def verify(gateway: Gateway, email: str = "new@example.com") -> dict[str, Any]:
    status, body = await gateway.client().json("GET", f"/api/verification?email={email}")
    assert status == 200, (status, body)
    return body


async def test_plain_with_auth_plain(root, gateway: Gateway):
    async with FakeSmtp("plain") as smtp:
        await use_smtp(root, smtp.port)
        assert (await verify(gateway))["success"]
    (mail,) = smtp.messages
    assert (mail.login, mail.mechanism, mail.tls) == (ACCOUNT, "PLAIN", False)
    assert mail.sender == ACCOUNT and mail.recipients == ["new@example.com"]
    assert mail.message["From"] == f"ClawRouter <{ACCOUNT}>"  # SMTPFrom defaults to the account
    assert mail.message["To"] == "new@example.com"
    assert mail.message["Message-ID"] and mail.message["Date"]


async def test_starttls_when_offered(root, gateway: Gateway, cert: Cert):
    async with FakeSmtp("starttls", cert=cert) as smtp:
        await use_smtp(root, smtp.port, SMTPFrom="noreply@example.com")
        assert (await verify(gateway))["success"]
    (mail,) = smtp.messages
    assert (mail.login, mail.tls, mail.sender) == (ACCOUNT, True, "noreply@example.com")
    assert mail.message["From"] == "ClawRouter <noreply@example.com>"


async def test_implicit_tls(root, gateway: Gateway, cert: Cert):
    async with FakeSmtp("ssl", cert=cert) as smtp:
        await use_smtp(root, smtp.port, SMTPSSLEnabled=True)
        assert (await verify(gateway))["success"]
    (mail,) = smtp.messages
    assert (mail.login, mail.tls) == (ACCOUNT, True)


async def test_force_auth_login(root, gateway: Gateway, cert: Cert):
    async with FakeSmtp("starttls", cert=cert) as smtp:
        await use_smtp(root, smtp.port, SMTPForceAuthLogin=True)
        assert (await verify(gateway))["success"]
    assert smtp.messages[0].mechanism == "LOGIN"
    assert [m for m, _, _ in smtp.logins] == ["LOGIN"]


async def test_no_account_means_no_login(root, gateway: Gateway):
    async with FakeSmtp("plain", auth=False) as smtp:
        await use_smtp(root, smtp.port, SMTPAccount="", SMTPToken="", SMTPFrom="bot@example.com")
        assert (await verify(gateway))["success"]
    assert smtp.messages[0].login is None and smtp.messages[0].sender == "bot@example.com"


async def failure(root, gateway: Gateway, port: int, **options: Any) -> str:
    await use_smtp(root, port, **options)
    return await refused(gateway)


async def refused(gateway: Gateway) -> str:
    """The verification mail fails: a clear message, within the timeout, without the token."""
    started = time.monotonic()
    body = await verify(gateway)
    assert time.monotonic() - started < TIMEOUT + 1.5
    assert body["success"] is False
    assert TOKEN not in body["message"]
    return body["message"]


async def test_wrong_token(root, gateway: Gateway, caplog):
    async with FakeSmtp("plain") as smtp:
        await use_smtp(root, smtp.port, SMTPToken="not-the-token")
        caplog.set_level(logging.DEBUG)  # from here: the options were stored, the mail is sent
        message = await refused(gateway)
    assert "refused the login: check SMTPAccount and SMTPToken" in message
    assert smtp.messages == [] and TOKEN not in caplog.text and "not-the-token" not in caplog.text


async def test_server_down(root, gateway: Gateway):
    message = await failure(root, gateway, closed_port())
    assert "could not connect to the mail server 127.0.0.1:" in message
    assert "refused" in message


async def test_server_hangs(root, gateway: Gateway):
    async with SilentServer() as silent:
        message = await failure(root, gateway, silent.port)
    assert f"did not answer within {TIMEOUT:g} s" in message


async def test_untrusted_certificate(root, gateway: Gateway, tmp_path: Path):
    other = make_cert(tmp_path / "other")  # not the CA the gateway trusts
    async with FakeSmtp("ssl", cert=other) as smtp:
        message = await failure(root, gateway, smtp.port, SMTPSSLEnabled=True)
    assert "certificate is not trusted" in message and smtp.messages == []


async def test_tls_client_against_plain_server(root, gateway: Gateway):
    async with FakeSmtp("plain") as smtp:
        message = await failure(root, gateway, smtp.port, SMTPSSLEnabled=True)
    assert "127.0.0.1" in message and smtp.messages == []


async def test_not_configured(root, gateway: Gateway):
    body = await verify(gateway)
    assert body["success"] is False and "SMTPServer" in body["message"]


async def test_no_sender_address(root, gateway: Gateway):
    async with FakeSmtp("plain", auth=False) as smtp:
        message = await failure(root, gateway, smtp.port, SMTPAccount="", SMTPToken="")
    assert "SMTPFrom" in message


async def test_password_never_sent_in_clear_to_a_remote_server(
    monkeypatch, cert: Cert, tmp_path: Path
):
    """Without TLS, the account's token goes only to a server on this machine."""
    async with FakeSmtp("plain") as smtp:
        monkeypatch.setattr(mailer, "_is_local", lambda host: False)
        settings = mailer.SmtpSettings(
            "127.0.0.1", smtp.port, ACCOUNT, ACCOUNT, TOKEN, False, False, "ClawRouter"
        )
        with pytest.raises(mailer.MailError, match="offers no TLS"):
            await mailer.send_mail(settings, "a@example.com", "s", "t", "<p>t</p>", seconds=2)
    assert smtp.logins == [] and smtp.messages == []
    assert TOKEN not in repr(settings)


@pytest.mark.parametrize("bad", ["a@example.com\r\nBcc: x@example.com", "a@example.com\nX: y"])
async def test_header_injection_refused(bad: str):
    settings = mailer.SmtpSettings("127.0.0.1", 25, "", "bot@example.com", "", False, False, "C")
    with pytest.raises(mailer.MailError, match="line breaks"):
        mailer.build_message(settings, bad, "subject", "t", "h")
