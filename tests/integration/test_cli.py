"""The command line, and the server run as a real subprocess (start, answer, SIGTERM → exit 0)."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import aiohttp

from clawrouter import __version__
from clawrouter.cli import main
from clawrouter.config import load
from clawrouter.runner import startup_line

ENV = {k: v for k, v in os.environ.items() if not k.startswith("CLAWROUTER_")}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def run_cli(*args: str, cwd: Path) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "clawrouter", *args, cwd=cwd, env=ENV,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), 30)
    return proc.returncode or 0, out.decode(), err.decode()


async def test_help_and_version(tmp_path: Path):
    code, out, _ = await run_cli("--help", cwd=tmp_path)
    assert code == 0 and "serve" in out and "reset-password" in out and "--data-dir" in out
    code, out, _ = await run_cli("version", cwd=tmp_path)
    assert code == 0 and out.strip() == f"clawrouter {__version__}"


async def test_config_errors_exit_2(tmp_path: Path):
    (tmp_path / "c.toml").write_text("[server]\nprot = 1\n")
    code, _, err = await run_cli("--config", "c.toml", "config", "show", cwd=tmp_path)
    assert code == 2 and "server.prot" in err


def test_config_show_redacts(tmp_path: Path, capsys, monkeypatch):
    monkeypatch.setenv("CLAWROUTER_SECURITY_SESSION_SECRET", "hunter2hunter2")
    assert main(["config", "show", "--port", "4321"]) == 0
    out = capsys.readouterr().out
    assert '"port": 4321' in out and "hunter2" not in out and "********" in out


async def test_config_show_lists_ignored_env(tmp_path: Path):
    env = {**ENV, "CLAWROUTER_URL": "http://gw:3000", "CLAWROUTER_SERVER_PROT": "1"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "clawrouter", "config", "show", "--port", "4321", cwd=tmp_path,
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0 and '"port": 4321' in out.decode()
    assert err.decode().splitlines() == [
        "clawrouter: warning: ignoring environment variable CLAWROUTER_SERVER_PROT: "
        "not a ClawRouter setting (did you mean CLAWROUTER_SERVER_PORT?)",
        "clawrouter: warning: ignoring environment variable CLAWROUTER_URL: "
        "not a ClawRouter setting",
    ]


def test_startup_line_names_a_url_to_open_and_the_data_dir(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = load(env={}, overrides={"server.data_dir": "data"})
    data = tmp_path.resolve() / "data"
    assert startup_line(config, "127.0.0.1", 3000) == (
        f"ClawRouter {__version__} listening on http://127.0.0.1:3000 (data in {data})"
    )
    assert ", open http://127.0.0.1:8080/ on this machine (" in startup_line(
        config, "0.0.0.0", 8080
    )
    assert "on http://[::]:8080, open http://[::1]:8080/ on" in startup_line(config, "::", 8080)


def test_migrate_and_reset_password(tmp_path: Path, capsys, monkeypatch):
    for key in [k for k in os.environ if k.startswith("CLAWROUTER_")]:
        monkeypatch.delenv(key)
    data = str(tmp_path / "d")
    assert main(["migrate", "--data-dir", data]) == 0
    assert "main/0001_init.sql" in capsys.readouterr().out
    assert main(["migrate", "--data-dir", data]) == 0
    assert "up to date" in capsys.readouterr().out
    assert main(["reset-password", "ghost", "--data-dir", data, "--password", "abcdefgh1"]) == 1
    assert main(["reset-password", "root", "--data-dir", data, "--password", "short"]) == 2


async def test_server_subprocess_serves_and_stops_on_sigterm(tmp_path: Path):
    """Also: a client-side CLAWROUTER_URL in the environment is a warning, not a failed start;
    the start-up line names the URL and the absolute data directory."""
    port = free_port()
    env = {**ENV, "CLAWROUTER_URL": f"http://127.0.0.1:{port}"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "clawrouter", "--port", str(port), "--data-dir", "d",
        cwd=tmp_path, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(100):
                try:
                    async with http.get(f"http://127.0.0.1:{port}/api/status") as resp:
                        body = await resp.json()
                        break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.1)
            else:
                raise AssertionError("server did not start")
            assert body["success"] and body["data"]["setup"] is False
            setup = {
                "username": "root",
                "password": "rootpass123",
                "confirmPassword": "rootpass123",
            }
            async with http.post(f"http://127.0.0.1:{port}/api/setup", json=setup) as resp:
                assert (await resp.json())["success"]
        proc.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(proc.communicate(), 20)
        assert proc.returncode == 0, err.decode()
        text = err.decode()
        assert "ignoring environment variable CLAWROUTER_URL" in text
        data = (tmp_path / "d").resolve()
        assert f"listening on http://127.0.0.1:{port} (data in {data})" in text
        assert "stopped" in text
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    # the root account is there and reset-password changes it
    code, out, _ = await run_cli(
        "reset-password", "root", "--data-dir", str(tmp_path / "d"), cwd=tmp_path
    )
    assert code == 0 and "password of root set to:" in out
