"""schemathesis over the served OpenAPI document (GET /api/openapi.json) against the real app
on 127.0.0.1, logged in as root and with an API key: a bounded, seeded quick run (a few
examples per operation) that fails on any 5xx the relay does not answer on purpose and on any
status code, content type or JSON body the document does not declare. The long run is `make
schemathesis` (tests/support/schemathesis_run.py)."""

from __future__ import annotations

import re

import pytest

from tests.support.schemathesis_run import run

pytestmark = pytest.mark.timeout(240)


async def test_schemathesis_quick_run_finds_nothing():
    outcome = await run(examples=3, seed=20261203)
    tested = re.search(r"Tested: (\d+)", outcome.output)
    assert tested and int(tested.group(1)) > 200, outcome.output[-3000:]
    assert outcome.returncode == 0, outcome.output[-6000:]
    assert outcome.session_alive, "the run ended the root session: its /api calls were 401s"
    assert re.search(r"\d+ generated, \d+ passed", outcome.output), outcome.output[-3000:]
