"""Source maps (v3, including index maps with `sections`): find them, parse them in bounded memory,
normalize their source paths, and decide which original code a bundle no longer ships.

Parsing never builds the map as one Python object: the JSON is walked token by token over the raw
bytes, the large members are only *located* (`sourcesContent` items as byte ranges, `mappings` and
`names` skipped), and each source's content is decoded on its own when it is rebuilt. A 50 MB
single-line map therefore costs its bytes plus one source at a time.

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
from dataclasses import dataclass, field
from functools import cache

import tree_sitter

from auditor.languages import grammar, language_for

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


# -- bounded-memory v3 parser ----------------------------------------------------------------

WS = re.compile(rb"[ \t\n\r]*")
STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
SCALAR = re.compile(rb"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|true|false|null")
TOKEN = re.compile(rb'[ \t\n\r]*(?:("[^"\\]*(?:\\.[^"\\]*)*")|([\[\]{},:])|(-?[0-9][0-9.eE+-]*|true|false|null))', re.S)


class MapError(ValueError):
    """The map is not valid JSON or not a v3 map; the message says where."""


@dataclass(slots=True)
class MapPart:
    """A plain map, or one section of an index map."""

    version: int | None = None
    file: str | None = None
    source_root: str = ""
    sources: list = field(default_factory=list)
    contents: list | None = None
    """Per source: (start, end) byte range of the JSON string in the buffer, or None for null."""
    mappings_bytes: int = 0
    has_mappings: bool = False
    sections: list[MapPart] = field(default_factory=list)
    is_index: bool = False


@dataclass(slots=True)
class Source:
    """One source of a (possibly index) map, flattened over sections."""

    idx: int
    source: str | None
    root: str
    content: tuple[int, int] | None


@dataclass(slots=True)
class ParsedMap:
    """A parsed map over `buf`; `problems` are non-fatal oddities (each becomes a diagnostic)."""

    buf: bytes
    top: MapPart
    problems: list[str] = field(default_factory=list)

    def flat_sources(self) -> list[Source]:
        """Every source with its content range, sections in order."""
        out: list[Source] = []
        parts = self.top.sections if self.top.is_index else [self.top]
        for part in parts:
            for i, src in enumerate(part.sources):
                content = part.contents[i] if part.contents is not None and i < len(part.contents) else None
                out.append(Source(len(out), src, part.source_root, content))
        return out

    def content(self, src: Source) -> str | None:
        """Decode one source's content (raises MapError when that string is not valid JSON)."""
        if src.content is None:
            return None
        a, b = src.content
        try:
            return json.loads(self.buf[a:b])
        except (ValueError, UnicodeDecodeError) as exc:
            raise MapError(f"sourcesContent[{src.idx}] is not a valid JSON string: {exc}") from exc


def parse_map(buf: bytes) -> ParsedMap:
    """Parse a v3 source map held in `buf`. Raises MapError for bad JSON or an unusable map."""
    pos = 0
    if buf.startswith(b"\xef\xbb\xbf"):
        pos = 3
    if buf.startswith(b")]}'", pos):  # XSSI prefix allowed by the spec: skip the first line
        nl = buf.find(b"\n", pos)
        pos = len(buf) if nl < 0 else nl + 1
    pm = ParsedMap(buf, MapPart())
    pos = _ws(buf, pos)
    part, pos = _parse_object(buf, pos, 0, pm.problems)
    pos = _ws(buf, pos)
    if pos != len(buf):
        raise MapError(f"unexpected data after the JSON object at byte {pos}")
    pm.top = part
    _validate(part, pm.problems, top=True)
    return pm


def _ws(buf: bytes, pos: int) -> int:
    return WS.match(buf, pos).end()


def _expect(buf: bytes, pos: int, ch: bytes) -> int:
    pos = _ws(buf, pos)
    if buf[pos:pos + 1] != ch:
        found = buf[pos:pos + 1].decode("latin-1") or "end of data"
        raise MapError(f"expected {ch.decode()!r} at byte {pos}, found {found!r}")
    return pos + 1


def _string_end(buf: bytes, pos: int) -> int:
    m = STRING.match(buf, pos)
    if m is None:
        raise MapError(f"unterminated or invalid string at byte {pos}")
    return m.end()


