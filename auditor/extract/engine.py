"""Per-file extraction: parse once, run every pack of the file's grammar in one cursor pass, and turn
matches into records (flag reads, symbols, imports, registry entries) plus diagnostics.

This stage sees one file at a time and never resolves across files (that is `resolve.py`), so it
can run in worker processes. It never executes or imports scanned code.
"""

from __future__ import annotations

import fnmatch
import hashlib
import re

import tree_sitter

from auditor import infer, links
from auditor.extract import families, syntax
from auditor.extract.budget import DEFAULT_MAX_FILE_WORK, BudgetExceeded, WorkBudget
from auditor.extract.scopes import Scopes
from auditor.languages import grammar, language_for
from auditor.models import (
    Confidence,
    Diagnostic,
    FileResult,
    FlagRead,
    Import,
    KeyExpr,
    RegistryEntry,
    Severity,
    SourceFile,
    Symbol,
)
from auditor.queries import CompiledQuery, QueryPlan, SubQuery, coalesce

BINARY_SNIFF_BYTES = 8192
MAX_PYTHON_INDENT_LEVELS = 200
"""Python files whose indentation nests deeper than this are not parsed (`indentation-too-deep`):
tree-sitter-python's scanner crashes the process (a segmentation fault, a bus error) past about
500 levels, and CPython itself refuses more than 100 (`too many levels of indentation`), so such
a file cannot run. Counted without following brackets, so continuation lines may add levels."""
_DEEP_INDENT = re.compile(rb"^[ \t]{%d,}[^ \t\r\n#\x0c]" % MAX_PYTHON_INDENT_LEVELS, re.M)
_INDENTS = re.compile(rb"^([ \t]*)[^ \t\r\n#\x0c]", re.M)


def python_indent_levels(data: bytes, stop: int = MAX_PYTHON_INDENT_LEVELS) -> int:
    """Nesting of the indentation of Python source (as the tokenizer's stack of indents grows),
    counted up to `stop`; 0 at once when no line is indented by `stop` or more characters."""
    if _DEEP_INDENT.search(data) is None:
        return 0
    stack = [0]
    for m in _INDENTS.finditer(data):
        width = len(m.group(1).expandtabs(8))
        if width > stack[-1]:
            stack.append(width)
            if len(stack) - 1 >= stop:
                return len(stack) - 1
        else:
            while width < stack[-1]:
                stack.pop()
    return len(stack) - 1


def _package_matches(module: str, patterns: list[str]) -> bool:
    for pat in patterns:
        if fnmatch.fnmatchcase(module, pat):
            return True
        # `ldclient.config` matches `ldclient`; `posthog-js/react` matches `posthog-js`
        if module.startswith(pat + ".") or module.startswith(pat + "/"):
            return True
    return False


