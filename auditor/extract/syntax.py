"""Small, grammar-aware helpers over tree-sitter nodes shared by every extraction family.

Node type names are those of tree-sitter-javascript / -typescript (`string`, `template_string`,
`member_expression`) and tree-sitter-python (`string`, `attribute`, `argument_list`).
"""

from __future__ import annotations

import tree_sitter

from auditor.models import KeyExpr, Span
from auditor.strings import js_string_value, python_string_value

_WRAPPERS = {"parenthesized_expression", "as_expression", "satisfies_expression", "non_null_expression", "type_assertion"}


def text(node: tree_sitter.Node, limit: int | None = None) -> str:
    """Node source text decoded as UTF-8 (invalid bytes replaced), optionally cut to `limit` chars."""
    raw = node.text or b""
    if limit is not None and len(raw) > limit * 4:
        raw = raw[: limit * 4]
    s = raw.decode("utf-8", "replace")
    if limit is not None and len(s) > limit:
        s = s[: limit - 1] + "…"
    return s


def span(node: tree_sitter.Node) -> Span:
    """1-based lines and 0-based byte columns of `node`."""
    (sl, sc), (el, ec) = node.start_point, node.end_point
    return Span(sl + 1, sc, el + 1, ec)


def unwrap(node: tree_sitter.Node) -> tree_sitter.Node:
    """Strip parentheses and TypeScript assertions (`x as const`, `x!`, `x satisfies T`)."""
    while node.type in _WRAPPERS and node.named_child_count:
        node = node.named_children[0]
    return node


def string_value(node: tree_sitter.Node) -> str | None:
    """The value of a string literal without substitutions; None for anything else.

    JS/TS: `"x"`, `'x'`, `` `x` `` (template without `${}`). Python: `"x"`, `'x'`, raw strings,
    f-strings without interpolation; not byte strings; implicit concatenation of literals.
    """
    node = unwrap(node)
    t = node.type
    if t == "string":
        kids = node.children
        if kids and kids[0].type == "string_start":  # python
            return python_string_value(node, text)
        return js_string_value(node, text)
    if t == "template_string":
        if any(k.type == "template_substitution" for k in node.named_children):
            return None
        return js_string_value(node, text)
    if t == "concatenated_string":
        parts = [string_value(k) for k in node.named_children]
        return None if any(p is None for p in parts) else "".join(parts)  # type: ignore[arg-type]
    return None


def name_text(node: tree_sitter.Node) -> str:
    """A property or member name: identifiers as written, string keys unquoted."""
    if node.type == "string":
        v = string_value(node)
        return v if v is not None else text(node)
    return text(node)


_MEMBER_FIELD = {"member_expression": "property", "attribute": "attribute", "subscript_expression": "index"}
"""Node types of `object.member` (JS/TS, Python) and `object["member"]`, with the member's field."""


def _ref(node: tree_sitter.Node) -> tuple[str, ...] | None:
    node = unwrap(node)
    t = node.type
    if t in ("identifier", "this"):
        return (text(node),)
    field = _MEMBER_FIELD.get(t)
    if field is None:
        return None
    obj = _ref(node.child_by_field_name("object"))
    member = node.child_by_field_name(field)
    if obj is None or member is None:
        return None
    name = string_value(member) if t == "subscript_expression" else text(member)
    return None if name is None else (*obj, name)


def key_expr(node: tree_sitter.Node, as_name: bool = False) -> KeyExpr:
    """Describe a key node: a literal value, a reference to resolve, or opaque text.

    `as_name`: the node's own text is the key (`process.env.X`, destructured `{ fooBar }`).
    """
    src = text(node, 200)
    if as_name:
        return KeyExpr(src, value=name_text(node))
    value = string_value(node)
    if value is not None:
        return KeyExpr(src, value=value)
    ref = _ref(node)
    if ref is not None:
        # `Foo.value` on a Python Enum member is the member itself
        if len(ref) > 2 and ref[-1] == "value":
            ref = ref[:-1]
        return KeyExpr(src, ref=ref)
    return KeyExpr(src)


_KEY_LIKE = {"string", "template_string", "identifier", "member_expression", "subscript_expression", "attribute", "array", "list", "as_expression", "concatenated_string"}


def is_key_like(node: tree_sitter.Node) -> bool:
    """True when an argument could be a flag key (not an object, call, number or function)."""
    return node.type in _KEY_LIKE


def server_or_client_key_index(args: list[tree_sitter.Node]) -> int:
    """The `key_arg = "1|0"` rule for SDKs whose server flavour takes the user first (Statsig, Split).

    Argument 1 when it could be a key and is a literal (string, substitution-free template, list),
    or when argument 0 is not itself a string literal (`checkGate(user, GATE)`); otherwise
    argument 0 (`checkGate('gate')`, `checkGate('gate', options)`, `getTreatment('x', {…})`).
    """
    if len(args) < 2 or not is_key_like(args[1]):
        return 0
    second = unwrap(args[1])
    if second.type in ("array", "list") or string_value(second) is not None:
        return 1
    return 0 if string_value(args[0]) is not None else 1


