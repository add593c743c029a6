"""The committed dashboard bundle (static/, built from web/ by `make web`): not stale against
web/ (the source hash stamped into static/build.json, recomputed here without Node), every file
index.html names exists, hashed asset names, and the initial JavaScript (what index.html loads
before any route chunk) stays within 250 KB gzipped."""

from __future__ import annotations

import gzip
import hashlib
import os
import re
from pathlib import Path

import orjson
import pytest

ROOT = Path(__file__).resolve().parents[2]
WEB, STATIC = ROOT / "web", ROOT / "static"
INITIAL_JS_BUDGET = 250 * 1024  # bytes, gzip level 9
SKIP_DIRS = {"node_modules", "dist"}
ASSET_REF = re.compile(r'(?:src|href)="(/[^"]+)"')
STATIC_IMPORT = re.compile(r'(?:\bfrom|\bimport)\s*"(\./[^"]+\.js)"')  # not import("...")
HOW = "static/ is stale against web/: run `make web` and commit static/ and web/ together"


def source_hash(root: Path) -> str:
    """web/scripts/source-hash.ts, in Python: sha256 over "<path>\\0<sha256>\\n" per file, files
    sorted by POSIX path, node_modules/, dist/ and *.tsbuildinfo left out."""
    files = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS]
        for name in names:
            if not name.endswith(".tsbuildinfo"):
                files.append((Path(folder) / name).relative_to(root).as_posix())
    total = hashlib.sha256()
    for rel in sorted(files):
        digest = hashlib.sha256((root / rel).read_bytes()).hexdigest()
        total.update(f"{rel}\0{digest}\n".encode())
    return total.hexdigest()


def referenced(html: str) -> list[str]:
    return [ref for ref in ASSET_REF.findall(html) if not ref.startswith("//")]


def initial_js(index: Path) -> list[Path]:
    """The entry scripts and module preloads of index.html, and what they import statically."""
    html = index.read_text(encoding="utf-8")
    todo = [STATIC / ref.lstrip("/") for ref in referenced(html) if ref.endswith(".js")]
    seen: list[Path] = []
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.append(path)
        text = path.read_text(encoding="utf-8")
        todo += [(path.parent / dep).resolve() for dep in STATIC_IMPORT.findall(text)]
    return seen


def test_bundle_is_built_from_the_current_sources():
    stamp = STATIC / "build.json"
    assert stamp.is_file(), f"static/build.json is missing: {HOW}"
    stamped = orjson.loads(stamp.read_bytes())["source_hash"]
    assert stamped == source_hash(WEB), HOW


def test_source_hash_sees_every_source_change(tmp_path: Path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.ts").write_text("export const a = 1;\n")
    (tmp_path / "node_modules").mkdir()
    (tmp_path / "node_modules" / "x.js").write_text("ignored")
    before = source_hash(tmp_path)
    (tmp_path / "node_modules" / "x.js").write_text("still ignored")
    assert source_hash(tmp_path) == before
    (tmp_path / "src" / "a.ts").write_text("export const a = 2;\n")
    assert source_hash(tmp_path) != before
    (tmp_path / "src" / "b.ts").write_text("")
    assert len({before, source_hash(tmp_path)}) == 2


def test_index_names_only_files_that_exist_and_assets_are_hashed():
    html = (STATIC / "index.html").read_text(encoding="utf-8")
    refs = referenced(html)
    assert any(r.endswith(".js") for r in refs) and any(r.endswith(".css") for r in refs)
    for ref in refs:
        assert (STATIC / ref.lstrip("/")).is_file(), ref
    for asset in (STATIC / "assets").iterdir():
        assert re.search(r"-[A-Za-z0-9_-]{8}\.(js|css|svg|png|woff2?)$", asset.name), asset.name
    assert "ClawRouter" in html


def test_initial_javascript_fits_the_budget():
    scripts = initial_js(STATIC / "index.html")
    assert scripts, "index.html loads no JavaScript"
    sizes = {p.name: len(gzip.compress(p.read_bytes(), compresslevel=9)) for p in scripts}
    total = sum(sizes.values())
    assert total <= INITIAL_JS_BUDGET, f"initial JS is {total / 1024:.1f} KB gzipped: {sizes}"
    # the pages are split off: no page module is part of the initial load
    pages = {p.stem for p in (WEB / "src" / "pages").glob("*.tsx")}
    assert pages and not any(name.rsplit("-", 1)[0] in pages for name in sizes)


@pytest.mark.parametrize("page", ["setup", "login", "home", "tokens", "playground", "channels"])
def test_each_page_is_its_own_chunk(page: str):
    assert list((STATIC / "assets").glob(f"{page}-*.js")), page
