"""The scan pipeline: targets → files → extraction → resolution → one DuckDB transaction.

`run_scan` is the library entry point the CLI calls; it reports progress through a callback and
never prints.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from auditor import __version__, rules, store
from auditor import cache as cache_mod
from auditor.config import Config, discover_config, load_config
from auditor.errors import AuditorError, ConfigError
from auditor.extract import families
from auditor.extract.process import ExtractorSpec
from auditor.manifest import Manifest, manifest_from_config
from auditor.models import FAILURE_CODES, BundleText, Diagnostic, FileResult, SecretHit, Severity
from auditor.parallel import Pipeline, PipelineStats
from auditor.queries import builtin_query_dir, discover
from auditor.resolve import Inference, resolve
from auditor.sources import open_target
from auditor.sources.secrets import evidence_of

ProgressFn = Callable[[str, int, int | None], None]
"""progress(event, advance, total): event is `open` (targets about to be opened: downloaded, listed),
`start` (total files known, or None), `entry` (an artifact entry was read; advance 1), `file` (a file
was extracted; advance 1), `map-file` (a file rebuilt from a source map was extracted; advance 1),
`bytes` (advance: bytes of the file just extracted), `resolve` (keys are being resolved), `rules`
(rules run and the scan is written), `done`."""


@dataclass(slots=True)
class ScanSummary:
    """What a finished scan wrote (counts are rows in the database for this scan)."""

    scan_id: int
    label: str
    """The scan's label (`--label`, else the targets' names)."""
    files: int = 0
    """Rows of `files`: the files extracted (from the sources, archives and rebuilt map sources)."""
    reads: int = 0
    """Rows of `flag_reads`."""
    keys: int = 0
    """Distinct resolved flag keys of high or inferred confidence."""
    definitions: int = 0
    """Rows of `flag_definitions`."""
    diagnostics: int = 0
    """Rows of `diagnostics` (notes included)."""
    low_confidence: int = 0
    """Reads of `low` confidence (see `models.Confidence`)."""
    unresolved: int = 0
    """Reads whose key could not be resolved to a string."""
    findings: int = 0
    """Findings the rules emitted (the manifest's suppressions apply after)."""
    seconds: float = 0.0
    """Wall-clock seconds the scan took."""
    by_provider: dict[str, int] = field(default_factory=dict)
    """Distinct resolved high-confidence and inferred keys per provider (`keys` counts each key once,
    whatever its providers, as `report.check.flag_key_count` and the verdict do)."""
    pipeline: PipelineStats | None = None
    """Workers used, files extracted / taken from the cache / deduplicated."""
    config_path: str | None = None
    """The config file the scan used (None: the defaults)."""
    failures: list[Diagnostic] = field(default_factory=list)
    """Diagnostics of internal errors (`models.FAILURE_CODES`): when there is one, the audit is
    incomplete (stored all the same; `auditor scan` exits 2)."""

    @property
    def complete(self) -> bool:
        """False when an internal error left an item unaudited (see `failures`)."""
        return not self.failures


def load_packs(config: Config):
    """Built-in packs, then packs from configured query dirs, then packs generated from config."""
    packs = discover([builtin_query_dir(), *config.query_dirs])
    packs.extend(config.generated_packs())
    return packs


def _work_budget(config: Config) -> dict:
    """`{"max_file_work": n}` when the configuration sets `max_file_work` (work units one file's
    extraction may take, see `extract.budget`), else nothing (the default). Raises ConfigError for
    a value that is not a positive integer."""
    value = config.extra.get("max_file_work")
    if value is None:
        return {}
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ConfigError(f"{config.path}: max_file_work: expected a positive integer (work units), got {value!r}")
    return {"max_file_work": value}


def env_flag_reads(reads: list, globs: tuple[str, ...]) -> list:
    """Reads of environment variables whose names match one of `globs` (`FEATURE_*`), relabelled
    with provider `env-flag`; the other reads as they are."""
    import fnmatch
    from dataclasses import replace

    out = []
    for r in reads:
        if r.read.provider == "env" and r.flag_key is not None and any(fnmatch.fnmatchcase(r.flag_key, g) for g in globs):
            r = replace(r, read=replace(r.read, provider="env-flag"))
        out.append(r)
    return out


def effective_config(targets: list[str], config_path: Path | None) -> Config:
    """Load `--config`, else the config of the first directory target, else the working directory's
    (`config.discover_config`; defaults if none). `Config.path` says which file was used."""
    return load_config(discover_config(targets, config_path))


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
    `auditor.cache`): files whose results are cached are not extracted again, and a release
    artifact whose items are cached whole is not even read again; the stored rows are the same.
    """
    t0 = time.perf_counter()
    started = datetime.now(UTC).replace(tzinfo=None)
    config = config or Config()
    if manifest is None:
        manifest = manifest_from_config(config)  # `manifest = "file"` or [tool.auditor.manifest]
    if progress:
        progress("open", 0, None)
    sources = [open_target(t, config) for t in targets]  # fail fast on a missing target
    # Workers build their own Extractor from this (pack sources + options), see auditor/parallel.py.
    spec = ExtractorSpec(tuple(load_packs(config)), {
        "registries": {r.name: r.provider for r in config.registries},
        "identifiers": manifest.identifier_scanner() if manifest is not None else None,
        **_work_budget(config),
        "infer": config.infer,
        "registry_kinds": config.registry_kinds(),
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
    records: list = []
    bundle_texts: list[BundleText] = []
    label = label or " ".join(Path(t).name or t for t in targets)
    with Pipeline(spec, jobs or 1, cache_dir) as pipeline:  # yields items in source order, each SourceFile replaced by its FileResult
        cache = pipeline.cache
        # a release artifact is cached whole, under a key of its identity: an unchanged one is not read again
        artifact_keys = [pipeline.keys.artifact(src) if cache is not None else None for src in sources]
        record: dict[int, tuple[list, list]] = {}  # artifacts read this time: their items and file keys, to cache whole

        def tagged():
            for n, (t, src, key) in enumerate(zip(targets, sources, artifact_keys)):
                hit = cache.get_artifact(key) if key is not None else None
                if hit is not None:
                    pipeline.stats.targets_cached += 1
                    for item in hit:
                        if isinstance(item, FileResult) and item.extracted:
                            pipeline.stats.files += 1
                            pipeline.stats.cached += 1
                        yield (n, t), item
                    continue
                if key is not None:
                    record[n] = ([], [])
                try:
                    for item in src.iter_files():
                        yield (n, t), item
                except AuditorError:
                    raise  # a deliberate refusal (TargetError, ...): one line, exit 2, as before
                except Exception as exc:  # noqa: BLE001 - the last safety net: the other targets go on
                    yield (n, t), Diagnostic(t, "target-failed", f"internal error while reading the target: {type(exc).__name__}: {exc}",
                                             Severity.ERROR)

        for (n, target), item, file_key in pipeline.run(tagged()):
            if n in record:
                record[n][0].append(item)
                record[n][1].append(file_key)
            if isinstance(item, Diagnostic):
                diagnostics.append(item)
                continue
            if isinstance(item, BundleText):  # read after extraction (mappings.record_presence), not stored
                bundle_texts.append(item)
                continue
            if not isinstance(item, FileResult):  # artifact rows: models.Artifact, Entry, SourceMapInfo, ...
                records.append(item)
                if progress and type(item).__name__ == "Entry":
                    progress("entry", 1, total)
                continue
            res = item
            if res.secrets:
                records.extend(SecretHit(target, res.path, line, kind, evidence_of(kind), res.origin) for kind, line in res.secrets)
            if not res.extracted:  # an archive entry searched for secrets only
                diagnostics.extend(res.diagnostics)
                continue
            results.append(res)
            diagnostics.extend(res.diagnostics)
            file_rows.append((res.path, res.language, res.size, res.sha256, res.origin, target))
            if progress:
                progress("map-file" if res.origin.startswith("source map:") else "file", 1, total)
                progress("bytes", res.size, total)
        for n, (items, file_keys) in record.items():
            found = [i for i in items if isinstance(i, Diagnostic)] + [d for i in items if isinstance(i, FileResult) for d in i.diagnostics]
            if cache_mod.cacheable(found):
                cache.put_artifact(artifact_keys[n], items, file_keys)
    if progress:
        progress("resolve", 0, total)
    inference = Inference(config.infer, frozenset(w.name.rsplit(".", 1)[-1] for w in config.wrappers))
    reads, definitions = resolve(results, inference)
    records.extend(inference.records)  # flag_apis rows
    if config.env_flags:
        reads = env_flag_reads(reads, config.env_flags)
    records.extend(families.collect(results, reads))  # gates, capabilities, identifier hits

    by_provider: dict[str, set[str]] = {}
    for r in reads:
        if r.flag_key is not None and r.read.confidence.value in ("high", "inferred"):
            by_provider.setdefault(r.read.provider, set()).add(r.flag_key)

    if progress:
        progress("rules", 0, total)
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
        if bundle_texts:  # which map-revealed names occur in the generated files (REL002, REL003)
            from auditor.sources.mappings import record_presence
            diagnostics_late = record_presence(conn, scan_id, bundle_texts)
            store.insert_rows(conn, "diagnostics", ("scan_id", "path", "code", "severity", "message", "line", "origin"),
                              ((scan_id, d.path, d.code, d.severity.value, d.message, d.line, d.origin) for d in diagnostics_late))
            diagnostics.extend(diagnostics_late)
        finding_count = rules.evaluate(conn, scan_id)
        if manifest is not None:
            manifest.apply(conn, scan_id)  # severity overrides and suppressions
        _finish_scan(conn, scan_id, t0, len(file_rows), len(reads), len(definitions), len(diagnostics))
        conn.execute("COMMIT")
        summary = ScanSummary(
            scan_id=scan_id,
            label=label,
            files=len(file_rows),
            reads=len(reads),
            keys=len(set().union(*by_provider.values())),  # distinct keys, as every report counts them
            definitions=len(definitions),
            diagnostics=len(diagnostics),
            low_confidence=sum(1 for r in reads if r.read.confidence.value == "low"),
            unresolved=sum(1 for r in reads if r.flag_key is None),
            findings=finding_count,
            by_provider={k: len(v) for k, v in sorted(by_provider.items())},
            pipeline=pipeline.stats,
            config_path=str(config.path) if config.path else None,
            failures=[d for d in diagnostics if d.code in FAILURE_CODES],
        )
    except BaseException:
        try:
            conn.execute("ROLLBACK")
        except Exception:  # noqa: BLE001 - connection may already be unusable
            pass
        raise
    finally:
        conn.close()
    if progress:
        progress("done", 0, total)
    summary.seconds = time.perf_counter() - t0
    return summary


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
