"""ART003 source-map-without-sources-content: one finding per artifact whose parsed source maps ship no
`sourcesContent` but still reveal source paths (maps in the order they were read)."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb

from auditor.models import Finding

SQL = """
SELECT m.artifact, l.label, l.target, l.shown_prefix || m.path, m.sources
FROM source_maps m JOIN artifact_labels l ON l.scan_id = m.scan_id AND l.artifact = m.artifact
WHERE m.scan_id = ? AND m.status = 'ok' AND m.with_content = 0
ORDER BY m.rowid
"""


def findings(conn: duckdb.DuckDBPyConnection, scan_id: int) -> Iterator[Finding]:
    """One ART003 finding per artifact with maps without content."""
    by_artifact: dict[str, list[tuple]] = {}
    for row in conn.execute(SQL, [scan_id]).fetchall():
        by_artifact.setdefault(row[0], []).append(row)
    for maps in by_artifact.values():
        _, label, target, first, _ = maps[0]
        n_maps, n_src = len(maps), sum(m[4] for m in maps)
        where = first if n_maps == 1 else f"{first} and {n_maps - 1} more"
        yield Finding("ART003", f"{label}: source maps without sourcesContent",
                      f"{n_maps} source map(s) without sourcesContent reveal {n_src} source paths ({where})",
                      first if n_maps == 1 else None, target=target)
