"""Gates: conditionals whose condition reads a flag, with the code they decide (the gated span).

Candidates come from the `@gate` patterns of the query packs (`queries/*/gates.scm`), run only
around the file's flag reads and the uses of local variables assigned from them (a gate's
condition must hold one, so no other part of the tree can yield a gate); this module keeps a
candidate only when its `@gate.condition` holds a flag read of the same file (matched by position:
the read's span lies inside the condition), or a local variable assigned from one (one hop of
indirection):

```ts
const enabled = flags.isEnabled('x');              // `enabled` is an alias of x (polarity on)
if (enabled) { … }                                 // gated by x
const Tool = feature('X') ? require('./Tool') : null;
const tools = Tool ? [Tool] : [];                  // gated by X: Tool is non-null only when X is on
```

For each gate it records the kind, the gated span (lines, non-blank lines, bytes), the span of the
`else` side, how deeply it is nested in other gates, and, per flag read in the condition, the
polarity: `on` when the gated span runs with the flag on (truthy), `off` when it runs with the flag
off (`if (!flag)`, `flag === false`, the right side of `flag || fallback()`, the code after
`if (flag) return`).

Kinds:

============  ==========================================================================
kind          construct (gated span)
============  ==========================================================================
if            `if (c) {…} else {…}` / Python `if`/`elif`/`else` (consequence; else side)
early_return  `if (!c) return;` (the rest of the enclosing block)
ternary       `c ? a : b` / Python `a if c else b` (a; b)
logical       `c && a`, `c || a` / Python `and`, `or` (a)
jsx           `{c && <X/>}`, `{c ? <A/> : <B/>}` inside JSX (the element)
spread        `...(c ? [A] : [])`, `...(c && {a})` (the spread value)
component     `<IfFeatureEnabled feature="x">…</IfFeatureEnabled>` (the element)
decorator     Python `@waffle_flag("x")` above a definition (the definition)
============  ==========================================================================

Records are flat rows of the tables in `schema/004_gates_capabilities.sql` (`gates`, `gate_reads`).
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import ClassVar

import tree_sitter

from auditor.extract import syntax
from auditor.extract.budget import BudgetExceeded, WorkBudget
from auditor.models import FlagRead
from auditor.queries import FIND_BUDGET_BYTES, coalesce, identifier_hits, word_hits

FALSY_LITERALS = frozenset({"false", "False", "0", "null", "undefined", "None", "void 0", "''", '""', "``",
                            "'0'", '"0"', "'false'", '"false"', "'off'", '"off"', "'disabled'", '"disabled"',
                            "'no'", '"no"', "'control'", '"control"'})
"""Literals that mean "off" when a flag is compared with them (`flag === false`, `v == 'control'`)."""

_PASS_THROUGH = frozenset({"parenthesized_expression", "as_expression", "non_null_expression", "satisfies_expression",
                           "type_assertion", "await_expression", "await", "parenthesized_list_splat"})
_NEGATIONS = frozenset({"unary_expression", "not_operator"})
_LOGICAL_JS = frozenset({"&&", "||", "??"})
_COMPARE_EQ = frozenset({"===", "==", "is"})
_COMPARE_NE = frozenset({"!==", "!=", "is not"})
_TERNARIES = frozenset({"ternary_expression", "conditional_expression"})
_BLOCKS = frozenset({"statement_block", "program", "block", "module", "class_body", "switch_body", "else_clause"})
_EXITS = frozenset({"return_statement", "throw_statement", "raise_statement", "continue_statement", "break_statement"})
_CONDITION_LIKE = frozenset({
    "identifier", "member_expression", "subscript_expression", "attribute", "subscript", "true", "false", "null",
    "undefined", "none", "number", "integer", "float", "string", "template_string", "unary_expression",
    "not_operator", "comparison_operator", "boolean_operator",
})
_SCOPES = frozenset({"statement_block", "program", "module", "block", "class_body", "function_definition"})

GateMatcher = Callable[..., list[tuple[dict, dict]]]
"""`gate_matches(ranges, at=None)` runs the `@gate` patterns: (captures, pattern settings) of each
match overlapping one of the byte `ranges`, or of each match starting at one of the nodes `at`."""
_Up = Callable[[tree_sitter.Node], "tree_sitter.Node | None"]
"""`Node.parent`, as `syntax.Ancestry.parent` finds it."""


@dataclass(frozen=True, slots=True)
class Gate:
    """One gate: a conditional construct whose condition reads at least one flag."""

    TABLE: ClassVar[str] = "gates"
    path: str
    gate_no: int
    """Ordinal of the gate within its file (document order, from 1)."""
    kind: str
    """if, early_return, ternary, logical, jsx, spread, component, decorator (see module doc)."""
    line: int
    """First line of the whole construct."""
    end_line: int
    body_line: int
    """First line of the gated span."""
    body_col: int
    """Column (byte) where the gated span starts."""
    body_end_line: int
    body_end_col: int
    gated_loc: int
    """Non-blank lines in the gated span (1 for a span inside one minified line)."""
    gated_bytes: int
    alt_line: int | None
    """First line of the code that runs when the condition does not hold (`else`), if any."""
    alt_col: int | None
    alt_end_line: int | None
    alt_end_col: int | None
    alt_loc: int
    nesting: int
    """Number of enclosing gates (0 for a top-level gate)."""
    parent_gate: int | None
    """`gate_no` of the innermost enclosing gate."""
    combinator: str
    """How the condition combines several flag reads: `and`, `or`, `mixed`, or '' for one read."""
    flag_count: int
    """Flag reads (and aliases) in the condition."""
    condition: str
    """Source text of the condition (at most 200 characters)."""
    function: str
    """Enclosing function (`Class.method`), or `<module>`."""
    origin: str = ""


@dataclass(frozen=True, slots=True)
class GateRead:
    """A flag read (or an alias of one) inside a gate's condition."""

    TABLE: ClassVar[str] = "gate_reads"
    path: str
    gate_no: int
    read_line: int
    """Start line of the flag read (joins `flag_reads.line`)."""
    read_col: int
    """Start column of the flag read (joins `flag_reads.col`)."""
    key_expr: str
    """The read's key as written (joins `flag_reads.key_expr`)."""
    polarity: str
    """`on`: the gated span runs when the flag is on; `off`: when it is off."""
    via: str = ""
    """Name of the local variable the read reaches the condition through ('' when direct)."""
    alias_line: int | None = None
    """Line of that variable's assignment."""