class Extractor:
    """Holds compiled queries (one per grammar) and extracts records from SourceFiles.

    `extract` never raises for bad input: problems become diagnostics on the FileResult.
    """

    def __init__(self, compiled: dict[str, CompiledQuery], registries: dict[str, str] | None = None, identifiers=None,
                 full_pass: bool = False, range_gap: int | None = None, max_file_work: int | None = None, infer: bool = True,
                 registry_kinds: dict[str, str] | None = None):
        self.compiled = compiled
        self.max_file_work = DEFAULT_MAX_FILE_WORK if max_file_work is None else max_file_work
        """Work units one file's extraction may take (see `extract.budget`); past them the file gets a
        `file-budget-exceeded` diagnostic and keeps the records found before."""
        self.infer = infer
        """Collect the sites and definitions of possible in-house flag APIs (`auditor.infer.collect`)."""
        self._sdk_packages: dict[str, list[str]] = {}
        self.full_pass = full_pass
        """Run every pattern over the whole tree instead of each CompiledQuery's plan: slower, same
        records (the reference the plan is tested against)."""
        self.range_gap = RANGE_GAP_BYTES if range_gap is None else range_gap
        """Anchor ranges this many bytes apart or closer are searched as one (see `RANGE_GAP_BYTES`;
        0 searches each anchor's range alone, which tests the anchors themselves)."""
        self.registries = registries or {}
        """registry variable name → provider label."""
        self.registry_kinds = registry_kinds or {}
        """registry name → kind (`values`, `type`, `calls`) where not `keys`."""
        self.identifiers = identifiers
        """Optional `families.IdentifierScanner`: manifest internal identifiers searched in each file's text."""
        self._parsers: dict[str, tree_sitter.Parser] = {}

    def _parser(self, language: str) -> tree_sitter.Parser:
        p = self._parsers.get(language)
        if p is None:
            p = self._parsers[language] = tree_sitter.Parser(grammar(language))
        return p

    def extract(self, src: SourceFile) -> FileResult:
        """Extract every record from one file. Returns a FileResult (possibly with diagnostics only)."""
        data = src.data
        language = language_for(src.path) or ""
        size = src.size if src.size >= 0 else len(data)
        result = FileResult(
            path=src.path,
            language=language,
            size=size,
            sha256=hashlib.sha256(data).hexdigest(),
            origin=src.origin,
        )
        diag = result.diagnostics
        if self.identifiers:
            self.identifiers.scan(src, result)
        if src.truncated:
            diag.append(Diagnostic(src.path, "file-truncated", f"file is {size} bytes; scanned the first {len(data)}", Severity.NOTE, origin=src.origin))
        if b"\x00" in data[:BINARY_SNIFF_BYTES]:
            diag.append(Diagnostic(src.path, "binary-file", "file has NUL bytes; not parsed", Severity.WARNING, origin=src.origin))
            return result
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            diag.append(Diagnostic(src.path, "not-utf8", f"invalid UTF-8 at byte {exc.start}; parsed with replacement", Severity.WARNING, line, src.origin))
        compiled = self.compiled.get(language)
        if compiled is None:
            return result
        if language == "python" and python_indent_levels(data) > MAX_PYTHON_INDENT_LEVELS - 1:
            diag.append(Diagnostic(src.path, "indentation-too-deep",
                                   f"indentation nests {MAX_PYTHON_INDENT_LEVELS} levels or more (CPython refuses more than 100); not parsed",
                                   Severity.WARNING, origin=src.origin))
            return result
        tree = self._parser(language).parse(data)
        root = tree.root_node
        if root.has_error:
            err = syntax.first_error(root)
            line = err.start_point[0] + 1 if err is not None else None
            diag.append(Diagnostic(src.path, "syntax-error", "syntax error; tree-sitter recovered and the rest of the file was scanned", Severity.NOTE, line, src.origin))
        budget = WorkBudget(self.max_file_work)
        try:
            self._run(compiled, root, data, src, result, budget)
        except BudgetExceeded as exc:
            diag.append(Diagnostic(src.path, "file-budget-exceeded",
                                   f"{exc}; the file was audited in part: {len(result.reads)} flag reads found before are kept",
                                   Severity.ERROR, origin=src.origin))
        return result

    def _run(self, compiled: CompiledQuery, root: tree_sitter.Node, data: bytes, src: SourceFile, result: FileResult,
             budget: WorkBudget) -> None:
        plan = compiled.plan
        if self.full_pass:
            everything = sorted(tree_sitter.QueryCursor(compiled.query).matches(root), key=_order)
            all_gates = [(p, c) for p, c in everything if "gate" in c]
            matches = [(p, c) for p, c in everything if "gate" not in c]
        else:
            matches = plan_matches(plan, root, data, self.range_gap)
        ancestry = syntax.Ancestry(root, budget)  # enclosing functions and parents, linear in the tree's depth
        read_matches = []
        cap_matches: list = []  # capabilities: after the reads, which gates tie to
        budget.spend(len(matches))
        for pattern, caps in matches:
            meta = compiled.pattern_meta[pattern]
            if "flag.read" in caps:
                read_matches.append((pattern, caps, meta))
            elif "import.source" in caps or "import.name" in caps:
                self._import(caps, meta, src, result)
            elif "symbol.name" in caps:
                self._symbol(caps, meta, src, result)
            elif "registry.name" in caps:
                self._registry(caps, meta, src, result)
            elif families.is_family_match(caps):
                cap_matches.append((caps, meta))
        if read_matches:
            modules = [imp.module for imp in result.imports]
            if compiled.language == "python":  # `from os import getenv` also counts as `os.getenv`
                modules += [f"{imp.module}.{imp.name}" for imp in result.imports if imp.name not in ("", "*", "default")]
            self._reads(compiled, read_matches, modules, data, src, result, Scopes(root, compiled.language, data), ancestry)
        gate_query = plan.gates

        def gate_matches(ranges: list[tuple[int, int]] | None, at: list[tree_sitter.Node] | None = None) -> list[tuple[dict, dict]]:
            if gate_query is None:
                return []
            if self.full_pass:
                found = all_gates
            elif at is not None:  # deep nesting (see gates.WHOLE_TREE_FACTOR)
                found = node_matches(gate_query, at)
            else:
                found = ranged_matches(gate_query, root, ranges or [])
            return [(caps, compiled.pattern_meta[p]) for p, caps in found]

        gate_matches.root_types = gate_query.root_types if gate_query is not None else None  # type: ignore[attr-defined]
        if self.infer:
            infer.collect(root, data, src.path, compiled.language, result, self._packages(compiled), src.origin)
        if cap_matches or (result.reads and gate_query is not None) or links.may_use(data):
            families.extract(gate_matches, cap_matches, root, data, src, result, ancestry)

    def _packages(self, compiled: CompiledQuery) -> list[str]:
        """Package patterns of every SDK pack compiled for this grammar (a module importing one is a flag module)."""
        found = self._sdk_packages.get(compiled.language)
        if found is None:
            found = sorted({p for pack in compiled.pattern_pack for p in pack.meta.get("packages", ())})
            self._sdk_packages[compiled.language] = found
        return found

    # -- imports and symbols ------------------------------------------------------------------
    def _import(self, caps: dict, meta: dict, src: SourceFile, result: FileResult) -> None:
        if "import.source" in caps:
            module = syntax.text(caps["import.source"][0])
        else:  # a lone specifier (`import { X }`, `export { X } from`): the source is its statement's
            module = _statement_source(caps["import.name"][0])
            if module is None:  # `export { X }` without `from`: not an import
                return
        if module.startswith("."):
            module = module  # relative: resolved later against the file path
        if "import.name" in caps:
            locals_ = caps.get("import.local", [])
            for i, name_node in enumerate(caps["import.name"]):
                name = syntax.text(name_node)
                local = syntax.text(locals_[i]) if i < len(locals_) else name
                result.imports.append(Import(src.path, local, module, name))
        elif "import.namespace" in caps:
            result.imports.append(Import(src.path, syntax.text(caps["import.namespace"][0]), module, "*"))
        elif "import.default" in caps:
            result.imports.append(Import(src.path, syntax.text(caps["import.default"][0]), module, "default"))
        elif meta.get("reexport") == "all":
            result.imports.append(Import(src.path, "*", module, "*"))
        else:
            result.imports.append(Import(src.path, "", module, ""))

    def _symbol(self, caps: dict, meta: dict, src: SourceFile, result: FileResult) -> None:
        value = syntax.string_value(caps["symbol.value"][0])
        if value is None:
            return
        name = syntax.name_text(caps["symbol.name"][0])
        container = caps.get("symbol.container")
        path = (syntax.text(container[0]), name) if container else (name,)
        result.symbols.append(Symbol(src.path, path, value, meta.get("kind", "constant"), syntax.span(caps["symbol.name"][0]), src.origin))

    def _registry(self, caps: dict, meta: dict, src: SourceFile, result: FileResult) -> None:
        reg = syntax.text(caps["registry.name"][0])
        value = caps["registry.value"][0]
        provider = meta.get("provider") or self.registries.get(reg, "custom")
        kind = meta.get("registry_kind") or self.registry_kinds.get(reg, "keys")
        if kind == "calls":  # `manager.add('org:x', Feature, …)`: one key per call
            args = syntax.positional_args(value)
            idx = int(meta.get("key_arg", "0"))
            key = syntax.string_value(args[idx]) if idx < len(args) else None
            if key is not None:
                callee = caps["registry.name"][0].parent
                name = syntax.text(callee, 80) if callee is not None else reg
                result.registries.append(RegistryEntry(src.path, name, key, None, syntax.span(args[idx]), provider, src.origin))
            return
        if value.type in ("interface_body", "object_type"):  # TS: member names are the keys
            for member in value.named_children:
                if member.type != "property_signature":
                    continue
                name_node = member.child_by_field_name("name")
                if name_node is None:
                    continue
                type_node = member.child_by_field_name("type")
                default = syntax.text(type_node, 120).lstrip(": ").strip() if type_node is not None else None
                result.registries.append(RegistryEntry(src.path, reg, syntax.name_text(name_node), default, syntax.span(name_node), provider, src.origin))
            return
        for key_node, value_node in syntax.literal_pairs(value):
            if kind == "values":
                key = syntax.string_value(value_node) if value_node is not None else None
                if key is None:
                    continue
                default = syntax.text(key_node, 120)
                key_node = value_node
            else:
                key = syntax.string_value(key_node) if key_node.type not in ("property_identifier", "identifier") else syntax.text(key_node)
                if key is None:
                    continue
                default = syntax.text(value_node, 120) if value_node is not None else None
            result.registries.append(RegistryEntry(src.path, reg, key, default, syntax.span(key_node), provider, src.origin))

    # -- flag reads -----------------------------------------------------------------------------
    def _reads(self, compiled: CompiledQuery, matches: list, modules: list[str], data: bytes, src: SourceFile, result: FileResult, scopes: Scopes,
               ancestry: syntax.Ancestry) -> None:
        # Several patterns may match one read (a wrapper and an SDK method of the same name, a
        # package-specific pattern and its generic fallback): keep one read per node, the best by
        # `_rank`, and on a tie the earliest pattern.
        best: dict[tuple[int, int], tuple[tuple[int, int], FlagRead]] = {}
        try:
            self._best_reads(compiled, matches, modules, data, src, scopes, ancestry, best)
        finally:  # also when the work budget runs out: the reads found so far are kept
            result.reads.extend(best[i][1] for i in sorted(best))

    def _best_reads(self, compiled: CompiledQuery, matches: list, modules: list[str], data: bytes, src: SourceFile, scopes: Scopes,
                    ancestry: syntax.Ancestry, best: dict) -> None:
        imports_sdk: dict[str, bool] = {}
        budget = ancestry.budget
        for pattern, caps, meta in sorted(matches, key=lambda m: m[0]):
            if budget is not None:
                budget.spend()
            pack = compiled.pattern_pack[pattern]
            confidence = Confidence.LOW
            if meta.get("confidence") == "high":
                confidence = Confidence.HIGH
            elif meta.get("packages"):
                imported = imports_sdk.get(meta["packages"])
                if imported is None:  # once per file and package list, not per match
                    imported = imports_sdk[meta["packages"]] = _package_matches_any(modules, meta["packages"].split(","))
                if imported:
                    confidence = Confidence.HIGH
            if meta.get("require_import") == "true" and confidence is not Confidence.HIGH:
                continue
            read_node = caps["flag.read"][0]
            if meta.get("property") == "true" and read_node.parent is not None and read_node.parent.type in ("call_expression", "call") \
                    and read_node.parent.child_by_field_name("function") == read_node:
                continue  # `featureToggles.hasOwnProperty(…)`: a method of the object, not a member read
            method = meta.get("method") or (syntax.text(caps["flag.method"][0]) if "flag.method" in caps else "")
            key_nodes, default_node = self._key_nodes(caps, meta)
            if not key_nodes:
                continue
            provider = meta.get("provider") or pack.meta.get("provider", "custom")
            if confidence is Confidence.LOW and meta.get("packages"):
                provider = "unknown"  # a method name alone never claims an SDK (the pack says which it resembles)
            default = syntax.text(default_node, 120) if default_node is not None else None
            for key_node in key_nodes:
                key = syntax.key_expr(key_node, meta.get("key_kind") == "name")
                if meta.get("key_prefix") and key.value is not None:  # `settings.experimental.x` → `experimental.x`
                    key = KeyExpr(key.text, value=meta["key_prefix"] + key.value)
                neg = meta.get("negation_prefix")
                if neg and key.value is not None and key.value.startswith(neg):  # waffle `@waffle_flag("!x")`
                    key = KeyExpr(key.text, value=key.value[len(neg):])
                if key.ref and key.ref[0] != "this":
                    bound, value = scopes.binding(key.ref[0], key_node)
                    if bound:  # a parameter / local variable, not the module-level symbol
                        key = KeyExpr(key.text, value=value if len(key.ref) == 1 else None)
                if confidence is Confidence.LOW and key.value is None and not key.ref:
                    continue  # a generic method name with a computed key: too weak to report
                node_for_span = read_node if len(key_nodes) == 1 else key_node
                read = FlagRead(
                    path=src.path,
                    provider=provider,
                    method=method,
                    key=key,
                    span=syntax.span(node_for_span),
                    function=ancestry.enclosing_function(read_node),
                    default=default,
                    snippet=syntax.snippet(data, node_for_span),
                    confidence=confidence,
                    origin=src.origin,
                    key_style=meta.get("key_style", ""),
                    pack=pack.name,
                )
                ancestry.known[(tuple(node_for_span.start_point), tuple(node_for_span.end_point))] = node_for_span  # for gates
                ident = (node_for_span.start_byte, node_for_span.end_byte)
                rank = _rank(read, meta)
                prev = best.get(ident)
                if prev is None or rank > prev[0]:
                    best[ident] = (rank, read)

    @staticmethod
    def _key_nodes(caps: dict, meta: dict) -> tuple[list[tree_sitter.Node], tree_sitter.Node | None]:
        default_node = caps["flag.default"][0] if "flag.default" in caps else None
        if "flag.key" in caps:
            return _expand_lists(caps["flag.key"]), default_node
        if "flag.args" not in caps:
            return [], default_node
        if meta.get("key_name"):
            named = _named_arg(caps["flag.args"][0], meta["key_name"])
            if named is not None:
                return _expand_lists([named]), default_node
        args = syntax.positional_args(caps["flag.args"][0])
        spec = meta.get("key_arg", "0")
        if spec == "1|0":
            idx = syntax.server_or_client_key_index(args)
        else:
            idx = int(spec)
        if idx >= len(args):
            return [], default_node
        key = args[idx]
        dspec = meta.get("default_arg")
        if default_node is None and dspec is not None:
            if dspec == "last":
                if len(args) > idx + 1:
                    default_node = args[-1]
            elif int(dspec) < len(args) and int(dspec) != idx:
                default_node = args[int(dspec)]
        return _expand_lists([key]), default_node


