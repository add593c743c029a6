"""Meta-test: management code says what changed through the change feed (clawrouter/changes);
only the relay's state reloads its own indexes. A reload_* call anywhere else in the package
(an API handler, a job, a payment path) fails here: publish a Change after the write instead."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[2] / "clawrouter"
OWNER = "relay/state.py"
# the ledger reloads the entry it just wrote under the writer's lock it holds (not re-entrant);
# app.py makes the first load at start-up
LOADERS = {"load_token", "load_user", "load_all"}
LOADERS_ALLOWED = {OWNER, "relay/ledger.py", "relay/ledger_redis.py", "app.py"}


def _calls(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            found.append((node.lineno, node.func.attr))
    return found


@pytest.mark.parametrize(
    "path", sorted(PKG.rglob("*.py")), ids=lambda p: p.relative_to(PKG).as_posix()
)
def test_only_the_relay_state_reloads(path: Path):
    name = path.relative_to(PKG).as_posix()
    if name == OWNER:
        return
    for line, attr in _calls(path):
        assert not attr.startswith("reload_"), (
            f"clawrouter/{name}:{line} calls {attr}(): publish a Change on the feed instead"
            " (app[CHANGES].publish(Change(kind, ids)), see docs/scaling.md)"
        )
        if attr in LOADERS:
            assert name in LOADERS_ALLOWED, f"clawrouter/{name}:{line} calls {attr}()"


def test_the_rule_catches_a_reload_call(tmp_path: Path):
    """The walk above finds the calls it forbids (a meta-test that can never fail is none)."""
    sample = tmp_path / "handler.py"
    sample.write_text("async def f(app):\n    await app[RELAY].reload_user(1)\n")
    assert _calls(sample) == [(2, "reload_user")]
