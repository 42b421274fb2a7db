"""The scan pipeline: targets → files → extraction → resolution → one DuckDB transaction.

`run_scan` is the library entry point the CLI calls; it reports progress through a callback and
never prints.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from auditor import __version__, rules, store
from auditor import cache as cache_mod
from auditor.config import Config, find_config, load_config
from auditor.errors import StoreError
from auditor.manifest import Manifest, manifest_from_config
from auditor.models import Diagnostic, FileResult, Finding
from auditor.parallel import NPM_LANGUAGES, POOL_START_BYTES, ExtractorSpec, Pipeline, PipelineStats, prestart
from auditor.queries import builtin_query_dir, discover
from auditor.sources import open_target

UNCACHED_CODES = frozenset({"extract-crashed", "extract-failed", "secret-scan-failed", "artifact-failed"})
"""Diagnostics of problems that may not recur (a crash, an internal error): an artifact whose scan
had one is not cached whole."""

ProgressFn = Callable[[str, int, int | None], None]
"""progress(event, advance, total): event is `start` (total known or None), `file` (advance by 1), `done`."""


@dataclass(slots=True)
class ScanSummary:
    """What a finished scan wrote (counts are rows in the database for this scan)."""

    scan_id: int
    label: str
    files: int = 0
    reads: int = 0
    keys: int = 0
    definitions: int = 0
    diagnostics: int = 0
    low_confidence: int = 0
    unresolved: int = 0
    findings: int = 0
    seconds: float = 0.0
    by_provider: dict[str, int] = field(default_factory=dict)
    """Distinct resolved high-confidence keys per provider (`keys` is their sum)."""
    pipeline: PipelineStats | None = None
    """Workers used, files extracted / taken from the cache / deduplicated."""


def load_packs(config: Config):
    """Built-in packs, then packs from configured query dirs, then packs generated from config."""
    packs = discover([builtin_query_dir(), *config.query_dirs])
    packs.extend(config.generated_packs())
    return packs


def _file_size(target: str) -> int:
    """Size in bytes of `target` if it is a file (0 for a directory, a spec, anything unreadable)."""
    try:
        return os.path.getsize(target) if os.path.isfile(target) else 0
    except OSError:
        return 0


def effective_config(targets: list[str], config_path: Path | None) -> Config:
    """Load `--config`, or the config found upward from the first local target (defaults if none)."""
    if config_path is not None:
        return load_config(config_path)
    for t in targets:
        p = Path(t)
        if p.exists():
            return load_config(find_config(p))
    return Config()


def run_scan(
    targets: list[str],
    db_path: str | Path,
    label: str | None = None,
    config: Config | None = None,
    progress: ProgressFn | None = None,
    manifest: Manifest | None = None,
    jobs: int | None = None,
    cache_dir: Path | bool | None = None,
) -> ScanSummary:
    """Scan `targets` and store the results as one new scan in the database at `db_path`.

    `manifest` (default: the one the configuration names, if any) is stored with the scan and
    compared by the shipped-vs-public rules; its severity overrides and suppressions are applied.

    Raises TargetError before anything is written when a target is missing or unsupported,
    QueryError/ConfigError for bad packs or config, StoreError when the database cannot be written
    (earlier scans in it are left intact: the scan is one transaction).

    `jobs`: worker processes for extraction (default 1: in this process; the CLI defaults to the
    CPUs available; small scans stay in this process anyway); the stored rows are the same whatever
    the number. With jobs > 1 a calling script needs the usual `if __name__ == "__main__":` guard.

    `cache_dir`: extraction cache directory, `True` for the default one, None for no cache (see
    `auditor.cache`). With a cache, a scan whose targets are all release artifacts is stored whole,
    and scanning the same artifacts again with the same auditor, packs, manifest and rules copies
    its rows (`ScanSummary.pipeline.replayed`); the label, times and config path are the new scan's.
    """
    t0 = time.perf_counter()
    since = time.time()  # what the cache holds from before this scan may be pruned, not what it used
    started = datetime.now(UTC).replace(tzinfo=None)
    config = config or Config()
    # release files may have a scan stored whole, to copy into a new database: open DuckDB meanwhile
    # (see store.Host; a source directory is never stored whole)
    replayable = cache_dir is not None and cache_dir is not False and all(os.path.isfile(t) for t in targets)
    host = store.Host() if replayable and store.may_create(db_path) else None
    if manifest is None:
        manifest = manifest_from_config(config)  # `manifest = "file"` or [tool.auditor.manifest]
    sources = [open_target(t, config) for t in targets]  # fail fast on a missing target
    # Workers build their own Extractor from this (pack sources + options), see auditor/parallel.py.
    spec = ExtractorSpec(tuple(load_packs(config)), {
        "registries": {r.name: r.provider for r in config.registries},
        "identifiers": manifest.identifier_scanner() if manifest is not None else None,
    })
    spec.validate()
    total = 0
    for s in sources:
        n = s.count()
        total = None if n is None or total is None else total + n
    if progress:
        progress("start", 0, total)

    results: list[FileResult] = []
    file_rows: list[tuple] = []
    diagnostics: list[Diagnostic] = []
    emitted: list[Finding] = []
    records: list = []
    pipeline = Pipeline(spec, jobs or 1, cache_dir)
    cache = pipeline.cache
    cache_limit = cache_mod.max_cache_bytes() if cache is not None else None  # a bad limit fails before anything is written
    label = label or " ".join(Path(t).name or t for t in targets)
    identities = [_identity(src) if cache is not None else None for src in sources]
    scan_key = _scan_key(cache.fingerprint, identities, manifest) if cache is not None else None
    entry = cache.get_scan(scan_key) if scan_key is not None else None
    if entry is not None:
        summary = _replay(entry, db_path, label, targets, config, started, t0, pipeline, host)
        if summary is not None:
            if progress:
                progress("done", 0, total)
            return summary
        cache.drop_scan(scan_key)  # unreadable or not fitting: scan as if it were not there
    del host  # not replaying: the connection closes once it is open (it is not waited for)
    # not needed to replay a stored scan: imported once a scan runs in full
    from auditor.extract import families
    from auditor.resolve import resolve
    from auditor.sources.secrets import secret_findings

    store.preload()
    record: dict[int, tuple[str, list]] = {}  # artifact targets read this time: their items, to cache whole
    blobs: dict[int, bytes] = {}  # id(recorded FileResult) → its cache bytes (stored again as they are)

    def tagged():
        for n, (t, src, identity) in enumerate(zip(targets, sources, identities)):
            hit = cache.get_items(identity) if identity is not None else None
            if hit is not None:  # the same archive scanned before with the same fingerprint: no reading
                pipeline.stats.targets_cached += 1
                for item in hit:
                    if isinstance(item, FileResult) and item.extracted:
                        pipeline.stats.files += 1
                        pipeline.stats.cached += 1
                    yield (n, t), item
                continue
            if identity is not None:
                record[n] = (identity, [])
            if pipeline.jobs > 1 and _file_size(t) >= POOL_START_BYTES:
                # a release artifact to read: workers will be needed, start their server now; npm
                # packages (`npm pack` makes .tgz, sdists are .tar.gz) ship JavaScript and .d.ts files
                prestart(NPM_LANGUAGES if t.endswith(".tgz") else None)
            for item in src.iter_files():
                yield (n, t), item

    with pipeline:  # yields items in source order, each SourceFile replaced by its FileResult
        for (n, target), item in pipeline.run(tagged()):
            blob = pipeline.take_blob(item) if isinstance(item, FileResult) else None
            if n in record:
                record[n][1].append(item)
                if blob is not None:
                    blobs[id(item)] = blob
            if isinstance(item, Diagnostic):
                diagnostics.append(item)
                continue
            if isinstance(item, Finding):
                emitted.append(item)
                continue
            if not isinstance(item, FileResult):  # artifact rows: models.Artifact, Entry, SourceMapInfo, ...
                records.append(item)
                continue
            res = item
            if res.secrets:
                emitted.extend(secret_findings(res.secrets, res.path, res.path, res.origin, target))
            if not res.extracted:  # an archive entry searched for secrets only
                diagnostics.extend(res.diagnostics)
                continue
            results.append(res)
            diagnostics.extend(res.diagnostics)
            file_rows.append((res.path, res.language, res.size, res.sha256, res.origin, target))
            if progress:
                progress("file", 1, total)
    for identity, items in record.values():
        if not any(isinstance(i, Diagnostic) and i.code in UNCACHED_CODES for i in items) and \
                not any(isinstance(i, FileResult) and any(d.code in UNCACHED_CODES for d in i.diagnostics) for i in items):
            cache.put_items(identity, items, blobs)
        else:
            scan_key = None  # a problem that may not recur: not stored whole either
    reads, definitions = resolve(results)
    records.extend(families.collect(results, reads))  # gates, capabilities, identifier hits

    by_provider: dict[str, set[str]] = {}
    for r in reads:
        if r.flag_key is not None and r.read.confidence.value == "high":
            by_provider.setdefault(r.read.provider, set()).add(r.flag_key)

    conn = store.connect(db_path)
    try:
        conn.execute("BEGIN TRANSACTION")
        scan_id = _new_scan(conn, _scan_row(label, started, targets, config))
        store.insert_rows(conn, "files", ("scan_id", "path", "language", "size", "sha256", "origin", "target"),
                          ((scan_id, *row) for row in file_rows))
        store.insert_rows(
            conn, "flag_reads",
            ("scan_id", "path", "line", "col", "end_line", "end_col", "provider", "flag_key", "key_expr", "resolved",
             "method", "function", "default_value", "snippet", "confidence", "pack", "origin", "definition_path", "definition_line"),
            ((scan_id, r.read.path, r.read.span.line, r.read.span.col, r.read.span.end_line, r.read.span.end_col,
              r.read.provider, r.flag_key, r.read.key.text, r.flag_key is not None, r.read.method, r.read.function,
              r.read.default, r.read.snippet, r.read.confidence.value, r.read.pack, r.read.origin,
              r.definition.path if r.definition else None, r.definition.span.line if r.definition else None)
             for r in reads),
        )
        store.insert_rows(
            conn, "flag_definitions",
            ("scan_id", "flag_key", "provider", "kind", "symbol", "path", "line", "col", "default_value", "origin"),
            ((scan_id, d.key, d.provider, d.kind, d.symbol, d.path, d.span.line, d.span.col, d.default, d.origin) for d in definitions),
        )
        store.insert_rows(
            conn, "diagnostics", ("scan_id", "path", "code", "severity", "message", "line", "origin"),
            ((scan_id, d.path, d.code, d.severity.value, d.message, d.line, d.origin) for d in diagnostics),
        )
        store.insert_records(conn, scan_id, records)
        if manifest is not None:
            manifest.store(conn, scan_id)
        finding_count = rules.evaluate(conn, scan_id, emitted)
        if manifest is not None:
            manifest.apply(conn, scan_id)  # severity overrides and suppressions
        _finish_scan(conn, scan_id, t0, len(file_rows), len(reads), len(definitions), len(diagnostics))
        conn.execute("COMMIT")
        summary = ScanSummary(
            scan_id=scan_id,
            label=label,
            files=len(file_rows),
            reads=len(reads),
            keys=sum(len(v) for v in by_provider.values()),
            definitions=len(definitions),
            diagnostics=len(diagnostics),
            low_confidence=sum(1 for r in reads if r.read.confidence.value == "low"),
            unresolved=sum(1 for r in reads if r.flag_key is None),
            findings=finding_count,
            by_provider={k: len(v) for k, v in sorted(by_provider.items())},
            pipeline=pipeline.stats,
        )
        if scan_key is not None:  # stored whole: an unchanged rescan copies these rows (see `_replay`)
            cache.put_scan(scan_key, lambda d: _scan_meta(summary, store.export_scan(conn, scan_id, d / SCAN_DB)))
    except BaseException:
        try:
            conn.execute("ROLLBACK")
        except Exception:  # noqa: BLE001 - connection may already be unusable
            pass
        raise
    finally:
        conn.close()
    if cache is not None and cache.stats.writes and cache_limit is not None:
        # file systems keep modification times to a second or two (FAT, some network shares)
        with contextlib.suppress(OSError):  # the scan is stored: a cache it cannot prune is no error
            cache_mod.prune(cache.root, cache_limit, since - 2.0)
    if progress:
        progress("done", 0, total)
    summary.seconds = time.perf_counter() - t0
    return summary


SCAN_FORMAT = 2
"""Version of the layout of a scan stored whole: `scan.json` (`_scan_meta`) and `SCAN_DB`."""
SCAN_DB = "scan.duckdb"
"""In a scan stored whole: the scan's rows, as a database of its own holding them as scan 1."""
_SUMMARY_COUNTS = ("files", "reads", "keys", "definitions", "diagnostics", "low_confidence", "unresolved", "findings")


