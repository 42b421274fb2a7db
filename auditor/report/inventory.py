"""The flag inventory of one scan as a JSON-ready dict (the shape `auditor flags --format json` prints)."""

from __future__ import annotations

import duckdb


def _rows(conn: duckdb.DuckDBPyConnection, sql: str, params: list) -> list[dict]:
    cur = conn.execute(sql, params)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def inventory(conn: duckdb.DuckDBPyConnection, scan_id: int) -> dict:
    """Inventory of scan `scan_id`.

    Shape: `scan` (id, label, targets, started_at, duration_s — volatile), `summary` (counts and
    distinct keys by provider), `flags` (high-confidence and inferred keys, sorted by confidence, provider, key), `low_confidence`
    (keys seen only through method-name matches), `unresolved` (reads whose key could not be resolved),
    `definitions`, `drift` (`defined_not_read`, `read_not_defined`), `diagnostics` (count by code).
    """
    scan = _rows(conn, "SELECT scan_id, label, targets, started_at::VARCHAR AS started_at, duration_s, file_count FROM scans WHERE scan_id = ?", [scan_id])[0]
    flags = _rows(conn, """
        SELECT flag_key AS key, provider, confidence, read_count AS reads, file_count AS files,
               first_location, methods, defined
        FROM flags WHERE scan_id = ? ORDER BY confidence, provider, key""", [scan_id])
    unresolved = _rows(conn, """
        SELECT key_expr, provider, method, path, line, confidence
        FROM flag_reads WHERE scan_id = ? AND NOT resolved ORDER BY path, line, col""", [scan_id])
    definitions = _rows(conn, """
        SELECT flag_key AS key, provider, kind, symbol, path, line, default_value AS "default"
        FROM flag_definitions WHERE scan_id = ? ORDER BY key, path, line""", [scan_id])
    unread = _rows(conn, """
        SELECT flag_key AS key, provider, kind, symbol, path, line
        FROM flags_unread WHERE scan_id = ? ORDER BY key, path, line""", [scan_id])
    undefined = _rows(conn, """
        SELECT flag_key AS key, provider, first_location
        FROM flags_undefined WHERE scan_id = ? ORDER BY provider, key""", [scan_id])
    diags = _rows(conn, """
        SELECT code, severity, count(*) AS count FROM diagnostics WHERE scan_id = ?
        GROUP BY code, severity ORDER BY code""", [scan_id])
    by_provider = _rows(conn, """
        SELECT provider, count(*) AS keys FROM flags WHERE scan_id = ? AND confidence IN ('high', 'inferred')
        GROUP BY provider ORDER BY provider""", [scan_id])
    reads = conn.execute("SELECT count(*), count(*) FILTER (confidence = 'low') FROM flag_reads WHERE scan_id = ?", [scan_id]).fetchone()
    high = [f for f in flags if f["confidence"] in ("high", "inferred")]  # inferred: an in-house flag API (auditor.infer)
    low = [f for f in flags if f["confidence"] == "low"]
    return {
        "scan": scan,
        "summary": {
            "files": scan["file_count"],
            "keys": len(high),
            "low_confidence_keys": len(low),
            "reads": reads[0],
            "low_confidence_reads": reads[1],
            "unresolved_reads": len(unresolved),
            "definitions": len(definitions),
            "defined_not_read": len(unread),
            "read_not_defined": len(undefined),
            "diagnostics": sum(d["count"] for d in diags),
            "keys_by_provider": {r["provider"]: r["keys"] for r in by_provider},
        },
        "flags": high,
        "low_confidence": low,
        "unresolved": unresolved,
        "definitions": definitions,
        "drift": {"defined_not_read": unread, "read_not_defined": undefined},
        "diagnostics": diags,
    }
