"""The `auditor` command line (Typer). The only module that prints or exits.

Exit codes: 0 success / nothing at or above `--fail-on`; 1 findings at or above it; 2 usage or
input error (missing target, bad config, unreadable database), printed as one line on stderr.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import duckdb
import typer

from auditor import store
from auditor.errors import AuditorError, StoreError

if TYPE_CHECKING:
    from rich.console import Console

app = typer.Typer(
    name="auditor",
    help="Feature-flag inventory and hidden-capability auditor for source trees and releases.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class _LazyConsole:
    """A Rich `Console` made on first use: Rich's console and its styles take 15 ms to import,
    which a quiet scan or a machine-readable report (JSON, SARIF, CSV) never needs. A Console
    writes to whatever `sys.stdout`/`sys.stderr` is when it prints, so making it later changes
    nothing."""

    def __init__(self, **options):
        self._options = options
        self._console: Console | None = None

    @property
    def console(self) -> Console:
        """The Console itself (for an API that wants one, such as `Progress(console=…)`)."""
        if self._console is None:
            from rich.console import Console

            self._console = Console(**self._options)
        return self._console

    def __getattr__(self, name: str):
        return getattr(self.console, name)


out = _LazyConsole(highlight=False, soft_wrap=True)
err = _LazyConsole(stderr=True, highlight=False)

DEFAULT_DB = "auditor.duckdb"
DbOption = Annotated[Path, typer.Option("--db", help="DuckDB database file.", envvar="AUDITOR_DB")]


class ReportFormat(StrEnum):
    """Output formats of listing commands."""

    text = "text"
    json = "json"


class FailOn(StrEnum):
    """Severity threshold for exit code 1."""

    error = "error"
    warning = "warning"
    note = "note"


class SqlFormat(StrEnum):
    """Output formats of `auditor sql`."""

    table = "table"
    json = "json"
    csv = "csv"


NoInferOption = Annotated[bool, typer.Option("--no-infer", help="Do not infer in-house flag APIs (only packs and configured wrappers find reads).")]


def fail(message: str) -> None:
    """Print `auditor: error: message` on stderr and exit 2."""
    from rich.markup import escape

    # one line whatever the terminal width; `[tool.auditor]` in a message is text, not markup
    err.print(f"[bold red]auditor: error:[/] {escape(message)}", markup=True, soft_wrap=True)
    raise typer.Exit(2)


def demo_project() -> Path:
    """The small demo project shipped inside the package (TypeScript and Python, several SDKs)."""
    return Path(__file__).resolve().parent / "demo" / "project"


def _perf(jobs: int | None, no_cache: bool) -> dict:
    """run_scan keyword arguments for `--jobs` / `--no-cache` (default: every CPU, cache on)."""
    from auditor.parallel import default_jobs

    return {"jobs": jobs or default_jobs(), "cache_dir": None if no_cache else True}


@app.command()
def scan(
    targets: Annotated[list[str] | None, typer.Argument(help="Directories, npm:NAME@VERSION, .tgz/.tar.gz/.whl/.zip artifacts, .js bundles or .map files. None: the demo release.", show_default=False)] = None,
    db: DbOption = Path(DEFAULT_DB),
    label: Annotated[str | None, typer.Option(help="Name for this scan (default: the targets' names).")] = None,
    config: Annotated[Path | None, typer.Option("--config", help="auditor.toml or pyproject.toml to use instead of searching upward.")] = None,
    exclude: Annotated[list[str] | None, typer.Option("--exclude", help="Gitignore-style pattern to skip; repeatable.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or summary (for CI).")] = False,
    fail_on: Annotated[FailOn | None, typer.Option("--fail-on", help="Exit 1 when a finding at or above this severity is present.")] = None,
    jobs: Annotated[int | None, typer.Option("--jobs", "-j", min=1, help="Worker processes for parsing (default: the CPUs available). Output is the same for any number.", show_default=False)] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Do not read or write the extraction cache ($AUDITOR_CACHE_DIR, default ~/.cache/auditor).")] = False,
    no_infer: NoInferOption = False,
) -> None:
    """Scan targets (flag reads, definitions, findings) and store them as one scan in the database."""
    from dataclasses import replace

    from auditor.scan import effective_config, run_scan

    perf = _perf(jobs, no_cache)
    targets = list(targets or [])
    if not targets:
        from auditor.demo.build_release import demo_release

        targets = [str(demo_release())]
        label = label or "demo"
        config = config or demo_project() / "auditor.toml"
        if not quiet:
            err.print(f"No target given: auditing the demo release {targets[0]} (built from {demo_project()})")
    try:
        cfg = effective_config(targets, config)
        if no_infer:
            cfg = replace(cfg, infer=False)
        if exclude:
            cfg = replace(cfg, exclude=cfg.exclude + tuple(exclude))
        if quiet:
            summary = run_scan(targets, db, label, cfg, **perf)
        else:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            with Progress(
                TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
                TimeElapsedColumn(), console=err.console, transient=True,
            ) as bar:
                task = bar.add_task("Scanning", total=None)

                def progress(event: str, advance: int, total: int | None) -> None:
                    if event == "start":
                        bar.update(task, total=total)
                    elif event == "file":
                        bar.advance(task, advance)
                    elif event == "done":
                        bar.update(task, description="Writing")

                summary = run_scan(targets, db, label, cfg, progress, **perf)
    except AuditorError as exc:
        fail(str(exc))
        return
    if quiet:
        if _fails(db, summary.scan_id, fail_on):
            raise typer.Exit(1)
        return
    providers = ", ".join(f"{p} {n}" for p, n in summary.by_provider.items()) or "none"
    out.print(
        f"[bold]Scan {summary.scan_id}[/] ({summary.label}) → {db}\n"
        f"  files        {summary.files}\n"
        f"  flag keys    {summary.keys} ({providers})\n"
        f"  flag reads   {summary.reads} ({summary.low_confidence} low confidence, {summary.unresolved} unresolved)\n"
        f"  definitions  {summary.definitions}\n"
        f"  diagnostics  {summary.diagnostics}\n"
        f"  findings     {summary.findings}\n"
        f"  time         {summary.seconds:.2f}s{_pipeline_note(summary.pipeline)}\n"
        f"Next: auditor flags --db {db}   ·   auditor findings --db {db}"
    )
    conn = _open_read(db)  # one read connection for the reports (opening the file costs 10-20 ms)
    try:
        _print_artifacts_for(conn, summary.scan_id)
        if summary.findings:
            _print_findings_for(conn, summary.scan_id)
        failed = fail_on is not None and _worst_at_or_above(conn, summary.scan_id, fail_on)
    finally:
        conn.close()
    if failed:
        raise typer.Exit(1)


def _pipeline_note(stats) -> str:
    """` (2 workers, 75 cached, 3 duplicates)` for the scan summary's time line."""
    if stats is None:
        return ""
    if stats.replayed:
        return " (replayed from the cache: same artifacts, packs, manifest and rules)"
    parts = [f"{stats.jobs} worker{'s' if stats.jobs != 1 else ''}" if stats.jobs > 1 else "1 process"]
    if stats.targets_cached:
        parts.append(f"{stats.targets_cached} artifact{'s' if stats.targets_cached != 1 else ''} whole from the cache")
    if stats.cached:
        parts.append(f"{stats.cached} cached")
    if stats.duplicates:
        parts.append(f"{stats.duplicates} duplicate{'s' if stats.duplicates != 1 else ''}")
    if stats.crashed:
        parts.append(f"{stats.crashed} crashed the parser")
    return f" ({', '.join(parts)})"


