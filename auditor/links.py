"""Capability ↔ gate links across files: the registry pattern of agent CLIs.

A capability defined in module M is gated by every condition under which M's export is loaded
(`require('./M')`, `import('./M')`) or included in a registry (an array element, a spread
`...(c ? [X] : [])`, `push(X)`, `Map.set(k, X)`, an object member, `registerTool(X)`) in another
place — through imports, re-exports (`export { X } from`, `export *`), `export default X` and
variables holding a `require` (`const Nap = feature('A') ? require('./Nap.js').Nap : null`):

```ts
// src/tools.ts
const NapTool = feature('NIGHT_SHIFT') || feature('DAYDREAM') ? require('./tools/NapTool.js').NapTool : null
export const getTools = () => [GrepTool, ...(feature('PAIR') ? [PairTool] : [])]
```

A capability reachable through several registrations gets the union of their gates; one also
registered without any condition somewhere (tests excepted) is not gated by them. Each link is a
`capability_gates` row with the file and line of the gating site, its flag keys, polarity and kind
(feature, env, remote flag, build constant).

Two halves: `collect_uses` runs per file during extraction (it needs the tree) and records where a
module is loaded or a name sits in a registry position, with the gates around each place
(`ModuleUse`); `link` runs once after key resolution, over every file's records.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, replace

import tree_sitter

from auditor.extract import syntax
from auditor.extract.capabilities import Capability, CapabilityGate, CapabilityNote, constant_conditions, subcommand_holder
from auditor.extract.gates import GateIndex
from auditor.models import FileResult
from auditor.queries import identifier_hits, literal_finditer

USES = "module_uses"
"""Key of `FileResult.extra` holding a file's ModuleUse records (not a table: `link` consumes them)."""
NOTES = "capability_notes"
"""Key of `FileResult.extra` holding CapabilityNote records."""
MAX_USES = 5_000
"""Registry positions recorded per file (bundles reuse names)."""

_LOAD = re.compile(rb"""(?<![\w$.])(?:require|import)\s*\(\s*(["'`])(\.{1,2}/[^"'`\n]{1,300})\1\s*\)""")
_BUNDLE_LOAD = re.compile(rb"(?:__toCommonJS\(\s*|init_[\w$]+\(\)\s*,\s*)([A-Za-z_$][\w$]*_exports)\b")
"""esbuild's runtime loads of a module of the same bundle: `(init_x(), __toCommonJS(x_exports))` (a
`require`), `(init_x(), x_exports)` (an `import()`)."""
_BUNDLE_EXPORT = re.compile(rb"__export\(\s*([A-Za-z_$][\w$]*_exports)\s*,\s*\{")
_BUNDLE_EXPORT_MEMBER = re.compile(rb"""["']?([A-Za-z_$][\w$]*)["']?\s*:\s*\(\)\s*=>\s*([A-Za-z_$][\w$]*)""")
BUNDLE_MODULE = "bundle:"
"""Prefix of a ModuleUse's `module` naming a module of the same bundle by its exports object
(`bundle:x_exports`)."""
_EXPORT_DEFAULT = re.compile(rb"(?:export\s+default|module\.exports\s*=)\s*([A-Za-z_$][\w$]*)\s*(?:;|\n|$)")
_EXPORT_LIST = re.compile(rb"export\s*\{([^}]{1,2000})\}(?!\s*from)")
_EXPORT_DECL = re.compile(rb"(?:export\s+(?:declare\s+)?(?:async\s+)?(?:const|let|var|function\*?|class)\s+|(?<![\w$.])exports\.)"
                          rb"([A-Za-z_$][\w$]*)")
"""`export const X`, `export function X`, `export class X`, CommonJS `exports.X = …`: X is exported."""


_REGISTRY_CALLS = re.compile(r"(?:^|\.)(?:push|unshift|splice|append|extend|insert|set|add|concat|register\w*|add\w*Tool\w*|add\w*Command\w*|use|of|from)$")
_PASS = frozenset({"parenthesized_expression", "as_expression", "satisfies_expression", "non_null_expression", "await_expression",
                   "spread_element", "ternary_expression", "conditional_expression", "binary_expression", "new_expression",
                   "call_expression", "list_splat", "boolean_operator"})
