"""Is the audit complete? The one fact every output format states first (see docs/robustness.md).

An internal error caught by a safety net (a diagnostic whose code is in `models.FAILURE_CODES`:
`extract-failed`, `artifact-failed`, `extract-crashed`, `file-budget-exceeded`, …) means an item
was not audited, or only in part: the audit is *incomplete*, which is never a pass. `scan` and
`check` exit 2 after storing everything else; text and Markdown say `INCOMPLETE` first, the
JSON report has `"complete": false` and `"failures"`, SARIF has
`invocations[0].executionSuccessful = false` with one `toolExecutionNotifications` entry per failure.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import duckdb

from auditor.models import FAILURE_CODES, Diagnostic

SHOWN_FAILURES = 3
"""Failures named in the one-line verdict (text, Markdown, stderr); the reports list them all."""

_PREFIX = re.compile(r"^internal error while [^:]{1,60}: ")


def failure(item: str, code: str, message: str, origin: str = "") -> dict:
    """One failure as the reports show it: `item` (the path or target it hit), `code`, `cause` (the
    message without its `internal error while …:` prefix), `origin` ('' for a plain file)."""
    return {"item": item, "code": code, "cause": _PREFIX.sub("", message or ""), "origin": origin or ""}


def failures_of(diagnostics: Iterable[Diagnostic]) -> list[dict]:
    """The failures (`failure` dicts) among diagnostics, in the order given."""
    return [failure(d.path, d.code, d.message, d.origin) for d in diagnostics if d.code in FAILURE_CODES]


def scan_verdict(conn: duckdb.DuckDBPyConnection, scan_id: int) -> dict:
    """`{"complete": bool, "failures": [failure dicts]}` of a stored scan, failures sorted by item,
    origin and code."""
    rows = conn.execute(
        f"SELECT path, code, message, coalesce(origin, '') FROM diagnostics WHERE scan_id = ? AND {FAILURE_CODES.sql('code')} "
        "ORDER BY path, 4, code, message", [scan_id]).fetchall()
    failures = [failure(*r) for r in rows]
    return {"complete": not failures, "failures": failures}


def _named(f: dict) -> str:
    where = f["item"] + (f" [{f['origin']}]" if f["origin"] else "")
    cause = " ".join(f["cause"].split())
    if len(cause) > 120:
        cause = cause[:119] + "…"
    return f"{where} ({f['code']}: {cause})" if cause else f"{where} ({f['code']})"


def incomplete_line(failures: list[dict]) -> str:
    """`2 items could not be audited: dist/cli.js (extract-failed: IndexError: …), …`: the verdict of
    an incomplete audit in one line, naming the first `SHOWN_FAILURES` items and their causes."""
    items = {(f["item"], f["origin"]) for f in failures}
    n = len(items)
    shown = ", ".join(_named(f) for f in failures[:SHOWN_FAILURES])
    more = f", and {len(failures) - SHOWN_FAILURES} more" if len(failures) > SHOWN_FAILURES else ""
    return f"{n} item{'s' if n != 1 else ''} could not be audited: {shown}{more}"
