"""Every report's output formats in one table, so the CLI dispatches without if/elif chains.

`FORMATS[report][format]` names the renderer (`module:function`, imported on first use so a
JSON report never imports Rich): a **text** renderer draws on a Rich `Console`
(`renderer(console, data)`); every other renderer returns the whole output as a string
(`renderer(data) -> str`). `render(report, format, data)` returns either a string or a callable
that draws on a console.
"""

from __future__ import annotations

import csv
import importlib
import io
import json
from collections.abc import Callable

FORMATS: dict[str, dict[str, str]] = {
    "check": {
        "text": "auditor.report.text:print_check",
        "json": "auditor.report.formats:to_json",
        "sarif": "auditor.report.formats:check_sarif",
        "markdown": "auditor.report.markdown:check_markdown",
    },
    "findings": {
        "text": "auditor.report.text:print_findings",
        "json": "auditor.report.formats:to_json",
        "csv": "auditor.report.formats:findings_csv",
        "markdown": "auditor.report.markdown:findings_markdown",
    },
    "flags": {
        "text": "auditor.report.text:print_inventory",
        "json": "auditor.report.formats:to_json",
        "csv": "auditor.report.formats:flags_csv",
    },
    "capabilities": {
        "text": "auditor.report.text:print_capabilities",
        "json": "auditor.report.formats:to_json",
        "csv": "auditor.report.formats:rows_csv",
    },
    "gates": {
        "text": "auditor.report.text:print_gates",
        "json": "auditor.report.formats:to_json",
        "csv": "auditor.report.formats:rows_csv",
    },
    "rules": {
        "text": "auditor.report.text:print_rules",
        "json": "auditor.report.formats:to_json",
        "csv": "auditor.report.formats:rows_csv",
        "markdown": "auditor.report.markdown:rules_markdown",
    },
    "providers": {
        "text": "auditor.report.providers:print_providers",
        "json": "auditor.report.formats:to_json",
    },
    "diff": {
        "text": "auditor.report.text:print_diff",
        "json": "auditor.report.formats:to_json",
        "markdown": "auditor.report.markdown:diff_markdown",
    },
}
"""report → format → `module:function`; a report's first format is its default."""


def renderer(report: str, fmt: str) -> Callable:
    """The function that renders `report` in `fmt`. Raises KeyError for an unknown pair."""
    module, _, name = FORMATS[report][fmt].partition(":")
    return getattr(importlib.import_module(module), name)


def is_rich(report: str, fmt: str) -> bool:
    """True when the renderer draws on a Rich console (the `text` format)."""
    return fmt == "text"


def to_json(data: object) -> str:
    """Indented JSON; dates and other non-JSON values as strings."""
    return json.dumps(data, indent=2, default=str)


def check_sarif(report: dict) -> str:
    """SARIF 2.1.0 for a `report.check.check_report` dict."""
    from auditor.report.sarif import to_sarif

    return to_json(to_sarif(report))


def _cell(v: object) -> object:
    if isinstance(v, (list, tuple)):
        return ";".join(str(x) for x in v)
    if isinstance(v, dict):
        return json.dumps(v, default=str)
    return "" if v is None else v


def rows_csv(rows: list[dict]) -> str:
    """CSV with a header row (the first row's keys); lists joined with `;`."""
    buf = io.StringIO()
    if rows:
        w = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n", extrasaction="ignore")
        w.writeheader()
        w.writerows({k: _cell(v) for k, v in r.items()} for r in rows)
    return buf.getvalue()


def findings_csv(data: dict) -> str:
    """The findings of a `report.findings.findings_report` dict as CSV."""
    return rows_csv(data["findings"])


def flags_csv(data: dict) -> str:
    """Every flag key of a `report.inventory.inventory` dict (high, then low confidence) as CSV."""
    return rows_csv(data["flags"] + data["low_confidence"])