def _scan_row(label: str, started: datetime, targets: list[str], config: Config) -> list:
    """The `scans` columns a scan sets when it starts: label, started_at, targets, config_path,
    tool_version."""
    return [label, started, targets, str(config.path) if config.path else None, __version__]


def _new_scan(conn: duckdb.DuckDBPyConnection, row: list) -> int:
    """Insert the `scans` row of a new scan (`_scan_row`) under the next scan id; returns the id."""
    scan_id = conn.execute("SELECT coalesce(max(scan_id), 0) + 1 FROM scans").fetchone()[0]
    conn.execute(
        "INSERT INTO scans (scan_id, label, started_at, targets, config_path, tool_version) VALUES (?, ?, ?, ?, ?, ?)",
        [scan_id, *row],
    )
    return scan_id


def _finish_scan(conn: duckdb.DuckDBPyConnection, scan_id: int, t0: float, files: int, reads: int, definitions: int,
                 diagnostics: int) -> None:
    """Set the end time, duration (from `t0`, a `time.perf_counter()` reading) and counts of a scan."""
    conn.execute(
        "UPDATE scans SET finished_at = ?, duration_s = ?, file_count = ?, read_count = ?, definition_count = ?, diagnostic_count = ? WHERE scan_id = ?",
        [datetime.now(UTC).replace(tzinfo=None), time.perf_counter() - t0, files, reads, definitions, diagnostics, scan_id],
    )


