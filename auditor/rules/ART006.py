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
    files: dict[tuple[str, str, str], dict[str, list]] = {}
    for target, path, origin, kind, line, evidence in conn.execute(SQL, [scan_id]).fetchall():
        hits = files.setdefault((target, path, origin), {}).setdefault(kind, [evidence])
        hits.append(line)
    for (target, path, origin), by_type in files.items():
        where = f"{path} (rebuilt from {origin.removeprefix('source map: ')})" if origin.startswith("source map: ") else path
        for kind, (evidence, *lines) in sorted(by_type.items()):
            lines = sorted(set(lines))
            shown_lines = ", ".join(map(str, lines[:10])) + (f" and {len(lines) - 10} more" if len(lines) > 10 else "")
            what = f"{kind} in {where} line {shown_lines}" if len(lines) == 1 else f"{len(lines)} {kind} hits in {where} (lines {shown_lines})"
            yield Finding("ART006", kind, f"{what}; value redacted", path, lines[0], None, origin, target,
                          severity=Severity.ERROR if evidence == "format" else Severity.WARNING)