_TESTS = re.compile(r"(?:^|/)(?:__tests__|__mocks__|tests?|e2e|fixtures?)/|\.(?:test|spec|stories)\.[cm]?[jt]sx?$|(?:^|/)test_[^/]*\.py$")


@dataclass(frozen=True, slots=True)
class ModuleUse:
    """A place in one file that loads a module or includes a name in a registry (not stored)."""

    path: str
    kind: str
    """load (`require`/`import()`), ref (a name in a registry position), command (yargs
    `.command(X)`: X is a subcommand of the receiver), export (`export default X` / `export { X as Y }`)."""
    name: str
    """load: the member taken (`NapTool` in `require('./m').NapTool`, `*` for the whole module);
    ref/command: the name as written; export: the exported name."""
    module: str = ""
    """load: the specifier as written."""
    local: str = ""
    """load: the variable the load is assigned to; export: the local name exported."""
    line: int = 0
    snippet: str = ""
    gates: tuple[tuple[int, str], ...] = ()
    """(gate_no, branch) of every gate of this file around the place."""
    constants: tuple[tuple[str, bool, int], ...] = ()
    """(condition, runs in this build, line) of constant conditions around it."""
    parent: tuple[str, ...] = ()
    """command: the path of the command the subcommand is registered on."""


def may_use(data: bytes) -> bool:
    """Whether a file may load a module or hold a registry (relative imports or `require`):
    a file without capabilities or flag reads is still read for its ModuleUse records then."""
    return b"./" in data or b"from ." in data


def collect_uses(root: tree_sitter.Node, data: bytes, path: str, result: FileResult, index: GateIndex,
                 caps: list[Capability], parent_of) -> list[ModuleUse]:
    """The ModuleUse records of one file. `parent_of(call)`: the command path a `.command()` call is
    made on (`capabilities._CommandPaths.receiver_path`)."""
    out: list[ModuleUse] = []
    spans: list[tuple[int, int]] = []
    pending: list[tuple[str, str, str, str, tree_sitter.Node, tuple[str, ...]]] = []

    def add(kind: str, name: str, module: str, local: str, node: tree_sitter.Node, parent: tuple[str, ...] = ()) -> None:
        pending.append((kind, name, module, local, node, parent))
        spans.append((node.start_byte, node.end_byte))

    if b"require" in data or b"import" in data:
        for m in literal_finditer(_LOAD, data, b"require", b"import"):
            call = root.descendant_for_byte_range(m.start(), m.end())
            while call is not None and call.type not in ("call_expression", "call"):
                call = call.parent
            if call is None:
                continue
            member, local = _member_and_local(call)
            add("load", member, m.group(2).decode("utf-8", "replace"), local, call)
            if len(pending) >= MAX_USES:
                break
    if b"_exports" in data:
        for m in literal_finditer(_BUNDLE_LOAD, data, b"__toCommonJS(", b"init_"):
            call = root.descendant_for_byte_range(m.start(1), m.end(1))
            while call is not None and call.type not in ("call_expression", "sequence_expression", "parenthesized_expression"):
                call = call.parent
            if call is None:
                continue
            member, local = _member_and_local(_bundle_load_expression(call))
            add("load", member, BUNDLE_MODULE + m.group(1).decode(), local, call)
            if len(pending) >= MAX_USES:
                break
    python = path.endswith(".py")  # a package imports its own modules by absolute name too: `link` keeps the scanned ones
    names = {imp.local for imp in result.imports if imp.local and imp.local != "*" and (python or imp.module.startswith("."))}
    names |= {p[3] for p in pending if p[3]}  # variables holding a load
    names |= {c.binding for c in caps if c.binding and c.binding != "default" and c.kind in ("tool", "command")}
    names.discard("")
    slash_at = {(c.line - 1, c.col): c.name for c in caps if c.framework == "slash"}
    if names and len(pending) < MAX_USES:
        for start, end, _ in identifier_hits(names, data):
            if start and data[start - 1] == 0x2E:  # `.name`: a property
                continue
            node = root.descendant_for_byte_range(start, end)
            if node is None or node.type not in ("identifier", "shorthand_property_identifier") or node.start_byte != start:
                continue
            where = _registry_position(node)
            if where is None:
                continue
            if where.type == "command":
                add("command", syntax.text(node), "", "", node, parent_of(where.node))
            elif where.type == "subcommand":  # `subCommands: [listCommand]`: parent is the holding slash command
                holder = slash_at.get(where.node.start_point)
                if holder is not None:
                    add("command", syntax.text(node), "", "", node, (holder,))
            else:
                add("ref", syntax.text(node), "", "", node)
            if len(pending) >= MAX_USES:
                break
    if pending:
        enclosing = index.enclosing(spans) if index.regions else [[] for _ in spans]
        for (kind, name, module, local, node, parent), encl in zip(pending, enclosing):
            consts = tuple((syntax.text(c, 200), live, c.start_point[0] + 1) for c, live, _ in constant_conditions(node))
            out.append(ModuleUse(path, kind, name, module, local, node.start_point[0] + 1, syntax.snippet(data, node),
                                 tuple(encl), consts, parent))
    for m in literal_finditer(_EXPORT_DEFAULT, data, b"export", b"module.exports"):
        out.append(ModuleUse(path, "export", "default", local=m.group(1).decode()))
    for m in literal_finditer(_BUNDLE_EXPORT, data, b"__export("):  # `__export(x_exports, { NapTool: () => NapTool })`
        body = data[m.end():data.find(b"}", m.end(), m.end() + 20000)]
        for em in _BUNDLE_EXPORT_MEMBER.finditer(body):
            out.append(ModuleUse(path, "export", f"{m.group(1).decode()}.{em.group(1).decode()}", local=em.group(2).decode()))
    for m in literal_finditer(_EXPORT_LIST, data, b"export"):
        for spec in m.group(1).decode("utf-8", "replace").split(","):
            parts = spec.split()
            if len(parts) == 3 and parts[1] == "as":
                out.append(ModuleUse(path, "export", parts[2], local=parts[0]))
            elif len(parts) == 1:
                out.append(ModuleUse(path, "export", parts[0], local=parts[0]))
    for m in literal_finditer(_EXPORT_DECL, data, b"export", b"exports."):
        name = m.group(1).decode()
        out.append(ModuleUse(path, "export", name, local=name))
    return out


