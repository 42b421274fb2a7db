"""Findings of one scan as a JSON-ready dict (the shape `auditor findings --format json` prints)."""

from __future__ import annotations

import duckdb


def findings_report(conn: duckdb.DuckDBPyConnection, scan_id: int) -> dict:
    """Findings of scan `scan_id`.

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
    counts = {"error": 0, "warning": 0, "note": 0}
    for r in rows:
        if not r["suppressed"]:
            counts[r["severity"]] = counts.get(r["severity"], 0) + 1
    return {"scan_id": scan_id, "counts": counts, "findings": rows}
