"""DuckDB store: migrations (all pending in one transaction) and a scan's rows exported and imported."""

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


def _scan_with_files(conn, scan_id: int, rows: list[tuple]) -> None:
    conn.execute("INSERT INTO scans (scan_id, label, started_at, targets, tool_version) VALUES (?, 'a', now(), ['t'], '0')", [scan_id])
    store.insert_rows(conn, "files", ("scan_id", "path", "language", "size", "sha256", "origin", "target"),
                      [(scan_id, *r) for r in rows])


def test_a_scan_exported_and_imported_keeps_every_row_and_type(tmp_path):
    conn = store.connect(tmp_path / "a.duckdb")
    try:
        _scan_with_files(conn, 7, [("src/a.ts", "typescript", 12, "ab" * 32, "", "t"), ("it's.py", "python", 0, "cd" * 32, "map: x", "t")])
        _scan_with_files(conn, 8, [("other.ts", "typescript", 1, "ef" * 32, "", "u")])
        exported = store.export_scan(conn, 7, tmp_path / "one.duckdb")
        assert exported["files"] == {"rows": 2, "columns": ["path", "language", "size", "sha256", "origin", "target"]}
        assert exported["flag_reads"]["rows"] == 0 and "scans" not in exported
        with store.attached(conn, tmp_path / "one.duckdb") as source:
            conn.execute("BEGIN TRANSACTION")
            store.import_scan(conn, 9, source, exported)
            conn.execute("COMMIT")
        rows = conn.execute("SELECT scan_id, path, size, origin FROM files WHERE scan_id IN (7, 9) ORDER BY scan_id, path").fetchall()
        assert rows == [(7, "it's.py", 0, "map: x"), (7, "src/a.ts", 12, ""), (9, "it's.py", 0, "map: x"), (9, "src/a.ts", 12, "")]
        with store.attached(conn, tmp_path / "one.duckdb") as source:
            with pytest.raises(StoreError, match="holds 2 rows, expected 3"):
                store.import_scan(conn, 10, source, {"files": {**exported["files"], "rows": 3}})
            with pytest.raises(duckdb.Error):
                store.import_scan(conn, 10, source, {"files": {**exported["files"], "columns": ["path", "no_such_column"]}})
    finally:
        conn.close()
    one = store.connect(tmp_path / "one.duckdb", read_only=True)  # an auditor database holding the scan as scan 1
    try:
        assert store.schema_version(one) == store.SCHEMA_VERSION
        assert one.execute("SELECT scan_id, label FROM scans").fetchall() == [(1, "a")]
        assert one.execute("SELECT scan_id, path FROM files ORDER BY path").fetchall() == [(1, "it's.py"), (1, "src/a.ts")]
    finally:
        one.close()


def _stored_scan(tmp_path, scan_id: int) -> None:
    """`a.duckdb` with scan `scan_id` of one file, exported to `stored.duckdb`."""
    conn = store.connect(tmp_path / "a.duckdb")
    try:
        _scan_with_files(conn, scan_id, [("a.ts", "typescript", 1, "ab" * 32, "", "t")])
        store.export_scan(conn, scan_id, tmp_path / "stored.duckdb")
    finally:
        conn.close()


@pytest.mark.parametrize("host", [False, True], ids=["own-connection", "host"])
def test_copy_database_creates_a_prepared_copy_whole_or_nothing(tmp_path, host):
    _stored_scan(tmp_path, 3)
    label = lambda conn: conn.execute("UPDATE scans SET label = 'copied' WHERE scan_id = 1")  # noqa: E731
    hosts = iter(store.Host() if host else None for _ in range(5))  # a host is single use
    assert store.copy_database(tmp_path / "stored.duckdb", tmp_path / "new.duckdb", label, next(hosts))
    new = store.connect(tmp_path / "new.duckdb", read_only=True)
    try:
        assert new.execute("SELECT scan_id, label FROM scans").fetchall() == [(1, "copied")]
        assert new.execute("SELECT path FROM files").fetchall() == [("a.ts",)]
    finally:
        new.close()
    assert not store.copy_database(tmp_path / "stored.duckdb", tmp_path / "new.duckdb", label)  # never overwrites
    assert not store.copy_database(tmp_path / "stored.duckdb", ":memory:", label)

    def fail(conn):
        raise StoreError("no")

    with pytest.raises(StoreError):
        store.copy_database(tmp_path / "stored.duckdb", tmp_path / "other.duckdb", fail, next(hosts))
    (tmp_path / "broken.duckdb").write_bytes(b"not a database" * 100)
    with pytest.raises(StoreError):
        store.copy_database(tmp_path / "broken.duckdb", tmp_path / "other.duckdb", label, next(hosts))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.duckdb", "broken.duckdb", "new.duckdb", "stored.duckdb"]


def test_a_host_hands_its_connection_over_once_and_a_copy_attached_to_it_is_checkpointed(tmp_path):
    _stored_scan(tmp_path, 1)
    host = store.Host()
    assert store.copy_database(tmp_path / "stored.duckdb", tmp_path / "new.duckdb",
                               lambda c: c.execute("UPDATE scans SET label = 'attached' WHERE scan_id = 1"), host)
    assert host.take() is None  # taken by the copy, and closed
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.duckdb", "new.duckdb", "stored.duckdb"]
    new = store.connect(tmp_path / "new.duckdb", read_only=True)
    try:
        # the update is in the file itself: closing the host checkpointed it (the copy's log is deleted)
        assert new.execute("SELECT scan_id, label FROM scans").fetchall() == [(1, "attached")]
        assert new.execute("SELECT path FROM files").fetchall() == [("a.ts",)]
    finally:
        new.close()


def test_the_only_scan_of_a_database_is_exported_as_a_copy_of_the_file(tmp_path, monkeypatch):
    conn = store.connect(tmp_path / "a.duckdb")
    try:
        _scan_with_files(conn, 1, [("a.ts", "typescript", 1, "ab" * 32, "", "t"), ("b.py", "python", 2, "cd" * 32, "", "t")])
        monkeypatch.setattr(store, "attached", lambda *a, **k: pytest.fail("rows inserted, not the file copied"))
        exported = store.export_scan(conn, 1, tmp_path / "one.duckdb")
        assert exported["files"] == {"rows": 2, "columns": ["path", "language", "size", "sha256", "origin", "target"]}
        _scan_with_files(conn, 2, [("c.ts", "typescript", 3, "ef" * 32, "", "t")])  # later writes stay out of the copy
    finally:
        conn.close()
    one = store.connect(tmp_path / "one.duckdb", read_only=True)
    try:
        assert one.execute("SELECT scan_id, path FROM files ORDER BY path").fetchall() == [(1, "a.ts"), (1, "b.py")]
        assert one.execute("SELECT scan_id FROM scans").fetchall() == [(1,)]
    finally:
        one.close()
