"""Capabilities: what a program offers its users or its model — agent tools, CLI commands and
options, HTTP routes, slash commands, settings — with whether each is hidden and which gates
enclose it.

Candidates come from the `@capability.registration` patterns of `queries/*/capabilities.scm`;
each pattern's `kind` setting says how to read it:

===========  ============================================================================
kind         registration
===========  ============================================================================
command      `.command('name …', …)` (commander, yargs), `new Command('name')`,
             Typer/click `@app.command()`, argparse `add_parser('name')`
option       `.option('-d, --debug')`, `new Option('--x')`, yargs `.option('x', {…})`,
             click/Typer `option('--x')`, argparse `add_argument('--x')`
tool         `registerTool(…)`, MCP `server.tool('name', …)`, FastMCP `@mcp.tool()`
route        `app.get('/x', …)`, FastAPI/Flask `@app.get('/x')`, `@app.route('/x')`
object       an object literal / dict with a `name` or `command` member: classified here as a
             tool (`description` plus a schema/handler, or inside something named *tool*), a
             slash command (`action`, `subCommands`, `hidden`/`isHidden`; stored as kind
             `command` with framework `slash` and the name prefixed by `/`), a yargs command
             module (`command` + `describe`/`handler`), or nothing
setting      a settings-schema entry `key: { type, category | showInDialog, default, … }`; the
             name is the dotted path through `properties` (`experimental.voiceMode`)
class_name   a class whose static `Name`/`name` field names the tool it implements, so that
             `registerTool(new ReadFileTool())` is named after `ReadFileTool.Name`
===========  ============================================================================

Hidden: `hidden: true` / `isHidden: true`, yargs `describe: false` or a `false` description,
commander `.hideHelp()`, yargs `.hide('x')`, Python `hidden=True`, `help=argparse.SUPPRESS`,
FastAPI `include_in_schema=False`. A name given as a reference (`registerTool(READ_TOOL)`) is kept
as `name_ref` and resolved after extraction through the same constant and import tables as flag
keys (`resolve_names`).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, replace
from typing import ClassVar

import tree_sitter

from auditor import queries
from auditor.extract import syntax
from auditor.extract.gates import GateIndex
from auditor.models import FlagRead

_TOOL_KEYS = frozenset({"inputSchema", "input_schema", "parameters", "parametersJsonSchema", "execute", "handler",
                        "run", "schema", "inputs", "args_schema", "func", "invoke"})
_SLASH_KEYS = frozenset({"action", "subCommands", "altNames", "autoExecute"})
_HIDDEN_KEYS = frozenset({"hidden", "isHidden"})
_CLI_SPEC_KEYS = frozenset({"arguments", "options", "examples"})
"""Array members of a command-line command's spec object (its positional arguments, options and
usage examples), which a slash command's object does not declare."""
_COMMAND_MODULE_KEYS = frozenset({"describe", "description", "desc", "handler", "builder"})
"""Members that make a `{ command: '…' }` object a yargs command module (with `command`)."""
_CALL_RECORD_KEYS = frozenset({"callId", "toolCallId", "call_id", "tool_call_id"})
"""Members of a tool *call*'s record (a UI's tool group, a transcript), never of a tool's declaration."""
_DESC_KEYS = ("description", "describe", "desc", "summary", "help")
_TOOL_CONTEXT = r"tool(?:s|_?def(?:inition)?s?|_?specs?|_?declarations?)?(?![A-Za-z0-9_$])"
"""Default `tool_context`: a name that ends in a tool word (`tools`, `buildTool`, `readFileTool`,
`TOOL_DEFINITIONS`, `tools.push`), not one where *tool* qualifies something else (`toolDisplay`)."""
_EXPERIMENTAL = re.compile(r"\bexperiment(al)?\b", re.I)
_HTTP_METHODS = {"get", "post", "put", "patch", "delete", "del", "all", "options", "head", "websocket", "api_route", "route"}


@dataclass(frozen=True, slots=True)
class Capability:
    """One capability registration."""

    TABLE: ClassVar[str] = "capabilities"
    path: str
    cap_no: int
    """Ordinal within the file (document order, from 1)."""
    kind: str
    """tool, command, option, route, setting."""
    name: str
    """Resolved name: `read_file`, `mcp`, `/corgi` (slash command), `--debug`, `GET /health`,
    `experimental.voiceMode`; the expression text when a reference could not be resolved."""
    name_expr: str
    """The name as written (at most 200 characters)."""
    name_ref: tuple[str, ...]
    """Dotted reference the name goes through (`("READ_FILE_TOOL_NAME",)`), empty for a literal."""
    resolved: bool
    """The name is a literal or a reference that resolved to a string."""
    framework: str
    """commander, yargs, cli (either), typer/click (python cli), argparse, registry, mcp, fastmcp,
    http, fastapi, flask, slash, object, settings; keyed (a tool named by its key or `id`),
    decorator (a Python tool or command decorator), constructor (`ToolSpec(name=…)`), dispatch
    (`do_x`/`cmd_x` methods), table (a `…commands` dispatch table)."""
    hidden: bool
    hidden_reason: str
    """What hides it (`hidden: true`, `describe: false`, `hideHelp()`, `help=SUPPRESS`, ...), or ''."""
    description: str | None
    parent: str | None
    """The command an option or subcommand belongs to, when known."""
    tags: tuple[str, ...]
    """`experimental` (named, labelled or categorised so), `deprecated`."""
    line: int
    col: int
    end_line: int
    end_col: int
    function: str
    snippet: str
    origin: str = ""
    hidden_condition: str = ""
    """`isHidden` given as a getter, function or expression: its source text (at most 200 characters)."""
    hidden_keys: tuple[str, ...] = ()
    """Flag keys that condition reads (filled after key resolution by `auditor.links`)."""
    binding: str = ""
    """Top-level name the capability is bound to in its file (`GrepTool`, `default`), '' when none:
    what another file imports or requires to register it."""


@dataclass(frozen=True, slots=True)
class CapabilityGate:
    """A gate (or another condition) that decides whether a capability is reachable.

    Written by extraction for the gates around a registration in its own file (`link` enclosing);
    `auditor.links` completes those and adds the links of other files (registry, load), of a slash
    command's `isEnabled` and of constant conditions, with the flag keys resolved."""

    TABLE: ClassVar[str] = "capability_gates"
    path: str
    cap_no: int
    gate_no: int | None
    """`gates.gate_no` of the gate in `gate_path`; None for is_enabled and constant links."""
    branch: str
    """`body` (runs when the condition holds) or `alternative` (the else side)."""
    gate_path: str | None = None
    """File of the gating site (None: the capability's own file)."""
    gate_line: int | None = None
    """Line of the gating site: the gate, the registry entry or `require`, the `isEnabled` member."""
    link: str = "enclosing"
    """enclosing, registry, load, is_enabled or constant."""
    flag_kind: str = ""
    """feature, env, remote flag, build constant or mixed."""
    flag_keys: tuple[str, ...] = ()
    """Resolved keys deciding the link (`!key`: reachable with the flag off)."""
    providers: tuple[str, ...] = ()
    """Provider of each of `flag_keys`."""
    polarity: str = ""
    """on, off or mixed."""
    condition: str = ""
    snippet: str = ""
    """The line of code at the gating site: the evidence."""
    live: bool | None = None
    """Constant links: whether the guarded side runs in this build."""


@dataclass(frozen=True, slots=True)
class CapabilityNote:
    """A fact about one capability that needs the flag keys of the file resolved first: the reads of
    a slash command's `isEnabled` (link is_enabled) or `isHidden` condition (link hidden), or a
    constant condition around it (link constant). Turned into rows by `auditor.links`; not stored."""

    path: str
    cap_no: int
    link: str
    line: int
    condition: str
    snippet: str
    reads: tuple[tuple[int, int, str, str], ...] = ()
    """(line, col, key as written, polarity) of each flag read in the condition."""
    live: bool | None = None
    branch: str = "body"


def _str(node: tree_sitter.Node | None) -> str | None:
    return syntax.string_value(node) if node is not None else None


def _pairs(obj: tree_sitter.Node) -> dict[str, tree_sitter.Node]:
    """Members of an object literal / dict by key (methods `action() {}` included, as the method node)."""
    out: dict[str, tree_sitter.Node] = {}
    for k, v in syntax.literal_pairs(obj):
        if k is None:
            continue
        key = syntax.name_text(k)
        if key not in out:
            out[key] = v if v is not None else k
    for child in obj.named_children:
        if child.type == "method_definition":
            name = child.child_by_field_name("name")
            if name is not None:
                out.setdefault(syntax.name_text(name), child)
    return out


_ARGPARSE_ACTION = re.compile(r"^argparse\.|^_?(?:BooleanOptional|Store(?:True|False|Const)?|Append(?:Const)?|Count|Help|Version|Extend)Action$")
"""An argparse action class (`argparse.BooleanOptionalAction`, `BooleanOptionalAction` imported by
name): what an `action` member holding one defines is a command-line argument, not a slash command
(a handler named `restoreAction` is a handler)."""

_CALLABLE = frozenset({"arrow_function", "function_expression", "function", "method_definition", "identifier",
                       "member_expression", "call_expression", "lambda", "attribute", "array", "list"})


def _bool(node: tree_sitter.Node | None) -> bool | None:
    if node is None:
        return None
    t = syntax.text(syntax.unwrap(node), 10)
    if t in ("true", "True", "!0"):
        return True
    if t in ("false", "False", "!1"):
        return False
    return None


