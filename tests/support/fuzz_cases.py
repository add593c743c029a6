"""Malformed requests for the route fuzzer (tests/support/fuzz.py), generated from a seed: the
route list walked from the app's router, a plausible body per relay route, and the mutations
(truncated and invalid JSON, wrong types per field, huge strings/numbers/arrays, deep nesting,
wrong content types, bad multipart, invalid UTF-8, odd headers, every HTTP method). Pure: no I/O.
Every string value stays on 127.0.0.1: a mutated URL field must never reach the network."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiohttp import web

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD", "PROPFIND")
CALLERS = ("root", "user", "key", "anonymous")
SKIP = {"/api/user/logout"}  # any method: it would end the session the run depends on
_PARAM = re.compile(r"\{(\w+)(:[^}]*)?\}")
_USER = [{"role": "user", "content": "hello"}]

# A body the route would accept (the relay's); /api routes get a generic one (GENERIC_FIELDS).
TEMPLATES: dict[str, dict[str, Any]] = {
    "/v1/chat/completions": {"model": "gpt-4o-mini", "messages": _USER, "max_tokens": 16},
    "/pg/chat/completions": {"model": "gpt-4o-mini", "messages": _USER},
    "/v1/completions": {"model": "gpt-4o-mini", "prompt": "hello", "max_tokens": 16},
    "/v1/embeddings": {"model": "gpt-4o-mini", "input": ["hello"]},
    "/v1/engines/{model}/embeddings": {"input": "hello"},
    "/v1/moderations": {"model": "gpt-4o-mini", "input": "hello"},
    "/v1/rerank": {"model": "gpt-4o-mini", "query": "q", "documents": ["a", "b"], "top_n": 1},
    "/v1/responses": {"model": "gpt-4o-mini", "input": "hello", "max_output_tokens": 16},
    "/v1/messages": {"model": "claude-sonnet-4-5", "max_tokens": 16, "messages": _USER},
    "/v1/images/generations": {"model": "dall-e-3", "prompt": "a cat", "n": 1},
    "/v1/audio/speech": {"model": "tts-1", "input": "hello", "voice": "alloy"},
    "/v1/videos": {"model": "sora-2", "prompt": "a cat", "seconds": "4"},
    "/v1/video/generations": {"model": "sora-2", "prompt": "a cat"},
    "/v1/videos/{task_id}/remix": {"prompt": "a dog"},
    "/v1beta/models/{target}": {"contents": [{"role": "user", "parts": [{"text": "hello"}]}]},
    "/v1/models/{target}": {"contents": [{"parts": [{"text": "hello"}]}]},
}
MULTIPART_ROUTES = ("/v1/images/edits", "/v1/edits", "/v1/audio/transcriptions")
GENERIC_FIELDS = (
    "id", "name", "username", "password", "display_name", "email", "key", "value", "quota",
    "remain_quota", "unlimited_quota", "status", "type", "models", "group", "priority", "weight",
    "base_url", "mode", "channel", "ids", "tag", "count", "code", "role", "expired_time",
    "model_limits", "setting", "other", "amount", "action", "model_name", "model_mapping",
)  # fmt: skip
PARAM_VALUES = {
    "model": ["gpt-4o-mini", "models/gemini-2.5-flash", "x" * 300, "%00", "%FF%FE", "..%2f"],
    "target": [
        "gemini-2.5-flash:generateContent", "gemini-2.5-flash:streamGenerateContent",
        "gemini-2.5-flash:embedContent", "x:batchEmbedContents", ":generateContent", "nocolon",
        "gemini-2.5-flash:%FF", "a:b:c",
    ],
    "id": ["1", "0", "-1", "99999999999999999999", "abc", "1.5", "%00"],
}  # fmt: skip
DEFAULT_VALUES = ["x", "task_1", "%FF", "1", "a" * 200]
ODD_VALUES: list[Any] = [
    None, True, False, 0, -1, 1.5, "", "x", "\u0000", "\ud7ff\ue000", [], {}, [None], {"a": None},
    "http://127.0.0.1:9/", "12", "-0", "NaN", " ", "\u202e", "🦀" * 3, [1, "a", None], 2**63,
]  # fmt: skip
INVALID_JSON = [
    b"{", b"[", b"{'model': 1}", b'{"model": }', b"nul", b'{"a":1}}', b'{"a":1,}', b"\x00\x01",
    b'{"model": NaN}', b'{"model": Infinity}', b"1e999", b'"just a string"', b"[1,2,3]", b"42",
    b'{"a":"\\ud800"}', b'{"a":"\\x"}', b"\xef\xbb\xbf{}", b"{" + b" " * 5000, b"null", b"true",
]  # fmt: skip
CONTENT_TYPES = [
    "text/plain", "application/xml", "multipart/form-data", "application/x-www-form-urlencoded",
    "application/json; charset=latin-1", "application/json; boundary=x", "garbage", "",
    "multipart/form-data; boundary=", "application/octet-stream", "application/jsonx",
]  # fmt: skip
ODD_HEADERS: list[tuple[str, bytes]] = [
    ("Authorization", b"Bearer "), ("Authorization", b"Bearer sk-" + b"a" * 6000),
    ("Authorization", b"Basic Zm9vOmJhcg=="), ("Authorization", b"Bearer sk-\xff\xfe"),
    ("Authorization", b"Bearer sk-abc-123"), ("Authorization", b"bearer"),
    ("x-api-key", b"\xc3\x28"), ("x-goog-api-key", b"sk-nope"), ("New-Api-User", b"abc"),
    ("New-Api-User", b"-1"), ("New-Api-User", b"99999999999999999999"), ("New-Api-User", b""),
    ("Cookie", b"session=garbage; session=\xff"), ("Cookie", b"=;;=="),
    ("X-Forwarded-For", b"not-an-ip, ::::, 999.1.1.1"), ("X-Real-IP", b"\xff"),
    ("anthropic-version", b"\x00garbage"), ("anthropic-beta", b"," * 100),
    ("Accept", b"text/event-stream"), ("Accept-Encoding", b"br;q=x, gzip;q=-1"),
    ("Origin", b"null"), ("Content-Encoding", b"gzip"), ("Range", b"bytes=9-1"),
    ("X-Request-Id", b"\r"[:0] + b"x" * 500), ("Expect", b"100-continue"),
]  # fmt: skip
KINDS = (
    "valid", "empty", "truncated", "invalid_json", "wrong_type", "huge_string", "huge_number",
    "huge_array", "deep_nesting", "content_type", "bad_multipart", "invalid_utf8", "odd_header",
    "odd_query", "method",
)  # fmt: skip


@dataclass(frozen=True)
class Route:
    method: str  # "*" for any
    path: str  # the router's template, e.g. /api/channel/{id}


@dataclass
class Case:
    """One request: `headers` are raw (name, value bytes); the runner adds the caller's
    credentials first, so an odd header replaces them."""

    route: Route
    kind: str
    caller: str
    method: str
    target: bytes  # path and query, as sent
    headers: list[tuple[str, bytes]] = field(default_factory=list)
    body: bytes = b""

    @property
    def label(self) -> str:
        return f"{self.caller} {self.kind} {self.method} {self.target[:120]!r}"


def routes_of(app: web.Application) -> list[Route]:
    """Every route of the root app and its sub-apps, as the router holds them."""
    out = {
        Route(r.method, r.resource.canonical)
        for r in app.router.routes()
        if r.resource is not None and r.method != "HEAD"
    }
    return sorted(out, key=lambda r: (r.path, r.method))


def concrete(path: str, rng: random.Random, plain: bool) -> str:
    def one(m: re.Match[str]) -> str:
        values = PARAM_VALUES.get(m.group(1), DEFAULT_VALUES)
        return values[0] if plain else rng.choice(values)

    return _PARAM.sub(one, path)


def template(path: str) -> dict[str, Any]:
    if path in TEMPLATES:
        return TEMPLATES[path]
    return {"name": "fuzz", "id": 1, "key": "k", "models": "gpt-4o-mini", "status": 1}


# ---- values --------------------------------------------------------------------------------------
NESTED = "\u0001nested"  # placeholder for nested_json, which no encoder writes that deep


def nested_json(depth: int) -> bytes:
    """`depth` levels of alternating objects and arrays around 1, written as text."""
    opens = b"".join(b"[" if i % 2 else b'{"a":' for i in range(depth))
    closes = b"".join(b"]" if i % 2 else b"}" for i in reversed(range(depth)))
    return opens + b"1" + closes


def huge_string(rng: random.Random, big: bool) -> str:
    n = rng.choice([70_000, 1_000_000] if big else [10_000, 70_000])
    return rng.choice(["a", "字", "\u0000", "🦀 "]) * n


def huge_number(rng: random.Random) -> Any:
    return rng.choice(
        [10**40, -(10**40), 2**63, 2**64, -(2**63) - 1, 1e308, -1e308, 5e-324, -1, 0, 1.5]
    )


def huge_array(rng: random.Random, big: bool) -> list[Any]:
    n = rng.choice([20_000, 200_000] if big else [5_000, 20_000])
    return rng.choice([[0] * n, ["a"] * n, [_USER[0]] * (n // 10), [None] * n])


def wrong_typed(value: Any, rng: random.Random) -> Any:
    """A value of another JSON type than `value`'s."""
    choices = [v for v in ODD_VALUES if type(v) is not type(value)]
    return rng.choice(choices)


