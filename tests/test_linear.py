"""Linear work, bounded per file: deep nesting, long lines, long identifiers and many matches never
make extraction superlinear or drop a file, and a per-file work budget stops what would still run
too long with a `file-budget-exceeded` diagnostic, keeping what was found. Inputs are generated
here; nothing is timed (the figures are in docs/robustness.md)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from auditor.cli import app
from auditor.config import Config
from auditor.extract import syntax
from auditor.extract.budget import DEFAULT_MAX_FILE_WORK
from auditor.models import SourceFile
from auditor.parallel import ExtractorSpec
from auditor.queries import trie_expression
from auditor.scan import load_packs


@pytest.fixture(scope="module")
def spec():
    return ExtractorSpec(tuple(load_packs(Config())), {"registries": {}, "identifiers": None})


def extract(spec, path: str, text: str, **options):
    ex = ExtractorSpec(spec.packs, {**spec.options, **options}).build()
    return ex.extract(SourceFile(path, text.encode()))


def codes(res) -> list[str]:
    return [d.code for d in res.diagnostics]


def nested_ifs_js(n: int) -> str:
    return "".join(f"if (process.env.FLAG_{i}) {{\n" for i in range(n)) + "run();\n" + "}\n" * n


def test_ten_thousand_nested_ifs_in_javascript(spec):
    res = extract(spec, "deep.js", nested_ifs_js(10_000))
    assert codes(res) == []
    assert [r.key.value for r in res.reads] == [f"FLAG_{i}" for i in range(10_000)]
    assert all(r.function == "<module>" for r in res.reads)
    gates = res.extra["gates"]
    assert len(gates) == 10_000
    assert [(g.gate_no, g.nesting, g.parent_gate) for g in gates[:3]] == [(1, 0, None), (2, 1, 1), (3, 2, 2)]
    assert (gates[-1].nesting, gates[-1].parent_gate, gates[-1].gated_loc) == (9_999, 9_999, 3)  # `{`, run(), `}`
    assert gates[0].gated_loc == 2 * 10_000 + 1  # every line of the file: its `{`, the ifs, run(), the braces
    reads = res.extra["gate_reads"]
    assert len(reads) == 10_000 and {r.polarity for r in reads} == {"on"}


def test_nested_functions_name_the_innermost_and_its_class(spec):
    depth = 3_000
    text = "class Outer {\n  method() {\n" + "".join(f"const f{i} = () => {{\n" for i in range(depth)) \
        + "if (process.env.DEEP) { go(); }\n" + "};\n" * depth + "  }\n}\n"
    res = extract(spec, "fns.js", text)
    assert codes(res) == []
    (read,) = res.reads
    assert read.function == f"Outer.f{depth - 1}"
    assert res.extra["gates"][0].function == f"Outer.f{depth - 1}"


def test_python_nesting_within_what_cpython_accepts_is_extracted(spec):
    n = 150
    text = "import os\n" + "".join(" " * i + f"if os.environ.get('F{i}'):\n" for i in range(n)) + " " * n + "run()\n"
    res = extract(spec, "deep.py", text)
    assert codes(res) == []
    assert len(res.reads) == n and len(res.extra["gates"]) == n
    assert res.extra["gates"][-1].nesting == n - 1


def test_ten_thousand_nested_ifs_in_python_are_refused_not_a_crash(tmp_path):
    """tree-sitter-python's scanner crashes the process past ~500 indentation levels; CPython
    refuses more than 100. The file is refused with a diagnostic, the other target is scanned."""
    deep, other = tmp_path / "deep", tmp_path / "other"
    deep.mkdir()
    other.mkdir()
    n = 10_000
    (deep / "deep.py").write_text("import os\n" + "".join(" " * i + f"if os.environ.get('F{i}'):\n" for i in range(n)) + " " * n + "run()\n")
    (other / "ok.py").write_text("import os\nos.environ.get('OTHER')\n")
    r = CliRunner().invoke(app, ["check", str(deep), str(other), "--db", str(tmp_path / "db.duckdb"), "--format", "json",
                                 "-j", "1", "--no-cache"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["complete"] is True
    from auditor import store

    conn = store.connect(tmp_path / "db.duckdb", read_only=True)
    try:
        assert conn.execute("SELECT path, code FROM diagnostics").fetchall() == [("deep.py", "indentation-too-deep")]
        assert conn.execute("SELECT flag_key FROM flag_reads").fetchall() == [("OTHER",)]
    finally:
        conn.close()


def test_twenty_thousand_env_reads_on_one_line(spec):
    n = 20_000
    res = extract(spec, "bundle.js", ";".join(f"use(process.env.K{i % 1000})" for i in range(n)) + "\n")
    assert codes(res) == []
    assert len(res.reads) == n
    assert {r.key.value for r in res.reads} == {f"K{i}" for i in range(1000)}
    assert all(len(r.snippet) <= 202 for r in res.reads)  # a window of the line, not the line
    assert res.reads[-1].snippet.endswith(f"use(process.env.K{(n - 1) % 1000})")


def test_a_long_sum_of_reads_and_deep_parentheses(spec):
    n = 20_000
    res = extract(spec, "sum.js", "const v = " + " + ".join(["process.env.A"] * n) + ";\n")
    assert codes(res) == []
    assert len(res.reads) == n and {r.key.value for r in res.reads} == {"A"}
    depth = 10_000
    res = extract(spec, "parens.js", "if (!" + "(" * depth + "process.env.B" + ")" * depth + ") {\n  go();\n}\n")
    assert codes(res) == []
    assert [r.key.value for r in res.reads] == ["B"]
    assert [(g.kind, g.body_line) for g in res.extra["gates"]] == [("if", 1)]
    assert [r.polarity for r in res.extra["gate_reads"]] == ["off"]


def test_a_five_thousand_character_identifier(spec):
    name = "x" * 5_000
    res = extract(spec, "long.js", f"const {name} = process.env.LONG;\nif ({name}) {{ go(); }}\n")
    assert codes(res) == []
    assert [r.key.value for r in res.reads] == ["LONG"]
    (gate,) = res.extra["gates"]
    assert res.extra["gate_reads"][0].via == name
    expr = trie_expression([name, name + "y", "a"])
    assert expr == "(?:a|" + name + "(?:y)?)"


def test_the_work_budget_keeps_what_was_found_and_says_so(spec):
    text = nested_ifs_js(1_000)
    full = extract(spec, "deep.js", text)
    assert codes(full) == [] and len(full.extra["gates"]) == 1_000
    cut = extract(spec, "deep.js", text, max_file_work=6_000)  # runs out while reads are found
    assert codes(cut) == ["file-budget-exceeded"]
    (diag,) = cut.diagnostics
    assert diag.severity.value == "error" and "6,000 work units" in diag.message
    assert 0 < len(cut.reads) < 1_000
    assert [r.key.value for r in cut.reads] == [f"FLAG_{i}" for i in range(len(cut.reads))]  # those found first
    assert "gates" not in cut.extra
    cut = extract(spec, "deep.js", text, max_file_work=40_000)  # runs out while gates are built
    assert codes(cut) == ["file-budget-exceeded"]
    assert len(cut.reads) == 1_000  # the reads were found before the budget ran out
    assert 0 < len(cut.extra.get("gates", [])) < 1_000  # and the gates built so far are kept
    kept = cut.extra["gates"]
    assert [(g.line, g.nesting) for g in kept] == [(g.line, g.nesting) for g in full.extra["gates"][:len(kept)]]
    assert DEFAULT_MAX_FILE_WORK > 1_000_000


def test_a_budget_set_in_the_config_makes_the_audit_incomplete(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "auditor.toml").write_text("max_file_work = 500\n")
    (project / "deep.js").write_text(nested_ifs_js(300))
    (project / "small.js").write_text("process.env.SMALL\n")
    r = CliRunner().invoke(app, ["check", str(project), "--db", str(tmp_path / "db.duckdb"), "--format", "json", "-j", "1", "--no-cache"])
    assert r.exit_code == 2, r.output
    report = json.loads(r.stdout)
    assert report["complete"] is False
    assert [(f["item"], f["code"]) for f in report["failures"]] == [("deep.js", "file-budget-exceeded")]
    assert "file-budget-exceeded" in r.stderr
    (project / "auditor.toml").write_text("max_file_work = 'lots'\n")
    r = CliRunner().invoke(app, ["check", str(project), "--db", str(tmp_path / "db.duckdb"), "-j", "1", "--no-cache"])
    assert r.exit_code == 2 and "max_file_work" in r.stderr


def test_ancestry_agrees_with_parent_walks(spec):
    """`syntax.Ancestry` gives the same parents and enclosing functions as `Node.parent` walks."""
    import tree_sitter

    from auditor.languages import grammar

    text = b"""
class A { m() { const f = function () { if (x) { return () => y(1); } }; } }
const g = (a) => { while (z) { h(a, () => 2); } };
function k() { return { p: () => q() }; }
"""
    root = tree_sitter.Parser(grammar("javascript")).parse(text).root_node
    nodes = []
    stack = [root]
    while stack:
        n = stack.pop()
        nodes.append(n)
        stack.extend(reversed(n.children))
    anc = syntax.Ancestry(root)
    for n in nodes:  # document order
        p = anc.parent(n)
        assert (p.id if p is not None else None) == (n.parent.id if n.parent is not None else None)
        assert anc.enclosing_function(n) == syntax.enclosing_function(n)
    anc = syntax.Ancestry(root)
    for n in reversed(nodes):  # and any other order
        assert anc.enclosing_function(n) == syntax.enclosing_function(n)
