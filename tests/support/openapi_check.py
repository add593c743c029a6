"""Checks real answers against the OpenAPI document's declared answers (jsonschema, draft
2020-12 as OpenAPI 3.1 uses): the drift test of the schemas (tests/integration/
test_openapi_drift.py)."""

from __future__ import annotations

import re
from typing import Any

import orjson
from jsonschema import Draft202012Validator


def _pattern(template: str) -> re.Pattern[str]:
    out, pos = "", 0
    for m in re.finditer(r"{(\w+)}", template):
        out += re.escape(template[pos : m.start()])
        out += ".*" if m.group(1) == "tail" else "[^/]+"
        pos = m.end()
    return re.compile(out + re.escape(template[pos:]) + "$")


class AnswerChecker:
    """check(method, path, status, content_type, body) raises AssertionError naming the
    operation when the answer is not one the document declares."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.doc = document
        self.templates = sorted(
            document["paths"],
            key=lambda t: (t.count("{tail}"), t.count("{"), -len(t)),
        )

    def template(self, method: str, path: str) -> str:
        path = path.split("?", 1)[0]
        for t in self.templates:
            if method.lower() in self.doc["paths"][t] and _pattern(t).match(path):
                return t
        raise AssertionError(f"{method} {path}: no operation in the document")

    def response_for(self, method: str, path: str, status: int) -> tuple[str, dict[str, Any]]:
        t = self.template(method, path)
        responses = self.doc["paths"][t][method.lower()]["responses"]
        for key in (str(status), f"{str(status)[0]}XX", "default"):
            if key in responses:
                return t, responses[key]
        raise AssertionError(f"{method} {t}: status {status} is not declared ({list(responses)})")

    def check(
        self, method: str, path: str, status: int, content_type: str, body: bytes | Any
    ) -> str:
        """Validate; returns the matched template (for coverage bookkeeping)."""
        t, response = self.response_for(method, path, status)
        content = response.get("content")
        if not content:
            return t
        media = (content_type or "").split(";")[0].strip()
        declared = next(
            (m for m in content if m == media or (m.endswith("/*") and media.startswith(m[:-1]))),
            None,
        )
        assert declared, f"{method} {t} {status}: content type {media!r} not in {list(content)}"
        schema = content[declared].get("schema")
        if schema is None or not declared.endswith("json"):
            return t
        value = orjson.loads(body) if isinstance(body, bytes | str) else body
        root = {**schema, "components": self.doc["components"]}
        errors = sorted(
            Draft202012Validator(root).iter_errors(value), key=lambda e: list(e.absolute_path)
        )
        assert not errors, f"{method} {t} {status}: the answer does not match its schema: " + (
            "; ".join(f"{list(e.absolute_path)}: {e.message[:200]}" for e in errors[:5])
        )
        return t
