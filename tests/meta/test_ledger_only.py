"""Meta-test: every balance moves through the ledger (relay/ledger.py, relay/ledger_redis.py).

- SQL that writes a balance column (users.quota, used_quota, request_count; tokens.remain_quota,
  used_quota) appears only in the repo functions named below;
- those functions are called only by the ledger (and the usage writer's delta flush);
- a balance in memory (an entry's `.quota` or `.remain_quota`) is assigned only by the ledger
  and by the relay state's loader (which merges the writer's unflushed deltas)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[2] / "clawrouter"
LEDGER = {"relay/ledger.py", "relay/ledger_redis.py"}
BALANCE_SQL = re.compile(
    r"UPDATE\s+(users|tokens)\s+SET\b.*?\b(quota|remain_quota|used_quota|request_count)\s*=",
    re.IGNORECASE | re.DOTALL,
)
# (module, function) allowed to hold such SQL -> the modules allowed to call that function
WRITERS = {
    ("db/repo/usage.py", "apply_balances_in"): LEDGER | {"db/repo/usage.py"},
    ("db/repo/usage.py", "lock_balances"): LEDGER,
    ("db/repo/usage.py", "set_balances"): LEDGER,
    ("db/repo/users.py", "change_quota"): LEDGER,
    ("db/repo/users.py", "set_quota"): LEDGER,
    ("db/repo/tokens.py", "set_remain_quota"): LEDGER,
}
CALLERS = {name: allowed for (_, name), allowed in WRITERS.items()}
CALLERS["apply_balances"] = {"jobs/usage_writer.py"}  # the writer's flush: apply_balances_in
MEMORY = {"quota", "remain_quota"}
MEMORY_OWNERS = LEDGER | {"relay/state.py"}
FILES = sorted(PKG.rglob("*.py"))


def _text(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value for v in node.values if isinstance(v, ast.Constant))
    return None


def balance_sql(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, enclosing function) of every string that writes a balance column."""
    found = []
    for fn in ast.walk(tree):
        if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(fn):
            text = _text(node)
            if text and BALANCE_SQL.search(text):
                found.append((node.lineno, fn.name))
    for node in tree.body if isinstance(tree, ast.Module) else []:  # module-level constants
        for sub in ast.walk(node):
            text = _text(sub)
            if (
                text
                and BALANCE_SQL.search(text)
                and not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            ):
                found.append((sub.lineno, "<module>"))
    return found


def calls(tree: ast.AST) -> list[tuple[int, str]]:
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
            out.append((node.lineno, name))
    return out


def memory_writes(tree: ast.AST) -> list[tuple[int, str]]:
    """Assignments to `.quota` / `.remain_quota` (an object's own attribute set up in its
    __init__, e.g. a metrics counter named quota, is no balance)."""
    inits = {
        id(n)
        for f in ast.walk(tree)
        if isinstance(f, ast.FunctionDef) and f.name == "__init__"
        for n in ast.walk(f)
    }
    out = []
    for node in ast.walk(tree):
        if id(node) in inits:
            continue
        targets = (
            node.targets if isinstance(node, ast.Assign)
            else [node.target] if isinstance(node, ast.AugAssign | ast.AnnAssign) else []
        )  # fmt: skip
        for t in targets:
            for sub in ast.walk(t):
                if isinstance(sub, ast.Attribute) and sub.attr in MEMORY:
                    out.append((node.lineno, sub.attr))
    return out


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.relative_to(PKG).as_posix())
def test_balances_move_only_through_the_ledger(path: Path):
    name = path.relative_to(PKG).as_posix()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for line, fn in balance_sql(tree):
        assert (name, fn) in WRITERS, (
            f"clawrouter/{name}:{line} ({fn}) writes a balance column: only the ledger moves"
            " balances (relay/ledger.py; docs/scaling.md)"
        )
    for line, called in calls(tree):
        if called in CALLERS:
            assert name in CALLERS[called], f"clawrouter/{name}:{line} calls {called}()"
    if name not in MEMORY_OWNERS:
        for line, attr in memory_writes(tree):
            assert False, f"clawrouter/{name}:{line} assigns .{attr}: move it through the ledger"


def test_every_named_writer_exists():
    """The allow-list names real functions holding balance SQL (a stale list guards nothing)."""
    for module, fn in WRITERS:
        tree = ast.parse((PKG / module).read_text(encoding="utf-8"))
        assert fn in {f for _, f in balance_sql(tree)}, (module, fn)


def test_the_rules_catch_a_write_around_the_ledger():
    sample = ast.parse(
        "async def pay(db, uid):\n"
        "    await db.execute('UPDATE users SET aff_quota = 0, quota = quota + ? WHERE id = ?')\n"
        "    await users_repo.set_quota(db, uid, 5)\n"
        "def cheat(user):\n"
        "    user.quota += 100\n"
        "    entry.remain_quota = 7\n"
        "    x = 'UPDATE users SET aff_quota = aff_quota - ? WHERE id = ?'\n"
    )
    assert balance_sql(sample) == [(2, "pay")]
    assert (3, "set_quota") in calls(sample)
    assert memory_writes(sample) == [(5, "quota"), (6, "remain_quota")]
