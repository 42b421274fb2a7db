"""Property-based tests (Hypothesis) of the readers: the source-map reader, the tar and zip readers
(archives built from random members), and string-literal values.

Properties: a reader never raises for bad content (only its documented error: `MapError` for a map
that is not one); every string it returns is valid UTF-8; nothing is lost to an internal error (no
`*-failed` diagnostic); a string literal reads back as the value that wrote it (json.dumps / repr
as the oracle). Kept fast: modest `max_examples`, no deadline.
"""

from __future__ import annotations

import dataclasses
import io
import json
import tarfile
import tempfile
import zipfile
from pathlib import Path

import pytest
import tree_sitter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor.config import Config
from auditor.extract.syntax import string_value
from auditor.languages import grammar
from auditor.models import Diagnostic
from auditor.sources import sourcemap
from auditor.sources.artifact import ArtifactSource
from auditor.sources.npm import NpmCoverage, parse_package_json
from auditor.strings import js_unescape, query_string_value, valid_text

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def strings_of(obj, seen=None):
    """Every str reachable from a record (dataclasses, lists, tuples, dicts)."""
    if isinstance(obj, str):
        yield obj
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            if f.name not in ("buf", "data", "handle"):
                yield from strings_of(getattr(obj, f.name))
    elif isinstance(obj, (list, tuple)):
        for x in obj:
            yield from strings_of(x)
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield from strings_of(k)
            yield from strings_of(v)


def assert_valid(obj) -> None:
    for s in strings_of(obj):
        s.encode("utf-8")


# -- source maps ------------------------------------------------------------------------------

HOSTILE_TEXT = st.sampled_from(["\\ud800", "\\udc80", "\\u", "\\q", "\\u12", "\ud800", "\udcff", "\x00", "\\", '"', "\n", "é", "\U0001F600", "../", "webpack://x/"])
TEXT = st.lists(st.one_of(st.text(max_size=12), HOSTILE_TEXT), max_size=6).map("".join)
JSON_LEAF = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), TEXT)
JSON_VALUE = st.recursive(JSON_LEAF, lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(TEXT, inner, max_size=4)), max_leaves=12)


def _map_strategy():
    field = st.one_of(JSON_VALUE, TEXT)
    plain = st.fixed_dictionaries(
        {"version": st.sampled_from([3, 3, 3, 2, "3", None])},
        optional={"file": field, "sourceRoot": field, "sources": st.one_of(st.lists(st.one_of(TEXT, st.none(), JSON_VALUE), max_size=5), field),
                  "sourcesContent": st.one_of(st.lists(st.one_of(TEXT, st.none(), JSON_VALUE), max_size=5), field),
                  "names": st.lists(field, max_size=3), "mappings": st.one_of(st.just("AAAA;AACA"), field)})
    index = st.fixed_dictionaries({"version": st.just(3), "sections": st.lists(st.one_of(st.fixed_dictionaries({"map": plain}), JSON_VALUE), max_size=3)})
    return st.one_of(plain, index)


def _dump(obj) -> bytes:
    """JSON text with lone surrogates written as `\\uXXXX` escapes or as raw (encoded) bytes."""
    return json.dumps(obj).encode("utf-8", "surrogatepass")


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_map_strategy(), st.sampled_from(["escape", "raw"]))
def test_map_reader_reads_or_refuses_and_every_string_is_valid(obj, how):
    raw = json.dumps(obj, ensure_ascii=how == "escape").encode("utf-8", "surrogatepass")
    try:
        pm = sourcemap.parse_map(raw)
    except sourcemap.MapError as exc:
        assert str(exc)
        return
    assert_valid(pm.top)
    assert_valid(pm.problems)
    for src in pm.flat_sources():
        assert_valid(src)
        if src.source is not None:
            path, _ = sourcemap.normalize_source(src.source, src.root, "dist/app.js.map")
            path.encode("utf-8")


