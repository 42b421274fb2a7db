"""One-line summaries of a scan's release artifacts (for the `scan` summary)."""

from __future__ import annotations

import duckdb

from auditor.sources.limits import human_size


def artifact_lines(conn: duckdb.DuckDBPyConnection, scan_id: int) -> list[str]:
    """`npm acme-agent@1.4.0: 6 entries, 7.9 KiB (3.1 KiB compressed), 2 source maps ...` per
    artifact of scan `scan_id`; empty when the scan read no artifact (or the database predates them)."""
    try:
        rows = conn.execute(
            """
            SELECT a.artifact, a.kind, a.package_name, a.package_version, a.entry_count, a.total_bytes, a.compressed_bytes,
                   a.refused_count, a.status,
                   (SELECT count(*) FROM source_maps m WHERE m.scan_id = a.scan_id AND m.artifact = a.artifact),
                   (SELECT coalesce(sum(m.rebuilt), 0) FROM source_maps m WHERE m.scan_id = a.scan_id AND m.artifact = a.artifact),
                   (SELECT coalesce(sum(m.map_only), 0) FROM source_maps m WHERE m.scan_id = a.scan_id AND m.artifact = a.artifact)
            FROM artifacts a WHERE a.scan_id = ? ORDER BY a.artifact
            """,
            [scan_id],
        ).fetchall()
    except duckdb.CatalogException:
        return []
    out = []
    for key, kind, name, version, entries, total, compressed, refused, status, maps, rebuilt, only in rows:
        what = f"{name}@{version}" if name and version else (name or key.rsplit("/", 1)[-1])
        parts = [f"{entries} entries", f"{human_size(total)} ({human_size(compressed)} compressed)"]
        if maps:
            parts.append(f"{maps} source map{'s' if maps != 1 else ''}, {rebuilt} sources rebuilt, {only} only in a map")
        if refused:
            parts.append(f"{refused} refused")
        if status != "ok":
            parts.append(status)
        out.append(f"{kind} {what}: " + ", ".join(parts))
    return out