def _named_arg(args: tree_sitter.Node, name: str) -> tree_sitter.Node | None:
    """The value of named argument `name`: a Python keyword argument, or a member of a JS object argument."""
    for a in args.named_children:
        if a.type == "keyword_argument":
            n = a.child_by_field_name("name")
            if n is not None and syntax.text(n) == name:
                return a.child_by_field_name("value")
        elif a.type == "object":
            for k, v in syntax.literal_pairs(a):
                if k is not None and syntax.name_text(k) == name:
                    return v if v is not None else k
    return None


def _signature(pattern: int, caps: dict) -> tuple:
    """What tells one match apart from another: the pattern, the capture names with how many nodes
    each holds, and every captured node."""
    return pattern, tuple(caps), tuple(map(len, caps.values())), tuple([n.id for nodes in caps.values() for n in nodes])


def _order(match: tuple[int, dict]) -> tuple[int, int, int]:
    """Sort key putting matches in document order: first captured node's start (the pattern's
    first capture, which for every pack is its outermost or leftmost node), then pattern. Sorting is
    stable, so matches equal on both keep the order one cursor found them in."""
    pattern, caps = match
    first = next(iter(caps.values()))[0]
    return first.start_byte, -first.end_byte, pattern


def ranged_matches(sub: SubQuery, root: tree_sitter.Node, ranges: list[tuple[int, int]]) -> list[tuple[int, dict]]:
    """Matches of `sub` that overlap any of the byte `ranges`, each once, as (pattern index in the
    CompiledQuery, captures). A match is found when any of its nodes overlaps a range: tree-sitter
    completes matches started at an overlapping node even where their other nodes lie outside it."""
    out: list[tuple[int, dict]] = []
    seen: set[tuple] = set()
    cursor = tree_sitter.QueryCursor(sub.query)
    index = sub.patterns
    if len(ranges) == 1:  # one search finds each match once: nothing to tell apart
        cursor.set_byte_range(*ranges[0])
        return [(index[p], caps) for p, caps in cursor.matches(root)]
    for start, end in ranges:
        cursor.set_byte_range(start, end)
        for p, caps in cursor.matches(root):
            sig = _signature(p, caps)
            if sig not in seen:
                seen.add(sig)
                out.append((index[p], caps))
    return out