@FAST
@given(st.binary(max_size=300), st.integers(min_value=0, max_value=3))
def test_map_reader_never_raises_on_mutated_bytes(noise, where):
    base = _dump({"version": 3, "sources": ["a.ts"], "sourcesContent": ["x"], "mappings": "AAAA"})
    cut = [0, len(base) // 3, len(base) // 2, len(base)][where]
    raw = base[:cut] + noise + base[cut:]
    try:
        pm = sourcemap.parse_map(raw)
    except sourcemap.MapError:
        return
    assert_valid(pm.top)
    assert_valid(pm.problems)


@FAST
@given(st.integers(min_value=500, max_value=200_000))
def test_deep_nesting_is_a_map_error_or_read(depth):
    raw = b'{"version": 3, "mappings": "", "sources": ' + b"[" * depth + b'"a"' + b"]" * depth + b"}"
    try:
        pm = sourcemap.parse_map(raw)
    except sourcemap.MapError as exc:
        assert "nested" in str(exc)
        return
    assert pm.flat_sources()[0].source is None


@FAST
@given(JSON_VALUE, st.lists(TEXT, max_size=5))
def test_package_json_and_ignore_lines_never_raise(obj, lines):
    problems: list[str] = []
    pkg = parse_package_json(json.dumps(obj).encode("utf-8", "surrogatepass"), problems)
    assert_valid(problems)
    if pkg is None:
        assert problems
        return
    assert_valid(pkg)
    cov = NpmCoverage(pkg, {"": lines, "sub/": lines})
    assert_valid(cov.problems)
    for p in ("index.js", "sub/x.js", ".env", "node_modules/a/b.js"):
        cov.covered(p)


# -- archives -----------------------------------------------------------------------------------

NAMES = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1, max_size=20),
    st.sampled_from(["../evil.js", "/abs.js", "a/../../b.js", "", ".", "./x.js", "C:\\x.js", "a\udcff.js", "dir/", "x.js", "x.js", ".env", "a.tgz"]),
)
MEMBER = st.tuples(NAMES, st.sampled_from(["file", "file", "file", "dir", "symlink", "hardlink", "fifo", "chr"]),
                   st.one_of(st.binary(max_size=200), st.sampled_from([b"process.env.P_FLAG\n", b'{"name": "p", "files": ["!"]}', b"!\n[\n"])),
                   st.sampled_from(["x.js", "../../etc/passwd", "/etc/passwd", ""]))


def _tar(members, prefix: bool) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w:gz", format=tarfile.GNU_FORMAT, encoding="utf-8", errors="surrogateescape") as tar:
        for name, kind, data, target in members:
            info = tarfile.TarInfo(("package/" if prefix else "") + name)
            if kind == "file":
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
                continue
            info.type = {"dir": tarfile.DIRTYPE, "symlink": tarfile.SYMTYPE, "hardlink": tarfile.LNKTYPE, "fifo": tarfile.FIFOTYPE, "chr": tarfile.CHRTYPE}[kind]
            info.linkname = target if kind in ("symlink", "hardlink") else ""
            tar.addfile(info)
    return raw.getvalue()


def _zip(members) -> bytes:
    import stat

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, kind, data, target in members:
            info = zipfile.ZipInfo(name.encode("utf-8", "surrogateescape").decode("cp437") if "\udcff" in name else name)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            mode = {"file": stat.S_IFREG, "dir": stat.S_IFDIR, "symlink": stat.S_IFLNK, "hardlink": stat.S_IFREG, "fifo": stat.S_IFIFO, "chr": stat.S_IFCHR}[kind]
            info.external_attr = (mode | 0o644) << 16
            with z.open(info, "w") as fh:
                fh.write(target.encode() if kind == "symlink" else data)
    return buf.getvalue()


def _audit(path: Path, fmt: str) -> list:
    src = ArtifactSource(str(path), path, fmt, Config(extra={"artifacts": {"secrets": False}}))
    out = list(src.iter_files())
    failed = [d for d in out if isinstance(d, Diagnostic) and d.code.endswith("-failed")]
    assert not failed, failed
    for rec in out:
        assert_valid(rec)
    return out


@FAST
@given(st.lists(MEMBER, max_size=8), st.booleans(), st.one_of(st.none(), st.floats(min_value=0.05, max_value=0.95)))
def test_tar_reader_on_random_members(tmp_path_factory, members, prefix, cut):
    data = _tar(members, prefix)
    if cut is not None:
        data = data[: int(len(data) * cut)]
    p = tmp_path_factory.mktemp("tar") / "t.tgz"
    p.write_bytes(data)
    _audit(p, "tar")


