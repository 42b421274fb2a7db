"""DuckDB storage: versioned schema migrations, one transaction per scan, batched inserts.

The schema lives in `auditor/schema/NNN_name.sql`; migration N brings the database to schema
version N and is recorded in `auditor_meta`. Writers hold the database only for the final write
transaction of a scan, so readers (the dashboard) are locked out for as short a time as possible.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import shutil
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from importlib import resources
from pathlib import Path

import duckdb

from auditor.errors import StoreError


def migrations() -> list[tuple[int, str, str]]:
    """(version, file name, SQL) for every migration shipped in `auditor/schema`, in order."""
    out = []
    for entry in resources.files("auditor.schema").iterdir():
        m = re.match(r"^(\d{3})_[\w-]+\.sql$", entry.name)
        if m:
            out.append((int(m.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    return sorted(out)


SCHEMA_VERSION = max(v for v, _, _ in migrations())


LOCK_TIMEOUT_S = 30.0
"""How long `connect` waits for another process's lock on the file (a scan writing, or the dashboard
taking its snapshot) before giving up."""


def connect(path: str | Path, read_only: bool = False, lock_timeout: float | None = None) -> duckdb.DuckDBPyConnection:
    """Open (and for writers, migrate) the database at `path`.

    DuckDB lets one process write a file, and a writer locks out readers in other processes (and
    readers lock out writers), so a conflicting lock is retried for `lock_timeout` seconds
    (default `LOCK_TIMEOUT_S`) before giving up.

    Raises StoreError when the file cannot be opened (still locked, not a DuckDB file, or written
    by a newer auditor).
    """
    path = str(path)
    deadline = time.monotonic() + (LOCK_TIMEOUT_S if lock_timeout is None else lock_timeout)
    while True:
        try:
            if read_only:
                if path != ":memory:" and not Path(path).exists():
                    raise StoreError(f"database not found: {path} (run `auditor scan` first)")
                conn = duckdb.connect(path, read_only=True)
            else:
                conn = duckdb.connect(path)
            break
        except duckdb.Error as exc:
            if "Could not set lock" in str(exc) and time.monotonic() < deadline:
                time.sleep(0.1)
                continue
            raise StoreError(f"cannot open database {path}: {str(exc).splitlines()[0]}") from exc
    if not read_only:
        migrate(conn)
    else:
        version = schema_version(conn)
        if version > SCHEMA_VERSION:
            raise StoreError(f"{path} has schema version {version}; this auditor reads up to {SCHEMA_VERSION}")
    return conn


def schema_version(conn: duckdb.DuckDBPyConnection) -> int:
    """The database's schema version (0 for an empty database)."""
    try:
        row = conn.execute("SELECT value FROM auditor_meta WHERE key = 'schema_version'").fetchone()
    except duckdb.CatalogException:
        return 0
    return int(row[0]) if row else 0