def _hidden_in_object(obj: tree_sitter.Node) -> str:
    pairs = _pairs(obj)
    for k in _HIDDEN_KEYS:
        if _bool(pairs.get(k)) is True:
            return f"{k}: true"
    for k in ("describe", "description", "desc"):
        if k in pairs and _bool(pairs[k]) is False:
            return f"{k}: false"
    return ""


def _kwargs(args: tree_sitter.Node | None) -> dict[str, tree_sitter.Node]:
    if args is None:
        return {}
    out = {}
    for a in args.named_children:
        if a.type == "keyword_argument":
            n, v = a.child_by_field_name("name"), a.child_by_field_name("value")
            if n is not None and v is not None:
                out[syntax.text(n)] = v
    return out


def _hidden_in_python(args: tree_sitter.Node | None) -> str:
    kw = _kwargs(args)
    if _bool(kw.get("hidden")) is True:
        return "hidden=True"
    if "help" in kw and syntax.text(kw["help"]).endswith("SUPPRESS"):
        return "help=SUPPRESS"
    if _bool(kw.get("include_in_schema")) is False:
        return "include_in_schema=False"
    return ""


def _chain_up(node: tree_sitter.Node):
    """Calls chained after `node` (`node.hideHelp().description('x')`): yields (method, call args)."""
    cur = node
    for _ in range(12):
        parent = cur.parent
        if parent is None or parent.type != "member_expression" or parent.child_by_field_name("object") is None \
                or parent.child_by_field_name("object").id != cur.id:
            return
        call = parent.parent
        prop = parent.child_by_field_name("property")
        if call is None or call.type != "call_expression" or prop is None:
            return
        yield syntax.text(prop), call.child_by_field_name("arguments")
        cur = call


def _receiver_command(call: tree_sitter.Node) -> str | None:
    """`program.command('a').option(...)`: the command the chained call is made on."""
    fn = call.child_by_field_name("function")
    cur = fn.child_by_field_name("object") if fn is not None and fn.type == "member_expression" else None
    for _ in range(30):
        if cur is None or cur.type != "call_expression":
            return None
        f = cur.child_by_field_name("function")
        if f is None or f.type != "member_expression":
            return None
        prop = f.child_by_field_name("property")
        if prop is not None and syntax.text(prop) == "command":
            args = cur.child_by_field_name("arguments")
            first = args.named_children[0] if args is not None and args.named_children else None
            v = _str(first)
            return _command_word(v) if v is not None else None
        cur = f.child_by_field_name("object")
    return None


def _enclosing_command_object(node: tree_sitter.Node) -> str | None:
    """A yargs command module `{ command: 'mcp', builder: (y) => y.option(...) }` around `node`."""
    cur = node.parent
    for _ in range(40):
        if cur is None:
            return None
        if cur.type == "object":
            pairs = _pairs(cur)
            v = _str(pairs.get("command"))
            if v is not None and ("builder" in pairs or "handler" in pairs):
                return _command_word(v)
        cur = cur.parent
    return None


def _command_word(spec: str) -> str | None:
    word = spec.strip().split(" ")[0] if spec.strip() else ""
    if not word or word.startswith("$0") or word.startswith("<") or word.startswith("["):
        return None
    return word


def _option_name(spec: str, dashes: bool) -> str:
    """`-d, --debug <level>` → `--debug`; yargs key `debug` → `--debug`, `d` → `-d`."""
    parts = [p for p in re.split(r"[,\s|]+", spec.strip()) if p and not p.startswith(("<", "["))]
    longs = [p for p in parts if p.startswith("--")]
    if longs:
        return longs[0].split("=")[0]
    shorts = [p for p in parts if p.startswith("-")]
    if shorts:
        return shorts[0]
    if not parts:
        return spec
    if dashes:
        return ("-" if len(parts[0]) == 1 else "--") + parts[0]
    return parts[0]


def _description(node: tree_sitter.Node | None, limit: int = 200) -> str | None:
    if node is None:
        return None
    v = syntax.string_value(node)
    if v is None:
        return None
    return " ".join(v.split())[:limit]


def _context_names(node: tree_sitter.Node) -> list[str]:
    """Names around an object literal: the array's variable, property, assignment target, call."""
    names = []
    cur = node.parent
    for _ in range(8):
        if cur is None:
            break
        t = cur.type
        if t == "variable_declarator" or t == "assignment":
            n = cur.child_by_field_name("name") or cur.child_by_field_name("left")
            if n is not None:
                names.append(syntax.text(n, 80))
            ann = cur.child_by_field_name("type")
            if ann is not None:
                names.append(syntax.text(ann, 80))
            break
        if t == "satisfies_expression" or t == "as_expression":
            kids = cur.named_children
            if len(kids) > 1:
                names.append(syntax.text(kids[-1], 80))
        if t in ("assignment_expression", "pair"):
            n = cur.child_by_field_name("left") or cur.child_by_field_name("key")
            if n is not None:
                names.append(syntax.text(n, 80))
            break
        if t in ("call_expression", "call"):
            f = cur.child_by_field_name("function")
            if f is not None:
                names.append(syntax.text(f, 80))
            break
        if t in ("return_statement",):
            names.append(syntax.enclosing_function(cur))
            break
        if t not in ("array", "list", "spread_element", "parenthesized_expression", "ternary_expression", "arguments",
                     "argument_list", "as_expression", "satisfies_expression", "binary_expression", "conditional_expression",
                     "object", "tuple"):
            break
        cur = cur.parent
    return names


def _tags(name: str, *texts: str | None) -> tuple[str, ...]:
    tags = []
    if any(seg.lower() == "experimental" for seg in re.split(r"[.\s/:_-]+", name)) or any(t and _EXPERIMENTAL.search(t) for t in texts):
        tags.append("experimental")
    if any(t and t.lower().startswith("deprecated") for t in texts):
        tags.append("deprecated")
    return tuple(tags)


def _setting_path(pair: tree_sitter.Node) -> list[str]:
    """Dotted path of a settings-schema entry through enclosing `properties` objects."""
    names = [syntax.name_text(pair.child_by_field_name("key"))]
    cur = pair.parent  # object holding the pair
    for _ in range(20):
        if cur is None:
            break
        holder = cur.parent
        if holder is None or holder.type != "pair":
            break
        key = syntax.name_text(holder.child_by_field_name("key"))
        if key == "properties":
            entry_obj = holder.parent
            entry = entry_obj.parent if entry_obj is not None else None
            if entry is None or entry.type != "pair":
                break
            names.insert(0, syntax.name_text(entry.child_by_field_name("key")))
            cur = entry.parent
            continue
        break
    return names


@dataclass(slots=True)
class _Cand:
    node: tree_sitter.Node  # registration
    anchor: tree_sitter.Node  # node whose position decides gating
    kind: str
    name: str | None
    name_expr: str
    name_ref: tuple[str, ...]
    framework: str
    hidden: str = ""
    description: str | None = None
    parent: str | None = None
    tags: tuple[str, ...] = ()
    hidden_node: tree_sitter.Node | None = None
    """`isHidden` given as code: its value (a getter, a function, an expression)."""
    enabled_node: tree_sitter.Node | None = None
    """A slash command's `isEnabled` member value."""
    cls: str = ""
    """Tool classes: the class name (a `registerTool(new X())` of the same file supersedes it)."""


@dataclass(frozen=True, slots=True)
class Shapes:
    """What makes an object, class or builder call a tool or a slash command: the string settings of
    the `capabilities` packs' sidecars (`queries/<dir>/capabilities.toml`), comma-separated lists
    and regular expressions. Data, not code: a pack adds a framework's members without Python."""

    tool_members: frozenset[str]
    """Members that make a named object a tool when it is described (`description`/`prompt`) or
    sits in a tool context."""
    tool_schema: frozenset[str]
    """Members that make a named object a tool on their own (`inputSchema`)."""
    tool_described: frozenset[str]
    tool_handlers: frozenset[str]
    """Of `tool_members`, the ones that run the tool (`call`, `execute`): with a described object's
    schema-like member (`parameters`) they make it a tool without a tool context."""
    tool_context: re.Pattern[str] | None
    """Names around an object (variable, type, builder call) that make it a tool."""
    tool_name: re.Pattern[str] | None
    """What a tool's literal name must be (model APIs call functions by `[A-Za-z0-9_-]` names): an
    object named otherwise (`'Shell Command'`, `'Read File(s)'`) is a display record, not a tool."""
    tool_wrappers: frozenset[str]
    """`function`: an object that is the `function` member of a `{ type: 'function', … }` object
    sits in a tool context (the model APIs' function-calling format)."""
    tool_class: re.Pattern[str] | None
    """A class whose name or `extends`/`implements` clause matches is a tool class."""
    slash_types: frozenset[str]
    """`type:` values that make a named object a slash command (`prompt`, `local`, `local-jsx`)."""
    slash_members: frozenset[str]
    slash_context: re.Pattern[str] | None
    hidden_members: frozenset[str]
    enabled_members: frozenset[str]
    needs: re.Pattern[bytes]
    """What an object literal's bytes must contain to be read at all: a member name some shape
    requires, a slash-command type, or a backslash (a key may be written with escapes)."""


_SHAPES: dict[tuple, Shapes] = {}
_DEFAULT_SHAPES = {
    "tool_members": ",".join(sorted(_TOOL_KEYS)), "tool_schema": "inputSchema,input_schema,parametersJsonSchema",
    "tool_described": "description,prompt", "tool_handlers": "call,execute,handler,run,func,invoke", "tool_context": _TOOL_CONTEXT, "tool_name": r"[\w.:/-]{1,128}", "tool_wrappers": "function", "tool_class": r"Tool(?:Def|Definition)?\b",
    "slash_types": "prompt,local,local-jsx", "slash_members": ",".join(sorted(_SLASH_KEYS)),
    "slash_context": r"slash[\W_]*commands?", "hidden_members": "hidden,isHidden", "enabled_members": "isEnabled",
}


