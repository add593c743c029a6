"""schemathesis over the served OpenAPI document against the real app on 127.0.0.1: a gateway
with a temporary data dir, its root logged in (session cookie + New-Api-User) and an API key
(Authorization for /v1, x-goog-api-key for /v1beta), one channel on a fake upstream. The
schemathesis CLI runs in a subprocess while this process serves; it reports any 5xx and any
answer whose status, content type or body the document does not declare.

`make schemathesis` runs it long, with the coverage phase too (ARGS="--examples 50 --seed 7
--max-time 900");
tests/integration/test_schemathesis.py runs a quick, seeded version in `make test`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from clawrouter.config import load, replace
from clawrouter.keys import HTTP
from tests.support.gateway import Client, Gateway
from tests.support.upstreams import FakeUpstream

CHECKS = (
    "not_a_server_error,status_code_conformance,content_type_conformance,"
    "response_schema_conformance"
)
# Operations left out, each for a reason:
EXCLUDED = [
    # end the run's own session, so every later call would be a 401
    r"^/api/user/logout$",
    r"^/api/user/self$",  # DELETE: the root account (refused) / PUT: a new password ends it
    # a WebSocket upgrade, not a request/answer operation
    r"^/v1/realtime$",
]
LOOPBACK = ("127.0.0.1", "localhost", "::1")


# The 5xx the relay answers on purpose, as new-api does: 501 for the OpenAI routes it does not
# relay (files, fine-tuning, image variations), 503 when no channel serves the asked model
# (code model_not_found), 502 when the upstream cannot be reached (fuzzed channel writes point
# channels anywhere; the loopback guard refuses those hosts). Any other 5xx is a failure.
CONFIG = """
[[operations]]
include-path-regex = "^/(v1|v1beta|pg)/"
checks.not_a_server_error.expected-statuses = ["2XX", "3XX", "4XX", "501", "502", "503"]
"""


def guard_loopback(session: aiohttp.ClientSession) -> None:
    """Make the gateway's outbound client refuse every host but 127.0.0.1 (tests talk to
    loopback only): fuzzed channel writes, options and price-sync requests name any host. The
    refusal is a connection error to the app, as an unreachable host would be."""
    connector = session.connector
    assert isinstance(connector, aiohttp.TCPConnector)
    resolve = connector._resolve_host

    async def loopback_only(host: str, port: int, traces=None):
        if host not in LOOPBACK:
            raise OSError(f"{host}: not loopback (the schemathesis run reaches 127.0.0.1 only)")
        return await resolve(host, port, traces)

    connector._resolve_host = loopback_only  # type: ignore[method-assign]


def _config_file(directory: Path) -> str:
    path = directory / "schemathesis.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return str(path)


@dataclass
class Outcome:
    returncode: int
    output: str
    session_alive: bool  # the root session still worked after the run (calls were not 401s)


async def _prepare(gw: Gateway, up: FakeUpstream) -> tuple[Client, list[str]]:
    await gw.setup_root()
    root = await gw.login("root", "rootpass123")
    await gw.add_channel(up.base_url, models="gpt-4o-mini,gpt-4o,text-embedding-3-small")
    key = await gw.add_token()
    cookie = "; ".join(f"{c.key}={c.value}" for c in root.session.cookie_jar)
    return root, [
        f"Cookie: {cookie}",
        "New-Api-User: 1",
        f"Authorization: Bearer {key}",
        f"x-goog-api-key: {key}",
    ]


async def run(
    *,
    examples: int,
    seed: int,
    max_time: int | None = None,
    phases: str = "examples,fuzzing",
    checks: str = CHECKS,
    data_dir: Path | None = None,
) -> Outcome:
    with tempfile.TemporaryDirectory() as tmp:
        base = load(env={}, overrides={"server.data_dir": str(data_dir or Path(tmp) / "data")})
        limits = ("api", "web", "critical", "search", "email_verification")
        config = replace(base, security={f"{n}_rate_limit": 0 for n in limits})
        gw = Gateway(config)
        async with FakeUpstream() as up:
            await gw.start()
            guard_loopback(gw.app[HTTP])
            try:
                root, headers = await _prepare(gw, up)
                args = [
                    sys.executable, "-m", "schemathesis.cli",
                    "--config-file", _config_file(Path(tmp)), "run",
                    f"{gw.base}/api/openapi.json", "--url", gw.base,
                    "--checks", checks, "--max-examples", str(examples), "--seed", str(seed),
                    "--workers", "1", "--request-timeout", "20", "--no-shrink",
                    "--phases", phases, "--suppress-health-check", "all",
                    "--warnings", "off", "--output-truncate", "true",
                    *(["--max-time", str(max_time)] if max_time else []),
                ]  # fmt: skip
                args += ["--exclude-path-regex", "|".join(f"({p})" for p in EXCLUDED)]
                for header in headers:
                    args += ["-H", header]
                proc = await asyncio.create_subprocess_exec(
                    *args,
                    stdout=asyncio.subprocess.PIPE,
                    stderr=asyncio.subprocess.STDOUT,
                    cwd=tmp,
                )
                out, _ = await proc.communicate()
                status, body = await root.json("GET", "/api/user/self")
                alive = status == 200 and body.get("success") is True
                return Outcome(proc.returncode or 0, out.decode(errors="replace"), alive)
            finally:
                await gw.stop()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="make schemathesis", description=__doc__.splitlines()[0])
    ap.add_argument("--examples", type=int, default=50, help="test cases per operation")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--max-time", type=int, default=None, help="time budget, seconds")
    ap.add_argument(
        "--phases",
        default="examples,coverage,fuzzing",
        help="schemathesis phases (coverage: boundary and invalid values of every field)",
    )
    ap.add_argument("--checks", default=CHECKS, help="schemathesis checks")
    ns = ap.parse_args(argv)
    logging.disable(logging.WARNING)  # the gateway's log lines would drown the report
    outcome = asyncio.run(
        run(
            examples=ns.examples,
            seed=ns.seed,
            max_time=ns.max_time,
            phases=ns.phases,
            checks=ns.checks,
        )
    )
    print(outcome.output)
    if not outcome.session_alive:
        print("the root session did not survive the run: later /api calls were 401s")
    sys.exit(outcome.returncode)


if __name__ == "__main__":
    main()
