"""`auditor sql` is read-only: no file access, no settings, one SELECT, a timeout; strings redacted."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from auditor import store
from auditor.cli import app


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("sqldb") / "a.duckdb"
    conn = store.connect(path)
    try:
        conn.execute("INSERT INTO scans (scan_id, label, started_at, finished_at, targets, tool_version) VALUES (1, 'x', now(), now(), ['t'], '0')")
    finally:
        conn.close()
    return path


def sql(db, query: str, *extra: str):
    return CliRunner().invoke(app, ["sql", "--db", str(db), "--format", "json", *extra, query])


def test_a_select_runs(db):
    r = sql(db, "SELECT label FROM scans")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output) == [{"label": "x"}]


@pytest.mark.parametrize("query, refused", [
    ("ATTACH '/tmp/other.duckdb' AS o", "ATTACH"),
    ("DETACH o", "DETACH"),
    ("INSTALL httpfs", "INSTALL / LOAD"),
    ("LOAD httpfs", "INSTALL / LOAD"),
    ("SET threads = 1", "SET"),
    ("RESET threads", "SET"),
    ("PRAGMA version", "PRAGMA"),
    ("COPY scans TO '{tmp}/out.csv'", "COPY"),
    ("COPY (SELECT 1) TO '{tmp}/out.csv'", "COPY"),
    ("EXPORT DATABASE '{tmp}/exported'", "EXPORT"),
    ("CALL pragma_version()", "CALL"),
    ("CREATE TABLE t (a INT)", "CREATE"),
    ("DELETE FROM scans", "DELETE"),
    ("BEGIN TRANSACTION", "transaction"),
    ("SELECT 1; SELECT 2", "one statement at a time (2 given)"),
    ("SELECT 1; COPY scans TO '{tmp}/out.csv'", "one statement at a time"),
])
def test_every_other_statement_is_refused_in_one_line_with_exit_2(db, tmp_path, query, refused):
    r = sql(db, query.format(tmp=tmp_path))
    assert r.exit_code == 2
    assert "refused" in r.output and refused in r.output and len(r.output.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []  # nothing written


@pytest.mark.parametrize("query", [
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM read_text('/etc/hostname')",
    "SELECT * FROM glob('/etc/*')",
    "SELECT * FROM '/etc/passwd'",
    "SELECT * FROM read_parquet('https://example.com/x.parquet')",
])
def test_no_file_or_network_can_be_read(db, query):
    r = sql(db, query)
    assert r.exit_code == 2
    assert "root:" not in r.output and len(r.output.strip().splitlines()) == 1


def test_a_runaway_query_is_stopped_by_the_timeout(db):
    r = sql(db, "SELECT count(*) FROM range(100000000000) a", "--timeout", "0.2")
    assert r.exit_code == 2
    assert "stopped" in r.output and "0.2 s" in r.output


def test_strings_in_results_are_redacted(db):
    r = sql(db, "SELECT 'https://deploy:Sup3rS3cretPw@cdn.example.com/x' AS u, 'ghp_' || 'Zq8xV2mN4bL6kJ9hG3fD1sA5pO7iU0yT2rEw' AS t")
    assert r.exit_code == 0, r.output
    assert "Sup3rS3cretPw" not in r.output and "Zq8xV2mN4bL6kJ9hG3fD1sA5pO7iU0yT2rEw" not in r.output
    assert json.loads(r.output)[0]["u"] == "https://deploy:‹redacted›@cdn.example.com/x"


def test_the_database_file_is_unchanged_by_a_refused_write(db):
    before = db.read_bytes()
    sql(db, "DROP TABLE scans")
    sql(db, "UPDATE scans SET label = 'y'")
    assert db.read_bytes() == before
