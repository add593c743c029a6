"""Packaging: setuptools builds and installs ClawRouter without warnings (it used to warn that the
SQL-only migration folders were "absent from the packages configuration"), a non-editable
install carries the migrations and the static files, and `make run`'s editable install is quiet.
Everything goes into throw-away virtualenvs (created without pip; this venv's pip drives them).
Skipped when no build backend can be installed."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BACKEND_WARNING = re.compile(r"\w*Warning:|deprecated|absent from the `packages`", re.I)
# pip's own notes about the indexes configured on this machine are not about our package
PIP_NOISE = re.compile(r"^WARNING: (Location '.*' is ignored|Retrying|There was an error)")
OFFLINE = ("Could not find a version that satisfies", "No matching distribution found")


@pytest.fixture
def src(tmp_path: Path) -> Path:
    """A copy of what a build reads, with a stray __pycache__ in a migrations folder."""
    out = tmp_path / "src"
    out.mkdir()
    for name in ("setup.cfg", "pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, out / name)
    shutil.copytree(ROOT / "clawrouter", out / "clawrouter")
    shutil.copytree(ROOT / "static", out / "static")
    (out / "clawrouter" / "db" / "migrations" / "main" / "__pycache__").mkdir(exist_ok=True)
    return out


def pip(*args: str, cwd: Path, env: dict[str, str] | None = None) -> str:
    """Run this venv's pip; the output, which must be free of build warnings."""
    try:
        done = subprocess.run(
            [sys.executable, "-m", "pip", *args],
            cwd=cwd, env={**os.environ, **(env or {})},
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        pytest.skip("pip took over 120 s (no package index reachable?)")
    output = done.stdout + done.stderr
    if done.returncode != 0 and any(text in output for text in OFFLINE):
        pytest.skip("the build backend (setuptools) could not be installed: " + output[-300:])
    assert done.returncode == 0, output
    warnings = [
        line
        for line in output.splitlines()
        if BACKEND_WARNING.search(line) and not PIP_NOISE.match(line.strip())
    ]
    assert warnings == [], output
    return output


def fresh_venv(path: Path) -> Path:
    venv.create(path, with_pip=False)
    return path / "bin" / "python"


def test_wheel_carries_migrations_and_static_and_installs_quietly(src: Path, tmp_path: Path):
    pip("wheel", "--no-deps", "-w", str(tmp_path / "out"), ".", cwd=src)
    (wheel,) = (tmp_path / "out").glob("clawrouter-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    sqls = sorted((ROOT / "clawrouter" / "db" / "migrations").glob("*/*.sql"))
    assert sqls and all(sql.relative_to(ROOT).as_posix() in names for sql in sqls)
    statics = sorted(p.relative_to(ROOT / "static") for p in (ROOT / "static").rglob("*"))
    data = next(n.split(".data/")[0] for n in names if ".data/data/" in n)
    for path in statics:
        if (ROOT / "static" / path).is_file():
            assert f"{data}.data/data/share/clawrouter/static/{path.as_posix()}" in names
    assert not any("__pycache__" in n for n in names)

    # installed (not editable) into a fresh venv: the migrations are found as package resources
    # and the static files where clawrouter.http.static looks (<prefix>/share/clawrouter/static)
    python = fresh_venv(tmp_path / "venv")
    pip("--python", str(python), "install", "--no-deps", str(wheel), cwd=tmp_path)
    probe = (
        "from importlib import resources\n"
        "folder = resources.files('clawrouter.db').joinpath('migrations')\n"
        "print(sorted(f'{d.name}/{f.name}' for d in folder.iterdir() if d.is_dir()"
        " for f in d.iterdir() if f.name.endswith('.sql')))\n"
    )
    shown = subprocess.run(
        [str(python), "-c", probe], cwd=tmp_path, capture_output=True, text=True, timeout=30
    )
    assert shown.stdout.strip() == str([f"{s.parent.name}/{s.name}" for s in sqls]), shown.stderr
    assert (tmp_path / "venv" / "share" / "clawrouter" / "static" / "index.html").is_file()


def test_make_run_editable_install_is_quiet(src: Path, tmp_path: Path):
    """`make run` installs with the Makefile's PIP_INSTALL, whose PYTHONWARNINGS hides only
    setuptools' "Editable installation." notice; nothing else may be printed."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    found = re.search(
        r'^PIP_INSTALL := PYTHONWARNINGS="([^"]+)" \$\(BIN\)/pip install', makefile, re.M
    )
    assert found, "the Makefile's PIP_INSTALL line changed shape"
    python = fresh_venv(tmp_path / "venv")
    env = {"PYTHONWARNINGS": found.group(1)}
    pip("--python", str(python), "install", "--no-deps", "-e", str(src), cwd=tmp_path, env=env)