def shapes(meta: dict) -> Shapes:
    """The Shapes in a pattern's settings (the pack sidecar's strings), defaults for missing ones."""
    key = tuple(meta.get(k, "") for k in _DEFAULT_SHAPES)
    found = _SHAPES.get(key)
    if found is None:
        v = {k: meta.get(k) or d for k, d in _DEFAULT_SHAPES.items()}

        def words(k: str) -> frozenset[str]:
            return frozenset(w.strip() for w in v[k].split(",") if w.strip())

        def rx(k: str) -> re.Pattern[str] | None:
            return re.compile(v[k], re.I if k.endswith("context") else 0) if v[k] else None

        need = (words("tool_members") | words("tool_schema") | words("tool_described") | words("slash_members")
                | words("slash_types") | _COMMAND_MODULE_KEYS | _SLASH_KEYS)
        needs = re.compile(b"|".join(re.escape(k.encode()) for k in sorted(need)) + rb"|\\")
        found = _SHAPES[key] = Shapes(words("tool_members"), words("tool_schema"), words("tool_described"), words("tool_handlers"),
                                      rx("tool_context"), rx("tool_name"), words("tool_wrappers"), rx("tool_class"), words("slash_types"), words("slash_members"),
                                      rx("slash_context"), words("hidden_members"), words("enabled_members"), needs)
    return found


def extract(
    matches: list[tuple[dict, dict]],
    gates: GateIndex,
    data: bytes,
    path: str,
    origin: str = "",
    reads: list[FlagRead] | tuple = (),
) -> tuple[list[Capability], list[CapabilityGate], list[CapabilityNote], "CommandPaths"]:
    """Capabilities of one file from the `@capability.*` matches, with the gates enclosing each, the
    notes (`isEnabled`/`isHidden` reads, constant conditions) `auditor.links` completes, and the
    file's CommandPaths (reused to find yargs subcommands registered by name)."""
    classes: dict[str, tree_sitter.Node] = {}
    for via in ("", "super"):  # a static `Name` names a class before its constructor's `super(…)` does
        for caps, meta in matches:
            if (meta.get("kind") == "class_name" if not via else meta.get("via") == via) and "capability.class" in caps \
                    and "capability.name" in caps:
                for c in caps["capability.class"]:
                    classes.setdefault(syntax.text(c), caps["capability.name"][0])
    cands: dict[tuple[int, int], _Cand] = {}
    hidden_by_name: set[str] = set()
    paths = CommandPaths(data)
    for caps, meta in matches:
        kind = meta.get("kind", "")
        if kind == "class_name" or "capability.registration" not in caps:
            continue
        reg = caps["capability.registration"][0]
        key = (reg.start_byte, reg.end_byte)
        if key in cands:
            continue
        try:
            cand = _candidate(kind, meta, caps, reg, classes, data, paths)
        except (AttributeError, IndexError, ValueError, RecursionError):  # a pattern met an unexpected shape
            cand = None
        if cand is not None:
            cands[key] = cand
    for caps, meta in matches:
        if meta.get("kind") == "hide" and "capability.name" in caps:
            v = _str(caps["capability.name"][0])
            if v:
                hidden_by_name.add(_option_name(v, True))
    # `registerTool({ name: 'x', … })`: the object literal is the same capability as the call.
    claimed = {(c.anchor.start_byte, c.anchor.end_byte) for c in cands.values() if c.kind == "tool" and c.framework == "registry"}
    registered = {c.name_expr for c in cands.values() if c.kind == "tool" and c.framework == "registry"}
    ordered = sorted((c for k, c in cands.items() if not (c.framework in ("object", "slash") and k in claimed)
                      and not (c.cls and c.cls in registered)),
                     key=lambda c: (c.node.start_byte, -c.node.end_byte))
    _slash_parents(ordered)
    enclosing = gates.enclosing([(c.anchor.start_byte, c.anchor.end_byte) for c in ordered]) if gates.regions else [[] for _ in ordered]
    located = sorted(((r.span.line - 1, r.span.col), r) for r in reads) if reads else []
    out: list[Capability] = []
    cgates: list[CapabilityGate] = []
    notes: list[CapabilityNote] = []
    for no, (c, encl) in enumerate(zip(ordered, enclosing), 1):
        hidden = c.hidden
        if not hidden and c.kind == "option" and c.name in hidden_by_name:
            hidden = "hide()"
        sp = syntax.span(c.node)
        condition = ""
        if c.hidden_node is not None and not hidden:
            condition = _condition_text(c.hidden_node)
            notes.append(CapabilityNote(path, no, "hidden", c.hidden_node.start_point[0] + 1, condition,
                                        syntax.snippet(data, c.hidden_node), _reads_in(c.hidden_node, located)))
        if c.enabled_node is not None:
            in_enabled = _reads_in(c.enabled_node, located) + _function_reads_in(c.enabled_node, gates.flag_functions)
            if in_enabled:
                notes.append(CapabilityNote(path, no, "is_enabled", c.enabled_node.start_point[0] + 1,
                                            _condition_text(c.enabled_node), syntax.snippet(data, c.enabled_node), in_enabled))
        for cond, live, branch in constant_conditions(c.node):
            notes.append(CapabilityNote(path, no, "constant", cond.start_point[0] + 1, syntax.text(cond, 200),
                                        syntax.snippet(data, cond), (), live, branch))
        out.append(Capability(
            path=path, cap_no=no, kind=c.kind, name=c.name if c.name is not None else c.name_expr,
            name_expr=c.name_expr, name_ref=c.name_ref, resolved=c.name is not None, framework=c.framework,
            hidden=bool(hidden), hidden_reason=hidden, description=c.description, parent=c.parent, tags=c.tags,
            line=sp.line, col=sp.col, end_line=sp.end_line, end_col=sp.end_col,
            function=syntax.enclosing_function(c.node), snippet=syntax.snippet(data, c.anchor), origin=origin,
            hidden_condition=condition, binding=binding_of(c.node),
        ))
        cgates.extend(CapabilityGate(path, no, g, b) for g, b in encl)
    return out, cgates, notes, paths


SUBCOMMAND_KEYS = frozenset({"subCommands", "subcommands"})
"""Members of a slash command holding its subcommands (`subCommands: [listCommand, { name: 'add', … }]`)."""


def subcommand_holder(node: tree_sitter.Node) -> tree_sitter.Node | None:
    """The command object whose `subCommands` array holds `node` (an element, through spreads and
    conditionals), or None. The array may be assigned on the way (`subCommands: Ocs = [...]`) or
    bound to a variable of the same file that a `subCommands: subs` names (`var subs = [...]`, or
    assigned in a statement as a lazy module init does: `subs = [...]`; the first such holder when
    several share it)."""
    prev, cur = node, node.parent
    for _ in range(8):
        if cur is None:
            return None
        if cur.type == "pair":
            key = cur.child_by_field_name("key")
            if key is None or syntax.name_text(key) not in SUBCOMMAND_KEYS:
                return None
            return cur.parent if cur.parent is not None and cur.parent.type == "object" else None
        if cur.type == "assignment_expression" and prev.type == "array":
            right, left = cur.child_by_field_name("right"), cur.child_by_field_name("left")
            if right is None or right.id != prev.id:
                return None
            if cur.parent is not None and cur.parent.type in ("expression_statement", "sequence_expression") \
                    and left is not None and left.type == "identifier":
                return _variable_holder(cur, syntax.text(left))  # a lazy init's `$cs = [...]`, `subCommands: $cs`
        elif cur.type == "variable_declarator" and prev.type == "array":
            value, name = cur.child_by_field_name("value"), cur.child_by_field_name("name")
            if value is None or value.id != prev.id or name is None or name.type != "identifier":
                return None
            return _variable_holder(cur, syntax.text(name))
        elif cur.type not in ("array", "spread_element", "ternary_expression", "parenthesized_expression", "binary_expression"):
            return None
        prev, cur = cur, cur.parent
    return None


_HOLDERS: list = [None, None, {}]  # the file's root, its end, {variable: first `subCommands: variable` identifier's start}
_ROOT: list[tree_sitter.Node | None] = [None]
"""The root of the file being extracted (`begin_file`): walking up to it from a node costs the
square of the node's depth (each `Node.parent` call walks down from the root)."""


def begin_file(root: tree_sitter.Node) -> None:
    """Say which tree the nodes given to this module until `forget_file` belong to."""
    _ROOT[0] = root


def forget_file() -> None:
    """Drop the memos of the file just extracted (`_variable_holder`'s holders, `_assigned_once`'s
    names, `begin_file`'s root): they hold its tree and its bytes, which must not outlive the file
    (`families.extract`)."""
    _HOLDERS[:] = [None, None, {}]
    _ROOT[0] = None
    _ASSIGNED.clear()
    _ASSIGNED_DATA[0] = None
_HOLDER_MEMBER = re.compile(rb"(?<![\w$.])(?:subCommands|subcommands)\s*:\s*([A-Za-z_$][\w$]*)\s*[,}\n]")


