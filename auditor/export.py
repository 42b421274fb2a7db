"""Parquet shards: scans exported from a database, read back together with glob reads.

Separate CI jobs (one per package or release, on different machines) each scan into their own
database and `auditor export --parquet DIR`; any number of such exports share one directory (or
bucket), and `auditor sql --shards DIR` / `open_shards(DIR)` sees all of them as the usual tables.

Layout (Hive-style partitioning on `scan_id`):

```
DIR/
  <table>/                          one directory per table that has a scan_id column
    scan_id=<shard scan id>/        one partition per scan
      part-0.parquet                the scan's rows of that table, zstd-compressed,
                                    without the scan_id column (it is in the directory name)
```

* The **shard scan id** is not the database's counter (every database counts from 1): it is a
  63-bit integer taken from sha256 of the scan's identity (label, targets, start and finish time to
  the microsecond, tool version), so scans exported from different machines never collide and
  exporting the same scan again rewrites the same files. `scans` rows also carry `scan_uid` (the
  full hex digest), `source_scan_id` (the id in the exporting database) and `schema_version`.
* A table with no rows in a scan has no file in that scan's partition, and a table no exported scan
  has rows in has no directory: readers treat both as empty (`open_shards` does).
* Files are written to `DIR/_staging-<uuid>/` and renamed into place, so a reader never sees a
  half-written file; names starting with `_` or `.` are ignored by Spark, Trino and Hive.
* Each file's Parquet key-value metadata holds `auditor_version`, `schema_version` and `scan_uid`.
* Shards from an older auditor may lack newer columns: read with union-by-name (DuckDB
  `union_by_name=true`, Spark `mergeSchema`), missing columns are NULL.

Reading elsewhere: DuckDB / MotherDuck `read_parquet('DIR/flag_reads/*/*.parquet',
hive_partitioning=true, union_by_name=true)`; Spark `spark.read.option("mergeSchema", "true")
.parquet("DIR/flag_reads")`; Trino (Hive connector) an external table with
`external_location = 'DIR/flag_reads'`, `format = 'PARQUET'`, `partitioned_by = ARRAY['scan_id']`
(scan_id BIGINT, last column) and `CALL system.sync_partition_metadata(...)`.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import duckdb

from auditor import __version__, store
from auditor.errors import StoreError

SHARD_FILE = "part-0.parquet"


@dataclass(frozen=True, slots=True)
class ExportedScan:
    """One scan written as shards."""

    scan_id: int
    """Id in the exporting database."""
    shard_scan_id: int
    """Id in the shards (the `scan_id=` partition)."""
    scan_uid: str
    label: str


def shard_scan_uid(label: str, targets, started_at, finished_at, tool_version: str) -> str:
    """sha256 hex of a scan's identity (see the module doc)."""
    ident = json.dumps([label, list(targets or []), str(started_at), str(finished_at), tool_version], default=str)
    return hashlib.sha256(ident.encode("utf-8")).hexdigest()


def shard_scan_id(uid: str) -> int:
    """The 63-bit shard scan id of a scan uid (a positive BIGINT)."""
    return int(uid[:16], 16) & (2**63 - 1)


def export_parquet(db_path: str | Path, out_dir: str | Path, labels: list[str] | None = None) -> list[ExportedScan]:
    """Write the finished scans of the database at `db_path` (the newest scan of each of `labels`, or
    every scan) as Parquet shards under `out_dir`. Returns what was exported.

    Raises StoreError when the database cannot be read, a label has no scan, or `out_dir` cannot be written.
    """
    out = Path(out_dir)
    conn = store.connect(db_path, read_only=True)
    try:
        if labels:
            ids = sorted({store.latest_scan_id(conn, label) for label in labels})
        else:
            ids = [r[0] for r in conn.execute("SELECT scan_id FROM scans WHERE finished_at IS NOT NULL ORDER BY scan_id").fetchall()]
        if not ids:
            return []
        rows = conn.execute(
            f"SELECT scan_id, label, targets, started_at, finished_at, tool_version FROM scans WHERE scan_id IN ({', '.join(map(str, ids))}) ORDER BY scan_id"
        ).fetchall()
        exported = []
        for sid, label, targets, started, finished, version in rows:
            uid = shard_scan_uid(label, targets, started, finished, version)
            exported.append(ExportedScan(sid, shard_scan_id(uid), uid, label))
        _write(conn, out, exported, store.schema_version(conn))
    except duckdb.Error as exc:
        raise StoreError(f"export failed: {str(exc).splitlines()[0]}") from exc
    except OSError as exc:
        raise StoreError(f"cannot write shards to {out}: {exc}") from exc
    finally:
        conn.close()
    return exported


