"""Reference sections of the README generated from their sources of truth, so they cannot drift.

- the database schema, from the migrations in `auditor/schema/*.sql` (columns from DuckDB itself,
  meanings from the SQL comments);
- the query-pack captures and settings, from `queries/captures.toml`.

Each lives in README.md between `<!-- BEGIN name -->` and `<!-- END name -->` markers.
`tests/test_docs.py` fails when a block is stale; refresh with
`AUDITOR_UPDATE_GOLDEN=1 python -m pytest tests/test_docs.py` or `python -m auditor.docs README.md`.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

import duckdb

from auditor import store
from auditor.queries import builtin_query_dir

_CREATE = re.compile(r"^CREATE\s+(TABLE|VIEW)\s+(\w+)", re.I | re.M)
_COLUMN = re.compile(r"^\s+(\w+)\s+[A-Z][A-Z0-9_\[\]]*[^-\n]*?--\s*(.*?)\s*$")


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def _objects(sql: str) -> list[tuple[str, str, str, dict[str, str]]]:
    """(kind, name, description, column comments) for each CREATE TABLE/VIEW in one migration."""
    out = []
    lines = sql.splitlines()
    for m in _CREATE.finditer(sql):
        kind, name = m.group(1).lower(), m.group(2)
        start = sql.count("\n", 0, m.start())
        desc: list[str] = []
        i = start - 1
        while i >= 0 and lines[i].startswith("--"):
            desc.insert(0, lines[i][2:].strip())
            i -= 1
        if i < 0:  # the file's header comment describes the migration, not the first table
            desc = []
        comments: dict[str, str] = {}
        if kind == "view":  # `expr AS alias,  -- meaning` lines of the SELECT list
            for line in lines[start + 1:]:
                if line.rstrip().endswith(";"):
                    break
                am = re.search(r"\bAS\s+(\w+),?\s*--\s*(.*?)\s*$", line)
                if am:
                    comments[am.group(1)] = am.group(2)
        if kind == "table":
            for line in lines[start + 1:]:
                if line.startswith(")"):
                    break
                cm = _COLUMN.match(line)
                if cm:
                    comments[cm.group(1)] = cm.group(2)
                elif (cont := re.match(r"^\s+--\s*(.*)$", line)) and comments:
                    last = list(comments)[-1]
                    comments[last] += " " + cont.group(1).strip()
        out.append((kind, name, " ".join(desc), comments))
    return out


def schema_markdown() -> str:
    """The schema reference: every table and view of every migration, with columns and meanings."""
    conn = duckdb.connect(":memory:")
    try:
        version = store.migrate(conn)
        columns: dict[str, list[tuple[str, str]]] = {}
        for table, column, dtype in conn.execute(
            "SELECT table_name, column_name, data_type FROM duckdb_columns() WHERE schema_name = 'main' "
            "ORDER BY table_name, column_index"
        ).fetchall():
            columns.setdefault(table, []).append((column, dtype))
    finally:
        conn.close()
    parts = [
        f"Schema version **{version}**. Migrations live in `auditor/schema/NNN_name.sql`; each runs once, in "
        "order, in its own transaction, and the version is stored in `auditor_meta` "
        "(`SELECT value FROM auditor_meta WHERE key = 'schema_version'`). Every table has a `scan_id`; "
        "lines are 1-based, columns 0-based byte offsets.",
        "",
    ]
    migrations = store.migrations()
    added: dict[str, dict[str, str]] = {}  # `ALTER TABLE t ADD COLUMN c …;  -- meaning` of later migrations
    last: dict[str, str] = {}  # a view dropped and created again is described where it was created last
    for _version, filename, sql in migrations:
        for am in re.finditer(r"^ALTER TABLE (\w+) ADD COLUMN (\w+)[^;\n]*;\s*--\s*(.*)$", sql, re.M):
            added.setdefault(am.group(1), {})[am.group(2)] = am.group(3).strip()
        for _kind, name, _desc, _comments in _objects(sql):
            last[name] = filename
    for _version, filename, sql in migrations:
        for kind, name, desc, comments in _objects(sql):
            if last.get(name) != filename:
                continue
            comments = {**comments, **added.get(name, {})}
            parts.append(f"#### `{name}` ({kind}, {filename})")
            parts.append("")
            if desc:
                parts.append(_md(desc))
                parts.append("")
            parts.append("| column | type | meaning |")
            parts.append("|---|---|---|")
            for column, dtype in columns.get(name, []):
                parts.append(f"| `{column}` | {dtype} | {_md(comments.get(column, ''))} |")
            parts.append("")
    return "\n".join(parts).rstrip() + "\n"


def captures_markdown() -> str:
    """The captures and `#set!` settings a query pack may use, from `queries/captures.toml`."""
    data = tomllib.loads((builtin_query_dir() / "captures.toml").read_text(encoding="utf-8"))
    parts = ["| capture | meaning |", "|---|---|"]
    parts += [f"| `@{k}` | {_md(v)} |" for k, v in data.get("captures", {}).items()]
    parts += ["", "| setting | meaning |", "|---|---|"]
    parts += [f"| `{k}` | {_md(v)} |" for k, v in data.get("settings", {}).items()]
    return "\n".join(parts) + "\n"


BLOCKS = {"schema": schema_markdown, "captures": captures_markdown}


def block(text: str, name: str) -> str | None:
    """The current content of block `name` in `text`, or None when the markers are missing."""
    m = re.search(rf"<!-- BEGIN {name} -->\n(.*?)<!-- END {name} -->", text, re.S)
    return m.group(1) if m else None


def refresh(text: str) -> str:
    """`text` with every generated block regenerated."""
    for name, make in BLOCKS.items():
        body = make()
        text = re.sub(rf"(<!-- BEGIN {name} -->\n).*?(<!-- END {name} -->)", lambda m: m.group(1) + body + m.group(2), text, flags=re.S)
    return text


def main(argv: list[str]) -> int:
    """`python -m auditor.docs README.md`: regenerate the blocks in place."""
    for arg in argv or ["README.md"]:
        path = Path(arg)
        path.write_text(refresh(path.read_text(encoding="utf-8")), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
