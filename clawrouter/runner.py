"""run(config): serve on uvloop when available; SIGTERM/SIGINT stop accepting, let in-flight
requests finish within the grace period, then run every cleanup (writers flush, stores close)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web

from clawrouter import __version__, heap
from clawrouter.app import create_app
from clawrouter.config import Config
from clawrouter.http.observe import FieldsAccessLogger
from clawrouter.keys import DRAINING
from clawrouter.worker import Worker

log = logging.getLogger("clawrouter")
_ANY = ("0.0.0.0", "::", "")


def _url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def startup_line(config: Config, host: str, port: int) -> str:
    """What the log says once listening: the address, a URL a browser on this machine can open
    (not 0.0.0.0) and the absolute data directory."""
    url = _url(host, port)
    line = f"ClawRouter {__version__} listening on {url}"
    if host in _ANY:
        line += f", open {_url('::1' if ':' in host else '127.0.0.1', port)}/ on this machine"
    return f"{line} (data in {config.data_dir.resolve()})"


def runner_options(config: Config) -> dict[str, Any]:
    """How the HTTP server runs; the test gateway uses the same. A client that hangs up cancels
    its handler at once (handler_cancellation): the relay then cancels the upstream request and
    bills what was produced, while /api writes are shielded (app.py) and complete."""
    access = (
        {"access_log_class": FieldsAccessLogger}
        if config.logging.access_log
        else {"access_log": None}
    )
    return {
        "handle_signals": False,
        "handler_cancellation": True,
        "shutdown_timeout": config.server.shutdown_grace_seconds,
        **access,
    }


async def _drain(app: web.Application, stop: asyncio.Event, delay: float) -> None:
    """Mark the gateway draining (/readyz answers 503, answers close their connection) and
    keep serving for `delay` seconds so load balancers move away; a second signal cuts it."""
    app[DRAINING].set()
    if delay <= 0:
        return
    log.info("draining: /readyz answers 503; the listener closes in %ss", delay)
    stop.clear()
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(delay):
            await stop.wait()


def _debounced(stop: asyncio.Event) -> Callable[[], None]:
    """A worker's signal handler: the same signal from systemd (to the whole control group) and
    from the supervisor (forwarded) within a second counts once, not as "stop draining now"."""
    last = [-10.0]

    def handler() -> None:
        now = time.monotonic()
        if now - last[0] >= 1.0:
            last[0] = now
            stop.set()

    return handler


async def serve(
    config: Config,
    *,
    on_ready: Callable[[str], None] | None = None,
    sock: socket.socket | None = None,
    worker: Worker | None = None,
) -> int:
    """Serve until SIGTERM/SIGINT. One of `--workers N` gets the supervisor's listening
    socket and its Worker (supervisor.py); a single process binds server.host:port itself."""
    app = create_app(config) if worker is None else create_app(config, worker=worker)
    runner = web.AppRunner(app, **runner_options(config))
    await runner.setup()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    handler = stop.set if worker is None else _debounced(stop)
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, handler)
    try:
        if sock is not None:
            site: web.BaseSite = web.SockSite(runner, sock)
        else:
            site = web.TCPSite(
                runner, config.server.host, config.server.port, backlog=1024, reuse_address=True
            )
        try:
            await site.start()
        except OSError as e:
            log.error(
                "cannot listen on %s:%s: %s",
                config.server.host,
                config.server.port,
                e.strerror or e,
            )
            return 1
        heap.tune_for_serving()  # start-up is done: freeze what it loaded (clawrouter/heap.py)
        host, port = runner.addresses[0][:2]
        url = _url(host, port)
        if worker is None:
            log.info("%s", startup_line(config, host, port))
        else:
            log.info("worker %d of %d (pid %d) serving", worker.index, worker.count, os.getpid())
        if on_ready:
            on_ready(url)
        await stop.wait()
        await _drain(app, stop, config.server.drain_delay_seconds)
        log.info(
            "shutting down: draining in-flight requests (up to %ss)",
            config.server.shutdown_grace_seconds,
        )
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
        await runner.cleanup()
    log.info("stopped")
    return 0


def run(config: Config) -> int:
    if config.worker_count > 1:
        from clawrouter.supervisor import supervise

        return supervise(config)
    try:
        import uvloop
    except ImportError:  # pragma: no cover - Windows
        return asyncio.run(serve(config))
    return uvloop.run(serve(config))


def run_worker(config: Config, sock: socket.socket, worker: Worker) -> int:
    """One worker process of the supervisor: the normal app on uvloop, on the shared socket."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - Windows
        return asyncio.run(serve(config, sock=sock, worker=worker))
    return uvloop.run(serve(config, sock=sock, worker=worker))