def node_matches(sub: SubQuery, nodes: list[tree_sitter.Node]) -> list[tuple[int, dict]]:
    """Matches of `sub` that start at one of `nodes` (in the order given), as (pattern index in the
    CompiledQuery, captures): the same matches a search of the whole tree finds there. Each search
    starts at the node only (`set_max_start_depth(0)`) and looks only at its first byte, so it does
    not descend past the node's children (a capture beyond that byte completes all the same): the
    cost does not grow with the subtree, where a search of the whole tree keeps one unfinished
    match per enclosing `if` while it walks a deeply nested body (quadratic in the nesting)."""
    out: list[tuple[int, dict]] = []
    cursor = tree_sitter.QueryCursor(sub.query)
    cursor.set_max_start_depth(0)
    index = sub.patterns
    for node in nodes:
        cursor.set_byte_range(node.start_byte, node.start_byte + 1)
        out.extend((index[p], caps) for p, caps in cursor.matches(node))
    return out


RANGE_GAP_BYTES = 256
"""Anchor ranges closer than this are searched as one range. Each range is one `QueryCursor.matches`
call, which descends from the root to the range and returns through Python: about 40 µs however
little it finds. Joining ranges 256 bytes apart or closer took the anchored matching of
gemini-cli-core from 39,494 calls and 1.5 s to 9,218 calls and 0.73 s (gemini-cli 2.8 → 1.3 s,
superset 2.4 → 1.3 s), with the same matches; wider gaps cost more in matching than they save in
calls (1,024: 0.74, 1.6 and 1.7 s). A ranged match is a match of the whole-tree query, so a wider
range can find more of them, never others (and the anchors already find every one of them: the
records were the same on all three inputs)."""


