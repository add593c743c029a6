"""docs/openapi.json is the document the app builds (routes, roles, schemas); every route has
its schemas in the registry (clawrouter/openapi_schemas), and every schema is valid JSON
Schema (draft 2020-12, as OpenAPI 3.1 uses)."""

from __future__ import annotations

import json
from pathlib import Path

from jsonschema import Draft202012Validator

from clawrouter.app import create_app
from clawrouter.config import Config
from clawrouter.openapi import build_document, missing_schemas

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


def test_openapi_json_has_the_current_schemas():
    live = json.loads(json.dumps(build_document(create_app(Config()))))
    written = json.loads(DOC.read_text(encoding="utf-8"))
    stale = sorted(
        f"{m.upper()} {p}"
        for p, ops in live["paths"].items()
        for m, op in ops.items()
        if written["paths"].get(p, {}).get(m) != op
    )
    assert not stale, f"{HOW}. Operations whose schemas changed: {stale[:20]}"
    assert written["components"] == live["components"], f"{HOW}. components changed"


def test_every_route_has_schemas():
    missing = missing_schemas(create_app(Config()))
    assert not missing, (
        "routes without schemas; add them to the registry in clawrouter/openapi_schemas/ "
        f"(keyed by (METHOD, path)): {missing}"
    )


def test_every_schema_is_valid_json_schema():
    doc = build_document(create_app(Config()))
    for schema in doc["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            assert "200" in op["responses"] or any(s[0] in "1345" for s in op["responses"]), (
                f"{method} {path}: no answer declared"
            )
            bodies = [c for r in op["responses"].values() for c in r.get("content", {}).values()]
            bodies += list(op.get("requestBody", {}).get("content", {}).values())
            for media in bodies:
                Draft202012Validator.check_schema(media["schema"])


def test_openapi_document_shape():
    doc = build_document(create_app(Config()))
    assert doc["openapi"].startswith("3.1")
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            assert op["summary"] and op["tags"], f"{method} {path}"
            assert op["x-clawrouter-role"] in ("public", "user", "admin", "root", "api_key")
