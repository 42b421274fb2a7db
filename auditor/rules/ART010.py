"""ART010 source-only-in-source-map: a source whose content a map ships but whose code is not in the
generated file (`map_sources.in_bundle = 'no'`: no mapping segment, or none of its distinctive
strings), first-party, or third-party when it was rebuilt (`rebuild_third_party = true`; a
third-party source the reader could not rebuild, too large or in no parsed language, is left out
under that setting). At most MAP_CONTENT_RULE_LIMIT findings per map, the rest summarized in one."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb

from auditor.models import Finding

MAP_CONTENT_RULE_LIMIT = 50
"""ART010 findings per map beyond which the rest are summarized in one message."""

SQL = """
SELECT m.artifact, m.path, l.shown_prefix, l.target, m.generated, m.generated_shipped,
       s.path, s.literals, s.literals_in_bundle,
       EXISTS (SELECT 1 FROM map_coverage c WHERE c.scan_id = s.scan_id AND c.artifact = s.artifact AND c.map = s.map
               AND c.idx = s.idx) AS covered
FROM map_sources s
JOIN source_maps m ON m.scan_id = s.scan_id AND m.artifact = s.artifact AND m.path = s.map
JOIN artifact_labels l ON l.scan_id = s.scan_id AND l.artifact = s.artifact
WHERE s.scan_id = ? AND s.in_bundle = 'no' AND s.has_content AND (NOT s.third_party OR s.rebuilt)
ORDER BY m.rowid, s.idx
"""


def map_only_message(path: str, map_shown: str, generated: str, by_mappings: bool, literals: int, present: int) -> str:
    """What shows that `path` ships only through the map."""
    if by_mappings:
        strings = ""
        if literals:
            strings = (f"; none of its {literals} distinctive strings is in the bundle" if present == 0 else
                       f"; {present} of its {literals} distinctive strings also occur in the bundle (as text, not as its code)")
        return f"{path} ships only in source map {map_shown}: no mapping segment of {generated} comes from it{strings}"
    return (f"{path} ({literals} distinctive strings) ships only in source map {map_shown}: "
            f"none of its strings is in {generated}")


def findings(conn: duckdb.DuckDBPyConnection, scan_id: int) -> Iterator[Finding]:
    """ART010 findings, maps in the order they were read, sources in map order."""
    count: dict[tuple[str, str], int] = {}
    last: dict[tuple[str, str], tuple[str, str, str]] = {}
    for artifact, map_path, prefix, target, generated, shipped, path, lits, present, covered in conn.execute(SQL, [scan_id]).fetchall():
        shown = prefix + map_path
        origin = f"source map: {shown}"
        n = count[artifact, map_path] = count.get((artifact, map_path), 0) + 1
        last[artifact, map_path] = (shown, origin, target)
        if n <= MAP_CONTENT_RULE_LIMIT:
            shown_generated = prefix + generated if generated else "any shipped bundle"
            yield Finding("ART010", path, map_only_message(path, shown, shown_generated, covered and shipped, lits, present),
                          prefix + path, None, None, origin, target)
    for key, n in count.items():
        if n > MAP_CONTENT_RULE_LIMIT:
            shown, origin, target = last[key]
            yield Finding("ART010", f"{shown}: more", f"{n - MAP_CONTENT_RULE_LIMIT} more sources ship only in {shown} "
                          f"(see the map_only_sources view)", shown, None, None, origin, target)