def _print_artifacts_for(conn: duckdb.DuckDBPyConnection, scan_id: int) -> None:
    """One line per release artifact of the scan: kind, package, entries, bytes, source maps."""
    from auditor.report.artifacts import artifact_lines

    for line in artifact_lines(conn, scan_id):
        out.print(f"  artifact     {line}", markup=False)


def _print_findings_for(conn: duckdb.DuckDBPyConnection, scan_id: int) -> None:
    from auditor.report.findings import findings_report
    from auditor.report.text import print_findings

    print_findings(out, findings_report(conn, scan_id))


def _worst_at_or_above(conn: duckdb.DuckDBPyConnection, scan_id: int, level: FailOn) -> bool:
    """True when the scan has an unsuppressed finding at `level` or above."""
    levels = {"error": ["error"], "warning": ["error", "warning"], "note": ["error", "warning", "note"]}[level.value]
    n = conn.execute(
        f"SELECT count(*) FROM findings WHERE scan_id = ? AND NOT suppressed AND severity IN ({', '.join('?' * len(levels))})",
        [scan_id, *levels],
    ).fetchone()[0]
    return n > 0


def _fails(db: Path, scan_id: int, level: FailOn | None) -> bool:
    """`_worst_at_or_above` on its own read connection; False when `level` is None."""
    if level is None:
        return False
    conn = _open_read(db)
    try:
        return _worst_at_or_above(conn, scan_id, level)
    finally:
        conn.close()


