"""Find, validate and compile query packs.

A pack is `queries/<dir>/<name>.scm`, optionally with a sidecar `<name>.toml` holding pack-wide
metadata (`provider`, `packages`, `description`). The directory names the grammars the pack runs on:

==========  =================================
directory   grammars
==========  =================================
ecma        javascript, typescript, tsx
jsx         javascript, tsx
typescript  typescript, tsx
javascript  javascript
tsx         tsx
python      python
==========  =================================

Per-pattern metadata comes from `(#set! key "value")` and is read with `Query.pattern_settings`;
it overrides the sidecar. All packs for one grammar are compiled into a single `Query`;
`Query.start_byte_for_pattern` maps each pattern back to its pack.

Execution plan. A tree-sitter query cursor visits every node of the tree it runs on, whatever the
patterns: on a 16 MB bundle that alone costs about 0.4× the parse. So each grammar's patterns are
split (`QueryPlan`) by how little of the tree they need:

==========  ==========================================================================================
part        patterns, and how they run
==========  ==========================================================================================
rooted      rooted at the file's root node (`(program …)`, `(module …)`): one cursor limited to start
            depth 0, which only walks the levels the patterns name
anchored    patterns with an *anchor*, a regular expression that must match inside one of the
            pattern's nodes: `(#set! anchor "…")`, else derived from a `#eq?`/`#any-of?` predicate
            whose values are identifiers (`"variation"`), else from a `#match?` predicate. The file's
            bytes are searched for every anchor at once, and the cursor runs on each hit's byte range
            only; tree-sitter still completes matches whose other nodes lie outside that range
gates       `@gate` patterns: run on the byte ranges of the file's flag reads (and of local variables
            assigned from them), since a gate is only kept when its condition holds one
walk        everything else: one pass over the whole tree (no built-in pattern needs it)
==========  ==========================================================================================

The stored rows are the same as a single pass of the combined query would give: a match is found
by a ranged cursor whenever one of its nodes overlaps the range (tests compare both on every
fixture).
"""

from __future__ import annotations

import functools
import hashlib
import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import tree_sitter

from auditor.errors import QueryError
from auditor.languages import LANGUAGES, grammar
from auditor.resources import shipped_dir
from auditor.strings import query_string_value

DIR_LANGUAGES: dict[str, tuple[str, ...]] = {
    "ecma": ("javascript", "typescript", "tsx"),
    "jsx": ("javascript", "tsx"),
    "typescript": ("typescript", "tsx"),
    "javascript": ("javascript",),
    "tsx": ("tsx",),
    "python": ("python",),
}


def builtin_query_dir() -> Path:
    """The query packs shipped with the package (`auditor/_queries` in a wheel, `queries/` in a checkout)."""
    found = shipped_dir("queries", "captures.toml")
    if found is None:
        raise QueryError("built-in query packs not found (neither auditor/_queries nor queries/)")
    return found


@cache
def allowed_captures(root: Path | None = None) -> dict[str, str]:
    """Capture names allowed in packs, with their one-line meanings, from `captures.toml`."""
    path = (root or builtin_query_dir()) / "captures.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise QueryError(f"{path}: {exc}") from exc
    return {str(k): str(v) for k, v in data.get("captures", {}).items()}


@dataclass(frozen=True, slots=True)
class Pack:
    """One query pack file."""

    name: str
    """`<dir>/<stem>`, e.g. `ecma/launchdarkly`."""
    path: Path | None
    source: str
    languages: tuple[str, ...]
    meta: dict = field(default_factory=dict)
    """Sidecar TOML contents (`provider`, `packages`, `description`, ...)."""


