"""The `auditor` command line (Typer). The only module that prints or exits.

Exit codes: 0 success / nothing at or above `--fail-on`; 1 findings at or above it; 2 usage or
input error (missing target, bad config, unreadable database), printed as one line on stderr, or an
incomplete audit (`scan`, `check`: an internal error left an item unaudited; everything else is
stored and reported, and one stderr line names the item and the cause; see `report.verdict`).
"""

from __future__ import annotations

import csv
import io
import json
import os
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
        """The Console itself (for an API that wants one, such as `Progress(console=…)`). When its
        stream is not a terminal (a pipe, a file, a CI log) and no width is set (`$COLUMNS` sets
        one), lines are as wide as their content (`NOT_A_TERMINAL_WIDTH`): tables never cut a path
        or a line number."""
        if self._console is None:
            from rich.console import Console

            options = dict(self._options)
            stream = sys.stderr if options.get("stderr") else sys.stdout
            if "width" not in options and not _is_terminal(stream) and not os.environ.get("COLUMNS"):
                options["width"] = NOT_A_TERMINAL_WIDTH
            self._console = Console(**options)
        return self._console

    def __getattr__(self, name: str):
        return getattr(self.console, name)


NOT_A_TERMINAL_WIDTH = 10_000
"""Console width when the output is not a terminal: wide enough that nothing wraps or is cut."""


def _is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


out = _LazyConsole(highlight=False, soft_wrap=True)
err = _LazyConsole(stderr=True, highlight=False)

DEFAULT_DB = "auditor.duckdb"
DbOption = Annotated[Path, typer.Option("--db", help="DuckDB database file.", envvar="AUDITOR_DB")]
ScanOption = Annotated[str | None, typer.Option("--scan", help="Scan label (default: the newest scan).")]
OutputOption = Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")]


def _formats(report: str) -> type[StrEnum]:
    """The `--format` choices of a report, from the format registry (`auditor.report.formats`)."""
    from auditor.report.formats import FORMATS

    return StrEnum(f"{report.capitalize()}Format", {f: f for f in FORMATS[report]})


FlagsFormat = _formats("flags")
FindingsFormat = _formats("findings")
CapabilitiesFormat = _formats("capabilities")
GatesFormat = _formats("gates")
RulesFormat = _formats("rules")
CheckFormat = _formats("check")
ProvidersFormat = _formats("providers")


def _output(report: str, fmt: str, data: object, output: Path | None = None) -> None:
    """Render `data` as report `report` in format `fmt` (see `auditor.report.formats.FORMATS`) to
    stdout or to the file `output`."""
    from auditor.report.formats import is_rich, renderer

    render = renderer(report, str(fmt))
    if is_rich(report, str(fmt)):
        _render_rich(lambda console: render(console, data), output)
    else:
        _emit(render(data), output)


def _version(value: bool) -> None:
    if value:
        from auditor import __version__

        print(f"auditor {__version__}")
        raise typer.Exit(0)


@app.callback()
def _main(
    version: Annotated[bool, typer.Option("--version", help="Print the auditor's version and exit.", callback=_version, is_eager=True)] = False,
) -> None:
    """Feature-flag inventory and hidden-capability auditor for source trees and releases."""


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


def escape(text: str) -> str:
    """`text` with Rich markup escaped (Rich imported on first use)."""
    from rich.markup import escape as rich_escape

    return rich_escape(text)


NoInferOption = Annotated[bool, typer.Option("--no-infer", help="Do not infer in-house flag APIs (only packs and configured wrappers find reads).")]


def fail(message: str) -> None:
    """Print `auditor: error: message` on stderr and exit 2."""
    from rich.markup import escape

    # one line whatever the terminal width; `[tool.auditor]` in a message is text, not markup
    err.print(f"[bold red]auditor: error:[/] {escape(message)}", markup=True, soft_wrap=True)
    raise typer.Exit(2)


