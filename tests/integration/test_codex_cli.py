"""The real Codex CLI (Responses API only, streaming, with tools) through ClawRouter to an
OpenAI-compatible channel whose server has no /v1/responses. Runs when a `codex` binary is
found (CODEX_BIN, or on PATH; .ci/run installs @openai/codex), and is skipped otherwise."""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

import orjson
import pytest

from tests.support.gateway import RelayEnv

CODEX = os.environ.get("CODEX_BIN") or shutil.which("codex")
pytestmark = pytest.mark.skipif(
    not CODEX, reason="the Codex CLI is not installed (npm install -g @openai/codex, or CODEX_BIN)"
)


async def run_codex(env: RelayEnv, home: Path, prompt: str) -> list[dict]:
    provider = (
        f'{{name="clawrouter", base_url="{env.gw.base}/v1", env_key="CLAWROUTER_TEST_KEY",'
        ' wire_api="responses"}'
    )
    args = [
        "exec", "--skip-git-repo-check", "--json", "-m", "gpt-4o",
        "-c", 'model_provider="clawrouter"', "-c", f"model_providers.clawrouter={provider}",
        prompt,
    ]  # fmt: skip
    environ = {
        "PATH": os.environ.get("PATH", ""), "HOME": str(home), "CODEX_HOME": str(home / "codex"),
        "CLAWROUTER_TEST_KEY": env.key, "NO_COLOR": "1",
    }  # fmt: skip
    (home / "codex").mkdir(parents=True)
    proc = await asyncio.create_subprocess_exec(
        str(CODEX), *args, env=environ, cwd=home, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        out, err = await asyncio.wait_for(proc.communicate(), 50)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise
    assert proc.returncode == 0, err.decode()[-2000:]
    return [orjson.loads(line) for line in out.splitlines() if line.startswith(b"{")]


@pytest.mark.timeout(60)
async def test_codex_through_a_chat_only_channel(relay_env: RelayEnv, tmp_path: Path):
    relay_env.up.missing = {"/responses": 404}
    events = await run_codex(relay_env, tmp_path, "Say hello")
    messages = [
        e["item"]["text"] for e in events if e.get("item", {}).get("type") == "agent_message"
    ]
    assert messages == ["Hello from fake-openai."]
    assert events[-1]["type"] == "turn.completed"
    reqs = relay_env.up.requests
    assert [r.path for r in reqs] == [
        "/v1/responses",
        "/v1/chat/completions",
        "/v1/chat/completions",
    ]
    call, answer = reqs[1].json, reqs[2].json
    assert call["stream"] is True and call["tools"]  # Codex's own tools, converted to chat
    (tool_call,) = answer["messages"][-2]["tool_calls"]  # the fake called Codex's first tool
    result = answer["messages"][-1]
    assert result["role"] == "tool" and result["tool_call_id"] == tool_call["id"]
    logs = await relay_env.logs()
    assert len(logs) == 2 and all(log["quota"] > 0 and log["is_stream"] for log in logs)
    usage = events[-1]["usage"]
    assert usage["output_tokens"] == sum(log["completion_tokens"] for log in logs)
