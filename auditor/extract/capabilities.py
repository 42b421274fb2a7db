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

import re
from dataclasses import dataclass, replace
from typing import ClassVar

import tree_sitter

from auditor.extract import syntax
from auditor.extract.gates import GateIndex

_TOOL_KEYS = frozenset({"inputSchema", "input_schema", "parameters", "parametersJsonSchema", "execute", "handler",
                        "run", "schema", "inputs", "args_schema", "func", "invoke"})
_SLASH_KEYS = frozenset({"action", "subCommands", "altNames", "autoExecute"})
_HIDDEN_KEYS = frozenset({"hidden", "isHidden"})
_COMMAND_MODULE_KEYS = frozenset({"describe", "description", "desc", "handler", "builder"})
"""Members that make a `{ command: '…' }` object a yargs command module (with `command`)."""
_OBJECT_NEEDS = re.compile(b"|".join(re.escape(k.encode()) for k in sorted(_COMMAND_MODULE_KEYS | _SLASH_KEYS)) + rb"|\\")
"""What an object literal's bytes must contain for `_object_candidate` to accept it: the name of a
member it requires (every kind it accepts needs a description, a yargs member or a slash-command
member), or a backslash (a key may be written with escapes). The object pattern matches every
`{ name: "…" }`: 16,923 objects in gemini-cli-core, 96 of them capabilities; this search is 10
times cheaper than reading an object's members and skips 62 % of them."""
_DESC_KEYS = ("description", "describe", "desc", "summary", "help")
_TOOLISH = re.compile(r"tool", re.I)
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
    http, fastapi, flask, slash, object, settings."""
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


@dataclass(frozen=True, slots=True)
class CapabilityGate:
    """A gate whose gated span (or else side) holds a capability."""

    TABLE: ClassVar[str] = "capability_gates"
    path: str
    cap_no: int
    gate_no: int
    branch: str
    """`body` (runs when the condition holds) or `alternative` (the else side)."""


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
            break
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


def extract(
    matches: list[tuple[dict, dict]],
    gates: GateIndex,
    data: bytes,
    path: str,
    origin: str = "",
) -> tuple[list[Capability], list[CapabilityGate]]:
    """Capabilities of one file from the `@capability.*` matches, with the gates enclosing each."""
    classes: dict[str, tree_sitter.Node] = {}
    for caps, meta in matches:
        if meta.get("kind") == "class_name" and "capability.class" in caps and "capability.name" in caps:
            for c in caps["capability.class"]:
                classes.setdefault(syntax.text(c), caps["capability.name"][0])
    cands: dict[tuple[int, int], _Cand] = {}
    hidden_by_name: set[str] = set()
    for caps, meta in matches:
        kind = meta.get("kind", "")
        if kind == "class_name" or "capability.registration" not in caps:
            continue
        reg = caps["capability.registration"][0]
        key = (reg.start_byte, reg.end_byte)
        if key in cands:
            continue
        try:
            cand = _candidate(kind, meta, caps, reg, classes, data)
        except (AttributeError, IndexError, ValueError):  # a pattern met an unexpected shape
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
    ordered = sorted((c for k, c in cands.items() if not (c.framework == "object" and k in claimed)),
                     key=lambda c: (c.node.start_byte, -c.node.end_byte))
    enclosing = gates.enclosing([(c.anchor.start_byte, c.anchor.end_byte) for c in ordered]) if gates.regions else [[] for _ in ordered]
    out: list[Capability] = []
    cgates: list[CapabilityGate] = []
    for no, (c, encl) in enumerate(zip(ordered, enclosing), 1):
        hidden = c.hidden
        if not hidden and c.kind == "option" and c.name in hidden_by_name:
            hidden = "hide()"
        sp = syntax.span(c.node)
        out.append(Capability(
            path=path, cap_no=no, kind=c.kind, name=c.name if c.name is not None else c.name_expr,
            name_expr=c.name_expr, name_ref=c.name_ref, resolved=c.name is not None, framework=c.framework,
            hidden=bool(hidden), hidden_reason=hidden, description=c.description, parent=c.parent, tags=c.tags,
            line=sp.line, col=sp.col, end_line=sp.end_line, end_col=sp.end_col,
            function=syntax.enclosing_function(c.node), snippet=syntax.snippet(data, c.anchor), origin=origin,
        ))
        cgates.extend(CapabilityGate(path, no, g, b) for g, b in encl)
    return out, cgates


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


def _candidate(kind: str, meta: dict, caps: dict, reg: tree_sitter.Node, classes: dict, data: bytes) -> _Cand | None:
    name_node = caps.get("capability.name", [None])[0]
    args = caps.get("capability.args", [None])[0]
    framework = meta.get("framework", kind)
    python = reg.type in ("call", "decorated_definition", "dictionary") or (args is not None and args.type == "argument_list")
    if kind == "object":
        return _object_candidate(reg, classes, data)
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
    if kind == "command":
        if reg.type == "decorated_definition":  # Typer / click
            kw = _kwargs(args)
            explicit = next((p for p in (syntax.positional_args(args) if args is not None else []) if p.type == "string"), None)
            explicit = kw.get("name", explicit)
            fn_name = syntax.text(name_node)
            lit = _str(explicit) if explicit is not None else fn_name.replace("_", "-")
            desc = _description(kw.get("help")) or _docstring(reg)
            hidden = _hidden_in_python(args)
            return _Cand(reg, name_node, "command", lit, syntax.text(explicit) if explicit is not None else fn_name, (),
                         meta.get("framework", "cli"), hidden, desc, None, _tags(lit or "", desc))
        lit, text, ref = _name_of(name_node, classes)
        if python:
            kw = _kwargs(args)
            word = _command_word(lit) if lit is not None else None
            if lit is not None and word is None:
                return None
            desc = _description(kw.get("help")) or _description(kw.get("description"))
            return _Cand(reg, name_node, "command", word, text, ref, framework, _hidden_in_python(args), desc, None, _tags(word or "", desc))
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
        parent = _receiver_command(reg) if reg.type == "call_expression" else None
        parent = parent or _enclosing_command_object(reg)
        return _Cand(reg, name_node, "command", word, text, ref, framework, hidden, desc, parent, _tags(word or "", desc))
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
            parent = _receiver_command(reg) or _enclosing_command_object(reg)
        return _Cand(reg, name_node, "option", name, text, ref, framework, hidden, desc, parent, _tags(name, desc))
    if kind == "tool":
        if reg.type == "decorated_definition":  # FastMCP @mcp.tool(), @mcp.tool(name="x")
            kw = _kwargs(args)
            explicit = kw.get("name")
            if explicit is None and args is not None:
                explicit = next((p for p in syntax.positional_args(args) if p.type == "string"), None)
            fn_name = syntax.text(name_node)
            lit = _str(explicit) if explicit is not None else fn_name
            desc = _description(kw.get("description")) or _docstring(reg)
            return _Cand(reg, name_node, "tool", lit, syntax.text(explicit) if explicit is not None else fn_name, (),
                         framework, _hidden_in_python(args), desc, None, _tags(lit or "", desc))
        if syntax.unwrap(name_node).type in ("arrow_function", "function_expression", "function"):
            return None  # a tool factory: the object it returns is matched on its own
        lit, text, ref = _name_of(name_node, classes)
        desc = None
        hidden = ""
        inner = syntax.unwrap(name_node)
        if inner.type == "object":
            pairs = _pairs(inner)
            desc = _description(pairs.get("description"))
            hidden = _hidden_in_object(inner)
        for r in rest:
            if desc is None and _description(r) is not None:
                desc = _description(r)
            if r.type == "object":
                pairs = _pairs(r)
                desc = desc or _description(pairs.get("description")) or _description(pairs.get("title"))
        if framework == "mcp" and lit is None:
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


def _docstring(decorated: tree_sitter.Node) -> str | None:
    d = decorated.child_by_field_name("definition")
    body = d.child_by_field_name("body") if d is not None else None
    if body is None or not body.named_children:
        return None
    first = body.named_children[0]
    if first.type == "expression_statement" and first.named_children and first.named_children[0].type == "string":
        return _description(first.named_children[0])
    return None


def _object_candidate(obj: tree_sitter.Node, classes: dict, data: bytes) -> _Cand | None:
    if _OBJECT_NEEDS.search(data, obj.start_byte, obj.end_byte) is None:  # `data`: the file's bytes
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
        return _Cand(obj, pairs["command"], "command", word, syntax.text(pairs["command"], 200), (), "yargs", hidden, desc,
                     _enclosing_command_object(obj), _tags(word, desc))
    name_node = pairs.get("name")
    if name_node is None:
        return None
    name = _str(name_node)
    if name is None or not name or len(name) > 120:
        return None
    desc = _description(pairs.get("description"))
    has_desc = "description" in keys
    # `action: 'terminate'` (a signal table) is data, not a command: slash keys must hold code or lists
    slash_keys = {k for k in keys & _SLASH_KEYS if syntax.unwrap(pairs[k]).type in _CALLABLE or _bool(pairs[k]) is not None}
    if slash_keys or (keys & _HIDDEN_KEYS and has_desc):
        hidden = _hidden_in_object(obj)
        slash = "/" + name.lstrip("/")
        return _Cand(obj, name_node, "command", slash, syntax.text(name_node, 200), (), "slash", hidden, desc, None, _tags(slash, desc))
    if has_desc and (keys & _TOOL_KEYS or any(_TOOLISH.search(n) for n in _context_names(obj))):
        return _Cand(obj, name_node, "tool", name, syntax.text(name_node, 200), (), "object", _hidden_in_object(obj), desc, None,
                     _tags(name, desc))
    return None


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
