"""The route fuzzer: sends the malformed requests of tests/support/fuzz_cases.py to a running
gateway over raw sockets (so nothing normalises the bytes) as root, a user, an API key and
anonymous, and checks each answer: never a 5xx (but 501 on the routes that are not implemented),
an error in the caller's format (OpenAI on /v1, Anthropic on /v1/messages, Gemini on /v1beta,
new-api's envelope on /api), X-Request-Id on every answer the app gave; the process stays healthy.

`python -m tests.support.fuzz --duration 600 --seed 7` (`make fuzz ARGS=...`) runs it long
against a gateway of its own; tests/integration/test_fuzz_routes.py runs the quick version."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import random
import re
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import orjson
from yarl import URL

from tests.support.fuzz_cases import (
    CALLERS,
    TEMPLATES,
    Case,
    dumps,
    every_case,
    random_case,
    routes_of,
)

# Called by payment providers, not by a client of ours: they answer as the provider expects
# (plain text), so only the status is checked.
PROVIDER_CALLBACKS = ("/api/stripe/webhook", "/api/creem/webhook", "/api/user/epay/notify")
# Routes a logged-in dashboard session may call: a refused session is answered as on /api
# (new-api's UserAuth), anything else in OpenAI's shape.
SESSION_ROUTES = ("/pg/", "/v1/videos/")
NOT_IMPLEMENTED = ("/v1/files", "/v1/fine-tunes", "/v1/fine_tuning", "/v1/images/variations")
TIMEOUT_S = 60.0


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        try:
            return orjson.loads(self.body)
        except orjson.JSONDecodeError:
            return None


# ---- raw HTTP ------------------------------------------------------------------------------------
def _dechunk(data: bytes) -> bytes:
    out, pos = bytearray(), 0
    while True:
        end = data.find(b"\r\n", pos)
        if end < 0:
            return bytes(out)
        size = int(data[pos:end].split(b";")[0] or b"0", 16)
        if size == 0:
            return bytes(out)
        out += data[end + 2 : end + 2 + size]
        pos = end + 2 + size + 2


def parse_reply(raw: bytes) -> Reply | None:
    while True:
        head, sep, body = raw.partition(b"\r\n\r\n")
        if not sep:
            return None
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        if status != 100:
            break
        raw = body  # Expect: 100-continue answered first
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = _dechunk(body)
    return Reply(status, headers, body)


async def send(port: int, method: str, target: bytes, headers: list[tuple[str, bytes]],
               body: bytes = b"") -> Reply | None:  # fmt: skip
    """One request on its own connection (Connection: close); None when no answer came."""
    lines = [method.encode() + b" " + target + b" HTTP/1.1", b"Host: 127.0.0.1"]
    lines += [name.encode() + b": " + value for name, value in headers]
    lines += [b"Connection: close", b"Content-Length: %d" % len(body)]
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(b"\r\n".join(lines) + b"\r\n\r\n" + body)
        await writer.drain()
        raw = await asyncio.wait_for(reader.read(), TIMEOUT_S)
    except (ConnectionResetError, BrokenPipeError):
        return None
    finally:
        writer.close()
        with contextlib.suppress(ConnectionResetError, BrokenPipeError):
            await writer.wait_closed()
    return parse_reply(raw)


# ---- checks --------------------------------------------------------------------------------------
def expected_protocol(path: str, headers: dict[str, bytes], query: bytes = b"") -> str | None:
    """The error shape a caller of `path` is owed (docs/relay.md, docs/api.md); None: any."""
    if path == "/api" or path.startswith("/api/"):
        return "api"
    if path.startswith("/v1/messages"):
        return "anthropic"
    if path.startswith("/v1/video/generations"):
        return "task"  # new-api's unified video API: {code, message, data: null}
    if path.startswith("/v1beta/") or (path.startswith("/v1/models/") and ":" in path):
        return "gemini"
    if path == "/v1/models" or path.startswith("/v1/models/"):
        if headers.get("anthropic-version") and (
            headers.get("x-api-key") or headers.get("authorization")
        ):
            return "anthropic"
        if headers.get("x-goog-api-key") or re.search(rb"(?:^|&)key=[^&]", query):
            return "gemini"
        return "openai"
    if path.startswith(SESSION_ROUTES):
        return "openai|api"
    if path.startswith(("/v1/", "/pg/")):
        return "openai"
    return None


def _shape_problem(protocol: str, status: int, body: Any) -> str | None:
    def text(obj: Any, key: str) -> bool:
        return isinstance(obj, dict) and isinstance(obj.get(key), str) and bool(obj[key])

    err = body.get("error") if isinstance(body, dict) else None
    if protocol == "api":
        ok = isinstance(body, dict) and body.get("success") is False and "message" in body
        return None if ok else "not the new-api envelope {success: false, message}"
    if protocol == "task":  # a method no route takes falls through to /v1's OpenAI 404
        ok = text(body, "code") and text(body, "message") and body.get("data") is None
        if ok or _shape_problem("openai", status, body) is None:
            return None
        return "neither new-api's task error {code, message, data: null} nor OpenAI's"
    if protocol == "anthropic":
        ok = isinstance(body, dict) and body.get("type") == "error" and text(err, "type")
        return None if ok and text(err, "message") else "not an Anthropic error"
    if protocol == "gemini":
        ok = text(err, "message") and text(err, "status")
        return None if ok and err.get("code") == status else "not a Gemini error"
    ok = text(err, "message") and isinstance(err, dict) and "type" in err
    return None if ok else "not an OpenAI error object"


def deliberate_5xx(path: str, reply: Reply) -> bool:
    """501 on the routes that are not implemented; 503 when no channel serves the model (as
    new-api answers; the run's own root may have disabled or deleted the channels)."""
    if reply.status == 501:
        return path.startswith(NOT_IMPLEMENTED)
    return reply.status == 503 and b"No available channel for model" in reply.body


def problem(case: Case, sent: dict[str, bytes], reply: Reply | None) -> str | None:
    """What is wrong with this answer, or None."""
    if reply is None:
        return "no HTTP answer (connection dropped)"
    target, _, query = case.target.partition(b"?")
    path = target.decode("latin-1")
    if reply.status >= 500 and not deliberate_5xx(path, reply):
        return f"{reply.status}: {reply.body[:300]!r}"
    if "x-request-id" not in reply.headers:
        # aiohttp's HTTP parser refuses what no handler sees (400, plain text): fine
        return None if reply.status == 400 else f"{reply.status} without X-Request-Id"
    protocol = expected_protocol(path, sent, query)
    if protocol is None or case.method == "HEAD" or path.startswith(PROVIDER_CALLBACKS):
        return None
    body = reply.json()
    is_error = reply.status >= 400 or (
        protocol == "api" and isinstance(body, dict) and body.get("success") is False
    )
    if not is_error:
        return None
    shapes = [_shape_problem(p, reply.status, body) for p in protocol.split("|")]
    shape = None if None in shapes else shapes[0]
    return f"{reply.status} {shape}: {reply.body[:200]!r}" if shape else None


# ---- the run -------------------------------------------------------------------------------------
@dataclass
class Callers:
    """Credentials per caller: root and user are logged-in sessions, key an API key."""

    port: int
    headers: dict[str, list[tuple[str, bytes]]]

    def for_case(self, case: Case) -> list[tuple[str, bytes]]:
        own = {name.lower() for name, _ in case.headers}
        creds = [(n, v) for n, v in self.headers[case.caller] if n.lower() not in own]
        return creds + case.headers


@dataclass
class Report:
    sent: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    kinds: Counter[str] = field(default_factory=Counter)
    callers: Counter[str] = field(default_factory=Counter)
    routes: set[tuple[str, str]] = field(default_factory=set)
    failures: list[str] = field(default_factory=list)
    key_successes: int = 0  # 2xx answers to the API-key caller on relay POSTs (may be billed)

    def summary(self) -> str:
        top = ", ".join(f"{s}: {n}" for s, n in sorted(self.statuses.items()))
        return (
            f"{self.sent} requests over {len(self.routes)} route×method pairs; "
            f"statuses {{{top}}}; {len(self.failures)} failures"
        )


async def run_case(callers: Callers, case: Case, report: Report) -> None:
    headers = callers.for_case(case)
    sent = {name.lower(): value for name, value in headers}
    try:
        reply = await send(callers.port, case.method, case.target, headers, case.body)
    except TimeoutError:
        reply = None
        report.failures.append(f"no answer in {TIMEOUT_S}s: {case.label}")
        return
    report.sent += 1
    report.kinds[case.kind] += 1
    report.callers[case.caller] += 1
    report.routes.add((case.route.method, case.route.path))
    if reply is not None:
        report.statuses[reply.status] += 1
        if case.caller == "key" and reply.status < 300 and case.method == "POST":
            report.key_successes += 1
    found = problem(case, sent, reply)
    if found:
        report.failures.append(f"{found} <- {case.label}")


async def healthy(port: int) -> bool:
    reply = await send(port, "GET", b"/healthz", [])
    return reply is not None and reply.status == 200


async def run(callers: Callers, cases: list[Case], report: Report, concurrency: int = 8) -> None:
    """Send `cases`, `concurrency` at a time; the gateway must answer /healthz between batches."""
    sem = asyncio.Semaphore(concurrency)

    async def one(case: Case) -> None:
        async with sem:
            await run_case(callers, case, report)

    for start in range(0, len(cases), 100):
        await asyncio.gather(*(one(c) for c in cases[start : start + 100]))
        if not await healthy(callers.port):
            report.failures.append(f"/healthz failed after request {report.sent}")
            return


async def still_serves(callers: Callers, report: Report) -> None:
    """A real chat request with the API key after the run: answered and billed (so the quota
    check has money to account for)."""
    headers = [*callers.headers["key"], ("Content-Type", b"application/json")]
    body = dumps(TEMPLATES["/v1/chat/completions"])
    reply = await send(callers.port, "POST", b"/v1/chat/completions", headers, body)
    if reply is None or reply.status != 200:
        report.failures.append(f"a valid chat request after the run failed: {reply}")
    else:
        report.key_successes += 1


def quick_cases(app: Any, seed: int, extra: int) -> list[Case]:
    """Every route × method at least once, then `extra` random cases (no megabyte values)."""
    rng = random.Random(seed)
    routes = routes_of(app)
    return every_case(routes, rng) + [random_case(routes, rng, big=False) for _ in range(extra)]


# ---- a gateway of its own (make fuzz) ------------------------------------------------------------
async def session_headers(gw: Any, username: str, password: str) -> list[tuple[str, bytes]]:
    client = await gw.login(username, password)
    cookies = client.session.cookie_jar.filter_cookies(URL(gw.base))
    cookie = "; ".join(f"{k}={m.value}" for k, m in cookies.items())
    return [("Cookie", cookie.encode()), ("New-Api-User", str(client.user_id).encode())]


async def build_callers(gw: Any, key: str) -> Callers:
    headers = {
        "root": await session_headers(gw, "root", "rootpass123"),
        "user": await session_headers(gw, "fuzzuser", "userpass123"),
        "key": [("Authorization", f"Bearer {key}".encode())],
        "anonymous": [],
    }
    assert set(headers) == set(CALLERS)
    assert gw.server is not None
    return Callers(gw.server.port, headers)


async def main_async(args: argparse.Namespace) -> int:
    from tests.support.fuzz_env import fuzz_gateway, reconcile

    with tempfile.TemporaryDirectory() as tmp:
        async with fuzz_gateway(tmp) as (gw, key):
            callers = await build_callers(gw, key)
            report, rng = Report(), random.Random(args.seed)
            routes = routes_of(gw.app)
            await run(callers, every_case(routes, rng), report, args.concurrency)
            deadline = time.monotonic() + args.duration
            while time.monotonic() < deadline and len(report.failures) < 50:
                batch = [random_case(routes, rng, big=True) for _ in range(100)]
                await run(callers, batch, report, args.concurrency)
                print(report.summary(), flush=True)
            await still_serves(callers, report)
            report.failures += await reconcile(gw, report)
    print(f"seed {args.seed}: {report.summary()}")
    for failure in report.failures:
        print("FAIL", failure)
    return 1 if report.failures else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=300.0, help="seconds (default 300)")
    parser.add_argument("--seed", type=int, default=int(time.time()), help="default: the time")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument(
        "--schemathesis",
        action="store_true",
        help="run schemathesis over the served OpenAPI document instead, for --duration "
        "seconds with --seed (tests/support/schemathesis_run.py)",
    )
    args = parser.parse_args()
    if args.schemathesis:
        from tests.support import schemathesis_run

        budget = ["--max-time", str(int(args.duration)), "--examples", "1000"]
        schemathesis_run.main(["--seed", str(args.seed), *budget])
    logging.basicConfig(level=logging.ERROR)  # the gateway's tracebacks, not its 4xx lines
    print(f"fuzzing for {args.duration:.0f}s with seed {args.seed}", flush=True)
    sys.exit(asyncio.run(main_async(args)))


if __name__ == "__main__":
    main()
