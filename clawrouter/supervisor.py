"""The supervisor of `--workers N` (N > 1): applies the migrations and makes the session secret
once, binds the port once, then forks N workers that each serve the normal app on that one
listening socket (runner.serve). It forwards SIGTERM/SIGINT to them (each drains as a single
process does), restarts a worker that dies unexpectedly (with a growing delay) and exits when
they have all stopped. It runs no event loop and no request: only fork, wait and signals.

Why one inherited socket rather than SO_REUSEPORT: one accept queue for all workers, so a
connection waits for whichever worker is free (a busy worker takes fewer), a worker that dies
or drains leaves nothing stranded in a queue of its own, port 0 and privileged ports work, and
no other process can bind the port beside us. Linux only (fork); docs/scaling.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import os
import signal
import socket
import threading
import time
from dataclasses import dataclass, field

from clawrouter.config import Config
from clawrouter.worker import Worker

log = logging.getLogger("clawrouter")
STEP = 0.1  # seconds between looks at the workers
FIRST_DELAY, MAX_DELAY = 0.5, 30.0  # restart delay of a worker that keeps dying: doubles
STABLE_SECONDS = 30.0  # a worker that ran this long restarts at once (the delay resets)
_PR_SET_PDEATHSIG = 1


@dataclass(slots=True)
class _Slot:
    """One worker's place: its current process and restart bookkeeping."""

    index: int
    pid: int = 0
    started: float = 0.0
    delay: float = FIRST_DELAY
    restart_at: float = 0.0
    signals: list[int] = field(default_factory=list)


