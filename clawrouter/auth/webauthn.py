"""Passkeys (WebAuthn) for the relying party: which RP id and origins the passkey.* options and
ServerAddress give, ceremony state in the session cookie (expiring, single use), and begin /
finish of the ceremonies through py_webauthn (the `webauthn` package, imported here only, on
first use). No aiohttp and no database here: the handlers in api/passkeys.py do the I/O."""

from __future__ import annotations

import base64
import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from clawrouter.auth.sessions import Session

USER_VERIFICATION = ("preferred", "required", "discouraged")
ATTACHMENTS = ("", "platform", "cross-platform")
TIMEOUT_MS = 120_000  # what the browser is told (the reference: 2 minutes)
STATE_TTL = 150  # seconds a begin stays answerable: the browser's timeout plus the round trip
_DEFAULT_PORTS = {"http": 80, "https": 443}


class PasskeyError(ValueError):
    """A ceremony or a setting was refused; the message says why, for the caller."""


@dataclass(frozen=True, slots=True)
class RelyingParty:
    rp_id: str
    name: str
    origins: tuple[str, ...]
    user_verification: str
    attachment: str

    @property
    def uv_required(self) -> bool:
        return self.user_verification == "required"


@dataclass(frozen=True, slots=True)
class NewCredential:
    """A verified registration, ready to store."""

    credential_id: bytes
    public_key: bytes
    sign_count: int
    aaguid: str
    fmt: str
    user_verified: bool
    backup_eligible: bool
    backed_up: bool
    transports: tuple[str, ...]
    attachment: str


@dataclass(frozen=True, slots=True)
class Assertion:
    """A verified assertion (login or verification)."""

    sign_count: int
    user_verified: bool
    backed_up: bool


# ---- relying party from the options -----------------------------------------------------------
def _is_local(host: str) -> bool:
    return host == "localhost" or host.endswith(".localhost")


def _origin(text: str, allow_insecure: bool, what: str) -> tuple[str, str]:
    """(origin, host) of a URL: scheme://host[:port], lower case, default port dropped."""
    try:
        parts = urlsplit(text.strip())
        host, port = (parts.hostname or "").lower(), parts.port
    except ValueError:
        raise PasskeyError(f"{what} {text!r} is not a valid address") from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not host:
        raise PasskeyError(f"{what} {text!r} must look like https://host[:port]")
    if scheme == "http" and not allow_insecure and not _is_local(host):
        raise PasskeyError(
            f"{what} {text!r} is not HTTPS: passkeys need HTTPS (http://localhost is allowed "
            "for testing), or turn on passkey.allow_insecure_origin"
        )
    shown = f"[{host}]" if ":" in host else host
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        shown += f":{port}"
    return f"{scheme}://{shown}", host


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _rp_id(text: str) -> str:
    text = text.strip().lower()
    if "://" in text:
        text = urlsplit(text).hostname or ""
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]  # host:port, as the reference accepts
    return text.strip(".")


