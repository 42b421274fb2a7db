"""ART001 source-map-with-sources-content: one finding per source map that ships `sourcesContent`
(`source_maps.with_content > 0`), with how much source, the third-party share of its bytes and how
many sources ship only in the map."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb

from auditor.models import Finding
from auditor.sources.limits import human_size

SQL = """
SELECT l.shown_prefix || m.path, m.with_content, m.sources, m.content_bytes, m.third_party, m.map_only, l.target,
       (SELECT sum(s.content_bytes) FROM map_sources s
        WHERE s.scan_id = m.scan_id AND s.artifact = m.artifact AND s.map = m.path AND s.third_party) AS third_bytes
FROM source_maps m JOIN artifact_labels l ON l.scan_id = m.scan_id AND l.artifact = m.artifact
WHERE m.scan_id = ? AND m.status = 'ok' AND m.with_content > 0
"""


def findings(conn: duckdb.DuckDBPyConnection, scan_id: int) -> Iterator[Finding]:
    """One ART001 finding per map with `sourcesContent`."""
    for shown, with_content, n, content_bytes, third, map_only, target, third_bytes in conn.execute(SQL, [scan_id]).fetchall():
        share = ((third_bytes or 0) / content_bytes) if content_bytes else (third / n if n else 0.0)
        yield Finding("ART001", "sourcesContent", f"{shown} ships the original source of {with_content} of {n} files "
                      f"({human_size(content_bytes)}, {share:.0%} third-party; {map_only} only in the map)", shown, target=target)
