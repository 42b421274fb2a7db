"""Inference of in-house flag APIs: the functions and methods a codebase reads its flags through.

Two halves, on either side of the process boundary:

* `collect` (per file, in the extraction worker, with the file's tree): one RE2 pass finds every
  identifier holding a flag word (`flag`, `feature`, `gate`, `toggle`, `experiment`, `enabled`,
  `variant`, `rollout`) followed by `(`, `<T>(`, `= (` or `: function(` — call sites, definitions —
  and `featureToggles.x`-style property reads. Each hit is checked on the tree (a hit inside a
  string or comment is dropped) and becomes a `Site` (a call or property read, with its key
  argument, default, and whether its value is used as a condition) or an `ApiDef` (a definition:
  its key parameter, exported or not, whether the module imports a flag SDK or names flags in its
  path, and where the parameter flows: a flag read, an env lookup, a map subscript or `in` test,
  or another call). They go to `FileResult.extra` under `infer_sites` / `infer_defs` (not tables).
* `infer` (after extraction, across files): groups sites by API (`name`, or `receiver.name` for
  a method), scores each API from its evidence (`score`), and for those at or above `THRESHOLD`
  turns their sites into flag reads with confidence `inferred` and provider
  `inferred:<module>.<function>`.

Evidence and points (`score`):

=============  ======  ===========================================================================
evidence       points  meaning
=============  ======  ===========================================================================
forwarding     3       a definition passes its key parameter to a flag read (SDK, configured, env),
                       a map subscript or `in` test, or a callee that is itself a flag API
definition     1–2     defined with a first parameter named like a key (`flag`, `feature`, `gate`,
                       `key`, `name`, `toggle`): +1; in a module importing a flag SDK or whose path
                       names flags (`flags`, `features`, `experiments`, `growthbook`, …): +1
receiver       2       a method whose receiver names flags (`features.has`, `flagResolver.isEnabled`)
name           0.5–1   the function's own name holds a flag word (`enabled` alone: 0.5)
use            0–3     at least 2 sites with literal or constant keys: +1; their keys share a
                       convention (prefix, `scope:name`, SCREAMING_SNAKE, …): +1; at least half of
                       the sites are conditions or pass a boolean/number default: +1
=============  ======  ===========================================================================

A bare collection method (`has`, `includes`, `get`, …) is an API only with a receiver naming flags,
a function named for recording an event (`trackCliFlag`, `logExposure`) never is, and a name match
alone never reaches the threshold. Nothing here executes scanned code.
"""

from __future__ import annotations

import fnmatch
import functools
import posixpath
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import ClassVar

import tree_sitter

from auditor.extract import syntax
from auditor.models import Confidence, FileResult, FlagRead, KeyExpr, Span

