"""Reference documentation generated from its sources of truth, so it cannot drift.

Whole files (`FILES`, under `docs/`):
- `docs/cli.md`, every command, argument and option, from the Typer app (`auditor.cli.app`);
- `docs/rules.md`, every rule and its documentation, from the rule TOMLs (`auditor/rules/*.toml`);
- `docs/schema.md`, every table and view, from the migrations in `auditor/schema/*.sql` (columns
  from DuckDB itself, meanings from the SQL comments).

Blocks (`BLOCKS`) inside hand-written pages, between `<!-- BEGIN name -->` and `<!-- END name -->`:
- `captures`, the query-pack captures and settings, from `queries/captures.toml` (docs/packs.md).

`tests/test_docs.py` fails when any of them is stale; refresh with `python -m auditor.docs`
(or `AUDITOR_UPDATE_GOLDEN=1 python -m pytest tests/test_docs.py`).
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


def _click_command():
    import typer

    from auditor.cli import app

    return typer.main.get_command(app)


def _option_type(param) -> str:
    if getattr(param, "is_flag", False):
        return "flag"
    t = param.type
    choices = getattr(t, "choices", None)
    if choices:
        name = " \\| ".join(f"`{getattr(c, 'value', c)}`" for c in choices)
    else:
        name = {"integer range": "integer", "int range": "integer", "int": "integer", "str": "text"}.get(t.name, t.name)
    return name + (", repeatable" if getattr(param, "multiple", False) else "")


def _summary(help_text: str | None) -> str:
    """The first sentence of a command's help, on one line."""
    text = " ".join((help_text or "").split())
    end = text.find(". ")
    return text if end < 0 else text[: end + 1]


def cli_markdown() -> str:
    """`docs/cli.md`: every command of `auditor` with its help, usage, arguments and options."""
    import click

    group = _click_command()
    ctx = click.Context(group, info_name="auditor")
    parts = ["# CLI reference", "",
             "Generated from the command line itself (`python -m auditor.docs`); `auditor COMMAND --help` prints the same.",
             "Exit codes: 0 nothing at or above `--fail-on`; 1 findings at or above it; 2 a usage or input error, or an "
             "incomplete audit. Errors are one line on stderr: `auditor: error: …`.", ""]
    globals_ = [p for p in group.params if p.opts and p.opts[0].startswith("--")]
    if globals_:
        parts += ["Before any command: " + ", ".join(f"`{p.opts[0]}` ({p.help})" for p in globals_), ""]
    parts += ["| command | what it does |", "|---|---|"]
    for name, cmd in group.commands.items():
        parts.append(f"| [`auditor {name}`](#auditor-{name}) | {_md(_summary(cmd.help))} |")
    parts.append("")
    for name, cmd in group.commands.items():
        sub = click.Context(cmd, info_name=name, parent=ctx)
        usage = " ".join(cmd.collect_usage_pieces(sub))
        parts += [f"## auditor {name}", "", "```text", f"auditor {name} {usage}".rstrip(), "```", ""]
        parts += [_md(" ".join(line.strip() for line in (cmd.help or "").strip().splitlines() if line.strip())), ""]
        args = [p for p in cmd.params if p.param_type_name == "argument"]
        opts = [p for p in cmd.params if p.param_type_name == "option"]
        for a in args:
            parts.append(f"- `{a.human_readable_name.upper()}`: {_md(getattr(a, 'help', None) or '')}")
        if args:
            parts.append("")
        if opts:
            parts += ["| option | value | default | meaning |", "|---|---|---|---|"]
            for o in opts:
                names = ", ".join(f"`{x}`" for x in (*o.opts, *o.secondary_opts))
                default = o.default
                shown = "" if default in (None, False, (), []) or not o.show_default and o.show_default is not None \
                    else f"`{getattr(default, 'value', default)}`"
                if getattr(o, "envvar", None):
                    shown += f" (`${o.envvar}`)"
                parts.append(f"| {names} | {_option_type(o)} | {shown.strip()} | {_md(o.help or '')} |")
            parts.append("")
    return "\n".join(parts).rstrip() + "\n"


def rules_markdown() -> str:
    """`docs/rules.md`: every rule, a table then each one's documentation (as `auditor explain` prints it)."""
    from auditor.report.findings import rules_report
    from auditor.report.markdown import rules_markdown as render

    from auditor.rules import all_rules

    logic = "\n".join(f"- `{r.id}`: " + (f"`auditor/rules/{r.id}.py`" if r.module else f"`[query] sql` in `auditor/rules/{r.id}.toml`")
                      for r in all_rules().values())
    return ("# Rules\n\nGenerated from the rule files `auditor/rules/*.toml` (`python -m auditor.docs`); `auditor rules` "
            "lists them, `auditor explain ID` prints one. A manifest's `[severity]` table changes a rule's severity or "
            "turns it off (see [configuration](configuration.md)).\n\n" + render(rules_report()).rstrip("\n")
            + "\n\n## Where each rule's logic is\n\nEvery rule is its TOML (id, name, severity, doc) plus its logic over the "
            "scan's tables and views: SQL in the TOML, or one module beside it where SQL cannot say it "
            "([internals](internals.md)).\n\n" + logic + "\n")


def schema_page() -> str:
    """`docs/schema.md`: the database schema reference."""
    return ("# Database schema\n\nGenerated from the migrations (`python -m auditor.docs`). Query it with "
            "`auditor sql \"SELECT …\"`, the dashboard's SQL page, or any DuckDB client.\n\n" + schema_markdown())


BLOCKS = {"captures": captures_markdown}
"""Generated blocks inside hand-written pages: name → generator."""

DOCS = Path(__file__).resolve().parent.parent / "docs"
FILES = {"cli.md": cli_markdown, "rules.md": rules_markdown, "schema.md": schema_page}
"""Whole generated files under `docs/`: name → generator."""


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


BLOCK_FILES = ("packs.md",)
"""Hand-written pages under `docs/` holding generated blocks."""


def main(argv: list[str]) -> int:
    """`python -m auditor.docs [DIR]`: regenerate `docs/` (the generated files and the blocks in place)."""
    docs = Path(argv[0]) if argv else DOCS
    for name, make in FILES.items():
        (docs / name).write_text(make(), encoding="utf-8")
    for name in BLOCK_FILES:
        path = docs / name
        path.write_text(refresh(path.read_text(encoding="utf-8")), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
