"""Source maps (v3, including index maps with `sections`): find them, parse them, normalize their
source paths, and decide which original code a bundle no longer ships.

A map is read with the standard library's `json` (C scanner; a 41 MB map with 1,900 sources costs
about three times its size at peak). Deep nesting raises no RecursionError past `parse_map` (it is
a `MapError`), invalid UTF-8 reads as visible `\\xNN` text, lone surrogates are kept escaped, and a
bad item (one source, one `sourcesContent` entry, one section) is skipped with a problem noted
while the rest of the map is read.

"Only in the map" is decided per rebuilt source by its distinctive string literals (6+ characters,
not import specifiers, not in TypeScript type positions, not common words): each is looked up in the
set of quote-delimited segments of the generated file. None found → `no` (the code ships only
through the map), all found → `yes`, some → `partial`, nothing to compare → `unknown`.
"""

from __future__ import annotations

import base64
import binascii
import json
import posixpath
import re
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache

import tree_sitter

from auditor.languages import grammar, language_for
from auditor.strings import decode_json_bytes, has_invalid_text, js_string_value, js_unescape, valid_text

# -- sourceMappingURL comments ---------------------------------------------------------------

REF_MARK = b"sourceMappingURL="
URL_END = re.compile(rb"[\s'\"`*]")


@dataclass(frozen=True, slots=True)
class Ref:
    """A `sourceMappingURL` comment."""

    line: int
    url: str
    kind: str
    """external, inline or remote."""


def find_refs(data: bytes, limit: int = 1000) -> list[Ref]:
    """`//# sourceMappingURL=` / `//@ ...` / `/*# ... */` comments that start a line (so a string in
    code that merely contains the text is not taken for one)."""
    out: list[Ref] = []
    pos = data.find(REF_MARK)
    while pos >= 0 and len(out) < limit:
        start = pos - 4
        if start >= 0 and data[start:start + 2] in (b"//", b"/*") and data[start + 2:start + 3] in (b"#", b"@") and data[start + 3:pos] in (b" ", b"\t"):
            ls = data.rfind(b"\n", 0, start) + 1
            if not data[ls:start].strip():
                m = URL_END.search(data, pos + len(REF_MARK))
                end = m.start() if m else len(data)
                url = data[pos + len(REF_MARK):end].decode("utf-8", "replace")
                if url:
                    out.append(Ref(data.count(b"\n", 0, pos) + 1, url, _url_kind(url)))
        pos = data.find(REF_MARK, pos + len(REF_MARK))
    return out


def _url_kind(url: str) -> str:
    if url.startswith("data:"):
        return "inline"
    if url.startswith("//") or re.match(r"^[a-zA-Z][\w+.-]*:", url):
        return "remote"
    return "external"


def show_url(url: str) -> str:
    """A URL for storage and display: data URLs shortened to their media type and size."""
    if url.startswith("data:"):
        head = url[5:url.find(",")] if "," in url else url[5:40]
        return f"data:{head} ({len(url)} bytes)"
    return url[:500]


