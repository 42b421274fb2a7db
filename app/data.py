"""The dashboard's only data access: one cached, read-only, locked-down DuckDB connection per database
snapshot, a cursor per query, and the queries every page needs.

Pages (`app_pages/*.py`) are UI only: they call the functions here and never see SQL or DuckDB.

Concurrency. DuckDB lets one process write a file, and a file open for writing locks out readers in
other processes (and an open reader locks out a writer). The dashboard therefore never keeps the
database file open: when the file changes (mtime, size), it opens it read-only for the moment it takes
to copy it into a private snapshot, closes it, and serves every page from the snapshot. While a scan
holds the write lock the copy is not possible, so pages keep showing the previous snapshot (with a
notice) and pick up the new scan on the first rerun after the scan commits. Writers retry a
conflicting lock (`auditor.store.connect`), so the short copy never makes a scan fail.

Safety. The snapshot is opened with `read_only=True`, `enable_external_access=false` and
`lock_configuration=true`, so no query (including the SQL console's) can read or write files, attach
databases, install or load extensions, or change settings. The SQL console additionally accepts only
one SELECT (or WITH …) statement at a time, and every string shown is passed through `redact`.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

DEFAULT_DB = "auditor.duckdb"
DB_ENV = "AUDITOR_DB"
SAFE_CONFIG = {"enable_external_access": False, "lock_configuration": True}
"""Settings of every dashboard connection; `lock_configuration` makes them impossible to undo."""

FIRST_SNAPSHOT_WAIT_S = 15.0
"""How long the very first page load waits for a writer to finish (there is no older snapshot to show)."""

MAX_ROWS = 5000
"""Most rows any page table shows (the SQL console has its own limit)."""


class DataError(Exception):
    """The database cannot be shown: missing, not a DuckDB file, or locked with no snapshot yet."""


# --------------------------------------------------------------------------- snapshots


@dataclass(frozen=True)
class Snapshot:
    """One consistent, private, read-only copy of the database."""

    path: Path
    """The database file the user pointed at."""
    key: tuple
    """(mtime_ns, size, wal size) of `path` when the copy was taken: the cache key of every query."""
    conn: duckdb.DuckDBPyConnection = field(repr=False, compare=False)
    taken_at: datetime
    modified_at: datetime
    """The database file's mtime at the copy."""
    tables: frozenset[str]
    """Tables and views present (older databases lack the newer ones)."""
    schema_version: int
    busy: bool = False
    """True when the file has changed since (a scan is writing) and this older copy is shown."""


def _file_key(path: Path) -> tuple:
    st_ = os.stat(path)
    wal = Path(str(path) + ".wal")
    wal_size = wal.stat().st_size if wal.exists() else -1
    return (st_.st_mtime_ns, st_.st_size, wal_size)


def _is_lock_error(exc: Exception) -> bool:
    text = str(exc)
    return "Could not set lock" in text or "different configuration" in text or "Conflicting lock" in text


class _Busy(Exception):
    """A writer holds the database."""


class SnapshotStore:
    """Snapshots of one database file, refreshed when the file changes. Thread-safe."""

    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()
        self._dir = Path(tempfile.mkdtemp(prefix="auditor-app-"))
        atexit.register(shutil.rmtree, self._dir, True)
        self._current: Snapshot | None = None
        self._current_file: Path | None = None
        self._generation = 0
        self._old: list[tuple[Snapshot, Path]] = []

    def get(self) -> Snapshot:
        """The newest snapshot obtainable now. Raises DataError when there is none to show."""
        with self._lock:
            try:
                key = _file_key(self.path)
            except FileNotFoundError:
                if self._current is not None:
                    return self._current
                raise DataError(f"no database at {self.path}: run `auditor scan --db {self.path}` first") from None
            if self._current is not None and self._current.key == key:
                return self._current
            deadline = time.monotonic() + (0 if self._current is not None else FIRST_SNAPSHOT_WAIT_S)
            while True:
                try:
                    snap, file = self._take()
                    break
                except _Busy:
                    if time.monotonic() >= deadline:
                        if self._current is not None:
                            return _replace_busy(self._current)
                        raise DataError(
                            f"{self.path} is locked by another process (a scan writing?) and no earlier snapshot exists; reload in a moment"
                        ) from None
                    time.sleep(0.2)
            if self._current is not None:
                self._old.append((self._current, self._current_file))
            self._current, self._current_file = snap, file
            self._prune()
            return snap

    def _take(self) -> tuple[Snapshot, Path]:
        """Copy the database while holding a read lock on it (so no writer is mid-transaction); open the copy."""
        try:
            probe = duckdb.connect(str(self.path), read_only=True)
        except duckdb.Error as exc:
            if _is_lock_error(exc):
                raise _Busy() from exc
            raise DataError(f"cannot open {self.path}: {str(exc).splitlines()[0]}") from exc
        try:
            key = _file_key(self.path)
            self._generation += 1
            dest = self._dir / f"snapshot-{self._generation}.duckdb"
            shutil.copyfile(self.path, dest)
            wal = Path(str(self.path) + ".wal")
            if wal.exists():
                shutil.copyfile(wal, Path(str(dest) + ".wal"))
        finally:
            probe.close()
        conn = duckdb.connect(str(dest), read_only=True, config=SAFE_CONFIG)
        tables = frozenset(
            r[0] for r in conn.execute(
                "SELECT table_name FROM duckdb_tables() WHERE NOT internal UNION SELECT view_name FROM duckdb_views() WHERE NOT internal"
            ).fetchall()
        )
        version = 0
        if "auditor_meta" in tables:
            row = conn.execute("SELECT value FROM auditor_meta WHERE key = 'schema_version'").fetchone()
            version = int(row[0]) if row else 0
        return Snapshot(self.path, key, conn, datetime.now(), datetime.fromtimestamp(key[0] / 1e9), tables, version), dest

    def _prune(self) -> None:
        """Keep one older snapshot open (a page may still be reading it); close and delete the rest."""
        while len(self._old) > 1:
            snap, file = self._old.pop(0)
            try:
                snap.conn.close()
            except duckdb.Error:
                pass
            for f in (file, Path(str(file) + ".wal")):
                f.unlink(missing_ok=True)


