"""AWS SigV4 against AWS's published examples, and the Bedrock event-stream decoder over
hand-built frames (split, corrupt, exceptions, truncation)."""

from __future__ import annotations

import base64
import hashlib
import zlib
from typing import Any

import orjson
import pytest

from clawrouter.relay.providers.aws_sigv4 import (
    AwsCredentials,
    authorization,
    canonical_request,
    sha256_hex,
    sign,
    signing_key,
)
from clawrouter.relay.providers.bedrock import BedrockAdapter, BedrockStreamDecoder
from clawrouter.relay.providers.bedrock_eventstream import EventStreamDecoder
from tests.support import aws_eventstream as es

Json = dict[str, Any]
BEDROCK = BedrockAdapter()


# ---------------------------------------------------------------- SigV4 (AWS's published examples)

EXAMPLE = AwsCredentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
STAMP = "20150830T123600Z"
EMPTY = sha256_hex(b"")


def test_sigv4_signing_key_and_iam_example():
    """The IAM ListUsers example from AWS's "Create a signed AWS API request" guide."""
    key = signing_key(EXAMPLE.secret_key, "20150830", "us-east-1", "iam")
    assert key.hex() == "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9"
    headers = {
        "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
        "Host": "iam.amazonaws.com",
        "X-Amz-Date": STAMP,
    }
    canonical, signed = canonical_request(
        "GET", "/", "Version=2010-05-08&Action=ListUsers", headers,
        ("content-type", "host", "x-amz-date"), EMPTY,
    )  # fmt: skip
    assert signed == "content-type;host;x-amz-date"
    assert canonical.split("\n")[:3] == ["GET", "/", "Action=ListUsers&Version=2010-05-08"]
    assert hashlib.sha256(canonical.encode()).hexdigest() == (
        "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59"
    )
    auth = authorization(
        "GET", "/", "Action=ListUsers&Version=2010-05-08", headers,
        ("content-type", "host", "x-amz-date"), EMPTY, EXAMPLE, "us-east-1", "iam", STAMP,
    )  # fmt: skip
    assert auth == (
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
        "SignedHeaders=content-type;host;x-amz-date, "
        "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
    )