@dataclass(slots=True)
class _Region:
    start: int
    end: int
    gate_no: int
    branch: str  # body | alternative


@dataclass(slots=True)
class GateIndex:
    """The flag gates of one file, for nesting and for the capabilities they enclose."""

    gates: list[Gate]
    reads: list[GateRead]
    regions: list[_Region]
    exceeded: BudgetExceeded | None = None
    """Set when the file's work budget ran out while gates were built: `gates` are those built before."""
    flag_functions: dict[str, list[tuple[FlagRead, str]]] = field(default_factory=dict)
    """Functions of this file whose whole body returns a flag read (`function isX() { return
    getFlag('x') }`), by name: the (read, polarity) a call of each stands for."""

    def enclosing(self, spans: list[tuple[int, int]]) -> list[list[tuple[int, str]]]:
        """For each (start_byte, end_byte), the (gate_no, branch) of every gate region holding it, outermost first."""
        return _enclosing(self.regions, spans)


def _sweep(regions: list[_Region], spans: list[tuple[int, int]]):
    """Yield (i, start, stack) for each span i: one sweep over regions and spans sorted by start
    (regions before spans on a tie, wider first), where `stack` holds the regions around the span,
    outermost first. Tree spans nest, so a region that ends before a span ends never holds a later
    one, and the stack always nests: each region on it holds the next, all of them hold the span."""
    items = [(r.start, -r.end, 0, i) for i, r in enumerate(regions)] + [(s, -e, 1, i) for i, (s, e) in enumerate(spans)]
    items.sort()
    stack: list[_Region] = []
    for start, neg_end, typ, i in items:
        end = -neg_end
        while stack and stack[-1].end < end:
            stack.pop()
        if typ == 0:
            stack.append(regions[i])
        else:
            yield i, start, stack


def _enclosing(regions: list[_Region], spans: list[tuple[int, int]]) -> list[list[tuple[int, str]]]:
    out: list[list[tuple[int, str]]] = [[] for _ in spans]
    for i, _start, stack in _sweep(regions, spans):
        out[i] = [(r.gate_no, r.branch) for r in stack]
    return out


@dataclass(slots=True)
class _Alias:
    name: str
    node: tree_sitter.Node  # the declarator / assignment
    scope: tree_sitter.Node
    read: FlagRead
    polarity: str


def _flip(p: str) -> str:
    return "off" if p == "on" else "on"


def _op(node: tree_sitter.Node) -> str:
    op = node.child_by_field_name("operator")
    if op is not None:
        return syntax.text(op)
    if node.type == "comparison_operator":  # python: operators are anonymous children
        ops = [c.type for c in node.children if not c.is_named]
        return " ".join(ops)
    return ""


def _literal_text(node: tree_sitter.Node) -> str:
    node = syntax.unwrap(node)
    return syntax.text(node, 40)


def _negated_key(read) -> bool:
    """True for a key written with a negation prefix the pack strips (`@waffle_flag("!beta")`)."""
    value = read.key.value
    literal = read.key.text.strip("'\"`")
    return value is not None and literal != value and literal.endswith(value) and literal[: -len(value)] == "!"


