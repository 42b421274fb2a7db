"""Every rule is its files: `auditor/rules/<ID>.toml`, its logic (a `[query] sql` in the TOML or
one module `<ID>.py` beside it, never both), and a fixture or test that makes it fire. Each ART
rule is made to fire here on an artifact built on the fly (and stays quiet on its okay twin)."""

from __future__ import annotations

import gzip
import json
from importlib import resources
from pathlib import Path

import pytest
from test_artifacts_kit import config, findings, inline, npm_tgz, q, scan, source_map, tar_bytes

from auditor.rules import all_rules

RULES_DIR = resources.files("auditor.rules")
FIXTURES = Path(__file__).parent / "fixtures" / "rules"
AWS_KEY = "AKIAQX7RZ2M4K9PL3WTB"
BUNDLE = "dist/a.js"


def _mapped(contents: list | None, sources: tuple[str, ...] = ("src/a.ts",), **extra) -> dict:
    return {BUNDLE: "console.log(1);\n//# sourceMappingURL=a.js.map\n", f"{BUNDLE}.map": source_map(list(sources), contents, **extra)}


def _truncated(tmp_path: Path, bad: bool) -> Path:
    data = tar_bytes([("package/package.json", json.dumps({"name": "p", "version": "1"})), ("package/a.js", "x();\n" * 2000)])
    out = tmp_path / "cut.tgz"
    out.write_bytes(data[: len(data) // 2] if bad else data)
    return out


CASES = {
    # rule id: (bad files, okay files, expected (subject, path) among the rule's findings on the bad artifact)
    "ART001": (_mapped(["export const a = 1;\n"]), _mapped(None), ("sourcesContent", "dist/a.js.map")),
    "ART002": ({"dist/b.js": "b();\n" + inline(source_map(["src/b.ts"], None))}, {"dist/b.js": "b();\n"}, ("inline source map", "dist/b.js")),
    "ART003": (_mapped(None), {BUNDLE: "a();\n"}, ("demo-pkg: source maps without sourcesContent", "dist/a.js.map")),
    "ART004": ({BUNDLE: "a();\n//# sourceMappingURL=gone.js.map\n"}, {BUNDLE: "a();\n"}, ("missing:gone.js.map", BUNDLE)),
    "ART005": ({".env": "TOKEN=abc\n"}, {".env.example": "TOKEN=\n"}, ("env file", ".env")),
    "ART006": ({"config.json": json.dumps({"aws": AWS_KEY})}, {"config.json": json.dumps({"aws": "none"})}, ("AWS Access Key", "config.json")),
    "ART007": ({"dist/a.js": "a();\n", "scripts/x.js": "x();\n"}, {"dist/a.js": "a();\n"}, ("outside allowlist", "scripts/x.js")),
    "ART008": ({"test/a.test.js": "t();\n"}, {"lib/a.js": "t();\n"}, ("demo-pkg: test", "test/a.test.js")),
    "ART009": ({"data.bin": bytes(range(256)) * 8192, "a.js": "a();\n"}, {"data.bin": b"\x01" * 4096, "a.js": "a();\n"},
               ("largest entry", "data.bin")),
    "ART010": (_mapped(["export const a = 1;\n", "export const hidden = 'only in the map';\n"], ("src/a.ts", "src/b.ts"), mappings="AAAA"),
               _mapped(["export const a = 1;\n", "export const b = 2;\n"], ("src/a.ts", "src/b.ts")), ("dist/src/b.ts", "dist/src/b.ts")),
    "ART011": ({"../evil.js": "e();\n"}, {"evil.js": "e();\n"}, ("path-traversal", "../evil.js")),
    "ART012": ({f"f{i}.js": "f();\n" for i in range(6)}, {"f0.js": "f();\n"}, ("demo-pkg: too-many-entries", None)),
    "ART013": (None, None, ("p: truncated", None)),
    "ART014": ({BUNDLE: "a();\n//# sourceMappingURL=a.js.map\n", f"{BUNDLE}.map": "{not json"}, _mapped(None), ("malformed", "dist/a.js.map")),
    "ART015": ({"meta.json": json.dumps({"inputs": {"src/a.ts": {"bytes": 10}}, "outputs": {"dist/a.js": {}}})},
               {"meta.json": json.dumps({"name": "app", "icons": []})}, ("esbuild metadata", "meta.json")),
}
LIMITS = {"ART012": {"max_entries": 4}}
PACKAGE = {"ART007": {"files": ["dist/"]}}
ELSEWHERE = {
    "FLG001": "the demo release (tests/test_check_rules.py::test_every_rule_fires_in_the_demo_or_a_fixture)",
    "FLG002": "the demo release (tests/test_check_rules.py::test_every_rule_fires_in_the_demo_or_a_fixture)",
    "REL003": "tests/test_check_rules.py::test_REL003_only_in_source_map",
    "REL004": "tests/test_firsthour.py",
}
"""Rules without a `tests/fixtures/rules/<ID>/` fixture or a case here: where they are made to fire."""


def test_every_rule_is_a_toml_with_its_logic_in_one_place():
    names = {e.name for e in RULES_DIR.iterdir()}
    for rule_id, rule in all_rules().items():
        assert f"{rule_id}.toml" in names
        has_module = f"{rule_id}.py" in names
        assert (rule.sql is not None) != has_module, f"{rule_id}: logic in the TOML's [query] sql or in {rule_id}.py, exactly one"
        assert callable(rule.logic())
    modules = {n.removesuffix(".py") for n in names if n.endswith(".py") and n != "__init__.py"}
    assert modules <= set(all_rules()), f"modules without a rule TOML: {sorted(modules - set(all_rules()))}"


def test_every_rule_has_a_fixture_or_a_test_that_makes_it_fire():
    for rule_id in all_rules():
        here = rule_id in CASES or (FIXTURES / rule_id / "bad").is_dir()
        assert here or rule_id in ELSEWHERE, f"{rule_id} has no fixture: add tests/fixtures/rules/{rule_id}/ or a case in CASES"
    for rule_id, where in ELSEWHERE.items():
        test_file = Path(__file__).parent / where.split("::")[0].removeprefix("tests/") if where.startswith("tests/") else None
        assert test_file is None or rule_id in test_file.read_text(encoding="utf-8")


def _artifact(tmp_path: Path, rule_id: str, bad: bool) -> Path:
    if rule_id == "ART013":
        return _truncated(tmp_path, bad)
    files = CASES[rule_id][0 if bad else 1]
    return npm_tgz(tmp_path / f"{rule_id.lower()}-{'bad' if bad else 'okay'}.tgz", files, PACKAGE.get(rule_id))


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_art_rule_fires_on_its_bad_artifact_only(rule_id, tmp_path):
    expected = CASES[rule_id][2]
    cfg = config(**LIMITS.get(rule_id, {}))
    _, bad = scan(tmp_path, _artifact(tmp_path, rule_id, True), cfg=cfg)
    got = [(s, p or None) for r, s, p in findings(bad) if r == rule_id]
    assert expected in got, f"{rule_id} on its bad artifact: {got}"
    _, okay = scan(tmp_path, _artifact(tmp_path, rule_id, False), cfg=cfg)
    assert [f for f in findings(okay) if f[0] == rule_id] == []


def test_secret_hits_store_no_value(tmp_path):
    _, conn = scan(tmp_path, _artifact(tmp_path, "ART006", True))
    assert q(conn, "SELECT path, line, secret_type, evidence, origin FROM secret_hits") == [("config.json", 1, "AWS Access Key", "format", "")]
    assert AWS_KEY not in json.dumps(q(conn, "SELECT * FROM secret_hits")) + json.dumps(q(conn, "SELECT message FROM findings"))
    assert q(conn, "SELECT severity FROM findings WHERE rule_id = 'ART006'") == [("error",)]


def test_truncated_fixture_is_really_cut(tmp_path):
    with pytest.raises(EOFError):
        gzip.decompress(_truncated(tmp_path, True).read_bytes())


def test_art002_sizes_each_inline_map_of_a_concatenated_bundle(tmp_path):
    first, second = source_map(["src/a.ts"], ["export const a = 1;\n"]), source_map(["src/b.ts", "src/c.ts"], None)
    text = "a();\n" + inline(first) + "\nb();\n" + inline(second) + "\n//# sourceMappingURL=data:application/json;base64,!!!\n"
    _, conn = scan(tmp_path, npm_tgz(tmp_path / "p.tgz", {"dist/two.js": text}))
    assert q(conn, "SELECT line, message FROM findings WHERE rule_id = 'ART002' ORDER BY line") == [
        (2, f"dist/two.js embeds a {len(first)}-byte source map in a data: URL (line 2)"),
        (4, f"dist/two.js embeds a {len(second)}-byte source map in a data: URL (line 4)"),
        (5, "dist/two.js embeds a source map in a data: URL (line 5)"),
    ]