@pytest.mark.parametrize(
    ("method", "signature"),
    [
        ("GET", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
        ("POST", "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"),
    ],
    ids=["get-vanilla", "post-vanilla"],
)
def test_sigv4_test_suite_vanilla(method: str, signature: str):
    headers = {"Host": "example.amazonaws.com", "X-Amz-Date": STAMP}
    auth = authorization(
        method, "/", "", headers, ("host", "x-amz-date"), EMPTY,
        EXAMPLE, "us-east-1", "service", STAMP,
    )  # fmt: skip
    assert auth.endswith(f"SignedHeaders=host;x-amz-date, Signature={signature}")


def test_sign_adds_the_amz_headers_and_signs_the_wire_path():
    creds = AwsCredentials("AK", "SK", "session-tok")
    url = "http://127.0.0.1:8443/model/anthropic.claude-x-v1%3A0/invoke"
    out = sign("POST", url, {"Content-Type": "application/json"}, b"{}", creds, "us-east-1",
               "bedrock", 1_440_938_160)  # fmt: skip
    assert out["Host"] == "127.0.0.1:8443" and out["X-Amz-Date"] == STAMP
    assert out["X-Amz-Content-Sha256"] == sha256_hex(b"{}")
    assert out["X-Amz-Security-Token"] == "session-tok"
    assert (
        "SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token"
        in (out["Authorization"])
    )
    # aiohttp sends the `:` unescaped; AWS encodes what it receives, so that is what is signed.
    canonical, _ = canonical_request(
        "POST", "/model/anthropic.claude-x-v1:0/invoke", "", out,
        ("host", "x-amz-date"), EMPTY,
    )  # fmt: skip
    assert canonical.split("\n")[1] == "/model/anthropic.claude-x-v1%3A0/invoke"
    assert sign("POST", "https://h.example/", {}, b"", creds, "r", "s", 0)["Host"] == "h.example"


# ---------------------------------------------------------------- event stream

EVENTS = [
    {"type": "message_start", "message": {"id": "msg_1", "usage": {"input_tokens": 5}}},
    {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hi"}},
    {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 2}},
    {"type": "message_stop", "amazon-bedrock-invocationMetrics": {"inputTokenCount": 5}},
]
STREAM = b"".join(es.chunk(e) for e in EVENTS)


def test_event_stream_headers_of_every_type():
    headers = [
        ("t", 0, True), ("f", 1, False), ("b", 2, -3), ("s", 3, 300), ("i", 4, -70000),
        ("l", 5, 1 << 40), ("raw", 6, b"\x00\x01"), ("str", 7, "h\u00e9"), ("ts", 8, 1700),
        ("id", 9, bytes(range(16))),
    ]  # fmt: skip
    (msg,) = EventStreamDecoder().feed(es.frame(headers, b"payload"))
    assert msg.payload == b"payload"
    assert msg.headers == {
        "t": True, "f": False, "b": -3, "s": 300, "i": -70000, "l": 1 << 40,
        "raw": b"\x00\x01", "str": "h\u00e9", "ts": 1700, "id": bytes(range(16)),
    }  # fmt: skip


@pytest.mark.parametrize("step", [1, 7, 64, len(STREAM)])
def test_bedrock_decoder_over_split_frames(step: int):
    dec = BEDROCK.stream_decoder()
    out: list[Json] = []
    for i in range(0, len(STREAM), step):
        out += dec.feed(STREAM[i : i + step])
    assert out == EVENTS and dec.done and dec.finish() == []


def test_bedrock_decoder_ignores_other_events_and_stops_after_message_stop():
    other = es.frame([(":event-type", 7, "initial-response"), (":message-type", 7, "event")], b"{}")
    dec = BedrockStreamDecoder()
    assert dec.feed(other + es.chunk(EVENTS[0])) == [EVENTS[0]]
    assert dec.feed(es.chunk(EVENTS[3]) + es.chunk(EVENTS[1])) == [EVENTS[3]]
    assert dec.done and dec.feed(es.chunk(EVENTS[1])) == []


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (es.chunk(EVENTS[0], bad_prelude=True), "prelude CRC"),
        (es.chunk(EVENTS[0], bad_message=True), "message CRC"),
        (es.frame([(":message-type", 7, "event"), (":event-type", 7, "chunk")], b'{"bytes": "!!"}'),
         "undecodable chunk"),
    ],
)  # fmt: skip
def test_bedrock_decoder_corrupt_frames(data: bytes, fragment: str):
    dec = BedrockStreamDecoder()
    good, event = dec.feed(es.chunk(EVENTS[1]) + data + es.chunk(EVENTS[2]))
    assert good == EVENTS[1]
    assert event["type"] == "error" and fragment in event["error"]["message"]
    assert dec.done and dec.feed(es.chunk(EVENTS[1])) == []


def test_bedrock_decoder_exceptions_and_truncation():
    dec = BedrockStreamDecoder()
    assert dec.feed(es.exception("throttlingException", "Too many tokens")) == [
        {"type": "error", "error": {"type": "rate_limit_error",
                                    "message": "throttlingException: Too many tokens"}}
    ]  # fmt: skip
    dec = BedrockStreamDecoder()
    assert dec.feed(es.chunk(EVENTS[0])[:-3]) == []
    (event,) = dec.finish()
    assert event["type"] == "error" and "middle of a frame" in event["error"]["message"]
    frames = EventStreamDecoder()
    lying = b"\x00\x00\x00\x08\x00\x00\x00\x00"  # total length 8: shorter than a message
    assert frames.feed(lying + zlib.crc32(lying).to_bytes(4, "big")) == []
    assert "impossible" in frames.error and frames.feed(es.chunk(EVENTS[0])) == []
    chunk = es.chunk({"type": "ping"})
    assert base64.b64decode(orjson.loads(EventStreamDecoder().feed(chunk)[0].payload)["bytes"])
