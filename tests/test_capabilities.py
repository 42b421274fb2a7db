"""Capabilities: name, kind, framework, hidden (and why), parent, tags and gates on fixtures of each construct."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from auditor.config import Config

FIXTURES = Path(__file__).parent / "fixtures" / "capabilities"


@pytest.fixture(scope="module")
def inventory(tmp_path_factory):
    from auditor import store
    from auditor.scan import run_scan

    db = tmp_path_factory.mktemp("caps") / "caps.duckdb"
    summary = run_scan([str(FIXTURES)], db, None, Config())
    conn = store.connect(db, read_only=True)
    rows = conn.execute(
        "SELECT path, line, kind, name, framework, hidden_reason, parent, tags, gate_keys FROM capability_inventory "
        "WHERE scan_id = ? ORDER BY path, line, name", [summary.scan_id]).fetchall()
    conn.close()
    return rows


def test_javascript_cli_routes_slash_commands_settings(inventory):
    assert [r for r in inventory if r[0] == "app.js"] == [
        ("app.js", 5, "route", "GET /health", "http", "", None, [], []),
        ("app.js", 6, "route", "POST /internal/flush", "http", "", None, [], []),  # Map.get('/x') is not a route
        ("app.js", 10, "command", "mcp", "yargs", "", None, [], []),
        ("app.js", 13, "option", "--raw", "cli", "hidden: true", "mcp", [], []),
        ("app.js", 13, "option", "--scope", "cli", "", "mcp", [], []),
        ("app.js", 16, "command", "secret", "yargs", "describe: false", None, [], []),
        ("app.js", 17, "option", "--model", "cli", "hide()", None, [], []),          # `$0` is not a command
        ("app.js", 19, "command", "/corgi", "slash", "hidden: true", None, [], []),
        ("app.js", 20, "command", "/help", "slash", "", None, [], []),
        ("app.js", 29, "setting", "experimental.voiceMode", "settings", "", None, ["experimental"], []),
        ("app.js", 32, "setting", "ui.theme", "settings", "", None, [], []),
    ]


def test_typescript_commander_mcp_and_tool_registries(inventory):
    assert [r for r in inventory if r[0] == "cli.ts"] == [
        ("cli.ts", 7, "option", "--port", "cli", "", "serve", [], []),
        ("cli.ts", 7, "command", "serve", "cli", "", None, [], []),
        ("cli.ts", 8, "command", "debug-dump", "cli", "hidden: true", None, [], []),
        ("cli.ts", 9, "option", "--trace", "commander", "hideHelp()", None, [], []),
        ("cli.ts", 12, "tool", "search", "mcp", "", None, [], []),
        ("cli.ts", 13, "tool", "summarize", "registry", "", None, [], []),
        ("cli.ts", 18, "tool", "read_file", "registry", "", None, [], []),   # new ReadTool() → ReadTool.Name → READ_TOOL in names.ts
        ("cli.ts", 22, "tool", "list_files", "object", "", None, [], []),
        ("cli.ts", 23, "tool", "voice", "object", "", None, [], ["VOICE"]),  # behind ...(feature('VOICE') ? [...] : [])
    ]


def test_python_typer_click_argparse_fastapi_flask_fastmcp(inventory):
    assert [r for r in inventory if r[0] == "app.py"] == [
        ("app.py", 16, "command", "sync-all", "typer/click", "", None, [], []),
        ("app.py", 21, "command", "purge", "typer/click", "hidden=True", None, [], []),
        ("app.py", 26, "command", "clean", "typer/click", "hidden=True", None, [], []),
        ("app.py", 27, "option", "--dry-run", "cli", "", None, [], []),
        ("app.py", 32, "route", "GET /items", "fastapi/flask", "", None, [], []),
        ("app.py", 37, "route", "DELETE /admin/items", "fastapi/flask", "include_in_schema=False", None, [], []),
        ("app.py", 42, "route", "GET,POST /login", "fastapi/flask", "", None, [], []),
        ("app.py", 47, "tool", "lookup", "fastmcp", "", None, [], []),
        ("app.py", 55, "tool", "beta_sql", "fastmcp", "", None, [], ["ACME_BETA"]),
        ("app.py", 62, "command", "export", "argparse", "", None, [], []),
        ("app.py", 63, "option", "--verbose", "cli", "", None, [], []),
        ("app.py", 64, "option", "--internal-trace", "cli", "help=SUPPRESS", None, [], []),  # positional `path` is not an option
        ("app.py", 67, "tool", "fetch_url", "object", "", None, [], []),
    ]


def _scanned(tmp_path: Path, sql: str) -> list[tuple]:
    """Rows of `sql` (with the scan id as its one parameter) after scanning `tmp_path`."""
    from auditor import store
    from auditor.scan import run_scan

    s = run_scan([str(tmp_path)], tmp_path / "db.duckdb", None, Config())
    conn = store.connect(tmp_path / "db.duckdb", read_only=True)
    try:
        return conn.execute(sql, [s.scan_id]).fetchall()
    finally:
        conn.close()


def test_gate_polarity_carries_to_capabilities(tmp_path):
    (tmp_path / "t.ts").write_text(
        "import { feature } from 'bun:bundle';\n"
        "if (!feature('LEGACY')) {\n"
        "  registerTool({ name: 'modern', description: 'm' });\n"
        "} else {\n"
        "  registerTool({ name: 'legacy', description: 'l' });\n"
        "}\n"
    )
    rows = _scanned(tmp_path, "SELECT name, flag_key, polarity, branch FROM capability_flags WHERE scan_id = ? ORDER BY name")
    assert rows == [("legacy", "LEGACY", "on", "alternative"), ("modern", "LEGACY", "off", "body")]


def test_object_literals_are_read_only_when_they_can_hold_a_capability(tmp_path):
    """Objects without a member a command or tool needs are skipped on their bytes alone; a key
    written with escapes (`"d\\u0065scription"`) still counts; an object whose only `description`
    is a nested object's passes the byte check and is still judged by its own members."""
    (tmp_path / "t.js").write_text(
        "const a = { name: 'plain', version: '1.0.0' };\n"
        "const b = { name: 'escaped', 'd\\u0065scription': 'e', inputSchema: {} };\n"
        "const c = { name: 'tool-ish', description: 'd', parameters: { type: 'object' }, execute() {} };\n"
        "const d = { name: 'outer', meta: { description: 'inner' } };\n"
    )
    rows = _scanned(tmp_path, "SELECT line, kind, name, framework FROM capabilities WHERE scan_id = ? ORDER BY line")
    assert rows == [(2, "tool", "escaped", "object"), (3, "tool", "tool-ish", "object")]


