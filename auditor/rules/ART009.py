"""ART009 entry-far-larger-than-the-rest: the largest entry of an artifact when it is at least OUTLIER_MIN_BYTES
and OUTLIER_FACTOR times larger than every other entry read."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb

from auditor.models import Finding
from auditor.sources.limits import human_size

OUTLIER_FACTOR = 4
OUTLIER_MIN_BYTES = 1024 * 1024

SQL = """
SELECT e.artifact, l.shown_prefix || e.path, e.size, l.target
FROM entries e JOIN artifact_labels l ON l.scan_id = e.scan_id AND l.artifact = e.artifact
WHERE e.scan_id = ? AND e.sha256 IS NOT NULL
ORDER BY e.rowid
"""


def findings(conn: duckdb.DuckDBPyConnection, scan_id: int) -> Iterator[Finding]:
    """At most one ART009 finding per artifact (entries read: those with a sha256)."""
    by_artifact: dict[str, list[tuple]] = {}
    for artifact, shown, size, target in conn.execute(SQL, [scan_id]).fetchall():
        by_artifact.setdefault(artifact, []).append((shown, size, target))
    for entries in by_artifact.values():
        if len(entries) < 2:
            continue
        ranked = sorted(entries, key=lambda e: e[1], reverse=True)
        (shown, size, target), (_, second, _) = ranked[0], ranked[1]
        if size >= OUTLIER_MIN_BYTES and size >= OUTLIER_FACTOR * max(second, 1):
            yield Finding("ART009", "largest entry", f"{shown} is {human_size(size)}, {size / max(second, 1):.0f}x the next largest "
                          f"entry ({human_size(second)})", shown, target=target)