@pytest.mark.filterwarnings("ignore:Duplicate name")
@FAST
@given(st.lists(MEMBER, max_size=8), st.one_of(st.none(), st.floats(min_value=0.05, max_value=0.95)))
def test_zip_reader_on_random_members(tmp_path_factory, members, cut):
    data = _zip(members)
    if cut is not None:
        data = data[: int(len(data) * cut)]
    p = tmp_path_factory.mktemp("zip") / "z.whl"
    p.write_bytes(data)
    _audit(p, "zip")


# -- string values ------------------------------------------------------------------------------

def _string_node(language: str, src: str) -> tree_sitter.Node | None:
    """The first string node of `src` in document order (None when the parser found none)."""
    tree = tree_sitter.Parser(grammar(language)).parse(src.encode("utf-8", "surrogatepass"))
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.type in ("string", "template_string"):
            return node
        stack.extend(reversed(node.children))
    return None


ANY_TEXT = st.text(max_size=30)


@FAST
@given(ANY_TEXT)
def test_js_string_value_reads_back_what_json_dumps_wrote(s):
    src = "x = " + json.dumps(s) + ";"
    assert string_value(_string_node("javascript", src)) == valid_text(s)


@FAST
@given(ANY_TEXT)
def test_python_string_value_reads_back_what_repr_wrote(s):
    src = "x = " + repr(s) + "\n"
    assert string_value(_string_node("python", src)) == valid_text(s)


@FAST
@given(ANY_TEXT)
def test_js_unescape_matches_json_on_json_text(s):
    assert js_unescape(json.dumps(s)[1:-1]) == valid_text(s)


@FAST
@given(st.text(max_size=40))
def test_decoders_never_raise_and_return_valid_text(s):
    js_unescape(s).encode("utf-8")
    query_string_value(s)
    node = _string_node("javascript", "x = '" + s.replace("\x00", "").replace("'", "").replace("\n", "").replace("\r", "").replace("\u2028", "").replace("\u2029", "") + "';")
    value = string_value(node) if node is not None else None  # `\\'` at the end escapes the quote: no string
    if value is not None:
        value.encode("utf-8")


_ESCAPE_PIECES = st.lists(st.sampled_from(["\\", "u", "{", "}", "x", "0", "7", "8", "4", "1F6", "d83d", "de00", "D800", "n", "'", "\r", "\n",
                                             "\u2028", "\ud83d", "\ude00", "é", "a", "q"]), max_size=16).map("".join)


@FAST
@given(_ESCAPE_PIECES)
def test_js_unescape_reads_escapes_as_js_string_value_does(raw):
    from auditor import strings

    pieces, pos = [], 0  # the JSON round trip `js_string_value` reads escape_sequence nodes with
    for m in strings._JS_ESCAPE.finditer(raw):
        if m.start() > pos:
            pieces.append((False, raw[pos:m.start()]))
        pieces.append((True, m.group()))
        pos = m.end()
    if pos < len(raw):
        pieces.append((False, raw[pos:]))
    expected = strings._loads(strings._js_json_text(pieces), raw) if "\\" in raw else raw  # no escape: the text as it is
    assert js_unescape(raw) == valid_text(expected)


@pytest.mark.parametrize("raw, value", [
    (r"caf\u00e9", "café"), (r"\x41\u{1F600}", "A😀"), (r"\ud83d\ude00", "😀"), (r"\ud800", "\\ud800"),
    (r"\q\'", "q'"), ("a\\\nb", "ab"), (r"\0", "\0"), (r"\101", "A"), (r"\u", "\\u"), (r"\u{110000}", "\\u{110000}"),
])
def test_js_unescape_examples(raw, value):
    assert js_unescape(raw) == value


def test_tempdir_is_left_clean(tmp_path, monkeypatch):
    private = tmp_path / "tmp"
    private.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    p = tmp_path / "t.tgz"
    p.write_bytes(_tar([("a.js", "file", b"process.env.P\n", "")], True))
    _audit(p, "tar")
    assert list(private.iterdir()) == []