THRESHOLD = 4.0
"""Score at or above which an API's sites become reads (see the module docstring's table)."""
MIN_SITES = 2
"""An API needs this many call sites with a literal or constant key."""
_FLAG_WORDS = r"flag|feature|gate|toggles|experiment|enabled|variant|variation|rollout|dynamic_?config"
_HIT = rb"(?i:" + _FLAG_WORDS.encode() + rb")[\w$]*(?:\??\.[A-Za-z_$][\w$]*)?[ \t]*[(<=:]"
"""RE2 pass: an identifier holding a flag word (optionally with one `.member`) before `(`, `<`, `=`
or `:`. No counted repetition here: it would multiply the DFA's states (4× slower over a bundle)."""
_HIT_TAIL = re.compile(rb"[ \t]*(?:<[^<>()\n]{0,80}>)?\s*(?:[=:][ \t]*(?:async[ \t]+)?(?:function[ \t]*\*?[ \t]*)?)?\(")
"""Checked at the end of each RE2 hit's identifier: a call `(`, generic call `<T>(`, or a function
assigned `= (`, `= async (`, `: function(`."""
_PROP = rb"(?i:feature_?toggles|feature_?flags)\??\.[A-Za-z_$][\w$]*"
_SUBSCRIPT = rb"(?i:flags|features|toggles)\??\.?\["
"""`experiments.flags[ExperimentFlags.X]`, `featureFlags['x']`: a subscript of a flag collection."""
_STRONG = re.compile(r"(?i)flag|feature|gate|toggles|experiment|variant|variation|rollout|dynamic_?config")
_RECEIVER_WORDS = re.compile(r"(?i)flag|feature|toggle|gate|experiment")
_KEY_PARAM = re.compile(r"(?i)^_?(?:flag|feature|gate|key|name|toggle|experiment)|(?:flag|feature|gate|key|name|toggle)(?:_?name|_?key|_?id)?$")
_FLAG_PATH = re.compile(r"(?i)(?:^|[/_.-])(?:flags?|features?|feature_?flags?|experiments?|growthbook|statsig|launchdarkly|toggles?|unleash|flagsmith|posthog|split|openfeature|configcat)(?:[/_.-]|$)")
BARE_COLLECTION = frozenset({"has", "includes", "get", "set", "add", "delete", "contains", "indexOf", "find", "some", "every", "push", "remove", "pop", "at", "is", "check"})
"""Method names that mean a collection operation unless the receiver names flags."""
BUILTIN_METHODS = frozenset({
    "startsWith", "endsWith", "indexOf", "lastIndexOf", "join", "split", "slice", "splice", "replace", "replaceAll",
    "concat", "match", "matchAll", "test", "exec", "toString", "trim", "padStart", "padEnd", "map", "filter", "forEach",
    "reduce", "sort", "push", "unshift", "shift", "pop", "fill", "flat", "flatMap", "findIndex", "keys", "values",
    "entries", "toLowerCase", "toUpperCase", "charAt", "substring", "substr", "localeCompare", "search", "append",
    "extend", "format", "startswith", "endswith", "lower", "upper", "strip", "count", "update", "setdefault", "write",
    "log", "debug", "info", "warn", "error", "emit", "on", "once", "off", "addEventListener", "removeEventListener",
})
"""Methods of built-in strings, arrays, dicts, loggers and emitters: never a flag API, whatever the receiver."""
_COLLECTIVE = re.compile(r"(?i)features|feature_?flags|flag_?resolver|flag_?manager|flag_?service|flag_?client|toggles|experiments|gates")
"""Receivers naming a flag collection or service (bare `flags` is also regex / CLI flags: 1 point)."""
_RECORDING = re.compile(r"(?:track|log|report|record|emit|send|capture|trace|notify)(?:[A-Z_]|$)")
"""Names of functions that record an event (`trackCliFlag("yes")`, `logExposure(key)`,
`report_feature_use(name)`): telemetry about a flag or a CLI option, never a read of one."""
MIN_KEY_LEN = 3
_THIS = frozenset({"this", "self", "cls"})
_CONDITION_PARENTS = frozenset({
    "if_statement", "while_statement", "do_statement", "ternary_expression", "conditional_expression", "unary_expression",
    "not_operator", "boolean_operator", "elif_clause", "assert_statement", "jsx_expression", "comparison_operator",
})
_PASS_THROUGH = frozenset({"await_expression", "await", "parenthesized_expression", "non_null_expression", "as_expression"})
_RE_CACHE: dict[str, object] = {}


@dataclass(frozen=True, slots=True)
class Site:
    """A call (or property read) of a possible flag API, with the facts inference needs."""

    path: str
    name: str
    """Function or method name (`isEnabled`), or the member read (`featureToggles.<name>`)."""
    receiver: str
    """Receiver chain as written, `?.` normalized to `.` (`this.flagResolver`); '' for a bare call."""
    key: KeyExpr
    default: str | None
    condition: bool
    """The value is used as a condition (`if`, `&&`, `!`, ternary, comparison) or has a boolean/number default."""
    span: Span
    function: str
    snippet: str
    origin: str = ""
    kind: str = "call"
    """`call`, or `property` for `featureToggles.x` (the member name is the key)."""
    discarded: bool = False
    """The call is a statement of its own (its value unused): a registration, not a read."""


@dataclass(frozen=True, slots=True)
class ApiDef:
    """A definition of a function or method that may be a flag API."""

    path: str
    name: str
    param: str
    """First parameter (after `self`/`cls`), '' when there is none."""
    exported: bool
    flag_module: bool
    """The module imports a flag SDK or its path names flags."""
    forwards: tuple[str, ...]
    """How `param` flows on: `read:<provider>` (a flag read in the body), `env`, `map` (subscript
    or `in` test), `call:<name>` (passed first to another call)."""
    line: int
    origin: str = ""


@dataclass(slots=True)
class InferredApi:
    """One API found by inference, with its score and evidence."""

    api: str
    """`name` or `receiver.name` (the receiver's last segment)."""
    provider: str
    """`inferred:<module>.<function>`."""
    score: float
    evidence: list[str]
    sites: list[Site] = field(default_factory=list)
    definition: ApiDef | None = None

    @property
    def promoted(self) -> bool:
        return self.score >= THRESHOLD


