"""Regression tests for what the route fuzzer found (tests/support/fuzz.py): each was a 5xx or
an error in the wrong format; each is now a clear 4xx in the caller's format."""

from __future__ import annotations

from tests.support.fuzz import send, session_headers
from tests.support.gateway import Gateway


async def _status(gateway: Gateway, path: bytes, headers: list[tuple[str, bytes]]) -> tuple:
    assert gateway.server is not None
    reply = await send(gateway.server.port, "GET", path, headers)
    assert reply is not None
    return reply.status, reply.json()


async def test_session_cookie_of_bytes_that_are_not_utf8_is_no_session(root, gateway: Gateway):
    """A session cookie holding bytes that are not UTF-8 was a 500 (the JWT decoder encodes
    it); it is no session: 401 in the management envelope."""
    headers = [("Cookie", b"session=\xff\xfe"), ("New-Api-User", b"1")]
    status, body = await _status(gateway, b"/api/user/self", headers)
    assert status == 401 and body["success"] is False, body


async def test_access_token_of_bytes_that_are_not_utf8_is_refused(root, gateway: Gateway):
    """An Authorization header with bytes that are not UTF-8 was a 500 (hashing the access
    token); it is an unknown token."""
    headers = [("Authorization", b"Bearer sk-\xff\xfe"), ("New-Api-User", b"1")]
    status, body = await _status(gateway, b"/api/user/self", headers)
    assert status == 200 and body["success"] is False and "invalid" in body["message"], body


async def _post(gateway: Gateway, path: bytes, headers: list[tuple[str, bytes]], body: bytes):
    assert gateway.server is not None
    reply = await send(gateway.server.port, "POST", path, headers, body)
    assert reply is not None
    return reply.status, reply.json()


async def test_body_that_does_not_decode_is_400_in_the_callers_format(root, gateway: Gateway):
    """Content-Encoding: gzip on a body that is not gzip made reading it raise (a 500); it is a
    400 in the caller's format. A handler that never reads the body logs no traceback."""
    hdrs = [("Content-Type", b"application/json"), ("Content-Encoding", b"gzip")]
    as_root = hdrs + await session_headers(gateway, "root", "rootpass123")
    status, body = await _post(gateway, b"/api/redemption/", as_root, b'{"name": "x"}')
    assert status == 400 and body["success"] is False and "cannot be read" in body["message"]
    status, body = await _post(gateway, b"/v1/messages", hdrs, b"{}")
    assert status in (400, 401) and body["type"] == "error", body


async def test_multipart_with_a_broken_part_header_is_400(relay_env):
    """A part whose header block is not headers made aiohttp's form reader raise (a 500 on the
    video routes); it is a 400."""
    b = b"--fb\r\nno headers here\r\n\r\nvalue\r\n--fb--\r\n"
    hdrs = [
        ("Content-Type", b"multipart/form-data; boundary=fb"),
        ("Authorization", f"Bearer {relay_env.key}".encode()),
    ]
    for path in (b"/v1/videos", b"/v1/video/generations"):
        status, body = await _post(relay_env.gw, path, hdrs, b)
        assert status == 400, (path, body)


async def test_epay_notify_with_an_unreadable_form_is_fail(gateway: Gateway):
    """epay's notify answers `fail` (what epay expects) to a form aiohttp cannot read, such as a
    part without a name, instead of a 500."""
    b = b"--fb\r\nContent-Disposition: form-data\r\n\r\nvalue\r\n--fb--\r\n"
    hdrs = [("Content-Type", b"multipart/form-data; boundary=fb")]
    assert gateway.server is not None
    reply = await send(gateway.server.port, "POST", b"/api/user/epay/notify", hdrs, b)
    assert reply is not None and reply.status == 200 and reply.body == b"fail"


async def test_json_nested_deeper_than_orjson_writes_is_400(relay_env):
    """orjson reads 1,024 levels of nesting but writes only 255: a relay body 300 deep was
    parsed, then failed to be re-sent upstream (500). Bodies deeper than 128 are refused with
    a 400, on the relay and on /api; shallower ones still pass."""
    deep = b'{"a":' * 150 + b"1" + b"}" * 150
    body = b'{"model": "gpt-4o-mini", "prompt": "hi", "x": ' + deep + b"}"
    hdrs = [
        ("Content-Type", b"application/json"),
        ("Authorization", f"Bearer {relay_env.key}".encode()),
    ]
    for path in (b"/v1/completions", b"/v1/chat/completions"):
        status, reply = await _post(relay_env.gw, path, hdrs, body)
        assert status == 400 and "nested deeper" in reply["error"]["message"], reply
    shallow = b'{"model": "gpt-4o-mini", "prompt": "hi", "x": ' + b"[" * 100 + b"]" * 100 + b"}"
    status, reply = await _post(relay_env.gw, b"/v1/completions", hdrs, shallow)
    assert status == 200, reply
    as_root = [("Content-Type", b"application/json")]
    as_root += await session_headers(relay_env.gw, "root", "rootpass123")
    status, reply = await _post(relay_env.gw, b"/api/redemption/", as_root, deep)
    assert status == 400 and "nested deeper" in reply["message"], reply


async def test_video_seconds_not_positive_is_400(relay_env):
    """`seconds: 0` on /v1/videos raised a TypeError building its 400 (a 500)."""
    await relay_env.gw.add_channel(relay_env.up.base_url, models="sora-2")
    hdrs = [
        ("Content-Type", b"application/json"),
        ("Authorization", f"Bearer {relay_env.key}".encode()),
    ]
    body = b'{"model": "sora-2", "prompt": "a cat", "seconds": 0}'
    status, reply = await _post(relay_env.gw, b"/v1/videos", hdrs, body)
    assert status == 400 and reply["error"]["param"] == "seconds", reply


async def test_error_quoting_bytes_that_are_not_utf8_is_still_json(relay_env):
    """A multipart part named with bytes that are not UTF-8 made the 400 quoting that name
    unencodable, and the error page itself failed (a bare text 500). The name is escaped."""
    b = b"fb"
    part = b'Content-Disposition: form-data; name="\xff\xfe"; filename="x.png"\r\n\r\nPNG\r\n'
    form = b"--" + b + b"\r\n" + part + b"--" + b + b"--\r\n"
    hdrs = [
        ("Content-Type", b"multipart/form-data; boundary=fb"),
        ("Authorization", f"Bearer {relay_env.key}".encode()),
    ]
    status, reply = await _post(relay_env.gw, b"/v1/images/edits", hdrs, form)
    assert status == 400 and "\\udcff" in reply["error"]["message"], reply


async def test_ids_past_64_bits_in_a_body_are_refused_not_500(root, gateway: Gateway):
    """`{"id": 2**63}` on PUT /api/prefill_group reached SQLite (OverflowError, a 500); it is
    no such group. Any other number too large for the store is a 400, not a 500."""
    status, body = await root.json("PUT", "/api/prefill_group", json={"id": 2**63, "name": "x"})
    assert status == 200 and body["success"] is False and "not found" in body["message"], body
