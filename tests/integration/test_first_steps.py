"""What a newcomer meets first. The README's first steps, executed word for word: its bash blocks run in bash (curl and
python3) against the real gateway on a loopback port, with the channel's base_url pointed at a fake
OpenAI upstream, and its Python snippet runs with the key the shell exported. If the README rots,
this fails. And /api/status links no other project's docs."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import sys
from pathlib import Path

import pytest

from tests.support.gateway import Gateway
from tests.support.upstreams import FakeUpstream

README = Path(__file__).resolve().parents[2] / "README.md"
README_BASE = "http://127.0.0.1:3000"
OPENAI_BASE = "https://api.openai.com"


def first_steps() -> tuple[list[str], list[str]]:
    """The bash and python blocks of the README's "First steps" section."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## First steps", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```(bash|python)\n(.*?)```", section, re.S)
    return [b for lang, b in blocks if lang == "bash"], [
        b for lang, b in blocks if lang == "python"
    ]


def test_readme_python_snippet_is_complete():
    _, python = first_steps()
    assert len(python) == 1
    snippet = python[0]
    compile(snippet, "README.md", "exec")
    assert "os.environ[" in snippet and ".create(" in snippet and "print(" in snippet


@pytest.mark.skipif(shutil.which("curl") is None, reason="the README's steps use curl")
async def test_readme_first_steps_work(gateway: Gateway, upstream: FakeUpstream, tmp_path: Path):
    bash, python = first_steps()
    here = tmp_path / "cwd"
    here.mkdir()
    snippet = tmp_path / "hello.py"
    snippet.write_text(python[0].replace(README_BASE, gateway.base))
    script = "set -e\n" + "\n".join(bash) + f'\n"{sys.executable}" "{snippet}"\n'
    script = script.replace(README_BASE, gateway.base).replace(OPENAI_BASE, upstream.base_url)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "CLAWROUTER_"))}
    proc = await asyncio.create_subprocess_exec(
        "bash", "-c", script, cwd=here, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out_b, err_b = await asyncio.wait_for(proc.communicate(), 50)
    out, err = out_b.decode(), err_b.decode()
    assert proc.returncode == 0, out + err
    lines = out.splitlines()
    assert lines[0].startswith('{"success":true,'), out
    assert all('"success":true' in line for line in lines[1:6]), out  # setup .. channel
    assert '"username":"root"' in lines[3] and '"username":"root"' in lines[4], out
    assert '"chat.completion"' in lines[6] and "Hello from fake-openai." in lines[6], out
    assert lines[7:] == ["Hello from fake-openai."], out
    assert upstream.last.path == "/v1/chat/completions"
    assert upstream.last.api_key == "sk-your-openai-key"
    assert list(here.iterdir()) == []  # no cookies.txt (or anything else) left behind


async def test_status_docs_link_is_not_another_projects(gateway: Gateway):
    # new-api defaults general_setting.docs_link to its own site; ClawRouter has none, and an
    # empty link makes new-api's console hide its "Docs" entry.
    status, body = await gateway.client().json("GET", "/api/status")
    assert status == 200 and body["data"]["docs_link"] == ""