def _rx(name: str, pattern: bytes):
    """Compiled once per process: RE2 (linear, one DFA pass) where available, else Python's re."""
    compiled = _RE_CACHE.get(name)
    if compiled is None:
        from auditor.queries import _re2, re2_bytes

        compiled = re2_bytes(pattern) if _re2 is not None else re.compile(pattern)
        _RE_CACHE[name] = compiled
    return compiled


def _spans(compiled, data: bytes):
    if isinstance(compiled, re.Pattern):
        for m in compiled.finditer(data):
            yield m.start(), m.end()
    else:
        from auditor.queries import re2_spans

        yield from re2_spans(compiled, data)


_IDENT_BYTES = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_$")


def _word_start(data: bytes, s: int) -> int:
    while s > 0 and data[s - 1] in _IDENT_BYTES:
        s -= 1
    return s


def collect(root: tree_sitter.Node, data: bytes, path: str, language: str, result: FileResult,
            sdk_packages: list[str], origin: str = "") -> None:
    """Sites and definitions of possible flag APIs in one parsed file, into `result.extra`
    (`infer_sites`, `infer_defs`). `sdk_packages`: package patterns of the flag SDK packs."""
    sites: list[Site] = []
    defs: list[ApiDef] = []
    seen: set[int] = set()
    py = language == "python"
    for s, e in _spans(_rx("hit", _HIT), data):
        if _HIT_TAIL.match(data, e - 1) is None:
            continue
        start = _word_start(data, s)
        node = root.descendant_for_byte_range(start, start + 1)
        if node is None or node.type not in ("identifier", "property_identifier") or node.start_byte in seen:
            continue
        seen.add(node.start_byte)
        parent = node.parent
        if parent is None:
            continue
        cur = node  # `a.featureFlags.get(`, `organization.features.includes(`: up to the callee
        for _ in range(3):
            up = cur.parent
            if up is None or up.type not in ("member_expression", "attribute"):
                break
            cur = up
        call = cur.parent
        if cur is not node and call is not None and call.type in ("call_expression", "call") \
                and call.child_by_field_name("function") == cur:
            site = _call_site(call, data, path, origin)
            if site is not None:
                sites.append(site)
            continue
        if parent.type == "await_expression" and parent.parent is not None and parent.parent.type == "call_expression":
            parent = parent.parent  # TypeScript parses `await fn<T>('k')` as a call of `await fn`
            node = parent.child_by_field_name("function")
        if parent.type in ("call_expression", "call") and parent.child_by_field_name("function") == node:
            site = _call_site(parent, data, path, origin)
            if site is not None:
                sites.append(site)
            continue
        d = _definition(node, parent, data, path, result, sdk_packages, py, origin)
        if d is not None:
            defs.append(d)
    for s, e in _spans(_rx("prop", _PROP), data):
        node = root.descendant_for_byte_range(e - 1, e)
        if node is None or node.type != "property_identifier":
            continue
        member = node.parent
        if member is None or member.type != "member_expression" or member.start_byte in seen:
            continue
        seen.add(member.start_byte)
        up = member.parent
        if up is not None and ((up.type == "call_expression" and up.child_by_field_name("function") == member)
                               or (up.type == "assignment_expression" and up.child_by_field_name("left") == member)
                               or up.type == "member_expression" and syntax.text(up.child_by_field_name("property") or member) in ("length",)):
            continue
        obj = member.child_by_field_name("object")
        name = syntax.text(node)
        sites.append(Site(path, name, syntax.text(obj, 120).replace("?.", ".").rstrip("?") if obj is not None else "",
                          KeyExpr(name, value=name), None, _is_condition(member), syntax.span(member),
                          syntax.enclosing_function(member), syntax.snippet(data, member), origin, "property"))
    for s, e in _spans(_rx("subscript", _SUBSCRIPT), data):
        node = root.descendant_for_byte_range(e - 1, e)
        sub = node.parent if node is not None else None
        if sub is None or sub.type not in ("subscript_expression", "subscript") or sub.start_byte in seen:
            continue
        seen.add(sub.start_byte)
        obj = sub.child_by_field_name("object") or sub.child_by_field_name("value")
        index = sub.child_by_field_name("index") or sub.child_by_field_name("subscript")
        up = sub.parent
        if obj is None or index is None or (up is not None and up.type in ("assignment_expression", "assignment")
                                            and (up.child_by_field_name("left") == sub)):
            continue
        key = syntax.key_expr(index)
        if key.value is None and len(key.ref) < 2:
            continue  # `flags[name]`: a variable, not a key
        sites.append(Site(path, "[]", syntax.text(obj, 120).replace("?.", ".").rstrip("?"), key, None, _is_condition(sub),
                          syntax.span(sub), syntax.enclosing_function(sub), syntax.snippet(data, sub), origin, "subscript"))
    result.extra.pop("_flag_module", None)
    if sites:
        result.extra.setdefault("infer_sites", []).extend(sites)
    if defs:
        result.extra.setdefault("infer_defs", []).extend(defs)


