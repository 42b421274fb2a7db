"""ART005 env-key-or-credentials-file-shipped: an env file (not a template such as `.env.example`), a private key
or a credentials file among the entries whose content was read (`entry_facts`)."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb

from auditor.models import Finding
from auditor.sources.classify import is_env_example

SQL = """
SELECT e.path, l.shown_prefix || e.path, e.kind, l.target,
       EXISTS (SELECT 1 FROM entry_facts k WHERE k.scan_id = e.scan_id AND k.artifact = e.artifact AND k.path = e.path
               AND k.fact = 'private-key') AS private_key
FROM entries e
JOIN entry_facts f ON f.scan_id = e.scan_id AND f.artifact = e.artifact AND f.path = e.path AND f.fact = 'inspected'
JOIN artifact_labels l ON l.scan_id = e.scan_id AND l.artifact = e.artifact
WHERE e.scan_id = ? AND e.kind IN ('env-file', 'key', 'credentials')
"""


def findings(conn: duckdb.DuckDBPyConnection, scan_id: int) -> Iterator[Finding]:
    """One ART005 finding per shipped env file, private key or credentials file."""
    for path, shown, kind, target, private_key in conn.execute(SQL, [scan_id]).fetchall():
        if kind == "env-file" and not is_env_example(path):
            yield Finding("ART005", "env file", f"env file {shown} is shipped", shown, target=target)
        elif kind == "key" and private_key:
            yield Finding("ART005", "private key", f"private key {shown} is shipped", shown, target=target)
        elif kind == "credentials":
            yield Finding("ART005", "credentials file", f"credentials file {shown} is shipped", shown, target=target)
