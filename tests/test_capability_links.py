"""Capabilities as agent CLIs declare them (issue 17): tools named through constants, builders and
classes; slash-command objects; subcommand paths; gates in another file than the capability
(registries, `require`, re-exports); constant gates; Python MCP servers. One fixture per style
under tests/fixtures/capabilities/, each asserted exactly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditor.config import Config, Wrapper
from tests.test_artifacts_kit import npm_tgz

FIXTURES = Path(__file__).parent / "fixtures" / "capabilities"
WRAPPERS = Config(wrappers=(Wrapper("getFlagValue", 0, "remote"),))


def _scan(target: Path, db: Path, config: Config = WRAPPERS, manifest=None):
    from auditor.scan import run_scan

    return run_scan([str(target)], db, None, config, manifest=manifest)


def _rows(db: Path, scan_id: int, sql: str) -> list[tuple]:
    from auditor import store

    conn = store.connect(db, read_only=True)
    try:
        return conn.execute(sql, [scan_id]).fetchall()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    db = tmp_path_factory.mktemp("registry") / "r.duckdb"
    return db, _scan(FIXTURES / "registry", db).scan_id


def test_tools_named_through_constants_builders_and_classes(registry):
    db, sid = registry
    assert _rows(db, sid, "SELECT path, line, name, framework, binding, resolved FROM capabilities WHERE scan_id = ? ORDER BY path") == [
        ("src/tools/ConfigTool/ConfigTool.ts", 1, "Config", "object", "ConfigTool", True),
        ("src/tools/GrepTool/GrepTool.ts", 4, "Grep", "object", "GrepTool", True),       # buildTool({ name: GREP_TOOL_NAME })
        ("src/tools/NapTool/NapTool.ts", 4, "Nap", "object", "NapTool", True),
        ("src/tools/NoteTool/NoteTool.ts", 5, "Note", "object", "NoteTool", True),       # { name, inputSchema, *call } satisfies ToolDef
        ("src/tools/PairTool/PairTool.ts", 1, "Pair", "object", "PairTool", True),
        ("src/tools/ShellTool/ShellTool.ts", 5, "Shell", "class", "ShellTool", True),    # class … implements Tool
        ("src/tools/TeamTool/TeamTool.ts", 1, "Team", "object", "TeamTool", True),
    ]


def test_registry_gates_in_another_file_are_linked_with_their_site(registry):
    db, sid = registry
    rows = _rows(db, sid, """
        SELECT c.name, cg.link, cg.gate_path, cg.gate_line, cg.flag_kind, cg.flag_keys, cg.polarity
        FROM capabilities c JOIN capability_gates cg USING (scan_id, path, cap_no)
        WHERE c.scan_id = ? ORDER BY c.name, cg.gate_line, cg.link""")
    assert rows == [
        ("Config", "load", "src/tools.ts", 8, "env", ["BUILD_TARGET"], "on"),
        # `const NapTool = feature(…) || feature(…) ? require(…).NapTool : null`, then `...(NapTool ? [NapTool] : [])`
        ("Nap", "load", "src/tools.ts", 7, "feature", ["NIGHT_SHIFT", "DAYDREAM"], "on"),
        ("Nap", "registry", "src/tools.ts", 15, "feature", ["NIGHT_SHIFT", "DAYDREAM"], "on"),  # the variable's gate (one hop, every read)
        ("Pair", "load", "src/tools.ts", 16, "feature", ["PAIR"], "on"),
        # through the re-export in tools/index.ts; env and remote flag together
        ("Team", "registry", "src/tools.ts", 17, "mixed", ["ENABLE_TEAMS", "remote_teams"], "on"),
    ]
    # Grep and Shell are registered unconditionally; Note is gated in getNoteTools() but also in
    # ALWAYS = [NoteTool]: registered unconditionally somewhere, so not gated
    chains = dict(_rows(db, sid, "SELECT name, gate_chain FROM capability_inventory WHERE scan_id = ?"))
    assert chains == {
        "Config": ["BUILD_TARGET via src/tools.ts:8"], "Grep": [], "Nap": ["NIGHT_SHIFT | DAYDREAM via src/tools.ts:15", "NIGHT_SHIFT | DAYDREAM via src/tools.ts:7"],
        "Note": [], "Pair": ["PAIR via src/tools.ts:16"], "Shell": [], "Team": ["ENABLE_TEAMS | remote_teams via src/tools.ts:17"],
    }
    flags = _rows(db, sid, "SELECT DISTINCT name, flag_key, polarity, gate_path FROM capability_flags WHERE scan_id = ? ORDER BY name, flag_key")
    assert flags == [
        ("Config", "BUILD_TARGET", "on", "src/tools.ts"),
        ("Nap", "DAYDREAM", "on", "src/tools.ts"), ("Nap", "NIGHT_SHIFT", "on", "src/tools.ts"),
        ("Pair", "PAIR", "on", "src/tools.ts"),
        ("Team", "ENABLE_TEAMS", "on", "src/tools.ts"), ("Team", "remote_teams", "on", "src/tools.ts"),
    ]


def test_every_link_keeps_its_evidence_line(registry):
    db, sid = registry
    rows = _rows(db, sid, "SELECT gate_path, gate_line, snippet, condition FROM capability_gates WHERE scan_id = ? ORDER BY gate_line")
    assert all(p and line and snippet for p, line, snippet, _ in rows)
    assert rows[-1] == ("src/tools.ts", 17,
                        "...(isEnvTruthy(process.env.ENABLE_TEAMS) && getFlagValue('remote_teams', false) ? [TeamTool] : []),",
                        "isEnvTruthy(process.env.ENABLE_TEAMS) && getFlagValue('remote_teams', false)")


def test_slash_command_objects_is_enabled_and_conditionally_hidden(tmp_path):
    db = tmp_path / "c.duckdb"
    sid = _scan(FIXTURES / "commands", db).scan_id
    assert _rows(db, sid, """
        SELECT name, framework, hidden_reason, hidden_condition, hidden_keys, binding, gate_chain
        FROM capability_inventory WHERE scan_id = ? ORDER BY name""") == [
        ("/clear", "slash", "", "", [], "clear", []),
        ("/doctor", "slash", "isHidden: true", "", [], "default", []),                  # export default {…}
        ("/dream", "slash", "", "!getFlagValue('dream_visible', false)", ["!dream_visible"], "dream",
         ["DREAMS via src/commands.ts:7"]),                                               # ...(feature('DREAMS') ? [dream] : [])
        ("/review", "slash", "", "!isInternal()", [], "review",                           # get isHidden() { return !isInternal() }
         ["review_v2 via src/commands/review.ts:9"]),                                     # isEnabled: () => getFlagValue(…)
    ]
    assert _rows(db, sid, "SELECT name, link, flag_kind, gate_no FROM capability_flags WHERE scan_id = ? ORDER BY name") == [
        ("/dream", "registry", "feature", 1), ("/review", "is_enabled", "remote flag", None)]


def test_is_enabled_follows_one_hop_into_a_flag_function_of_the_same_file(tmp_path):
    db = tmp_path / "e.duckdb"
    sid = _scan(FIXTURES / "enabled_functions", db).scan_id
    assert _rows(db, sid, """
        SELECT name, link, flag_key, polarity FROM capability_flags WHERE scan_id = ? ORDER BY name""") == [
        ("/teams", "is_enabled", "teams", "on"),        # !isTeamsOff() and isTeamsOff = () => !getFlagValue('teams')
        ("/voice", "is_enabled", "voice_mode", "on"),   # isVoiceOn() returns getFlagValue('voice_mode')
    ]                                                   # /help: describe() is no flag function


def test_subcommands_carry_their_full_path_and_parent(tmp_path):
    db = tmp_path / "s.duckdb"
    sid = _scan(FIXTURES / "subcommands", db, Config()).scan_id
    assert _rows(db, sid, "SELECT path, kind, name, parent FROM capabilities WHERE scan_id = ? ORDER BY path, line, name") == [
        ("argparse_app.py", "command", "task", None),
        ("argparse_app.py", "command", "task list", "task"),        # task.add_subparsers().add_parser('list')
        ("click_app.py", "command", "cli", None),
        ("click_app.py", "command", "db", None),
        ("click_app.py", "command", "db migrate", "db"),            # @db.command() under @cli.group() def db
        ("commander.ts", "command", "task", None),
        ("commander.ts", "command", "task list", "task"),           # program.command('task').command('list')
        ("commander.ts", "command", "task", None),
        ("commander.ts", "option", "--due", "task add"),
        ("commander.ts", "command", "task add", "task"),            # const task = program.command('task'); task.command('add')
        ("commander.ts", "command", "remote", None),
        ("commander.ts", "command", "remote prune", "remote"),      # new Command('remote') added with addCommand
        ("typer_app.py", "command", "task", None),                  # app.add_typer(task_app, name="task")
        ("typer_app.py", "command", "sync", None),
        ("typer_app.py", "command", "task list", "task"),
        ("yargs/add.ts", "command", "mcp add", "mcp"),              # yargs.command(addCommand) in mcp.ts's builder
        ("yargs/add.ts", "option", "--scope", "mcp add"),
        ("yargs/mcp.ts", "command", "mcp", None),
        ("yargs/mcp.ts", "command", "mcp remove", "mcp"),
    ]


def test_manifest_compares_full_command_paths(tmp_path):
    from auditor.manifest import load_manifest

    (tmp_path / "m.toml").write_text('[capabilities]\ncommand = ["task", "task list", "mcp", "mcp add", "sync"]\n')
    db = tmp_path / "s.duckdb"
    sid = _scan(FIXTURES / "subcommands", db, Config(), load_manifest(tmp_path / "m.toml")).scan_id
    public = _rows(db, sid, "SELECT DISTINCT name FROM capability_status WHERE scan_id = ? AND kind = 'command' AND public ORDER BY name")
    assert public == [("mcp",), ("mcp add",), ("sync",), ("task",), ("task list",)]


def test_constant_gates_are_evaluated_and_tied_to_the_env_key(tmp_path):
    db = tmp_path / "k.duckdb"
    sid = _scan(FIXTURES / "constants", db, Config()).scan_id
    assert _rows(db, sid, """
        SELECT c.path, c.name, cg.link, cg.live, cg.condition, cg.flag_keys
        FROM capabilities c JOIN capability_gates cg USING (scan_id, path, cap_no)
        WHERE c.scan_id = ? ORDER BY c.path, c.line""") == [
        ("dist/cli.js", "heap_dump", "constant", False, "\"external\" === 'internal'", ["BUILD_TARGET"]),
        ("dist/cli.js", "read", "constant", True, "\"external\" !== 'internal'", []),
        ("src/devtools.ts", "heap_dump", "enclosing", None, "process.env.BUILD_TARGET === 'internal'", ["BUILD_TARGET"]),
    ]
    assert _rows(db, sid, "SELECT path, name, dead, state FROM capability_inventory WHERE scan_id = ? ORDER BY path, line") == [
        ("dist/cli.js", "heap_dump", True, "gated"), ("dist/cli.js", "read", False, "public"),
        ("src/devtools.ts", "heap_dump", False, "gated")]
    rel = _rows(db, sid, "SELECT subject, path FROM findings WHERE scan_id = ? AND rule_id = 'REL002' AND subject LIKE 'tool:%'")
    assert rel == [("tool:heap_dump", "dist/cli.js")]


def test_python_mcp_server_tools_and_their_gates(tmp_path):
    db = tmp_path / "p.duckdb"
    sid = _scan(FIXTURES / "mcp_server", db, Config()).scan_id
    assert _rows(db, sid, "SELECT line, name, framework, description, gate_keys FROM capability_inventory WHERE scan_id = ? ORDER BY line") == [
        (9, "search_notes", "fastmcp", "Search the notes.", []),
        (16, "purge_notes", "fastmcp", "Delete every note.", ["NOTES_ADMIN"]),
        (23, "list_notes", "mcp", "List notes", []),
        (26, "export_notes", "mcp", "Export notes", ["NOTES_EXPORT"]),
    ]


def test_python_tool_decorators_and_constructors_of_agent_frameworks(tmp_path):
    db = tmp_path / "t.duckdb"
    sid = _scan(FIXTURES / "tool_decorators", db, Config()).scan_id
    assert _rows(db, sid, "SELECT line, kind, name, framework, description FROM capabilities WHERE scan_id = ? ORDER BY line") == [
        (5, "tool", "search_web", "decorator", "Search the web for the query."),    # @tool
        (10, "tool", "read_file", "decorator", "Read a file."),                     # @tool("read_file", …)
        (15, "tool", "greet", "decorator", "Greet a user"),                         # @sdk_tool(name, description, schema)
        (19, "tool", "get_weather", "decorator", "Get the weather. Args: city: the city"),
        (35, "tool", "fetch_invoice", "decorator", "Fetch an invoice by id."),      # @function_tool
        (41, "tool", "roll_dice", "decorator", "Roll a six-sided die."),            # @agent.tool_plain
        (78, "tool", "shell", "constructor", "Run shell commands"),                 # ToolSpec(name=, desc=, execute=)
        (79, "tool", "lookup", "constructor", "Look a word up"),                    # StructuredTool.from_function(…)
        (94, "tool", "git_status", "fastmcp", "Show the working tree status."),      # name=GitTools.STATUS.value
    ]                                          # not: @server.call_tool(), WidgetTool(name=…) alone


@pytest.mark.parametrize("root", ["python_registry", "python_registry/agentpkg"])
def test_python_registries_gate_tools_of_other_modules(tmp_path, root):
    """`tools.append(run_shell)` under an env check in another module, imported by absolute name
    (also when the scanned root is the package itself) or relatively."""
    db = tmp_path / "r.duckdb"
    sid = _scan(FIXTURES / root, db, Config()).scan_id
    assert _rows(db, sid, "SELECT name, link, flag_key, polarity FROM capability_flags WHERE scan_id = ? ORDER BY name") == [
        ("fetch_page", "registry", "DISABLE_BROWSING", "off"),
        ("run_shell", "registry", "ENABLE_SHELL_TOOL", "on"),
    ]
    assert _rows(db, sid, "SELECT name FROM capabilities WHERE scan_id = ? ORDER BY name") == [
        ("fetch_page",), ("run_shell",), ("search_web",)]


def test_bare_command_decorators_and_commands_registered_by_name(tmp_path):
    db = tmp_path / "c.duckdb"
    sid = _scan(FIXTURES / "command_decorators", db, Config()).scan_id
    assert _rows(db, sid, "SELECT line, kind, name, framework, description FROM capabilities WHERE scan_id = ? ORDER BY line") == [
        (6, "command", "model", "decorator", "Switch the model."),      # @command("model", …)
        (11, "command", "show-tokens", "decorator", "Show token usage."),  # @command: the function's name, as click names it
        (20, "command", "lesson", "registry", None),                     # register_command("lesson", handler)
        (28, "command", "compact", "table", None),                       # SLASH_COMMANDS = {"compact": lambda …}
        (29, "command", "servers list", "table", None),                  # a key with spaces is the full path
        (37, "command", "undo", "table", None),                          # the `switch` of handle_magic_command
        (37, "command", "verbose", "table", None),
    ]
    assert _rows(db, sid, "SELECT name, parent FROM capabilities WHERE scan_id = ? AND framework = 'table' ORDER BY name") == [
        ("compact", None), ("servers list", "servers"), ("undo", None), ("verbose", None)]


def test_tools_keyed_by_name_and_named_by_id(tmp_path):
    """The Vercel AI SDK's `tools: { name: tool({…}) }` (also a `…Tools` variable and a conditional
    spread) and Mastra's `createTool({ id, … })`; entries without a tool's shape are not tools."""
    db = tmp_path / "k.duckdb"
    sid = _scan(FIXTURES / "keyed_tools", db, Config()).scan_id
    assert _rows(db, sid, "SELECT line, name, framework, description, gate_keys FROM capability_inventory WHERE scan_id = ? ORDER BY line") == [
        (5, "get-weather", "keyed", "Get current weather for a location", []),
        (13, "readFile", "keyed", "Read a file", []),
        (28, "search", "keyed", "Search the web", []),
        (34, "runShell", "keyed", "Run a shell command", ["ENABLE_SHELL"]),
    ]  # not: devTools' `inspector` (no schema, no handler), `legacy: { enabled: false }`


def test_commands_dispatched_by_method_name(tmp_path):
    db = tmp_path / "d.duckdb"
    sid = _scan(FIXTURES / "dispatch", db, Config()).scan_id
    assert _rows(db, sid, """SELECT path, line, kind, name, framework, description FROM capabilities
                             WHERE scan_id = ? ORDER BY path, line""") == [
        # the class looks `cmd_` methods up by name, builds "/" + name and turns `_` into `-`
        ("commands.py", 12, "command", "/add", "slash", "Add files to the chat"),
        ("commands.py", 15, "command", "/editor-model", "slash", "Switch the editor model"),
        # `Report.cmd_total`: no lookup by prefix; `Handler.do_GET`: not a `cmd.Cmd`
        ("shell.py", 8, "command", "greet", "dispatch", "Say hello."),
        ("shell.py", 12, "command", "EOF", "dispatch", None),
        ("slash.js", 3, "command", "/restore", "slash", "Restore a checkpoint"),  # `action: restoreAction`
    ]


def test_dormant_linked_tool_is_cap002_and_summary_counts_states(tmp_path):
    from auditor.manifest import load_manifest
    from auditor import store
    from auditor.report.check import check_report

    (tmp_path / "m.toml").write_text('[flags]\npublic = ["ENABLE_TEAMS", "remote_teams"]\n[capabilities]\ntool = ["Grep", "Shell", "Note"]\n')
    db = tmp_path / "r.duckdb"
    sid = _scan(FIXTURES / "registry", db, WRAPPERS, load_manifest(tmp_path / "m.toml")).scan_id
    cap002 = _rows(db, sid, "SELECT subject, message FROM findings WHERE scan_id = ? AND rule_id = 'CAP002' ORDER BY subject")
    assert cap002 == [
        ("tool:Config", "tool Config is only reachable with non-public flag BUILD_TARGET on"),
        ("tool:Nap", "tool Nap is only reachable with non-public flags DAYDREAM, NIGHT_SHIFT on"),
        ("tool:Pair", "tool Pair is only reachable with non-public flag PAIR on"),
    ]
    conn = store.connect(db, read_only=True)
    try:
        report = check_report(conn, sid)
    finally:
        conn.close()
    assert report["summary"]["states"] == {"tool": {"public": 3, "hidden": 0, "gated": 4, "dormant": 3}}
    json.dumps(report, default=str)


def test_capabilities_command_shows_gate_chain_parent_and_hidden(tmp_path):
    from typer.testing import CliRunner

    from auditor.cli import app

    db = tmp_path / "c.duckdb"
    _scan(FIXTURES / "commands", db)
    res = CliRunner().invoke(app, ["capabilities", "--db", str(db), "--format", "json"])
    assert res.exit_code == 0, res.output
    rows = {r["name"]: r for r in json.loads(res.output)}
    assert rows["/dream"]["gate_chain"] == ["DREAMS via src/commands.ts:7"]
    assert rows["/review"]["hidden_condition"] == "!isInternal()"
    from io import StringIO

    from rich.console import Console

    from auditor.report.text import print_capabilities

    buf = StringIO()
    print_capabilities(Console(file=buf, width=300), list(rows.values()))
    assert "DREAMS via src/commands.ts:7" in buf.getvalue() and "when !isInternal()" in buf.getvalue()


def test_slash_subcommands_carry_their_full_path_and_parent(tmp_path):
    """`subCommands: [listCommand, { name: 'auth', subCommands: [{ name: 'reset' }] }]`: the full path
    is the name and the holding command the parent, inline and through an import."""
    db = tmp_path / "s.duckdb"
    sid = _scan(Path(__file__).parent / "fixtures" / "slash_subcommands", db).scan_id
    assert _rows(db, sid, "SELECT path, line, name, parent FROM capabilities WHERE scan_id = ? AND framework = 'slash' "
                          "ORDER BY path, line") == [
        ("list.ts", 2, "/mcp list", "/mcp"),
        ("mcp.ts", 5, "/mcp", None),
        ("mcp.ts", 10, "/mcp auth", "/mcp"),
        ("mcp.ts", 13, "/mcp auth reset", "/mcp auth"),
    ]


def test_bundle_runtime_loads_link_the_flag(tmp_path):
    """esbuild's `(init_x(), __toCommonJS(x_exports)).X` and `(init_x(), x_exports)` load a module of
    the same bundle: the tool behind `__export(x_exports, { X: () => local })` is gated by the
    condition around the load (and the registry entry of the variable holding it)."""
    db = tmp_path / "b.duckdb"
    sid = _scan(Path(__file__).parent / "fixtures" / "bundle_loads", db).scan_id
    assert _rows(db, sid, "SELECT c.name, g.link, g.gate_line, g.flag_keys, g.flag_kind FROM capabilities c "
                          "JOIN capability_gates g USING (scan_id, path, cap_no) WHERE c.scan_id = ? "
                          "ORDER BY c.name, g.link, g.gate_line") == [
        ("nap", "load", 34, ["NIGHT_SHIFT"], "feature"),
        ("nap", "registry", 36, ["NIGHT_SHIFT"], "feature"),
        ("pair", "load", 40, ["PAIR"], "feature"),
    ]
    assert _rows(db, sid, "SELECT name FROM capabilities WHERE scan_id = ? AND name NOT IN "
                          "(SELECT c.name FROM capabilities c JOIN capability_gates g USING (scan_id, path, cap_no))") == [("grep",)]


def test_bundle_tools_its_map_sources_do_not_declare_are_a_librarys(tmp_path):
    """A bundle whose map is rebuilt: a tool found only in the bundle (from a bundled library under
    `node_modules/`, which is not rebuilt) is not the product's; the first-party tool is kept from
    both the bundle and its map source."""
    tools = "export const TOOLS = [{ name: 'read_file', description: 'Read a file', parameters: {} }];\n"
    sdk = "export const r = (l) => l ? { type: 'function', name: 'json', description: 'Respond with JSON', inputSchema: l } : void 0;\n"
    tgz = npm_tgz(tmp_path / "agent-1.0.0.tgz", {
        "dist/index.js": 'var TOOLS=[{name:"read_file",description:"Read a file",parameters:{}}];'
                         'var r=(l)=>l?{type:"function",name:"json",description:"Respond with JSON",inputSchema:l}:void 0;\n'
                         "//# sourceMappingURL=index.js.map\n",
        "dist/index.js.map": json.dumps({
            "version": 3, "file": "index.js", "sources": ["../src/tools.ts", "../node_modules/ai/dist/index.mjs"],
            "sourcesContent": [tools, sdk], "names": [], "mappings": "AAAA"}),
    }, {"main": "dist/index.js"})
    db = tmp_path / "m.duckdb"
    sid = _scan(tgz, db).scan_id
    assert _rows(db, sid, "SELECT path, name, origin FROM capabilities WHERE scan_id = ? AND kind = 'tool' ORDER BY path") == [
        ("dist/index.js", "read_file", ""),
        ("src/tools.ts", "read_file", "source map: dist/index.js.map"),
    ]


def test_gates_through_a_function_whose_body_is_a_flag_read(tmp_path):
    """`if (isVoiceEnabled())` where `isVoiceEnabled` returns `process.env.ENABLE_VOICE === '1'`, and an
    arrow `isPairEnabled = () => !getFlagValue('solo_mode')`: one hop into the function of the same
    file (polarity through the negation); a function with more than its return is not followed."""
    db = tmp_path / "f.duckdb"
    sid = _scan(Path(__file__).parent / "fixtures" / "function_gates", db).scan_id
    assert _rows(db, sid, "SELECT name, gate_keys FROM capability_inventory WHERE scan_id = ? ORDER BY line") == [
        ("grep", []),
        ("voice", ["ENABLE_VOICE"]),
        ("pair", ["!solo_mode"]),
        ("help_me", []),
        # `tools.splice(1, 0, MORPH_EDIT_TOOL)` under `if (process.env.MORPH_API_KEY)`; agent.js's
        # `require("./tools")` loads the module's exports, not the module-private MORPH_EDIT_TOOL
        ("edit_file", ["MORPH_API_KEY"]),
    ]


def test_flag_functions_reading_several_flags_or_selecting_a_constant(tmp_path):
    """`function usesCloud() { return !!(process.env.A || process.env.B) }` gates on both reads (not
    just the first); `backend() === 'direct'` with `backend` returning `A ? 'cloud-a' : B ? 'cloud-b' :
    'direct'` gates `isEnabled` on both; a ternary with a computed branch (`greeting`) selects no constant;
    a truthiness helper around each read (`!!(isTruthy(process.env.A) || …)`) is followed."""
    db = tmp_path / "p.duckdb"
    sid = _scan(FIXTURES / "provider_functions", db).scan_id
    assert _rows(db, sid, """
        SELECT c.name, cg.link, cg.flag_keys, cg.condition
        FROM capabilities c JOIN capability_gates cg USING (scan_id, path, cap_no)
        WHERE c.scan_id = ? ORDER BY c.name, cg.link""") == [
        ("/quota", "is_enabled", ["USE_CLOUD_A", "USE_CLOUD_B"], "backend() === 'direct'"),
        ("/sign-out", "is_enabled", ["!NO_SIGN_OUT"], "!process.env.NO_SIGN_OUT"),
        ("/sign-out", "registry", ["!USE_CLOUD_A", "!USE_CLOUD_B"], "!usesCloud()"),
        # `!!(isTruthy(process.env.A) || isTruthy(process.env.B))`: a helper's call in a boolean use;
        # `parseUrl(process.env.API_BASE)` is a value computed from the read: /status is not gated
        ("/upgrade", "registry", ["!USE_CLOUD_A", "!USE_CLOUD_B"], "!onManagedCloud()"),
    ]


def test_names_assigned_once_by_a_lazy_initialiser_and_run_time_registrations(tmp_path):
    """`var Fq; … Fq = "fetch_page"` (esbuild's lazy module init) names `{ name: Fq }` when that is
    Fq's only assignment in the file; a name assigned twice or never stays unresolved (and, minified,
    is dropped); `registerTool(t.clone())` and `addTool(wrapCall(c))` register a value computed at run
    time, not a tool of their own."""
    db = tmp_path / "l.duckdb"
    sid = _scan(FIXTURES / "lazy_constants", db).scan_id
    assert _rows(db, sid, "SELECT name, name_expr, framework, resolved FROM capabilities WHERE scan_id = ? ORDER BY line") == [
        ("fetch_page", "Fq", "object", True),
        ("write_notes", "vWq", "object", True),  # minified names are often lower-case
        ("edit_file", "ed", "object", True),     # and two characters long
    ]


def test_a_tool_calls_display_record_is_no_tool(tmp_path):
    """`tools: [{ callId, name: 'Expansion', description, status }]` records a call in a UI's tool
    group (a tool-named context): a member only a call has (`callId`) makes it no declaration."""
    db = tmp_path / "c.duckdb"
    sid = _scan(FIXTURES / "call_records", db).scan_id
    assert _rows(db, sid, "SELECT name, framework, binding FROM capabilities WHERE scan_id = ? AND kind = 'tool'") == [
        ("echo", "object", "echoTool"),
    ]


def test_slash_subcommand_arrays_bound_to_a_variable_or_assigned_on_the_way(tmp_path):
    """`subCommands: sessionSubCommands` with `const sessionSubCommands = [listCommand, { name: 'drop' }]`
    and a minifier's `subCommands: Ocs = [{ name: 'add' }]`: full paths and parents as when inline."""
    db = tmp_path / "s.duckdb"
    sid = _scan(FIXTURES / "subcommand_arrays", db).scan_id
    assert _rows(db, sid, "SELECT name, parent FROM capabilities WHERE scan_id = ? AND framework = 'slash' ORDER BY line") == [
        ("/session list", "/session"),
        ("/session save", "/session"),
        ("/session prune old", "/session prune"),  # two levels of variable-bound arrays
        ("/session prune", "/session"),
        ("/session drop", "/session"),
        ("/session", None),
        ("/plugins market2 remove", "/plugins market2"),  # its array is bound before its holder is written
        ("/plugins", None),
        ("/plugins market", "/plugins"),
        ("/plugins market add", "/plugins market"),
        ("/plugins market2", "/plugins"),
        ("/tools describe", "/tools"),  # `toolSubs = [...]` assigned in a lazy init
        ("/tools", None),
        ("/keys", None),
        ("/keys rotate", "/keys"),      # not `/server keys rotate`: the other `keys` is the one under /server
        ("/server keys", "/server"),
        ("/server", None),
    ]