def _bundle_load_expression(node: tree_sitter.Node) -> tree_sitter.Node:
    """The expression a bundle load evaluates to: `__toCommonJS(x_exports)` inside `(init_x(), …)`
    is the parenthesized sequence (whose `.Member` is taken), when it is the sequence's last item."""
    cur = node
    for _ in range(4):
        parent = cur.parent
        if parent is None:
            break
        if parent.type == "sequence_expression" and parent.named_children and parent.named_children[-1].id == cur.id:
            cur = parent
        elif parent.type == "parenthesized_expression":
            cur = parent
        else:
            break
    return cur


def _member_and_local(call: tree_sitter.Node) -> tuple[str, str]:
    """`require('./m').X` → ('X', variable it lands in or ''); `await import('./m')` → ('*', …)."""
    member = "*"
    cur = call
    parent = cur.parent
    if parent is not None and parent.type == "member_expression" and parent.child_by_field_name("object") is not None \
            and parent.child_by_field_name("object").id == cur.id:
        prop = parent.child_by_field_name("property")
        if prop is not None:
            member = syntax.text(prop, 80)
        cur = parent
    for _ in range(8):
        parent = cur.parent
        if parent is None:
            break
        if parent.type == "variable_declarator":
            n = parent.child_by_field_name("name")
            if n is not None and n.type == "identifier":
                return member, syntax.text(n, 80)
            if n is not None and n.type == "object_pattern" and member == "*":
                names = [syntax.text(k, 80) for k in n.named_children if k.type == "shorthand_property_identifier_pattern"]
                if len(names) == 1:
                    return names[0], names[0]
            break
        if parent.type not in _PASS and parent.type not in ("member_expression", "array", "await_expression"):
            break
        cur = parent
    return member, ""


@dataclass(frozen=True, slots=True)
class _Where:
    type: str  # registry | command
    node: tree_sitter.Node