def _write(conn: duckdb.DuckDBPyConnection, out: Path, scans: list[ExportedScan], schema_version: int) -> None:
    out.mkdir(parents=True, exist_ok=True)
    staging = out / f"_staging-{uuid.uuid4().hex}"
    staging.mkdir()
    try:
        mapping = "CASE scan_id " + " ".join(f"WHEN {s.scan_id} THEN {s.shard_scan_id}" for s in scans) + " END"
        id_list = ", ".join(str(s.scan_id) for s in scans)
        uid_case = "CASE scan_id " + " ".join(f"WHEN {s.scan_id} THEN '{s.scan_uid}'" for s in scans) + " END"
        meta = f"KV_METADATA {{auditor_version: '{__version__}', schema_version: '{schema_version}'}}"
        conn = conn.cursor()  # a connection of its own: no result of the caller's left open on it
        _register_redact(conn)
        for table in store.scan_tables(conn):
            extra = ""
            if table == "scans":
                extra = f", {uid_case} AS scan_uid, scan_id AS source_scan_id, {int(schema_version)} AS schema_version"
            # One partitioned COPY per table writes every scan's partition; row order within a
            # partition is the table's insertion order (preserve_insertion_order).
            select = _redacted_columns(conn, table)
            conn.execute(
                f"COPY (SELECT {mapping} AS scan_id, {select}{extra} FROM {table} WHERE scan_id IN ({id_list})) "
                f"TO {store.sql_string(staging / table)} (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (scan_id), "
                f"FILENAME_PATTERN 'part-{{i}}', OVERWRITE_OR_IGNORE, {meta})"
            )
            _publish(staging / table, out / table)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


REDACT_UDF = "auditor_redact"


def _register_redact(conn: duckdb.DuckDBPyConnection) -> None:
    """Register `auditor.redact.redact` as the SQL function `auditor_redact(VARCHAR) -> VARCHAR`."""
    from auditor.redact import redact

    try:
        conn.create_function(REDACT_UDF, redact, ["VARCHAR"], "VARCHAR", side_effects=False)
    except duckdb.CatalogException:  # registered before on this connection
        pass


def _redacted_columns(conn: duckdb.DuckDBPyConnection, table: str) -> str:
    """The select list of `table` but `scan_id`, every text column (and list of text) passed through
    `auditor_redact`: the store redacts what it inserts, and this holds for databases written
    before it did, so no Parquet file can carry a credential."""
    cols = conn.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ? AND table_schema = 'main' "
        "ORDER BY ordinal_position", [table]).fetchall()
    out = []
    for name, ty in cols:
        if name == "scan_id":
            continue
        q = '"' + name.replace('"', '""') + '"'
        if ty == "VARCHAR":
            out.append(f"{REDACT_UDF}({q}) AS {q}")
        elif ty == "VARCHAR[]":
            out.append(f"list_transform({q}, lambda x: {REDACT_UDF}(x)) AS {q}")
        else:
            out.append(q)
    return ", ".join(out)


def _publish(staged: Path, final: Path) -> None:
    """Move each staged partition's files into place (atomic per file) and drop stale files left in
    the partition by an earlier export of the same scan."""
    if not staged.is_dir():
        return  # no rows in any exported scan
    for part in sorted(staged.iterdir()):
        target = final / part.name
        target.mkdir(parents=True, exist_ok=True)
        new = {f.name for f in part.iterdir()}
        for f in sorted(part.iterdir()):
            os.replace(f, target / f.name)
        for old in target.iterdir():
            if old.name not in new and old.suffix == ".parquet":
                old.unlink()