def _call_site(call: tree_sitter.Node, data: bytes, path: str, origin: str) -> Site | None:
    fn = call.child_by_field_name("function")
    args = call.child_by_field_name("arguments")
    if fn is None or args is None:
        return None
    if fn.type == "await_expression" and fn.named_child_count:  # `await fn<T>('k')` (see `collect`)
        fn = fn.named_children[0]
    if fn.type in ("member_expression", "attribute"):
        obj = fn.child_by_field_name("object")
        prop = fn.child_by_field_name("property") or fn.child_by_field_name("attribute")
        if obj is None or prop is None:
            return None
        name, receiver = syntax.text(prop), syntax.text(obj, 120).replace("?.", ".").rstrip("?")
    elif fn.type == "identifier":
        name, receiver = syntax.text(fn), ""
    else:
        return None
    positional = syntax.positional_args(args)
    if not positional or positional[0].type not in ("string", "template_string", "identifier", "member_expression", "attribute", "concatenated_string"):
        return None
    key = syntax.key_expr(positional[0])
    if key.value is None and not key.ref:
        return None
    default = syntax.text(positional[1], 120) if len(positional) > 1 else None
    cond = _is_condition(call) or (default is not None and re.fullmatch(r"true|false|True|False|-?\d+(\.\d+)?", default) is not None)
    _, up = _climb(call)
    discarded = up is not None and up.type == "expression_statement"
    return Site(path, name, receiver, key, default, cond, syntax.span(call), syntax.enclosing_function(call),
                syntax.snippet(data, call), origin, discarded=discarded)


def _climb(node: tree_sitter.Node, limit: int | None = None) -> tuple[tree_sitter.Node, tree_sitter.Node | None]:
    """(outer, parent): `outer` is `node` or its outermost ancestor reached through `_PASS_THROUGH`
    wrappers (`await`, parentheses, `!`, `as`), `parent` the ancestor holding it; parent None at
    the root, or when `limit` parents were all wrappers."""
    cur = node
    steps = 0
    while limit is None or steps < limit:
        parent = cur.parent
        if parent is None or parent.type not in _PASS_THROUGH:
            return cur, parent
        cur = parent
        steps += 1
    return cur, None


MAX_LOGIC_CHAIN = 64
"""Operands of `&&`/`||` climbed through at most (a minified bundle chains hundreds)."""


def _is_condition(node: tree_sitter.Node) -> bool:
    """Whether the value of `node` (a call or property read) decides something: the test of an
    `if`/`while`/ternary, an operand of `!`, a comparison, or the left operand of `&&`, `||`, `??`
    (`and`, `or`). A right operand decides only when its whole expression does (`if (a && f())`):
    in `flag && track("x")` the call runs because of `flag`, and its value is dropped."""
    cur = node
    for _ in range(MAX_LOGIC_CHAIN):
        cur, parent = _climb(cur, 4)
        if parent is None:
            return False
        t = parent.type
        if t == "binary_expression":
            op = parent.child_by_field_name("operator")
            op_text = syntax.text(op) if op is not None else ""
            if op_text in ("===", "!==", "==", "!="):
                return True
            if op_text not in ("&&", "||", "??"):
                return False
        elif t != "boolean_operator":
            if t in _CONDITION_PARENTS:
                return t != "ternary_expression" or parent.child_by_field_name("condition") == cur
            return False
        if parent.child_by_field_name("left") == cur:
            return True
        cur = parent  # a right operand: decided by what holds the whole expression
    return False


BODY_BYTES = 4096
"""Bytes of a definition's body searched for where its key parameter flows (flag helpers are short)."""
_ENV_USE = re.compile(r"(?:process\.env|os\.environ|environ)\s*(?:\[\s*([\w$]+)\s*\]|\.get\(\s*([\w$]+))|getenv\(\s*([\w$]+)")
_MAP_USE = re.compile(r"([\w$.]+)\??\.?\[\s*([\w$]+)\s*\]|(?<![\w$])([\w$]+)\s+in\s+([\w$.]+)|([\w$.]+)\.(?:get|has)\(\s*([\w$]+)\s*[,)]")
"""`container[param]`, `param in container`, `container.get(param)`: (container, param) in groups (1, 2), (4, 3), (5, 6)."""
_CALL_USE = re.compile(r"([A-Za-z_$][\w$]*)\s*(?:<[^<>()]*>)?\(\s*([\w$]+)\s*[,)]")
_FN_TYPES = frozenset({"function_declaration", "function_definition", "method_definition", "generator_function_declaration"})
_FN_VALUES = frozenset({"arrow_function", "function_expression", "function"})


