"""SIGTERM under load (issue 15): a real `python -m clawrouter` serving concurrent streamed and
JSON chat requests gets SIGTERM. Every request it had answered the headers of completes (streams
to their `[DONE]`): 0 lost; it exits 0 within the grace period; the write-behind flush landed:
after it, one consume log row per completed request and Σ log quota == Σ spent from the wallet
and the key; and it starts again on the same data and serves."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import sys
import time
from pathlib import Path

import aiohttp

from clawrouter.config import Config
from tests.integration.test_cli import ENV, free_port
from tests.support.gateway import Gateway
from tests.support.upstreams import FakeUpstream

GRACE_S = 15
WALLET, KEY_QUOTA = 10**9, 10**8
HELLO = [{"role": "user", "content": "hello there"}]


async def _seed(config: Config, upstream: FakeUpstream) -> str:
    """Root, a channel whose streams take about a second (150 ms per event) and a paying user's
    key with a finite quota; returns the key."""
    gw = Gateway(config)
    await gw.start()
    try:
        await gw.setup_root()
        await gw.add_channel(upstream.base_url, models="gpt-4o", key="sk-up-slow-150-first-50")
        uid = await gw.add_user("loaded", quota=WALLET)
        return await gw.add_token(user_id=uid, unlimited_quota=0, remain_quota=KEY_QUOTA)
    finally:
        await gw.stop()


def tail(log: Path) -> str:
    return log.read_text(errors="replace")[-3000:]


async def _start(data_dir: str, port: int, log: Path) -> asyncio.subprocess.Process:
    env = {**ENV, "CLAWROUTER_SERVER_SHUTDOWN_GRACE_SECONDS": str(GRACE_S)}
    with log.open("ab") as out:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "clawrouter", "--port", str(port), "--data-dir", data_dir,
            env=env, stdout=out, stderr=out,
        )  # fmt: skip
    async with aiohttp.ClientSession() as http:
        for _ in range(300):
            try:
                async with http.get(f"http://127.0.0.1:{port}/readyz") as resp:
                    if resp.status == 200:
                        return proc
            except aiohttp.ClientConnectionError:
                pass
            assert proc.returncode is None, tail(log)
            await asyncio.sleep(0.1)
    raise AssertionError("the gateway did not start\n" + tail(log))


class Load:
    """Closed-loop clients, each on fresh connections; every outcome is recorded."""

    def __init__(self, base: str, key: str) -> None:
        self.base, self.key = base, key
        self.signalled: float | None = None
        self.completed = 0
        self.in_flight_at_signal = 0
        self.lost: list[str] = []

    async def one(self, http: aiohttp.ClientSession, stream: bool) -> bool:
        """One request; False once the gateway no longer accepts connections."""
        body = {"model": "gpt-4o", "messages": HELLO, "stream": stream}
        headers = {"Authorization": f"Bearer {self.key}"}
        answered_at = None
        try:
            async with http.post(
                self.base + "/v1/chat/completions", json=body, headers=headers
            ) as r:
                answered_at = time.monotonic()
                text = await r.text()
        except aiohttp.ClientConnectorError:
            return False  # refused: never accepted
        except (aiohttp.ClientError, ConnectionError) as e:
            if answered_at is None and self.signalled is not None:
                return False  # closed before the gateway took it (the listener is gone)
            self.lost.append(f"{type(e).__name__}: {e}")
            return True
        done = text.rstrip().endswith("data: [DONE]") if stream else '"choices"' in text
        if r.status != 200 or not done:
            self.lost.append(f"{r.status}: {text[-200:]}")
        else:
            self.completed += 1
            if self.signalled is not None and answered_at < self.signalled:
                self.in_flight_at_signal += 1
        return True

    async def loop(self, stream: bool) -> None:
        connector = aiohttp.TCPConnector(force_close=True)
        async with aiohttp.ClientSession(connector=connector) as http:
            while await self.one(http, stream):
                pass


def _spent(data: Path) -> dict[str, int]:
    main = sqlite3.connect(data / "clawrouter.db")
    logs = sqlite3.connect(data / "logs.db")
    try:
        quota, used = main.execute(
            "SELECT quota, used_quota FROM users WHERE username = 'loaded'"
        ).fetchone()
        remain, key_used = main.execute(
            "SELECT remain_quota, used_quota FROM tokens WHERE user_id = (SELECT id FROM users WHERE username = 'loaded')"
        ).fetchone()
        rows, logged = logs.execute(
            "SELECT COUNT(*), COALESCE(SUM(quota), 0) FROM logs WHERE type = 2"
        ).fetchone()
    finally:
        main.close()
        logs.close()
    return {"wallet": WALLET - quota, "used": used, "key": KEY_QUOTA - remain,
            "key_used": key_used, "rows": rows, "logged": logged}  # fmt: skip


async def test_sigterm_under_load_loses_nothing_and_flushes(config: Config, tmp_path: Path):
    async with FakeUpstream() as upstream:
        key = await _seed(config, upstream)
        port, log = free_port(), tmp_path / "gateway.log"
        proc = await _start(config.server.data_dir, port, log)
        load = Load(f"http://127.0.0.1:{port}", key)
        try:
            loops = [asyncio.create_task(load.loop(stream=i % 2 == 0)) for i in range(12)]
            while load.completed < 30:
                assert not any(t.done() for t in loops), load.lost
                await asyncio.sleep(0.05)
            load.signalled = time.monotonic()
            proc.send_signal(signal.SIGTERM)
            code = await asyncio.wait_for(proc.wait(), GRACE_S + 5)
            took = time.monotonic() - load.signalled
            await asyncio.wait_for(asyncio.gather(*loops), 10)
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
        assert code == 0 and took < GRACE_S, (code, took, tail(log))
        assert not load.lost, load.lost
        assert load.in_flight_at_signal > 0, "requests were in flight at the signal"
        spent = _spent(Path(config.server.data_dir))
        assert spent["rows"] == load.completed, (spent, load.completed)
        assert spent["logged"] > 0
        assert spent["logged"] == spent["wallet"] == spent["used"], spent
        assert spent["logged"] == spent["key"] == spent["key_used"], spent
        # and it starts again on the same data and serves that key
        proc = await _start(config.server.data_dir, port, log)
        try:
            load.signalled = None
            connector = aiohttp.TCPConnector(force_close=True)
            async with aiohttp.ClientSession(connector=connector) as http:
                assert await load.one(http, stream=True) and not load.lost
            proc.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(proc.wait(), GRACE_S + 5) == 0
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