def _skip(buf: bytes, pos: int) -> int:
    """End of the JSON value starting at `pos` (structure checked loosely; small values are then
    parsed with json.loads, which checks them fully)."""
    pos = _ws(buf, pos)
    c = buf[pos:pos + 1]
    if c == b'"':
        return _string_end(buf, pos)
    if c not in (b"[", b"{"):
        m = SCALAR.match(buf, pos)
        if m is None or m.end() == pos:
            raise MapError(f"invalid JSON value at byte {pos}")
        return m.end()
    depth = 0
    while True:
        m = TOKEN.match(buf, pos)
        if m is None:
            raise MapError(f"invalid JSON at byte {_ws(buf, pos)}")
        pos = m.end()
        punct = m.group(2)
        if punct in (b"[", b"{"):
            depth += 1
        elif punct in (b"]", b"}"):
            depth -= 1
            if depth == 0:
                return pos


def _load(buf: bytes, pos: int):
    end = _skip(buf, pos)
    try:
        return json.loads(buf[pos:end]), end
    except (ValueError, UnicodeDecodeError) as exc:
        raise MapError(f"invalid JSON value at byte {pos}: {exc}") from exc


def _parse_object(buf: bytes, pos: int, depth: int, problems: list[str]) -> tuple[MapPart, int]:
    part = MapPart()
    pos = _expect(buf, pos, b"{")
    pos = _ws(buf, pos)
    if buf[pos:pos + 1] == b"}":
        return part, pos + 1
    while True:
        pos = _ws(buf, pos)
        if buf[pos:pos + 1] != b'"':
            raise MapError(f"expected a member name at byte {pos}")
        kend = _string_end(buf, pos)
        try:
            key = json.loads(buf[pos:kend])
        except (ValueError, UnicodeDecodeError) as exc:
            raise MapError(f"invalid member name at byte {pos}") from exc
        pos = _ws(buf, _expect(buf, kend, b":"))
        if key == "sourcesContent":
            part.contents, pos = _parse_contents(buf, pos)
        elif key == "mappings":
            if buf[pos:pos + 1] == b'"':
                end = _string_end(buf, pos)
                part.mappings_bytes, part.has_mappings = end - pos - 2, True
                pos = end
            else:
                value, pos = _load(buf, pos)
                problems.append(f"`mappings` is {type(value).__name__}, not a string")
        elif key == "sections":
            part.is_index = True
            part.sections, pos = _parse_sections(buf, pos, depth, problems)
        elif key in ("version", "file", "sourceRoot", "sources"):
            value, pos = _load(buf, pos)
            if key == "version":
                part.version = value if isinstance(value, int) and not isinstance(value, bool) else -1
            elif key == "file":
                part.file = value if isinstance(value, str) else None
            elif key == "sourceRoot":
                part.source_root = value if isinstance(value, str) else ""
            else:
                if not isinstance(value, list):
                    raise MapError("`sources` is not an array")
                part.sources = value
        else:
            pos = _skip(buf, pos)
        pos = _ws(buf, pos)
        c = buf[pos:pos + 1]
        if c == b",":
            pos += 1
            continue
        if c == b"}":
            return part, pos + 1
        raise MapError(f"expected ',' or '}}' at byte {pos}")


def _parse_contents(buf: bytes, pos: int) -> tuple[list, int]:
    if buf[pos:pos + 1] != b"[":
        raise MapError(f"`sourcesContent` is not an array (byte {pos})")
    pos += 1
    items: list = []
    while True:
        pos = _ws(buf, pos)
        c = buf[pos:pos + 1]
        if c == b"]" and not items:
            return items, pos + 1
        if c == b'"':
            end = _string_end(buf, pos)
            items.append((pos, end))
            pos = end
        elif buf.startswith(b"null", pos):
            items.append(None)
            pos += 4
        else:
            raise MapError(f"sourcesContent[{len(items)}] is neither a string nor null (byte {pos})")
        pos = _ws(buf, pos)
        c = buf[pos:pos + 1]
        if c == b",":
            pos += 1
        elif c == b"]":
            return items, pos + 1
        else:
            raise MapError(f"expected ',' or ']' in sourcesContent at byte {pos}")