def _step(child: tree_sitter.Node, parent: tree_sitter.Node, polarity: str) -> tuple[bool, str, str]:
    """Move one level up from `child` to `parent` inside a condition: (can continue, polarity, logical op)."""
    t = parent.type
    if t in _PASS_THROUGH:
        return True, polarity, ""
    if t in _NEGATIONS:
        op = _op(parent)
        if t == "not_operator" or op == "!":
            return True, _flip(polarity), ""
        return False, polarity, ""
    if t == "call_expression" or t == "call":  # Boolean(x), bool(x)
        fn = parent.child_by_field_name("function")
        if fn is not None and syntax.text(fn) in ("Boolean", "bool"):
            return True, polarity, ""
        return False, polarity, ""
    if t == "boolean_operator":
        return True, polarity, _op(parent)
    if t == "binary_expression" or t == "comparison_operator":
        op = _op(parent)
        if op in _LOGICAL_JS:
            return True, polarity, {"&&": "and", "||": "or", "??": "or"}[op]
        kids = [c for c in parent.named_children if c.type != "comment"]
        other = next((k for k in kids if k.id != child.id), None)
        if op in _COMPARE_EQ or op in _COMPARE_NE:
            falsy = other is not None and _literal_text(other) in FALSY_LITERALS
            # `=== false` and `!== 'on'` flip; `=== 'on'` and `!= null` keep.
            flip = (op in _COMPARE_EQ) == falsy
            return True, _flip(polarity) if flip else polarity, ""
        return True, polarity, ""  # `>`, `in`, ... : runs for some values of the flag
    return False, polarity, ""


def _polarity_within(node: tree_sitter.Node, top: tree_sitter.Node, up: _Up) -> tuple[str, set[str]] | None:
    """Polarity of `node` relative to the value of its ancestor `top`, and the logical operators met."""
    polarity = "on"
    ops: set[str] = set()
    cur = node
    while cur.id != top.id:
        parent = up(cur)
        if parent is None:
            return None
        ok, polarity, op = _step(cur, parent, polarity)
        if not ok:
            # Not a boolean use of the read at this level (an argument, a member of the result):
            # the gate still depends on the flag; keep the polarity found so far.
            cur = parent
            continue
        if op:
            ops.add(op)
        cur = parent
    return polarity, ops


def _falsy(node: tree_sitter.Node) -> bool:
    return _literal_text(node) in FALSY_LITERALS


def _alias_of(read_node: tree_sitter.Node, up: _Up) -> tuple[str, tree_sitter.Node, str] | None:
    """If the read's value flows into a local variable (`const x = <read>`), (name, declarator, polarity)."""
    polarity = "on"
    cur = read_node
    if cur.type in ("shorthand_property_identifier_pattern", "pair_pattern"):
        # `const { darkMode } = useFlags()`: the destructured variable holds the flag's value
        target = cur if cur.type == "shorthand_property_identifier_pattern" else cur.child_by_field_name("value")
        pattern = up(cur)
        decl = up(pattern) if pattern is not None else None
        if target is not None and target.type in ("identifier", "shorthand_property_identifier_pattern") \
                and decl is not None and decl.type == "variable_declarator":
            return syntax.text(target), decl, polarity
        return None
    coerced = False  # inside a helper's call (`isTruthy(process.env.X)`): a flag only if a boolean use follows
    for _ in range(12):
        parent = up(cur)
        if parent is None:
            return None
        t = parent.type
        if t in ("arguments", "argument_list") and not coerced:
            call = up(parent)
            if call is not None and call.type in ("call_expression", "call") \
                    and sum(1 for k in parent.named_children if k.type != "comment") == 1:
                coerced = True  # `!!(lA(process.env.A) || lA(process.env.B))`: the helper coerces the read
                cur = call
                continue
            return None
        if coerced and (t in ("variable_declarator", "assignment", "assignment_expression", "return_statement", "arrow_function")
                        or t in _TERNARIES):
            return None  # `const url = parse(process.env.X)`: a value computed from the read, not the flag
        if t in ("variable_declarator",):
            if parent.child_by_field_name("value") is not None and parent.child_by_field_name("value").id == cur.id:
                name = parent.child_by_field_name("name")
                if name is not None and name.type == "identifier":
                    return syntax.text(name), parent, polarity
            return None
        if t in ("assignment", "assignment_expression"):
            right = parent.child_by_field_name("right")
            left = parent.child_by_field_name("left")
            if right is not None and right.id == cur.id and left is not None and left.type == "identifier":
                return syntax.text(left), parent, polarity
            return None
        if t in _TERNARIES:
            cond, cons, alt = _ternary_parts(parent)
            if cond is not None and cond.id != cur.id and cur.type in _TERNARIES and _selects(cons) and _selects(alt):
                cur = parent  # `A ? 'a' : B ? 'b' : 'c'`: B selects the chain's value too
                continue
            if cond is None or cond.id != cur.id:
                return None
            if alt is not None and _falsy(alt):
                pass
            elif cons is not None and _falsy(cons):
                polarity = _flip(polarity)
            elif _selects(cons) and _selects(alt):
                pass  # `process.env.A ? 'bedrock' : 'firstParty'`: the flag selects a constant (compared later)
            else:
                return None
            cur = parent
            continue
        if t == "return_statement" or (t == "arrow_function" and parent.child_by_field_name("body") is not None
                                       and parent.child_by_field_name("body").id == cur.id):
            fn = _flag_function(parent, up)  # `function isX() { return <read> }`: calls of isX are reads
            return (fn[0], fn[1], polarity) if fn is not None else None
        before = polarity
        ok, polarity, op = _step(cur, parent, polarity)
        if not ok:
            return None
        if op or polarity != before:
            coerced = False  # a logical operator or a negation: a boolean use of the helper's value
        cur = parent
    return None