def _paths(obj: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path into obj (dict keys and list indexes), the root excluded."""
    out: list[tuple[Any, ...]] = []
    items = (
        obj.items() if isinstance(obj, dict) else enumerate(obj) if isinstance(obj, list) else ()
    )
    for k, v in items:
        out.append((*prefix, k))
        out += _paths(v, (*prefix, k))
    return out


def _set(obj: Any, path: tuple[Any, ...], value: Any) -> Any:
    """A copy of obj with the value at path replaced."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(obj, dict):
        return {**obj, head: _set(obj[head], rest, value)}
    copy = list(obj)
    copy[head] = _set(copy[head], rest, value)
    return copy


def mutate_field(body: dict[str, Any], rng: random.Random, make: Callable[[Any], Any]) -> Any:
    """body with one field (any depth) replaced by make(old), or a new generic field set."""
    paths = _paths(body)
    if not paths or rng.random() < 0.2:
        name = rng.choice(GENERIC_FIELDS)
        return {**body, name: make(body.get(name))}
    path = rng.choice(paths)
    old: Any = body
    for k in path:
        old = old[k]
    return _set(body, path, make(old))


def dumps(obj: Any) -> bytes:
    """JSON text; integers past 64 bits, which orjson refuses, are written by hand."""
    try:
        return orjson.dumps(obj)
    except TypeError:
        import json

        return json.dumps(obj).encode()


# ---- multipart -----------------------------------------------------------------------------------
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _part(name: bytes, value: bytes, filename: bytes | None = None, ctype: bytes = b"") -> bytes:
    disp = b'Content-Disposition: form-data; name="' + name + b'"'
    if filename is not None:
        disp += b'; filename="' + filename + b'"'
    head = disp + (b"\r\nContent-Type: " + ctype if ctype else b"")
    return head + b"\r\n\r\n" + value + b"\r\n"


def multipart(rng: random.Random) -> tuple[str, bytes]:
    """(Content-Type, body): a form that is wrong in one of many ways."""
    b = b"fuzzboundary"
    fields = [
        _part(b"model", b"dall-e-2"),
        _part(b"prompt", b"a cat"),
        _part(b"image", PNG, b"a.png", b"image/png"),
        _part(b"file", b"ID3" + b"\x00" * 32, b"a.mp3", b"audio/mpeg"),
    ]
    whole = b"".join(b"--" + b + b"\r\n" + f for f in fields) + b"--" + b + b"--\r\n"
    variant = rng.randrange(9)
    ctype = "multipart/form-data; boundary=fuzzboundary"
    if variant == 0:
        return "multipart/form-data", whole  # no boundary parameter
    if variant == 1:
        return ctype, whole[: rng.randrange(1, len(whole) - 1)]  # cut anywhere
    if variant == 2:
        return "multipart/form-data; boundary=other", whole
    if variant == 3:
        return ctype, b"--" + b + b"\r\nno headers here\r\n\r\nvalue\r\n--" + b + b"--\r\n"
    if variant == 4:
        bad = _part(b"\xff\xfe", b"\xff", b"\xc3\x28.png", b"image/\xff")
        return ctype, b"--" + b + b"\r\n" + bad + b"--" + b + b"--\r\n"
    if variant == 5:
        many = b"".join(b"--" + b + b"\r\n" + _part(b"image[]", PNG, b"x.png") for _ in range(40))
        return ctype, many + b"--" + b + b"--\r\n"
    if variant == 6:
        nested = b"Content-Type: multipart/mixed; boundary=inner\r\n\r\n--inner--\r\n"
        head = b'Content-Disposition: form-data; name="image"\r\n'
        return ctype, b"--" + b + b"\r\n" + head + nested + b"--" + b + b"--\r\n"
    if variant == 7:
        head = b'Content-Disposition: form-data; name="n"\r\nContent-Transfer-Encoding: base64'
        return ctype, b"--" + b + b"\r\n" + head + b"\r\n\r\n!!!\r\n--" + b + b"--\r\n"
    return ctype, whole.replace(b"dall-e-2", b"\x00" * 3).replace(b"a cat", b"9" * 5000)


# ---- cases ---------------------------------------------------------------------------------------
def _query(rng: random.Random) -> bytes:
    return rng.choice(
        [
            b"?p=-1&page_size=99999999999999999999", b"?key=%FF%FE", b"?p=1&p=2&p=x",
            b"?" + b"a=1&" * 500, b"?%00=%00", b"?keyword=" + b"%25" * 300, b"?type=\xff",
            b"?start_timestamp=-99999999999&end_timestamp=1e9", b"?id_sort=maybe&status_only=2",
            b"?alt=sse&key=", b"?api-version=\x7f",
        ]
    )  # fmt: skip


def make_case(route: Route, kind: str, caller: str, rng: random.Random, big: bool) -> Case:
    """One request of `kind` on `route`; `big` allows the megabyte-sized values."""
    method = route.method if route.method != "*" else rng.choice(METHODS[:5])
    plain = kind not in ("odd_query", "invalid_utf8", "method")
    path = concrete(route.path, rng, plain).encode()
    base = template(route.path)
    json_type = [("Content-Type", b"application/json")]
    case = Case(route, kind, caller, method, path, list(json_type), dumps(base))
    if kind == "empty":
        case.body, case.headers = b"", []
    elif kind == "truncated":
        case.body = case.body[: rng.randrange(0, max(1, len(case.body) - 1))]
    elif kind == "invalid_json":
        case.body = rng.choice(INVALID_JSON)
    elif kind == "wrong_type":
        case.body = dumps(mutate_field(base, rng, lambda old: wrong_typed(old, rng)))
    elif kind == "huge_string":
        case.body = dumps(mutate_field(base, rng, lambda _: huge_string(rng, big)))
    elif kind == "huge_number":
        case.body = dumps(mutate_field(base, rng, lambda _: huge_number(rng)))
    elif kind == "huge_array":
        case.body = dumps(mutate_field(base, rng, lambda _: huge_array(rng, big)))
    elif kind == "deep_nesting":
        depth = rng.choice([200, 1000, 1100, 50_000])
        if depth > 5000:
            case.body = b"[" * depth + b"]" * depth
        else:
            text = dumps(mutate_field(base, rng, lambda _: NESTED))
            case.body = text.replace(dumps(NESTED), nested_json(depth))
    elif kind == "content_type":
        case.headers = [("Content-Type", rng.choice(CONTENT_TYPES).encode())]
    elif kind == "bad_multipart":
        ctype, case.body = multipart(rng)
        case.headers = [("Content-Type", ctype.encode())]
    elif kind == "invalid_utf8":
        bad = rng.choice([b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80", b"\x80"])
        text = case.body.replace(b'"hello"', b'"he' + bad + b'llo"')
        if text == case.body:
            text = case.body[:-1] + b',"x":"' + bad + b'"}'
        case.body = text
        case.target = path + b"?q=" + bad + b"&p=%FF"
    elif kind == "odd_header":
        case.headers += rng.sample(ODD_HEADERS, rng.randint(1, 3))
    elif kind == "odd_query":
        case.target = path + _query(rng)
    elif kind == "method":
        case.method = rng.choice(METHODS)
    return case


def every_case(routes: list[Route], rng: random.Random) -> list[Case]:
    """At least one case per route × method, per kind and per caller (the quick run's floor)."""
    out: list[Case] = []
    for i, route in enumerate(routes):
        methods = METHODS[:5] if route.method == "*" else (route.method,)
        for j, method in enumerate(methods):
            if route.path.rstrip("/") in SKIP:
                continue
            kind = KINDS[(i + j) % len(KINDS)]
            caller = CALLERS[(i + j) % len(CALLERS)]
            out.append(make_case(Route(method, route.path), kind, caller, rng, big=False))
    return out


def random_case(routes: list[Route], rng: random.Random, big: bool) -> Case:
    while True:
        route = rng.choice(routes)
        case = make_case(route, rng.choice(KINDS), rng.choice(CALLERS), rng, big)
        if route.path.rstrip("/") not in SKIP:
            return case
