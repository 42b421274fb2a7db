"""Locate and launch the Streamlit dashboard (`auditor app`). No printing here: `cli.py` does that."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from auditor.errors import AuditorError
from auditor.resources import shipped_dir

HOST = "127.0.0.1"


def app_dir() -> Path:
    """The dashboard shipped with the package (`auditor/_app` in a wheel, `app/` in a checkout)."""
    found = shipped_dir("app", "streamlit_app.py")
    if found is None:
        raise AuditorError("dashboard files not found (neither auditor/_app nor app/)")
    return found


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def check_port(port: int) -> None:
    """Raise AuditorError when `port` is taken on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((HOST, port))
        except OSError as exc:
            raise AuditorError(f"port {port} is in use on {HOST}: pick another with --port (0 picks a free one)") from exc


def command(port: int) -> list[str]:
    """The `streamlit run` command line serving the dashboard on 127.0.0.1:`port`, headless, no telemetry."""
    return [
        sys.executable, "-m", "streamlit", "run", str(app_dir() / "streamlit_app.py"),
        "--server.address", HOST,
        "--server.port", str(port),
        "--server.headless", "true",
        "--server.fileWatcherType", "none",
        "--server.runOnSave", "false",
        "--browser.gatherUsageStats", "false",
        "--global.developmentMode", "false",
        "--client.toolbarMode", "viewer",
        "--theme.base", "light",
    ]


def prepare(db: Path, port: int) -> tuple[list[str], dict[str, str]]:
    """(argv, environment) serving the dashboard on database `db` at 127.0.0.1:`port`.

    Raises AuditorError for a missing database or a busy port.
    """
    db = Path(db).expanduser().resolve()
    if not db.is_file():
        raise AuditorError(f"database not found: {db} (run `auditor scan --db {db}` first)")
    check_port(port)
    return command(port), dict(os.environ, AUDITOR_DB=str(db), STREAMLIT_BROWSER_GATHER_USAGE_STATS="false")


def start(db: Path, port: int) -> subprocess.Popen:
    """Start the dashboard in a child process (for tests and benchmarks; `auditor app` execs instead)."""
    argv, env = prepare(db, port)
    return subprocess.Popen(argv, env=env)


def exec_(db: Path, port: int) -> None:
    """Replace this process with the Streamlit server, so that a signal stopping `auditor app` stops
    the server itself (a child process would outlive a terminated parent)."""
    argv, env = prepare(db, port)
    os.execve(argv[0], argv, env)
