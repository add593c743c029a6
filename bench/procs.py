"""Processes the benchmark starts (each in its own process group, optionally pinned to a CPU
with taskset, stopped only through that group) and the RSS / CPU sampling of a process tree,
with psutil when it is installed and /proc otherwise."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

try:
    import psutil
except ImportError:  # /proc fallback below
    psutil = None

CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pinned(cpu: int | str | None, argv: list[str]) -> list[str]:
    if cpu is None or not shutil.which("taskset"):
        return argv
    return ["taskset", "-c", str(cpu), *argv]


class Proc:
    """A child process in its own session; stop() signals only that process group."""

    def __init__(
        self,
        name: str,
        argv: list[str],
        log_dir: Path,
        *,
        cpu: int | str | None = None,
        env: dict[str, str] | None = None,
        cwd: str | None = None,
        url: str = "",
    ) -> None:
        self.name, self.url = name, url  # url: where it serves HTTP, if it does
        self.log_path = log_dir / f"{name}.log"
        with open(self.log_path, "ab") as log:
            self.popen = subprocess.Popen(
                pinned(cpu, argv),
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, **(env or {})},
                cwd=cwd,
                start_new_session=True,
            )
        self.pid = self.popen.pid  # taskset execs the command: same pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def wait_http(self, url: str, timeout: float = 30) -> None:
        """Until url answers anything over HTTP; raises with the log tail otherwise."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                raise RuntimeError(f"{self.name} exited ({self.popen.returncode}):\n{self.tail()}")
            try:
                with urllib.request.urlopen(url, timeout=2):
                    return
            except urllib.error.HTTPError:
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not answer {url} within {timeout}s:\n{self.tail()}")

    def tail(self, n: int = 2000) -> str:
        try:
            return self.log_path.read_bytes()[-n:].decode("utf-8", "replace")
        except OSError:
            return ""

    def stop(self, grace: float = 10) -> None:
        if not self.alive():
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGTERM)
        try:
            self.popen.wait(grace)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, signal.SIGKILL)
            self.popen.wait(5)


# ---- resource usage -----------------------------------------------------------------------------
def _proc_children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            out += [int(c) for c in (task / "children").read_text().split()]
    return out


def tree_pids(pid: int) -> list[int]:
    if psutil is not None:
        try:
            p = psutil.Process(pid)
            return [pid] + [c.pid for c in p.children(recursive=True)]
        except psutil.Error:
            return []
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        todo += _proc_children(p)
    return pids


def _rss_cpu(pid: int) -> tuple[int, float]:
    """(RSS bytes, user+system CPU seconds) of one process; zeros if it is gone."""
    if psutil is not None:
        try:
            p = psutil.Process(pid)
            t = p.cpu_times()
            return p.memory_info().rss, t.user + t.system
        except psutil.Error:
            return 0, 0.0
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        fields = stat[stat.rindex(")") + 2 :].split()
        cpu = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
        rss = int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
        return rss, cpu
    except (OSError, ValueError, IndexError):
        return 0, 0.0


def tree_usage(pid: int) -> tuple[int, float]:
    rss, cpu = 0, 0.0
    for p in tree_pids(pid):
        r, c = _rss_cpu(p)
        rss, cpu = rss + r, cpu + c
    return rss, cpu


def _system_busy() -> float:
    """CPU seconds all CPUs were busy or taken by the hypervisor (steal) since boot."""
    try:
        f = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]
    except OSError:
        return 0.0
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in f)
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS


class Background:
    """CPU that processes other than ours (or the hypervisor: steal) used while a target was
    measured: the noise.
    Ours = this process and its finished children (load generators) + the given pids' trees."""

    def __init__(self, pids: list[int]) -> None:
        self.pids = pids
        self.start = self._snapshot()

    def _snapshot(self) -> tuple[float, float, float]:
        t = os.times()
        own = t.user + t.system + t.children_user + t.children_system
        own += sum(tree_usage(p)[1] for p in self.pids)
        return time.monotonic(), _system_busy(), own

    def totals(self) -> tuple[float, float]:
        """(CPU seconds other processes used, wall seconds) since start."""
        (w0, b0, o0), (w1, b1, o1) = self.start, self._snapshot()
        return max(0.0, (b1 - b0) - (o1 - o0)), w1 - w0

    def core_percent(self) -> float:
        """Average % of one core used by other processes since start."""
        others, wall = self.totals()
        return round(others / max(wall, 1e-9) * 100, 1)


class RssSampler(threading.Thread):
    """Samples a process tree's RSS every `interval` seconds until stop()."""

    def __init__(self, pid: int, interval: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.idle = tree_usage(pid)[0]
        self.peak = self.idle
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.wait(self.interval):
            self.peak = max(self.peak, tree_usage(self.pid)[0])

    def stop(self) -> None:
        self._halt.set()
        self.join(2)
        self.peak = max(self.peak, tree_usage(self.pid)[0])