_SELECTED = frozenset({"string", "number", "true", "false", "integer", "float", "template_string"})


def _selects(node: tree_sitter.Node | None) -> bool:
    """A ternary branch that is a constant or another ternary: the condition selects a constant."""
    if node is None:
        return False
    if node.type == "template_string":
        return not any(k.type == "template_substitution" for k in node.named_children)
    return node.type in _SELECTED or node.type in _TERNARIES


def _flag_function(node: tree_sitter.Node, up: _Up) -> tuple[str, tree_sitter.Node] | None:
    """A function whose whole body returns the value holding a read (`node`: its `return` statement
    or an arrow function's expression body): (its name, its declaration) — `function isX() { return
    getFlag('x') }`, `const isX = () => process.env.X === '1'`, Python `def is_x(): return …`; None
    for anything else (a method, a body with other statements, an anonymous function)."""
    fn = node
    if node.type == "return_statement":
        block = up(node)
        if block is None or block.type not in ("statement_block", "block") \
                or sum(1 for k in block.named_children if k.type != "comment") != 1:
            return None
        fn = up(block)
    if fn is None:
        return None
    if fn.type in ("function_declaration", "function_definition"):
        name = fn.child_by_field_name("name")
        return (syntax.text(name), fn) if name is not None else None
    if fn.type in ("arrow_function", "function_expression", "function"):
        decl = up(fn)
        if decl is not None and decl.type == "variable_declarator":
            name = decl.child_by_field_name("name")
            if name is not None and name.type == "identifier":
                return syntax.text(name), decl
    return None


def _is_function_alias(node: tree_sitter.Node) -> bool:
    """An alias declared by a function (`_flag_function`): used anywhere in its scope, before too."""
    if node.type in ("function_declaration", "function_definition"):
        return True
    value = node.child_by_field_name("value") if node.type == "variable_declarator" else None
    return value is not None and value.type in ("arrow_function", "function_expression", "function")


def _ternary_parts(node: tree_sitter.Node) -> tuple[tree_sitter.Node | None, tree_sitter.Node | None, tree_sitter.Node | None]:
    if node.type == "ternary_expression":
        return (node.child_by_field_name("condition"), node.child_by_field_name("consequence"),
                node.child_by_field_name("alternative"))
    kids = node.named_children  # python: body if cond else alt
    if len(kids) >= 3:
        return kids[1], kids[0], kids[2]
    return None, None, None


def _scope_of(node: tree_sitter.Node, up: _Up) -> tree_sitter.Node:
    cur = up(node)
    while cur is not None and cur.type not in _SCOPES:
        cur = up(cur)
    return cur if cur is not None else node


def _contains(outer: tree_sitter.Node, start: int, end: int) -> bool:
    return outer.start_byte <= start and end <= outer.end_byte


_NOT_BLANK = re.compile(rb"[^ \t\n\r\x0b\x0c]")
"""A byte `bytes.strip()` keeps."""


_NEWLINE = re.compile(rb"\n")
_BLANK_LINE = re.compile(rb"\n[ \t\r\x0b\x0c]*(?=\n)")
"""A blank line, from the newline before it to (not taking) the newline ending it."""


class _Lines:
    """Non-blank lines of a byte range. A small span is split and counted; past a budget of such
    bytes, or for a larger span, an index of the file's newlines (built once) answers in O(log n)
    (a gate's gated span is measured without copying it: the spans of nested gates hold each other,
    and copying and splitting each was quadratic in the nesting). Most files never need the index:
    building it for a 16 MB bundle's two million lines cost more than all its gates."""

    __slots__ = ("data", "newlines", "blank_ends", "small_span", "direct_budget")

    def __init__(self, data: bytes, small_span: int = 4096):
        """`small_span`: spans up to this many bytes are counted directly, 1 MiB of them at most."""
        self.data = data
        self.newlines: list[int] | None = None
        self.blank_ends: list[int] = []
        self.small_span = small_span
        self.direct_budget = 1 << 20

    def _index(self) -> list[int]:
        if self.newlines is None:
            self.newlines = [m.start() for m in _NEWLINE.finditer(self.data)]
            # the newline ending each blank line that has a newline before it ("\n   \n": the second)
            self.blank_ends = [m.end() for m in _BLANK_LINE.finditer(self.data)]
        return self.newlines

    def _has_text(self, start: int, end: int) -> bool:
        return start < end and _NOT_BLANK.search(self.data, start, end) is not None

    def loc(self, start: int, end: int) -> int:
        """`sum(1 for ln in data[start:end].split(b"\n") if ln.strip())`, without a copy of a large span."""
        if self.newlines is None and end - start <= min(self.small_span, self.direct_budget):
            self.direct_budget -= end - start
            return sum(1 for ln in self.data[start:end].split(b"\n") if ln.strip())
        newlines = self._index()
        first = bisect.bisect_left(newlines, start)  # newlines at or after start
        last = bisect.bisect_left(newlines, end)  # ... and before end: newlines[first:last]
        if first == last:
            return 1 if self._has_text(start, end) else 0
        n = self._has_text(start, newlines[first]) + self._has_text(newlines[last - 1] + 1, end)
        # whole lines between them: one per newline after the first, less the blank ones
        whole = last - 1 - first
        if whole:
            lo = bisect.bisect_right(self.blank_ends, newlines[first])
            hi = bisect.bisect_right(self.blank_ends, newlines[last - 1])
            n += whole - (hi - lo)
        return n