def _open_read(db: Path) -> duckdb.DuckDBPyConnection:
    try:
        return store.connect(db, read_only=True)
    except StoreError as exc:
        fail(str(exc))
        raise  # unreachable


def _read_scan(db: Path, scan: str | None, build) -> tuple[int, object]:
    """Open the database read-only, pick the scan (newest, or newest with label `scan`) and return
    (scan id, build(conn, scan_id)); a missing database or scan exits 2 with one line."""
    conn = _open_read(db)
    try:
        scan_id = store.latest_scan_id(conn, scan)
        return scan_id, build(conn, scan_id)
    except StoreError as exc:
        fail(str(exc))
        raise  # unreachable: fail() exits
    finally:
        conn.close()


def _print_json(data: object) -> None:
    print(json.dumps(data, indent=2, default=str))


@app.command()
def flags(
    db: DbOption = Path(DEFAULT_DB),
    scan: Annotated[str | None, typer.Option("--scan", help="Scan label (default: the newest scan).")] = None,
    format: Annotated[ReportFormat, typer.Option("--format", help="Output format.")] = ReportFormat.text,
) -> None:
    """Print the flag inventory of a scan: keys by provider, reads, definitions, drift."""
    from auditor.report.inventory import inventory

    _, data = _read_scan(db, scan, inventory)
    if format is ReportFormat.json:
        _print_json(data)
        return
    from auditor.report.text import print_inventory

    print_inventory(out, data)


@app.command()
def sql(
    query: Annotated[str, typer.Argument(help="SQL to run (read-only) over the tables and views.")],
    db: DbOption = Path(DEFAULT_DB),
    format: Annotated[SqlFormat, typer.Option("--format", help="Output format.")] = SqlFormat.table,
    shards: Annotated[Path | None, typer.Option("--shards", help="Query a directory of Parquet shards (auditor export --parquet) instead of --db.", show_default=False)] = None,
) -> None:
    """Run an ad-hoc read-only SQL query over the scan database (or a directory of Parquet shards)."""
    if shards is not None:
        from auditor.export import open_shards

        try:
            conn = open_shards(shards)
        except StoreError as exc:
            fail(str(exc))
            return
    else:
        conn = _open_read(db)
    try:
        cur = conn.execute(query)
        cols = [d[0] for d in cur.description] if cur.description else []
        rows = cur.fetchall()
    except duckdb.Error as exc:
        fail(f"SQL failed: {str(exc).splitlines()[0]}")
        return
    finally:
        conn.close()
    if format is SqlFormat.json:
        print(json.dumps([dict(zip(cols, r)) for r in rows], indent=2, default=str))
    elif format is SqlFormat.csv:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(cols)
        w.writerows(rows)
        sys.stdout.write(buf.getvalue())
    else:
        from rich.table import Table

        table = Table(*cols, show_lines=False)
        for r in rows:
            table.add_row(*("" if v is None else str(v) for v in r))
        out.print(table)
        out.print(f"{len(rows)} row{'s' if len(rows) != 1 else ''}")


@app.command()
def findings(
    db: DbOption = Path(DEFAULT_DB),
    scan: Annotated[str | None, typer.Option("--scan", help="Scan label (default: the newest scan).")] = None,
    format: Annotated[ReportFormat, typer.Option("--format", help="Output format.")] = ReportFormat.text,
    fail_on: Annotated[FailOn | None, typer.Option("--fail-on", help="Exit 1 when a finding at or above this severity is present.")] = None,
) -> None:
    """List the findings of a scan (rule id, severity, location, message)."""
    from auditor.report.findings import findings_report

    scan_id, data = _read_scan(db, scan, findings_report)
    if format is ReportFormat.json:
        _print_json(data)
    else:
        from auditor.report.text import print_findings

        print_findings(out, data)
    if _fails(db, scan_id, fail_on):
        raise typer.Exit(1)


