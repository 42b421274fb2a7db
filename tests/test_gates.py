"""Gates: exact kind, lines, polarity, nesting and multi-flag conditions on fixtures of each construct."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.extract.engine import Extractor
from auditor.models import SourceFile
from auditor.queries import builtin_query_dir, compile_all, discover

FIXTURES = Path(__file__).parent / "fixtures" / "gates"


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor(compile_all(discover([builtin_query_dir()])))


def gates_of(extractor: Extractor, name: str, text: str | None = None) -> list[tuple]:
    data = text.encode() if text is not None else (FIXTURES / name).read_bytes()
    res = extractor.extract(SourceFile(name, data))
    reads: dict[int, list] = {}
    for gr in res.extra.get("gate_reads", []):
        reads.setdefault(gr.gate_no, []).append((gr.key_expr.strip("'\""), gr.polarity, gr.via))
    return [
        (g.kind, g.line, g.body_line, g.body_end_line, g.gated_loc, g.alt_line, g.alt_end_line, g.nesting, g.parent_gate,
         g.combinator, reads[g.gate_no])
        for g in res.extra.get("gates", [])
    ]


def test_typescript_gates(extractor):
    assert gates_of(extractor, "gates.ts") == [
        # kind, line, body lines, gated LOC, else lines, nesting, parent, combinator, (key, polarity, via)
        ("if", 7, 7, 9, 3, 9, 11, 0, None, "", [("if-flag", "on", "")]),
        ("early_return", 12, 13, 27, 15, None, None, 0, None, "", [("neg-flag", "on", "")]),
        ("ternary", 14, 14, 14, 1, 14, 14, 1, 2, "", [("tern-flag", "on", "")]),
        ("logical", 15, 15, 15, 1, None, None, 1, 2, "", [("and-flag", "on", "")]),
        ("logical", 16, 16, 16, 1, None, None, 1, 2, "", [("or-flag", "off", "")]),
        ("if", 17, 17, 19, 3, None, None, 1, 2, "or", [("A", "on", ""), ("B", "on", "")]),
        ("if", 20, 20, 24, 5, None, None, 1, 2, "", [("OUTER", "on", "")]),
        ("if", 21, 21, 23, 3, None, None, 2, 7, "", [("INNER", "on", "")]),
        ("if", 25, 25, 27, 3, None, None, 1, 2, "", [("cmp-flag", "off", "")]),
        ("if", 31, 31, 33, 3, None, None, 0, None, "", [("alias-flag", "on", "enabled")]),
        ("ternary", 35, 35, 35, 1, 35, 35, 0, None, "", [("TOOL", "on", "")]),
        ("spread", 36, 36, 36, 1, 36, 36, 0, None, "", [("TOOL", "on", "Tool")]),
        ("spread", 37, 37, 37, 1, 37, 37, 0, None, "", [("SPREAD", "on", "")]),
    ]


def test_jsx_gates(extractor):
    assert gates_of(extractor, "gates.tsx") == [
        ("jsx", 8, 8, 8, 1, 8, 8, 0, None, "", [("betaPanel", "on", "betaPanel")]),   # className={betaPanel ? … : …}
        ("jsx", 9, 9, 9, 1, None, None, 0, None, "", [("betaPanel", "on", "betaPanel")]),  # {betaPanel && <Panel />}
        ("component", 10, 10, 12, 3, None, None, 0, None, "", [("promo", "on", "")]),   # <IfFeatureEnabled feature="promo">
    ]


def test_python_gates(extractor):
    assert gates_of(extractor, "gates.py") == [
        ("if", 9, 11, 12, 2, None, None, 0, None, "", [("FEATURE_X", "on", "")]),       # module-level if around a def
        ("decorator", 15, 16, 17, 2, None, None, 0, None, "", [("beta", "on", "")]),    # @waffle_flag("beta")
        ("early_return", 21, 23, 32, 10, None, None, 0, None, "", [("new-ui", "on", "")]),
        ("ternary", 24, 24, 24, 1, 24, 24, 1, 3, "", [("tern-sw", "on", "")]),
        ("logical", 25, 25, 25, 1, None, None, 1, 3, "", [("and-sw", "on", "")]),
        ("if", 26, 27, 27, 1, 28, 31, 1, 3, "", [("py-flag", "on", "")]),
        ("if", 28, 29, 29, 1, None, None, 2, 6, "", [("py-elif", "on", "")]),           # elif: inside the else side
    ]


@pytest.mark.parametrize("code,expected", [
    # a compound condition is one gate, not a gate per operand
    ("import {feature} from 'bun:bundle';\nif (feature('A') && feature('B')) { go(); }\n", [("if", "and", 2)]),
    ("import {feature} from 'bun:bundle';\nif (feature('A') && !feature('B')) { go(); }\n", [("if", "and", 2)]),
    ("import {feature} from 'bun:bundle';\nif (feature('A') || feature('B') && feature('C')) { go(); }\n", [("if", "mixed", 3)]),
    # a plain value use is not a gate
    ("import {feature} from 'bun:bundle';\nexport const on = feature('A');\n", []),
    # a returned value is gated code: the `if` stays an `if`
    ("import {feature} from 'bun:bundle';\nfunction f() { if (feature('A')) return [tool]; return []; }\n", [("if", "", 1)]),
])
def test_condition_shapes(extractor, code, expected):
    got = gates_of(extractor, "x.ts", code)
    assert [(g[0], g[9], len(g[10])) for g in got] == expected


def test_negations_and_comparisons(extractor):
    code = (
        "import {feature} from 'bun:bundle';\n"
        "if (!feature('A')) { a(); }\n"
        "if (feature('B') !== true) { b(); }\n"
        "if (feature('C') != null) { c(); }\n"
        "if (!!feature('D')) { d(); }\n"
        "const e = feature('E') ? null : makeTool();\n"
        "if (e) { e.run(); }\n"
    )
    got = gates_of(extractor, "x.ts", code)
    assert [(g[1], g[10]) for g in got] == [
        (2, [("A", "off", "")]),
        (3, [("B", "off", "")]),
        (4, [("C", "on", "")]),
        (5, [("D", "on", "")]),
        (6, [("E", "on", "")]),
        (7, [("E", "off", "e")]),  # e is non-null only when E is off
    ]


def test_alias_scope_is_respected(extractor):
    code = (
        "import {feature} from 'bun:bundle';\n"
        "function a() { const on = feature('A'); return on; }\n"
        "function b(on) { if (on) { go(); } }\n"
    )
    assert gates_of(extractor, "x.ts", code) == []


def test_gate_records_join_reads_in_the_database(scan_db):
    summary, conn = scan_db(FIXTURES)
    rows = conn.execute(
        "SELECT path, kind, line, flag_key, polarity FROM gate_flags WHERE scan_id = ? AND flag_key IN ('alias-flag', 'py-elif', 'promo') ORDER BY path",
        [summary.scan_id],
    ).fetchall()
    assert rows == [("gates.py", "if", 28, "py-elif", "on"), ("gates.ts", "if", 31, "alias-flag", "on"),
                    ("gates.tsx", "component", 10, "promo", "on")]


def test_negated_waffle_decorator_gates_the_view_while_the_flag_is_off(extractor):
    code = 'from waffle.decorators import waffle_flag\n\n@waffle_flag("!legacy")\ndef old(request):\n    return 1\n'
    res = extractor.extract(SourceFile("views.py", code.encode()))
    assert [(r.key.value, r.key.text) for r in res.reads] == [("legacy", '"!legacy"')]
    assert [(g.kind, g.line, g.body_line, g.body_end_line) for g in res.extra["gates"]] == [("decorator", 3, 4, 5)]
    assert [(gr.polarity) for gr in res.extra["gate_reads"]] == ["off"]


def test_an_alias_spread_into_a_list_gates_it(extractor):
    src = b"const isWin = process.env.OSTYPE === 'msys';\nconst dirs = [...isWin ? [cwd()] : [], ...(x.isWin ? [a] : [])];\n"
    res = extractor.extract(SourceFile("a.js", src))
    assert [(g.kind, g.condition) for g in res.extra["gates"]] == [("spread", "isWin")]


def test_gated_span_line_counts_are_the_non_blank_lines_of_the_span():
    """`_Lines.loc(start, end)` (bisection over newline offsets found once per file) counts what
    splitting the span's bytes on newlines and keeping the non-blank lines counts."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from auditor.extract.gates import _Lines

    @settings(max_examples=400, deadline=None)
    @given(st.binary(max_size=40).map(lambda b: bytes(b" \n\ta\r\x0b\x0cb"[x % 8] for x in b)), st.data())
    def check(data, draw):
        start = draw.draw(st.integers(0, len(data)))
        end = draw.draw(st.integers(start, len(data)))
        expected = sum(1 for ln in data[start:end].split(b"\n") if ln.strip())
        assert _Lines(data).loc(start, end) == _Lines(data, small_span=0).loc(start, end) == expected  # counted, indexed

    check()


def test_an_alias_called_twice_in_a_condition_is_one_read(extractor):
    code = (
        "function envFlag(name) { return process.env[name.toUpperCase()]; }\n"
        "if (envFlag('a') || envFlag('b')) { go(); }\n"
    )
    assert [g[-1] for g in gates_of(extractor, "x.js", code)] == [[("name.toUpperCase()", "on", "envFlag")]]