def _variable_holder(decl: tree_sitter.Node, name: str) -> tree_sitter.Node | None:
    """The object whose `subCommands: name` member names the array `decl` binds, in the same file."""
    root = _ROOT[0]
    if root is None:  # called outside `families.extract`
        root = decl
        while root.parent is not None:
            root = root.parent
    if _HOLDERS[0] is None or _HOLDERS[0].id != root.id or _HOLDERS[1] != root.end_byte:
        index: dict[str, int] = {}
        data = root.text or b""
        for m in queries.literal_finditer(_HOLDER_MEMBER, data, b"subCommands", b"subcommands"):  # `re` tries the look-behind at every byte
            index.setdefault(m.group(1).decode("utf-8", "replace"), m.start(1))
        _HOLDERS[:] = [root, root.end_byte, index]
    start = _HOLDERS[2].get(name)
    if start is None:
        return None
    ident = root.descendant_for_byte_range(start, start + len(name.encode()))
    pair = ident.parent if ident is not None else None
    if pair is None or pair.type != "pair" or pair.parent is None or pair.parent.type != "object":
        return None
    return pair.parent


def _slash_parents(ordered: list[_Cand]) -> None:
    """Slash commands written inside another's `subCommands`: full path as the name (`/mcp list`),
    the parent's path as parent (`/mcp`). `ordered`: document order, outer objects first."""
    by_span = {(c.node.start_byte, c.node.end_byte): c for c in ordered if c.framework == "slash"}
    holder_of: dict[int, _Cand] = {}
    leaf: dict[int, str] = {}
    for c in ordered:
        if c.framework != "slash" or c.name is None:
            continue
        leaf[id(c)] = c.name
        holder = subcommand_holder(c.node)
        parent = by_span.get((holder.start_byte, holder.end_byte)) if holder is not None else None
        if parent is not None and parent is not c and parent.name:
            holder_of[id(c)] = parent

    def path(c: _Cand, depth: int = 0) -> str:  # a holder written after its subcommands' array is named first
        p = holder_of.get(id(c))
        if p is None or depth > 8:
            return leaf[id(c)]
        return f"{path(p, depth + 1)} {leaf[id(c)].lstrip('/')}"

    for c in ordered:
        p = holder_of.get(id(c))
        if p is not None:
            c.parent = path(p)
            c.name = f"{c.parent} {leaf[id(c)].lstrip('/')}"


def _condition_text(node: tree_sitter.Node) -> str:
    """The condition of an `isHidden`/`isEnabled` member: an arrow's expression body, a function's
    single `return` value, else the code itself (at most 200 characters)."""
    cur = node
    for _ in range(3):
        if cur.type in ("arrow_function", "function_expression", "function", "method_definition", "lambda"):
            body = cur.child_by_field_name("body")
            if body is None:
                break
            cur = body
            continue
        if cur.type == "statement_block":
            kids = [k for k in cur.named_children if k.type != "comment"]
            if len(kids) == 1 and kids[0].type == "return_statement" and kids[0].named_children:
                cur = kids[0].named_children[0]
                continue
        break
    return " ".join(syntax.text(cur, 200).split())


def _reads_in(node: tree_sitter.Node, located: list) -> tuple[tuple[int, int, str, str], ...]:
    """(line, col, key as written, polarity) of the flag reads inside `node`; polarity `off` when a
    negation sits between the read and the condition's value."""
    if not located:
        return ()
    s, e = node.start_point, node.end_point
    i = bisect.bisect_left(located, (s,), key=lambda x: (x[0],))
    out = []
    while i < len(located) and located[i][0] <= e:
        pt, r = located[i]
        i += 1
        if (r.span.end_line - 1, r.span.end_col) > e:
            continue
        rn = node.descendant_for_point_range(pt, (r.span.end_line - 1, r.span.end_col))
        out.append((r.span.line, r.span.col, r.key.text, _polarity(rn, node, "on")))
    return tuple(out)


def _polarity(inner: tree_sitter.Node | None, outer: tree_sitter.Node, polarity: str) -> str:
    """`polarity` flipped by each negation (`!x`, `not x`) from `inner` up to `outer`."""
    while inner is not None and inner.id != outer.id:
        if inner.type in ("unary_expression", "not_operator") and (inner.type == "not_operator" or syntax.text(inner, 2).startswith("!")):
            polarity = "off" if polarity == "on" else "on"
        inner = inner.parent
    return polarity


def _function_reads_in(node: tree_sitter.Node, functions: dict) -> tuple[tuple[int, int, str, str], ...]:
    """As `_reads_in`, for the calls inside `node` of this file's flag functions (`gates.GateIndex.
    flag_functions`: `isEnabled: () => !isVoiceOn()` with `function isVoiceOn() { return
    getFlag('voice') }`): each call stands for the read its function returns, one hop."""
    if not functions:
        return ()
    out = []
    stack = [node]
    while stack:
        cur = stack.pop()
        if cur.type in ("call_expression", "call"):
            fn = cur.child_by_field_name("function")
            for read, polarity in functions.get(syntax.text(fn) if fn is not None and fn.type == "identifier" else "", ()):
                out.append((read.span.line, read.span.col, read.key.text, _polarity(cur, node, polarity)))
        stack.extend(reversed(cur.named_children))
    return tuple(out)


_CONSTANT_TYPES = frozenset({"string", "number", "true", "false", "null", "undefined", "integer", "float", "none"})
_CONDITIONALS = frozenset({"if_statement", "ternary_expression", "conditional_expression", "binary_expression", "boolean_operator"})


def constant_value(cond: tree_sitter.Node) -> bool | None:
    """The value of a condition that compares two literals (`"external" === 'internal'`, `"1" != "0"`)
    or is a literal boolean (`!0`, `true`), as a bundler leaves a substituted build constant; None
    for any other condition."""
    cond = syntax.unwrap(cond)
    while cond.type == "parenthesized_expression" and cond.named_children:
        cond = cond.named_children[0]
    if cond.type in ("binary_expression", "comparison_operator"):
        kids = [k for k in cond.named_children if k.type != "comment"]
        if len(kids) != 2:
            return None
        a, b = (syntax.unwrap(k) for k in kids)
        if a.type not in _CONSTANT_TYPES or b.type not in _CONSTANT_TYPES:
            return None
        op = cond.child_by_field_name("operator")
        op_text = syntax.text(op) if op is not None else " ".join(c.type for c in cond.children if not c.is_named)
        av = syntax.string_value(a) if a.type == "string" else syntax.text(a)
        bv = syntax.string_value(b) if b.type == "string" else syntax.text(b)
        if av is None or bv is None:
            return None
        if op_text in ("===", "==", "is"):
            return (a.type == b.type or a.type in ("null", "undefined")) and av == bv
        if op_text in ("!==", "!=", "is not"):
            return not ((a.type == b.type or a.type in ("null", "undefined")) and av == bv)
        return None
    if cond.type == "unary_expression" and syntax.text(cond, 4) in ("!0", "!1"):
        return syntax.text(cond, 4) == "!0"
    return None


def constant_conditions(node: tree_sitter.Node, depth: int = 40) -> list[tuple[tree_sitter.Node, bool, str]]:
    """Constant conditions around `node` (see `constant_value`), innermost first: (condition node,
    whether the side holding `node` runs in this build, `body` or `alternative`)."""
    out = []
    cur, child = node.parent, node
    for _ in range(depth):
        if cur is None:
            break
        t = cur.type
        if t in _CONDITIONALS:
            if t == "if_statement":
                cond = cur.child_by_field_name("condition")
                body = cur.child_by_field_name("consequence")
                alt = cur.child_by_field_name("alternative")
            elif t == "ternary_expression":
                cond, body, alt = (cur.child_by_field_name(f) for f in ("condition", "consequence", "alternative"))
            elif t == "conditional_expression":
                kids = cur.named_children
                cond, body, alt = (kids[1], kids[0], kids[2]) if len(kids) >= 3 else (None, None, None)
            else:
                op = cur.child_by_field_name("operator")
                op_t = syntax.text(op) if op is not None else ""
                if op_t not in ("&&", "||", "and", "or"):
                    cond = None
                    body = alt = None
                else:
                    cond, right = cur.child_by_field_name("left"), cur.child_by_field_name("right")
                    body, alt = (right, None) if op_t in ("&&", "and") else (None, right)
            if cond is not None and child.id != cond.id:
                value = constant_value(cond)
                if value is not None:
                    if body is not None and body.id == child.id:
                        out.append((cond, value, "body"))
                    elif alt is not None and alt.id == child.id:
                        out.append((cond, not value, "alternative"))
        child, cur = cur, cur.parent
    return out


_TOP_BINDERS = frozenset({"variable_declarator", "class_declaration", "abstract_class_declaration", "function_declaration",
                          "generator_function_declaration", "class_definition", "function_definition", "assignment"})


def binding_of(node: tree_sitter.Node) -> str:
    """The name `node` is bound to in its file: the innermost declarator, class, function or
    assignment around it (`export const GrepTool = buildTool({…})` → `GrepTool`, esbuild's
    `ReadFileTool = class extends …` → `ReadFileTool`), `default` under `export default`,
    `exports.X = …` → `X`; '' when none."""
    found = ""
    cur = node.child_by_field_name("definition") or node if node.type == "decorated_definition" else node
    while cur is not None and not found:
        t = cur.type
        if t in _TOP_BINDERS:
            n = cur.child_by_field_name("name") or cur.child_by_field_name("left")
            if n is not None:
                if n.type == "member_expression":
                    prop = n.child_by_field_name("property")
                    obj = n.child_by_field_name("object")
                    if obj is not None and syntax.text(obj, 20) in ("exports", "module.exports") and prop is not None:
                        found = syntax.text(prop, 80)
                elif n.type in ("identifier", "type_identifier"):
                    found = syntax.text(n, 80)
        elif t == "assignment_expression":
            left = cur.child_by_field_name("left")
            if left is not None and left.type == "member_expression":
                obj = left.child_by_field_name("object")
                prop = left.child_by_field_name("property")
                if obj is not None and prop is not None and syntax.text(obj, 20) in ("exports", "module.exports"):
                    found = syntax.text(prop, 80)
            elif left is not None and left.type == "identifier":
                found = syntax.text(left, 80)
        elif t == "export_statement" and any(c.type == "default" for c in cur.children):
            found = "default"
        cur = cur.parent
    if found and found != "default":  # `export default class X {}` / `export default X`-style modules
        top = node
        while top.parent is not None and top.parent.type not in ("program", "module"):
            top = top.parent
        if top.type == "export_statement" and any(c.type == "default" for c in top.children):
            return "default"
    return found


