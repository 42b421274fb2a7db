"""ART004 source-mapping-url-unresolved: a `sourceMappingURL` comment pointing at a remote URL, or at a
map that is not in the artifact (`map_refs.status` remote or missing)."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb

from auditor.models import Finding

SQL = """
SELECT l.shown_prefix || r.path, r.line, r.url, r.status, l.target
FROM map_refs r JOIN artifact_labels l ON l.scan_id = r.scan_id AND l.artifact = r.artifact
WHERE r.scan_id = ? AND r.status IN ('remote', 'missing')
"""


def findings(conn: duckdb.DuckDBPyConnection, scan_id: int) -> Iterator[Finding]:
    """One ART004 finding per remote or missing map reference."""
    for shown, line, url, status, target in conn.execute(SQL, [scan_id]).fetchall():
        if status == "remote":
            yield Finding("ART004", f"remote:{url}", f"{shown} line {line} points its source map at a remote URL ({url})",
                          shown, line, target=target)
        else:
            yield Finding("ART004", f"missing:{url[:200]}",
                          f"{shown} line {line} references source map {url[:200]!r}, which is not in the artifact", shown, line, target=target)