def plan_matches(plan: QueryPlan, root: tree_sitter.Node, data: bytes, gap: int = RANGE_GAP_BYTES) -> list[tuple[int, dict]]:
    """Matches of every non-gate pattern of a QueryPlan in one file, as (pattern index, captures), in
    document order (first node's start, outermost first, then pattern): the order does not depend on
    how each part of the plan found them. `gap`: see `coalesce` and `RANGE_GAP_BYTES`."""
    out: list[tuple[int, dict]] = []
    if plan.rooted is not None:
        cursor = tree_sitter.QueryCursor(plan.rooted.query)
        cursor.set_max_start_depth(0)
        out.extend((plan.rooted.patterns[p], caps) for p, caps in cursor.matches(root))
    if plan.walk is not None:
        out.extend((plan.walk.patterns[p], caps) for p, caps in tree_sitter.QueryCursor(plan.walk.query).matches(root))
    if plan.anchored is not None:
        # Even where hits are dense, ranged runs beat one walk: a walk makes the binding build and
        # test the captures of every structural match, and most fail their predicates.
        ranges = coalesce(plan.anchor_ranges(data), gap)
        if ranges:
            out.extend(ranged_matches(plan.anchored, root, ranges))
    out.sort(key=_order)
    return out


def _expand_lists(nodes: list[tree_sitter.Node]) -> list[tree_sitter.Node]:
    """Key nodes with list literals (`getTreatments(k, ['a', 'b'])`) replaced by their elements."""
    out: list[tree_sitter.Node] = []
    for node in nodes:
        inner = syntax.unwrap(node)
        if inner.type in ("array", "list", "tuple"):
            out.extend(k for k in inner.named_children if k.type != "comment")
        else:
            out.append(node)
    return out