def exit_incomplete(failures: list[dict]) -> None:
    """An incomplete audit is never a pass: print `auditor: error: incomplete audit: …` (one line
    naming the items and causes, `report.verdict.incomplete_line`) on stderr and exit 2. Called
    after the scan is stored and its report written."""
    from rich.markup import escape

    from auditor.report.verdict import incomplete_line

    err.print(f"[bold red]auditor: error:[/] incomplete audit: {escape(incomplete_line(failures))}", markup=True, soft_wrap=True)
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
    config: Annotated[Path | None, typer.Option("--config", help="auditor.toml or pyproject.toml to use (default: the directory target's own, else the working directory's; never one above an artifact).")] = None,
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
        if quiet or not _is_terminal(sys.stderr):
            summary = run_scan(targets, db, label, cfg, **perf)
        else:
            with _ScanProgress(err.console) as progress:
                summary = run_scan(targets, db, label, cfg, progress, **perf)
    except AuditorError as exc:
        fail(str(exc))
        return
    from auditor.report.verdict import failures_of

    failures = failures_of(summary.failures)
    if quiet:
        if failures:
            exit_incomplete(failures)
        if _fails(db, summary.scan_id, fail_on):
            raise typer.Exit(1)
        return
    from auditor.report.artifacts import artifact_lines
    from auditor.report.check import check_report
    from auditor.report.text import print_groups, print_verdict

    conn = _open_read(db)  # one read connection for the reports (opening the file costs 10-20 ms)
    try:
        report = check_report(conn, summary.scan_id, (fail_on or FailOn.error).value)
        artifacts = artifact_lines(conn, summary.scan_id)
        failed = fail_on is not None and _worst_at_or_above(conn, summary.scan_id, fail_on)
    finally:
        conn.close()
    providers = ", ".join(f"{p} {n}" for p, n in summary.by_provider.items()) or "none"
    out.print(
        f"[bold]Scan {summary.scan_id}[/] ({escape(summary.label)}) → {escape(str(db))}: {summary.files:,} files, "
        f"{summary.keys:,} flag keys ({providers}), {summary.reads:,} reads, {summary.definitions:,} definitions, "
        f"{summary.diagnostics:,} diagnostics, {summary.findings:,} findings in {summary.seconds:.2f}s{_pipeline_note(summary.pipeline)}"
    )
    out.print(f"  config: {escape(str(summary.config_path)) if summary.config_path else 'none (defaults)'}")
    for line in artifacts:
        out.print(f"  {escape(line)}")
    print_verdict(out, report["summary"]["verdict"])
    print_groups(out, report["groups"])
    c = report["counts"]
    out.print(f"[bold]Findings[/]: {c['error']:,} error, {c['warning']:,} warning, {c['note']:,} note"
              + (f" — each one: auditor findings --db {escape(str(db))} (--rule, --severity, --path; --format json|csv)" if summary.findings else ""))
    out.print(f"Next: auditor flags --db {escape(str(db))}   ·   auditor capabilities --db {escape(str(db))}   ·   auditor app --db {escape(str(db))}")
    if failures:
        exit_incomplete(failures)
    if failed:
        raise typer.Exit(1)


class _ScanProgress:
    """A Rich progress display of a scan's phases on stderr (a terminal only): open the targets
    (download, list entries), read entries and extract files (with the files rebuilt from source
    maps and the bytes parsed, `N of M` when the total is known), resolve keys, run the rules. A
    `ProgressFn` (see `auditor.scan`); transient: nothing is left on screen."""

    def __init__(self, console):
        from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self.bar = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                            console=console, transient=True)
        self.task = None
        self.entries = self.files = self.rebuilt = self.bytes = 0
        self.total: int | None = None

    def __enter__(self):
        self.bar.__enter__()
        self.task = self.bar.add_task("Opening targets (download, list entries)", total=None)
        return self

    def __exit__(self, *exc):
        return self.bar.__exit__(*exc)

    def _describe(self) -> str:
        from auditor.sources.limits import human_size

        done = self.files + self.rebuilt
        if not done:
            return f"Reading entries: {self.entries:,} read" if self.entries else "Opening targets (download, list entries)"
        parts = [f"{self.entries:,} entries read"] if self.entries else []
        parts.append(f"{done:,}" + (f" of {self.total:,}" if self.total else "") + (" file extracted" if done == 1 else " files extracted")
                     + (f" ({self.rebuilt:,} rebuilt from source maps)" if self.rebuilt else ""))
        parts.append(human_size(self.bytes))
        return "Extracting: " + ", ".join(parts)

    def __call__(self, event: str, advance: int, total: int | None) -> None:
        if event == "start":
            self.total = total
            self.bar.update(self.task, total=total, description=self._describe())
        elif event == "entry":
            self.entries += advance
            self.bar.update(self.task, description=self._describe())
        elif event in ("file", "map-file"):
            if event == "file":
                self.files += advance
            else:
                self.rebuilt += advance
            self.bar.update(self.task, completed=self.files + self.rebuilt, description=self._describe())
        elif event == "bytes":
            self.bytes += advance
        elif event == "resolve":
            self.bar.update(self.task, description="Resolving flag keys, gates and capabilities")
        elif event == "rules":
            self.bar.update(self.task, description="Running the rules and writing the scan")