def _registry_position(node: tree_sitter.Node) -> _Where | None:
    """Whether an identifier sits where a registry holds it: an array element (through spreads,
    ternaries, `&&`), an argument of `push`/`set`/`register…`, an object member, `new X()` there;
    `.command(X)` is a yargs subcommand."""
    cur = node
    for _ in range(12):
        parent = cur.parent
        if parent is None:
            return None
        t = parent.type
        if t in ("array", "list"):
            holder = subcommand_holder(node)
            return _Where("subcommand", holder) if holder is not None else _Where("registry", parent)
        if t == "pair":
            v = parent.child_by_field_name("value")
            return _Where("registry", parent) if v is not None and v.id == cur.id else None
        if t in ("object",) and cur.type == "shorthand_property_identifier":
            return _Where("registry", parent)
        if t in ("arguments", "argument_list"):
            call = parent.parent
            fn = call.child_by_field_name("function") if call is not None else None
            if fn is None:
                return None
            fname = syntax.text(fn, 120)
            if fname.endswith(".command") and cur.type == "identifier" and cur.id == node.id:
                return _Where("command", call)
            return _Where("registry", call) if _REGISTRY_CALLS.search(fname) else None
        if t == "ternary_expression":
            cond = parent.child_by_field_name("condition")
            if cond is not None and cond.id == cur.id:
                return None
        elif t == "binary_expression":
            left = parent.child_by_field_name("left")
            op = parent.child_by_field_name("operator")
            if left is not None and left.id == cur.id or (op is not None and syntax.text(op) not in ("&&", "||", "??")):
                return None
        elif t == "call_expression":
            return None  # `X(...)`, `X.method()`: a use of the value, not a registration
        elif t == "new_expression":
            pass
        elif t == "member_expression":
            return None
        elif t not in _PASS:
            return None
        cur = parent
    return None


# -- linking ---------------------------------------------------------------------------------------

_KIND_OF_PROVIDER = {"bundler": "feature", "env": "env"}


def _flag_kind(providers: list[str]) -> str:
    kinds = {_KIND_OF_PROVIDER.get(p, "remote flag") for p in providers}
    if not kinds:
        return ""
    return kinds.pop() if len(kinds) == 1 else "mixed"


@dataclass(slots=True)
class _Site:
    link: str
    gate_path: str
    gates: tuple[tuple[int, str], ...]
    constants: tuple[tuple[str, bool, int], ...]
    line: int
    snippet: str
    load: "_Site | None" = None
    """The `require` a variable in a registry holds: its gates decide too."""

    def parts(self) -> list["_Site"]:
        return [self] if self.load is None else [self, self.load]

    def gated(self) -> bool:
        return any(p.gates or any(not live for _, live, _ in p.constants) for p in self.parts())


