"""The route fuzzer, quick and deterministic (the long one: `make fuzz`, docs/hardening.md):
every route × method of the app at least once, then seeded random malformed requests, as root,
a user, an API key and anonymous. No 5xx, errors in the caller's format, /healthz answers
throughout, and no quota moved without a consume log row."""

from __future__ import annotations

from pathlib import Path

from tests.support.fuzz import Report, build_callers, quick_cases, run, still_serves
from tests.support.fuzz_cases import CALLERS, KINDS, METHODS, SKIP, routes_of
from tests.support.fuzz_env import fuzz_gateway, reconcile

SEED, EXTRA = 15, 1200


async def test_quick_fuzz_over_every_route(tmp_path: Path):
    async with fuzz_gateway(tmp_path) as (gw, key):
        callers = await build_callers(gw, key)
        cases = quick_cases(gw.app, SEED, EXTRA)
        report = Report()
        await run(callers, cases, report)
        await still_serves(callers, report)
        failures = report.failures + await reconcile(gw, report)
        print(report.summary())
        assert not failures, "\n".join(failures[:40])
    assert report.sent == len(cases)
    assert set(report.kinds) == set(KINDS) and set(report.callers) == set(CALLERS)
    for route in routes_of(gw.app):
        if route.path.rstrip("/") in SKIP:
            continue
        methods = METHODS[:5] if route.method == "*" else (route.method,)
        missed = {(m, route.path) for m in methods} - report.routes
        assert not missed, missed
