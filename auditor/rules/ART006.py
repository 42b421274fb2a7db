"""ART006 secret-in-shipped-entry: one finding per file and detector among the secret detectors' hits
(`secret_hits`), lines listed, the value never (it is not stored). Severity follows the evidence:
error for a credential format, warning for a secret-named key or entropy alone."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb

from auditor.models import Finding, Severity

SQL = """
SELECT target, path, origin, secret_type, line, evidence FROM secret_hits WHERE scan_id = ? ORDER BY rowid
"""


def findings(conn: duckdb.DuckDBPyConnection, scan_id: int) -> Iterator[Finding]:
    """One ART006 finding per (target, file, origin, detector), files in the order they were searched."""
    lines: dict[tuple[str, str, str], dict[str, set[int]]] = {}
    evidence: dict[str, str] = {}
    for target, path, origin, kind, line, how in conn.execute(SQL, [scan_id]).fetchall():
        lines.setdefault((target, path, origin), {}).setdefault(kind, set()).add(line)
        evidence[kind] = how
    for (target, path, origin), by_type in lines.items():
        where = f"{path} (rebuilt from {origin.removeprefix('source map: ')})" if origin.startswith("source map: ") else path
        for kind, found in sorted(by_type.items()):
            hit_lines = sorted(found)
            shown = ", ".join(map(str, hit_lines[:10])) + (f" and {len(hit_lines) - 10} more" if len(hit_lines) > 10 else "")
            what = f"{kind} in {where} line {shown}" if len(hit_lines) == 1 else f"{len(hit_lines)} {kind} hits in {where} (lines {shown})"
            yield Finding("ART006", kind, f"{what}; value redacted", path, hit_lines[0], None, origin, target,
                          severity=Severity.ERROR if evidence[kind] == "format" else Severity.WARNING)