def _name_of(node: tree_sitter.Node, classes: dict[str, tree_sitter.Node]) -> tuple[str | None, str, tuple[str, ...]]:
    """(literal name or None, expression text, reference) for a name node."""
    node = syntax.unwrap(node)
    v = syntax.string_value(node)
    text = syntax.text(node, 200)
    if v is not None:
        return v, text, ()
    if node.type == "new_expression":
        ctor = node.child_by_field_name("constructor")
        cname = syntax.text(ctor) if ctor is not None else ""
        target = classes.get(cname)
        if target is not None:
            lit, _, ref = _name_of(target, {})
            return lit, cname, ref or ((cname, "Name") if lit is None else ())
        return None, cname, (cname, "Name")
    if node.type == "object":
        pairs = _pairs(node)
        n = pairs.get("name")
        if n is not None:
            return _name_of(n, classes)
    key = syntax.key_expr(node)
    return key.value, text, key.ref


def _candidate(kind: str, meta: dict, caps: dict, reg: tree_sitter.Node, classes: dict, data: bytes,
               paths: "CommandPaths") -> _Cand | None:
    name_node = caps.get("capability.name", [None])[0]
    args = caps.get("capability.args", [None])[0]
    framework = meta.get("framework", kind)
    python = reg.type in ("call", "decorated_definition", "dictionary") or (args is not None and args.type == "argument_list")
    if kind == "object":
        return _object_candidate(reg, classes, data, shapes(meta), paths)
    if kind == "class":
        return _class_candidate(reg, caps, classes, shapes(meta), meta.get("via") == "super")
    if kind == "dispatch":
        return _dispatched_candidate(reg, name_node, caps["capability.owner"][0])
    if kind == "keyed_tool":
        return _keyed_tool_candidate(reg, name_node, caps["capability.options"][0], shapes(meta))
    if kind == "setting":
        obj = caps["capability.options"][0]
        pairs = _pairs(obj)
        if "type" not in pairs or ("properties" in pairs and _str(pairs["type"]) == "object"):
            return None  # not a schema entry, or a group of settings rather than a setting
        path = _setting_path(reg)
        name = ".".join(path)
        desc = _description(pairs.get("description")) or _description(pairs.get("label"))
        category = _str(pairs.get("category"))
        hidden = _hidden_in_object(obj)
        tags = _tags(name, category, _str(pairs.get("label")))
        if "deprecated" in pairs and _bool(pairs["deprecated"]) is not False and "deprecated" not in tags:
            tags = (*tags, "deprecated")
        return _Cand(reg, name_node, "setting", name, name, (), "settings", hidden, desc, None, tags)
    if name_node is None:
        return None
    # positional arguments after the name
    rest = []
    if args is not None:
        pos = syntax.positional_args(args)
        rest = pos[1:] if pos and pos[0].id == name_node.id else pos
    if kind == "command" and framework == "table":  # `commands={"commit": f, "mcp list": g}`: the key is the full path
        if meta.get("within") and meta["within"] not in syntax.enclosing_function(reg).lower():
            return None  # a `switch` table of a function not named for commands routes something else
        words = (_str(name_node) or "").split()
        if not words or len(words) > 4 or any(not re.fullmatch(r"/?[\w.:-]+", w) for w in words):
            return None
        return _Cand(reg, name_node, "command", " ".join(words), syntax.text(name_node, 200), (), framework, "", None,
                     " ".join(words[:-1]) or None, _tags(words[-1], None))
    if kind == "command":
        if reg.type == "decorated_definition":  # Typer / click
            kw = _kwargs(args)
            explicit = next((p for p in (syntax.positional_args(args) if args is not None else []) if p.type == "string"), None)
            explicit = kw.get("name", explicit)
            fn_name = syntax.text(name_node)
            lit = _str(explicit) if explicit is not None else fn_name.replace("_", "-")
            desc = _description(kw.get("help")) or _docstring(reg)
            hidden = _hidden_in_python(args)
            parent = paths.python_parent(reg)
            full = " ".join((*parent, lit)) if lit is not None and parent else lit
            return _Cand(reg, name_node, "command", full, syntax.text(explicit) if explicit is not None else fn_name, (),
                         meta.get("framework", "cli"), hidden, desc, " ".join(parent) or None, _tags(lit or "", desc))
        lit, text, ref = _name_of(name_node, classes)
        if python:
            kw = _kwargs(args)
            word = _command_word(lit) if lit is not None else None
            if lit is not None and word is None:
                return None
            desc = _description(kw.get("help")) or _description(kw.get("description"))
            parent = paths.receiver_path(reg) if word is not None else ()
            full = " ".join((*parent, word)) if word is not None and parent else word
            return _Cand(reg, name_node, "command", full, text, ref, framework, _hidden_in_python(args), desc,
                         " ".join(parent) or None, _tags(word or "", desc))
        if lit is None and name_node.type == "template_string":  # `grant <${kind}>`: the command word is static
            raw = syntax.text(name_node, 200)[1:-1].strip()
            if raw and "${" not in raw.split()[0]:
                lit = raw
        word = _command_word(lit) if lit is not None else None
        if lit is not None and word is None:
            return None  # yargs default command `$0`
        hidden = ""
        desc = None
        for r in rest:
            if r.type == "object":
                hidden = hidden or _hidden_in_object(r)
            elif _bool(r) is False and desc is None:
                hidden = hidden or "description: false"
            elif desc is None and _description(r) is not None:
                desc = _description(r)
        for method, margs in _chain_up(reg):
            if method in ("description", "describe", "summary") and margs is not None and margs.named_children and desc is None:
                desc = _description(margs.named_children[0])
            if method == "hideHelp":
                hidden = hidden or "hideHelp()"
        parent_path = paths.receiver_path(reg) if reg.type == "call_expression" else ()
        if not parent_path:
            outer = _enclosing_command_object(reg)
            parent_path = tuple(outer.split(" ")) if outer else ()
        parent = " ".join(parent_path) or None
        full = " ".join((*parent_path, word)) if word is not None and parent_path else word
        return _Cand(reg, name_node, "command", full, text, ref, framework, hidden, desc, parent, _tags(word or "", desc))
    if kind == "option":
        lit, text, ref = _name_of(name_node, classes)
        if lit is None:
            return None
        if python:
            if not lit.startswith("-"):
                return None  # a positional argument
            kw = _kwargs(args)
            desc = _description(kw.get("help"))
            name = _option_name(lit, False)
            return _Cand(reg, name_node, "option", name, text, ref, framework, _hidden_in_python(args), desc, None, _tags(name, desc))
        name = _option_name(lit, True)
        hidden = ""
        desc = None
        for r in rest:
            if r.type == "object":
                hidden = hidden or _hidden_in_object(r)
                pairs = _pairs(r)
                desc = desc or next((_description(pairs[k]) for k in _DESC_KEYS if k in pairs and _description(pairs[k])), None)
            elif desc is None:
                desc = _description(r)
        for method, margs in _chain_up(reg):
            if method == "hideHelp":
                hidden = hidden or "hideHelp()"
        parent = None
        if reg.type == "call_expression":
            parent = " ".join(paths.receiver_path(reg)) or _enclosing_command_object(reg)
        return _Cand(reg, name_node, "option", name, text, ref, framework, hidden, desc, parent, _tags(name, desc))
    if kind == "tool":
        if reg.type == "decorated_definition":  # FastMCP @mcp.tool(), @mcp.tool(name="x"), @tool("x", "description")
            kw = _kwargs(args)
            explicit = kw.get("name")
            strings = [p for p in syntax.positional_args(args) if p.type == "string"] if args is not None else []
            if explicit is None and strings:
                explicit = strings[0]
            fn_name = syntax.text(name_node)
            # `name=GitTools.STATUS.value`: a constant, resolved as flag keys are
            lit, text, ref = _name_of(explicit, classes) if explicit is not None else (fn_name, fn_name, ())
            second = strings[1] if len(strings) > 1 and explicit is strings[0] else None
            desc = _description(kw.get("description")) or (_description(second) if second is not None else None) or _docstring(reg)
            return _Cand(reg, name_node, "tool", lit, text, ref, framework, _hidden_in_python(args), desc, None, _tags(lit or "", desc))
        if syntax.unwrap(name_node).type in ("arrow_function", "function_expression", "function"):
            return None  # a tool factory: the object it returns is matched on its own
        lit, text, ref = _name_of(name_node, classes)
        desc = None
        hidden = ""
        inner = syntax.unwrap(name_node)
        if inner.type == "object":
            pairs = _pairs(inner)
            if "name" not in pairs or pairs["name"].type == "shorthand_property_identifier":
                return None  # `registerTool({ ...bashTool, execute })`: a tool of elsewhere, wrapped; `{ name, … }`: named at run time
            desc = _description(pairs.get("description"))
            hidden = _hidden_in_object(inner)
        for r in rest:
            if desc is None and _description(r) is not None:
                desc = _description(r)
            if r.type == "object":
                pairs = _pairs(r)
                desc = desc or _description(pairs.get("description")) or _description(pairs.get("title"))
        if python:
            kw = _kwargs(args)
            desc = desc or _description(kw.get("description")) or _description(kw.get("desc"))
            if framework == "constructor" and (desc is None or not set(kw) & _CONSTRUCTED_TOOL_KEYS):
                return None  # `SomethingTool(name="x")` alone: a tool's shape needs a description and a schema or handler
        if framework in ("mcp", "constructor") and lit is None:
            return None
        return _Cand(reg, name_node, "tool", lit, text, ref, framework, hidden, desc, None, _tags(lit or "", desc))
    if kind == "route":
        if reg.type == "decorated_definition":
            method = meta.get("method", "")
            m = caps.get("capability.method", [None])[0]
            method = syntax.text(m).lower() if m is not None else method
            path_v = _str(name_node)
            if path_v is None:
                return None
            kw = _kwargs(args)
            if method in ("route", "api_route"):
                ms = kw.get("methods")
                verbs = [v for v in (_str(x) for x in (ms.named_children if ms is not None else [])) if v] or ["GET"]
                verb = ",".join(v.upper() for v in verbs)
            elif method == "websocket":
                verb = "WS"
            else:
                verb = method.upper()
            name = f"{verb} {path_v}"
            return _Cand(reg, name_node, "route", name, syntax.text(name_node), (), framework, _hidden_in_python(args),
                         _docstring(reg), None, ())
        m = caps.get("capability.method", [None])[0]
        verb = syntax.text(m).upper() if m is not None else "ANY"
        if verb == "DEL":
            verb = "DELETE"
        path_v = _str(name_node)
        if path_v is None or not path_v.startswith("/"):
            return None
        return _Cand(reg, name_node, "route", f"{verb} {path_v}", syntax.text(name_node), (), framework, "", None, None, ())
    return None