def _statement_source(node: tree_sitter.Node) -> str | None:
    """Module specifier of the import/export statement around an import or export specifier.

    Packs match `(import_specifier)` alone rather than the statement with its specifiers and
    `source:`: the latter keeps one in-progress match per specifier until `source` is reached, which
    is quadratic on bundles that import thousands of names in one statement.
    """
    stmt = node.parent
    for _ in range(4):
        if stmt is None or stmt.type in ("import_statement", "export_statement"):
            break
        stmt = stmt.parent
    if stmt is None or stmt.type not in ("import_statement", "export_statement"):
        return None
    source = stmt.child_by_field_name("source")
    if source is None:
        return None
    fragment = next((c for c in source.named_children if c.type == "string_fragment"), None)
    return syntax.text(fragment) if fragment is not None else None


def _package_matches_any(modules: list[str], patterns: list[str]) -> bool:
    return any(_package_matches(m, patterns) for m in modules)


def _rank(read: FlagRead, meta: dict) -> tuple[int, int]:
    """Preference between patterns matching the same read, higher is better.

    First: a high-confidence SDK read (its package is imported) beats a configured wrapper of the
    same name, which beats a method-name-only match. Then: a pattern that requires its import
    (package-specific, e.g. a client SDK's argument order) beats a generic one.
    """
    if read.pack.startswith("config/"):
        tier = 3 if meta.get("qualified") == "true" else 1
    else:
        tier = 2 if read.confidence is Confidence.HIGH else 0
    return tier, meta.get("require_import") == "true"