def relying_party(options: Mapping[str, Any], request_origin: str = "") -> RelyingParty:
    """The RP from passkey.* options. Origins: passkey.origins (comma-separated), else
    ServerAddress, else the request's own origin when it is a localhost one. RP id:
    passkey.rp_id, else the first origin's host; every origin must be on it."""
    insecure = bool(options["passkey.allow_insecure_origin"])
    configured = [o for o in str(options["passkey.origins"]).split(",") if o.strip()]
    if configured:
        found = [_origin(o, insecure, "passkey.origins entry") for o in configured]
    elif str(options["ServerAddress"]).strip():
        found = [_origin(str(options["ServerAddress"]), insecure, "ServerAddress")]
    else:
        origin, host = ("", "")
        if request_origin:
            origin, host = _origin(request_origin, True, "the request origin")
        if not _is_local(host):
            raise PasskeyError(
                "passkeys need the gateway's public address: set ServerAddress (or "
                "passkey.origins) to the https:// address users open the console at"
            )
        found = [(origin, host)]
    rp_id = _rp_id(str(options["passkey.rp_id"])) or found[0][1]
    if _is_ip(rp_id):
        raise PasskeyError(
            f"the passkey RP id {rp_id!r} is an IP address, which browsers refuse: use a domain "
            "name (http://localhost:PORT for testing)"
        )
    for origin, host in found:
        if host != rp_id and not host.endswith("." + rp_id):
            raise PasskeyError(f"the origin {origin} is not on the passkey RP id {rp_id!r}")
    uv = str(options["passkey.user_verification"]).strip() or "preferred"
    attachment = str(options["passkey.attachment_preference"]).strip()
    if uv not in USER_VERIFICATION:
        raise PasskeyError(f"passkey.user_verification must be one of {USER_VERIFICATION}")
    if attachment not in ATTACHMENTS:
        raise PasskeyError("passkey.attachment_preference must be platform, cross-platform or ''")
    name = str(options["passkey.rp_display_name"]).strip() or str(options["SystemName"])
    return RelyingParty(rp_id, name or rp_id, tuple(o for o, _ in found), uv, attachment)


