"""Text from scanned bytes: string-literal values and valid UTF-8.

Two jobs, shared by the readers (`auditor.sources`) and extraction (`auditor.extract`):

- **Literal values.** The value of a JavaScript/TypeScript or Python string literal is computed
  from the grammar's own tokens (`string_fragment`/`string_content` and `escape_sequence` nodes of
  tree-sitter) and the standard library: a JavaScript literal is rewritten as a JSON string (each
  `escape_sequence` node turned into its JSON escape) and read with `json.loads`, which also joins
  surrogate pairs; a Python literal is read with `ast.literal_eval`. Nothing here tokenizes a
  literal by hand, and nothing raises for a bad escape: it is kept as written.
- **Valid text.** `valid_text` makes any string valid UTF-8 for a record: a lone surrogate (from a
  `\\ud800` escape, or a byte kept by the `surrogateescape` error handler) is replaced by its
  escaped, displayable form (`\\ud800`, `\\xed`). `decode_json_bytes` decodes JSON bytes so that
  invalid UTF-8 inside a string becomes the text `\\xNN` instead of failing the whole document.
"""

from __future__ import annotations

import ast
import codecs
import json
import re
import warnings

import tree_sitter

__all__ = ["decode_json_bytes", "has_invalid_text", "js_string_value", "js_unescape", "python_string_value", "query_string_value", "valid_text"]


# -- valid text -------------------------------------------------------------------------------

_SURROGATE = re.compile("[\ud800-\udfff]")


def _escape_surrogate(m: re.Match) -> str:
    code = ord(m.group())
    if 0xDC80 <= code <= 0xDCFF:  # a raw byte kept by surrogateescape
        return f"\\x{code - 0xDC00:02x}"
    return f"\\u{code:04x}"


def valid_text(s: str) -> str:
    """`s` with every surrogate code point (never valid in UTF-8) replaced by an escape: `\\xNN`
    for a byte kept by the `surrogateescape` handler (U+DC80..U+DCFF), `\\uXXXX` otherwise.
    Valid strings are returned unchanged (the common case costs one `str.encode`, an ASCII string
    nothing)."""
    if s.isascii():
        return s
    try:
        s.encode("utf-8")
        return s
    except UnicodeEncodeError:
        return _SURROGATE.sub(_escape_surrogate, s)


def has_invalid_text(s: str) -> bool:
    """Whether `s` holds a surrogate code point (so `valid_text` would change it)."""
    if s.isascii():
        return False
    try:
        s.encode("utf-8")
        return False
    except UnicodeEncodeError:
        return True


def _json_backslash(exc: UnicodeDecodeError):
    bad = exc.object[exc.start:exc.end]
    return "".join(f"\\\\x{b:02x}" for b in bad), exc.end


codecs.register_error("auditor-json-backslash", _json_backslash)


def decode_json_bytes(data: bytes) -> str:
    """JSON bytes as text for `json.loads`: a UTF-8 BOM dropped, invalid UTF-8 bytes written as the
    JSON text `\\\\xNN` (inside a string that reads back as the visible `\\xNN`; outside one it is a
    JSON syntax error, as the bytes were)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    return data.decode("utf-8", "auditor-json-backslash")


# -- JavaScript / TypeScript ------------------------------------------------------------------

_SIMPLE_VALUE = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\x0b", '"': '"', "\\": "\\", "/": "/"}
_LINE_CONTINUATION = ("\n", "\r\n", "\r", "\u2028", "\u2029")
_JS_ESCAPE = re.compile(r"\\(?:u\{[0-9a-fA-F]*\}?|u[0-9a-fA-F]{0,4}|x[0-9a-fA-F]{0,2}|[0-7]{1,3}|\r\n|[\s\S])?")


def _escape_char(esc: str) -> str | None:
    """The value of one JavaScript escape (its text, backslash included, as `_JS_ESCAPE` matches
    it); None when it is not a valid escape (then it is kept as written)."""
    body = esc[1:]
    if not body:
        return None
    if body in _LINE_CONTINUATION:
        return ""
    c = body[0]
    if c == "x":
        return chr(int(body[1:], 16)) if len(body) == 3 else None
    if c == "u":
        if body.startswith("u{"):
            digits = body[2:-1] if body.endswith("}") else ""
            if not digits or len(digits) > 8 or int(digits, 16) > 0x10FFFF:
                return None
            return chr(int(digits, 16))
        return chr(int(body[1:], 16)) if len(body) == 5 else None
    if c in "01234567" and len(body) <= 3 and all(ch in "01234567" for ch in body):
        code = int(body, 8)
        return chr(code) if code < 256 else None
    if len(body) == 1 and c in _SIMPLE_VALUE:
        return _SIMPLE_VALUE[c]
    return body  # identity escape (`\'`, `\q`, `\8`): the character itself


def _json_escape(esc: str) -> str | None:
    """One JavaScript escape as JSON string text (a lone surrogate stays `\\udXXX`, so that JSON
    joins a pair); None when it is not a valid escape."""
    value = _escape_char(esc)
    return None if value is None else json.dumps(value)[1:-1]


def _js_json_text(pieces: list[tuple[bool, str]]) -> str:
    out = ['"']
    for is_escape, piece in pieces:
        if is_escape:
            j = _json_escape(piece)
            out.append(json.dumps(piece)[1:-1] if j is None else j)
        else:
            out.append(json.dumps(piece)[1:-1])
    out.append('"')
    return "".join(out)


def _loads(text: str, fallback: str) -> str:
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return fallback
    return value if isinstance(value, str) else fallback


def js_string_value(node: tree_sitter.Node, source_text) -> str:
    """The value of a JavaScript/TypeScript `string` or substitution-free `template_string` node:
    its `string_fragment` texts and decoded `escape_sequence` nodes (anything else between the
    delimiters, such as an `ERROR` node around a malformed escape, kept as written).
    `source_text(node) -> str` decodes a node's bytes. Valid UTF-8 (see `valid_text`)."""
    whole = source_text(node)
    if "\\" not in whole:  # no escape: the text between the delimiters (most literals)
        return valid_text(whole[1:-1])
    kids = node.children
    if len(kids) < 2:
        return valid_text(whole[1:-1])
    pieces: list[tuple[bool, str]] = []
    any_escape = False
    for k in kids[1:-1]:
        if k.type == "escape_sequence":
            any_escape = True
            pieces.append((True, source_text(k)))
        elif k.type == "template_substitution":
            continue
        else:
            pieces.append((False, source_text(k)))
    raw = "".join(p for _, p in pieces)
    if not any_escape:
        return valid_text(raw)
    return valid_text(_loads(_js_json_text(pieces), raw))