def test_tool_and_slash_shapes_are_model_facing_only(tmp_path):
    """Tools are described objects in a tool context (a tool-named registry or builder, the
    `{ type: 'function', function: {…} }` wrapper) or with a schema and a handler, and classes named
    by a static `Name` or by their constructor's `super(NAME, …)`; a tool call's display, a linter
    entry, a structured-output function declaration, a run-time-named class and a wrapped tool of
    elsewhere are not, nor is an object named `'Read File(s)'` (not a name a model can call). A minified
    bundle's `{name:cZ,…}` is named through `var cZ="Read"`. `{ command: '/x', description }` is a
    slash command, a `type: 'local'` entry without a description is not."""
    from auditor import store
    from auditor.scan import run_scan

    db = tmp_path / "s.duckdb"
    summary = run_scan([str(Path(__file__).parent / "fixtures" / "capability_shapes")], db, None, Config())
    conn = store.connect(db, read_only=True)
    rows = conn.execute("SELECT path, line, kind, name, framework FROM capabilities WHERE scan_id = ? "
                        "AND kind IN ('tool', 'command') ORDER BY path, line", [summary.scan_id]).fetchall()
    conn.close()
    assert rows == [
        ("bundle.min.js", 2, "tool", "Read", "object"),  # `{name:cZ,…}` with `var cZ="Read"`; `{name:e}` is dropped
        ("commands.js", 4, "command", "/help", "slash"),
        ("commands.js", 5, "command", "/exit", "slash"),
        ("commands.js", 9, "command", "grant", "cli"),
        ("commands.js", 10, "command", "`${verb} <id>`", "cli"),
        ("tools.ts", 8, "tool", "list_files", "object"),
        ("tools.ts", 9, "tool", "note", "object"),
        ("tools.ts", 10, "tool", "view_file", "object"),
        ("tools.ts", 11, "tool", "grep", "object"),
        ("tools.ts", 20, "tool", "update_topic", "registry"),
        ("tools.ts", 38, "tool", "list_background_processes", "registry"),  # the static Name, not super(X.Name)
    ]


