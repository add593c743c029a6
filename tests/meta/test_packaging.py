"""Packaging: a wheel built from the sources carries the migrations and the static files, and
setuptools builds it without warnings (it used to warn that the SQL-only migration folders were
"absent from the packages configuration"). Skipped when no build backend can be installed."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BACKEND_WARNING = re.compile(r"\w*Warning:|deprecated|absent from the `packages`", re.I)
# pip's own notes about its configured indexes are not about our package
PIP_NOISE = re.compile(r"^WARNING: (Location '.*' is ignored|Retrying|There was an error)")


def test_wheel_has_migrations_and_static_and_builds_without_warnings(tmp_path: Path):
    src = tmp_path / "src"
    src.mkdir()
    for name in ("setup.cfg", "pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    shutil.copytree(ROOT / "clawrouter", src / "clawrouter")
    shutil.copytree(ROOT / "static", src / "static")
    (src / "clawrouter" / "db" / "migrations" / "main" / "__pycache__").mkdir()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(tmp_path / "out"), "."],
            cwd=src,
            capture_output=True,
            text=True,
            timeout=120,
        )
    except subprocess.TimeoutExpired:
        pytest.skip("building the wheel took over 120 s (no package index reachable?)")
    output = done.stdout + done.stderr
    offline = ("Could not find a version that satisfies", "No matching distribution found")
    if done.returncode != 0 and any(text in output for text in offline):
        pytest.skip("the build backend (setuptools) could not be installed: " + output[-300:])
    assert done.returncode == 0, output
    warnings = [
        line
        for line in output.splitlines()
        if BACKEND_WARNING.search(line) and not PIP_NOISE.match(line.strip())
    ]
    assert warnings == [], output

    (wheel,) = (tmp_path / "out").glob("clawrouter-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for sql in sorted((ROOT / "clawrouter" / "db" / "migrations").glob("*/*.sql")):
        assert sql.relative_to(ROOT).as_posix() in names
    data = next(n.split("/data/")[0] for n in names if ".data/data/" in n)
    for path in sorted(p for p in (ROOT / "static").rglob("*") if p.is_file()):
        assert f"{data}/data/share/clawrouter/static/{path.relative_to(ROOT / 'static')}" in names
    assert not any("__pycache__" in n for n in names)
