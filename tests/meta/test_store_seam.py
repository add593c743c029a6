"""The store seam (docs/database.md): clawrouter/db imports no caller (only itself, the
config and the leaf types in clawrouter.wire), and no module outside it imports a database driver, so every caller goes through the
Store interface and either implementation can stand behind it."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "clawrouter"
DRIVERS = {"asyncpg", "aiosqlite", "sqlite3"}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def test_the_store_imports_no_caller():
    wrong = {
        f"{path.relative_to(PACKAGE)}: {name}"
        for path in (PACKAGE / "db").rglob("*.py")
        for name in _imports(path)
        if name.startswith("clawrouter")
        and not name.startswith(("clawrouter.db", "clawrouter.wire"))
        and name != "clawrouter.config"
    }
    assert not wrong, sorted(wrong)


def test_only_the_store_imports_a_driver():
    wrong = {
        f"{path.relative_to(PACKAGE)}: {name}"
        for path in PACKAGE.rglob("*.py")
        if (PACKAGE / "db") not in path.parents
        for name in _imports(path)
        if name.split(".")[0] in DRIVERS
    }
    assert not wrong, sorted(wrong)