def _unwrap_up(node: tree_sitter.Node, up: _Up) -> tuple[tree_sitter.Node, tree_sitter.Node | None]:
    """The node's nearest ancestor that is not a parenthesis/assertion, with the child it was reached from."""
    child, parent = node, up(node)
    while parent is not None and parent.type in ("parenthesized_expression", "as_expression", "non_null_expression", "satisfies_expression"):
        child, parent = parent, up(parent)
    return child, parent


def _is_condition_of(child: tree_sitter.Node, parent: tree_sitter.Node | None) -> bool:
    if parent is None:
        return False
    cond = parent.child_by_field_name("condition")
    if cond is not None and _contains(cond, child.start_byte, child.end_byte):
        return True
    if parent.type in ("binary_expression", "boolean_operator"):
        left = parent.child_by_field_name("left")
        if _op(parent) in ("&&", "||", "??", "and", "or") and left is not None and _contains(left, child.start_byte, child.end_byte):
            return True  # the left part of a longer chain (`a && b && c()`): that chain is the gate
    if parent.type in _NEGATIONS:
        return True
    return False


def _single_exit(body: tree_sitter.Node) -> bool:
    """The body only leaves: `return;`, `return null`/`false`/`[]`, `throw …`, `continue`, `break`.

    A body that returns a value (`if (flag) return [internalTool]`) is gated code itself: the gate
    stays an `if`.
    """
    if body.type in ("statement_block", "block"):
        kids = [c for c in body.named_children if c.type != "comment"]
        if len(kids) != 1:
            return False
        body = kids[0]
    if body.type in ("throw_statement", "raise_statement", "continue_statement", "break_statement"):
        return True
    if body.type == "return_statement":
        values = [c for c in body.named_children if c.type != "comment"]
        if not values:
            return True
        v = syntax.unwrap(values[0])
        if v.type in ("array", "list", "object", "dictionary") and not v.named_children:
            return True
        return _falsy(v)
    return False


def extract(
    gate_matches: GateMatcher,
    reads: list[FlagRead],
    root: tree_sitter.Node,
    data: bytes,
    path: str,
    origin: str = "",
    ancestry: syntax.Ancestry | None = None,
) -> GateIndex:
    """Gates of one file from its flag reads and the `@gate` patterns.

    `gate_matches(ranges)` returns the (captures, pattern settings) of the gate matches that
    overlap the byte ranges; it is called once, with the ranges of the reads and of the uses of
    their aliases (or None, for the whole tree, when the reads lie so deep that searching around
    each would cost more than one pass: a ranged search reports every gate enclosing its range).
    Returns the gates (numbered in document order), the reads in their conditions, and the regions
    used for nesting and capabilities. `ancestry` (of `root`, with the file's work budget) finds
    parents; when the budget runs out, the gates built so far are returned with `exceeded` set.
    """
    if not reads:
        return GateIndex([], [], [])
    if ancestry is None:
        ancestry = syntax.Ancestry(root)
    up = ancestry.parent
    budget = ancestry.budget if ancestry.budget is not None else WorkBudget()
    # Reads by start point, for "which reads lie inside this condition" by bisection.
    located: list[tuple[tuple[int, int], tuple[int, int], FlagRead]] = sorted(
        (((r.span.line - 1, r.span.col), (r.span.end_line - 1, r.span.end_col), r) for r in reads),
        key=lambda x: (x[0], x[1]),
    )
    starts = [x[0] for x in located]
    read_points = {(x[0], x[1]) for x in located}
    read_nodes: dict[tuple[int, int], tree_sitter.Node] = {}

    def node_of(s: tuple[int, int], e: tuple[int, int]) -> tree_sitter.Node | None:
        n = read_nodes.get(s)
        if n is None:
            n = ancestry.at(s, e)
            if n is not None:
                read_nodes[s] = n
        return n

    # One hop: variables assigned from an expression holding a read.
    aliases: dict[str, list[_Alias]] = {}
    depth = 0  # of the reads' nodes, summed: what searching around each of them costs
    for s, e, r in located:
        n = node_of(s, e)
        if n is None:
            continue
        budget.spend()
        found = _alias_of(n, up)
        node_path = ancestry.path(n)
        depth += len(node_path) if node_path is not None else 1
        if found is not None:
            name, decl, pol = found
            aliases.setdefault(name, []).append(_Alias(name, decl, _scope_of(decl, up), r, pol))
    # One regex over the alias names: a C-level search per candidate instead of one substring test
    # per alias name and candidate (bundles have thousands of both).
    alias_names = re.compile(b"|".join(re.escape(a.encode()) for a in sorted(aliases, key=len, reverse=True))) if aliases else None

    uses = _alias_uses(aliases, data)
    ranges = [(n.start_byte, n.end_byte) for n in read_nodes.values()]
    ranges.extend(uses)
    if depth > WHOLE_TREE_FACTOR * root.descendant_count:  # deep nesting: each enclosing node once
        gate_types = getattr(gate_matches, "root_types", None)  # node types the patterns start at, if known
        matches = gate_matches(None, _gate_roots(ancestry, read_nodes.values(), uses, gate_types, budget))
    else:
        matches = gate_matches(sorted(set(ranges)))
    budget.spend(len(matches))

    functions = {name: [(a.read, a.polarity) for a in group if _is_function_alias(a.node)] for name, group in aliases.items()}
    functions = {name: reads for name, reads in functions.items() if reads}
    candidates: dict[tuple[int, int, int], tuple[dict, dict]] = {}
    for caps, meta in matches:
        g = caps["gate"][0]
        c = caps["gate.condition"][0]
        key = (g.start_byte, g.end_byte, c.start_byte)
        if key not in candidates:
            candidates[key] = (caps, meta)
    if not candidates:
        index = _number([], None)
        index.flag_functions = functions
        return index
    lines = _Lines(data)

    built: list[tuple[int, Gate, list[GateRead], list[_Region]]] = []
    exceeded: BudgetExceeded | None = None
    try:
        _build(candidates, located, starts, read_points, node_of, aliases, alias_names, data, lines, path, origin, ancestry,
               budget, built)
    except BudgetExceeded as exc:  # keep the gates built so far
        exceeded = exc
    index = _number(built, exceeded)
    index.flag_functions = functions
    return index