def _pipeline_note(stats) -> str:
    """` (2 workers, 75 cached, 3 duplicates)` for the scan summary's time line."""
    if stats is None:
        return ""
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


@app.command()
def flags(
    db: DbOption = Path(DEFAULT_DB),
    scan: ScanOption = None,
    format: Annotated[FlagsFormat, typer.Option("--format", help="Output format.")] = "text",
    output: OutputOption = None,
) -> None:
    """Print the flag inventory of a scan: keys by provider, reads, definitions, drift."""
    from auditor.report.inventory import inventory

    _, data = _read_scan(db, scan, inventory)
    _output("flags", format, data, output)


@app.command()
def sql(
    query: Annotated[str, typer.Argument(help="One read-only SELECT / WITH query over the tables and views.")],
    db: DbOption = Path(DEFAULT_DB),
    format: Annotated[SqlFormat, typer.Option("--format", help="Output format.")] = SqlFormat.table,
    shards: Annotated[Path | None, typer.Option("--shards", help="Query a directory of Parquet shards (auditor export --parquet) instead of --db.", show_default=False)] = None,
    timeout: Annotated[float, typer.Option("--timeout", min=0.001, help="Stop the query after this many seconds (exit 2).")] = 30.0,
) -> None:
    """Run one ad-hoc read-only query over the scan database (or a directory of Parquet shards).

    Locked down like the dashboard's console: no file access, no ATTACH/INSTALL/LOAD/SET/PRAGMA/
    COPY/EXPORT/CALL, one statement, stopped after --timeout seconds; strings are redacted."""
    from auditor import readonly

    if shards is not None:
        from auditor.export import open_shards

        try:
            conn = open_shards(shards)  # locked to the shard directory
        except StoreError as exc:
            fail(str(exc))
            return
    else:
        conn = _open_read(db)
        readonly.lock(conn)
    try:
        result = readonly.run(conn, query, timeout)
    except AuditorError as exc:
        fail(str(exc))
        return
    finally:
        conn.close()
    cols, rows = result.columns, result.rows
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


class SeverityChoice(StrEnum):
    """A finding severity (`--severity`)."""

    error = "error"
    warning = "warning"
    note = "note"


@app.command()
def findings(
    db: DbOption = Path(DEFAULT_DB),
    scan: ScanOption = None,
    rule: Annotated[list[str] | None, typer.Option("--rule", help="Only this rule id (e.g. ART001); repeatable.", show_default=False)] = None,
    severity: Annotated[list[SeverityChoice] | None, typer.Option("--severity", help="Only this severity; repeatable.", show_default=False)] = None,
    path: Annotated[str | None, typer.Option("--path", help="Only findings whose path contains this text, or matches it as a glob (*, ?, [..]).", show_default=False)] = None,
    format: Annotated[FindingsFormat, typer.Option("--format", help="Output format.")] = "text",
    output: OutputOption = None,
    fail_on: Annotated[FailOn | None, typer.Option("--fail-on", help="Exit 1 when a finding at or above this severity is present.")] = None,
) -> None:
    """List the findings of a scan (rule id, severity, location, message), filtered by rule, severity, path."""
    from auditor.report.findings import findings_report
    from auditor.rules import all_rules

    unknown = sorted({r.upper() for r in rule or []} - set(all_rules()))
    if unknown:
        fail(f"no such rule: {unknown[0]} (`auditor rules` lists them)")
    scan_id, data = _read_scan(db, scan, lambda conn, sid: findings_report(
        conn, sid, rules=rule, severities=[s.value for s in severity or []], path=path))
    _output("findings", format, data, output)
    if _fails(db, scan_id, fail_on):
        raise typer.Exit(1)