def migrate(conn: duckdb.DuckDBPyConnection) -> int:
    """Apply the pending migrations, all in one transaction (a failure leaves the database as it
    was; one commit instead of one per migration halves the time to create a database). Returns
    the new schema version. Raises StoreError naming the migration that failed."""
    current = schema_version(conn)
    if current > SCHEMA_VERSION:
        raise StoreError(f"database has schema version {current}; this auditor knows up to {SCHEMA_VERSION}")
    pending = [m for m in migrations() if m[0] > current]
    if not pending:
        return current
    conn.execute("BEGIN TRANSACTION")
    name = pending[0][1]
    try:
        conn.execute("CREATE TABLE IF NOT EXISTS auditor_meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
        for version, name, sql in pending:
            conn.execute(sql)
        conn.execute("INSERT OR REPLACE INTO auditor_meta VALUES ('schema_version', ?)", [str(pending[-1][0])])
        conn.execute("COMMIT")
    except duckdb.Error as exc:
        conn.execute("ROLLBACK")
        raise StoreError(f"migration {name} failed: {exc}") from exc
    return pending[-1][0]


def preload() -> None:
    """Import, in a background thread, what the first batch insert needs (numpy, 0.08 s), so a scan
    pays for it while its workers parse instead of in the write at the end."""
    import threading

    def work() -> None:
        try:
            import numpy  # noqa: F401
        except Exception:  # noqa: BLE001 - broken: the insert reports it
            pass

    threading.Thread(target=work, name="auditor-preload", daemon=True).start()


BATCH_ROWS = 50_000
"""Rows per batch in `insert_rows`: one INSERT per batch, never one per row, and memory for at most
one batch of converted rows at a time."""


def insert_rows(conn: duckdb.DuckDBPyConnection, table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Insert rows (tuples in `columns` order) in batches of `BATCH_ROWS`, consuming `rows` lazily.
    Returns the number inserted. Every string is made valid UTF-8 and redacted on the way in
    (`_safe_columns`).

    A batch goes to DuckDB as a dict of numpy object arrays, one per column, which DuckDB scans
    directly (its NumPy scan; values are converted to each column's type, SQL NULL for None, a list
    for a Python list). As fast as an Arrow table (0.04 s for 50,000 rows of 6 columns) without
    importing pyarrow, whose `pa.array` imports pandas on first use: 0.3 s of CPU in every scan."""
    import numpy as np

    it = iter(rows)
    total = 0
    while True:
        batch = list(itertools.islice(it, BATCH_ROWS))
        if not batch:
            return total
        n = len(batch)
        # fromiter, not np.array: a column of equal-length lists must stay one object per row
        frame = {c: np.fromiter(v, dtype=object, count=n) for c, v in zip(columns, _safe_columns(zip(*batch)))}
        conn.register("_auditor_batch", frame)
        try:
            conn.execute(f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(columns)} FROM _auditor_batch")
        finally:
            conn.unregister("_auditor_batch")
        total += n


def _safe_columns(columns: Iterable[Sequence]) -> Iterator[Sequence]:
    """The text boundary of the database: every string cell (and string in a list cell) of every
    column made valid UTF-8 and its credentials redacted (`auditor.redact`), one RE2 pass per
    column. Scanned content reaches tables only through `insert_rows`, so this is the one place
    that decides what a stored string may hold (snippets, default values, key expressions, URLs,
    entry paths, messages, evidence)."""
    from auditor.redact import clean_value, redact_many

    for col in columns:
        if any(isinstance(v, str) for v in col):
            yield redact_many(col)
        elif any(isinstance(v, (list, tuple)) for v in col):
            yield [clean_value(v) for v in col]
        else:
            yield col


def insert_records(conn: duckdb.DuckDBPyConnection, scan_id: int, records: Iterable) -> int:
    """Insert dataclass records that name their table in a `TABLE` class attribute (the artifact
    records of `models`), the fields as columns plus `scan_id`. Returns the number inserted."""
    import dataclasses

    by_type: dict[type, list] = {}
    for rec in records:
        by_type.setdefault(type(rec), []).append(rec)
    n = 0
    for cls, recs in by_type.items():
        names = [f.name for f in dataclasses.fields(cls)]
        rows = ((scan_id, *(list(v) if isinstance(v, tuple) else v for v in (getattr(r, c) for c in names))) for r in recs)
        n += insert_rows(conn, cls.TABLE, ("scan_id", *names), rows)
    return n


def schema_digest() -> str:
    """sha256 over every migration's file name and SQL: part of the key of a scan stored whole in the
    extraction cache (see `export_scan`), so a schema change never replays rows of another shape."""
    import hashlib

    h = hashlib.sha256()
    for _, name, sql in migrations():
        h.update(f"{name}\0{sql}\0".encode())
    return h.hexdigest()


def scan_tables(conn: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """Every base table with a `scan_id` column (the per-scan tables), `scans` first, then by name:
    table name → its columns other than `scan_id`, in the table's order."""
    rows = conn.execute(
        """SELECT c.table_name, c.column_name FROM information_schema.columns c
           JOIN information_schema.tables t USING (table_schema, table_name)
           WHERE t.table_type = 'BASE TABLE' AND c.table_schema = 'main'
           ORDER BY c.table_name, c.ordinal_position"""
    ).fetchall()
    tables: dict[str, list[str]] = {}
    for table, column in rows:
        tables.setdefault(table, []).append(column)
    return {t: [c for c in tables[t] if c != "scan_id"]
            for t in sorted(tables, key=lambda n: (n != "scans", n)) if "scan_id" in tables[t]}


def sql_string(value: str | Path) -> str:
    """`value` as a SQL string literal (for statements that take no parameters there, such as COPY's file)."""
    return "'" + str(value).replace("'", "''") + "'"


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def row_counts(conn: duckdb.DuckDBPyConnection, tables: Sequence[str], scan_id: int | None = None) -> dict[str, int]:
    """Rows in each of `tables`, or only those of scan `scan_id` (one query)."""
    if not tables:
        return {}
    where = "" if scan_id is None else f" WHERE scan_id = {int(scan_id)}"
    row = conn.execute("SELECT " + ", ".join(f"(SELECT count(*) FROM {_identifier(t)}{where})" for t in tables)).fetchone()
    return dict(zip(tables, (int(n) for n in row)))


ENTRY_ALIAS = "auditor_stored_scan"
"""Name under which `attached` attaches a stored scan's database."""


@contextlib.contextmanager
def attached(conn: duckdb.DuckDBPyConnection, path: str | Path, read_only: bool = True) -> Iterator[str]:
    """Attach the database file `path` to `conn` for the `with` block; yields the name to qualify
    its tables with. Use it outside a transaction: DuckDB detaches a database only when no open
    transaction has touched it. Raises duckdb.Error when the file cannot be attached."""
    conn.execute(f"ATTACH {sql_string(path)} AS {ENTRY_ALIAS}{' (READ_ONLY)' if read_only else ''}")
    try:
        yield ENTRY_ALIAS
    finally:
        conn.execute(f"DETACH {ENTRY_ALIAS}")


def export_scan(conn: duckdb.DuckDBPyConnection, scan_id: int, path: Path) -> dict[str, dict]:
    """Write scan `scan_id` of `conn`'s database to a new database at `path`, where it is scan 1
    and the only scan: an auditor database of its own, which `import_scan` copies into another
    database as a new scan and `copy_database` copies whole. Run it outside a transaction, with
    `conn` the connection that wrote the scan.

    When the scan is scan 1 and the only one in a database file, that file is copied after a
    checkpoint (5 ms for gemini-cli-core's 9 000 rows; this process holds the file's write lock,
    so nobody changes it meanwhile); otherwise a database is created and the rows inserted
    through ATTACH (0.18 s). Returns, per table with a `scan_id` column but `scans`,
    `{"rows": rows, "columns": [...]}`."""
    tables = scan_tables(conn)
    out = {t: {"rows": n, "columns": tables[t]} for t, n in row_counts(conn, [t for t in tables if t != "scans"],
                                                                             scan_id).items()}
    file = conn.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()[0]
    if scan_id == 1 and file and conn.execute("SELECT count(*) FROM scans").fetchone()[0] == 1:
        conn.execute("CHECKPOINT")  # every committed row into the file, the write-ahead log emptied
        shutil.copyfile(file, path)
        return out
    connect(path).close()
    with attached(conn, path, read_only=False) as entry:
        conn.execute("BEGIN TRANSACTION")
        try:
            for table, columns in tables.items():
                cols = ", ".join(map(_identifier, columns))
                conn.execute(
                    f"INSERT INTO {entry}.{_identifier(table)} (scan_id, {cols}) "
                    f"SELECT 1, {cols} FROM main.{_identifier(table)} WHERE scan_id = ?", [scan_id]
                )
            conn.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(duckdb.Error):
                conn.execute("ROLLBACK")
            raise
    return out


def import_scan(conn: duckdb.DuckDBPyConnection, scan_id: int, source: str, tables: dict[str, dict]) -> None:
    """Insert the rows of the database `export_scan` wrote, attached as `source` (see `attached`),
    as rows of `scan_id`, inside the caller's transaction; `tables` is what `export_scan` returned
    (the `scans` row is the caller's to write). Raises StoreError when a table holds another
    number of rows than recorded, duckdb.Error when a table is unreadable or does not fit."""
    for table, spec in tables.items():
        rows, columns = int(spec["rows"]), ", ".join(map(_identifier, spec["columns"]))
        if not rows:
            continue
        n = conn.execute(
            f"INSERT INTO main.{_identifier(table)} (scan_id, {columns}) "
            f"SELECT ?, {columns} FROM {source}.{_identifier(table)}", [scan_id]
        ).fetchone()[0]
        if n != rows:
            raise StoreError(f"stored scan: table {table} holds {n} rows, expected {rows}")


class Host:
    """An in-memory DuckDB connection opened in a background thread, for `copy_database` to attach
    its copy to.

    Opening a database costs 12-17 ms (most of it DuckDB registering its built-in functions; the
    first database of a process costs the most) and `duckdb.connect` releases the GIL while it
    works. Started at the beginning of a scan, it opens while the scan imports its readers and
    hashes its targets; replaying a stored scan into a new database then costs an ATTACH (2 ms)
    instead of a connect. Single use: `take` hands the connection over once. Unused, it is closed
    when the object is collected."""

    def __init__(self) -> None:
        import threading

        self._conn: duckdb.DuckDBPyConnection | None = None
        self._thread = threading.Thread(target=self._open, name="auditor-host", daemon=True)
        self._thread.start()

    def _open(self) -> None:
        try:
            self._conn = duckdb.connect(":memory:")
        except duckdb.Error:  # the caller opens the database itself (and reports what fails)
            pass

    def take(self) -> duckdb.DuckDBPyConnection | None:
        """The connection, once it is open (waits for it); None when it could not be opened or
        was taken before."""
        self._thread.join()
        conn, self._conn = self._conn, None
        return conn


COPY_ALIAS = "auditor_copy"
"""Name under which `copy_database` attaches the copy to a `Host` connection."""


def may_create(path: str | Path) -> bool:
    """Whether `copy_database` could create `path`: a file path where no database (nor its
    write-ahead log) is yet."""
    path = str(path)
    return path != ":memory:" and not os.path.lexists(path) and not os.path.lexists(path + ".wal")


def copy_database(source: Path, path: str | Path, prepare: Callable[[duckdb.DuckDBPyConnection], None],
                  host: Host | None = None) -> bool:
    """Create the database `path` as a copy of the database file `source` (one `export_scan` wrote),
    after `prepare(conn)` has run on the copy in one transaction: a new database holding one scan
    in a fraction of the time creating and filling one takes. The copy is made and prepared under
    a temporary name beside `path` and linked into place, so `path` appears whole or not at all.
    `prepare` gets a connection whose default database is the copy: the `host`'s connection, with
    the copy attached, when one is given; else one opened on the copy.

    Returns False, with nothing created, when `path` (or a write-ahead log of it) exists or nothing
    can be written beside it. Raises StoreError when `source` cannot be read or the copy opened,
    and what `prepare` raises, with nothing created."""
    path = str(path)
    if not may_create(path):
        return False
    try:
        src = open(source, "rb")
    except OSError as exc:
        raise StoreError(f"cannot read {source}: {exc.strerror}") from exc
    with src:
        return _copy_into_place(src, path, prepare, host)


def _copy_into_place(src, path: str, prepare: Callable[[duckdb.DuckDBPyConnection], None], host: Host | None) -> bool:
    tmp = os.path.join(os.path.dirname(os.path.abspath(path)), f".auditor-{uuid.uuid4().hex}.duckdb")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the mode DuckDB would give it
    except OSError:
        return False
    try:
        try:
            with os.fdopen(fd, "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
        except OSError:
            return False  # nothing can be written beside `path` (disk full): not this way
        conn = _open_copy(tmp, host)
        try:  # closing checkpoints the copy: its file holds everything, no write-ahead log is left
            conn.execute("BEGIN TRANSACTION")
            prepare(conn)
            conn.execute("COMMIT")
        finally:
            conn.close()
        try:
            os.link(tmp, path)  # fails if `path` appeared meanwhile: never overwrite
        except OSError:
            return False
        return True
    finally:
        for leftover in (tmp, tmp + ".wal"):
            with contextlib.suppress(OSError):
                os.unlink(leftover)


def _open_copy(tmp: str, host: Host | None) -> duckdb.DuckDBPyConnection:
    """A connection whose default database is the file `tmp`, migrated: `host`'s with the file
    attached, or a new one. Raises StoreError as `connect` does."""
    conn = host.take() if host is not None else None
    if conn is None:
        return connect(tmp)
    with closed_on_failure(conn, f"cannot open database {tmp}"):
        conn.execute(f"ATTACH {sql_string(tmp)} AS {COPY_ALIAS}")
        conn.execute(f"USE {COPY_ALIAS}")
        migrate(conn)
    return conn


@contextlib.contextmanager
def closed_on_failure(conn: duckdb.DuckDBPyConnection, failure: str) -> Iterator[None]:
    """For setting up a connection to hand out: closes `conn` when the block raises, and turns a
    DuckDB error into StoreError(`failure: <its first line>`)."""
    try:
        yield
    except duckdb.Error as exc:
        conn.close()
        raise StoreError(f"{failure}: {str(exc).splitlines()[0]}") from exc
    except BaseException:
        conn.close()
        raise


def latest_scan_id(conn: duckdb.DuckDBPyConnection, label: str | None = None) -> int:
    """Id of the newest scan, or of the newest scan with `label`. Raises StoreError when none."""
    if label is None:
        row = conn.execute("SELECT max(scan_id) FROM scans WHERE finished_at IS NOT NULL").fetchone()
    else:
        row = conn.execute(
            "SELECT max(scan_id) FROM scans WHERE label = ? AND finished_at IS NOT NULL", [label]
        ).fetchone()
    if row is None or row[0] is None:
        raise StoreError(f"no scan labelled {label!r} in the database" if label else "the database holds no scan yet")
    return int(row[0])