def _identity(src) -> str | None:
    identify = getattr(src, "cache_identity", None)  # optional, see sources.interface
    return identify() if identify is not None else None


def _scan_key(fingerprint: str, identities: list[str | None], manifest: Manifest | None) -> str | None:
    """Key of a whole scan in the extraction cache, None unless every target can be stored whole.

    A scan's rows depend on its targets (each source's `cache_identity`: its bytes, the target as
    written, the limits), the extraction fingerprint (auditor code, packs, grammars, options), the
    manifest, the rules and the schema; the label, times and config path are written fresh. The
    DuckDB version is part of the key too, since the rows are stored as a DuckDB database file."""
    if not identities or any(i is None for i in identities):
        return None
    try:
        manifest_bytes = pickle.dumps(manifest, protocol=5)
    except Exception:  # noqa: BLE001 - an unpicklable manifest just disables replay
        return None
    h = hashlib.sha256()
    for part in (f"format={SCAN_FORMAT}", f"duckdb={duckdb.__version__}", fingerprint, store.schema_digest(),
                 rules.rules_digest(), *identities):
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    h.update(manifest_bytes)
    return h.hexdigest()


def _scan_meta(summary: ScanSummary, tables: dict[str, dict]) -> dict:
    """What a scan stored whole keeps besides its rows: each table's row count and columns
    (`store.export_scan`) and the summary's counts."""
    return {"format": SCAN_FORMAT, "tables": tables, "summary": {k: getattr(summary, k) for k in _SUMMARY_COUNTS},
            "by_provider": summary.by_provider}