@app.command("rules")
def rules_cmd(
    format: Annotated[RulesFormat, typer.Option("--format", help="Output format.")] = "text",
) -> None:
    """List every rule: id, default severity, name and summary."""
    from auditor.report.findings import rules_report

    _output("rules", format, rules_report())


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
    render(Console(file=buf, width=NOT_A_TERMINAL_WIDTH, color_system=None, highlight=False, soft_wrap=True))
    _emit(buf.getvalue(), output)


@app.command()
def check(
    targets: Annotated[list[str] | None, typer.Argument(help="Directories, files or releases to check. None: the shipped demo, with its manifest.", show_default=False)] = None,
    manifest: Annotated[Path | None, typer.Option("--manifest", help="Manifest of what is meant to be public (TOML, or an OpenFeature flag manifest .json). Default: the one the configuration names.")] = None,
    fail_on: Annotated[FailOn, typer.Option("--fail-on", help="Exit 1 when a new, unsuppressed finding at or above this severity is present.")] = FailOn.error,
    format: Annotated[CheckFormat, typer.Option("--format", help="Report format.")] = "text",
    baseline: Annotated[Path | None, typer.Option("--baseline", help="A previous `check --format json` or SARIF report: its findings are not new.")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the report to this file instead of stdout.")] = None,
    npm_pack: Annotated[Path | None, typer.Option("--npm-pack", help="Check what `npm publish` would upload from this package directory: runs `npm pack --ignore-scripts` into a temporary directory and audits that tarball (no lifecycle script runs).", show_default=False)] = None,
    db: DbOption = Path(DEFAULT_DB),
    label: Annotated[str | None, typer.Option(help="Name for this scan (default: the targets' names).")] = None,
    config: Annotated[Path | None, typer.Option("--config", help="auditor.toml or pyproject.toml to use (default: the directory target's own, else the working directory's; never one above an artifact).")] = None,
    jobs: Annotated[int | None, typer.Option("--jobs", "-j", min=1, help="Worker processes for parsing (default: the CPUs available). Output is the same for any number.", show_default=False)] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Do not read or write the extraction cache ($AUDITOR_CACHE_DIR, default ~/.cache/auditor).")] = False,
    no_infer: NoInferOption = False,
) -> None:
    """Scan targets, compare what ships with the manifest, report findings; exit 1 on findings at or above --fail-on."""
    import contextlib
    import tempfile

    from auditor.manifest import load_manifest, manifest_from_config
    from auditor.report.check import check_report, load_baseline
    from auditor.scan import effective_config, run_scan

    targets = list(targets or [])
    with contextlib.ExitStack() as stack:
        if npm_pack is not None:
            from auditor.pack import npm_pack_directory

            try:
                tarball = npm_pack_directory(npm_pack, Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="auditor-pack-"))))
            except AuditorError as exc:
                fail(str(exc))
                return
            if config is None:
                from auditor.config import find_config

                config = find_config(npm_pack)  # the package's own auditor.toml / pyproject.toml
            targets.append(str(tarball))
            label = label or tarball.name
        elif not targets:
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
    if summary.config_path:
        err.print(f"auditor: config: {summary.config_path}", soft_wrap=True, highlight=False)
    if man is None and format != "text":  # the text report says so in its header and verdict
        err.print("auditor: note: no manifest (--manifest FILE, or `auditor init` to write one): the shipped-vs-public rules were skipped")
    _output("check", format, report, output)
    if not report["complete"]:
        exit_incomplete(report["failures"])
    raise typer.Exit(1 if report["failing"] else 0)


