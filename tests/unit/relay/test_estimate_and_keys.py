"""Token estimates, key parsing and the SSE decoder (pure)."""

from __future__ import annotations

from clawrouter.relay.estimate import max_output_tokens, request_tokens, text_tokens
from clawrouter.relay.keyauth import split_key
from clawrouter.wire.sse import SSEDecoder


def test_text_tokens():
    assert text_tokens("") == 0
    assert text_tokens("abcd" * 10) == 10
    assert text_tokens("你好世界") == 4
    assert text_tokens("héllo") == 2


def test_request_tokens_counts_messages_tools_and_images():
    body = {
        "model": "gpt-4o",
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": "abcd" * 5},
                                         {"type": "image_url", "image_url": {"url": "data:x"}}]},
        ],
        "tools": [{"type": "function", "function": {"name": "f"}}],
    }  # fmt: skip
    # text: "user" (1) + 20 chars (5) + "function" (2) + "f" (1) + "text" (1)
    assert request_tokens(body) == 1 + 5 + 2 + 1 + 1 + 520 + 3 * 1 + 3 + 8


def test_max_output_tokens():
    assert max_output_tokens({"max_tokens": 10, "max_completion_tokens": 30}) == 30
    assert max_output_tokens({"generationConfig": {"maxOutputTokens": 7}}) == 7
    assert max_output_tokens({"max_tokens": True}) == 0


def test_split_key():
    assert split_key("sk-abc") == ("abc", None)
    assert split_key("sk-abc-12") == ("abc", "12")
    assert split_key("abc") == ("abc", None)


def test_sse_decoder_handles_split_crlf_comments_and_multiline():
    d = SSEDecoder()
    events = d.feed(b': ping\r\n\r\nevent: a\r\ndata: {"x"')
    assert events == []
    events = d.feed(b":1}\r\n\r\ndata: line1\ndata: line2\n\n")
    assert [(e.event, e.data) for e in events] == [("a", '{"x":1}'), (None, "line1\nline2")]
    assert [e.data for e in d.feed(b"data: tail")] == []
    assert [e.data for e in d.finish()] == ["tail"]