def _definition(node, parent, data: bytes, path: str, result: FileResult, sdk_packages: list[str], py: bool, origin: str) -> ApiDef | None:
    fn = None
    if parent.type in _FN_TYPES and parent.child_by_field_name("name") == node:
        fn = parent
    elif parent.type in ("variable_declarator", "pair", "assignment_expression", "public_field_definition"):
        value = parent.child_by_field_name("value") or parent.child_by_field_name("right")
        if value is not None and value.type in _FN_VALUES:
            fn = value
    if fn is None:
        return None
    params = fn.child_by_field_name("parameters") or fn.child_by_field_name("parameter")
    param = ""
    if params is not None:
        names = [_param_name(p) for p in ([params] if params.type == "identifier" else params.named_children)]
        names = [n for n in names if n and n not in _THIS]
        param = names[0] if names else ""
    body = fn.child_by_field_name("body")
    forwards: list[str] = []
    if param and body is not None:
        lo, hi = body.start_byte, body.end_byte
        line_lo, line_hi = body.start_point[0] + 1, body.end_point[0] + 1
        for r in result.reads:
            if line_lo <= r.span.line <= line_hi and r.key.text == param and r.confidence is not Confidence.LOW:
                forwards.append(f"read:{r.provider}")
        text = data[lo:min(hi, lo + BODY_BYTES)].decode("utf-8", "replace")
        if param in text:
            if any(param in m.groups() for m in _ENV_USE.finditer(text)):
                forwards.append("env")
            else:
                for m in _MAP_USE.finditer(text):
                    g = m.groups()
                    for container, p in ((g[0], g[1]), (g[3], g[2]), (g[4], g[5])):
                        if p == param and container:
                            forwards.append("map:flags" if _RECEIVER_WORDS.search(container) else "map")
                            break
            forwards.extend(f"call:{m.group(1)}" for m in _CALL_USE.finditer(text) if m.group(2) == param)
    exported = _exported(fn if fn.type in _FN_TYPES else parent, py, syntax.text(node))
    return ApiDef(path, syntax.text(node), param, exported, _flag_module(path, result, sdk_packages), tuple(dict.fromkeys(forwards)),
                  node.start_point[0] + 1, origin)


def _param_name(p) -> str:
    if p.type == "identifier":
        return syntax.text(p)
    for field_name in ("pattern", "name", "left"):
        n = p.child_by_field_name(field_name)
        if n is not None and n.type == "identifier":
            return syntax.text(n)
    if p.type in ("typed_parameter", "typed_default_parameter", "default_parameter"):
        first = p.named_children[0] if p.named_children else None
        if first is not None and first.type == "identifier":
            return syntax.text(first)
    return ""


def _exported(node, py: bool, name: str) -> bool:
    if py:
        return not name.startswith("_")
    cur = node
    for _ in range(4):
        if cur is None:
            return False
        if cur.type == "export_statement" or cur.type in ("method_definition", "public_field_definition"):
            return True
        if cur.type == "assignment_expression":
            left = cur.child_by_field_name("left")
            return left is not None and syntax.text(left, 80).startswith(("exports.", "module.exports"))
        cur = cur.parent
    return False


def _flag_module(path: str, result: FileResult, sdk_packages: list[str]) -> bool:
    """Does the file's path name flags, or does it import a flag SDK? (once per file)"""
    cached = result.extra.get("_flag_module")
    if cached is None:
        rx = _package_regex(tuple(sdk_packages))
        cached = [bool(_FLAG_PATH.search(path)) or any(rx.match(imp.module) for imp in result.imports)]
        result.extra["_flag_module"] = cached
    return cached[0]


@functools.cache
def _package_regex(patterns: tuple[str, ...]) -> re.Pattern[str]:
    """One expression for package globs: `pkg`, `pkg/sub`, `pkg.sub` (as `engine._package_matches`)."""
    if not patterns:
        return re.compile(r"(?!)")
    alts = "|".join(fnmatch.translate(p)[4:-3] for p in patterns)  # `(?s:…)\Z` → `…`
    return re.compile(rf"(?s:(?:{alts})(?:[/.].*)?)\Z")


# -- across files ---------------------------------------------------------------------------------

