"""Shared fixtures (a scan helper that writes to a temp database and returns a read connection, a
private extraction cache) and the pytest-xdist set-up: workers get the run's terminal size, one file runs
in this process."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from auditor import store
from auditor.config import Config, find_config, load_config
from auditor.scan import run_scan

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True, scope="session")
def _private_extraction_cache(tmp_path_factory):
    """The suite neither reads nor fills the user's extraction cache, nor one an earlier run left:
    results taken from there would skip the code a test means to run."""
    patch = pytest.MonkeyPatch()
    patch.setenv("AUDITOR_CACHE_DIR", str(tmp_path_factory.mktemp("auditor-cache")))
    yield
    patch.undo()


@pytest.hookimpl(optionalhook=True, tryfirst=True)
def pytest_xdist_auto_num_workers(config):
    """No workers (this process) for a run of one test file: with `--dist loadfile` one worker would
    run it all, after starting up for longer than a small file takes. None: xdist's count."""
    files = {arg.split("::")[0] for arg in config.args}
    return 0 if len(files) == 1 and files.pop().endswith(".py") else None


TERMINAL_ENV = ("COLUMNS", "LINES")
"""Terminal size variables: the CLI's text output depends on them. An xdist worker starts with
COLUMNS=80 and LINES=24 set; each gets the values of the run that started it instead."""


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    """xdist, in the controller: hand each worker this process's terminal size variables."""
    node.workerinput["terminal_env"] = {name: os.environ.get(name) for name in TERMINAL_ENV}


@pytest.fixture(autouse=True, scope="session")
def _terminal_env_of_the_run(request):
    """In an xdist worker, the terminal size variables as the run that started it has them."""
    given = getattr(request.config, "workerinput", {}).get("terminal_env")
    patch = pytest.MonkeyPatch()
    for name, value in (given or {}).items():
        if value is None:
            patch.delenv(name, raising=False)
        else:
            patch.setenv(name, value)
    yield
    patch.undo()


@pytest.fixture
def scan_db(tmp_path):
    """scan_db(target, config=None, label=None) → (summary, read-only connection) for a fresh database."""
    conns = []

    def _scan(*targets, config: Config | None = None, label: str | None = None, db: Path | None = None):
        db = db or tmp_path / "scan.duckdb"
        cfg = config if config is not None else load_config(find_config(Path(targets[0])))
        summary = run_scan([str(t) for t in targets], db, label, cfg)
        conn = store.connect(db, read_only=True)
        conns.append(conn)
        return summary, conn

    yield _scan
    for c in conns:
        c.close()
