"""auth.webauthn without HTTP: the RP id and origins the options give, ceremony state in the
session, and the spent-challenge memory."""

from __future__ import annotations

import pytest

from clawrouter.auth.sessions import Session
from clawrouter.auth.webauthn import (
    STATE_TTL,
    PasskeyError,
    relying_party,
    save_state,
    take_state,
)

BASE = {
    "passkey.enabled": True,
    "passkey.rp_display_name": "",
    "passkey.rp_id": "",
    "passkey.origins": "",
    "passkey.allow_insecure_origin": False,
    "passkey.user_verification": "preferred",
    "passkey.attachment_preference": "",
    "ServerAddress": "",
    "SystemName": "ClawRouter",
}


@pytest.mark.parametrize(
    ("options", "request_origin", "rp_id", "origins"),
    [
        ({"ServerAddress": "https://Gate.Example.com/console/"}, "", "gate.example.com", ("https://gate.example.com",)),
        ({"ServerAddress": "https://gate.example.com:443"}, "", "gate.example.com", ("https://gate.example.com",)),
        ({"ServerAddress": "https://gate.example.com:8443"}, "", "gate.example.com", ("https://gate.example.com:8443",)),
        ({"passkey.origins": " https://a.ex.com ,, https://b.ex.com", "passkey.rp_id": "ex.com"}, "", "ex.com", ("https://a.ex.com", "https://b.ex.com")),
        ({"passkey.origins": "https://ex.com", "ServerAddress": "https://other.com"}, "", "ex.com", ("https://ex.com",)),
        ({"passkey.rp_id": "https://ex.com:8443/x", "ServerAddress": "https://ex.com"}, "", "ex.com", ("https://ex.com",)),
        ({}, "http://localhost:3000", "localhost", ("http://localhost:3000",)),
        ({"ServerAddress": "http://app.localhost:3000"}, "", "app.localhost", ("http://app.localhost:3000",)),
        ({"ServerAddress": "http://lan.box", "passkey.allow_insecure_origin": True}, "", "lan.box", ("http://lan.box",)),
    ],
)  # fmt: skip
def test_rp_id_and_origins(options, request_origin, rp_id, origins):
    rp = relying_party(BASE | options, request_origin)
    assert (rp.rp_id, rp.origins) == (rp_id, origins)


@pytest.mark.parametrize(
    ("options", "request_origin", "words"),
    [
        ({}, "", "set ServerAddress"),
        ({}, "http://127.0.0.1:3000", "set ServerAddress"),
        ({}, "https://gate.example.com", "set ServerAddress"),  # never trust a public Host header
        ({"ServerAddress": "http://gate.example.com"}, "", "not HTTPS"),
        ({"ServerAddress": "http://127.0.0.1:3000", "passkey.allow_insecure_origin": True}, "", "IP address"),
        ({"ServerAddress": "https://[::1]:3000"}, "", "IP address"),
        ({"ServerAddress": "ftp://gate.example.com"}, "", "https://host"),
        ({"ServerAddress": "https://gate.example.com:99999"}, "", "not a valid address"),
        ({"passkey.origins": "https://a.com,https://b.com"}, "", "not on the passkey RP id"),
        ({"ServerAddress": "https://ex.com", "passkey.rp_id": "sub.ex.com"}, "", "not on the passkey RP id"),
        ({"ServerAddress": "https://ex.com", "passkey.user_verification": "always"}, "", "user_verification"),
        ({"ServerAddress": "https://ex.com", "passkey.attachment_preference": "usb"}, "", "attachment"),
    ],
)  # fmt: skip
def test_settings_refused_with_a_reason(options, request_origin, words):
    with pytest.raises(PasskeyError, match=words):
        relying_party(BASE | options, request_origin)


def test_names_and_choices():
    rp = relying_party(BASE | {"ServerAddress": "https://ex.com"})
    assert (rp.name, rp.user_verification, rp.attachment, rp.uv_required) == (
        "ClawRouter", "preferred", "", False,
    )  # fmt: skip
    rp = relying_party(
        BASE
        | {
            "ServerAddress": "https://ex.com",
            "passkey.rp_display_name": " My Gateway ",
            "passkey.user_verification": "required",
            "passkey.attachment_preference": "platform",
        }
    )
    assert (rp.name, rp.uv_required, rp.attachment) == ("My Gateway", True, "platform")
    assert (
        relying_party(
            BASE | {"ServerAddress": "https://ex.com", "passkey.user_verification": ""}
        ).user_verification
        == "preferred"
    )


def test_state_is_single_use_expiring_and_per_user():
    session = Session()
    save_state(session, "k", b"\x01" * 32, 1000, 7)
    assert session.changed and session["k"]["expires_at"] == 1000 + STATE_TTL
    assert take_state(session, "k", 1001, 7) == (b"\x01" * 32, 1000 + STATE_TTL)
    with pytest.raises(PasskeyError, match="no passkey ceremony"):
        take_state(session, "k", 1001, 7)
    save_state(session, "k", b"\x02" * 32, 1000, 7)
    with pytest.raises(PasskeyError, match="expired"):
        take_state(session, "k", 1000 + STATE_TTL, 7)
    assert "k" not in session
    save_state(session, "k", b"\x02" * 32, 1000, 7)
    with pytest.raises(PasskeyError, match="another user"):
        take_state(session, "k", 1001, 8)
    for junk in (
        "x",
        {"challenge": 1, "expires_at": 2000},
        {"challenge": "AA", "expires_at": "2000"},
    ):
        session["k"] = junk
        with pytest.raises(PasskeyError):
            take_state(session, "k", 1001, 7)