@app.command("rules")
def rules_cmd() -> None:
    """List every rule: id, default severity, name and summary."""
    from rich.table import Table

    from auditor.rules import all_rules

    table = Table("id", "severity", "name", "summary")
    for r in all_rules().values():
        table.add_row(r.id, r.severity.value, r.name, r.summary)
    out.print(table)


@app.command()
def explain(rule_id: Annotated[str, typer.Argument(help="Rule id, e.g. FLG001.")]) -> None:
    """Print a rule's documentation: what it finds, why it matters, an example, how to fix."""
    from rich.markdown import Markdown

    from auditor.rules import get_rule

    try:
        rule = get_rule(rule_id)
    except AuditorError as exc:
        fail(str(exc))
        return
    if sys.stdout.isatty():
        out.print(Markdown(rule.markdown()))
    else:
        sys.stdout.write(rule.markdown())


@app.command("app")
def app_cmd(
    db: DbOption = Path(DEFAULT_DB),
    port: Annotated[int, typer.Option("--port", help="Port on 127.0.0.1 (0 picks a free one).", min=0, max=65535)] = 8501,
) -> None:
    """Start the Streamlit dashboard on the database, bound to 127.0.0.1, and print its URL."""
    from auditor import dashboard

    try:
        port = port or dashboard.free_port()
        dashboard.prepare(db, port)  # fails early: missing database, busy port
    except AuditorError as exc:
        fail(str(exc))
        return
    out.print(f"auditor dashboard: http://{dashboard.HOST}:{port}  (database {Path(db).resolve()}; Ctrl+C stops it)")
    sys.stdout.flush()
    sys.stderr.flush()
    dashboard.exec_(db, port)  # becomes the Streamlit server: signals reach it directly


class CheckFormat(StrEnum):
    """Output formats of `auditor check`."""

    text = "text"
    json = "json"
    sarif = "sarif"
    markdown = "markdown"


class DiffFormat(StrEnum):
    """Output formats of `auditor diff`."""

    text = "text"
    json = "json"
    markdown = "markdown"


def demo_manifest() -> Path:
    """The manifest of the demo (what the demo agent is meant to expose)."""
    return Path(__file__).resolve().parent / "demo" / "manifest.toml"


def demo_check_target() -> Path:
    """What `auditor check` with no target checks: the demo release when one is shipped, else the demo project."""
    from auditor.demo.build_release import demo_release

    return demo_release()


def _emit(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    try:
        output.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror or exc}")


def _render_rich(render, output: Path | None) -> None:
    if output is None:
        render(out)
        return
    from rich.console import Console

    buf = io.StringIO()
    render(Console(file=buf, width=140, color_system=None, highlight=False, soft_wrap=True))
    _emit(buf.getvalue(), output)


