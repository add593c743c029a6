"""A software WebAuthn authenticator plus browser, for tests: an ES256 key pair (cryptography),
"none" attestation objects, assertions and clientDataJSON, encoded as a browser's
navigator.credentials JSON (base64url without padding). Its CBOR encoder is written here, so
what the gateway parses was not produced by the library it parses with.

Knobs for refusals: `origin` and `rp_id` (what the browser / authenticator claim), `sign_count`
(set it back to replay an older counter), `counter=False` (an authenticator without one,
always 0), `user_verified`."""

from __future__ import annotations

import base64
import hashlib
import os
import struct
from typing import Any

import orjson
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

UP, UV, AT = 0x01, 0x04, 0x40


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# ---- a tiny CBOR encoder (RFC 8949): unsigned/negative ints, bytes, text, arrays, maps -------
def _head(major: int, n: int) -> bytes:
    if n < 24:
        return bytes([major << 5 | n])
    for extra, fmt in ((24, ">B"), (25, ">H"), (26, ">I"), (27, ">Q")):
        if n < 256 ** struct.calcsize(fmt):
            return bytes([major << 5 | extra]) + struct.pack(fmt, n)
    raise ValueError("integer too large for CBOR")


def cbor(value: Any) -> bytes:
    if isinstance(value, bool) or value is None:
        raise TypeError("not needed here")
    if isinstance(value, int):
        return _head(0, value) if value >= 0 else _head(1, -1 - value)
    if isinstance(value, bytes):
        return _head(2, len(value)) + value
    if isinstance(value, str):
        raw = value.encode()
        return _head(3, len(raw)) + raw
    if isinstance(value, list):
        return _head(4, len(value)) + b"".join(cbor(v) for v in value)
    if isinstance(value, dict):
        return _head(5, len(value)) + b"".join(cbor(k) + cbor(v) for k, v in value.items())
    raise TypeError(type(value))


class SoftAuthenticator:
    """One discoverable ES256 credential, created by `create` and used by `get`."""

    def __init__(self, origin: str, rp_id: str, *, counter: bool = True) -> None:
        self.origin, self.rp_id = origin, rp_id
        self.counter = counter
        self.user_verified = True
        self.sign_count = 0
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(32)
        self.user_handle: bytes = b""
        self.aaguid = bytes(16)

    # -- pieces ----------------------------------------------------------------------------
    def cose_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        x, y = numbers.x.to_bytes(32, "big"), numbers.y.to_bytes(32, "big")
        return cbor({1: 2, 3: -7, -1: 1, -2: x, -3: y})  # kty EC2, alg ES256, crv P-256

    def client_data(self, kind: str, challenge: str, origin: str | None = None) -> bytes:
        data = {"type": kind, "challenge": challenge, "origin": origin or self.origin}
        return orjson.dumps(data | {"crossOrigin": False})

    def auth_data(self, *, rp_id: str | None = None, attested: bool = False) -> bytes:
        flags = UP | (UV if self.user_verified else 0) | (AT if attested else 0)
        if self.counter and not attested:
            self.sign_count += 1
        count = self.sign_count if self.counter else 0
        out = hashlib.sha256((rp_id or self.rp_id).encode()).digest()
        out += bytes([flags]) + struct.pack(">I", count)
        if attested:
            cid = self.credential_id
            out += self.aaguid + struct.pack(">H", len(cid)) + cid + self.cose_key()
        return out

    # -- ceremonies --------------------------------------------------------------------------
    def create(
        self, options: dict[str, Any], *, origin: str | None = None, rp_id: str | None = None
    ) -> dict[str, Any]:
        """navigator.credentials.create({publicKey: options}) as JSON (options as the server
        sent them: data.options.publicKey)."""
        self.user_handle = unb64url(options["user"]["id"])
        client = self.client_data("webauthn.create", options["challenge"], origin)
        auth = self.auth_data(rp_id=rp_id or options["rp"].get("id"), attested=True)
        attestation = cbor({"fmt": "none", "attStmt": {}, "authData": auth})
        return {
            "id": b64url(self.credential_id),
            "rawId": b64url(self.credential_id),
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "response": {
                "attestationObject": b64url(attestation),
                "clientDataJSON": b64url(client),
                "transports": ["internal", "hybrid"],
            },
            "clientExtensionResults": {},
        }

    def get(
        self,
        options: dict[str, Any],
        *,
        origin: str | None = None,
        rp_id: str | None = None,
        signer: ec.EllipticCurvePrivateKey | None = None,
    ) -> dict[str, Any]:
        """navigator.credentials.get({publicKey: options}) as JSON; `signer` signs with
        another key."""
        client = self.client_data("webauthn.get", options["challenge"], origin)
        auth = self.auth_data(rp_id=rp_id or options.get("rpId"))
        digest = hashlib.sha256(client).digest()
        signature = (signer or self.key).sign(auth + digest, ec.ECDSA(hashes.SHA256()))
        return {
            "id": b64url(self.credential_id),
            "rawId": b64url(self.credential_id),
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "response": {
                "authenticatorData": b64url(auth),
                "clientDataJSON": b64url(client),
                "signature": b64url(signature),
                "userHandle": b64url(self.user_handle) if self.user_handle else None,
            },
            "clientExtensionResults": {},
        }