@app.command()
def init(
    target: Annotated[str | None, typer.Argument(help="Directory or release whose public surface to write down (default: the current directory).", show_default=False)] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here instead: auditor.toml, pyproject.toml, or any other name for a standalone manifest (check --manifest FILE).", show_default=False)] = None,
    db: DbOption = Path(DEFAULT_DB),
    jobs: Annotated[int | None, typer.Option("--jobs", "-j", min=1, help="Worker processes for parsing (default: the CPUs available).", show_default=False)] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Do not read or write the extraction cache.")] = False,
) -> None:
    """Write a manifest of what TARGET exposes today (flags, capabilities by kind, artifact entries) into
    auditor.toml or pyproject.toml, marking with `# REVIEW` what looks internal; then `check --fail-on note`
    passes on this release and fails on a later one for exactly what is new."""
    import tomllib
    from dataclasses import replace

    from auditor import init as init_mod
    from auditor.manifest import load_manifest, manifest_from_config, parse_manifest
    from auditor.report.check import check_report
    from auditor.scan import effective_config, run_scan

    target = target or "."
    perf = _perf(jobs, no_cache)
    try:
        dest = init_mod.destination(target, output)
        cfg = effective_config([target], None)
        cfg = replace(cfg, extra={k: v for k, v in cfg.extra.items() if k != "manifest"})
        label = f"init {Path(target).resolve().name if target == '.' else Path(target).name or target}"
        first = run_scan([target], db, label, cfg, **perf)
        conn = store.connect(db, read_only=True)
        try:
            surface = init_mod.surface(conn, first.scan_id)
        finally:
            conn.close()
        text = init_mod.manifest_toml(surface, dest.prefix, target)
        section = tomllib.loads(text)
        for part in filter(None, dest.prefix.split(".")):
            section = section[part]
        man = parse_manifest(section, str(dest.path), dest.path.parent)
        second = run_scan([target], db, label, cfg, manifest=man, **perf)
        conn = store.connect(db, read_only=True)
        try:
            today = [f for f in check_report(conn, second.scan_id, "note")["findings"] if not f["suppressed"]]
        finally:
            conn.close()
        init_mod.append(dest, text + init_mod.suppress_toml(today, dest.prefix))
        if dest.style == "standalone":
            load_manifest(dest.path)
        else:
            from auditor.config import load_config

            manifest_from_config(load_config(dest.path))
    except AuditorError as exc:
        fail(str(exc))
        return
    from auditor.config import find_config

    caps = ", ".join(f"{len(v)} {k}{'s' if len(v) != 1 else ''}" for k, v in surface["capabilities"].items()) or "no capability"
    review = sum(1 for _, n in surface["flags"] if n) + sum(1 for v in surface["capabilities"].values() for _, n in v if n) \
        + sum(1 for _, n in surface["entries"] if n)
    shown_dest = os.path.relpath(dest.path) if dest.path.resolve().is_relative_to(Path.cwd().resolve()) else str(dest.path)
    out.print(f"Wrote the manifest of {escape(target)} to {escape(shown_dest)}: {len(surface['flags'])} flags, {caps}, "
              f"{len(surface['entries'])} entries allowed; {review} marked # REVIEW (look internal); "
              f"{len(today)} finding{'s' if len(today) != 1 else ''} of today accepted as " + escape("[[suppress]]") + " (review them too).")
    if dest.style == "standalone":
        how = f" --manifest {dest.path}"
    else:
        found = find_config(Path(target)) if Path(target).exists() else None
        how = "" if found is not None and found.resolve() == dest.path.resolve() else f" --config {dest.path}"
    out.print(f"Next: auditor check {escape(target)}{escape(how)} --fail-on note   (passes now; a release that adds a flag, "
              "capability, entry or finding fails)")