def link(results: list[FileResult], reads) -> tuple[list[Capability], list[CapabilityGate]]:
    """Every file's capabilities (hidden-condition keys and cross-file parents filled in) and their
    gate links, complete (`CapabilityGate` rows with keys, polarity, kind and evidence).

    `reads`: the resolved flag reads (`resolve.ResolvedRead`) of the scan."""
    from auditor.resolve import Resolver

    keys: dict[tuple[str, int, int, str], tuple[str, str]] = {}
    for rr in reads:
        if rr.flag_key is not None:
            r = rr.read
            keys[(r.path, r.span.line, r.span.col, r.key.text)] = (rr.flag_key, r.provider)
    gate_info: dict[tuple[str, int], tuple[int, str]] = {}
    gate_reads: dict[tuple[str, int], list] = defaultdict(list)
    caps_by_binding: dict[tuple[str, str], list[Capability]] = defaultdict(list)
    caps_by_path: dict[str, list[Capability]] = defaultdict(list)
    exports: dict[tuple[str, str], str] = {}
    uses: list[ModuleUse] = []
    for r in results:
        for g in r.extra.get("gates", ()):
            gate_info[(g.path, g.gate_no)] = (g.line, g.condition)
        for gr in r.extra.get("gate_reads", ()):
            gate_reads[(gr.path, gr.gate_no)].append(gr)
        for c in r.extra.get("capabilities", ()):
            if c.kind in ("tool", "command"):
                caps_by_path[c.path].append(c)
                if c.binding:
                    caps_by_binding[(c.path, c.binding)].append(c)
        for u in r.extra.get(USES, ()):
            if u.kind == "export":
                exports.setdefault((u.path, u.name), u.local)
            else:
                uses.append(u)
    resolver = Resolver(results) if uses else None
    exported_locals: dict[str, set[str]] = defaultdict(set)
    for (epath, _), local in exports.items():
        exported_locals[epath].add(local)
    exported_locals = dict(exported_locals)

    def exported(path: str, name: str, hops: int = 0) -> list[Capability]:
        """Capabilities module `path` exports as `name` (`*`: all of the module's)."""
        if hops > 8 or resolver is None:
            return []
        if name == "*":  # the whole module: the capabilities it exports (all when it shows no exports)
            public = exported_locals.get(path)
            return [c for c in caps_by_path.get(path, ()) if public is None or c.binding in public or c.binding in ("", "default")]
        found = caps_by_binding.get((path, name))
        if found:
            return list(found)
        local = exports.get((path, name))
        if local is not None and local != name:
            found = caps_by_binding.get((path, local))
            if found:
                return list(found)
            name = local
        imp = resolver.imports.get(path, {}).get(name)
        if imp is not None:
            target = resolver.module_path(path, imp.module)
            return exported(target, imp.name if imp.name != "*" else "*", hops + 1) if target else []
        out: list[Capability] = []
        for st in resolver.star.get(path, []):
            target = resolver.module_path(path, st.module)
            if target is not None and target != path:
                out.extend(exported(target, name, hops + 1))
        return out

    # loads held in variables: (path, variable) → (capabilities, load site)
    held: dict[tuple[str, str], tuple[list[Capability], _Site]] = {}
    sites: dict[tuple[str, int], list[_Site]] = defaultdict(list)  # capability → its registrations
    parents: dict[tuple[str, int], tuple[str, ...]] = {}
    referenced: set[tuple[str, str]] = set()
    def bundle_exported(path: str, exports_obj: str, name: str) -> list[Capability]:
        """Capabilities the bundle module behind `exports_obj` exports as `name` (`*`: all)."""
        if name != "*":
            return list(caps_by_binding.get((path, exports.get((path, f"{exports_obj}.{name}"), name)), ()))
        prefix = exports_obj + "."
        return [c for (p, n), local in exports.items() if p == path and n.startswith(prefix)
                for c in caps_by_binding.get((path, local), ())]

    for u in uses:
        if u.kind == "load":
            if u.module.startswith(BUNDLE_MODULE):
                found = bundle_exported(u.path, u.module[len(BUNDLE_MODULE):], u.name)
                site = _Site("load", u.path, u.gates, u.constants, u.line, u.snippet)
                if u.local:
                    held[(u.path, u.local)] = (found, site)
                elif not _TESTS.search(u.path):
                    for c in found:
                        sites[(c.path, c.cap_no)].append(site)
                continue
            target = resolver.module_path(u.path, u.module) if resolver else None
            if target is None:
                continue
            found = exported(target, u.name)
            site = _Site("load", u.path, u.gates, u.constants, u.line, u.snippet)
            if u.local:
                held[(u.path, u.local)] = (found, site)
            else:
                for c in found:
                    if not _TESTS.search(u.path):
                        sites[(c.path, c.cap_no)].append(site)
    for u in uses:
        if u.kind not in ("ref", "command"):
            continue
        site = _Site("registry", u.path, u.gates, u.constants, u.line, u.snippet)
        imp = resolver.imports.get(u.path, {}).get(u.name) if resolver else None
        if (u.path, u.name) in held:
            found, load = held[(u.path, u.name)]
            referenced.add((u.path, u.name))
            site = _Site("registry", u.path, u.gates, u.constants, u.line, u.snippet, load)
        elif imp is not None and (imp.module.startswith(".") or u.path.endswith(".py")):
            target = resolver.module_path(u.path, imp.module)
            found = exported(target, imp.name) if target is not None and imp.name != "*" else []
        else:
            found = list(caps_by_binding.get((u.path, u.name), ()))
        if u.kind == "command":
            for c in found:
                if c.kind == "command" and u.parent:
                    parents[(c.path, c.cap_no)] = u.parent
            continue
        if _TESTS.search(u.path):
            continue
        for c in found:
            sites[(c.path, c.cap_no)].append(site)
    for (path, local), (found, site) in held.items():
        if (path, local) not in referenced and not _TESTS.search(path):
            for c in found:
                sites[(c.path, c.cap_no)].append(site)

    env_of_literal = _env_literals(results)

    def keyed(gpath: str, gate_no: int, branch: str) -> tuple[list[str], list[str], str]:
        ks, provs, pols = [], [], set()
        for gr in gate_reads.get((gpath, gate_no), ()):
            k = keys.get((gpath, gr.read_line, gr.read_col, gr.key_expr))
            if k is None:
                continue
            pol = gr.polarity if branch == "body" else ("off" if gr.polarity == "on" else "on")
            item = k[0] if pol == "on" else "!" + k[0]
            if item not in ks:
                ks.append(item)
                provs.append(k[1])
                pols.add(pol)
        return ks, provs, (pols.pop() if len(pols) == 1 else ("mixed" if pols else ""))

    def gate_row(path: str, cap_no: int, gpath: str, gate_no: int, branch: str, link_kind: str, line: int | None,
                 snippet: str) -> CapabilityGate:
        ks, provs, pol = keyed(gpath, gate_no, branch)
        gline, cond = gate_info.get((gpath, gate_no), (line, ""))
        return CapabilityGate(path, cap_no, gate_no, branch, gpath, line if line is not None else gline, link_kind,
                              _flag_kind(provs), tuple(ks), tuple(provs), pol, cond, snippet or cond)

    out_caps: list[Capability] = []
    rows: list[CapabilityGate] = []
    renamed: dict[tuple[str, str], str] = {}
    for r in results:
        notes = defaultdict(list)
        for n in r.extra.get(NOTES, ()):
            notes[n.cap_no].append(n)
        for cg in r.extra.get("capability_gates", ()):
            rows.append(gate_row(cg.path, cg.cap_no, cg.path, cg.gate_no, cg.branch, "enclosing", None, ""))
        for c in r.extra.get("capabilities", ()):
            for n in notes.get(c.cap_no, ()):
                if n.link == "hidden":
                    hk = []
                    for line, col, key_expr, pol in n.reads:
                        k = keys.get((c.path, line, col, key_expr))
                        if k is not None:
                            hk.append(k[0] if pol == "on" else "!" + k[0])
                    c = replace(c, hidden_keys=tuple(dict.fromkeys(hk)))
                elif n.link == "is_enabled":
                    ks, provs = [], []
                    for line, col, key_expr, pol in n.reads:
                        k = keys.get((c.path, line, col, key_expr))
                        if k is not None:
                            ks.append(k[0] if pol == "on" else "!" + k[0])
                            provs.append(k[1])
                    if ks:
                        pols = {"off" if k.startswith("!") else "on" for k in ks}
                        rows.append(CapabilityGate(c.path, c.cap_no, None, "body", c.path, n.line, "is_enabled", _flag_kind(provs),
                                                   tuple(ks), tuple(provs), pols.pop() if len(pols) == 1 else "mixed",
                                                   n.condition, n.snippet))
                elif n.link == "constant":
                    rows.append(_constant_row(c.path, c.cap_no, c.path, n.condition, n.live, n.line, n.snippet, n.branch, env_of_literal))
            cap_sites = sites.get((c.path, c.cap_no))
            if cap_sites and all(s.gated() for s in cap_sites):
                seen: set = set()
                for s in (p for site in cap_sites for p in site.parts()):
                    for gate_no, branch in s.gates:
                        if (s.gate_path, gate_no, branch) in seen:
                            continue
                        seen.add((s.gate_path, gate_no, branch))
                        rows.append(gate_row(c.path, c.cap_no, s.gate_path, gate_no, branch, s.link, s.line, s.snippet))
                    for cond, live, line in s.constants:
                        if (s.gate_path, cond, line) not in seen:
                            seen.add((s.gate_path, cond, line))
                            rows.append(_constant_row(c.path, c.cap_no, s.gate_path, cond, live, line, s.snippet, "body", env_of_literal))
            parent = parents.get((c.path, c.cap_no))
            if parent and c.kind == "command" and not c.parent:
                renamed[(c.path, c.name)] = " ".join((*parent, c.name.lstrip("/") if c.framework == "slash" else c.name))
                c = replace(c, parent=" ".join(parent), name=renamed[(c.path, c.name)])
            out_caps.append(c)
    # a holder renamed here renames its subcommands (`/checkpoints list` under `/chat checkpoints`),
    # when its old name is its file's only slash command of that name (two `/auth` objects, one
    # linked under `/mcp`, leave `/auth signin` alone)
    named = Counter((c.path, c.name) for r in results for c in r.extra.get("capabilities", ()) if c.framework == "slash")
    for _ in range(4):
        moved = False
        for i, c in enumerate(out_caps):
            new_parent = renamed.get((c.path, c.parent)) if c.kind == "command" and c.framework == "slash" and c.parent \
                and named[(c.path, c.parent)] == 1 else None
            if new_parent is not None and new_parent != c.parent:
                name = f"{new_parent} {c.name[len(c.parent):].lstrip()}" if c.name.startswith(c.parent + " ") else c.name
                renamed[(c.path, c.name)] = name
                out_caps[i] = replace(c, parent=new_parent, name=name)
                moved = True
        if not moved:
            break
    kept = _first_party(results, out_caps)
    if len(kept) != len(out_caps):
        keep = {(c.path, c.cap_no) for c in kept}
        rows = [g for g in rows if (g.path, g.cap_no) in keep]
        out_caps = kept
    if renamed:  # options of a yargs module registered under another command: `add` → `mcp add`
        out_caps = [replace(c, parent=renamed[(c.path, c.parent)]) if c.kind == "option" and (c.path, c.parent) in renamed else c
                    for c in out_caps]
    return out_caps, rows


