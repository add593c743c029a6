"""The dashboard's settings page (web/src/pages/settings/schema.ts) offers only options the
server defines: every key it names is in clawrouter/options/defaults.py, and the fields it
treats as write-only secrets are exactly the keys GET /api/option/ hides."""

from __future__ import annotations

import re
from pathlib import Path

from clawrouter.options.defaults import specs
from clawrouter.options.registry import is_secret

SCHEMA = Path(__file__).resolve().parents[2] / "web" / "src" / "pages" / "settings" / "schema.ts"
FIELD = re.compile(r"\b(text|area|num|sw|secret|json|select|ratio)\('([^']+)'")


def _fields() -> list[tuple[str, str]]:
    return FIELD.findall(SCHEMA.read_text(encoding="utf-8"))


def test_every_settings_field_is_a_known_option():
    known = {s.key for s in specs()}
    fields = _fields()
    assert len(fields) > 100, "the schema's field helpers changed; update FIELD"
    unknown = sorted(key for _, key in fields if key not in known)
    assert not unknown, f"the settings page offers options the server does not know: {unknown}"


def test_secret_fields_are_the_hidden_options():
    for kind, key in _fields():
        assert (kind == "secret") == is_secret(key), f"{key}: field kind {kind!r}"
