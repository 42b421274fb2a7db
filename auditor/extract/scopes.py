"""Local bindings: is a key's leading name bound inside the function that reads the flag?

A key written as a bare name (`client.variation(key, ...)`) refers to a module-level constant,
enum or import only when no enclosing function, loop or comprehension binds that name first.
Bound locally to a single `const` string (`const key = 'x'`, or in Python one plain assignment of
a string in the function), the key resolves right here; bound any other way (a parameter, a loop
variable, a reassigned variable) it is opaque, and module-level symbols of the same name must not
be used.

The binding sites come from one tree-sitter query per grammar, run lazily over each enclosing
scope of such a read, innermost first, and only where the name occurs in the scope's bytes — so
files without name keys pay nothing, and a read in a large minified bundle pays for the places
its name is written.
"""

from __future__ import annotations

from functools import cache

import tree_sitter

from auditor.extract import syntax
from auditor.languages import grammar

_ECMA_COMMON = """
(variable_declarator name: (identifier) @def)
(shorthand_property_identifier_pattern) @def
(pair_pattern value: (identifier) @def)
(array_pattern (identifier) @def)
(rest_pattern (identifier) @def)
(assignment_pattern left: (identifier) @def)
(arrow_function parameter: (identifier) @def)
(catch_clause parameter: (identifier) @def)
(for_in_statement left: (identifier) @def)
"""

QUERIES: dict[str, str] = {
    "javascript": _ECMA_COMMON + "(formal_parameters (identifier) @def)\n",
    "typescript": _ECMA_COMMON + """
(required_parameter pattern: (identifier) @def)
(optional_parameter pattern: (identifier) @def)
""",
    "python": """
(parameters (identifier) @def)
(lambda_parameters (identifier) @def)
(default_parameter name: (identifier) @def)
(typed_parameter . (identifier) @def)
(typed_default_parameter name: (identifier) @def)
(list_splat_pattern (identifier) @def)
(dictionary_splat_pattern (identifier) @def)
(assignment left: (identifier) @def)
(assignment left: (pattern_list (identifier) @def))
(assignment left: (tuple_pattern (identifier) @def))
(augmented_assignment left: (identifier) @def)
(for_statement left: (identifier) @def)
(for_statement left: (pattern_list (identifier) @def))
(for_in_clause left: (identifier) @def)
(for_in_clause left: (pattern_list (identifier) @def))
(as_pattern_target (identifier) @def)
(named_expression name: (identifier) @def)
""",
}
QUERIES["tsx"] = QUERIES["typescript"]

_ECMA_SCOPES = frozenset({
    "function_declaration", "generator_function_declaration", "function_expression", "function",
    "generator_function", "arrow_function", "method_definition", "catch_clause", "for_in_statement",
    "for_statement",
})
_PY_SCOPES = frozenset({
    "function_definition", "lambda", "list_comprehension", "set_comprehension",
    "dictionary_comprehension", "generator_expression",
})


@cache
def _query(language: str) -> tree_sitter.Query | None:
    src = QUERIES.get(language)
    return tree_sitter.Query(grammar(language), src) if src else None


class Scopes:
    """Binding sites of one file, looked up scope by scope from a use outward (cached per scope and name)."""

    def __init__(self, root: tree_sitter.Node, language: str, data: bytes):
        """`data`: the bytes `root` was parsed from."""
        self.root = root
        self.language = language
        self.data = data
        self.scope_types = _PY_SCOPES if language == "python" else _ECMA_SCOPES
        self._sites: dict[tuple[int, bytes], list[tree_sitter.Node]] = {}

    def _scope(self, node: tree_sitter.Node) -> tree_sitter.Node | None:
        cur = node.parent
        while cur is not None:
            if cur.type in self.scope_types:
                return cur
            cur = cur.parent
        return None

    def _sites_in(self, scope: tree_sitter.Node, name: bytes) -> list[tree_sitter.Node]:
        """Binding sites of `name` under `scope` (nested scopes included), in document order. The
        query runs only where `name` occurs in the scope's bytes (a site's own text is the name):
        a walk of the whole scope costs its size, and a read in a minified bundle sits in
        functions that span most of it."""
        key = (scope.id, name)
        sites = self._sites.get(key)
        if sites is None:
            sites = []
            query = _query(self.language)
            if query is not None and name:
                cursor = tree_sitter.QueryCursor(query)
                seen: set[int] = set()
                pos = self.data.find(name, scope.start_byte, scope.end_byte)
                while pos >= 0:
                    cursor.set_byte_range(pos, pos + len(name))
                    for node in cursor.captures(scope).get("def", []):
                        if node.id not in seen and node.start_byte == pos and node.text == name:
                            seen.add(node.id)
                            sites.append(node)
                    pos = self.data.find(name, pos + 1, scope.end_byte)
            self._sites[key] = sites
        return sites

    def binding(self, name: str, use: tree_sitter.Node) -> tuple[bool, str | None]:
        """(bound locally, its string value if it is one constant string) for `name` used at `use`.

        `(False, None)` means: not bound in any enclosing function — look in module symbols.
        """
        key = name.encode("utf-8")
        cur = use.parent
        while cur is not None:
            if cur.type in self.scope_types:
                own = [s for s in self._sites_in(cur, key) if (sc := self._scope(s)) is not None and sc.id == cur.id]
                if own:
                    return True, (_const_string(own[0]) if len(own) == 1 else None)
            cur = cur.parent
        return False, None


def _const_string(site: tree_sitter.Node) -> str | None:
    """The string a binding site sets once and for all: `const x = 'v'` / Python `x = "v"`."""
    parent = site.parent
    if parent is None:
        return None
    if parent.type == "variable_declarator":
        decl = parent.parent
        if decl is None or decl.type != "lexical_declaration" or decl.child(0) is None or decl.child(0).type != "const":
            return None
        value = parent.child_by_field_name("value")
    elif parent.type == "assignment" and parent.child_by_field_name("left") == site:
        value = parent.child_by_field_name("right")
    else:
        return None
    return syntax.string_value(value) if value is not None else None