def _scan_or_label(value: str, which: str, other: str, db: Path, manifest: Path | None, config: Path | None, perf: dict) -> int:
    """Scan id for a `diff` operand: a target (scanned now) or the label of a scan in the database."""
    from auditor.manifest import load_manifest, manifest_from_config
    from auditor.scan import effective_config, run_scan

    if Path(value).exists() or value.startswith("npm:"):
        cfg = effective_config([value], config)
        man = load_manifest(manifest) if manifest is not None else manifest_from_config(cfg)
        name = value if value.startswith("npm:") else (Path(value).name or value)
        other_name = other if other.startswith("npm:") else (Path(other).name or other)
        label = f"{name} ({which})" if name == other_name else name
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
    old: Annotated[str, typer.Argument(help="Older release: a target to scan (path or npm:NAME@VERSION), or a scan label in --db.")],
    new: Annotated[str, typer.Argument(help="Newer release: a target to scan (path or npm:NAME@VERSION), or a scan label in --db.")],
    format: Annotated[DiffFormat, typer.Option("--format", help="Report format (markdown fits a release PR comment).")] = DiffFormat.text,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the report to this file instead of stdout.")] = None,
    manifest: Annotated[Path | None, typer.Option("--manifest", help="Manifest applied when scanning targets.")] = None,
    fail_on: Annotated[FailOn | None, typer.Option("--fail-on", help="Exit 1 when a new finding at or above this severity appears.")] = None,
    db: DbOption = Path(DEFAULT_DB),
    config: Annotated[Path | None, typer.Option("--config", help="auditor.toml or pyproject.toml to use when scanning targets.")] = None,
    jobs: Annotated[int | None, typer.Option("--jobs", "-j", min=1, help="Worker processes for parsing (default: the CPUs available). Output is the same for any number.", show_default=False)] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Do not read or write the extraction cache ($AUDITOR_CACHE_DIR, default ~/.cache/auditor).")] = False,
) -> None:
    """Compare two releases: flags, capabilities and entries added and removed (chunks renamed by a new
    content hash matched by content), size jumps, new findings; each added flag or capability is
    new in code or newly exposed (already shipped, readable now through a new map)."""
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
    scan: ScanOption = None,
    kind: Annotated[str | None, typer.Option("--kind", help="Only this kind: tool, command, option, route, setting.")] = None,
    format: Annotated[CapabilitiesFormat, typer.Option("--format", help="Output format.")] = "text",
    output: OutputOption = None,
) -> None:
    """List the capabilities of a scan: tools, commands, options, routes, settings, hidden or gated."""
    from auditor.report.check import capabilities_report

    _, rows = _read_scan(db, scan, lambda conn, scan_id: capabilities_report(conn, scan_id, kind))
    _output("capabilities", format, rows, output)


@app.command()
def providers(
    db: DbOption = Path(DEFAULT_DB),
    scan: ScanOption = None,
    format: Annotated[ProvidersFormat, typer.Option("--format", help="Output format.")] = "text",
    output: OutputOption = None,
) -> None:
    """List the flag APIs of a scan: in-house (inferred, configured) first, then SDK packs; with call
    counts, sample keys, evidence, and the config lines that pin the inferred ones."""
    from auditor.report.providers import providers_report

    _, data = _read_scan(db, scan, providers_report)
    _output("providers", format, data, output)


@app.command()
def gates(
    db: DbOption = Path(DEFAULT_DB),
    scan: ScanOption = None,
    flag: Annotated[str | None, typer.Option("--flag", help="Only gates decided by this flag key.")] = None,
    format: Annotated[GatesFormat, typer.Option("--format", help="Output format.")] = "text",
    output: OutputOption = None,
) -> None:
    """List the gates of a scan: conditionals that read a flag, with polarity, gated lines and nesting."""
    from auditor.report.check import gates_report

    _, rows = _read_scan(db, scan, lambda conn, scan_id: gates_report(conn, scan_id, flag))
    _output("gates", format, rows, output)


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
    prune: Annotated[bool, typer.Option("--prune", help="Remove the least recently stored entries now, down to the size limit.")] = False,
) -> None:
    """Show where the extraction cache is, how big it is and its size limit (or clear or prune it).

    The limit is `AUDITOR_CACHE_MAX_MB` (MiB, default 2048; 0 for none); scans evict the least
    recently stored entries on their own when they take the cache over it."""
    from auditor.cache import cache_info, clear_cache

    try:
        info = clear_cache() if clear else cache_info(prune=prune)
    except AuditorError as exc:
        fail(str(exc))
        return
    except OSError as exc:
        fail(f"cannot read the extraction cache: {exc}")
        return
    shown_limit = "no size limit" if info.limit is None else f"limit {info.limit / 1e6:.0f} MB"
    out.print(f"{info.root} {'removed' if clear else 'holds'} {info.entries} entries ({info.bytes / 1e6:.1f} MB); "
              f"{shown_limit} (AUDITOR_CACHE_MAX_MB)")


def main() -> None:
    """Console-script entry point."""
    app()