_TOKENS = ["Ab", "Abc", "xAb", ".Ab", " ", "\v", "=", "=>", '"f"', '"Ab = 1"', ";"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_TOKENS), max_size=16))
@example(["Ab", "=", '"Ab = 1"'])  # a match hides an assignment written inside its literal
@example(["xAb", "=", "\"Ab = 'k'\""])  # also one found for a longer name ending in this one
@example(["Ab", "\v", "=", '"f"'])  # `\s` is Python's: a vertical tab too
def test_names_assigned_once_are_answered_together_as_one_by_one(tokens):
    from auditor.extract import capabilities as c

    data = ("x = {name: Ab}, y = {name: Abc, z: {name: xAb}};" + "".join(tokens)).encode()  # all three asked about by a `name:`
    for ident in ("Ab", "Abc", "xAb"):
        one_by_one = c._only_literal(data, ((m.start(), m) for m in c._assignment(ident).finditer(data)))
        c.forget_file()
        assert c._assigned_once(data, ident) == one_by_one, (data, ident)
    c.forget_file()


def test_a_minified_tool_name_assigned_once_resolves_in_a_file_naming_several():
    from auditor.extract import capabilities as c

    data = b'var Ije, Xk;\nIje = "fetch_docs";\nXk = "a"; Xk = "b";\nconst t = {name: Ije}, u = {name: Xk}, v = {"name": Qz};\nQz = `t`;\n'
    c.forget_file()
    assert [c._assigned_once(data, n) for n in ("Ije", "Xk", "Qz", "Zz")] == ["fetch_docs", None, None, None]
    assert set(c._ASSIGNED) == {"Ije", "Xk", "Qz", "Zz"}  # the three `name:` identifiers answered on the first question
    c.forget_file()


def test_command_spec_objects_are_command_line_commands_not_slash_commands(tmp_path):
    """@vercel's CLI declares its (sub)commands as spec objects with arguments, options and examples:
    a hidden one is a hidden command-line command (`ls`), not a slash command (`/ls`). A slash
    command object (an `action`) stays one."""
    (tmp_path / "commands.js").write_text(
        "export const listSubcommand = { name: 'ls', aliases: ['list'], description: '', default: true, hidden: true,\n"
        "  arguments: [], options: [], examples: [] };\n"
        "export const activityCommand = { name: 'activity', description: 'List user activity events.', arguments: [],\n"
        "  subcommands: [listSubcommand], options: [{ name: 'type', shorthand: null, type: String }], examples: [] };\n"
        "export const corgi = { name: 'corgi', description: 'Toggles corgi mode', hidden: true, action: () => toggle() };\n",
        encoding="utf-8")
    rows = _scanned(tmp_path, "SELECT line, kind, name, framework, hidden_reason FROM capabilities WHERE scan_id = ? ORDER BY line")
    assert rows == [(1, "command", "ls", "cli", "hidden: true"), (5, "command", "/corgi", "slash", "hidden: true")]