def _keyed_tool_candidate(reg: tree_sitter.Node, name_node: tree_sitter.Node, value: tree_sitter.Node, shape: Shapes) -> _Cand | None:
    """A tool named by the key it is held under (`tools: { getWeather: tool({ description,
    inputSchema, execute }) }`) or by an `id` in a tool builder (`createTool({ id: 'get-weather', … })`):
    `value` is the entry's object, or a call whose first argument is it. A tool when the object has
    an input schema (`tool_schema`), or a description and a schema-like member or handler
    (`tool_members`), and no `name` of its own (then it is named by that, as any object)."""
    obj = value if value.type == "object" else value.child_by_field_name("arguments").named_children[0]
    pairs = _pairs(obj)
    keys = set(pairs)
    name = _str(name_node) if name_node.type == "string" else syntax.text(name_node, 200)
    if "name" in keys or not name or (shape.tool_name is not None and not shape.tool_name.fullmatch(name)):
        return None
    if not (keys & shape.tool_schema or (keys & shape.tool_described and keys & shape.tool_members)):
        return None  # a keyed entry is a tool with a schema, or with a description and a schema-like member or a handler
    desc = _description(pairs.get("description"))
    return _Cand(reg, name_node, "tool", name, syntax.text(name_node, 200), (), "keyed", _hidden_in_object(obj), desc, None,
                 _tags(name, desc))


_CONSTRUCTED_TOOL_KEYS = frozenset({"parameters", "input_schema", "inputSchema", "args_schema", "schema", "func", "function",
                                    "coroutine", "execute", "handler", "run", "invoke", "functions", "instructions"})
"""Keywords of a tool constructor call (`ToolSpec(name=…, desc=…, execute=…)`) that give the model a
schema or the tool a handler: with a description, what makes the call a tool's declaration."""

_CMD_BASE = re.compile(r"(?:^|[\s(,.])Cmd\s*[,)]")
"""`class Shell(cmd.Cmd)` / `(Cmd)`: the standard library's line-oriented command interpreter."""


def _dispatched_candidate(method: tree_sitter.Node, name_node: tree_sitter.Node, owner: tree_sitter.Node) -> _Cand | None:
    """A command method `do_x`/`cmd_x`/`command_x` of `owner` (a class): `x` is a command when
    `owner` is a `cmd.Cmd` subclass (`do_` only) or its body names the prefix in a string (it looks
    its methods up by name: `attr.startswith("cmd_")`, `getattr(self, f"cmd_{name}")`). The name is
    `x`, with `_` as `-` when the class converts so (`.replace("_", "-")`), and `/x` (a slash
    command) when the class builds names with a leading `/`."""
    fn = syntax.text(name_node)
    prefix, word = fn.split("_", 1)[0] + "_", fn.split("_", 1)[1]
    body = syntax.text(owner.child_by_field_name("body"), 1 << 20)
    bases = owner.child_by_field_name("superclasses")
    cmd_base = prefix == "do_" and bases is not None and _CMD_BASE.search(syntax.text(bases)) is not None
    if not cmd_base and not re.search(r"""(?:["']|f["'])%s(?:["']|\{)""" % re.escape(prefix), body):
        return None
    if re.search(r"""\.replace\(\s*["']_["']\s*,\s*["']-["']\s*\)""", body):
        word = word.replace("_", "-")
    slash = not cmd_base and re.search(r"""["']/["']\s*\+|f["']/\{""", body) is not None
    name = "/" + word if slash else word
    desc = _docstring(method)
    return _Cand(method, name_node, "command", name, fn, (), "slash" if slash else "dispatch", "", desc, None, _tags(word, desc))


def _docstring(decorated: tree_sitter.Node) -> str | None:
    d = decorated.child_by_field_name("definition") if decorated.type == "decorated_definition" else decorated
    body = d.child_by_field_name("body") if d is not None else None
    if body is None or not body.named_children:
        return None
    first = body.named_children[0]
    if first.type == "expression_statement" and first.named_children and first.named_children[0].type == "string":
        return _description(first.named_children[0])
    return None


def _object_candidate(obj: tree_sitter.Node, classes: dict, data: bytes, shape: Shapes, paths: CommandPaths) -> _Cand | None:
    if shape.needs.search(data, obj.start_byte, obj.end_byte) is None:  # `data`: the file's bytes
        return None
    pairs = _pairs(obj)
    keys = set(pairs)
    # yargs command module: { command: 'add <name>', describe: '…', builder, handler }
    cmd = _str(pairs.get("command"))
    if cmd is not None and keys & _COMMAND_MODULE_KEYS:
        word = _command_word(cmd)
        if word is None:
            return None
        desc = next((_description(pairs[k]) for k in ("describe", "description", "desc") if k in pairs), None)
        hidden = _hidden_in_object(obj)
        if word.startswith("/") and len(word) > 1:  # `{ command: '/help', description }`: a slash command's entry
            return _Cand(obj, pairs["command"], "command", word, syntax.text(pairs["command"], 200), (), "slash", hidden, desc,
                         None, _tags(word, desc))
        outer = _enclosing_command_object(obj)
        return _Cand(obj, pairs["command"], "command", f"{outer} {word}" if outer else word, syntax.text(pairs["command"], 200), (),
                     "yargs", hidden, desc, outer, _tags(word, desc))
    name_node = pairs.get("name")
    if name_node is None or name_node.type == "method_definition":
        return None
    name = _str(name_node)
    ref: tuple[str, ...] = ()
    if name is None:
        inner = syntax.unwrap(name_node)
        if inner.type not in ("identifier", "member_expression"):
            return None
        key = syntax.key_expr(inner)
        if not key.ref or (len(key.ref) > 1 and (key.ref[0][:1].islower() or len(key.ref[0]) < 3)):
            return None  # `{ name: tool.name, … }` converts a tool (a variable, not a constant); `{ name: n.name }` minified
        # `{ name: cZ, … }` of a minified bundle (`var cZ = "Read"`) is kept: after resolution, an
        # unresolved short or lower-case name (`{ name: e }`) is dropped (`families._passed_along`)
        name, ref = key.value, key.ref
        if name is None and len(ref) == 1 and len(ref[0]) >= 2:
            lit = _assigned_once(data, ref[0])  # esbuild's lazy module init: `var Ije; … Ije = "fetch_docs"`
            if lit is not None:
                name, ref = lit, ()
    elif not name or len(name) > 120:
        return None
    desc = _description(pairs.get("description"))
    described = bool(keys & shape.tool_described)
    # `{ id, name, type: 'local' }` (a config entry) is data: a slash `type` counts with a description
    slash_type = described and _str(pairs.get("type")) in shape.slash_types if "type" in pairs else False
    # `action: 'terminate'` (a signal table) is data, not a command: slash keys must hold code or lists
    # and `"action": argparse.BooleanOptionalAction` is an argument's definition (an argparse action class)
    slash_keys = {k for k in keys & shape.slash_members if (syntax.unwrap(pairs[k]).type in _CALLABLE or _bool(pairs[k]) is not None)
                  and not _ARGPARSE_ACTION.search(syntax.text(pairs[k], 120))}
    context = None
    if not slash_keys and not slash_type:
        context = _context_names(obj)
    slash_context = context is not None and shape.slash_context is not None and "description" in keys \
        and any(shape.slash_context.search(n) for n in context)
    hidden_described = bool(keys & shape.hidden_members) and "description" in keys
    if hidden_described and not (slash_type or slash_keys or slash_context) \
            and any(syntax.unwrap(pairs[k]).type == "array" for k in keys & _CLI_SPEC_KEYS):
        if name is None:
            return None
        # `{ name: 'ls', description, hidden: true, arguments: [], options: [] }`: a command-line
        # (sub)command's spec (@vercel's CLI), not a slash command
        return _Cand(obj, name_node, "command", name, syntax.text(name_node, 200), (), "cli", _hidden_in_object(obj), desc, None,
                     _tags(name, desc))
    if slash_type or slash_keys or hidden_described or slash_context:
        if name is None:
            return None  # a slash command's name given through a constant that did not resolve locally
        hidden = _hidden_in_object(obj)
        hidden_node = None
        for k in shape.hidden_members:
            v = pairs.get(k)
            if v is not None and _bool(v) is None:
                hidden_node = v
        enabled_node = next((pairs[k] for k in shape.enabled_members if k in pairs), None)
        slash = "/" + name.lstrip("/")
        return _Cand(obj, name_node, "command", slash, syntax.text(name_node, 200), (), "slash", hidden, desc, None, _tags(slash, desc),
                     hidden_node, enabled_node)
    if name is not None and shape.tool_name is not None and not shape.tool_name.fullmatch(name):
        return None  # `{ name: 'Shell Command', … }`: a display name, not a name a model can call
    if keys & _CALL_RECORD_KEYS:
        return None  # `{ callId, name: 'Expansion', description, status }` in `tools: […]`: a call's display record
    if _tool_shaped(keys, described, shape, lambda: _toolish(obj, context, shape)):
        framework = "object"
        return _Cand(obj, name_node, "tool", name, syntax.text(name_node, 200), ref, framework, _hidden_in_object(obj), desc, None,
                     _tags(name or "", desc))
    return None