def _parse_sections(buf: bytes, pos: int, depth: int, problems: list[str]) -> tuple[list[MapPart], int]:
    if depth > 0:
        raise MapError("an index map section holds another index map (not allowed by the spec)")
    if buf[pos:pos + 1] != b"[":
        raise MapError(f"`sections` is not an array (byte {pos})")
    pos += 1
    out: list[MapPart] = []
    while True:
        pos = _ws(buf, pos)
        if buf[pos:pos + 1] == b"]" and not out:
            return out, pos + 1
        pos = _expect(buf, pos, b"{")
        section: MapPart | None = None
        while True:
            pos = _ws(buf, pos)
            if buf[pos:pos + 1] == b"}":
                pos += 1
                break
            kend = _string_end(buf, pos)
            key = json.loads(buf[pos:kend])
            pos = _ws(buf, _expect(buf, kend, b":"))
            if key == "map":
                section, pos = _parse_object(buf, pos, depth + 1, problems)
                if section.is_index:
                    raise MapError("an index map section holds another index map (not allowed by the spec)")
            elif key == "url":
                _, pos = _load(buf, pos)
                problems.append(f"sections[{len(out)}] refers to a map by `url`; such sections are not followed")
            else:
                pos = _skip(buf, pos)
            pos = _ws(buf, pos)
            if buf[pos:pos + 1] == b",":
                pos += 1
        if section is not None:
            _validate(section, problems, top=False, where=f"sections[{len(out)}].map: ")
            out.append(section)
        pos = _ws(buf, pos)
        c = buf[pos:pos + 1]
        if c == b",":
            pos += 1
        elif c == b"]":
            return out, pos + 1
        else:
            raise MapError(f"expected ',' or ']' in sections at byte {pos}")


def _validate(part: MapPart, problems: list[str], top: bool, where: str = "") -> None:
    if part.version is None and top:
        raise MapError("no `version` member (not a source map)")
    if part.version is not None and part.version != 3:
        raise MapError(f"{where}unsupported source map version {part.version} (expected 3)")
    if part.is_index:
        if part.has_mappings or part.sources:
            problems.append("index map also has `mappings`/`sources`; only `sections` are read")
        return
    if not part.has_mappings:
        problems.append(f"{where}no `mappings` member")
    nulls = [i for i, s in enumerate(part.sources) if not isinstance(s, str)]
    if nulls:
        problems.append(f"{where}{len(nulls)} of {len(part.sources)} `sources` are null or not strings (first: sources[{nulls[0]}])")
    if part.contents is not None and len(part.contents) != len(part.sources):
        problems.append(f"{where}`sourcesContent` has {len(part.contents)} entries for {len(part.sources)} sources")


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
ESCAPE = re.compile(r"\\(u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|\r\n|[\s\S])")
SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0", "\n": "", "\r\n": "", "\r": ""}


def decode_js_string(raw: str) -> str:
    """The value of a JS string literal's raw text (between the quotes)."""
    if "\\" not in raw:
        return raw

    def rep(m: re.Match) -> str:
        e = m.group(1)
        if e[0] == "u":
            code = int(e[2:-1] if e[1] == "{" else e[1:], 16)
            return chr(code) if code <= 0x10FFFF else ""
        if e[0] == "x":
            return chr(int(e[1:], 16))
        return SIMPLE_ESCAPES.get(e, e)

    try:
        return ESCAPE.sub(rep, raw)
    except (ValueError, OverflowError, IndexError):  # a cut escape (`\u` at the end of a cut segment)
        return raw


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
                raw = data[node.start_byte + 1:node.end_byte - 1].decode("utf-8", "replace")
                value = decode_js_string(raw)
            if MIN_LITERAL <= len(value) <= MAX_LITERAL and value not in STOPWORDS and any(c.isalpha() for c in value) and value.strip():
                out.add(value)
    return out


SEGMENT = re.compile(rb"[^\"'`]{%d,%d}" % (MIN_LITERAL, MAX_LITERAL))


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
            for m in SEGMENT.finditer(data):
                seg = m.group()
                self.keys.add(hash(seg))
                if b"\\" in seg:
                    self.keys.add(hash(decode_js_string(seg.decode("utf-8", "replace")).encode("utf-8", "surrogatepass")))
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