MAP_ORIGIN = "source map: "


def _first_party(results: list[FileResult], caps: list[Capability]) -> list[Capability]:
    """Drop the tools and slash commands a bundle holds that none of its map's rebuilt sources
    declares: the map's first-party sources (those under `node_modules/` are not rebuilt) hold every
    tool of the product, so a bundle-only one is a bundled library's (an AI SDK's `{ name: 'json',
    inputSchema }`). Applies to a bundle `X` whose map `X.map` was rebuilt (its sources carry the
    origin `source map: X.map`)."""
    rebuilt = {r.origin[len(MAP_ORIGIN):] for r in results if r.origin.startswith(MAP_ORIGIN)}
    if not rebuilt:
        return caps
    declared: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for c in caps:
        if c.origin.startswith(MAP_ORIGIN):
            declared[c.origin[len(MAP_ORIGIN):]].add((c.kind, c.name))
    return [c for c in caps if c.origin or c.path + ".map" not in rebuilt
            or not (c.kind == "tool" or c.framework == "slash") or (c.kind, c.name) in declared[c.path + ".map"]]


def _constant_row(path: str, cap_no: int, gate_path: str, condition: str, live: bool | None, line: int, snippet: str,
                  branch: str, env_of_literal: dict[str, str]) -> CapabilityGate:
    env = ""
    for lit in re.findall(r"""["'`]([^"'`]{1,80})["'`]""", condition):
        env = env or env_of_literal.get(lit, "")
    return CapabilityGate(path, cap_no, None, branch, gate_path, line, "constant", "build constant",
                          (env,) if env and not live else (), ("env",) if env and not live else (), "on" if env and not live else "",
                          condition, snippet, live)


_ENV_COMPARE = re.compile(r"""process\.env\.([A-Za-z_][\w]*)\s*[!=]==?\s*["'`]([^"'`]{1,80})["'`]|["'`]([^"'`]{1,80})["'`]\s*[!=]==?\s*process\.env\.([A-Za-z_][\w]*)""")


def _env_literals(results: list[FileResult]) -> dict[str, str]:
    """Literal → environment variable it is compared with in some gate (`process.env.BUILD_TARGET ===
    'internal'` in a source or a map's source): ties a substituted constant (`"external" ===
    'internal'`) back to the variable the bundler replaced."""
    out: dict[str, str] = {}
    for r in results:
        for g in r.extra.get("gates", ()):
            if "process.env" not in g.condition:
                continue
            for m in _ENV_COMPARE.finditer(g.condition):
                env, lit = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
                out.setdefault(lit, env)
    return out