def _build(candidates, located, starts, read_points, node_of, aliases, alias_names, data: bytes, lines: _Lines, path: str,
           origin: str, ancestry: syntax.Ancestry, budget: WorkBudget, built: list) -> None:
    """Turn the gate candidates into gates (appended to `built`, one at a time)."""
    up = ancestry.parent
    for key in sorted(candidates):
        budget.spend()
        caps, meta = candidates[key]
        gate_node = caps["gate"][0]
        cond = caps["gate.condition"][0]
        body = caps.get("gate.body", [None])[0]
        alts = caps.get("gate.alternative", [])
        cs, ce = cond.start_point, cond.end_point
        i = bisect.bisect_left(starts, cs)
        inside: list[tuple[tree_sitter.Node, FlagRead, str, int | None]] = []
        while i < len(located) and located[i][0] <= ce:
            s, e, r = located[i]
            if e <= ce:
                n = node_of(s, e)
                if n is not None:
                    inside.append((n, r, "", None))
            i += 1
        if alias_names is not None:
            if alias_names.search(data, cond.start_byte, cond.end_byte):  # no copy of the condition
                for ident in _identifiers(cond, up, budget):
                    group = aliases.get(syntax.text(ident), ())
                    for al in group:
                        if (ident.start_byte >= al.node.end_byte or _is_function_alias(al.node)) \
                                and _contains(al.scope, ident.start_byte, ident.end_byte):
                            # every read of that declaration: `return !!(process.env.A || process.env.B)`
                            for same in group:
                                if same.node.id == al.node.id:
                                    inside.append((ident, same.read, same.name, same.node.start_point[0] + 1))
                            break
        kind = meta.get("kind", "if")
        if kind == "component":
            inside = [x for x in inside if _gates_element(x[0], cond, up)]
        if not inside:
            continue
        operator = meta.get("operator", "")
        gate_reads: list[GateRead] = []
        ops: set[str] = set()
        skip = False
        budget.spend(len(inside))
        if kind == "logical":
            child, parent = _unwrap_up(gate_node, up)
            if _is_condition_of(child, parent):
                continue
            inner = syntax.unwrap(body) if body is not None else None
            if inner is not None and (inner.type in _CONDITION_LIKE or (inner.start_point, inner.end_point) in read_points):
                continue  # `a && b` where b is another condition: a compound condition, not a gate
            if parent is not None and parent.type == "spread_element":
                kind = "spread"
            elif parent is not None and parent.type == "jsx_expression":
                kind = "jsx"
        elif kind == "ternary":
            child, parent = _unwrap_up(gate_node, up)
            if parent is not None and parent.type == "spread_element":
                kind = "spread"
            elif parent is not None and parent.type == "jsx_expression":
                kind = "jsx"
        for node, read, via, alias_line in inside:
            found = _polarity_within(node, cond, up)
            if found is None:
                skip = True
                break
            polarity, seen = found
            ops |= seen
            if _negated_key(read):
                polarity = _flip(polarity)
            if via:
                al = next(a for a in aliases[via] if a.read is read)
                if al.polarity == "off":
                    polarity = _flip(polarity)
            if operator == "or":
                polarity = _flip(polarity)  # `flag || fallback()`: the right side runs when the flag is off
            gate_reads.append(GateRead(path, 0, read.span.line, read.span.col, read.key.text, polarity, via, alias_line))
        if skip:
            continue
        bnode = body if body is not None else gate_node
        body_start, body_end = bnode.start_byte, bnode.end_byte
        (body_line, body_col), (body_end_line, body_end_col) = _pt(bnode.start_point), _pt(bnode.end_point)
        if kind == "if" and not alts and body is not None and _single_exit(body):
            rest = _rest_of_block(gate_node, up)
            if rest is not None:
                kind = "early_return"
                body_start, body_end = rest[0].start_byte, rest[1].end_byte
                (body_line, body_col), (body_end_line, body_end_col) = _pt(rest[0].start_point), _pt(rest[1].end_point)
                gate_reads = [GateRead(x.path, 0, x.read_line, x.read_col, x.key_expr, _flip(x.polarity), x.via, x.alias_line)
                              for x in gate_reads]
        alt_line = alt_end_line = alt_col = alt_end_col = None
        alt_loc = 0
        regions = [_Region(body_start, body_end, 0, "body")]
        if alts:
            a0, a1 = alts[0], alts[-1]
            (alt_line, alt_col), (alt_end_line, alt_end_col) = _pt(a0.start_point), _pt(a1.end_point)
            alt_loc = lines.loc(a0.start_byte, a1.end_byte)
            regions.append(_Region(a0.start_byte, a1.end_byte, 0, "alternative"))
        distinct = {(x.read_line, x.read_col, x.key_expr) for x in gate_reads}
        combinator = "" if len(distinct) < 2 else ("mixed" if len(ops) > 1 else (next(iter(ops)) if ops else "and"))
        gate = Gate(
            path=path, gate_no=0, kind=kind,
            line=gate_node.start_point[0] + 1, end_line=gate_node.end_point[0] + 1,
            body_line=body_line, body_col=body_col, body_end_line=body_end_line, body_end_col=body_end_col,
            gated_loc=lines.loc(body_start, body_end), gated_bytes=body_end - body_start,
            alt_line=alt_line, alt_col=alt_col, alt_end_line=alt_end_line, alt_end_col=alt_end_col, alt_loc=alt_loc,
            nesting=0, parent_gate=None, combinator=combinator, flag_count=len(distinct),
            condition=syntax.text(cond, 200), function=ancestry.enclosing_function(gate_node), origin=origin,
        )
        built.append((gate_node.start_byte, gate, gate_reads, regions))


