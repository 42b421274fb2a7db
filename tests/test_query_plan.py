"""The query plan (auditor/queries.py): anchors, and the same records as a full pass of every pattern."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import tree_sitter
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor import queries
from auditor.config import Config
from auditor.errors import QueryError
from auditor.extract.engine import Extractor, coalesce
from auditor.languages import grammar, language_for
from auditor.models import SourceFile
from auditor.queries import (
    Pack,
    _compile_whole,
    compile_all,
    compile_for,
    literal_alternation,
    pattern_anchor,
    split_alternatives,
    split_patterns,
    strip_comments,
)
from auditor.scan import load_packs

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted(
    p for base in (ROOT / "tests" / "fixtures", ROOT / "auditor" / "demo")
    for p in base.rglob("*") if p.is_file() and language_for(p.name)
)


@pytest.fixture(scope="module")
def extractors() -> tuple[Extractor, Extractor, Extractor]:
    """The plan with each anchor's range searched alone (what the anchors find by themselves), the
    plan as scans run it (nearby ranges joined), and the full pass."""
    compiled = compile_all(load_packs(Config()))
    return Extractor(compiled, range_gap=0), Extractor(compiled), Extractor(compiled, full_pass=True)


def test_there_are_fixture_sources_of_every_language():
    assert {language_for(p.name) for p in SOURCES} == {"javascript", "typescript", "tsx", "python"}


@pytest.mark.parametrize("path", SOURCES, ids=[str(p.relative_to(ROOT)) for p in SOURCES])
def test_plan_extracts_the_same_records_as_a_full_pass(extractors, path: Path):
    exact, joined, full = extractors
    src = SourceFile(str(path.relative_to(ROOT)), path.read_bytes())
    expected = full.extract(src)
    assert exact.extract(src) == expected
    assert joined.extract(src) == expected


def test_coalesce_joins_ranges_at_most_gap_bytes_apart():
    ranges = [(0, 4), (10, 12), (13, 20), (300, 310), (567, 570)]
    assert coalesce(ranges, 0) == ranges
    assert coalesce(ranges, 1) == [(0, 4), (10, 20), (300, 310), (567, 570)]
    assert coalesce(ranges, 256) == [(0, 20), (300, 310), (567, 570)]
    assert coalesce(ranges, 280) == [(0, 570)]
    assert coalesce([(0, 50), (40, 45)], 0) == [(0, 50)]  # a range inside the previous one
    assert coalesce([], 256) == []


def test_every_builtin_pattern_runs_without_a_whole_tree_walk():
    for language, cq in compile_all(load_packs(Config())).items():
        assert cq.plan.walk is None, language
        parts = [cq.plan.rooted, cq.plan.anchored, cq.plan.gates]
        assert sorted(i for part in parts if part for i in part.patterns) == list(range(cq.query.pattern_count))


def _pack(source: str) -> Pack:
    return Pack("ecma/custom", None, source, ("javascript", "typescript", "tsx"), {"provider": "custom"})


def test_patterns_are_split_by_root_anchor_and_gate_capture():
    cq = compile_for("javascript", [_pack('''
        ; a comment naming @gate.condition does not make the next pattern a gate
        ((call_expression function: (identifier) @flag.method) @flag.read (#eq? @flag.method "isOn"))
        (program (lexical_declaration (variable_declarator name: (identifier) @symbol.name value: (string) @symbol.value)))
        (if_statement condition: (_) @gate.condition consequence: (_) @gate.body) @gate
        (member_expression property: (property_identifier) @flag.key) @flag.read
    ''')])
    plan = cq.plan
    assert plan.anchored.patterns == [0]
    assert plan.rooted.patterns == [1]
    assert plan.gates.patterns == [2]
    assert plan.walk.patterns == [3]
    assert plan.confirm == {b"isOn": (None,)}


def test_a_pattern_without_an_anchor_is_still_found_by_a_whole_tree_walk():
    cq = compile_for("javascript", [_pack('((member_expression object: (identifier) @_o property: (property_identifier) @flag.key) @flag.read (#match? @_o "^cfg$") (#set! method "cfg") (#set! key_kind "name"))')])
    assert cq.plan.anchored is not None and cq.plan.regexes[0].pattern == b"cfg"
    walked = compile_for("javascript", [_pack('((member_expression object: (identifier) @_o property: (property_identifier) @flag.key) @flag.read (#set! method "cfg") (#set! key_kind "name"))')])
    assert walked.plan.walk is not None
    for compiled in (cq, walked):
        res = Extractor({"javascript": compiled}).extract(SourceFile("a.js", b"if (cfg.beta) { run(); }\n"))
        assert [(r.key.value, r.span.line, r.span.col) for r in res.reads] == [("beta", 1, 4)]


@pytest.mark.parametrize(("text", "settings", "expected"), [
    ('(x) (#eq? @m "variation")', {}, (["variation"], None)),
    ('(x) (#any-of? @m "isOn" "isOff")', {}, (["isOn", "isOff"], None)),
    # the predicate whose shortest value is longest wins: `process` over `env`
    ('(x) (#eq? @a "process") (#eq? @b "env")', {}, (["process"], None)),
    ('(x) (#eq? @b "env") (#eq? @a "process")', {}, (["process"], None)),
    # quoted keys are anchored on the identifier inside
    ('(x) (#any-of? @k "name" "\\"name\\"" "\'name\'")', {}, (["name", "name", "name"], None)),
    # values that are not identifiers cannot anchor
    ('(x) (#eq? @args "()") (#match? @k "^is[A-Z]\\\\w*$")', {}, ([], "is[A-Z]\\w*")),
    ('(x) (#match? @k "^.*$")', {}, ([], None)),
    ('(x) (#eq? @a @b)', {}, ([], None)),
    # an explicit identifier replaces the predicates; an explicit expression confirms them
    ('(x) (#eq? @m "tool")', {"anchor": "import"}, (["import"], None)),
    ('(x) (#eq? @m "tool")', {"anchor": "tool\\s*\\("}, (["tool"], "tool\\s*\\(")),
    ('(x)', {"anchor": "\\.\\s*\\w+\\s*="}, ([], "\\.\\s*\\w+\\s*=")),
])
def test_pattern_anchor(text, settings, expected):
    assert pattern_anchor(text, settings) == expected


def test_split_alternatives_keeps_groups_classes_and_escapes_whole():
    assert split_alternatives(r"a|b(c|d)|[|]x|\||e") == ["a", "b(c|d)", "[|]x", r"\|", "e"]
    assert split_alternatives(r"[]|]|y") == ["[]|]", "y"]


def test_literal_alternation_matches_whole_identifiers_only_at_their_end():
    rx = re.compile(literal_alternation(["get", "getValue", "isOn"]).encode())
    assert [m.group() for m in rx.finditer(b"get( getValue( getValues isOn$ isOnly x.isOn")] == [b"get", b"getValue", b"isOn"]


def test_anchor_ranges_drop_hits_inside_identifiers_and_apply_confirmations():
    cq = compile_for("javascript", [_pack('''
        ((call_expression function: (member_expression property: (property_identifier) @_m) arguments: (arguments) @capability.args) @capability.registration
         (#eq? @_m "tool") (#set! anchor "tool\\\\s*\\\\(\\\\s*[\\"']") (#set! kind "tool"))
        ((call_expression function: (identifier) @flag.method) @flag.read (#eq? @flag.method "isOn"))
    ''')])
    data = b"s.tool('a'); s.tool(x); mytool('b'); isOn('k'); xisOn('k'); isOn('j')"
    assert [data[s:e] for s, e in cq.plan.anchor_ranges(data)] == [b"tool", b"isOn", b"isOn"]
    assert [s for s, _ in cq.plan.anchor_ranges(data)] == [2, 37, 60]


def test_a_bad_anchor_expression_names_the_pattern():
    with pytest.raises(QueryError, match=r"anchor '\(' of pattern .*flag\.read"):
        compile_for("javascript", [_pack('((identifier) @flag.read (#set! anchor "("))')])


def test_strip_comments_keeps_semicolons_inside_strings():
    assert strip_comments('(a) ; @gate\n(#eq? @x "a\\";b") ; y') == '(a) \n(#eq? @x "a\\";b") '


def test_identifier_search_finds_whole_identifiers_only():
    from auditor.queries import IdentifierSearch

    data = b"get getValue $get get$ _get get_ 9get get9 (get) x.get\xc3\xa9get\xffname getValuee name"
    expected = [(0, 3, b"get"), (4, 12, b"getValue"), (44, 47, b"get"), (51, 54, b"get"), (56, 59, b"get"), (60, 64, b"name"),
                (75, 79, b"name")]
    for engine in ("auto", "re"):
        assert list(IdentifierSearch(["get", "getValue", "name"], engine).finditer(data)) == expected


@pytest.mark.skipif(queries._re2 is None, reason="google-re2 is not installed")
def test_identifier_search_gives_the_same_hits_with_re2_as_with_re():
    import random

    from auditor.queries import IdentifierSearch, identifier_hits

    words = ["get", "getValue", "getVariant", "env", "name", "import", "a", "x_1", "_private", "Enabled"]
    pieces = [w.encode() for w in words] + [b"$", b"_", b"9", b" ", b".", b"(", b"\xc3\xa9", b"\xff", b"\n", b"V", b"q"]
    fast, slow = IdentifierSearch(words), IdentifierSearch(words, engine="re")
    assert fast.re2 is not None and slow.re2 is None
    rng = random.Random(6)
    for _ in range(300):
        data = b"".join(rng.choice(pieces) for _ in range(rng.randint(0, 60)))
        assert list(fast.finditer(data)) == list(slow.finditer(data)) == identifier_hits(words, data), data
    assert IdentifierSearch(["$t", "get"]).re2 is None  # `$` at an edge: Python's re


@pytest.mark.skipif(queries._re2 is None, reason="google-re2 is not installed")
@pytest.mark.parametrize("pattern", [rb"ab|b", rb"x*", rb"\bget\b", rb"[\x80-\xff]+"])
def test_re2_spans_are_finditer_spans(pattern):
    compiled = queries._re2.compile(pattern)
    for data in (b"", b"abab b xx get(getx) \xc3\xa9get", b"bbb" * 50):
        assert list(queries.re2_spans(compiled, data)) == [m.span() for m in compiled.finditer(data)]


def _tree_sitter_patterns(language: str, source: str) -> list[str]:
    query = tree_sitter.Query(grammar(language), source)
    data = source.encode("utf-8")
    return [strip_comments(data[query.start_byte_for_pattern(i):query.end_byte_for_pattern(i)].decode("utf-8")).strip()
            for i in range(query.pattern_count)]


@pytest.mark.parametrize("source", [
    '(identifier) @x (#eq? @x "a")',  # a predicate outside the pattern is a pattern of its own
    '[(identifier) (number)] @v\n"(" @p _ @w ((identifier) @a . (number))* @b',
    '(string) @s (#match? @s "[(;]")  ; a comment ( [\n(number)',
    '((call_expression function: (identifier) @f) @c (#eq? @f "feature") (#set! anchor "feat\\"ure"))',
])
def test_split_patterns_cuts_where_tree_sitter_does(source):
    assert [strip_comments(t).strip() for t in split_patterns(source)] == _tree_sitter_patterns("javascript", source)


def test_split_patterns_cuts_every_builtin_pack_where_tree_sitter_does():
    packs = load_packs(Config())
    for pack in packs:
        for language in pack.languages:
            assert [strip_comments(t).strip() for t in split_patterns(pack.source)] == _tree_sitter_patterns(language, pack.source), pack.name


@pytest.mark.parametrize("language", ["javascript", "typescript", "tsx", "python"])
def test_compile_for_builds_the_plan_without_the_combined_query_and_as_the_combined_query_would(language):
    packs = load_packs(Config())
    mine = [p for p in packs if language in p.languages]
    fast = compile_for(language, packs)
    assert fast._query is None  # the cut matched tree-sitter's count: the combined query was not compiled
    whole = _compile_whole(language, grammar(language), mine, "".join(p.source + "\n" for p in mine))
    assert [p.name for p in fast.pattern_pack] == [p.name for p in whole.pattern_pack]
    assert fast.pattern_meta == whole.pattern_meta
    for part in ("rooted", "anchored", "gates", "walk"):
        a, b = getattr(fast.plan, part), getattr(whole.plan, part)
        assert (a.patterns if a else None) == (b.patterns if b else None), part
    assert fast.plan.confirm.keys() == whole.plan.confirm.keys() and fast.plan.regexes == whole.plan.regexes
    assert fast.query.pattern_count == len(fast.pattern_meta)  # compiled on demand


@pytest.mark.parametrize("wrong", ["cut", "settings"])
def test_compile_for_falls_back_to_the_combined_query_when_its_own_reading_differs(monkeypatch, wrong):
    packs = [_pack('((call_expression function: (identifier) @flag.method) @flag.read\n'
                   ' (#eq? @flag.method "variation") (#set! anchor "vari"))\n(identifier) @registry.name\n')]
    if wrong == "cut":  # both patterns as one text: the part holding them counts two
        monkeypatch.setattr(queries, "split_patterns", lambda source: [source])
    else:  # the planner misses the anchor setting that tree-sitter reads
        monkeypatch.setattr(queries, "pattern_set_directives", lambda text: {})
    cq = compile_for("javascript", packs)
    assert cq._query is not None  # tree-sitter's boundaries and settings were used
    assert [m.get("anchor") for m in cq.pattern_meta] == ["vari", None]
    assert cq.plan.anchored.patterns == [0] and b"vari" in cq.plan.confirm


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([b"Abc", b"aBcd", b"$X", b"Tools", b" ", b"=", b"{", b"\n", b"x", b"_Q9", b"ToolNames", b"'", b".",
                                 b"\x0b", b"Enabled", b"(", b")", b"getEnableX", b"\xff", b"\xc3\xa9"]), max_size=40))
def test_an_re2_anchor_finds_what_pythons_re_finds(parts):
    """An anchor run by RE2: `(?<![\\w$])REST` (`queries._bounded_spans`) covers the bytes Python's
    `re` matches (spans may overlap, never one lost); an expression without look-around gives
    Python's spans exactly (the vertical tab is whitespace to both)."""
    from auditor.queries import _bounded_spans, _re2_anchor, re2_spans

    data = b"".join(parts)
    for pattern in (rb"(?<![\w$])[A-Z][\w$]{2,}\s*=\s*\{", rb"(?<![\w$])[\w$]+\s*=\s*['\"]"):
        rx = re.compile(pattern)
        fast, bounded = _re2_anchor(pattern)
        assert bounded

        def covered(spans):
            return {i for s, e in spans for i in range(s, e)}

        assert covered(_bounded_spans(fast, rx, data)) >= covered(m.span() for m in rx.finditer(data))
    for pattern in (rb"Enabled\s*\(\s*\)", rb"\.\s*[\w$]+\s*=\s*[\"']", rb"getEnable[A-Z]", rb"\S+\s*=", rb"[^\n=]{2,}="):
        fast, bounded = _re2_anchor(pattern)
        assert not bounded
        assert list(re2_spans(fast, data)) == [m.span() for m in re.finditer(pattern, data)]