def _replace_busy(snap: Snapshot) -> Snapshot:
    from dataclasses import replace

    return replace(snap, busy=True)


def db_path() -> Path:
    """The database the dashboard shows: `$AUDITOR_DB` (set by `auditor app --db`), else ./auditor.duckdb."""
    return Path(os.environ.get(DB_ENV) or DEFAULT_DB).expanduser().resolve()


@st.cache_resource(show_spinner=False)
def _store(path: str) -> SnapshotStore:
    return SnapshotStore(Path(path))


def snapshot() -> Snapshot:
    """The current snapshot of the configured database. Raises DataError."""
    return _store(str(db_path())).get()


def has(*tables: str) -> bool:
    """True when every named table or view exists in the database (older databases lack newer tables)."""
    snap = snapshot()
    return all(t in snap.tables for t in tables)


def columns(table: str) -> set[str]:
    """Column names of a table or view in the current snapshot (empty when it does not exist)."""
    if not has(table):
        return set()
    return set(query("SELECT column_name FROM duckdb_columns() WHERE table_name = ?", [table])["column_name"])


def query(sql: str, params: list | tuple = ()) -> pd.DataFrame:
    """Run `sql` on the current snapshot with a fresh cursor; results are cached per snapshot."""
    snap = snapshot()
    return _cached_query(str(snap.path), snap.key, sql, tuple(params), snap.conn).copy()