_ASSIGNED: dict[str, str | None] = {}
_ASSIGNED_DATA: list[bytes | None] = [None]
"""The file `_ASSIGNED` holds answers for: the bytes object itself (an `id()` is reused by the next
file's bytes once these are freed, which would hand it this file's names)."""
_NAMED_BY = re.compile(rb"""(?<![\w$])name["']?\s*:\s*([A-Za-z_$][\w$]+)""")
"""`name: IDENT`: the identifiers `_assigned_once` is asked about, looked up together."""
_PREFETCH_NAMES = 5_000
"""Identifiers looked up together at most (past it, one by one as they are asked for)."""


def _assignment(ident: str) -> re.Pattern[bytes]:
    return re.compile(re.escape(ident.encode()) + rb"""\s*=(?![=>])\s*("[^"\\\n]{1,120}"|'[^'\\\n]{1,120}')?""")


def _assigned_once(data: bytes, ident: str) -> str | None:
    """The string literal `ident` is assigned when that is its only assignment in the file
    (`Ije = "fetch_docs"`, as esbuild's lazy module initialisers set a module's constants after a
    bare `var Ije;`), else None. Cached per file; on the first question about a file, every
    identifier written as `name: IDENT` in it is answered in one pass (a 16 MB bundle asked about
    82 names took 0.44 s one search each)."""
    if _ASSIGNED_DATA[0] is not data:
        _ASSIGNED.clear()
        _ASSIGNED_DATA[0] = data
        _prefetch_assignments(data)
    if ident in _ASSIGNED:
        return _ASSIGNED[ident]
    _ASSIGNED[ident] = _only_literal(data, ((m.start(), m) for m in _assignment(ident).finditer(data)))
    return _ASSIGNED[ident]


def _only_literal(data: bytes, matches) -> str | None:
    """The literal of the only assignment among `matches` (start, match of `_assignment`) not part
    of another identifier or a member (`x.Ije = …`), else None."""
    found = None
    count = 0
    for start, m in matches:
        before = data[start - 1:start] if start else b""
        if before and (before.isalnum() or before in b"_$."):
            continue
        count += 1
        if count > 1:
            return None
        found = m.group(1)[1:-1].decode("utf-8", "replace") if m.group(1) else None
    return found


def _prefetch_assignments(data: bytes) -> None:
    """`_assigned_once` for every identifier of `name: IDENT` in `data`, into `_ASSIGNED`: one RE2
    search for every place one of them is followed by `=` (each start, overlapping), then each
    place read with the identifier's own expression as its `finditer` would (left to right, a match
    hiding what lies inside it)."""
    names = {m.group(1) for m in queries.literal_finditer(_NAMED_BY, data, b"name")}
    if not names or len(names) > _PREFETCH_NAMES:
        return
    alternation = b"|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    places = queries.search_expression(b"(?:" + alternation + rb")[ \t\n\r\f\v]*=")  # Python's `\s` (RE2's lacks `\v`)
    found: dict[bytes, list] = {n: [] for n in names}
    ends = dict.fromkeys(names, 0)
    expressions: dict[bytes, re.Pattern[bytes]] = {}
    for start, end in queries.re2_spans(places, data, overlapped=True):
        name = data[start:end - 1].rstrip()
        if name not in found or start < ends[name]:
            continue
        rx = expressions.get(name) or expressions.setdefault(name, _assignment(name.decode()))
        m = rx.match(data, start)
        if m is not None:
            ends[name] = m.end()
            found[name].append((start, m))
    for name, matches in found.items():
        _ASSIGNED[name.decode()] = _only_literal(data, matches)


def _tool_shaped(keys: set[str], described: bool, shape: Shapes, toolish) -> bool:
    """Whether an object's members make it a model-facing tool: an input schema of its own
    (`tool_schema`); or a description (the model must be told what the tool does) and either a tool
    context (`toolish()`: the variable, type, registry or builder call names a tool: `tools = […]`,
    `buildTool({…})`, not `toolDisplay = {…}`) or a schema-like member with a handler (`parameters`
    and `execute`: `tool_members` minus and within `tool_handlers`). An undescribed object with a
    handler (`eslintTool = { name: 'eslint', run }`, a linter) and a described one with only a
    schema-like member outside a tool context (`functionDeclaration = { name, description,
    parameters }`) are not tools."""
    if keys & shape.tool_schema:
        return True
    if not described:
        return False
    if toolish():
        return True
    members = keys & shape.tool_members
    return bool(members & shape.tool_handlers and members - shape.tool_handlers)


def _toolish(obj: tree_sitter.Node, context: list[str] | None, shape: Shapes) -> bool:
    """The object sits in a tool context: a name around it matches `tool_context`, or it is the
    `function` member of a `{ type: 'function', function: {…} }` wrapper (`tool_wrappers`: the
    function-calling format of the model APIs, `{ type, function: { name, description, parameters } }`)."""
    holder = obj.parent
    if shape.tool_wrappers and holder is not None and holder.type == "pair" and holder.parent is not None:
        key = syntax.name_text(holder.child_by_field_name("key"))
        if key in shape.tool_wrappers and _str(_pairs(holder.parent).get("type")) == key:
            return True
    if shape.tool_context is None:
        return False
    names = context if context is not None else _context_names(obj)
    return any(shape.tool_context.search(n) for n in names)


def _class_candidate(reg: tree_sitter.Node, caps: dict, classes: dict, shape: Shapes, via_super: bool = False) -> _Cand | None:
    """A tool class: a class with a `Name`/`name` field whose name or heritage names a tool
    (`class ShellTool implements Tool`, `class ReadFileTool extends BaseDeclarativeTool`), or with
    none whose constructor passes the name to its base (`super(UPDATE_TOPIC_TOOL_NAME, …)`,
    `via_super`: the pattern's `@capability.name` is that first argument)."""
    cls = caps["capability.class"][0]
    cname = syntax.text(cls, 120)
    node = reg.child_by_field_name("value") if reg.type == "variable_declarator" else \
        reg.child_by_field_name("right") if reg.type == "assignment_expression" else reg
    if node is None or shape.tool_class is None:
        return None
    heritage = " ".join(syntax.text(c, 200) for c in node.named_children if c.type in ("class_heritage", "argument_list"))
    if not (shape.tool_class.search(cname) or shape.tool_class.search(heritage)):
        return None
    if re.search(r"\b(?:Base|Abstract)\w*$", cname) or node.type == "abstract_class_declaration":
        return None  # a base class other tools extend
    body = node.child_by_field_name("body")
    fields: dict[str, tree_sitter.Node] = {}
    for f in body.named_children if body is not None else []:
        if f.type == "expression_statement" and f.named_children and f.named_children[0].type == "assignment":
            f = f.named_children[0]  # Python: `name = "search"` in the class body
            n, v = f.child_by_field_name("left"), f.child_by_field_name("right")
            if n is not None and v is not None:
                fields.setdefault(syntax.text(n), v)
        elif f.type in ("public_field_definition", "field_definition"):
            n = f.child_by_field_name("name") or f.child_by_field_name("property")
            v = f.child_by_field_name("value")
            if n is not None and v is not None:
                fields.setdefault(syntax.text(n), v)
    name_node = next((fields[k] for k in ("Name", "toolName", "name") if k in fields), None)
    if via_super:
        if name_node is not None or not shape.tool_class.search(heritage):
            return None  # a field names it (its own pattern), or the base is not a tool
        name_node = caps["capability.name"][0]
    if name_node is None:
        return None
    lit, text, ref = _name_of(name_node, classes)
    if lit is None and not ref:
        return None
    desc = _description(fields.get("description"))
    return _Cand(node, name_node, "tool", lit, text, ref, "class", "", desc, None, _tags(lit or "", desc), cls=cname)


def resolve_names(caps: list[Capability], lookup) -> list[Capability]:
    """Resolve names given as references: `lookup(path, ref)` returns the symbol's string or None."""
    out = []
    for c in caps:
        if c.resolved or not c.name_ref:
            out.append(c)
            continue
        value = lookup(c.path, c.name_ref)
        out.append(replace(c, name=value, resolved=True) if value is not None else c)
    return out


