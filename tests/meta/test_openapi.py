"""docs/openapi.json lists exactly the registered routes, each with the role it declares."""

from __future__ import annotations

import json
from pathlib import Path

from clawrouter.app import create_app
from clawrouter.config import Config
from clawrouter.openapi import build_document

DOC = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"
HOW = (
    "docs/openapi.json is out of date; regenerate it with `make openapi` "
    "(or `.venv/bin/python -m clawrouter.openapi > docs/openapi.json`) and commit it"
)


def _ops(doc: dict) -> dict[tuple[str, str], str]:
    return {
        (method.upper(), path): op.get("x-clawrouter-role", "")
        for path, ops in doc["paths"].items()
        for method, op in ops.items()
    }


def test_openapi_json_matches_the_routes():
    live = _ops(build_document(create_app(Config())))
    assert DOC.exists(), HOW
    written = _ops(json.loads(DOC.read_text(encoding="utf-8")))
    missing = sorted(set(live) - set(written))
    extra = sorted(set(written) - set(live))
    assert not missing, f"{HOW}. Routes missing from it: {missing}"
    assert not extra, f"{HOW}. Routes it lists that no longer exist: {extra}"
    changed = sorted(k for k in live if live[k] != written[k])
    assert not changed, f"{HOW}. Roles changed for: {changed}"


def test_openapi_document_shape():
    doc = build_document(create_app(Config()))
    assert doc["openapi"].startswith("3.1")
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            assert op["summary"] and op["tags"], f"{method} {path}"
            assert op["x-clawrouter-role"] in ("public", "user", "admin", "root", "api_key")