def decode_data_url(url: str) -> bytes:
    """The payload of a `data:` URL. Raises ValueError when it cannot be decoded."""
    comma = url.find(",")
    if not url.startswith("data:") or comma < 0:
        raise ValueError("not a data: URL")
    meta, payload = url[5:comma], url[comma + 1:]
    if meta.split(";")[0] not in ("application/json", "text/plain", "application/octet-stream", ""):
        raise ValueError(f"media type {meta.split(';')[0]!r} is not JSON")
    if meta.endswith(";base64"):
        try:
            return base64.b64decode(urllib.parse.unquote(payload), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ValueError(f"bad base64: {exc}") from exc
    return urllib.parse.unquote_to_bytes(payload)


def resolve_url(entry_path: str, url: str) -> str | None:
    """Entry path an external URL points to, relative to the artifact root (None if it leaves it)."""
    u = urllib.parse.unquote(url.split("#", 1)[0].split("?", 1)[0])
    if u.startswith("/"):
        p = posixpath.normpath(u.lstrip("/"))
    else:
        p = posixpath.normpath(posixpath.join(posixpath.dirname(entry_path), u))
    if p == ".." or p.startswith("../") or p == ".":
        return None
    return p


# -- v3 parser ------------------------------------------------------------------------------

MAX_ESCAPE_REPAIRS = 8
"""Invalid escapes (`\\q`, a short `\\u12`) in a map's strings read as a literal backslash, up to this
many per map (each repair re-reads the map); past it the map is malformed."""


class MapError(ValueError):
    """The map is not valid JSON or not a v3 map; the message says where."""


@dataclass(slots=True)
class MapPart:
    """A plain map, or one section of an index map. Strings are valid UTF-8 (see
    `auditor.strings.valid_text`): a lone surrogate is kept as its escape, with a problem noted."""

    version: int | None = None
    file: str | None = None
    source_root: str = ""
    sources: list = field(default_factory=list)
    """Per source: its path as written (str), or None when null or not a string."""
    contents: list | None = None
    """Per source: its `sourcesContent` text, or None for null (or not a string)."""
    mappings_bytes: int = 0
    has_mappings: bool = False
    mappings: str = ""
    """The VLQ `mappings` string as written ('' when absent)."""
    offset_line: int = 0
    """An index map section's `offset.line`: the generated line its mappings start at."""
    names: list = field(default_factory=list)
    """The `names` array (strings; anything else as None)."""
    sections: list[MapPart] = field(default_factory=list)
    is_index: bool = False


@dataclass(slots=True)
class Source:
    """One source of a (possibly index) map, flattened over sections."""

    idx: int
    source: str | None
    root: str
    content: str | None


@dataclass(slots=True)
class ParsedMap:
    """A parsed map read from `buf`; `problems` are non-fatal oddities (each becomes a diagnostic)."""

    buf: bytes
    top: MapPart
    problems: list[str] = field(default_factory=list)

    def flat_sources(self) -> list[Source]:
        """Every source with its content, sections in order."""
        out: list[Source] = []
        parts = self.top.sections if self.top.is_index else [self.top]
        for part in parts:
            for i, src in enumerate(part.sources):
                content = part.contents[i] if part.contents is not None and i < len(part.contents) else None
                out.append(Source(len(out), src, part.source_root, content))
        return out

    def content(self, src: Source) -> str | None:
        """One source's content text (None when the map has none for it)."""
        return src.content


def load_json(buf: bytes, problems: list[str] | None = None, what: str = "map"):
    """The JSON value in `buf`, read with the standard library's `json` (strict=False: raw control
    characters allowed in strings). Invalid UTF-8 bytes read as the text `\\xNN`, a BOM and an XSSI
    prefix (`)]}'` line) are skipped, up to MAX_ESCAPE_REPAIRS invalid escapes read as a literal
    backslash (each noted in `problems`). Raises MapError for anything else that is not JSON,
    including nesting deeper than the parser's recursion limit."""
    text = decode_json_bytes(buf)
    if text.startswith(")]}'"):  # XSSI prefix allowed by the spec: skip the first line
        nl = text.find("\n")
        text = "" if nl < 0 else text[nl + 1:]
    for _ in range(MAX_ESCAPE_REPAIRS + 1):
        try:
            return json.loads(text, strict=False)
        except json.JSONDecodeError as exc:
            at = exc.pos if exc.msg == "Invalid \\escape" else exc.pos - 1 if exc.msg == "Invalid \\uXXXX escape" else -1
            if at < 0 or text[at:at + 1] != "\\" or problems is None:
                raise MapError(f"not valid JSON: {exc.msg} at character {exc.pos}") from None
            problems.append(f"invalid escape {valid_text(text[at:at + 6])!r} at character {at}: read as a literal backslash")
            text = text[:at] + "\\" + text[at:]
        except RecursionError:
            raise MapError(f"the {what} is nested deeper than the JSON reader allows") from None
    raise MapError(f"more than {MAX_ESCAPE_REPAIRS} invalid escapes; not read")


def parse_map(buf: bytes) -> ParsedMap:
    """Parse a v3 source map (plain or index map) held in `buf`.

    Raises MapError when `buf` is not JSON, not an object, has no `version` or a version other than
    3, or its `sections` is not an array. Everything else that is wrong with one item (a source
    that is not a string, a `sourcesContent` item that is neither a string nor null, a section that
    is not a map object, text that is not valid Unicode) is noted in `problems` and loses only that
    item."""
    pm = ParsedMap(buf, MapPart())
    obj = load_json(buf, pm.problems)
    if not isinstance(obj, dict):
        raise MapError(f"the JSON value is {type(obj).__name__}, not an object")
    pm.top = _part(obj, pm.problems, "", top=True)
    return pm


def _text(value, problems: list[str], where: str) -> str | None:
    """A string member made valid UTF-8 (noted when it was not); None for a non-string."""
    if not isinstance(value, str):
        return None
    if has_invalid_text(value):
        problems.append(f"{where} is not valid Unicode (lone surrogate); kept escaped")
        return valid_text(value)
    return value


def _part(obj: dict, problems: list[str], where: str, top: bool) -> MapPart:
    part = MapPart()
    version = obj.get("version")
    if version is None and top:
        raise MapError("no `version` member (not a source map)")
    if version is not None:
        part.version = version if isinstance(version, int) and not isinstance(version, bool) else -1
        if part.version != 3:
            raise MapError(f"{where}unsupported source map version {version!r:.40} (expected 3)")
    part.file = _text(obj.get("file"), problems, f"{where}`file`")
    part.source_root = _text(obj.get("sourceRoot"), problems, f"{where}`sourceRoot`") or ""
    if "sections" in obj:
        part.is_index = True
        if not top:
            raise MapError("an index map section holds another index map (not allowed by the spec)")
        part.sections = _sections(obj["sections"], problems)
        if "mappings" in obj or obj.get("sources"):
            problems.append("index map also has `mappings`/`sources`; only `sections` are read")
        return part
    mappings = obj.get("mappings")
    if isinstance(mappings, str):
        part.mappings, part.mappings_bytes, part.has_mappings = valid_text(mappings), len(mappings), True
    elif mappings is not None:
        problems.append(f"{where}`mappings` is {type(mappings).__name__}, not a string")
    else:
        problems.append(f"{where}no `mappings` member")
    sources = obj.get("sources", [])
    if not isinstance(sources, list):
        problems.append(f"{where}`sources` is {type(sources).__name__}, not an array; no source read")
        sources = []
    part.sources = [_text(s, problems, f"{where}sources[{i}]") for i, s in enumerate(sources)]
    nulls = [i for i, s in enumerate(part.sources) if s is None]
    if nulls:
        problems.append(f"{where}{len(nulls)} of {len(part.sources)} `sources` are null or not strings (first: sources[{nulls[0]}])")
    names = obj.get("names", [])
    part.names = [valid_text(n) if isinstance(n, str) else None for n in names] if isinstance(names, list) else []
    contents = obj.get("sourcesContent")
    if contents is not None:
        if not isinstance(contents, list):
            problems.append(f"{where}`sourcesContent` is {type(contents).__name__}, not an array; no content read")
        else:
            part.contents = []
            for i, c in enumerate(contents):
                if c is not None and not isinstance(c, str):
                    problems.append(f"{where}sourcesContent[{i}] is neither a string nor null")
                part.contents.append(_text(c, problems, f"{where}sourcesContent[{i}]"))
            if len(part.contents) != len(part.sources):
                problems.append(f"{where}`sourcesContent` has {len(part.contents)} entries for {len(part.sources)} sources")
    return part


def _sections(sections, problems: list[str]) -> list[MapPart]:
    if not isinstance(sections, list):
        raise MapError("`sections` is not an array")
    out: list[MapPart] = []
    for i, sec in enumerate(sections):
        where = f"sections[{i}]"
        if not isinstance(sec, dict):
            problems.append(f"{where} is {type(sec).__name__}, not an object; skipped")
            continue
        if "url" in sec and "map" not in sec:
            problems.append(f"{where} refers to a map by `url`; such sections are not followed")
            continue
        body = sec.get("map")
        if not isinstance(body, dict):
            problems.append(f"{where} has no `map` object; skipped")
            continue
        try:
            part = _part(body, problems, f"{where}.map: ", top=False)
        except MapError as exc:  # one bad section loses only itself
            problems.append(f"{where} skipped: {exc}")
            continue
        offset = sec.get("offset")
        line = offset.get("line") if isinstance(offset, dict) else None
        part.offset_line = line if isinstance(line, int) and not isinstance(line, bool) and line >= 0 else 0
        out.append(part)
    return out


# -- source paths ---------------------------------------------------------------------------

SCHEME = re.compile(r"^([a-zA-Z][\w+.-]*):(//)?")
WEBPACK_RUNTIME = re.compile(r"^(webpack/(bootstrap|runtime|universalModuleDefinition)|\(webpack\)|webpack/)")


def normalize_source(source: str, source_root: str, map_path: str) -> tuple[str, bool]:
    """(normalized path, third_party) of a `sources` entry.

    `sourceRoot` is prefixed to relative sources; `webpack://<namespace>/` and other `scheme://host/`
    prefixes are dropped (such paths are relative to the project root); plain relative paths are
    resolved against the map's directory, as the spec says; `..` that would leave the root, query
    strings (`?ab12`) and leading `./` are removed. Third party: under `node_modules/`, the webpack
    runtime, or bundler-generated (`\\0`-prefixed) modules.
    """
    s = source.replace("\\", "/")
    if source_root and not SCHEME.match(s) and not s.startswith("/"):
        s = source_root.rstrip("/") + "/" + s
    generated = s.startswith("\x00") or s.startswith("<")
    s = s.lstrip("\x00")
    m = SCHEME.match(s)
    if m:
        rest = s[m.end():]
        if m.group(1).lower() == "file":
            s = "/" + rest.lstrip("/")
        elif m.group(2):  # scheme://namespace/path: the namespace is not part of the path
            slash = rest.find("/")
            s = rest[slash + 1:] if slash >= 0 else rest
        else:
            s = rest
        base = ""
    else:
        base = posixpath.dirname(map_path)
    s = s.split("?", 1)[0].split("#", 1)[0]
    if s.startswith("/"):
        p = posixpath.normpath(s).lstrip("/")
    else:
        p = posixpath.normpath(posixpath.join(base, s)) if s else base
    parts = [x for x in p.split("/") if x not in ("", ".", "..")]
    p = "/".join(parts) or "unnamed"
    third = generated or "node_modules/" in "/" + p + "/" or bool(WEBPACK_RUNTIME.match(p))
    return p, third


# -- literals: rebuilt sources vs the shipped bundle -----------------------------------------

MIN_LITERAL = 6
MAX_LITERAL = 4096
STOPWORDS = frozenset({
    "use strict", "use client", "use server", "object", "string", "number", "boolean", "function", "undefined",
    "symbol", "bigint", "default", "__esModule", "length", "prototype", "constructor", "message", "toString",
    "production", "development", "utf-8", "utf8", "content-type", "application/json",
})
TYPE_NODES = frozenset({
    "literal_type", "type_annotation", "type_alias_declaration", "interface_declaration", "type_arguments",
    "index_signature", "ambient_declaration", "predefined_type", "union_type", "template_literal_type",
    "type_parameters", "lookup_type", "indexed_access_type",
})
IMPORT_NODES = frozenset({"import_statement", "export_statement", "import_require_clause", "external_module_reference", "module", "import_alias"})
@cache
def _literal_query(language: str) -> tree_sitter.Query:
    src = "(string) @s (template_string) @t"
    if language in ("javascript", "tsx"):
        src += " (jsx_text) @j"
    return tree_sitter.Query(grammar(language), src)


def _excluded(node: tree_sitter.Node) -> bool:
    p = node.parent
    if p is None:
        return False
    if p.type in IMPORT_NODES:
        return True
    if p.type == "arguments":
        call = p.parent
        if call is not None and call.type == "call_expression":
            fn = call.child_by_field_name("function")
            if fn is not None and (fn.type == "import" or (fn.type == "identifier" and fn.text == b"require")):
                return True
    a = p
    for _ in range(8):
        if a is None:
            break
        if a.type in TYPE_NODES:
            return True
        a = a.parent
    return False


def literals(text: str, path: str) -> set[str] | None:
    """Distinctive string literals of a JS/TS source (None when the language is not JS/TS)."""
    language = language_for(path)
    if language not in ("javascript", "typescript", "tsx"):
        return None
    data = text.encode("utf-8", "surrogatepass")
    tree = tree_sitter.Parser(grammar(language)).parse(data)
    out: set[str] = set()
    caps = tree_sitter.QueryCursor(_literal_query(language)).captures(tree.root_node)
    for name, nodes in caps.items():
        for node in nodes:
            if name == "j":
                value = " ".join(data[node.start_byte:node.end_byte].decode("utf-8", "replace").split())
            else:
                if _excluded(node):
                    continue
                if name == "t" and any(c.type == "template_substitution" for c in node.children):
                    continue
                value = js_string_value(node, lambda n: data[n.start_byte:n.end_byte].decode("utf-8", "replace"))
            if MIN_LITERAL <= len(value) <= MAX_LITERAL and value not in STOPWORDS and any(c.isalpha() for c in value) and value.strip():
                out.add(value)
    return out


SEGMENT = re.compile(rb"[^\"'`]{%d,%d}" % (MIN_LITERAL, MAX_LITERAL))
_QUOTES_AS_ONE = bytes.maketrans(b"'`", b'""')


def segments_of(data: bytes) -> Iterator[bytes]:
    """The matches of SEGMENT in `data`, in order (a run between quotes longer than MAX_LITERAL in
    MAX_LITERAL pieces and its rest), cut with `bytes.split` at every quote (the regex took 2.3 s of
    the scan's own process on a 13 MB bundle)."""
    low, high = MIN_LITERAL, MAX_LITERAL
    for run in data.translate(_QUOTES_AS_ONE).split(b'"'):
        n = len(run)
        if n <= high:
            if n >= low:
                yield run
            continue
        for i in range(0, n, high):
            piece = run[i:i + high]
            if len(piece) >= low:
                yield piece


class BundleIndex:
    """The quote-delimited segments of generated code, hashed, for literal look-ups in O(1).

    Splitting at every quote character needs no tokenizer (so a regex literal or comment cannot
    desynchronize it): every string literal's raw text is one of the segments. Segments with
    escapes are also stored decoded, so `'caf\\u00e9'` in the bundle matches `'café'` in the source.
    """

    def __init__(self, chunks: list[bytes]):
        self.chunks = chunks
        self.keys: set[int] = set()
        for data in chunks:
            segments = list(segments_of(data))
            self.keys.update(map(hash, segments))
            self.keys.update(hash(js_unescape(seg.decode("utf-8", "replace")).encode("utf-8")) for seg in segments if b"\\" in seg)
        self.fallbacks = 0

    def contains(self, literal: str) -> bool:
        """Whether the literal's text occurs as a string in the generated code."""
        b = literal.encode("utf-8", "surrogatepass")
        if any(q in literal for q in "\"'`") or len(b) > MAX_LITERAL:
            if self.fallbacks >= 5000:
                return False
            self.fallbacks += 1
            return any(b in data for data in self.chunks)
        return hash(b) in self.keys


LOOKS_LIKE_TOKEN = re.compile(r"^[A-Za-z0-9+/=_\-.]{20,}$")


def showable(literal: str) -> bool:
    """A literal that may be stored in `map_sources.missing`: not token-like (could be a credential)."""
    return not (LOOKS_LIKE_TOKEN.match(literal) and any(c.isdigit() for c in literal) and any(c.isalpha() for c in literal))
