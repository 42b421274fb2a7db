"""Parquet shards: export, read back through glob views, many machines into one directory."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from auditor import store
from auditor.cli import app
from auditor.config import Config
from auditor.errors import StoreError
from auditor.export import export_parquet, open_shards
from auditor.scan import run_scan

FIXTURE = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def scanned(tmp_path_factory) -> Path:
    """A database with one real scan of a small project."""
    root = tmp_path_factory.mktemp("exp")
    proj = root / "proj"
    (proj / "src").mkdir(parents=True)
    (proj / "src" / "flags.ts").write_text('export enum F { A = "alpha", B = "beta", Unused = "unused" }\n')
    (proj / "src" / "app.ts").write_text(
        'import { F } from "./flags";\nimport { init } from "launchdarkly-node-server-sdk";\n'
        'const ld = init("k");\nexport const a = ld.variation(F.A, {}, false) && ld.variation(F.B, {}, true);\n'
        "export const e = process.env.DEBUG_MODE;\n"
    )
    (proj / "app.py").write_text('import os\nif os.environ.get("PY_FLAG"):\n    pass\n')
    db = root / "one.duckdb"
    run_scan([str(proj)], db, "proj", Config())
    return db


def _copy(db: Path, to: Path) -> Path:
    to.write_bytes(db.read_bytes())
    return to


def _replicate(db: Path, n: int, prefix: str) -> None:
    """Turn scan 1 into scans 1..n (distinct labels and start times), one INSERT per table."""
    conn = store.connect(db)
    try:
        for table in store.scan_tables(conn):
            if table == "scans":
                conn.execute(
                    "INSERT INTO scans SELECT scans.* REPLACE (r.i AS scan_id, ? || '-' || r.i AS label, "
                    "started_at + to_seconds(r.i) AS started_at) FROM scans, range(2, ?) r(i) WHERE scan_id = 1",
                    [prefix, n + 1])
            else:
                conn.execute(f"INSERT INTO {table} SELECT {table}.* REPLACE (r.i AS scan_id) FROM {table}, range(2, ?) r(i) WHERE scan_id = 1", [n + 1])
        conn.execute("UPDATE scans SET label = ? || '-1' WHERE scan_id = 1", [prefix])
    finally:
        conn.close()


def test_every_table_round_trips_with_the_same_rows_in_the_same_order(scanned, tmp_path):
    out = tmp_path / "shards"
    (exported,) = export_parquet(scanned, out)
    src = duckdb.connect(str(scanned), read_only=True)
    shards = open_shards(out)
    try:
        for table in store.scan_tables(src):
            drop = "scan_id" if table != "scans" else "scan_id, scan_uid, source_scan_id, schema_version"
            want = src.execute(f"SELECT * EXCLUDE (scan_id) FROM {table}").fetchall()
            got = shards.execute(f"SELECT * EXCLUDE ({drop}) FROM {table}").fetchall()
            assert got == want, table
            ids = {r[0] for r in shards.execute(f"SELECT DISTINCT scan_id FROM {table}").fetchall()}
            assert ids <= {exported.shard_scan_id}
        assert shards.execute("SELECT count(*) FROM flag_reads").fetchone()[0] >= 4
        # the schema's views work over the shards unchanged
        for view in ("flags", "flags_unread"):
            want = src.execute(f"SELECT * EXCLUDE (scan_id) FROM {view} ORDER BY ALL").fetchall()
            got = shards.execute(f"SELECT * EXCLUDE (scan_id) FROM {view} ORDER BY ALL").fetchall()
            assert got == want, view
        uid, source_id, version = shards.execute("SELECT scan_uid, source_scan_id, schema_version FROM scans").fetchone()
        assert (uid, source_id, version) == (exported.scan_uid, 1, store.SCHEMA_VERSION)
    finally:
        src.close()
        shards.close()


def test_two_hundred_and_twenty_scans_from_two_machines_share_one_directory(scanned, tmp_path):
    """Both databases number their scans 1..n; the shard ids must not collide."""
    a, b = _copy(scanned, tmp_path / "a.duckdb"), _copy(scanned, tmp_path / "b.duckdb")
    _replicate(a, 120, "machine-a")
    _replicate(b, 100, "machine-b")
    out = tmp_path / "shards"
    ea, eb = export_parquet(a, out), export_parquet(b, out)
    assert len(ea) == 120 and len(eb) == 100
    assert len({e.shard_scan_id for e in ea} | {e.shard_scan_id for e in eb}) == 220
    assert len(list((out / "scans").glob("scan_id=*/*.parquet"))) == 220
    per_scan = duckdb.connect(str(scanned), read_only=True).execute("SELECT count(*) FROM flag_reads").fetchone()[0]

    conn = open_shards(out)
    try:
        assert conn.execute("SELECT count(*), count(DISTINCT scan_id) FROM scans").fetchone() == (220, 220)
        assert conn.execute("SELECT count(*) FROM flag_reads").fetchone()[0] == 220 * per_scan
        by_machine = dict(conn.execute(
            "SELECT split_part(label, '-', 2), count(DISTINCT r.scan_id) FROM flag_reads r JOIN scans USING (scan_id) GROUP BY 1").fetchall())
        assert by_machine == {"a": 120, "b": 100}
    finally:
        conn.close()

    # exporting again rewrites the same files: nothing is duplicated
    export_parquet(b, out, ["machine-b-7"])
    result = CliRunner().invoke(app, ["sql", "--shards", str(out), "--format", "csv", "SELECT count(*) AS n FROM scans"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["n", "220"]


def test_cli_export_then_sql_over_shards(scanned, tmp_path):
    out = tmp_path / "cli-shards"
    runner = CliRunner()
    done = runner.invoke(app, ["export", "--parquet", str(out), "--db", str(scanned), "--scan", "proj"])
    assert done.exit_code == 0, done.output
    assert "1 scan exported" in done.stdout
    q = runner.invoke(app, ["sql", "--shards", str(out), "--format", "json",
                            "SELECT flag_key FROM flag_reads WHERE resolved ORDER BY flag_key"])
    assert q.exit_code == 0, q.output
    assert "alpha" in q.stdout and "DEBUG_MODE" in q.stdout
    missing = runner.invoke(app, ["sql", "--shards", str(tmp_path / "nope"), "SELECT 1"])
    assert missing.exit_code == 2 and "shard directory not found" in missing.output


def test_shard_connection_reads_nothing_outside_its_directory(scanned, tmp_path):
    out = tmp_path / "locked"
    export_parquet(scanned, out)
    secret = tmp_path / "secret.csv"
    secret.write_text("a\n1\n")
    conn = open_shards(out)
    try:
        with pytest.raises(duckdb.Error):
            conn.execute(f"SELECT * FROM read_csv('{secret}')").fetchall()
        with pytest.raises(duckdb.Error):
            conn.execute("SET enable_external_access = true")
    finally:
        conn.close()


def test_tables_without_shards_are_empty_views_with_the_schema(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    conn = open_shards(empty)
    try:
        assert conn.execute("SELECT count(*) FROM flag_reads").fetchone() == (0,)
        cols = [r[0] for r in conn.execute("DESCRIBE flag_reads").fetchall()]
        assert cols[:3] == ["scan_id", "path", "line"]
        assert conn.execute("SELECT count(*) FROM flags").fetchone() == (0,)
    finally:
        conn.close()
    with pytest.raises(StoreError):
        open_shards(tmp_path / "missing")