def js_unescape(raw: str) -> str:
    """The value of a JavaScript string literal's text between its quotes, when no syntax tree is
    at hand (quote-delimited segments of a bundle): escapes are located by the escape grammar of
    ECMAScript and read as in `js_string_value` (the same value, without its JSON round trip: a
    bundle has tens of thousands of such segments). Never raises; valid UTF-8."""
    if "\\" not in raw:
        return valid_text(raw)
    value = _JS_ESCAPE.sub(_escape_value, raw)
    if not value.isascii() and has_invalid_text(value):  # `\ud83d\ude00`: one character, as JSON reads it
        value = value.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")
    return valid_text(value)


def _escape_value(m: re.Match) -> str:
    """The value of one escape `_JS_ESCAPE` matched (`_escape_char`); the escape as written when it
    is not valid."""
    value = _escape_char(m.group())
    return m.group() if value is None else value


# -- tree-sitter query strings -----------------------------------------------------------------

_QUERY_ESCAPE = re.compile(r"\\([\s\S])")
_QUERY_SIMPLE = {"n": "\\n", "t": "\\t", "r": "\\r", "0": "\\u0000"}


def query_string_value(raw: str) -> str:
    """The value of a string in a tree-sitter query (`(#set! key "raw")`), as tree-sitter reads it:
    `\\n`, `\\t`, `\\r`, `\\0` are control characters, any other escaped character is itself.
    Rewritten as a JSON string and read with `json.loads`; never raises."""
    if "\\" not in raw:
        return raw
    pieces, pos = ['"'], 0
    for m in _QUERY_ESCAPE.finditer(raw):
        pieces.append(json.dumps(raw[pos:m.start()])[1:-1])
        c = m.group(1)
        pieces.append(_QUERY_SIMPLE.get(c) or json.dumps(c)[1:-1])
        pos = m.end()
    pieces.append(json.dumps(raw[pos:])[1:-1] + '"')
    return _loads("".join(pieces), raw)


# -- Python ------------------------------------------------------------------------------------

def python_string_value(node: tree_sitter.Node, source_text) -> str | None:
    """The value of one Python `string` node (no implicit concatenation): None for a byte string or
    an f-string with an interpolation; otherwise read with `ast.literal_eval` (an f-string without
    interpolation as the plain string it equals, `{{`/`}}` as single braces). A literal the
    standard library rejects (a bad `\\N{...}` name) is kept as written between its quotes.
    Valid UTF-8 (see `valid_text`)."""
    kids = node.children
    if not kids or kids[0].type != "string_start":
        return None
    prefix_quote = source_text(kids[0])
    quote_at = len(prefix_quote) - len(prefix_quote.lstrip("rRuUbBfFtT"))
    prefix, quote = prefix_quote[:quote_at].lower(), prefix_quote[quote_at:]
    if "b" in prefix:
        return None
    parts: list[str] = []
    for k in kids[1:-1]:
        if k.type == "interpolation":
            return None
        if k.type != "string_content":
            continue
        if "f" in prefix and k.children:  # `{{` / `}}` are escape_interpolation nodes: one brace each
            data, pos, pieces = k.text or b"", k.start_byte, []
            for c in k.children:
                if c.type == "escape_interpolation":
                    pieces.append(data[pos - k.start_byte:c.start_byte - k.start_byte])
                    pieces.append(data[c.start_byte - k.start_byte:c.start_byte - k.start_byte + 1])
                    pos = c.end_byte
            pieces.append(data[pos - k.start_byte:])
            parts.append(b"".join(pieces).decode("utf-8", "replace"))
        else:
            parts.append(source_text(k))
    raw = "".join(parts)
    if "\\" not in raw or "r" in prefix:
        return valid_text(raw)
    literal = prefix.replace("f", "").replace("t", "") + quote + raw + quote
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # an invalid escape (`\q`) is a SyntaxWarning: kept as written
            value = ast.literal_eval(literal)
    except (SyntaxError, ValueError, MemoryError, RecursionError, OverflowError):
        return valid_text(raw)
    return valid_text(value) if isinstance(value, str) else valid_text(raw)
