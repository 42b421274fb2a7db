"""ART002 inline-source-map: every `sourceMappingURL` with a `data:` URL (`map_refs.kind = 'inline'`),
with the decoded map's size when it decoded. A file may hold several (concatenated bundles): its
inline maps' `source_maps` rows (path `<file>#inline`, in the order read) belong, in line order, to
its inline references whose data URL decoded (those that did not have a `map_problems` row)."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb

from auditor.models import Finding

REFS = """
SELECT r.artifact, r.path, l.shown_prefix || r.path, r.line, l.target
FROM map_refs r JOIN artifact_labels l ON l.scan_id = r.scan_id AND l.artifact = r.artifact
WHERE r.scan_id = ? AND r.kind = 'inline'
ORDER BY r.artifact, r.path, r.line
"""
SIZES = "SELECT artifact, path, size FROM source_maps WHERE scan_id = ? AND kind = 'inline' ORDER BY rowid"
UNDECODED = "SELECT artifact, path, line FROM map_problems WHERE scan_id = ? AND code = 'inline'"


def findings(conn: duckdb.DuckDBPyConnection, scan_id: int) -> Iterator[Finding]:
    """One ART002 finding per inline map reference."""
    sizes: dict[tuple[str, str], list[int]] = {}
    for artifact, map_path, size in conn.execute(SIZES, [scan_id]).fetchall():
        sizes.setdefault((artifact, map_path.removesuffix("#inline")), []).append(size)
    undecoded = {tuple(r) for r in conn.execute(UNDECODED, [scan_id]).fetchall()}
    for artifact, path, shown, line, target in conn.execute(REFS, [scan_id]).fetchall():
        left = sizes.get((artifact, path), [])
        size = left.pop(0) if (artifact, shown, line) not in undecoded and left else None
        what = f"a {size}-byte source map" if size is not None else "a source map"
        yield Finding("ART002", "inline source map", f"{shown} embeds {what} in a data: URL (line {line})", shown, line, target=target)
