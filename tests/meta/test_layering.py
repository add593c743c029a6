"""The import layering: every forbidden direction between the parts of clawrouter, in one table.

- leaf modules (clawrouter/wire: formats and endpoints, usage, status tables, codecs) import
  nothing of clawrouter, so every layer can use them;
- converters (relay/convert) are pure: never the relay trunk (state, pipeline, attempt, ...),
  the adapters, the store or the HTTP layer;
- provider adapters (relay/providers) do no I/O: never the store (clawrouter.db), the HTTP layer
  (aiohttp, clawrouter.http, clawrouter.api) or the relay trunk;
- the store (clawrouter/db) imports none of its callers (api, relay, auth, jobs, ...): only
  itself, the config and the leaves;
- billing never imports the relay (trunk or not), the HTTP layer or the store.

A module may import anything its rule does not forbid; `allowed` names the exceptions inside a
forbidden prefix (a converter may import other converters and the leaves).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[2] / "clawrouter"
MODULES = sorted(PKG.rglob("*.py"))
HTTP_LAYER = ("aiohttp", "clawrouter.http", "clawrouter.api")


@dataclass(frozen=True)
class Rule:
    area: str  # a package or module path under clawrouter/
    banned: tuple[str, ...]  # module prefixes it must not import
    allowed: tuple[str, ...] = ()  # exceptions inside the banned prefixes
    why: str = ""


RULES = (
    Rule("wire", ("clawrouter", "aiohttp"), why="leaf modules import nothing of clawrouter"),
    Rule(
        "relay/convert",
        ("clawrouter", "aiohttp"),
        ("clawrouter.relay.convert", "clawrouter.wire"),
        "converters never import the relay trunk, the adapters, the store or the HTTP layer",
    ),
    Rule(
        "relay/providers",
        ("clawrouter", "aiohttp"),
        ("clawrouter.relay.providers", "clawrouter.wire"),
        "adapters never import the store, the HTTP layer or the relay trunk",
    ),
    Rule(
        "db",
        ("clawrouter", "aiohttp"),
        ("clawrouter.db", "clawrouter.config", "clawrouter.wire"),
        "the store never imports its callers (api, relay, auth, jobs, ...)",
    ),
    Rule(
        "billing",
        ("clawrouter.relay", "clawrouter.db", *HTTP_LAYER),
        why="billing never imports the relay, the store or the HTTP layer",
    ),
    Rule(
        "options/registry.py",
        ("aiohttp", "clawrouter.db"),
        why="the option registry is data: no store, no HTTP",
    ),
)


def rel(path: Path) -> str:
    return path.relative_to(PKG).as_posix()


def within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def imported(path: Path) -> set[str]:
    """Every module `path` imports, anywhere in it (functions and TYPE_CHECKING blocks too);
    `from a.b import c` counts as both a.b and a.b.c, relative imports are resolved."""
    package = ["clawrouter", *path.relative_to(PKG).parent.parts]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            names.add(module)
            names |= {f"{module}.{a.name}" for a in node.names}
    return names


def applies(rule: Rule, name: str) -> bool:
    return name == rule.area or name.startswith(rule.area.removesuffix(".py") + "/")


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.area)
def test_every_rule_covers_modules(rule: Rule):
    assert any(applies(rule, rel(p)) for p in MODULES), f"no module under clawrouter/{rule.area}"


@pytest.mark.parametrize("path", MODULES, ids=rel)
def test_import_layering(path: Path):
    name = rel(path)
    for rule in RULES:
        if not applies(rule, name):
            continue
        bad = sorted(
            m
            for m in imported(path)
            if any(within(m, b) for b in rule.banned)
            and not any(within(m, a) for a in rule.allowed)
        )
        assert not bad, f"{name} must not import {bad}: {rule.why}"


def test_the_checker_sees_what_it_must():
    found = imported(PKG / "relay" / "convert" / "base.py")
    assert {"clawrouter.wire.usage", "clawrouter.wire.usage.Usage"} <= found
    rule = RULES[1]
    assert applies(rule, "relay/convert/base.py") and not applies(rule, "relay/converters.py")
    assert within("clawrouter.relay.state", "clawrouter.relay")
    assert not within("clawrouter.relayx", "clawrouter.relay")