@app.command()
def check(
    targets: Annotated[list[str] | None, typer.Argument(help="Directories, files or releases to check. None: the shipped demo, with its manifest.", show_default=False)] = None,
    manifest: Annotated[Path | None, typer.Option("--manifest", help="Manifest of what is meant to be public (TOML, or an OpenFeature flag manifest .json). Default: the one the configuration names.")] = None,
    fail_on: Annotated[FailOn, typer.Option("--fail-on", help="Exit 1 when a new, unsuppressed finding at or above this severity is present.")] = FailOn.error,
    format: Annotated[CheckFormat, typer.Option("--format", help="Report format.")] = CheckFormat.text,
    baseline: Annotated[Path | None, typer.Option("--baseline", help="A previous `check --format json` or SARIF report: its findings are not new.")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the report to this file instead of stdout.")] = None,
    db: DbOption = Path(DEFAULT_DB),
    label: Annotated[str | None, typer.Option(help="Name for this scan (default: the targets' names).")] = None,
    config: Annotated[Path | None, typer.Option("--config", help="auditor.toml or pyproject.toml to use instead of searching upward.")] = None,
    jobs: Annotated[int | None, typer.Option("--jobs", "-j", min=1, help="Worker processes for parsing (default: the CPUs available). Output is the same for any number.", show_default=False)] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Do not read or write the extraction cache ($AUDITOR_CACHE_DIR, default ~/.cache/auditor).")] = False,
    no_infer: NoInferOption = False,
) -> None:
    """Scan targets, compare what ships with the manifest, report findings; exit 1 on findings at or above --fail-on."""
    from auditor.manifest import load_manifest, manifest_from_config
    from auditor.report.check import check_report, load_baseline
    from auditor.scan import effective_config, run_scan

    targets = list(targets or [])
    if not targets:
        targets = [str(demo_check_target())]
        label = label or "demo"
        config = config or demo_project() / "auditor.toml"
        if manifest is None:
            manifest = demo_manifest()
    try:
        cfg = effective_config(targets, config)
        if no_infer:
            from dataclasses import replace

            cfg = replace(cfg, infer=False)
        man = load_manifest(manifest) if manifest is not None else manifest_from_config(cfg)
        base = load_baseline(baseline) if baseline is not None else None
        summary = run_scan(targets, db, label, cfg, manifest=man, **_perf(jobs, no_cache))
        conn = store.connect(db, read_only=True)
        try:
            report = check_report(conn, summary.scan_id, fail_on.value, base)
        finally:
            conn.close()
    except AuditorError as exc:
        fail(str(exc))
        return
    if man is None:
        err.print("auditor: note: no manifest (--manifest FILE): the shipped-vs-public rules were skipped")
    if format is CheckFormat.json:
        _emit(json.dumps(report, indent=2, default=str), output)
    elif format is CheckFormat.sarif:
        from auditor.report.sarif import to_sarif

        _emit(json.dumps(to_sarif(report), indent=2, default=str), output)
    elif format is CheckFormat.markdown:
        from auditor.report.markdown import check_markdown

        _emit(check_markdown(report), output)
    else:
        from auditor.report.text import print_check

        _render_rich(lambda c: print_check(c, report), output)
    raise typer.Exit(1 if report["failing"] else 0)


def _scan_or_label(value: str, which: str, other: str, db: Path, manifest: Path | None, config: Path | None, perf: dict) -> int:
    """Scan id for a `diff` operand: a target (scanned now) or the label of a scan in the database."""
    from auditor.manifest import load_manifest, manifest_from_config
    from auditor.scan import effective_config, run_scan

    if Path(value).exists():
        cfg = effective_config([value], config)
        man = load_manifest(manifest) if manifest is not None else manifest_from_config(cfg)
        name = Path(value).name or value
        label = f"{name} ({which})" if name == (Path(other).name or other) else name
        return run_scan([value], db, label, cfg, manifest=man, **perf).scan_id
    if not Path(db).exists():
        raise StoreError(f"{value!r} is neither a target nor a scan label (database {db} not found)")
    conn = store.connect(db, read_only=True)
    try:
        return store.latest_scan_id(conn, value)
    except StoreError as exc:
        raise StoreError(f"{value!r} is neither a target nor a scan label in {db}") from exc
    finally:
        conn.close()


@app.command()
def diff(
    old: Annotated[str, typer.Argument(help="Older release: a target to scan, or a scan label in --db.")],
    new: Annotated[str, typer.Argument(help="Newer release: a target to scan, or a scan label in --db.")],
    format: Annotated[DiffFormat, typer.Option("--format", help="Report format (markdown fits a release PR comment).")] = DiffFormat.text,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the report to this file instead of stdout.")] = None,
    manifest: Annotated[Path | None, typer.Option("--manifest", help="Manifest applied when scanning targets.")] = None,
    fail_on: Annotated[FailOn | None, typer.Option("--fail-on", help="Exit 1 when a new finding at or above this severity appears.")] = None,
    db: DbOption = Path(DEFAULT_DB),
    config: Annotated[Path | None, typer.Option("--config", help="auditor.toml or pyproject.toml to use when scanning targets.")] = None,
    jobs: Annotated[int | None, typer.Option("--jobs", "-j", min=1, help="Worker processes for parsing (default: the CPUs available). Output is the same for any number.", show_default=False)] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Do not read or write the extraction cache ($AUDITOR_CACHE_DIR, default ~/.cache/auditor).")] = False,
) -> None:
    """Compare two releases: flags, capabilities and entries added and removed, size ratio, new findings."""
    from auditor.report.diff import diff_scans

    try:
        old_id = _scan_or_label(old, "old", new, db, manifest, config, _perf(jobs, no_cache))
        new_id = _scan_or_label(new, "new", old, db, manifest, config, _perf(jobs, no_cache))
        conn = store.connect(db, read_only=True)
        try:
            d = diff_scans(conn, old_id, new_id)
        finally:
            conn.close()
    except AuditorError as exc:
        fail(str(exc))
        return
    if format is DiffFormat.json:
        _emit(json.dumps(d, indent=2, default=str), output)
    elif format is DiffFormat.markdown:
        from auditor.report.markdown import diff_markdown

        _emit(diff_markdown(d), output)
    else:
        from auditor.report.text import print_diff

        _render_rich(lambda c: print_diff(c, d), output)
    if fail_on is not None:
        from auditor.models import Severity

        threshold = Severity(fail_on.value).rank
        if any(Severity(f["severity"]).rank >= threshold for f in d["findings"]["new"]):
            raise typer.Exit(1)


@app.command()
def capabilities(
    db: DbOption = Path(DEFAULT_DB),
    scan: Annotated[str | None, typer.Option("--scan", help="Scan label (default: the newest scan).")] = None,
    kind: Annotated[str | None, typer.Option("--kind", help="Only this kind: tool, command, option, route, setting.")] = None,
    format: Annotated[ReportFormat, typer.Option("--format", help="Output format.")] = ReportFormat.text,
) -> None:
    """List the capabilities of a scan: tools, commands, options, routes, settings, hidden or gated."""
    from auditor.report.check import capabilities_report

    _, rows = _read_scan(db, scan, lambda conn, scan_id: capabilities_report(conn, scan_id, kind))
    if format is ReportFormat.json:
        _print_json(rows)
        return
    from auditor.report.text import print_capabilities

    print_capabilities(out, rows)


@app.command()
def providers(
    db: DbOption = Path(DEFAULT_DB),
    scan: Annotated[str | None, typer.Option("--scan", help="Scan label (default: the newest scan).")] = None,
    format: Annotated[ReportFormat, typer.Option("--format", help="Output format.")] = ReportFormat.text,
) -> None:
    """List the flag APIs of a scan: in-house (inferred, configured) first, then SDK packs; with call
    counts, sample keys, evidence, and the config lines that pin the inferred ones."""
    from auditor.report.providers import print_providers, providers_report

    _, data = _read_scan(db, scan, providers_report)
    if format is ReportFormat.json:
        _print_json(data)
        return
    print_providers(out, data)


@app.command()
def gates(
    db: DbOption = Path(DEFAULT_DB),
    scan: Annotated[str | None, typer.Option("--scan", help="Scan label (default: the newest scan).")] = None,
    flag: Annotated[str | None, typer.Option("--flag", help="Only gates decided by this flag key.")] = None,
    format: Annotated[ReportFormat, typer.Option("--format", help="Output format.")] = ReportFormat.text,
) -> None:
    """List the gates of a scan: conditionals that read a flag, with polarity, gated lines and nesting."""
    from auditor.report.check import gates_report

    _, rows = _read_scan(db, scan, lambda conn, scan_id: gates_report(conn, scan_id, flag))
    if format is ReportFormat.json:
        _print_json(rows)
        return
    from auditor.report.text import print_gates

    print_gates(out, rows)


@app.command()
def export(
    parquet: Annotated[Path, typer.Option("--parquet", help="Directory to write the Parquet shards to (created if missing; shared by any number of exports).")],
    db: DbOption = Path(DEFAULT_DB),
    scan: Annotated[list[str] | None, typer.Option("--scan", help="Export the newest scan with this label; repeatable (default: every scan).")] = None,
) -> None:
    """Write scans as Parquet shards (one file per table and scan, Hive-partitioned by scan_id)."""
    from auditor.export import export_parquet

    try:
        done = export_parquet(db, parquet, list(scan) if scan else None)
    except StoreError as exc:
        fail(str(exc))
        return
    for e in done:
        out.print(f"scan {e.scan_id} ({e.label}) → {parquet}/<table>/scan_id={e.shard_scan_id}/")
    out.print(f"{len(done)} scan{'s' if len(done) != 1 else ''} exported. Query them with: auditor sql --shards {parquet} \"SELECT …\"")


@app.command("cache")
def cache_cmd(
    clear: Annotated[bool, typer.Option("--clear", help="Delete every entry of the extraction cache.")] = False,
    prune: Annotated[bool, typer.Option("--prune", help="Remove the least recently used entries now, down to the size limit.")] = False,
) -> None:
    """Show where the extraction cache is, how big it is and its size limit (or clear or prune it).

    The limit is `AUDITOR_CACHE_MAX_MB` (MiB, default 2048; 0 for none); scans prune the cache to
    it on their own after storing something."""
    from auditor.cache import cache_info, clear_cache, max_cache_bytes
    from auditor.cache import prune as prune_cache

    try:
        limit = max_cache_bytes()
    except AuditorError as exc:
        fail(str(exc))
        return
    if prune and not clear:
        done = prune_cache(max_bytes=limit)
        out.print(f"pruned {done.removed} entr{'ies' if done.removed != 1 else 'y'} ({done.freed / 1e6:.1f} MB)")
    info = clear_cache() if clear else cache_info()
    verb = "removed" if clear else "holds"
    shown_limit = "no size limit" if limit is None else f"limit {limit / 1e6:.0f} MB"
    out.print(f"{info.root} {verb} {info.entries} entries ({info.bytes / 1e6:.1f} MB) in {info.fingerprints} "
              f"fingerprint director{'ies' if info.fingerprints != 1 else 'y'}; {shown_limit} (AUDITOR_CACHE_MAX_MB)")


def main() -> None:
    """Console-script entry point: runs the command, then exits without tearing the interpreter
    down when nothing else runs (see `_exit`)."""
    _spare_workers_the_script()
    try:
        app()  # standalone: always ends in SystemExit
    except SystemExit as exc:
        _exit(exc.code)
    _exit(0)


def _spare_workers_the_script() -> None:
    """Keep worker processes from running the console script again.

    multiprocessing's forkserver and spawn start methods run the parent's main module again in
    each new worker (as `__mp_main__`) unless the module has a `__spec__` whose name ends in
    `.__main__` (`multiprocessing.spawn._fixup_main_from_name`), as `python -m auditor` has. The
    `auditor` console script has none, so each worker imported this module, Typer and Click again
    (0.08 s of CPU per worker, before its first file) for nothing: workers run `auditor.parallel`
    functions only. Naming the script `auditor.__main__`, which it stands for, skips that."""
    import importlib.machinery

    script = sys.modules.get("__main__")
    if script is not None and getattr(script, "__spec__", None) is None:
        script.__spec__ = importlib.machinery.ModuleSpec("auditor.__main__", None)


def _exit(code: object) -> None:
    """Exit with `code` as `sys.exit` would, skipping the interpreter's teardown: freeing the
    modules of DuckDB, Typer, Rich and tree-sitter one by one takes about 0.1 s, a quarter of a
    rescan replayed from the cache. Exit handlers still run and the standard streams are
    flushed; every file and database the command opened is closed by then. When a thread other
    than the main one is still running, or a profiler or tracer (cProfile, coverage) is active, the
    normal exit is taken instead."""
    import atexit
    import os
    import threading

    if sys.getprofile() is not None or sys.gettrace() is not None or \
            any(t is not threading.main_thread() and not t.daemon and t.is_alive() for t in threading.enumerate()):
        sys.exit(code)  # a profiler or coverage writes its data at exit; a thread is waited for
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:
        print(code, file=sys.stderr)
        status = 1
    atexit._run_exitfuncs()  # what the interpreter runs at exit before its teardown
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (`auditor … | head`) or stream: nothing to flush to
            pass
    os._exit(status & 0xFF)  # as the C exit() the interpreter would call