@st.cache_data(show_spinner=False, max_entries=512)
def _cached_query(path: str, key: tuple, sql: str, params: tuple, _conn: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Cached per (database, snapshot key, SQL, parameters); `_conn` is the snapshot's connection (not hashed)."""
    cur = _conn.cursor()
    try:
        return cur.execute(sql, list(params)).df()
    finally:
        cur.close()


def scalar(sql: str, params: list | tuple = ()):
    """First column of the first row (None when no row)."""
    df = query(sql, params)
    return None if df.empty else df.iat[0, 0]


# --------------------------------------------------------------------------- redaction

from auditor import readonly  # noqa: E402
from auditor.redact import REDACTED  # noqa: E402,F401 - re-exported for the pages
from auditor.redact import redact as _redact  # noqa: E402


def redact(text):
    """`text` with anything that looks like a secret replaced by ‹redacted› (non-strings unchanged):
    `auditor.redact.redact`, linear time (RE2). The store already redacts what it inserts; this
    second pass covers databases written before it did and whatever the SQL console returns."""
    return _redact(text)


def _redact_frame(df: pd.DataFrame, cols: list[str] | None = None) -> pd.DataFrame:
    for c in cols if cols is not None else list(df.columns):
        if c in df.columns and (df[c].dtype == object or pd.api.types.is_string_dtype(df[c])):
            df[c] = df[c].map(redact)
    return df


# --------------------------------------------------------------------------- scans


def scans() -> pd.DataFrame:
    """Finished scans, newest first: scan_id, label, started_at, duration_s, targets, files, reads, definitions, findings."""
    return query(
        """
        SELECT s.scan_id, s.label, s.started_at, round(s.duration_s, 2) AS duration_s,
               array_to_string(s.targets, ', ') AS targets, s.file_count AS files, s.read_count AS reads,
               s.definition_count AS definitions, s.diagnostic_count AS diagnostics,
               (SELECT count(*) FROM findings f WHERE f.scan_id = s.scan_id AND NOT f.suppressed) AS findings
        FROM scans s WHERE s.finished_at IS NOT NULL ORDER BY s.scan_id DESC
        """
    )


def scans_by_release() -> list[int]:
    """Finished scan ids, oldest release first: by package version (semver) when all scans are of
    one package, else by start time (`auditor.report.diff.release_order`, as `auditor diff` orders them)."""
    from auditor.report.diff import release_order

    if not has("artifacts"):
        rows = query("SELECT scan_id, started_at, NULL AS n, NULL AS v FROM scans WHERE finished_at IS NOT NULL")
    else:
        rows = query("""
            SELECT s.scan_id, s.started_at, a.package_name, a.package_version FROM scans s
            LEFT JOIN (SELECT scan_id, min(package_name) AS package_name, min(package_version) AS package_version
                       FROM artifacts WHERE parent IS NULL GROUP BY scan_id) a USING (scan_id)
            WHERE s.finished_at IS NOT NULL""")
    return release_order([(int(r[0]), r[1], r[2] if isinstance(r[2], str) else None, r[3] if isinstance(r[3], str) else None)
                          for r in rows.itertuples(index=False)])


def scan_label(scan_id: int) -> str:
    """`#id label` of a scan."""
    label = scalar("SELECT label FROM scans WHERE scan_id = ?", [scan_id])
    return f"#{scan_id} {label}"


def overview(scan_id: int) -> dict:
    """Headline counts of one scan."""
    row = query(
        """
        SELECT s.file_count AS files, s.read_count AS reads, s.definition_count AS definitions,
               s.diagnostic_count AS diagnostics,
               (SELECT count(DISTINCT r.flag_key) FROM flag_reads r WHERE r.scan_id = s.scan_id AND r.resolved
                  AND r.confidence <> 'low') AS keys,  -- as report.check.flag_key_count counts them
               (SELECT count(*) FROM flags f WHERE f.scan_id = s.scan_id AND f.confidence = 'low') AS low_keys,
               (SELECT count(*) FROM flag_reads r WHERE r.scan_id = s.scan_id AND NOT r.resolved) AS unresolved,
               (SELECT coalesce(sum(size), 0) FROM files f WHERE f.scan_id = s.scan_id) AS bytes,
               (SELECT count(*) FROM files f WHERE f.scan_id = s.scan_id AND f.origin LIKE 'source map:%') AS rebuilt
        FROM scans s WHERE s.scan_id = ?
        """,
        [scan_id],
    ).iloc[0].to_dict()
    sev = query(
        "SELECT severity, count(*) AS n FROM findings WHERE scan_id = ? AND NOT suppressed GROUP BY severity", [scan_id]
    )
    out = {k: int(v) if pd.notna(v) else 0 for k, v in row.items()}
    out["findings"] = {s: 0 for s in ("error", "warning", "note")} | {r.severity: int(r.n) for r in sev.itertuples()}
    return out


def keys_by_provider(scan_id: int) -> pd.DataFrame:
    """provider, keys (high or inferred confidence), reads."""
    return query(
        """
        SELECT provider, count(*) FILTER (confidence <> 'low') AS keys, sum(read_count) AS reads
        FROM flags WHERE scan_id = ? GROUP BY provider ORDER BY keys DESC, provider
        """,
        [scan_id],
    )


def files_by_language(scan_id: int) -> pd.DataFrame:
    """language, files, bytes; files rebuilt from source maps counted apart."""
    return query(
        """
        SELECT CASE WHEN origin LIKE 'source map:%' THEN language || ' (from maps)' ELSE language END AS language,
               count(*) AS files, sum(size) AS bytes
        FROM files WHERE scan_id = ? GROUP BY 1 ORDER BY files DESC
        """,
        [scan_id],
    )


# --------------------------------------------------------------------------- flags


def providers(scan_id: int) -> list[str]:
    """Providers seen in a scan (reads or definitions), sorted."""
    df = query(
        "SELECT DISTINCT provider FROM flag_reads WHERE scan_id = ? UNION SELECT DISTINCT provider FROM flag_definitions WHERE scan_id = ? ORDER BY 1",
        [scan_id, scan_id],
    )
    return df["provider"].tolist()


def manifest_recorded(scan_id: int) -> bool:
    """True when the scan was compared with a manifest (what is meant to be public), so `public` is known."""
    return has("manifests", "flag_status") and bool(scalar("SELECT count(*) FROM manifests WHERE scan_id = ?", [scan_id]))


def public_flags_available(scan_id: int) -> bool:
    """True when the database records which flags the manifest declares public."""
    return manifest_recorded(scan_id)


def _public_flag_sql(scan_id: int) -> str | None:
    """SQL expression telling whether flag `f.flag_key` (provider `f.provider`) is public, or None when unknown."""
    if not manifest_recorded(scan_id):
        return None
    return ("coalesce((SELECT bool_or(p.public) FROM flag_status p WHERE p.scan_id = f.scan_id "
            "AND p.flag_key = f.flag_key AND p.provider = f.provider), false)")


def flags(scan_id: int, providers: list[str] | None = None, confidence: list[str] | None = None,
          public: str = "all", search: str = "") -> pd.DataFrame:
    """The inventory: key, provider, confidence, reads, files, defined, public (None when unknown), first read, methods."""
    pub = _public_flag_sql(scan_id) or "NULL::BOOLEAN"
    sql = f"""
        SELECT f.flag_key AS key, f.provider, f.confidence, f.read_count AS reads, f.file_count AS files,
               f.defined, {pub} AS public, f.first_location AS first_read, array_to_string(f.methods, ', ') AS methods
        FROM flags f WHERE f.scan_id = ?
    """
    params: list = [scan_id]
    if providers:
        sql += " AND f.provider IN (SELECT unnest(?::VARCHAR[]))"
        params.append(list(providers))
    if confidence:
        sql += " AND f.confidence IN (SELECT unnest(?::VARCHAR[]))"
        params.append(list(confidence))
    if search:
        sql += " AND f.flag_key ILIKE ?"
        params.append(f"%{search}%")
    sql += " ORDER BY f.confidence, f.provider, f.flag_key"
    df = query(sql, params)
    if public == "public":
        df = df[df["public"].fillna(False).astype(bool)]
    elif public == "not public":
        df = df[~df["public"].fillna(False).astype(bool)]
    return df.reset_index(drop=True)


def unresolved_reads(scan_id: int, providers: list[str] | None = None, confidence: list[str] | None = None) -> pd.DataFrame:
    """Reads whose key could not be resolved: expression, provider, method, location, snippet (redacted)."""
    sql = """
        SELECT key_expr AS expression, provider, method, confidence, path || ':' || line AS location, snippet
        FROM flag_reads WHERE scan_id = ? AND NOT resolved
    """
    params: list = [scan_id]
    if providers:
        sql += " AND provider IN (SELECT unnest(?::VARCHAR[]))"
        params.append(list(providers))
    if confidence:
        sql += " AND confidence IN (SELECT unnest(?::VARCHAR[]))"
        params.append(list(confidence))
    sql += f" ORDER BY path, line LIMIT {MAX_ROWS}"
    return _redact_frame(query(sql, params), ["expression", "snippet"])


def flag_reads(scan_id: int, key: str, provider: str) -> pd.DataFrame:
    """Every read of a flag: path, line, col, function, method, default, confidence, origin, pack, snippet (redacted)."""
    df = query(
        f"""
        SELECT path, line, col, function, method, default_value AS "default", confidence, origin, pack, snippet
        FROM flag_reads WHERE scan_id = ? AND flag_key = ? AND provider = ? ORDER BY path, line, col LIMIT {MAX_ROWS}
        """,
        [scan_id, key, provider],
    )
    return _redact_frame(df, ["default", "snippet"])


def flag_definitions(scan_id: int, key: str) -> pd.DataFrame:
    """Definitions of a key: provider, kind, symbol, path, line, default (redacted), origin."""
    df = query(
        """
        SELECT provider, kind, symbol, path, line, default_value AS "default", origin
        FROM flag_definitions WHERE scan_id = ? AND flag_key = ? ORDER BY path, line
        """,
        [scan_id, key],
    )
    return _redact_frame(df, ["default"])


def flag_gates(scan_id: int, key: str) -> pd.DataFrame | None:
    """Gates a flag decides: kind, polarity, location, gated lines, nesting, combinator, condition (redacted),
    and the capabilities inside each — or None when the database has no gates (older schema)."""
    if not has("gate_flags", "gates"):
        return None
    caps = ("(SELECT string_agg(DISTINCT cf.kind || ' ' || cf.name, ', ') FROM capability_flags cf "
            "WHERE cf.scan_id = gf.scan_id AND coalesce(cf.gate_path, cf.path) = gf.path AND cf.gate_no = gf.gate_no)") if has("capability_flags") else "NULL"
    df = query(
        f"""
        SELECT gf.kind, gf.polarity, gf.path, gf.line, gf.end_line, gf.gated_loc AS gated_lines, gf.nesting,
               nullif(gf.combinator, '') AS combinator, g.condition, nullif(gf.via, '') AS via,
               {caps} AS unlocks, gf.origin
        FROM gate_flags gf JOIN gates g ON g.scan_id = gf.scan_id AND g.path = gf.path AND g.gate_no = gf.gate_no
        WHERE gf.scan_id = ? AND gf.flag_key = ? ORDER BY gf.path, gf.line LIMIT {MAX_ROWS}
        """,
        [scan_id, key],
    )
    return _redact_frame(df, ["condition"])


def flag_capabilities(scan_id: int, key: str) -> pd.DataFrame | None:
    """Capabilities a flag gates (polarity: reachable with the flag on or off), or None without capability tables."""
    if not has("capability_flags"):
        return None
    return query(
        f"""
        SELECT DISTINCT kind, name, hidden, polarity, gate_kind, gate_line, path, origin
        FROM capability_flags WHERE scan_id = ? AND flag_key = ? ORDER BY kind, name LIMIT {MAX_ROWS}
        """,
        [scan_id, key],
    )


# --------------------------------------------------------------------------- capabilities


def capabilities_available() -> bool:
    """True when the database records capability registrations (schema 4 and later)."""
    return has("capability_inventory")


def _capabilities_sql(scan_id: int) -> str | None:
    """SELECT of one scan's capabilities: kind, name, hidden, hidden_reason, gated, gate_keys, gate_chain, framework,
    parent, description, public (NULL without a manifest), path, line, origin, cap_no."""
    if not capabilities_available():
        return None
    public = "s.public" if manifest_recorded(scan_id) and has("capability_status") else "NULL::BOOLEAN"
    status_join = (
        "LEFT JOIN capability_status s ON s.scan_id = c.scan_id AND s.path = c.path AND s.cap_no = c.cap_no"
        if public != "NULL::BOOLEAN" else ""
    )
    sid = int(scan_id)
    return f"""
        WITH per_gate AS (
            SELECT path, cap_no, gate_no, any_value(gate_kind) AS gate_kind, any_value(gate_line) AS gate_line,
                   string_agg(DISTINCT CASE WHEN polarity = 'off' THEN '!' ELSE '' END || flag_key, ' | ') AS keys
            FROM capability_flags WHERE scan_id = {sid} GROUP BY path, cap_no, gate_no
        ), chain AS (
            SELECT path, cap_no, string_agg(gate_kind || ' ' || keys || ' @' || gate_line, ' → ' ORDER BY gate_line, gate_no) AS gate_chain
            FROM per_gate GROUP BY path, cap_no
        )
        SELECT c.kind, c.name, c.hidden, nullif(c.hidden_reason, '') AS hidden_reason, len(c.gate_keys) > 0 AS gated,
               c.gate_keys, chain.gate_chain, c.framework, c.parent, c.description, {public} AS public,
               c.path, c.line, c.origin, c.cap_no
        FROM capability_inventory c
        LEFT JOIN chain ON chain.path = c.path AND chain.cap_no = c.cap_no
        {status_join}
        WHERE c.scan_id = {sid}
    """


def capabilities(scan_id: int, kinds: list[str] | None = None) -> pd.DataFrame | None:
    """Capabilities, hidden and gated first, or None when the database has no capability tables."""
    sql = _capabilities_sql(scan_id)
    if sql is None:
        return None
    df = query(f"SELECT * FROM ({sql}) ORDER BY hidden DESC, gated DESC, kind, name, path LIMIT {MAX_ROWS}")
    if kinds:
        df = df[df["kind"].isin(kinds)].reset_index(drop=True)
    return _redact_frame(df, ["name", "description", "gate_chain"])


# --------------------------------------------------------------------------- shipped vs public


def report(function: str, *args):
    """`auditor.report.<function>(cursor, *args)` on the current snapshot, cached per snapshot: the
    dashboard shows what the CLI computes (verdict, shipped vs public, diff), never its own version.
    `function` is `module:name` under `auditor.report`, e.g. `diff:diff_scans`."""
    snap = snapshot()
    return _cached_report(str(snap.path), snap.key, function, tuple(args), snap.conn)


@st.cache_data(show_spinner=False, max_entries=128)
def _cached_report(path: str, key: tuple, function: str, args: tuple, _conn: duckdb.DuckDBPyConnection):
    import importlib

    module, _, name = function.partition(":")
    cur = _conn.cursor()
    try:
        return getattr(importlib.import_module(f"auditor.report.{module}"), name)(cur, *args)
    finally:
        cur.close()


@dataclass
class ShippedView:
    """`auditor.report.shipped.shipped_vs_public` as data frames for the page."""

    flags: pd.DataFrame
    """key, provider, in_source, shipped, in_bundle, in_map, only_in_map, public, internal, reads, status, mismatch."""
    notes: list[str]
    """What this database or scan cannot tell (no artifact, no manifest), for the page to show."""
    capabilities: pd.DataFrame | None = None
    """kind, name, hidden, gated, gate_keys, in_source, shipped, in_bundle, in_map, only_in_map, public, status, mismatch;
    None when the database has no capability tables."""
    artifact_known: bool = False
    public_known: bool = False


_FLAG_COLUMNS = ["key", "provider", "in_source", "shipped", "in_bundle", "in_map", "only_in_map", "public", "internal",
                 "reads", "status", "mismatch"]


def shipped_vs_public(scan_id: int) -> ShippedView:
    """Flags and capabilities against: in source, shipped (in a bundle), only in a source map, public
    (see `auditor.report.shipped`)."""
    v = report("shipped:shipped_vs_public", int(scan_id))
    flags = pd.DataFrame(v["flags"], columns=_FLAG_COLUMNS)
    caps = None
    if v["capabilities"] is not None:
        caps = _redact_frame(pd.DataFrame(v["capabilities"], columns=[
            "kind", "name", "hidden", "gated", "gate_keys", "in_source", "shipped", "in_bundle", "in_map", "only_in_map",
            "public", "kind_declared", "registrations", "status", "mismatch"]), ["name"])
    return ShippedView(flags, list(v["notes"]), caps, v["artifact_known"], v["public_known"])


def exposure(scan_id: int) -> pd.DataFrame:
    """stage, what (flags | capabilities), count (None when unknown): `auditor.report.shipped.exposure`."""
    from auditor.report.shipped import exposure as funnel

    return pd.DataFrame(funnel(report("shipped:shipped_vs_public", int(scan_id))), columns=["stage", "what", "count"])


def verdict_available() -> bool:
    """True when the database holds what the verdict reads (capabilities and manifests: schema 5 and later)."""
    return has("capability_inventory", "manifests", "flag_status")


def verdict(scan_id: int) -> dict | None:
    """The verdict and the findings grouped by rule, as `auditor check` reports them
    (`auditor.report.check.check_report`: `summary.verdict`, `groups`), or None on an older database."""
    if not verdict_available():
        return None
    r = report("check:check_report", int(scan_id))
    verdict = dict(r["summary"]["verdict"], lines=[redact(line) for line in r["summary"]["verdict"]["lines"]])
    return {"verdict": verdict, "groups": r["groups"], "counts": r["counts"]}


# --------------------------------------------------------------------------- artifact


def artifacts(scan_id: int) -> pd.DataFrame | None:
    """One row per artifact of a scan, or None when the database has no artifacts table."""
    if not has("artifacts"):
        return None
    return _redact_frame(query("SELECT * EXCLUDE (scan_id) FROM artifacts WHERE scan_id = ? ORDER BY artifact", [scan_id]))


def entries_by_kind(scan_id: int) -> pd.DataFrame | None:
    """kind, entries, bytes, scanned, not_covered — or None without an entries table."""
    if not (has("entries") and {"kind", "size"} <= columns("entries")):
        return None
    return query(
        """
        SELECT kind, count(*) AS entries, sum(size) AS bytes, count(*) FILTER (scanned) AS scanned,
               count(*) FILTER (covered = false) AS not_covered
        FROM entries WHERE scan_id = ? GROUP BY kind ORDER BY bytes DESC
        """,
        [scan_id],
    )


def largest_entries(scan_id: int, n: int = 25) -> pd.DataFrame | None:
    """The n largest entries: artifact, path, kind, size, minified, covered — or None without an entries table."""
    if not has("entries"):
        return None
    return query(
        f"SELECT artifact, path, kind, size, minified, covered, coverage FROM entries WHERE scan_id = ? ORDER BY size DESC LIMIT {int(n)}",
        [scan_id],
    )


def uncovered_entries(scan_id: int) -> pd.DataFrame | None:
    """Entries outside the package's own allowlist, and refused entries — or None without an entries table."""
    if not has("entries"):
        return None
    return query(
        f"""
        SELECT artifact, path, kind, size, coverage, refused FROM entries
        WHERE scan_id = ? AND (covered = false OR refused IS NOT NULL) ORDER BY refused NULLS LAST, path LIMIT {MAX_ROWS}
        """,
        [scan_id],
    )


def source_maps(scan_id: int) -> pd.DataFrame | None:
    """Source maps: path, kind, generated file, sources, with content, sourcesContent bytes, third-party share,
    rebuilt, only in map, status — or None without a source_maps table."""
    if not has("source_maps"):
        return None
    return query(
        f"""
        SELECT artifact, path, kind, generated, generated_shipped, size, sources, with_content, content_bytes,
               round(third_party_share, 3) AS third_party_share, rebuilt, map_only, status
        FROM source_maps WHERE scan_id = ? ORDER BY content_bytes DESC, path LIMIT {MAX_ROWS}
        """,
        [scan_id],
    )


def map_only_sources(scan_id: int) -> pd.DataFrame | None:
    """Rebuilt sources whose code is exposed only through their map, with flag reads — or None (older database)."""
    if not has("map_only_sources"):
        return None
    df = query(
        f"""
        SELECT map, path, content_bytes, literals, literals_in_bundle, flag_reads,
               array_to_string(missing[1:5], ' · ') AS missing_literals
        FROM map_only_sources WHERE scan_id = ? ORDER BY flag_reads DESC, content_bytes DESC LIMIT {MAX_ROWS}
        """,
        [scan_id],
    )
    return _redact_frame(df, ["missing_literals"])


def map_refs(scan_id: int) -> pd.DataFrame | None:
    """`sourceMappingURL` comments that are not plainly fine (missing, remote, inline, malformed) — or None."""
    if not has("map_refs"):
        return None
    return _redact_frame(query(
        f"SELECT artifact, path, line, url, kind, resolved, status FROM map_refs WHERE scan_id = ? AND (status <> 'ok' OR kind <> 'external') ORDER BY path LIMIT {MAX_ROWS}",
        [scan_id],
    ), ["url"])


def rebuilt_files(scan_id: int) -> pd.DataFrame:
    """Files rebuilt from source maps (`files.origin` = 'source map: …'): map, path, language, size, flag reads."""
    return query(
        f"""
        SELECT substr(f.origin, length('source map: ') + 1) AS source_map, f.path, f.language, f.size,
               (SELECT count(*) FROM flag_reads r WHERE r.scan_id = f.scan_id AND r.path = f.path AND r.origin = f.origin) AS flag_reads
        FROM files f WHERE f.scan_id = ? AND f.origin LIKE 'source map:%' ORDER BY source_map, f.path LIMIT {MAX_ROWS}
        """,
        [scan_id],
    )


def rebuilt_summary(scan_id: int) -> pd.DataFrame:
    """source_map, files, bytes of files rebuilt from each map."""
    return query(
        """
        SELECT substr(origin, length('source map: ') + 1) AS source_map, count(*) AS files, sum(size) AS bytes
        FROM files WHERE scan_id = ? AND origin LIKE 'source map:%' GROUP BY 1 ORDER BY bytes DESC
        """,
        [scan_id],
    )


# --------------------------------------------------------------------------- findings


def findings(scan_id: int, rules: list[str] | None = None, severities: list[str] | None = None,
             path: str = "", include_suppressed: bool = False) -> pd.DataFrame:
    """Findings of a scan: severity, rule_id, subject, message (redacted), path, line, origin, fingerprint, suppressed."""
    sql = """
        SELECT severity, rule_id, subject, message, path, line, origin, target, fingerprint, suppressed, suppression_reason
        FROM findings WHERE scan_id = ?
    """
    params: list = [scan_id]
    if not include_suppressed:
        sql += " AND NOT suppressed"
    if rules:
        sql += " AND rule_id IN (SELECT unnest(?::VARCHAR[]))"
        params.append(list(rules))
    if severities:
        sql += " AND severity IN (SELECT unnest(?::VARCHAR[]))"
        params.append(list(severities))
    if path:
        sql += " AND coalesce(path, '') ILIKE ?"
        params.append(f"%{path}%")
    sql += f" ORDER BY CASE severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, rule_id, path NULLS FIRST, line NULLS FIRST, subject LIMIT {MAX_ROWS}"
    return _redact_frame(query(sql, params), ["subject", "message", "suppression_reason"])


def finding_rules(scan_id: int) -> list[str]:
    """Rule ids with findings in a scan."""
    return query("SELECT DISTINCT rule_id FROM findings WHERE scan_id = ? ORDER BY 1", [scan_id])["rule_id"].tolist()


@dataclass(frozen=True)
class RuleDoc:
    """A rule's metadata and doc (from the installed auditor, not the database)."""

    id: str
    name: str
    severity: str
    summary: str
    markdown: str


def rule_doc(rule_id: str) -> RuleDoc | None:
    """The doc of a rule known to this auditor, or None (a rule from a newer auditor)."""
    from auditor.errors import AuditorError
    from auditor.rules import get_rule

    try:
        r = get_rule(rule_id)
    except AuditorError:
        return None
    return RuleDoc(r.id, r.name, r.severity.value, r.summary, r.markdown())


def code_context(scan_id: int, path: str | None, line: int | None) -> pd.DataFrame:
    """What the database holds at a location: flag reads and definitions on that line (redacted snippets)."""
    if not isinstance(path, str) or not path or line is None or pd.isna(line):
        return pd.DataFrame(columns=["line", "what", "code"])
    df = query(
        """
        SELECT line, 'flag read: ' || coalesce(flag_key, key_expr) || ' (' || provider || ')' AS what, snippet AS code
        FROM flag_reads WHERE scan_id = ? AND path = ? AND line BETWEEN ? - 3 AND ? + 3
        UNION ALL
        SELECT line, 'definition: ' || symbol || ' = ' || flag_key AS what, coalesce(default_value, '') AS code
        FROM flag_definitions WHERE scan_id = ? AND path = ? AND line BETWEEN ? - 3 AND ? + 3
        ORDER BY line
        """,
        [scan_id, path, int(line), int(line), scan_id, path, int(line), int(line)],
    )
    return _redact_frame(df, ["what", "code"])


# --------------------------------------------------------------------------- release diff


def diff_available() -> bool:
    """True when the database holds what `auditor diff` compares (capabilities: schema 4 and later)."""
    return has("capabilities", "gates")


def diff(old: int, new: int) -> dict | None:
    """`auditor.report.diff.diff_scans(old, new)` — the dict `auditor diff --format json` prints —
    with secrets redacted from finding texts, or None on an older database."""
    if not diff_available():
        return None
    d = report("diff:diff_scans", int(old), int(new))
    for f in d["findings"]["new"]:
        for k in ("subject", "message"):
            f[k] = redact(f[k])
    return d


# --------------------------------------------------------------------------- SQL console


@dataclass
class ConsoleResult:
    """The outcome of one SQL console query."""

    frame: pd.DataFrame | None = None
    truncated: bool = False
    """True when the query returned more rows than the limit."""
    error: str | None = None
    """One line for the user when the query was refused or failed."""
    seconds: float = 0.0


CONSOLE_TIMEOUT_S = 30.0


def run_sql(sql: str, limit: int = 1000, timeout: float = CONSOLE_TIMEOUT_S) -> ConsoleResult:
    """Run one read-only SELECT/WITH query from the SQL console.

    Refused with a one-line message: more than one statement, any statement that is not a query
    (ATTACH, COPY, INSTALL/LOAD, SET, PRAGMA, CREATE, …), and — by the connection's settings — any
    access to files or extensions (`read_csv('/etc/passwd')`). Queries run at most `timeout` seconds.
    String cells are redacted.
    """
    sql = (sql or "").strip()
    if not sql:
        return ConsoleResult(error="Enter a SELECT query.")
    try:
        snap = snapshot()
    except DataError as exc:
        return ConsoleResult(error=str(exc))
    cur = snap.conn.cursor()
    t0 = time.perf_counter()
    timer = threading.Timer(timeout, cur.interrupt)
    try:
        try:  # one SELECT / WITH query, as `auditor sql` (auditor.readonly) allows
            readonly.check(cur, sql)
        except readonly.QueryFailed as exc:
            return ConsoleResult(error=str(exc))
        except readonly.QueryRefused as exc:
            return ConsoleResult(error="Refused" + str(exc).removeprefix("refused") + ".")
        timer.start()
        rel = cur.sql(sql)
        frame = rel.limit(int(limit) + 1).df()
    except duckdb.PermissionException as exc:
        return ConsoleResult(error=f"Refused: the SQL console cannot access files, other databases or extensions "
                                   f"(external access is disabled). {_first_line(exc)}")
    except duckdb.InterruptException:
        return ConsoleResult(error=f"Stopped: the query ran longer than {timeout:g} s.")
    except duckdb.Error as exc:
        return ConsoleResult(error=f"SQL error: {_first_line(exc)}")
    finally:
        timer.cancel()
        cur.close()
    truncated = len(frame) > limit
    frame = frame.head(limit)
    deadline = t0 + timeout  # redaction counts against the query's time budget

    def cell(v):
        if time.perf_counter() > deadline:
            raise TimeoutError
        return redact(v) if isinstance(v, str) else (redact(str(v)) if isinstance(v, (list, dict)) else v)

    try:
        for c in frame.columns:  # nested values (lists, structs) as text so every cell can be redacted
            if frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c]):
                frame[c] = frame[c].map(cell)
    except TimeoutError:
        return ConsoleResult(error=f"Stopped: the query ran longer than {timeout:g} s.")
    return ConsoleResult(frame, truncated, None, time.perf_counter() - t0)


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def documented_relations() -> pd.DataFrame:
    """Tables and views the console can query: name, kind, columns (comma-separated)."""
    return query(
        """
        SELECT c.table_name AS name, CASE WHEN v.view_name IS NULL THEN 'table' ELSE 'view' END AS kind,
               string_agg(c.column_name, ', ' ORDER BY c.column_index) AS columns
        FROM duckdb_columns() c LEFT JOIN duckdb_views() v ON v.view_name = c.table_name AND NOT v.internal
        WHERE NOT c.internal AND c.schema_name = 'main' AND c.table_name <> 'auditor_meta'
        GROUP BY ALL ORDER BY kind DESC, name
        """
    )