_CONVENTIONS = (
    ("scope:name", re.compile(r"^[\w.-]+:[\w:.-]+$")),
    ("SCREAMING_SNAKE", re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$|^[A-Z]{3,}[0-9]*$")),
    ("snake_case", re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")),
    ("kebab-case", re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")),
    ("camelCase", re.compile(r"^[a-z][a-z0-9]*(?:[A-Z][a-z0-9]*)*$")),
    ("dotted", re.compile(r"^[\w-]+(?:\.[\w-]+)+$")),
)


def convention(keys: list[str]) -> tuple[str, float]:
    """The key convention most of `keys` follow, and the share following it (a common prefix of
    at least 3 characters counts as a convention of its own)."""
    if not keys:
        return "", 0.0
    best = ("", 0.0)
    for label, rx in _CONVENTIONS:
        share = sum(1 for k in keys if rx.match(k)) / len(keys)
        if share > best[1]:
            best = (label, share)
    prefix = posixpath.commonprefix(keys)
    if len(keys) > 1 and len(prefix) >= 3 and best[1] < 1.0:
        best = (f"prefix {prefix!r}", 1.0)
    return best


def _identity(site: Site) -> str:
    if site.kind == "property":
        return f"{_last(site.receiver)}.*"
    if site.kind == "subscript":
        return f"{_tail2(site.receiver)}[]"
    if not site.receiver:
        return site.name
    last = _last(site.receiver)
    return f"{last}.{site.name}" if last not in _THIS else site.name


def _tail2(receiver: str) -> str:
    """The last two segments of a receiver (`experiments.flags`), `this` dropped."""
    parts = [p for p in receiver.split(".") if p and p not in _THIS][-2:]
    return ".".join(parts) if all(re.fullmatch(r"[\w$]+", p) for p in parts) and parts else "<expr>"


def _last(receiver: str) -> str:
    tail = receiver.rsplit(".", 1)[-1]
    return tail if re.fullmatch(r"[\w$]+", tail) else "<expr>"


def infer(results: list[FileResult], lookup, known_methods: set[str], taken: set[tuple[str, int, int]],
          plausible) -> tuple[list[InferredApi], list[tuple[FlagRead, str | None, object]]]:
    """Score every possible API of a scan and return (every API considered, sorted best first;
    the reads of the promoted ones as (FlagRead, resolved key or None, definition symbol or None)).

    `lookup(path, ref)`: a Symbol or None (cross-file constant resolution). `known_methods`: method
    names of configured wrappers and SDK reads (a callee forwarding to one is forwarding).
    `taken`: (path, line, col) of reads already found by packs or config (not reported twice).
    `plausible(key)`: could the resolved key be a flag key."""
    by_api: dict[str, list[Site]] = defaultdict(list)
    defs: dict[str, list[ApiDef]] = defaultdict(list)
    for r in results:
        for s in r.extra.get("infer_sites", ()):
            if (s.path, s.span.line, s.span.col) not in taken:  # an SDK or configured read is no evidence of an in-house API
                by_api[_identity(s)].append(s)
        for d in r.extra.get("infer_defs", ()):
            defs[d.name].append(d)
    # forwarding through other APIs: the known reads first, then inferred ones, to a fixed point
    forwarding_names = set(known_methods)
    apis: dict[str, InferredApi] = {}
    for _round in range(3):
        changed = False
        for api, sites in by_api.items():
            inferred = _score(api, sites, defs, forwarding_names, lookup)
            apis[api] = inferred
            if inferred.promoted:
                name = api.rsplit(".", 1)[-1]
                if name not in forwarding_names:
                    forwarding_names.add(name)
                    changed = True
        if not changed:
            break
    reads: list[tuple[FlagRead, str | None, object]] = []
    for api in sorted(apis.values(), key=lambda a: (-a.score, a.api)):
        if not api.promoted:
            continue
        for s in api.sites:
            key, sym = _resolve_key(s, lookup)
            if key is None or len(key) < MIN_KEY_LEN or not plausible(key):
                continue
            method = s.name if s.kind == "call" else (
                f"{_tail2(s.receiver)}[<key>]" if s.kind == "subscript" else f"{_last(s.receiver)}.<key>")
            reads.append((FlagRead(s.path, api.provider, method, s.key, s.span, s.function, s.default, s.snippet,
                                   Confidence.INFERRED, s.origin, pack="infer"), key, sym))
    return sorted(apis.values(), key=lambda a: (-a.score, a.api)), reads


def _resolve_key(s: Site, lookup):
    if s.key.value is not None:
        return s.key.value, None
    if s.key.ref and s.key.ref[0] not in _THIS:
        sym = lookup(s.path, s.key.ref)
        if sym is not None:
            return sym.value, sym
        if s.kind == "subscript" and len(s.key.ref) >= 2 and s.key.ref[-2][:1].isupper():
            return s.key.ref[-1], None  # `flags[ExperimentFlags.X]` with a non-string X: the member name is the key
    return None, None


def _score(api: str, sites: list[Site], defs: dict[str, list[ApiDef]], forwarding_names: set[str], lookup) -> InferredApi:
    subscript = api.endswith("[]")
    if subscript:
        name, receiver = "[]", api[:-2]
    else:
        name = api.rsplit(".", 1)[-1]
        receiver = api.rsplit(".", 1)[0] if "." in api else ""
    evidence: list[str] = []
    score = 0.0
    prop = name in ("*", "[]")
    strong_receiver = bool(receiver) and bool(_RECEIVER_WORDS.search(receiver))
    if receiver and not strong_receiver and (name in BARE_COLLECTION or not receiver):
        return InferredApi(api, "", 0.0, ["collection method without a flag receiver"], sites)
    if not receiver and name in BARE_COLLECTION:
        return InferredApi(api, "", 0.0, ["bare collection method"], sites)
    if receiver and name in BUILTIN_METHODS:
        return InferredApi(api, "", 0.0, ["a String/Array/Object method"], sites)
    if _RECORDING.match(name):
        return InferredApi(api, "", 0.0, [f"records an event (`{name}`): it reports a flag or option, it does not read one"], sites)
    best_def = None
    candidates = defs.get(name, []) if not prop else []
    if receiver:  # a method: only a definition whose path names the receiver (`features.has` → features/manager.py)
        stem = receiver.lower().removesuffix("s")
        candidates = [d for d in candidates if stem and stem in d.path.lower().replace("_", "").replace("-", "")]
    for d in candidates:
        if best_def is None or _def_points(d, forwarding_names - {name}) > _def_points(best_def, forwarding_names - {name}):
            best_def = d
    sdk_forwarding = False
    strong = False  # evidence beyond name and use: forwarding, a flag module, a flag receiver, a key convention
    if best_def is not None:
        fw = [f for f in best_def.forwards if _forwarding_points(f, forwarding_names - {name})]
        if fw:
            points = max(_forwarding_points(f, forwarding_names - {name}) for f in fw)
            sdk_forwarding = any(f.startswith(("read:", "call:")) for f in fw)
            score += points
            strong = strong or points >= 3
            evidence.append(f"forwarding: `{best_def.param}` flows to {', '.join(fw[:3])} ({best_def.path}:{best_def.line})")
        dp = 0
        if _KEY_PARAM.search(best_def.param or ""):
            dp += 1
        if best_def.flag_module and best_def.exported:
            dp += 1
            strong = True
        if dp:
            score += dp
            evidence.append(f"definition: {best_def.path}:{best_def.line}, parameter `{best_def.param}`"
                            + (", module imports a flag SDK or names flags" if best_def.flag_module else ""))
    if strong_receiver:
        collective = bool(_COLLECTIVE.search(receiver))
        score += 2 if collective else 1
        strong = strong or collective
        evidence.append(f"receiver names flags: `{receiver}`")
    if not prop:
        if _STRONG.search(name):
            score += 1
            evidence.append(f"name holds a flag word: `{name}`")
        elif re.search(r"(?i)enabled", name):
            score += 0.5
            evidence.append(f"name says enabled: `{name}`")
    keys = []
    for s in sites:
        k, _ = _resolve_key(s, lookup)
        if k is not None and len(k) >= MIN_KEY_LEN:
            keys.append(k)
    distinct = sorted(set(keys))
    if len(keys) >= MIN_SITES:
        score += 1
        evidence.append(f"use: {len(keys)} sites with literal or constant keys ({len(distinct)} distinct)")
        conv, share = convention(distinct)
        if len(distinct) >= 2 and share >= 0.8:
            score += 1
            strong = strong or len(distinct) >= 3
            evidence.append(f"keys share a convention: {conv} ({share:.0%})")
        cond = sum(1 for s in sites if s.condition)
        if cond * 2 >= len(sites):
            score += 1
            evidence.append(f"result used as a condition or with a boolean/number default at {cond} of {len(sites)} sites")
    elif not best_def or not keys:
        score = min(score, THRESHOLD - 0.5)  # no literal keys: nothing to report
    if not keys:
        score = min(score, THRESHOLD - 0.5)
    if len(keys) < MIN_SITES and not sdk_forwarding:
        score = min(score, THRESHOLD - 0.5)
        evidence.append(f"fewer than {MIN_SITES} sites with keys, and no forwarding to a flag read")
    if not strong:
        score = min(score, THRESHOLD - 0.5)
        evidence.append("no evidence beyond name and use (forwarding, flag module, flag receiver, key convention)")
    discarded = sum(1 for s in sites if s.discarded)
    if discarded * 2 > len(sites):
        score = min(score - 2, THRESHOLD - 0.5)
        evidence.append(f"value unused at {discarded} of {len(sites)} sites (a registration, not a read)")
    module = _module(best_def.path) if best_def is not None else (receiver or "<module>")
    function = name if not prop else "<key>"
    provider = f"inferred:{module}.{function}" if not prop else (
        f"inferred:{receiver}[<key>]" if subscript else f"inferred:{receiver}.<key>")
    return InferredApi(api, provider, score, evidence, sites, best_def)


def _forwarding_points(f: str, names: set[str]) -> int:
    """3 for a flag read, env lookup, flag-named map or a known flag API; 1 for any other map."""
    if f == "map":
        return 1
    return 3 if _counts_as_forwarding(f, names) else 0


def _counts_as_forwarding(f: str, names: set[str]) -> bool:
    if f.startswith("read:") or f in ("env", "map:flags"):
        return True
    return f.startswith("call:") and f[5:] in names and f[5:] not in BARE_COLLECTION


def _def_points(d: ApiDef, names: set[str]) -> tuple:
    return (max((_forwarding_points(f, names) for f in d.forwards), default=0), bool(_KEY_PARAM.search(d.param or "")), d.flag_module, d.exported)


def _module(path: str) -> str:
    stem = path
    for ext in (".d.ts", ".tsx", ".ts", ".mts", ".cts", ".jsx", ".js", ".mjs", ".cjs", ".py"):
        if stem.endswith(ext):
            stem = stem[: -len(ext)]
            break
    if stem.endswith("/__init__") or stem.endswith("/index"):
        stem = stem.rsplit("/", 1)[0]
    return stem.replace("/", ".").lstrip(".") or "<module>"


def config_line(api: InferredApi) -> str:
    """The one-line `[[tool.auditor.wrappers]]` entry (inline table) that pins `api` in config."""
    label = api.provider.split(":", 1)[1] if ":" in api.provider else api.provider
    label = re.sub(r"[^\w.\-]", "_", label.replace(".<key>", "").replace("[<key>]", "")).strip("_.") or "custom"
    if api.api.endswith("[]"):
        return f'{{ property = "{api.api[:-2]}", provider = "{label}" }}'
    if api.api.endswith(".*"):
        recv = api.api[:-2]
        return f'{{ property = "*.{recv}", provider = "{label}" }}'
    if any(s.discarded for s in api.sites) and sum(1 for s in api.sites if s.discarded) * 2 > len(api.sites):
        return f'{{ name = "{api.api}", kind = "calls", provider = "{label}" }}'  # registrations: definitions
    if "." in api.api:
        return f'{{ name = "*.{api.api}", provider = "{label}" }}'
    return f'{{ name = "{api.api}", provider = "{label}" }}'


@dataclass(frozen=True, slots=True)
class FlagApi:
    """A row of `flag_apis`: one API inference considered (see the migration 007 comments)."""

    TABLE: ClassVar[str] = "flag_apis"
    api: str
    provider: str
    score: float
    promoted: bool
    evidence: tuple[str, ...]
    sites: int
    keys: int
    sample_keys: tuple[str, ...]
    definition_path: str | None
    definition_line: int | None
    config_line: str


MAX_STORED = 200
"""APIs stored per scan: every promoted one, then the best-scored others up to this many."""


def api_records(apis: list[InferredApi], lookup) -> list[FlagApi]:
    """`flag_apis` rows for the APIs worth showing: every promoted one, and those with at least
    one point of evidence beyond their name, best first (at most `MAX_STORED`)."""
    out: list[FlagApi] = []
    for a in apis:
        if not a.promoted and (a.score < 2 or len(out) >= MAX_STORED):
            continue
        keys = sorted({k for k in (_resolve_key(s, lookup)[0] for s in a.sites) if k is not None})
        d = a.definition
        out.append(FlagApi(a.api, a.provider, round(a.score, 2), a.promoted, tuple(a.evidence), len(a.sites), len(keys),
                           tuple(keys[:5]), d.path if d else None, d.line if d else None, config_line(a)))
    return out