class Supervisor:
    def __init__(self, config: Config, count: int) -> None:
        self.config, self.count = config, count
        self.slots = [_Slot(i) for i in range(count)]
        self.pending: list[int] = []  # signals received, not yet forwarded
        self.stopping = False
        self.failed = False

    # ---- start -------------------------------------------------------------------------------
    def prepare(self) -> socket.socket | None:
        """Migrations and the session secret, once, before any worker; then the socket."""
        from clawrouter.auth.sessions import load_or_create_secret

        applied = asyncio.run(_migrate(self.config))
        if applied:
            log.info("migrations applied: %s", ", ".join(applied))
        _join_threads()  # the SQLite driver's threads: fork with none running
        load_or_create_secret(self.config.data_dir, self.config.security.session_secret)
        if self.config.metrics.enabled:  # /metrics sums every worker's counters
            from clawrouter.metrics import prepare_multiprocess

            prepare_multiprocess(self.config.data_dir)
        host, port = self.config.server.host, self.config.server.port
        try:
            if not host and socket.has_dualstack_ipv6():  # every address, IPv4 and IPv6 alike,
                return socket.create_server(  # as a single process binds "" (one socket here)
                    ("::", port), family=socket.AF_INET6, backlog=1024, dualstack_ipv6=True
                )
            host = host or "0.0.0.0"
            family = socket.AF_INET6 if ":" in host else socket.AF_INET
            return socket.create_server((host, port), family=family, backlog=1024)
        except OSError as e:
            log.error("cannot listen on %s:%s: %s", host, port, e.strerror or e)
            return None

    def run(self) -> int:
        sock = self.prepare()
        if sock is None:
            return 1
        from clawrouter.runner import startup_line

        host, port = sock.getsockname()[:2]
        line = startup_line(self.config, host, port)
        log.info("%s with %d workers (supervisor pid %d)", line, self.count, os.getpid())
        previous = {s: signal.signal(s, self._on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
        try:
            for slot in self.slots:
                self._spawn(slot, sock)
            self._loop(sock)
        finally:
            for s, handler in previous.items():
                signal.signal(s, handler)
            sock.close()
        log.info("stopped")
        return 1 if self.failed else 0

    def _on_signal(self, signum: int, _frame: object) -> None:
        self.pending.append(signum)

    # ---- the loop ----------------------------------------------------------------------------
    def _loop(self, sock: socket.socket) -> None:
        deadline = 0.0
        while any(s.pid for s in self.slots) or not self.stopping:
            self._forward()
            if self.stopping and not deadline:
                # our copy of the listener goes now: once the workers close theirs, new
                # connections are refused at once (as with one process), not queued unserved
                sock.close()
                cfg = self.config.server
                deadline = time.monotonic() + cfg.drain_delay_seconds + cfg.shutdown_grace_seconds
                deadline += 20.0  # the cleanups: writers flush, stores close
            if deadline and time.monotonic() > deadline:
                self._kill_all()
            self._reap()
            if not self.stopping:
                self._restart_due(sock)
            time.sleep(STEP)

    def _forward(self) -> None:
        while self.pending:
            signum = self.pending.pop(0)
            if not self.stopping:
                log.info(
                    "%s: stopping %d workers (each drains its requests in flight)",
                    signal.Signals(signum).name, self.count,
                )  # fmt: skip
            self.stopping = True
            for slot in self.slots:
                if slot.pid:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(slot.pid, signum)

    def _reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            slot = next((s for s in self.slots if s.pid == pid), None)
            if slot is None:
                continue
            slot.pid = 0
            code = os.waitstatus_to_exitcode(status)
            if self.stopping:  # stopped by the signal itself while starting up: no failure
                if code not in (0, -signal.SIGTERM, -signal.SIGINT):
                    self.failed = True
                    log.warning("worker %d (pid %d) exited with %s", slot.index, pid, _how(code))
                continue
            ran = time.monotonic() - slot.started
            slot.delay = FIRST_DELAY if ran >= STABLE_SECONDS else slot.delay
            slot.restart_at = time.monotonic() + (0.0 if ran >= STABLE_SECONDS else slot.delay)
            log.error(
                "worker %d (pid %d) exited unexpectedly with %s after %.1fs; restarting in %.1fs",
                slot.index, pid, _how(code), ran, slot.restart_at - time.monotonic(),
            )  # fmt: skip
            if ran < STABLE_SECONDS:
                slot.delay = min(slot.delay * 2, MAX_DELAY)

    def _restart_due(self, sock: socket.socket) -> None:
        now = time.monotonic()
        for slot in self.slots:
            if not slot.pid and slot.restart_at and now >= slot.restart_at:
                self._spawn(slot, sock)

    def _kill_all(self) -> None:
        for slot in self.slots:
            if slot.pid:
                log.error(
                    "worker %d (pid %d) did not stop in time: killing it", slot.index, slot.pid
                )
                self.failed = True
                with contextlib.suppress(ProcessLookupError):
                    os.kill(slot.pid, signal.SIGKILL)

    # ---- one worker --------------------------------------------------------------------------
    def _spawn(self, slot: _Slot, sock: socket.socket) -> None:
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:  # the worker: never returns into the supervisor's code
            code = 1
            try:
                code = _worker_main(self.config, sock, Worker(slot.index, self.count), parent)
            except BaseException:
                log.exception("worker %d failed", slot.index)
            finally:
                logging.shutdown()
                os._exit(code)
        slot.pid, slot.started, slot.restart_at = pid, time.monotonic(), 0.0


def _worker_main(config: Config, sock: socket.socket, worker: Worker, parent: int) -> int:
    for s in (signal.SIGTERM, signal.SIGINT):
        signal.signal(s, signal.SIG_DFL)
    # Own process group: a Ctrl-C in the terminal reaches the supervisor only, which forwards
    # it once. If the supervisor dies (even by SIGKILL), the kernel sends us SIGTERM.
    os.setpgid(0, 0)
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # it died before prctl took effect
        return 0
    from clawrouter.runner import run_worker

    return run_worker(config, sock, worker)


async def _migrate(config: Config) -> list[str]:
    from clawrouter.db.stores import open_stores

    main, logs, applied = await open_stores(config)
    await main.close()
    await logs.close()
    return applied


def _join_threads() -> None:
    for thread in threading.enumerate():
        if thread is not threading.main_thread():
            thread.join(timeout=5)


def _how(code: int) -> str:
    return f"signal {signal.Signals(-code).name}" if code < 0 else f"code {code}"


def supervise(config: Config) -> int:
    if not hasattr(os, "fork"):  # pragma: no cover - Windows
        log.error("server.workers > 1 needs fork (Linux or another Unix): run with --workers 1")
        return 2
    return Supervisor(config, config.worker_count).run()
