"""ART015 bundler-metadata-shipped: a shipped esbuild metafile, webpack stats, Vite manifest or
`.tsbuildinfo` (`bundler_metadata`), with what it reveals."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb

from auditor.models import Finding

WHAT = {"esbuild": "an esbuild metafile", "webpack": "webpack stats", "vite": "a Vite manifest", "typescript": "TypeScript build info"}

SQL = "SELECT path, tool, files, first_party, input_bytes, examples, target FROM bundler_metadata WHERE scan_id = ?"


def findings(conn: duckdb.DuckDBPyConnection, scan_id: int) -> Iterator[Finding]:
    """One ART015 finding per metadata file."""
    for shown, tool, files, first_party, input_bytes, examples, target in conn.execute(SQL, [scan_id]).fetchall():
        size = f", {input_bytes:,} bytes of input" if input_bytes is not None else ""
        eg = f" (e.g. {', '.join(examples[:3])})" if examples else ""
        yield Finding("ART015", f"{tool} metadata", f"{shown} is {WHAT[tool]}: it lists {files:,} original files{size}, "
                      f"{first_party:,} of them first-party{eg}", shown, target=target)
