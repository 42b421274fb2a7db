"""Findings of one scan as a JSON-ready dict (the shape `auditor findings --format json` prints)."""

from __future__ import annotations

from fnmatch import fnmatchcase

import duckdb


def path_matches(path: str | None, pattern: str) -> bool:
    """`--path` filter: a glob (`*`, `?`, `[…]`; `*` crosses `/`) when `pattern` has one, else a
    substring of the path."""
    if not path:
        return False
    if any(ch in pattern for ch in "*?["):
        return fnmatchcase(path, pattern)
    return pattern in path


def rules_report() -> list[dict]:
    """Every rule (`auditor rules`): id, severity (default), name, summary, sorted by id."""
    from auditor.rules import all_rules

    return [{"id": r.id, "severity": r.severity.value, "name": r.name, "summary": r.summary} for r in all_rules().values()]


def findings_report(conn: duckdb.DuckDBPyConnection, scan_id: int, rules: list[str] | None = None,
                    severities: list[str] | None = None, path: str | None = None) -> dict:
    """Findings of scan `scan_id`, optionally only those of `rules` (ids, any case), `severities`,
    and whose path matches `path` (see `path_matches`).

    Shape: `scan_id`, `counts` (unsuppressed findings by severity), `findings` (list of
    rule_id, severity, subject, message, path, line, fingerprint, suppressed, suppression_reason,
    origin, target), sorted by severity (error first), rule id, path, line.
    """
    cur = conn.execute(
        """
        SELECT rule_id, severity, subject, message, path, line, fingerprint, suppressed, suppression_reason, origin, target
        FROM findings WHERE scan_id = ?
        ORDER BY CASE severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, rule_id, path NULLS FIRST, line NULLS FIRST, subject
        """,
        [scan_id],
    )
    cols = [d[0] for d in cur.description]
    rows = [dict(zip(cols, r)) for r in cur.fetchall()]
    if rules:
        wanted = {r.upper() for r in rules}
        rows = [r for r in rows if r["rule_id"] in wanted]
    if severities:
        rows = [r for r in rows if r["severity"] in severities]
    if path:
        rows = [r for r in rows if path_matches(r["path"], path)]
    counts = {"error": 0, "warning": 0, "note": 0}
    for r in rows:
        if not r["suppressed"]:
            counts[r["severity"]] = counts.get(r["severity"], 0) + 1
    return {"scan_id": scan_id, "counts": counts, "findings": rows}
