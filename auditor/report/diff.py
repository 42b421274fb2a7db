"""`auditor diff`: what changed between two scans (two releases, or two scans of one tree).

Flags, capabilities and entries added and removed, the size ratio, and findings that are new (by
fingerprint, so a finding that only moved lines is not new) or gone.
"""

from __future__ import annotations

import duckdb


def _set(conn: duckdb.DuckDBPyConnection, sql: str, scan_id: int) -> set[tuple]:
    return {tuple(r) for r in conn.execute(sql, [scan_id]).fetchall()}


def _table_exists(conn: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(conn.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]).fetchone()[0])


def _entries(conn: duckdb.DuckDBPyConnection, scan_id: int) -> tuple[str, dict[str, int], int]:
    """(source, path → size, total bytes): artifact entries when the scan read artifacts, else scanned files."""
    if _table_exists(conn, "entries"):
        rows = conn.execute("SELECT path, size FROM entries WHERE scan_id = ?", [scan_id]).fetchall()
        if rows:
            total = conn.execute("SELECT coalesce(sum(total_bytes), 0) FROM artifacts WHERE scan_id = ? AND parent IS NULL",
                                 [scan_id]).fetchone()[0] if _table_exists(conn, "artifacts") else 0
            sizes = {p: int(s) for p, s in rows}
            return "entries", sizes, int(total) or sum(sizes.values())
    rows = conn.execute("SELECT path, size FROM files WHERE scan_id = ? AND origin = ''", [scan_id]).fetchall()
    sizes = {p: int(s) for p, s in rows}
    return "files", sizes, sum(sizes.values())


def diff_scans(conn: duckdb.DuckDBPyConnection, old: int, new: int) -> dict:
    """Differences from scan `old` to scan `new` (a JSON-ready dict, lists sorted)."""
    labels = dict(conn.execute("SELECT scan_id, label FROM scans WHERE scan_id IN (?, ?)", [old, new]).fetchall())
    fsql = "SELECT DISTINCT flag_key, provider FROM flag_reads WHERE scan_id = ? AND resolved"
    f_old, f_new = _set(conn, fsql, old), _set(conn, fsql, new)
    csql = "SELECT DISTINCT kind, name, hidden FROM capabilities WHERE scan_id = ?"
    c_old, c_new = _set(conn, csql, old), _set(conn, csql, new)
    names_old = {(k, n) for k, n, _ in c_old}
    names_new = {(k, n) for k, n, _ in c_new}
    hidden_old = {(k, n) for k, n, h in c_old if h}
    hidden_new = {(k, n) for k, n, h in c_new if h}
    src_old, e_old, size_old = _entries(conn, old)
    src_new, e_new, size_new = _entries(conn, new)
    fp_sql = "SELECT fingerprint FROM findings WHERE scan_id = ? AND NOT suppressed"
    fp_old = {r[0] for r in conn.execute(fp_sql, [old]).fetchall()}
    cur = conn.execute("""
        SELECT rule_id, severity, subject, message, path, line, fingerprint FROM findings
        WHERE scan_id = ? AND NOT suppressed
        ORDER BY CASE severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, rule_id, path, line, subject""", [new])
    cols = [d[0] for d in cur.description]
    new_findings = [dict(zip(cols, r)) for r in cur.fetchall() if r[6] not in fp_old]
    fp_new = {r[0] for r in conn.execute(fp_sql, [new]).fetchall()}
    gsql = "SELECT count(*) FROM gates WHERE scan_id = ?"

    def flags(s):
        return [{"key": k, "provider": p} for k, p in sorted(s)]

    def caps(s, hidden):
        return [{"kind": k, "name": n, "hidden": (k, n) in hidden} for k, n in sorted(s)]

    return {
        "old": {"scan_id": old, "label": labels.get(old)},
        "new": {"scan_id": new, "label": labels.get(new)},
        "flags": {"added": flags(f_new - f_old), "removed": flags(f_old - f_new)},
        "capabilities": {
            "added": caps(names_new - names_old, hidden_new),
            "removed": caps(names_old - names_new, hidden_old),
            "now_hidden": [{"kind": k, "name": n} for k, n in sorted((hidden_new - hidden_old) & names_old)],
            "now_visible": [{"kind": k, "name": n} for k, n in sorted((hidden_old - hidden_new) & names_new)],
        },
        "entries": {
            "source": src_new if src_new == src_old else f"{src_old} → {src_new}",
            "added": sorted(set(e_new) - set(e_old)),
            "removed": sorted(set(e_old) - set(e_new)),
        },
        "size": {"old": size_old, "new": size_new, "ratio": round(size_new / size_old, 3) if size_old else None},
        "gates": {"old": conn.execute(gsql, [old]).fetchone()[0], "new": conn.execute(gsql, [new]).fetchone()[0]},
        "findings": {"new": new_findings, "gone": len(fp_old - fp_new)},
    }
