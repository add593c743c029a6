"""A real MariaDB/MySQL server for the import-newapi tests: a fresh data directory in a temp
folder, listening on a free 127.0.0.1 port with grant tables off (any user, no password),
stopped and removed at the end. Without the server programs, find_server() returns None and
the MySQL tests are skipped (and say so)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def find_server() -> tuple[str, str] | None:
    """(install-db program, server program), or None when MariaDB/MySQL is not installed."""
    for install, server in (("mariadb-install-db", "mariadbd"), ("mysql_install_db", "mysqld")):
        found = (
            shutil.which(install),
            shutil.which(server) or shutil.which(server, path="/usr/sbin"),
        )
        if all(found):
            return found  # type: ignore[return-value]
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class MysqlServer:
    def __init__(self, install: str, server: str) -> None:
        self.install, self.server = install, server
        self.root = Path(tempfile.mkdtemp(prefix="clawrouter-mysql-"))
        self.port = _free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.user = "root" if os.geteuid() == 0 else os.environ.get("USER", "nobody")

    def dsn(self, database: str) -> str:
        """new-api's own SQL_DSN form."""
        return f"root@tcp(127.0.0.1:{self.port})/{database}"

    def start(self) -> None:
        data = self.root / "data"
        subprocess.run(
            [self.install, "--no-defaults", f"--datadir={data}", f"--user={self.user}",
             "--auth-root-authentication-method=normal", "--skip-test-db"],
            check=True, capture_output=True,
        )  # fmt: skip
        self.proc = subprocess.Popen(
            [self.server, "--no-defaults", f"--datadir={data}", f"--port={self.port}",
             "--bind-address=127.0.0.1", f"--socket={self.root / 'sock'}",
             f"--user={self.user}", "--skip-grant-tables", "--skip-name-resolve",
             f"--pid-file={self.root / 'pid'}", f"--log-error={self.root / 'log'}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("the MySQL server stopped: " + self._log())
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("the MySQL server did not start: " + self._log())

    def _log(self) -> str:
        try:
            return (self.root / "log").read_text(errors="replace")[-2000:]
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        try:
            if self.proc is not None and self.proc.poll() is None:
                self.proc.terminate()
                self.proc.wait(timeout=30)
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