# -- reading ----------------------------------------------------------------------------------------
def _reference_schema() -> tuple[dict[str, list[tuple[str, str]]], list[tuple[str, str]]]:
    """Per-scan tables with their (column, type) lists, and (view name, SQL) of the schema's views,
    from an empty in-memory database at the current schema version."""
    ref = duckdb.connect(":memory:")
    try:
        store.migrate(ref)
        tables = {}
        for t in store.scan_tables(ref):
            tables[t] = [(c, ty) for c, ty in ref.execute(
                "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ? AND table_schema = 'main' ORDER BY ordinal_position",
                [t]).fetchall()]
        views = ref.execute("SELECT view_name, sql FROM duckdb_views() WHERE NOT internal AND schema_name = 'main' ORDER BY view_name").fetchall()
    finally:
        ref.close()
    return tables, views


def open_shards(shard_dir: str | Path, lock: bool = True) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection whose tables are views over the shards in `shard_dir` (same table
    and view names, same columns as a database at this auditor's schema version), for `auditor sql
    --shards` and the dashboard.

    `lock` (default): the connection may then read files only under `shard_dir`
    (`allowed_directories`, `enable_external_access = false`, configuration locked), so SQL run on it
    cannot read or write anything else on the machine.

    Raises StoreError when `shard_dir` is not a directory.
    """
    root = Path(shard_dir).resolve()
    if not root.is_dir():
        raise StoreError(f"shard directory not found: {shard_dir}")
    tables, views = _reference_schema()
    conn = duckdb.connect(":memory:")
    with store.closed_on_failure(conn, f"cannot read shards in {shard_dir}"):
        conn.execute("CREATE TABLE auditor_meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
        conn.execute("INSERT INTO auditor_meta VALUES ('schema_version', ?), ('source', 'shards')", [str(store.SCHEMA_VERSION)])
        on_disk = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith(("_", ".")))
        for table in sorted(set(tables) | set(on_disk)):
            columns = tables.get(table, [])
            glob = root / table / "*" / "*.parquet"
            has_files = (root / table).is_dir() and any((root / table).glob("*/*.parquet"))
            if has_files:
                src = (f"read_parquet({store.sql_string(glob)}, hive_partitioning = true, hive_types = {{'scan_id': BIGINT}}, "
                       f"union_by_name = true)")
                present = [r[0] for r in conn.execute(f"DESCRIBE SELECT * FROM {src}").fetchall()]
                select = [f'"{c}"' if c in present else f'CAST(NULL AS {ty}) AS "{c}"' for c, ty in columns if c != "scan_id"]
                select += [f'"{c}"' for c in present if c not in {c for c, _ in columns} and c != "scan_id"]
                conn.execute(f'CREATE VIEW "{table}" AS SELECT scan_id, {", ".join(select)} FROM {src}')
            elif columns:
                select = ["CAST(NULL AS BIGINT) AS scan_id"] + [f'CAST(NULL AS {ty}) AS "{c}"' for c, ty in columns if c != "scan_id"]
                conn.execute(f'CREATE VIEW "{table}" AS SELECT {", ".join(select)} WHERE false')
        pending = list(views)
        while pending:  # views may use each other: create in dependency order by retrying
            failed = []
            for name, sql in pending:
                try:
                    conn.execute(sql)
                except duckdb.CatalogException:
                    failed.append((name, sql))
            if len(failed) == len(pending):
                raise StoreError(f"cannot create views over shards: {', '.join(n for n, _ in failed)}")
            pending = failed
        if lock:
            conn.execute(f"SET allowed_directories = [{store.sql_string(str(root) + os.sep)}]")
            conn.execute("SET enable_external_access = false")
            conn.execute("SET lock_configuration = true")
    return conn