def _replay(entry: tuple[Path, dict], db_path, label: str, targets: list[str], config: Config,
            started: datetime, t0: float, pipeline: Pipeline, host: store.Host | None = None) -> ScanSummary | None:
    """Write the scan stored whole in `entry` as a new scan (one transaction, as `run_scan` does):
    into a database that does not exist yet, by copying the stored database; into an existing
    one, by inserting the stored rows. Returns None, with nothing written, when the entry does not
    load (damaged, deleted meanwhile, not fitting the database); raises StoreError as `run_scan`
    does when the database cannot be opened."""
    directory, meta = entry
    try:
        if meta.get("format") != SCAN_FORMAT:
            return None
        tables = {str(t): {"rows": int(v["rows"]), "columns": [str(c) for c in v["columns"]]} for t, v in meta["tables"].items()}
        counts = {k: int(meta["summary"][k]) for k in _SUMMARY_COUNTS}
        by_provider = {str(k): int(v) for k, v in meta["by_provider"].items()}
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    stored = directory / SCAN_DB
    row = _scan_row(label, started, targets, config)

    def finish(conn, scan_id: int) -> None:
        _finish_scan(conn, scan_id, t0, counts["files"], counts["reads"], counts["definitions"], counts["diagnostics"])

    def prepare(conn) -> None:  # the copy holds the stored scan as scan 1: make it this one
        found = store.row_counts(conn, ["scans", *tables])
        if found != {"scans": 1, **{t: v["rows"] for t, v in tables.items()}}:
            raise StoreError(f"{stored} holds other rows than recorded")
        conn.execute("UPDATE scans SET label = ?, started_at = ?, targets = ?, config_path = ?, tool_version = ? WHERE scan_id = 1", row)
        finish(conn, 1)

    try:
        copied = store.copy_database(stored, db_path, prepare, host)
    except (StoreError, duckdb.Error):  # damaged or deleted meanwhile
        return None
    if copied:
        scan_id = 1
    else:
        conn = store.connect(db_path)
        try:
            with store.attached(conn, stored) as source:  # attached outside the transaction, detached after it
                conn.execute("BEGIN TRANSACTION")
                try:
                    scan_id = _new_scan(conn, row)
                    store.import_scan(conn, scan_id, source, tables)
                    finish(conn, scan_id)
                    conn.execute("COMMIT")
                except BaseException:
                    with contextlib.suppress(Exception):  # the connection may already be unusable
                        conn.execute("ROLLBACK")
                    raise
        except (StoreError, duckdb.Error):  # damaged, deleted meanwhile, or not fitting this database
            return None  # (an error of the database itself recurs in the full scan, which reports it)
        finally:
            conn.close()
    stats = pipeline.stats
    stats.jobs, stats.replayed = 1, True
    stats.files = stats.cached = counts["files"]
    stats.targets_cached = len(targets)
    return ScanSummary(scan_id=scan_id, label=label, **counts, seconds=time.perf_counter() - t0,
                       by_provider=by_provider, pipeline=stats)
