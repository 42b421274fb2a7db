"""Bad input never stops a scan: each problem is a diagnostics row and the scan goes on.

A missing target is a one-line error with exit code 2, and a scan that fails leaves the scans
already in the database intact.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from auditor import store
from auditor.cli import app
from auditor.config import Config
from auditor.errors import StoreError, TargetError
from auditor.scan import run_scan

GOOD = "import posthog\n\nif posthog.feature_enabled('good-flag', 'u'):\n    pass\n"


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return path


def diagnostics(conn, scan_id: int) -> list[tuple]:
    return conn.execute(
        "SELECT path, code, severity, line FROM diagnostics WHERE scan_id = ? ORDER BY path, code", [scan_id]
    ).fetchall()


def reads(conn, scan_id: int) -> list[tuple]:
    return conn.execute(
        "SELECT path, line, flag_key FROM flag_reads WHERE scan_id = ? ORDER BY path, line", [scan_id]
    ).fetchall()


def test_binary_file_is_a_diagnostic_and_not_parsed(tmp_path, scan_db):
    write(tmp_path / "blob.js", b"\x00\x01\x02variation('x', c, false)\x00")
    write(tmp_path / "good.py", GOOD)
    summary, conn = scan_db(tmp_path, config=Config())
    assert diagnostics(conn, summary.scan_id) == [("blob.js", "binary-file", "warning", None)]
    assert reads(conn, summary.scan_id) == [("good.py", 3, "good-flag")]
    assert summary.files == 2 and summary.diagnostics == 1


def test_non_utf8_file_is_parsed_with_replacement_and_its_reads_kept(tmp_path, scan_db):
    write(tmp_path / "latin1.py", "# caf\xe9\nimport posthog\nposthog.feature_enabled('latin-flag', 'u')\n".encode("latin-1"))
    summary, conn = scan_db(tmp_path, config=Config())
    assert diagnostics(conn, summary.scan_id) == [("latin1.py", "not-utf8", "warning", 1)]
    assert reads(conn, summary.scan_id) == [("latin1.py", 3, "latin-flag")]


def test_syntax_error_is_noted_with_its_line_and_the_rest_of_the_file_scanned(tmp_path, scan_db):
    write(tmp_path / "broken.ts", (
        "import * as ld from 'launchdarkly-node-server-sdk';\n"
        "const a = ld.variation('before-error', ctx, false);\n"
        "function oops( {\n"
        "const b = ld.variation('after-error', ctx, false);\n"
    ))
    write(tmp_path / "broken.py", "import posthog\ndef f(:\n    pass\nposthog.feature_enabled('py-after-error', 'u')\n")
    summary, conn = scan_db(tmp_path, config=Config())
    diags = diagnostics(conn, summary.scan_id)
    assert [(p, c, s) for p, c, s, _ in diags] == [("broken.py", "syntax-error", "note"), ("broken.ts", "syntax-error", "note")]
    assert dict((p, line) for p, _, _, line in diags) == {"broken.py": 2, "broken.ts": 3}
    keys = {k for _, _, k in reads(conn, summary.scan_id)}
    assert {"before-error", "after-error", "py-after-error"} <= keys


def test_file_larger_than_max_file_bytes_is_scanned_up_to_the_limit(tmp_path, scan_db):
    head = "import posthog\nposthog.feature_enabled('in-the-head', 'u')\n"
    tail = "#" * 200 + "\nposthog.feature_enabled('in-the-tail', 'u')\n"
    write(tmp_path / "big.py", head + tail)
    summary, conn = scan_db(tmp_path, config=Config(max_file_bytes=len(head) + 10))
    assert diagnostics(conn, summary.scan_id) == [("big.py", "file-truncated", "note", None)]
    assert reads(conn, summary.scan_id) == [("big.py", 2, "in-the-head")]
    size = conn.execute("SELECT size FROM files WHERE path = 'big.py'").fetchone()[0]
    assert size == len(head + tail)  # the file's real size is recorded


def test_unreadable_file_is_a_diagnostic_and_the_scan_goes_on(tmp_path, scan_db, monkeypatch):
    secret = write(tmp_path / "secret.py", GOOD)
    write(tmp_path / "good.py", GOOD)
    real_open = os.open  # the directory reader opens with os.open (O_NOFOLLOW | O_NONBLOCK, then fstat)

    def guarded_open(file, *args, **kwargs):  # works for root too, unlike chmod 000
        if Path(file) == secret:
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(os, "open", guarded_open)
    summary, conn = scan_db(tmp_path, config=Config())
    assert diagnostics(conn, summary.scan_id) == [("secret.py", "unreadable", "warning", None)]
    assert reads(conn, summary.scan_id) == [("good.py", 3, "good-flag")]


def test_every_bad_input_at_once_is_counted_in_the_summary(tmp_path):
    write(tmp_path / "blob.js", b"\x00\x00")
    write(tmp_path / "latin1.py", b"x = '\xe9'\n")
    write(tmp_path / "broken.js", "function (\n")
    write(tmp_path / "good.py", GOOD)
    result = CliRunner().invoke(app, ["scan", str(tmp_path), "--db", str(tmp_path / "a.duckdb"), "--config", str(write(tmp_path / "c.toml", ""))])
    assert result.exit_code == 0, result.output
    assert ": 4 files, " in result.output and ", 3 diagnostics, " in result.output


@pytest.mark.parametrize("target", ["does/not/exist", "README.md"])
def test_missing_or_unsupported_target_is_one_line_and_exit_2(tmp_path, target):
    write(tmp_path / "README.md", "# hi\n")
    db = tmp_path / "a.duckdb"
    result = CliRunner().invoke(app, ["scan", str(tmp_path / target), "--db", str(db), "--quiet"])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("auditor: error:")
    assert ("not found" if "exist" in target else "unsupported target") in lines[0]
    assert not db.exists()


def test_missing_database_for_readers_is_exit_2(tmp_path):
    for args in (["flags"], ["sql", "SELECT 1"]):
        result = CliRunner().invoke(app, [*args, "--db", str(tmp_path / "none.duckdb")])
        assert result.exit_code == 2 and "database not found" in result.output


def _snapshot(db: Path) -> dict:
    conn = duckdb.connect(str(db), read_only=True)
    try:
        tables = [r[0] for r in conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' AND table_name <> 'auditor_meta'").fetchall()]
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in sorted(tables)}
    finally:
        conn.close()


def test_a_failed_scan_leaves_earlier_scans_intact(tmp_path, monkeypatch):
    write(tmp_path / "src" / "good.py", GOOD)
    db = tmp_path / "a.duckdb"
    first = run_scan([str(tmp_path / "src")], db, "first", Config())
    before = _snapshot(db)

    # a target error fails before anything is written
    with pytest.raises(TargetError):
        run_scan([str(tmp_path / "src"), str(tmp_path / "missing")], db, "second", Config())
    assert _snapshot(db) == before

    # a failure in the middle of the write transaction rolls the whole scan back
    real_insert = store.insert_rows

    def failing_insert(conn, table, columns, rows):
        if table == "flag_definitions":
            raise StoreError("disk full (simulated)")
        return real_insert(conn, table, columns, rows)

    monkeypatch.setattr(store, "insert_rows", failing_insert)
    with pytest.raises(StoreError, match="simulated"):
        run_scan([str(tmp_path / "src")], db, "third", Config())
    monkeypatch.undo()
    assert _snapshot(db) == before

    conn = store.connect(db, read_only=True)
    try:
        assert conn.execute("SELECT scan_id, label FROM scans").fetchall() == [(first.scan_id, "first")]
        assert store.latest_scan_id(conn) == first.scan_id
    finally:
        conn.close()
    # and the next scan gets the next id
    assert run_scan([str(tmp_path / "src")], db, "fourth", Config()).scan_id == first.scan_id + 1