def positional_args(args: tree_sitter.Node) -> list[tree_sitter.Node]:
    """Positional arguments of an `arguments` / `argument_list` node (comments and keyword args dropped)."""
    return [a for a in args.named_children if a.type not in ("comment", "keyword_argument", "dictionary_splat", "list_splat")]


def literal_pairs(node: tree_sitter.Node):
    """(key node, value node) for each entry of a JS object literal or a Python dict literal."""
    node = unwrap(node)
    for child in node.named_children:
        if child.type == "pair":
            yield child.child_by_field_name("key"), child.child_by_field_name("value")
        elif child.type == "shorthand_property_identifier":
            yield child, None


_FUNCTIONS = {
    "function_declaration", "generator_function_declaration", "function_expression", "arrow_function",
    "method_definition", "function_definition", "generator_function", "function",
}
_CLASSES = {"class_declaration", "class_definition", "class", "abstract_class_declaration"}


def _function_name(node: tree_sitter.Node, ancestors: list[tree_sitter.Node] | None = None) -> str:
    """The function's name, or the name it is assigned to; `ancestors`: its parent, grandparent, …
    when known (else found with `Node.parent`)."""
    name = node.child_by_field_name("name")
    if name is not None:
        return text(name)
    if ancestors is not None:
        up = iter(ancestors)
        parent = next(up, None)
        while parent is not None and parent.type in _WRAPPERS:
            parent = next(up, None)
    else:
        parent = node.parent
        while parent is not None and parent.type in _WRAPPERS:
            parent = parent.parent
    if parent is not None:
        if parent.type == "variable_declarator":
            n = parent.child_by_field_name("name")
            return text(n, 80) if n is not None else "<anonymous>"
        if parent.type == "pair":
            n = parent.child_by_field_name("key")
            return name_text(n) if n is not None else "<anonymous>"
        if parent.type in ("assignment_expression", "public_field_definition", "field_definition"):
            n = parent.child_by_field_name("left") or parent.child_by_field_name("name") or parent.child_by_field_name("property")
            return text(n, 80) if n is not None else "<anonymous>"
    return "<anonymous>"


