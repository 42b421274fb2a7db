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


def _ref(node: tree_sitter.Node) -> tuple[str, ...] | None:
    node = unwrap(node)
    t = node.type
    if t in ("identifier", "this"):
        return (text(node),)
    if t == "member_expression":
        obj = _ref(node.child_by_field_name("object"))
        prop = node.child_by_field_name("property")
        if obj is None or prop is None:
            return None
        return (*obj, text(prop))
    if t == "attribute":
        obj = _ref(node.child_by_field_name("object"))
        attr = node.child_by_field_name("attribute")
        if obj is None or attr is None:
            return None
        return (*obj, text(attr))
    if t == "subscript_expression":
        obj = _ref(node.child_by_field_name("object"))
        idx = node.child_by_field_name("index")
        val = string_value(idx) if idx is not None else None
        if obj is None or val is None:
            return None
        return (*obj, val)
    return None


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


def _function_name(node: tree_sitter.Node) -> str:
    name = node.child_by_field_name("name")
    if name is not None:
        return text(name)
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
    line_start = data.rfind(b"\n", 0, start) + 1
    line_end = data.find(b"\n", start)
    if line_end < 0:
        line_end = len(data)
    if line_end - line_start > width:
        lo = max(line_start, start - 60)
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
