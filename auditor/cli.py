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
from typing import Annotated

import duckdb
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from auditor import store
from auditor.errors import AuditorError, StoreError

app = typer.Typer(
    name="auditor",
    help="Feature-flag inventory and hidden-capability auditor for source trees and releases.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False)

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


def fail(message: str) -> None:
    """Print `auditor: error: message` on stderr and exit 2."""
    err.print(f"[bold red]auditor: error:[/] {message}", markup=True)
    raise typer.Exit(2)


def demo_project() -> Path:
    """The small demo project shipped inside the package (TypeScript and Python, several SDKs)."""
    return Path(__file__).resolve().parent / "demo" / "project"


@app.command()
def scan(
    targets: Annotated[list[str] | None, typer.Argument(help="Directories or files to scan. None: the shipped demo project.", show_default=False)] = None,
    db: DbOption = Path(DEFAULT_DB),
    label: Annotated[str | None, typer.Option(help="Name for this scan (default: the targets' names).")] = None,
    config: Annotated[Path | None, typer.Option("--config", help="auditor.toml or pyproject.toml to use instead of searching upward.")] = None,
    exclude: Annotated[list[str] | None, typer.Option("--exclude", help="Gitignore-style pattern to skip; repeatable.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or summary (for CI).")] = False,
    fail_on: Annotated["FailOn | None", typer.Option("--fail-on", help="Exit 1 when a finding at or above this severity is present.")] = None,
) -> None:
    """Scan targets (flag reads, definitions, findings) and store them as one scan in the database."""
    from dataclasses import replace

    from auditor.scan import effective_config, run_scan

    targets = list(targets or [])
    if not targets:
        targets = [str(demo_project())]
        if not quiet:
            err.print(f"No target given: scanning the demo project at {targets[0]}")
            label = label or "demo"
    try:
        cfg = effective_config(targets, config)
        if exclude:
            cfg = replace(cfg, exclude=cfg.exclude + tuple(exclude))
        if quiet:
            summary = run_scan(targets, db, label, cfg)
        else:
            with Progress(
                TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
                TimeElapsedColumn(), console=err, transient=True,
            ) as bar:
                task = bar.add_task("Scanning", total=None)

                def progress(event: str, advance: int, total: int | None) -> None:
                    if event == "start":
                        bar.update(task, total=total)
                    elif event == "file":
                        bar.advance(task, advance)
                    elif event == "done":
                        bar.update(task, description="Writing")

                summary = run_scan(targets, db, label, cfg, progress)
    except AuditorError as exc:
        fail(str(exc))
        return
    if quiet:
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
        f"  time         {summary.seconds:.2f}s\n"
        f"Next: auditor flags --db {db}   ·   auditor findings --db {db}"
    )
    if summary.findings:
        _print_findings_for(db, summary.scan_id)
    if fail_on is not None and _worst_at_or_above(db, summary.scan_id, fail_on):
        raise typer.Exit(1)


def _print_findings_for(db: Path, scan_id: int) -> None:
    from auditor.report.findings import findings_report
    from auditor.report.text import print_findings

    conn = _open_read(db)
    try:
        print_findings(out, findings_report(conn, scan_id))
    finally:
        conn.close()


def _worst_at_or_above(db: Path, scan_id: int, level: "FailOn") -> bool:
    conn = _open_read(db)
    try:
        levels = {"error": ["error"], "warning": ["error", "warning"], "note": ["error", "warning", "note"]}[level.value]
        n = conn.execute(
            f"SELECT count(*) FROM findings WHERE scan_id = ? AND NOT suppressed AND severity IN ({', '.join('?' * len(levels))})",
            [scan_id, *levels],
        ).fetchone()[0]
    finally:
        conn.close()
    return n > 0


def _open_read(db: Path) -> duckdb.DuckDBPyConnection:
    try:
        return store.connect(db, read_only=True)
    except StoreError as exc:
        fail(str(exc))
        raise  # unreachable


@app.command()
def flags(
    db: DbOption = Path(DEFAULT_DB),
    scan: Annotated[str | None, typer.Option("--scan", help="Scan label (default: the newest scan).")] = None,
    format: Annotated[ReportFormat, typer.Option("--format", help="Output format.")] = ReportFormat.text,
) -> None:
    """Print the flag inventory of a scan: keys by provider, reads, definitions, drift."""
    from auditor.report.inventory import inventory

    conn = _open_read(db)
    try:
        data = inventory(conn, store.latest_scan_id(conn, scan))
    except StoreError as exc:
        fail(str(exc))
        return
    finally:
        conn.close()
    if format is ReportFormat.json:
        out.print_json(json.dumps(data), indent=2) if sys.stdout.isatty() else print(json.dumps(data, indent=2))
        return
    from auditor.report.text import print_inventory

    print_inventory(out, data)


@app.command()
def sql(
    query: Annotated[str, typer.Argument(help="SQL to run (read-only) over the tables and views.")],
    db: DbOption = Path(DEFAULT_DB),
    format: Annotated[SqlFormat, typer.Option("--format", help="Output format.")] = SqlFormat.table,
) -> None:
    """Run an ad-hoc read-only SQL query over the scan database."""
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

    conn = _open_read(db)
    try:
        scan_id = store.latest_scan_id(conn, scan)
        data = findings_report(conn, scan_id)
    except StoreError as exc:
        fail(str(exc))
        return
    finally:
        conn.close()
    if format is ReportFormat.json:
        print(json.dumps(data, indent=2))
    else:
        from auditor.report.text import print_findings

        print_findings(out, data)
    if fail_on is not None and _worst_at_or_above(db, scan_id, fail_on):
        raise typer.Exit(1)


@app.command("rules")
def rules_cmd() -> None:
    """List every rule: id, default severity, name and summary."""
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


def main() -> None:
    """Console-script entry point."""
    app()