_PY_CLI_MODULES = frozenset({"click", "typer", "cloup", "asyncclick"})


class CommandPaths:
    """Full command paths of one file: `program.command('task').command('list')` → `task list`, through
    variables holding a sub-program (`const task = program.command('task')`), yargs builders
    (`.command('task', …, (y) => y.command('list'))`), Typer sub-apps (`app.add_typer(task_app,
    name='task')`), click groups (`@task.command()` under `@cli.group() def task`) and argparse
    sub-parsers (`task.add_subparsers().add_parser('list')`)."""

    MAX_DEPTH = 12

    def __init__(self, data: bytes):
        self.data = data
        self._assigned: dict[tuple[str, int], list[tuple[int, tree_sitter.Node]]] = {}
        self._root: tree_sitter.Node | None = None

    # -- assignments -----------------------------------------------------------------------------
    def _root_of(self, node: tree_sitter.Node) -> tree_sitter.Node:
        if self._root is None:
            cur = node
            while cur.parent is not None:
                cur = cur.parent
            self._root = cur
        return self._root

    WINDOW = 256 * 1024
    """Bytes before (and a quarter of it after) a use searched for the variable's assignment: a
    sub-program is declared near where it is used, and a whole 26 MB bundle per name took 0.2 s."""

    def assigned(self, name: str, near: tree_sitter.Node) -> tree_sitter.Node | None:
        """The value last assigned to variable `name` before `near` (else the first one after it),
        within `WINDOW` bytes of it."""
        lo = max(0, near.start_byte - self.WINDOW)
        hi = min(len(self.data), near.end_byte + self.WINDOW // 4)
        found = self._assigned.get((name, lo // self.WINDOW))
        if found is None:
            found = []
            root = self._root_of(near)
            rx = re.compile(rb"(?<![\w$.])" + re.escape(name.encode()) + rb"\s*(?::[^=\n;]{1,80})?=(?![=>])")
            for m in rx.finditer(self.data, lo, hi):
                n = root.descendant_for_byte_range(m.start(), m.start() + len(name))
                cur = n
                for _ in range(3):
                    if cur is None:
                        break
                    if cur.type == "variable_declarator":
                        v = cur.child_by_field_name("value")
                        if v is not None:
                            found.append((m.start(), v))
                        break
                    if cur.type in ("assignment", "assignment_expression"):
                        v = cur.child_by_field_name("right")
                        left = cur.child_by_field_name("left")
                        if v is not None and left is not None and syntax.text(left, 100) == name:
                            found.append((m.start(), v))
                        break
                    cur = cur.parent
            self._assigned[(name, lo // self.WINDOW)] = found
        before = [v for pos, v in found if pos < near.start_byte]
        if before:
            return before[-1]
        return found[0][1] if found else None

    # -- paths -------------------------------------------------------------------------------------
    def receiver_path(self, call: tree_sitter.Node) -> tuple[str, ...]:
        """Command path of the object a `.command(…)`/`.option(…)`/`.add_parser(…)` call is made on."""
        fn = call.child_by_field_name("function")
        if fn is None or fn.type not in ("member_expression", "attribute"):
            return ()
        obj = fn.child_by_field_name("object")
        return self.path_of(obj, 0) if obj is not None else ()

    def path_of(self, node: tree_sitter.Node | None, depth: int) -> tuple[str, ...]:
        """Command path of the command object `node` evaluates to (() for the root program)."""
        if node is None or depth > self.MAX_DEPTH:
            return ()
        node = syntax.unwrap(node)
        t = node.type
        if t in ("call_expression", "call"):
            fn = node.child_by_field_name("function")
            if fn is None or fn.type not in ("member_expression", "attribute"):
                return ()
            prop = fn.child_by_field_name("property") or fn.child_by_field_name("attribute")
            method = syntax.text(prop) if prop is not None else ""
            obj = fn.child_by_field_name("object")
            base = self.path_of(obj, depth + 1)
            if method in ("command", "add_parser"):
                args = node.child_by_field_name("arguments")
                first = syntax.positional_args(args)[0] if args is not None and syntax.positional_args(args) else None
                v = _str(first) if first is not None else None
                word = _command_word(v) if v is not None else None
                return (*base, word) if word else base
            return base
        if t == "identifier":
            name = syntax.text(node)
            param = self._builder_param(node, name)
            if param is not None:
                return param
            value = self.assigned(name, node)
            if value is None or value.id == node.id:
                return ()
            if value.type == "new_expression":
                args = value.child_by_field_name("arguments")
                first = args.named_children[0] if args is not None and args.named_children else None
                v = _str(first) if first is not None else None
                word = _command_word(v) if v is not None else None
                if word and re.search(rb"addCommand\(\s*" + re.escape(name.encode()) + rb"\b", self.data):
                    return (word,)
                return ()
            if value.type == "call" and self.data.find(b"add_typer", 0) >= 0:
                mounted = self._typer_mount(name, node, depth)
                if mounted is not None:
                    return mounted
            return self.path_of(value, depth + 1)
        return ()

    def _builder_param(self, ident: tree_sitter.Node, name: str) -> tuple[str, ...] | None:
        """`(y) => y.command('list')` as the builder of `.command('task', …)` or of a yargs module
        `{ command: 'task', builder: (y) => … }`: the path of that command."""
        cur = ident.parent
        for _ in range(60):
            if cur is None:
                return None
            if cur.type in ("arrow_function", "function_expression", "function"):
                params = cur.child_by_field_name("parameters") or cur.child_by_field_name("parameter")
                names = {syntax.text(p) for p in ([params] if params is not None and params.type == "identifier" else
                                                  (params.named_children if params is not None else []))}
                names |= {syntax.text(p.child_by_field_name("pattern")) for p in (params.named_children if params is not None else [])
                          if p.child_by_field_name("pattern") is not None}
                if name in names:
                    holder = cur.parent
                    if holder is not None and holder.type == "arguments":
                        call = holder.parent
                        fn = call.child_by_field_name("function") if call is not None else None
                        prop = fn.child_by_field_name("property") if fn is not None and fn.type == "member_expression" else None
                        if prop is not None and syntax.text(prop) == "command":
                            return self.path_of(call, 1)
                        return None
                    if holder is not None and holder.type == "pair":
                        outer = _enclosing_command_object(holder)
                        return tuple(outer.split(" ")) if outer else None
                    return None
            cur = cur.parent
        return None

    def _typer_mount(self, name: str, near: tree_sitter.Node, depth: int) -> tuple[str, ...] | None:
        """`app.add_typer(task_app, name='task')`: the path `task_app` is mounted at."""
        m = re.search(rb"\.add_typer\(\s*" + re.escape(name.encode()) + rb"\b", self.data)
        if m is None:
            return None
        root = self._root_of(near)
        n = root.descendant_for_byte_range(m.start() + 1, m.start() + 10)
        call = n
        while call is not None and call.type != "call":
            call = call.parent
        if call is None:
            return None
        kw = _kwargs(call.child_by_field_name("arguments"))
        word = _str(kw.get("name")) if "name" in kw else name.removesuffix("_app").replace("_", "-")
        return (*self.receiver_path(call), word) if word else None

    def python_parent(self, decorated: tree_sitter.Node) -> tuple[str, ...]:
        """Path of the group a Typer/click command is declared on (`@task.command()`, `@task_app.command()`)."""
        for dec in decorated.named_children:
            if dec.type != "decorator":
                continue
            expr = dec.named_children[0] if dec.named_children else None
            if expr is not None and expr.type == "call":
                expr = expr.child_by_field_name("function")
            if expr is None or expr.type != "attribute":
                continue
            obj = expr.child_by_field_name("object")
            attr = expr.child_by_field_name("attribute")
            if obj is None or obj.type != "identifier" or attr is None or syntax.text(attr) not in ("command", "group"):
                continue
            return self._python_group(syntax.text(obj), decorated, 0)
        return ()

    def _python_group(self, name: str, near: tree_sitter.Node, depth: int) -> tuple[str, ...]:
        if depth > self.MAX_DEPTH:
            return ()
        m = re.search(rb"def\s+" + re.escape(name.encode()) + rb"\s*\(", self.data)
        if m is not None:  # a click group: `@cli.group() def task(): …`
            root = self._root_of(near)
            n = root.descendant_for_byte_range(m.start(), m.start() + 3)
            while n is not None and n.type != "decorated_definition":
                n = n.parent
            if n is not None:
                kw = {}
                for dec in n.named_children:
                    if dec.type == "decorator" and dec.named_children and dec.named_children[0].type == "call":
                        call = dec.named_children[0]
                        fn = call.child_by_field_name("function")
                        if fn is not None and syntax.text(fn).endswith("group"):
                            owner = fn.child_by_field_name("object") if fn.type == "attribute" else None
                            if owner is None or syntax.text(owner) in _PY_CLI_MODULES:
                                return ()  # `@click.group()`: the root program, not a subcommand
                            kw = _kwargs(call.child_by_field_name("arguments"))
                            pos = [p for p in syntax.positional_args(call.child_by_field_name("arguments")) if p.type == "string"]
                            if pos and "name" not in kw:
                                kw["name"] = pos[0]
                            break
                else:
                    return ()
                word = _str(kw["name"]) if "name" in kw else name.replace("_", "-")
                return (*self.python_parent(n), word) if word else ()
        mounted = self._typer_mount(name, near, depth)
        return mounted or ()
