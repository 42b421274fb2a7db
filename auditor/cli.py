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
) -> None:
    """Scan targets for flag reads and definitions and store them as one scan in the database."""
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
        f"  time         {summary.seconds:.2f}s\n"
        f"Next: auditor flags --db {db}"
    )


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


def main() -> None:
    """Console-script entry point."""
    app()