WHOLE_TREE_FACTOR = 2
"""The gate patterns run at each ancestor of the reads (and of the uses of their aliases), once,
instead of around each read when the reads' depths add up to more than this many times the tree's
nodes: a ranged search reports every gate that encloses its range, so 10,000 nested `if`s cost
10,000² matches searched read by read. The gates are the same: a gate is kept only when its
condition holds a read or an alias use, so its node is an ancestor of one."""


def _gate_roots(ancestry: syntax.Ancestry, read_nodes, ranges: list[tuple[int, int]], types: frozenset[str] | None,
                budget: WorkBudget) -> list[tree_sitter.Node]:
    """The ancestors of the read nodes and of the nodes at `ranges` (the alias uses) whose type a
    gate pattern starts at (`types`; None: any), each once, in document order (outermost first).
    A path is walked up only to the first node already seen, so this is linear in the union of the
    paths, not in the sum of the depths."""
    seen: set[int] = set()
    found: list[tuple[int, int, int, tree_sitter.Node]] = []
    starts = list(read_nodes)
    for s, e in sorted(ranges):
        n = ancestry.descendant(s, e)
        if n is not None:
            starts.append(n)
    starts.sort(key=lambda n: (n.start_byte, -n.end_byte))
    for n in starts:
        path = ancestry.path(n)
        if path is None:
            continue
        for depth in range(len(path) - 1, -1, -1):
            node = path[depth]
            budget.spend()
            if node.id in seen:
                break
            seen.add(node.id)
            if types is None or node.type in types:
                found.append((node.start_byte, -node.end_byte, depth, node))
    found.sort(key=lambda f: f[:3])
    return [f[3] for f in found]


def _number(built: list, exceeded: BudgetExceeded | None) -> GateIndex:
    """Number the gates in document order, then nest them."""
    built.sort(key=lambda b: (b[0], -b[1].end_line))
    gates: list[Gate] = []
    greads: list[GateRead] = []
    regions: list[_Region] = []
    spans: list[tuple[int, int]] = []
    for no, (start, gate, grs, regs) in enumerate(built, 1):
        for r in regs:
            r.gate_no = no
        regions.extend(regs)
        spans.append((start, start + 1))
        gates.append(gate)
        # `getEnv(a) || getEnv(b)`: the alias's read is one read of the gate, however often it is called
        greads.extend(GateRead(x.path, no, x.read_line, x.read_col, x.key_expr, x.polarity, x.via, x.alias_line) for x in dict.fromkeys(grs))
    final = [_replace(gate, gate_no=no, nesting=nesting, parent_gate=parent)
             for no, (gate, (nesting, parent)) in enumerate(zip(gates, _nesting(regions, spans)), 1)]
    return GateIndex(final, greads, regions, exceeded)


