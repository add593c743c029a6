"""Meta-tests: the codebase keeps its own rules (module size, documented config, guarded
routes, no SQL outside db/); the import layering is tests/meta/test_layering.py."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import pytest

from clawrouter.api.routing import level_of
from clawrouter.app import build_api
from clawrouter.config import Config, sections

ROOT = Path(__file__).resolve().parents[2]
PKG = ROOT / "clawrouter"
MODULES = sorted(PKG.rglob("*.py"))

SQL = re.compile(
    r"\b(SELECT\s.+\sFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM)\b", re.I | re.S
)


def rel(path: Path) -> str:
    return path.relative_to(PKG).as_posix()


@pytest.mark.parametrize("path", MODULES, ids=rel)
def test_module_size(path: Path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= 600, f"{rel(path)} has {lines} lines; split it by what it owns"


@pytest.mark.parametrize("path", MODULES, ids=rel)
def test_module_has_docstring(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assert ast.get_docstring(tree), f"{rel(path)} needs a docstring saying what it owns"


@pytest.mark.parametrize("path", MODULES, ids=rel)
def test_sql_only_in_db(path: Path):
    if rel(path).startswith("db/"):
        return
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            assert not SQL.search(node.value), f"SQL outside clawrouter/db: {rel(path)}"


def test_only_config_reads_the_environment():
    for path in MODULES:
        text = path.read_text(encoding="utf-8")
        if rel(path) != "config.py":
            assert "os.environ" not in text and "getenv" not in text, rel(path)


def test_every_config_key_is_documented():
    documented = tomllib.loads((ROOT / "config.example.toml").read_text(encoding="utf-8"))
    for section, cls in sections().items():
        keys = set(cls.__dataclass_fields__)
        assert set(documented.get(section, {})) == keys, f"[{section}] in config.example.toml"
    assert set(documented) == set(sections())
    defaults = Config()
    for section in sections():
        for key, value in documented[section].items():
            assert getattr(getattr(defaults, section), key) == value, f"{section}.{key} default"


def test_every_api_route_declares_its_level():
    api = build_api()
    for route in api.router.routes():
        if route.method == "HEAD":
            continue
        assert level_of(route.handler) is not None, f"{route.method} {route.resource.canonical}"