class Ancestry:
    """Ancestors of the nodes of one tree, found in time linear in the tree's depth however many
    nodes ask, so that deep nesting (10,000 nested `if`s, `((((…))))`, `a+a+a…`) never makes
    extraction superlinear.

    tree-sitter keeps no parent pointers: `Node.parent` searches down from the root, so it costs
    the node's depth (0.4 µs a level), and walking up from a node of depth d costs d² — 76 s for
    1,000 nested `if`s, never ending for 10,000. This class keeps the path from the root to the
    last node asked for; asking for a node pops the path up to the deepest ancestor they share and
    descends to the node (`Node.child_with_descendant`, one step a level), so nodes asked for in
    document order cost the size of the union of their root paths in all, and walking up from a
    node on the path costs nothing. The path also carries the nearest enclosing function and class
    of each of its nodes, for `enclosing_function`.

    Raises nothing for a node of another tree: `path` returns None and callers fall back to the
    node's own parent walk."""

    __slots__ = ("_nodes", "_fns", "_classes", "_names", "_at", "budget", "known")

    def __init__(self, root: tree_sitter.Node, budget=None):
        """`budget`: an optional `budget.WorkBudget` charged one unit per step along the path."""
        self.budget = budget
        self._nodes: list[tree_sitter.Node] = [root]
        """The path from the root to the cursor's node."""
        self._at: dict[int, int] = {root.id: 0}
        """Node id → its index in the path."""
        self._fns: list[int] = [0 if root.type in _FUNCTIONS else -1]
        """Per path index: index of the nearest function at or above it (-1: none)."""
        self._classes: list[int] = [0 if root.type in _CLASSES else -1]
        """Per path index: index of the nearest class at or above it (-1: none)."""
        self._names: dict[int, str] = {}
        """Node id → `enclosing_function` already computed."""
        self.known: dict[tuple[tuple[int, int], tuple[int, int]], tree_sitter.Node] = {}
        """(start point, end point) → a node of that range met earlier (the flag reads'), for `at`."""

    def _up(self) -> None:
        if self.budget is not None:
            self.budget.spend()
        del self._at[self._nodes.pop().id]
        self._fns.pop()
        self._classes.pop()

    def _down(self, node: tree_sitter.Node) -> None:
        i = len(self._nodes)
        self._nodes.append(node)
        self._at[node.id] = i
        self._fns.append(i if node.type in _FUNCTIONS else self._fns[-1])
        self._classes.append(i if node.type in _CLASSES else self._classes[-1])
        if self.budget is not None:  # after the step: the path stays whole if it raises
            self.budget.spend()

    def _on_path(self, node: tree_sitter.Node) -> int | None:
        i = self._at.get(node.id)
        return i if i is not None and self._nodes[i].id == node.id else None

    def path(self, node: tree_sitter.Node) -> list[tree_sitter.Node] | None:
        """The nodes from the root down to `node` (both included; the list is the cursor's own:
        read it before the next call), or None when `node` is not in this tree or has no width."""
        nodes = self._nodes
        i = self._on_path(node)
        if i is not None:  # an ancestor of the cursor's node (or that node)
            while len(nodes) > i + 1:
                self._up()
            return nodes
        start, end, ident = node.start_byte, node.end_byte, node.id
        if start == end:
            return None  # a zero-width node (MISSING): callers walk up instead
        while len(nodes) > 1 and not (nodes[-1].start_byte <= start and end <= nodes[-1].end_byte):
            self._up()
        while True:
            child = nodes[-1].child_with_descendant(node)
            if child is None:
                return None  # not in this tree
            self._down(child)
            if child.id == ident:
                return nodes

    def at(self, start: tuple[int, int], end: tuple[int, int]) -> tree_sitter.Node | None:
        """`root.descendant_for_point_range(start, end)` (the deepest node holding the range) for a
        range in `known`, without searching down from the root (a cost of the depth for each)."""
        node = self.known.get((start, end))
        if node is None:
            return self._nodes[0].descendant_for_point_range(start, end)
        while True:  # deeper nodes of the same range
            child = next((c for c in node.children if c.start_point == node.start_point and c.end_point == node.end_point), None) \
                if node.child_count else None
            if child is None:
                return node
            node = child

    def descendant(self, start: int, end: int) -> tree_sitter.Node | None:
        """`root.descendant_for_byte_range(start, end)` for a range of non-zero width, found from the
        path (ranges asked for in document order cost the union of their paths)."""
        nodes = self._nodes
        while len(nodes) > 1 and not (nodes[-1].start_byte <= start and end <= nodes[-1].end_byte):
            self._up()
        if not (nodes[-1].start_byte <= start and end <= nodes[-1].end_byte) or start >= end:
            return self._nodes[0].descendant_for_byte_range(start, end)
        while True:
            child = nodes[-1].first_child_for_byte(start)
            if child is None or not (child.start_byte <= start and end <= child.end_byte):
                return nodes[-1]
            self._down(child)

    def parent(self, node: tree_sitter.Node) -> tree_sitter.Node | None:
        """`node.parent`, from the path: O(1) for a node on it (walking up from the last node asked
        for moves nothing), and for the next node in document order a few cursor moves."""
        i = self._on_path(node)
        if i is None:
            if self.path(node) is None:
                return node.parent
            i = len(self._nodes) - 1
        return self._nodes[i - 1] if i > 0 else None

    def enclosing_function(self, node: tree_sitter.Node) -> str:
        """`enclosing_function(node)` (same result), from the path."""
        name = self._names.get(node.id)
        if name is not None:
            return name
        path = self.path(node)
        if path is None:
            return enclosing_function(node)
        below = len(path) - 2  # the node's parent
        fn = self._fns[below] if below >= 0 else -1
        if fn < 0:
            name = "<module>"
        else:
            cls = self._classes[fn - 1] if fn > 0 else -1
            fname = _function_name(path[fn], path[fn - 1::-1] if fn > 0 else [])
            if cls >= 0:
                cname = path[cls].child_by_field_name("name")
                name = f"{text(cname) if cname is not None else '<class>'}.{fname}"
            else:
                name = fname
        self._names[node.id] = name
        return name


def enclosing_function(node: tree_sitter.Node) -> str:
    """Name of the nearest enclosing function, prefixed with its class (`Class.method`), or `<module>`."""
    cur = node.parent
    fn = None
    while cur is not None:
        if fn is None and cur.type in _FUNCTIONS:
            fn = cur
        elif fn is not None and cur.type in _CLASSES:
            cname = cur.child_by_field_name("name")
            return f"{text(cname) if cname is not None else '<class>'}.{_function_name(fn)}"
        cur = cur.parent
    return _function_name(fn) if fn is not None else "<module>"


def snippet(data: bytes, node: tree_sitter.Node, width: int = 200) -> str:
    """The node's first line of code, stripped; on long (minified) lines, a window around the node."""
    start = node.start_byte
    # Only bytes near the node are looked at (the start point's column is the offset in its line):
    # searching a whole line per read was quadratic on a one-line 50 MB bundle.
    line_start = start - node.start_point[1]
    lo = max(line_start, start - 60)
    near = lo + width + 1  # a newline past this is not needed to know where the window ends
    line_end = data.find(b"\n", start, near)
    if line_end < 0:
        line_end = min(len(data), near)  # the line is at least this long
    if line_end - line_start > width:
        hi = min(line_end, lo + width)
        piece = data[lo:hi].decode("utf-8", "replace")
        return ("…" if lo > line_start else "") + piece.strip() + ("…" if hi < line_end else "")
    return data[line_start:line_end].decode("utf-8", "replace").strip()


def first_error(root: tree_sitter.Node) -> tree_sitter.Node | None:
    """The first ERROR or MISSING node in document order, descending only into subtrees with errors."""
    node = root
    while True:
        if node.is_error or node.is_missing:
            return node
        nxt = None
        for child in node.children:
            if child.is_error or child.is_missing or child.has_error:
                nxt = child
                break
        if nxt is None:
            return node if node is not root else None
        node = nxt
