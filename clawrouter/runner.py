"""run(config): serve on uvloop when available; SIGTERM/SIGINT stop accepting, let in-flight
requests finish within the grace period, then run every cleanup (writers flush, stores close)."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable

from aiohttp import web

from clawrouter import __version__
from clawrouter.app import create_app
from clawrouter.config import Config
from clawrouter.logs import AccessLogger

log = logging.getLogger("clawrouter")


async def serve(config: Config, *, on_ready: Callable[[str], None] | None = None) -> int:
    app = create_app(config)
    kwargs = (
        {"access_log_class": AccessLogger} if config.logging.access_log else {"access_log": None}
    )
    runner = web.AppRunner(
        app,
        handle_signals=False,
        shutdown_timeout=config.server.shutdown_grace_seconds,
        **kwargs,
    )
    await runner.setup()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
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
        host, port = runner.addresses[0][:2]
        url = f"http://{host}:{port}"
        log.info("ClawRouter %s listening on %s (data in %s)", __version__, url, config.data_dir)
        if on_ready:
            on_ready(url)
        await stop.wait()
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
    try:
        import uvloop
    except ImportError:  # pragma: no cover - Windows
        return asyncio.run(serve(config))
    return uvloop.run(serve(config))
