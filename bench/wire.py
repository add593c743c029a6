"""The fake upstream's Anthropic Messages and Gemini answers, byte-built like the OpenAI ones in
bench/upstream.py: whole JSON documents and the events of a stream (each already framed as SSE;
upstream.py wraps them in HTTP chunks). Shapes follow the providers' documented wire formats."""

from __future__ import annotations

import orjson

Event = bytes  # one SSE event, framed: b"event: ...\ndata: ...\n\n" or b"data: ...\n\n"


def anthropic_json(mid: bytes, model: bytes, text: str, prompt: int, n: int) -> bytes:
    return orjson.dumps(
        {
            "id": mid.decode(),
            "type": "message",
            "role": "assistant",
            "model": model.decode(),
            "content": [{"type": "text", "text": text}],
            "stop_reason": "end_turn",
            "stop_sequence": None,
            "usage": {"input_tokens": prompt, "output_tokens": n},
        }
    )


def _named(kind: bytes, data: bytes) -> Event:
    return b"event: %s\ndata: %s\n\n" % (kind, data)


def anthropic_head(mid: bytes, model: bytes, prompt: int) -> Event:
    start = (
        b'{"type":"message_start","message":{"id":"%s","type":"message","role":"assistant",'
        b'"model":"%s","content":[],"stop_reason":null,"stop_sequence":null,'
        b'"usage":{"input_tokens":%d,"output_tokens":1}}}' % (mid, model, prompt)
    )
    block = b'{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}'
    return (
        _named(b"message_start", start)
        + _named(b"content_block_start", block)
        + _named(b"ping", b'{"type": "ping"}')
    )


def anthropic_delta(word: bytes) -> Event:
    data = b'{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":%s}}'
    return _named(b"content_block_delta", data % word)


def anthropic_tail(n: int) -> Event:
    delta = (
        b'{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},'
        b'"usage":{"output_tokens":%d}}' % n
    )
    return (
        _named(b"content_block_stop", b'{"type":"content_block_stop","index":0}')
        + _named(b"message_delta", delta)
        + _named(b"message_stop", b'{"type":"message_stop"}')
    )


def _usage_metadata(prompt: int, n: int) -> dict[str, int]:
    return {"promptTokenCount": prompt, "candidatesTokenCount": n, "totalTokenCount": prompt + n}


def gemini_json(model: bytes, text: str, prompt: int, n: int) -> bytes:
    return orjson.dumps(
        {
            "candidates": [
                {
                    "content": {"role": "model", "parts": [{"text": text}]},
                    "finishReason": "STOP",
                    "index": 0,
                }
            ],
            "usageMetadata": _usage_metadata(prompt, n),
            "modelVersion": model.decode(),
            "responseId": "bench-gemini",
        }
    )


def gemini_chunk(model: bytes, word: bytes) -> Event:
    return (
        b'data: {"candidates":[{"content":{"role":"model","parts":[{"text":%s}]},"index":0}],'
        b'"modelVersion":"%s","responseId":"bench-gemini"}\r\n\r\n' % (word, model)
    )


def gemini_last(model: bytes, prompt: int, n: int) -> Event:
    return b'data: {"candidates":[{"content":{"role":"model","parts":[{"text":""}]},' + (
        b'"finishReason":"STOP","index":0}],"usageMetadata":%s,"modelVersion":"%s",'
        b'"responseId":"bench-gemini"}\r\n\r\n' % (orjson.dumps(_usage_metadata(prompt, n)), model)
    )