def _nesting(regions: list[_Region], spans: list[tuple[int, int]]) -> list[tuple[int, int | None]]:
    """For the span of gate i+1 (its first byte): how many regions of other gates hold it, and the
    innermost one's gate_no, counting the stack of `_sweep` instead of listing it (which was
    quadratic in the nesting): only the top few regions can be the gate's own (they start where it
    starts)."""
    out: list[tuple[int, int | None]] = [(0, None)] * len(spans)
    for i, start, stack in _sweep(regions, spans):
        no, own, k = i + 1, 0, len(stack) - 1
        parent = None
        while k >= 0:
            r = stack[k]
            if r.gate_no == no:
                own += 1
            elif parent is None:
                parent = r.gate_no
            if r.start != start and parent is not None:
                break  # below: regions starting before the gate, never its own
            k -= 1
        out[i] = (len(stack) - own, parent)
    return out


MAX_ALIAS_USES = 10_000
"""Uses of alias variables a file's gates are looked for around (minified bundles reuse short names)."""


def _alias_uses(aliases: dict[str, list[_Alias]], data: bytes) -> list[tuple[int, int]]:
    """Byte ranges of the names of alias variables after their assignment and inside their scope
    (not as a property: `.name`, but `...name`), in order, at most `MAX_ALIAS_USES`. A small file is
    searched word by word (`identifier_hits`); in a large one each name is searched only over the
    stretches its aliases' scopes cover: a bundle's one-letter names occur hundreds of thousands of
    times outside them."""
    if not aliases:
        return []
    stretches = {name.encode(): coalesce(sorted((a.scope.start_byte if _is_function_alias(a.node) else a.node.end_byte, a.scope.end_byte)
                                                for a in group), 0)
                 for name, group in aliases.items()}

    def uses(hits) -> Iterator[tuple[int, int]]:
        for s, e, word in hits:
            if s and data[s - 1] == 0x2E and data[max(0, s - 3):s] != b"...":  # `.name` is a property; `...name` spreads the variable
                continue
            spans = stretches[word]
            k = bisect.bisect_right(spans, (s, len(data))) - 1
            if k >= 0 and s < spans[k][1]:
                yield s, e

    if len(aliases) * len(data) <= FIND_BUDGET_BYTES:
        found = uses(identifier_hits(aliases, data))
    else:
        found = heapq.merge(*(uses(word_hits(name, data, a, b)) for name, spans in stretches.items() for a, b in spans))
    return list(itertools.islice(found, MAX_ALIAS_USES))


_GATE_ATTRIBUTES = re.compile(r"^(feature|flag|flags|enabled|when|if|show|condition|gate|visible|on)$", re.I)


def _gates_element(node: tree_sitter.Node, opening: tree_sitter.Node, up: _Up) -> bool:
    """A read decides a JSX element when it is the element itself (`<IfFeatureEnabled feature="x">`)
    or the value of a gating attribute (`<Feature flag={isOn('x')}>`), not any attribute (`className`)."""
    if node.id == opening.id:
        return True
    cur = up(node)
    while cur is not None and cur.id != opening.id:
        if cur.type == "jsx_attribute":
            name = cur.named_children[0] if cur.named_children else None
            return name is not None and bool(_GATE_ATTRIBUTES.match(syntax.text(name)))
        cur = up(cur)
    return False


def _pt(point: tuple[int, int]) -> tuple[int, int]:
    return point[0] + 1, point[1]


def _replace(gate: Gate, **kw) -> Gate:
    from dataclasses import replace

    return replace(gate, **kw)


def _identifiers(node: tree_sitter.Node, up: _Up, budget: WorkBudget):
    """Identifier nodes under `node` (not property names), depth-first."""
    stack = [node]
    while stack:
        n = stack.pop()
        budget.spend()
        if n.type == "identifier":
            parent = up(n)
            # `x.enabled` mentions `enabled` as a property, not the variable
            if parent is not None and parent.type in ("member_expression", "attribute") and parent.child_by_field_name("object") is not None \
                    and parent.child_by_field_name("object").id != n.id:
                continue
            yield n
            continue
        stack.extend(reversed(n.named_children))


def _rest_of_block(stmt: tree_sitter.Node, up: _Up) -> tuple[tree_sitter.Node, tree_sitter.Node] | None:
    """First and last statement after `stmt` in its block (the span an early return gates)."""
    parent = up(stmt)
    if parent is None or parent.type not in _BLOCKS:
        return None
    after = []
    seen = False
    for c in parent.named_children:
        if seen and c.type != "comment":
            after.append(c)
        if c.id == stmt.id:
            seen = True
    if not after:
        return None
    return after[0], after[-1]
