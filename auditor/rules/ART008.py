"""ART008 test-fixture-or-debug-file-shipped: one finding per artifact and kind (test, debug) for the
entries of that kind whose content was read, with up to three examples in archive order."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb

from auditor.models import Finding

SQL = """
SELECT e.artifact, e.kind, l.label, l.target, l.shown_prefix || e.path
FROM entries e
JOIN entry_facts f ON f.scan_id = e.scan_id AND f.artifact = e.artifact AND f.path = e.path AND f.fact = 'inspected'
JOIN artifact_labels l ON l.scan_id = e.scan_id AND l.artifact = e.artifact
WHERE e.scan_id = ? AND e.kind IN ('test', 'debug')
ORDER BY e.rowid
"""


def findings(conn: duckdb.DuckDBPyConnection, scan_id: int) -> Iterator[Finding]:
    """One ART008 finding per artifact and stray kind."""
    strays: dict[tuple[str, str], list[tuple]] = {}
    for artifact, kind, label, target, shown in conn.execute(SQL, [scan_id]).fetchall():
        strays.setdefault((artifact, kind), []).append((label, target, shown))
    for (_, kind), found in sorted(strays.items(), key=lambda kv: kv[0][1]):
        label, target = found[0][0], found[0][1]
        paths = [f[2] for f in found]
        what = "test or fixture" if kind == "test" else "debug"
        examples = ", ".join(paths[:3]) + (f" and {len(paths) - 3} more" if len(paths) > 3 else "")
        msg = f"{what} file {paths[0]} is shipped" if len(paths) == 1 else f"{len(paths)} {what} files are shipped: {examples}"
        yield Finding("ART008", f"{label}: {kind}", msg, paths[0] if len(paths) == 1 else None, target=target)