@pytest.mark.parametrize("pattern", [rb"(?<!x)a", rb"a(?=b)", rb"(a)\1", rb"a$", rb"[\s]x", rb"a{,3}"])
def test_an_anchor_re2_might_read_otherwise_stays_with_pythons_re(pattern):
    from auditor.queries import _re2_anchor

    assert _re2_anchor(pattern) is None


def test_an_anchor_is_kept_where_any_of_its_confirmations_matches_inline_flags_too():
    import re

    from auditor.queries import IdentifierSearch, QueryPlan

    plan = QueryPlan(words=IdentifierSearch(["x"]), confirm={b"x": (re.compile(rb"(?i)x = TRUE"), re.compile(rb"x\("))})
    assert plan.anchor_ranges(b"x = true; x( ; x;") == [(0, 1), (10, 11)]


def test_dynamic_imports_are_found_by_their_anchor_and_static_imports_start_no_search(extractors):
    exact, joined, full = extractors
    code = (b'import { a } from "./static";\nimport b from "./b";\n'
            b'const m = await import("./lazy");\nconst n = import /* webpackChunkName: "n" */ ("./named");\n'
            b'const o = import(\n  "./wrapped");\n')
    src = SourceFile("dyn.js", code)
    expected = full.extract(src)
    assert exact.extract(src) == expected and joined.extract(src) == expected
    assert sorted({i.module for i in expected.imports}) == ["./b", "./lazy", "./named", "./static", "./wrapped"]
    plan = compile_all(load_packs(Config()))["javascript"].plan
    assert [code[s:e].split(b"\n")[0] for s, e in plan.anchor_ranges(code) if code[s:e].startswith(b"import")] == [
        b'import(', b'import /*', b'import(']