# ---- ceremony state ---------------------------------------------------------------------------
def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64std(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def from_b64std(text: str) -> bytes:
    """A stored value back to bytes (a damaged row is refused, not a 500)."""
    try:
        return base64.b64decode(text, validate=True)
    except (ValueError, TypeError):
        raise PasskeyError(
            "the stored passkey is unreadable: remove it and register again"
        ) from None


def save_state(session: Session, key: str, challenge: bytes, now: int, user_id: int) -> None:
    """Keep a begun ceremony in the session (user_id 0 for the anonymous login)."""
    state = {"challenge": b64url(challenge), "expires_at": now + STATE_TTL, "user_id": user_id}
    session.set(**{key: state})


def take_state(session: Session, key: str, now: int, user_id: int) -> tuple[bytes, int]:
    """The begun ceremony's (challenge, expires_at), removed from the session whatever the
    outcome (single use)."""
    state = session.get(key)
    session.drop(key)
    if not isinstance(state, dict):
        raise PasskeyError("no passkey ceremony is in progress: start again from the beginning")
    expires_at, challenge = state.get("expires_at"), state.get("challenge")
    if not isinstance(expires_at, int) or not isinstance(challenge, str) or now >= expires_at:
        raise PasskeyError("the passkey ceremony has expired: please try again")
    if state.get("user_id") != user_id:
        raise PasskeyError("this passkey ceremony was begun by another user: start again")
    return base64.urlsafe_b64decode(challenge + "=" * (-len(challenge) % 4)), expires_at


# ---- begin ------------------------------------------------------------------------------------
def registration_options(
    rp: RelyingParty, *, user_id: int, username: str, display_name: str
) -> tuple[dict[str, Any], bytes]:
    """(publicKey options as browser JSON, challenge) for navigator.credentials.create. The
    user handle is the decimal user id, as the reference's; the key must be discoverable."""
    import webauthn
    from webauthn.helpers import options_to_json_dict
    from webauthn.helpers import structs as s

    attachment = s.AuthenticatorAttachment(rp.attachment) if rp.attachment else None
    selection = s.AuthenticatorSelectionCriteria(
        authenticator_attachment=attachment,
        resident_key=s.ResidentKeyRequirement.REQUIRED,
        require_resident_key=True,
        user_verification=s.UserVerificationRequirement(rp.user_verification),
    )
    options = webauthn.generate_registration_options(
        rp_id=rp.rp_id,
        rp_name=rp.name,
        user_id=str(user_id).encode(),
        user_name=username or f"user-{user_id}",
        user_display_name=display_name or username,
        timeout=TIMEOUT_MS,
        authenticator_selection=selection,
    )
    return options_to_json_dict(options), options.challenge


def authentication_options(
    rp: RelyingParty, allow: Sequence[tuple[bytes, Sequence[str]]] = ()
) -> tuple[dict[str, Any], bytes]:
    """(publicKey options, challenge) for navigator.credentials.get; no `allow` = discoverable."""
    import webauthn
    from webauthn.helpers import options_to_json_dict
    from webauthn.helpers import structs as s

    allowed = [
        s.PublicKeyCredentialDescriptor(id=cid, transports=_transports(s, ts) or None)
        for cid, ts in allow
    ]
    options = webauthn.generate_authentication_options(
        rp_id=rp.rp_id,
        timeout=TIMEOUT_MS,
        allow_credentials=allowed,
        user_verification=s.UserVerificationRequirement(rp.user_verification),
    )
    return options_to_json_dict(options), options.challenge


def _transports(structs: Any, names: Sequence[str]) -> list[Any]:
    known = {t.value: t for t in structs.AuthenticatorTransport}
    return [known[n] for n in names if n in known]


# ---- finish -----------------------------------------------------------------------------------
# Hostile bytes go through a third-party parser (CBOR, COSE, ASN.1): whatever it raises on
# them becomes a refusal with its message, never a 500.
_PARSE_ERRORS = (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError)


def verify_registration(rp: RelyingParty, body: Any, challenge: bytes) -> NewCredential:
    import webauthn
    from webauthn.helpers.exceptions import WebAuthnException

    if not isinstance(body, dict):
        raise PasskeyError("the passkey registration must be a JSON object")
    try:
        found = webauthn.verify_registration_response(
            credential=body,
            expected_challenge=challenge,
            expected_rp_id=rp.rp_id,
            expected_origin=list(rp.origins),
            require_user_verification=rp.uv_required,
        )
    except (WebAuthnException, *_PARSE_ERRORS) as e:
        raise PasskeyError(f"passkey registration failed: {e}") from None
    response = body.get("response") or {}
    transports = response.get("transports") if isinstance(response, dict) else None
    attachment = body.get("authenticatorAttachment")
    return NewCredential(
        credential_id=found.credential_id,
        public_key=found.credential_public_key,
        sign_count=found.sign_count,
        aaguid=found.aaguid,
        fmt=str(getattr(found.fmt, "value", found.fmt)),
        user_verified=found.user_verified,
        backup_eligible=found.credential_device_type.value == "multi_device",
        backed_up=found.credential_backed_up,
        transports=tuple(t for t in transports or () if isinstance(t, str))[:8],
        attachment=attachment if attachment in ATTACHMENTS else "",
    )


def assertion_ids(body: Any) -> tuple[bytes, bytes | None]:
    """(credential id, user handle or None) of an assertion, to find its credential."""
    from webauthn.helpers import parse_authentication_credential_json
    from webauthn.helpers.exceptions import WebAuthnException

    if not isinstance(body, dict):
        raise PasskeyError("the passkey assertion must be a JSON object")
    try:
        parsed = parse_authentication_credential_json(body)
    except (WebAuthnException, *_PARSE_ERRORS) as e:
        raise PasskeyError(f"passkey assertion is malformed: {e}") from None
    return parsed.raw_id, parsed.response.user_handle


def verify_assertion(rp: RelyingParty, body: Any, challenge: bytes, public_key: bytes) -> Assertion:
    """Check the assertion's challenge, origin, RP id, flags and signature. The sign count is
    compared by the caller, against the stored one, after the signature holds (so only the
    key's holder can raise a clone warning)."""
    import webauthn
    from webauthn.helpers.exceptions import WebAuthnException

    try:
        found = webauthn.verify_authentication_response(
            credential=body,
            expected_challenge=challenge,
            expected_rp_id=rp.rp_id,
            expected_origin=list(rp.origins),
            credential_public_key=public_key,
            credential_current_sign_count=0,
            require_user_verification=rp.uv_required,
        )
    except (WebAuthnException, *_PARSE_ERRORS) as e:
        raise PasskeyError(f"passkey verification failed: {e}") from None
    return Assertion(found.new_sign_count, found.user_verified, found.credential_backed_up)
