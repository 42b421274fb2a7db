"""DuckDB store: migrations (all pending in one transaction)."""

from __future__ import annotations

import duckdb
import pytest

from auditor import store
from auditor.errors import StoreError


def _tables(conn) -> set[str]:
    return {r[0] for r in conn.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'").fetchall()}


def test_a_database_at_an_older_version_is_brought_to_the_current_one(tmp_path):
    db = tmp_path / "old.duckdb"
    conn = duckdb.connect(str(db))
    conn.execute("CREATE TABLE auditor_meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    for version, _, sql in store.migrations()[:2]:
        conn.execute(sql)
    conn.execute("INSERT INTO auditor_meta VALUES ('schema_version', '2')")
    conn.execute("INSERT INTO scans (scan_id, label, started_at, targets, tool_version) VALUES (1, 'kept', now(), ['t'], '0')")
    conn.close()
    conn = store.connect(db)
    try:
        assert store.schema_version(conn) == store.SCHEMA_VERSION
        assert {"gates", "capabilities", "manifest_entries"} <= _tables(conn)
        assert conn.execute("SELECT label FROM scans").fetchall() == [("kept",)]
    finally:
        conn.close()


def test_a_failing_migration_leaves_the_database_as_it_was(tmp_path, monkeypatch):
    good = store.migrations()
    bad = [*good[:-1], (good[-1][0], good[-1][1], good[-1][2] + "\nCREATE TABLE broken (;")]
    monkeypatch.setattr(store, "migrations", lambda: bad)
    conn = duckdb.connect(str(tmp_path / "new.duckdb"))
    try:
        with pytest.raises(StoreError, match=rf"migration {good[-1][1]} failed"):
            store.migrate(conn)
        assert store.schema_version(conn) == 0 and _tables(conn) == set()  # not half-migrated
    finally:
        conn.close()