def _read_pack(path: Path, dirname: str) -> Pack:
    meta: dict = {}
    sidecar = path.with_suffix(".toml")
    if sidecar.is_file():
        try:
            meta = tomllib.loads(sidecar.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise QueryError(f"{sidecar}: {exc}") from exc
    return Pack(
        name=f"{dirname}/{path.stem}",
        path=path,
        source=path.read_text(encoding="utf-8"),
        languages=DIR_LANGUAGES[dirname],
        meta=meta,
    )


def discover(dirs: Iterable[Path]) -> list[Pack]:
    """Packs under each query directory, in a stable order (directory order, then name).

    Raises QueryError when a directory does not exist.
    """
    packs: list[Pack] = []
    for root in dirs:
        if not root.is_dir():
            raise QueryError(f"query directory not found: {root}")
        for dirname in DIR_LANGUAGES:
            sub = root / dirname
            if sub.is_dir():
                packs.extend(_read_pack(p, dirname) for p in sorted(sub.glob("*.scm")))
    return packs


_CAPTURE_RE = re.compile(r"@([A-Za-z_][\w.\-]*)")


def validate_captures(pack: Pack, allowed: dict[str, str]) -> None:
    """Raise QueryError when a pack uses a capture name that is not private (`_x`) nor allowed."""
    stripped = re.sub(r'"(?:[^"\\]|\\.)*"', '""', pack.source)  # ignore @ inside strings
    stripped = re.sub(r";[^\n]*", "", stripped)
    for name in _CAPTURE_RE.findall(stripped):
        if not name.startswith("_") and name not in allowed:
            raise QueryError(f"{pack.name}: capture @{name} is not declared in captures.toml")


@dataclass(slots=True)
class SubQuery:
    """Some patterns of a CompiledQuery compiled on their own."""

    query: tree_sitter.Query
    patterns: list[int]
    """Index in the CompiledQuery of each of this query's patterns."""
    root_types: frozenset[str] | None = None
    """Node types a match of these patterns starts at (the outermost node of each pattern), None
    when a pattern's is not one named type (a wildcard, an alternation)."""


class _AnyOf:
    """`match` is any of several expressions' `match` (expressions that cannot be joined: inline flags)."""

    def __init__(self, patterns):
        self.patterns = patterns

    def match(self, data: bytes, pos: int):
        return next((m for m in (p.match(data, pos) for p in self.patterns) if m is not None), None)


def _any_of(patterns: tuple[re.Pattern[bytes], ...]):
    """One expression matching where any of `patterns` matches (their alternation)."""
    try:
        return re.compile(b"|".join(b"(?:%s)" % p.pattern for p in patterns))
    except re.error:
        return _AnyOf(patterns)


@dataclass(slots=True)
class QueryPlan:
    """How a CompiledQuery's patterns run (see the module doc). Parts without patterns are None."""

    rooted: SubQuery | None = None
    anchored: SubQuery | None = None
    words: IdentifierSearch | None = None
    """Every identifier anchor of the `anchored` patterns, as one expression matching whole identifiers."""
    confirm: dict[bytes, tuple[re.Pattern[bytes] | None, ...]] = field(default_factory=dict)
    """Per identifier anchor, the patterns' expressions that must match where it was found (None,
    always first: the identifier alone is enough)."""
    regexes: tuple[re.Pattern[bytes], ...] = ()
    """Anchors of patterns without an identifier anchor, each searched on its own."""
    gates: SubQuery | None = None
    walk: SubQuery | None = None
    checks: dict[bytes, re.Pattern[bytes] | None] = field(init=False, repr=False, compare=False)
    """Per identifier anchor, its `confirm` expressions as one alternation (None: no check)."""

    def __post_init__(self):
        self.checks = {w: None if c[0] is None else _any_of(c) for w, c in self.confirm.items()}

    def anchor_ranges(self, data: bytes) -> list[tuple[int, int]]:
        """Byte ranges (start, end), sorted and not overlapping, where an anchored pattern may match."""
        hits: list[tuple[int, int]] = []
        if self.words is not None:
            checks = self.checks
            for start, end, word in self.words.finditer(data):
                check = checks[word]
                if check is None or check.match(data, start) is not None:
                    hits.append((start, end))
        for rx in self.regexes:
            fast = _re2_anchor(rx.pattern)
            if fast is None:
                hits.extend(m.span() for m in rx.finditer(data))
            elif fast[1]:
                hits.extend(_bounded_spans(fast[0], rx, data))
            else:
                hits.extend(re2_spans(fast[0], data))
        hits.sort()
        return coalesce(hits, 0)


@dataclass(slots=True)
class CompiledQuery:
    """All packs of one grammar, as one query, with per-pattern metadata and the plan that runs it."""

    language: str
    source: str
    """Every pack's source, one after the other: the combined query."""
    pattern_pack: list[Pack]
    """Pack of each pattern index."""
    pattern_meta: list[dict[str, str]]
    """Sidecar metadata merged with the pattern's `#set!` settings, per pattern index."""
    plan: QueryPlan = field(default_factory=QueryPlan)
    _query: tree_sitter.Query | None = None

    @property
    def query(self) -> tree_sitter.Query:
        """The combined query, compiled on first use: scans run the plan's parts instead (only a
        full pass, `Extractor(full_pass=True)`, runs this), and compiling it again would double
        the cost of compiling a grammar's packs (0.15 s of 0.3 s for TypeScript)."""
        if self._query is None:
            self._query = tree_sitter.Query(grammar(self.language), self.source)
        return self._query


def _pack_meta(pack: Pack) -> dict[str, str]:
    meta = {k: v for k, v in pack.meta.items() if isinstance(v, str)}
    if "packages" in pack.meta:
        meta["packages"] = ",".join(pack.meta["packages"])
    return meta


def compile_for(language: str, packs: list[Pack]) -> CompiledQuery | None:
    """Compile every pack that targets `language` into one query plan; None when no pack does.

    The packs are cut into patterns (`split_patterns`) and each part of the plan compiles its own;
    the combined query is compiled only when tree-sitter counts patterns differently from the cut
    (then its pattern boundaries are used) or when a pack does not compile.

    Raises QueryError naming the pack when a pack fails to compile on its own.
    """
    mine = [p for p in packs if language in p.languages]
    if not mine:
        return None
    lang = grammar(language)
    source = "".join(pack.source + "\n" for pack in mine)
    pattern_pack: list[Pack] = []
    texts: list[str] = []
    for pack in mine:
        for text in split_patterns(pack.source):
            pattern_pack.append(pack)
            texts.append(strip_comments(text))
    metas = [{**_pack_meta(pack), **pattern_set_directives(text)} for pack, text in zip(pattern_pack, texts)]
    try:
        plan: QueryPlan | None = plan_patterns(lang, texts, metas)
    except QueryError:  # an anchor that is not a regular expression
        raise
    except Exception:  # a pack that does not compile: the combined query names it
        plan = None
    if plan is not None:
        settled = _settled_metas(plan, pattern_pack, len(texts))
        if settled is not None and all(m.get("anchor") == p.get("anchor") for m, p in zip(settled, metas)):
            return CompiledQuery(language, source, pattern_pack, settled, plan)
    return _compile_whole(language, lang, mine, source)


def _settled_metas(plan: QueryPlan, pattern_pack: list[Pack], count: int) -> list[dict[str, str]] | None:
    """Each pattern's metadata with the `#set!` settings tree-sitter read from the plan's parts;
    None when a part holds a different number of patterns than the cut gave it."""
    metas: list[dict[str, str] | None] = [None] * count
    for part in (plan.rooted, plan.anchored, plan.gates, plan.walk):
        if part is None:
            continue
        if part.query.pattern_count != len(part.patterns):
            return None
        for j, i in enumerate(part.patterns):
            metas[i] = {**_pack_meta(pattern_pack[i]),
                        **{k: str(v) for k, v in (part.query.pattern_settings(j) or {}).items() if v is not None}}
    if any(m is None for m in metas):
        return None
    return metas  # type: ignore[return-value]


def _compile_whole(language: str, lang: tree_sitter.Language, mine: list[Pack], source: str) -> CompiledQuery:
    """compile_for through the combined query and tree-sitter's own pattern boundaries."""
    offsets: list[tuple[int, Pack]] = []
    pos = 0
    for pack in mine:
        offsets.append((pos, pack))
        pos += len((pack.source + "\n").encode("utf-8"))
    try:
        query = tree_sitter.Query(lang, source)
    except Exception:  # tree_sitter.QueryError, or a predicate ValueError: name the pack
        for pack in mine:
            try:
                tree_sitter.Query(lang, pack.source)
            except Exception as exc:
                raise QueryError(f"{pack.name} does not compile for {language}: {exc}") from exc
        raise
    pattern_pack: list[Pack] = []
    pattern_meta: list[dict[str, str]] = []
    for i in range(query.pattern_count):
        start = query.start_byte_for_pattern(i)
        pack = next(p for off, p in reversed(offsets) if off <= start)
        meta = _pack_meta(pack)
        meta.update({k: str(v) for k, v in (query.pattern_settings(i) or {}).items() if v is not None})
        pattern_pack.append(pack)
        pattern_meta.append(meta)
    data = source.encode("utf-8")
    # A pattern's byte range runs up to the next pattern, so it may end with the next pack's comments.
    texts = [strip_comments(data[query.start_byte_for_pattern(i):query.end_byte_for_pattern(i)].decode("utf-8"))
             for i in range(query.pattern_count)]
    return CompiledQuery(language, source, pattern_pack, pattern_meta, plan_patterns(lang, texts, pattern_meta), query)


_TOKEN_RE = re.compile(r'\s+|;[^\n]*|"(?:[^"\\]|\\.)*"|[()\[\]]|[^\s;"()\[\]]+')


def split_patterns(source: str) -> list[str]:
    """The top-level patterns of a query source, each with its quantifiers and captures: what
    tree-sitter counts as patterns (`Query.pattern_count`, `start_byte_for_pattern`): a pattern
    starts at each `(`, `[`, string or `_` at nesting depth 0 (a predicate written outside any
    pattern, `(#eq? …)`, is one too, as tree-sitter has it). Comments between patterns are left out.

    Tests check the cut against tree-sitter's on every built-in pack; `compile_for` also checks the
    pattern counts and falls back to tree-sitter's boundaries when they differ."""
    out: list[str] = []
    depth = 0
    start = end = -1
    for m in _TOKEN_RE.finditer(source):
        tok = m.group()
        if tok[0].isspace() or tok[0] == ";":
            continue
        if depth == 0 and (tok in ("(", "[") or tok[0] == '"' or tok == "_"):
            if start >= 0:
                out.append(source[start:end])
            start = m.start()
        if tok in ("(", "["):
            depth += 1
        elif tok in (")", "]"):
            depth -= 1
        end = m.end()
    if start >= 0:
        out.append(source[start:end])
    return out


_SET_RE = re.compile(r'\(#set!\s+([\w.\-]+)(?:\s+"((?:[^"\\]|\\.)*)")?\s*\)')


def pattern_set_directives(text: str) -> dict[str, str]:
    """The `(#set! key "value")` directives of one pattern's source, as the planner needs them
    before the pattern is compiled (`compile_for` checks them against tree-sitter's reading)."""
    return {m.group(1): query_string_value(m.group(2)) for m in _SET_RE.finditer(text) if m.group(2) is not None}


ROOT_TYPES = frozenset({"program", "module"})
"""Root node types of the grammars (JavaScript/TypeScript `program`, Python `module`)."""
_ROOT_TYPE_RE = re.compile(r"\s*(?:\(\s*)+([A-Za-z_]\w*)")
_PREDICATE_RE = re.compile(r'\(#(eq|any-of|match)\?\s+@[\w.\-]+((?:\s+"(?:[^"\\]|\\.)*")+)\s*\)')
_STRING_RE = re.compile(r'"((?:[^"\\]|\\.)*)"')
_IDENT_RE = re.compile(r"[A-Za-z_$][\w$]*")
_GATE_RE = re.compile(r"@gate(?![\w.\-])")


_COMMENT_RE = re.compile(r'"(?:[^"\\]|\\.)*"|;[^\n]*')


def strip_comments(text: str) -> str:
    """Query source without its `;` comments (strings are kept whole)."""
    return _COMMENT_RE.sub(lambda m: m.group() if m.group().startswith('"') else "", text)


def pattern_anchor(text: str, settings: dict[str, str]) -> tuple[list[str], str | None]:
    """A pattern's anchor: (identifiers, regular expression), as `plan_patterns` uses them.

    Identifiers come from the `#eq?`/`#any-of?` predicate whose values are all identifiers (quotes
    around a value are dropped: `"\\"name\\""` anchors on `name`) and whose shortest value is
    longest. The `anchor` setting is either one identifier (used instead) or a Python regular
    expression: matched where each identifier is found when there are identifiers, else searched on
    its own. Without either, a `#match?` predicate's expression (without `^`/`$`) is searched.
    ([], None) when the pattern has no anchor.
    """
    words: list[str] = []
    regex: str | None = None
    for m in _PREDICATE_RE.finditer(text):
        values = [query_string_value(v) for v in _STRING_RE.findall(m.group(2))]
        if m.group(1) == "match":
            if regex is None and len(values) == 1:
                regex = values[0].removeprefix("^").removesuffix("$")
            continue
        cands = [v.strip("'\"`") for v in values]
        if cands and all(_IDENT_RE.fullmatch(w) for w in cands):
            if not words or min(map(len, cands)) > min(map(len, words)):
                words = cands
    explicit = settings.get("anchor")
    if explicit:
        if _IDENT_RE.fullmatch(explicit):
            return [explicit], None
        return words, explicit
    if words:
        return words, None
    if regex:  # an expression that can match an empty string anchors nothing
        try:
            if re.compile(regex).fullmatch("") is None:
                return [], regex
        except re.error:
            pass
    return [], None


def split_alternatives(regex: str) -> list[str]:
    """The top-level alternatives of a regular expression (`a|b(c|d)` → `a`, `b(c|d)`).

    Searched one by one, alternatives that each start with a literal are found with Python's fast
    literal scan, which a single expression starting with an alternation does not get."""
    parts: list[str] = []
    depth = 0
    in_class = False
    cur: list[str] = []
    i = 0
    while i < len(regex):
        ch = regex[i]
        if ch == "\\":
            cur.append(regex[i:i + 2])
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
            if regex[i + 1:i + 2] == "]":  # `[]…]`: a literal `]` first
                cur.append(ch)
                i += 1
                ch = regex[i]
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            parts.append("".join(cur))
            cur = []
            i += 1
            continue
        cur.append(ch)
        i += 1
    parts.append("".join(cur))
    return parts


def trie_expression(words: Iterable[str]) -> str:
    """A regular expression matching any of `words`, written as a trie (`get(?:Value|Variant)`):
    Python's `re` tries alternatives one by one, so sharing prefixes makes a search over a 16 MB
    bundle several times faster than a flat `a|b|c`. Where one word is a prefix of another, the
    longer one wins.

    Built and written without recursion, in time linear in the words' length: a word of 5,000
    characters (an identifier of a hostile file) is a trie 5,000 levels deep."""
    trie: dict = {}
    for w in sorted(set(words)):
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def keys_of(node: dict) -> list[str]:
        return sorted(k for k in node if k)

    def chain(key: str, node: dict) -> tuple[str, dict]:
        """`key` and the single-branch run below it (nodes with one key that end no word), as one
        escaped prefix, with the node where the run stops."""
        pieces = [re.escape(key)]
        while len(node) == 1 and "" not in node:
            (key, node), = node.items()
            pieces.append(re.escape(key))
        return "".join(pieces), node

    # Post-order over the trie with an explicit stack: frame = (node, its keys, parts written, prefix
    # of the child being written).
    stack: list[tuple[dict, list[str], list[str], list[str]]] = [(trie, keys_of(trie), [], [])]
    written: str | None = None
    while True:
        node, keys, parts, pending = stack[-1]
        if written is not None:  # a child's expression: after its prefix
            parts.append(pending.pop() + written)
            written = None
        if len(parts) < len(keys):
            prefix, child = chain(keys[len(parts)], node[keys[len(parts)]])
            pending.append(prefix)
            stack.append((child, keys_of(child), [], []))
            continue
        stack.pop()
        ends = "" in node
        if not keys:
            written = ""
        else:
            body = parts[0] if len(parts) == 1 and not ends else "(?:" + "|".join(parts) + ")"
            written = body + ("?" if ends else "")
        if not stack:
            return written


try:
    import re2 as _re2  # google-re2

    if not hasattr(_re2, "Options"):  # pragma: no cover - another package named re2 (pyre2)
        _re2 = None
except ImportError:  # pragma: no cover - google-re2 ships wheels for the platforms CI uses
    _re2 = None


RE2_MAX_MEM = 64 << 20
"""Bytes RE2 may use for one expression's DFA (a budget, filled lazily as states are built)."""


def re2_bytes(pattern: bytes):
    """`pattern` compiled by RE2 to match bytes, a byte a character (Latin-1 mode: `\\w`, `\\b` and
    classes are ASCII, as in Python's `re` on bytes; a UTF-8 character is matched as its byte
    sequence). Requires google-re2 (`_re2` not None). Raises `re2.error` for a bad pattern."""
    options = _re2.Options()
    options.encoding = _re2.Options.Encoding.LATIN1
    # a long alternation (thousands of identifiers in a bundle) outgrows RE2's default DFA budget
    # (8 MiB): it then falls back to its slower NFA and logs "DFA out of memory" on stderr per search
    options.max_mem = RE2_MAX_MEM
    options.log_errors = False
    return _re2.compile(pattern, options=options)


_IDENTIFIER_BYTES = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_$")
_NOT_AFTER_IDENTIFIER = rb"(?<![\w$])"


def _as_re2(pattern: bytes) -> bytes | None:
    """`pattern` (Python `re`, bytes) as an RE2 expression matching the same bytes in Latin-1 mode,
    or None when RE2 cannot or might match otherwise: look-around, backreferences, `$` (Python's
    also matches before a final newline), `\\s` inside a class, `{,n}`. `\\s` and `\\S` outside a
    class become Python's sets, whose whitespace holds the vertical tab RE2's does not."""
    if any(part in pattern for part in (b"(?<", b"(?=", b"(?!", b"(?P=", b"{,")):  # `{,n}` is literal to RE2
        return None
    out = bytearray()
    in_class = False
    i = 0
    while i < len(pattern):
        c = pattern[i:i + 1]
        if c == b"\\":
            pair = pattern[i:i + 2]
            if pair[1:].isdigit():
                return None  # a backreference
            if pair in (b"\\s", b"\\S"):
                if in_class:
                    return None
                out += rb"[\t\n\x0b\x0c\r ]" if pair == b"\\s" else rb"[^\t\n\x0b\x0c\r ]"
            else:
                out += pair
            i += 2
            continue
        if c == b"[" and not in_class:
            in_class = True
            if pattern[i + 1:i + 2] == b"]" or pattern[i + 1:i + 3] == b"^]":
                return None  # a leading `]` is a literal in Python: not worth translating
        elif c == b"]" and in_class:
            in_class = False
        elif c == b"$" and not in_class:
            return None
        out += c
        i += 1
    return bytes(out)


@functools.lru_cache(maxsize=256)
def _re2_anchor(pattern: bytes):
    """An anchor regex RE2 can run, compiled by RE2, as (expression, bounded): for `(?<![\\w$])REST`,
    REST (bounded: `_bounded_spans` applies the look-behind); for an expression without look-around,
    the whole of it (its spans are Python's). None when RE2 cannot run it the same way (`_as_re2`).
    Python's `re` tries a leading character class (or `\\.`) at every byte: RE2's DFA is one pass."""
    if _re2 is None:
        return None
    bounded = pattern.startswith(_NOT_AFTER_IDENTIFIER)
    rest = _as_re2(pattern[len(_NOT_AFTER_IDENTIFIER):] if bounded else pattern)
    if rest is None:
        return None
    try:
        return re2_bytes(rest), bounded
    except Exception:  # noqa: BLE001 - RE2 cannot run it: Python's `re` does
        return None


def _bounded_spans(fast, rx: re.Pattern[bytes], data: bytes) -> Iterator[tuple[int, int]]:
    """The spans of `rx` (`(?<![\\w$])REST`) in `data`, found with `fast` (REST by RE2): a hit right
    after an identifier byte is not one; `rx` itself is then tried at each later start inside that
    hit, so no match of `rx` is lost (spans may overlap: callers merge them)."""
    ident = _IDENTIFIER_BYTES
    for s, e in re2_spans(fast, data):
        if not (s and data[s - 1] in ident):
            yield s, e
            continue
        for p in range(s + 1, e):
            if data[p - 1] not in ident:
                m = rx.match(data, p)
                if m is not None:
                    yield m.span()
                    break
_WORD_EDGES = re.compile(r"\w(?:.*\w)?", re.ASCII | re.DOTALL)


class IdentifierSearch:
    """Where any of a set of words occurs in bytes as a whole identifier: not inside a longer one,
    i.e. with no `[A-Za-z0-9_$]` byte on either side. `finditer(data)` yields (start, end, word)
    in order.

    With google-re2 installed (a dependency) the search is one RE2 DFA pass over the bytes
    (`\\b(?:w1|w2|…)\\b` in Latin-1 mode, then a `$` check on each hit): 0.47 s over gemini-cli's
    93 MB of JavaScript where Python's `re` takes 1.9 s, since `re` tries the alternatives at every
    letter. Without it, or for a word that does not start and end with `[A-Za-z0-9_]`, Python's
    `re` runs the trie expression (`literal_alternation`). Both give the same hits (a test compares
    them)."""

    def __init__(self, words: Iterable[str], engine: str = "auto"):
        """`engine`: "auto" (RE2 where it can), "re" (always Python's `re`)."""
        self.words = sorted(set(words))
        self.re2 = None
        self.sre = None  # Python's `re` only when RE2 cannot run it: compiling the trie is the costly part
        if engine == "auto" and _re2 is not None and self.words and all(_WORD_EDGES.fullmatch(w) for w in self.words):
            alternation = b"|".join(_re2.escape(w.encode("utf-8")) for w in sorted(self.words, key=len, reverse=True))
            self.re2 = re2_bytes(rb"\b(?:" + alternation + rb")\b")
        else:
            self.sre = re.compile(rb"(?<![\w$])" + literal_alternation(self.words).encode("utf-8"))

    def finditer(self, data: bytes) -> Iterator[tuple[int, int, bytes]]:
        """(start, end, word as bytes) of each whole-identifier occurrence, in order."""
        if self.re2 is None:
            for m in self.sre.finditer(data):
                yield m.start(), m.end(), m.group()
            return
        n = len(data)
        ident = _IDENTIFIER_BYTES
        for s, e in re2_spans(self.re2, data):
            if (s and data[s - 1] in ident) or (e < n and data[e] in ident):
                continue  # `$` beside it (the only identifier byte `\b` does not see)
            yield s, e, data[s:e]


_PLAIN_WORD = re.compile(r"[A-Za-z0-9_$]+")
FIND_BUDGET_BYTES = 4 << 20
"""`identifier_hits` searches word by word while words × bytes stay under this (about a
millisecond of `bytes.find`); past it, compiling one RE2 expression is cheaper."""


def word_hits(word: bytes, data: bytes, start: int = 0, end: int | None = None) -> Iterator[tuple[int, int, bytes]]:
    """(start, end, word) of each whole-identifier occurrence of one `word` inside `data[start:end]`
    (the bytes around the stretch count), in order: `bytes.find`, which outruns an expression for a
    single word."""
    n = len(data)
    stop = n if end is None else min(end, n)
    ident = _IDENTIFIER_BYTES
    pos = data.find(word, start, stop)
    while pos >= 0:
        after = pos + len(word)
        if not (pos and data[pos - 1] in ident) and not (after < n and data[after] in ident):
            yield pos, after, word
        pos = data.find(word, pos + 1, stop)


def identifier_hits(words: Iterable[str], data: bytes) -> list[tuple[int, int, bytes]]:
    """`list(IdentifierSearch(words).finditer(data))`, for a set of words used once: a few words
    over a small file are found with `bytes.find`, word by word (compiling an expression per file
    cost more than the search), else with an `IdentifierSearch`, except words RE2 cannot bound
    (`$name`), found word by word (Python's `re` over a bundle cost 0.3 s)."""
    words = sorted(set(words))
    if not all(_PLAIN_WORD.fullmatch(w) for w in words):
        return list(IdentifierSearch(words).finditer(data))
    small = len(words) * len(data) <= FIND_BUDGET_BYTES
    by_find = words if small else [w for w in words if not _WORD_EDGES.fullmatch(w)]
    rest = [w for w in words if w not in by_find] if by_find else words
    out = list(IdentifierSearch(rest).finditer(data)) if rest else []
    for word in by_find:
        out.extend(word_hits(word.encode("utf-8"), data))
    if by_find:
        out.sort()
    return out


def coalesce(ranges: list[tuple[int, int]], gap: int) -> list[tuple[int, int]]:
    """Sorted byte ranges, as non-overlapping ones with those at most `gap` bytes apart joined into one."""
    out: list[tuple[int, int]] = []
    for start, end in ranges:
        if out and start - out[-1][1] <= gap:
            if end > out[-1][1]:
                out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def literal_finditer(rx: re.Pattern[bytes], data: bytes, *literals: bytes) -> Iterator[re.Match[bytes]]:
    """`rx.finditer(data)` for an expression whose matches start with one of `literals`: a C-level
    `find` per occurrence of a literal instead of trying the expression at every byte (2.6 s →
    0.02 s on a 16 MB bundle). A look-behind still sees the bytes before the literal."""
    starts = []
    for lit in literals:
        pos = data.find(lit)
        while pos >= 0:
            starts.append(pos)
            pos = data.find(lit, pos + 1)
    last = -1
    for pos in sorted(starts):
        if pos < last:
            continue
        m = rx.match(data, pos)
        if m is not None:
            last = m.end()
            yield m


def search_expression(pattern: bytes):
    """`pattern` compiled by RE2 (`re2_bytes`), or by Python's `re` where google-re2 is missing:
    for an expression both read alike, searched with `re2_spans`."""
    return re2_bytes(pattern) if _re2 is not None else re.compile(pattern)


def re2_spans(compiled, data: bytes, overlapped: bool = False) -> Iterator[tuple[int, int]]:
    """(start, end) of each match of a compiled google-re2 expression in `data`, as its `finditer`
    gives them but without a Match object per hit: `finditer` builds one in Python (about 4 µs a
    hit, 0.9 s for the 215 000 secret-literal hits of gemini-cli), its underlying `RE2.Match` call
    takes about 1 µs. `overlapped`: the next search starts one byte after a match's start, not at
    its end. Falls back to `search` if that internal interface is not there."""
    regexp = getattr(compiled, "_regexp", None)
    anchor = getattr(getattr(_re2, "_Anchor", None), "UNANCHORED", None)
    n = len(data)
    if regexp is None or anchor is None:  # pragma: no cover - another google-re2 layout
        def match(_anchor, _data, pos, _end):
            m = compiled.search(data, pos)
            return [m.span() if m is not None else (-1, -1)]
    else:
        match = regexp.Match
    pos = 0
    while pos <= n:
        s, e = match(anchor, data, pos, n)[0]
        if s < 0:
            return
        yield s, e
        pos = s + 1 if overlapped or e == s else e


def literal_alternation(words: Iterable[str]) -> str:
    """`trie_expression(words)` ending at an identifier boundary. Callers that need a whole
    identifier put `(?<![\\w$])` before it."""
    return trie_expression(words) + r"(?![\w$])"


def plan_patterns(lang: tree_sitter.Language, texts: list[str], metas: list[dict[str, str]]) -> QueryPlan:
    """Split patterns (their source `texts` and settings `metas`) into a QueryPlan; compiles each part.

    Raises QueryError when an `anchor` setting is not a valid regular expression."""
    parts: dict[str, list[int]] = {"rooted": [], "anchored": [], "gates": [], "walk": []}
    confirm: dict[str, set] = {}
    regexes: dict[str, re.Pattern[bytes]] = {}

    def compiled(regex: str, i: int) -> re.Pattern[bytes]:
        try:
            return re.compile(regex.encode("utf-8"))
        except re.error as exc:
            raise QueryError(f"anchor {regex!r} of pattern {texts[i].strip()[:60]!r}: {exc}") from exc

    for i, text in enumerate(texts):
        if _GATE_RE.search(text):
            parts["gates"].append(i)
            continue
        root = _ROOT_TYPE_RE.match(text)
        if root is not None and root.group(1) in ROOT_TYPES:
            parts["rooted"].append(i)
            continue
        words, regex = pattern_anchor(text, metas[i])
        if words:
            check = compiled(regex, i) if regex else None
            for w in words:
                confirm.setdefault(w, set()).add(check)
        elif regex:
            for alt in split_alternatives(regex):
                regexes.setdefault(alt, compiled(alt, i))
        else:
            parts["walk"].append(i)
            continue
        parts["anchored"].append(i)

    def sub(indexes: list[int]) -> SubQuery | None:
        if not indexes:
            return None
        roots = [_ROOT_TYPE_RE.match(texts[i]) for i in indexes]
        root_types = frozenset(r.group(1) for r in roots if r is not None) if all(r is not None for r in roots) else None
        return SubQuery(tree_sitter.Query(lang, "\n".join(texts[i] for i in indexes)), indexes, root_types)

    return QueryPlan(
        rooted=sub(parts["rooted"]),
        anchored=sub(parts["anchored"]),
        words=IdentifierSearch(confirm) if confirm else None,
        confirm={w.encode("utf-8"): tuple(sorted(c, key=lambda r: (r is not None, r.pattern if r else b""))) for w, c in confirm.items()},
        regexes=tuple(regexes[k] for k in sorted(regexes)),
        gates=sub(parts["gates"]),
        walk=sub(parts["walk"]),
    )


def pack_set_hash(packs: list[Pack]) -> str:
    """SHA-256 over every pack's name, source and sidecar: part of the extraction cache key."""
    h = hashlib.sha256()
    for p in packs:
        h.update(p.name.encode())
        h.update(p.source.encode())
        h.update(repr(sorted(p.meta.items())).encode())
    return h.hexdigest()


_COMPILED: dict[str, dict[str, CompiledQuery]] = {}
"""compile_all results by `pack_set_hash`: compiling every pack takes about half a second, and a
process that scans several times (tests, the dashboard, `diff`) needs it once per pack set."""


def compile_all(packs: list[Pack]) -> dict[str, CompiledQuery]:
    """Compiled queries for every supported grammar that has packs, after validating capture names.

    Cached per process by the packs' content; a CompiledQuery is read-only, so sharing is safe.
    """
    key = pack_set_hash(packs)
    cached = _COMPILED.get(key)
    if cached is not None:
        return dict(cached)
    allowed = allowed_captures()
    for p in packs:
        validate_captures(p, allowed)
    out = {}
    for language in LANGUAGES:
        compiled = compile_for(language, packs)
        if compiled is not None:
            out[language] = compiled
    _COMPILED[key] = out
    return dict(out)
