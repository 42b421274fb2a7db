"""Annotated fixture projects: every flag read and definition is asserted inline, next to the code.

Each directory under `tests/fixtures/flags/` is a small project scanned once (with its own
`auditor.toml` when it has one, else the defaults). In its files a trailing comment holds caret
assertions about the line it ends (tree-sitter's query-test habit):

    client.variation('my-key', ctx, false);  // <- flag.read launchdarkly my-key high default=false
    FOO = "foo"                              # <- flag.definition statsig foo kind=constant

    flag.read PROVIDER KEY CONFIDENCE [field=value ...]
    flag.definition PROVIDER KEY [field=value ...]

`KEY` is the resolved key, or `?EXPR` for a read whose key stays unresolved (EXPR is the key
expression as written, without spaces). Optional fields compare against the stored row: for reads
`method`, `default`, `function`; for definitions `kind`, `symbol`. Several assertions may share a
line (`// <- ... <- ...`); in JSX children use `{/* <- ... */}`.

The comparison is exact per file: every read and definition the scan stored for a file must be
asserted, and every assertion must be matched, so a fixture also pins what must NOT be reported.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from auditor import store
from auditor.config import Config, load_config
from auditor.languages import language_for
from auditor.scan import run_scan

ROOT = Path(__file__).parent / "fixtures" / "flags"
_ASSERT = re.compile(r"(?:#|//|/\*|\{/\*)\s*(<-.*?)\s*(?:\*/\}?)?\s*$")
READ_FIELDS = ("method", "default", "function")
DEF_FIELDS = ("kind", "symbol")


def _projects() -> list[Path]:
    return sorted(p for p in ROOT.iterdir() if p.is_dir())


def _files(project: Path) -> list[str]:
    return sorted(
        p.relative_to(project).as_posix()
        for p in project.rglob("*")
        if p.is_file() and language_for(p.name) is not None
    )


def parse_assertions(path: Path) -> tuple[Counter, Counter]:
    """(expected reads, expected definitions) of one fixture file, as Counters of tuples."""
    reads: Counter = Counter()
    defs: Counter = Counter()
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        m = _ASSERT.search(line)
        if not m:
            continue
        for chunk in m.group(1).split("<-")[1:]:
            words = chunk.split()
            kind, rest = words[0], words[1:]
            fields = dict(w.split("=", 1) for w in rest if "=" in w)
            positional = [w for w in rest if "=" not in w]
            if kind == "flag.read":
                provider, key, confidence = positional
                extra = tuple(sorted((f, fields[f]) for f in READ_FIELDS if f in fields))
                reads[(lineno, provider, key, confidence, extra)] += 1
            elif kind == "flag.definition":
                provider, key = positional
                extra = tuple(sorted((f, fields[f]) for f in DEF_FIELDS if f in fields))
                defs[(lineno, provider, key, extra)] += 1
            else:  # pragma: no cover - a typo in a fixture
                raise AssertionError(f"{path}:{lineno}: unknown assertion {kind!r}")
    return reads, defs


@pytest.fixture(scope="session")
def scanned(tmp_path_factory):
    """project name → (read rows, definition rows), each project scanned once per session."""
    cache: dict[str, tuple[list[dict], list[dict]]] = {}

    def get(project: Path):
        if project.name not in cache:
            db = tmp_path_factory.mktemp(project.name) / "scan.duckdb"
            cfg_path = project / "auditor.toml"
            config = load_config(cfg_path) if cfg_path.is_file() else Config()
            summary = run_scan([str(project)], db, project.name, config)
            conn = store.connect(db, read_only=True)
            try:
                cur = conn.execute(
                    "SELECT path, line, provider, flag_key, key_expr, resolved, confidence, method, default_value, function"
                    " FROM flag_reads WHERE scan_id = ?", [summary.scan_id])
                reads = [dict(zip([d[0] for d in cur.description], r)) for r in cur.fetchall()]
                cur = conn.execute(
                    "SELECT path, line, provider, flag_key, kind, symbol FROM flag_definitions WHERE scan_id = ?",
                    [summary.scan_id])
                defs = [dict(zip([d[0] for d in cur.description], r)) for r in cur.fetchall()]
            finally:
                conn.close()
            cache[project.name] = (reads, defs)
        return cache[project.name]

    return get


def _actual(rows: list[dict], defs: list[dict], path: str, wanted_reads: Counter, wanted_defs: Counter):
    # compare optional fields only where the fixture asserts them (per line + provider + key)
    asked = {(r[0], r[1], r[2]): dict(r[4]) for r in wanted_reads}
    reads: Counter = Counter()
    for r in rows:
        if r["path"] != path:
            continue
        key = r["flag_key"] if r["resolved"] else "?" + r["key_expr"].replace(" ", "")
        fields = asked.get((r["line"], r["provider"], key), {})
        actual_fields = {"method": r["method"], "default": r["default_value"], "function": r["function"]}
        extra = tuple(sorted((f, str(actual_fields[f]).replace(" ", "")) for f in fields))
        reads[(r["line"], r["provider"], key, r["confidence"], extra)] += 1
    asked_d = {(d[0], d[1], d[2]): dict(d[3]) for d in wanted_defs}
    out_defs: Counter = Counter()
    for d in defs:
        if d["path"] != path:
            continue
        fields = asked_d.get((d["line"], d["provider"], d["flag_key"]), {})
        extra = tuple(sorted((f, str(d[f])) for f in fields))
        out_defs[(d["line"], d["provider"], d["flag_key"], extra)] += 1
    return reads, out_defs


CASES = [(project, rel) for project in _projects() for rel in _files(project)]


@pytest.mark.parametrize(("project", "rel"), CASES, ids=[f"{p.name}/{r}" for p, r in CASES])
def test_fixture_file(scanned, project: Path, rel: str):
    expected_reads, expected_defs = parse_assertions(project / rel)
    rows, defs = scanned(project)
    actual_reads, actual_defs = _actual(rows, defs, rel, expected_reads, expected_defs)
    problems = _diff("read", actual_reads, expected_reads) + _diff("definition", actual_defs, expected_defs)
    assert not problems, f"{rel}:\n" + "\n".join(problems)


def _diff(what: str, actual: Counter, expected: Counter) -> list[str]:
    def show(t: tuple) -> str:
        line, *rest, extra = t
        return f"line {line}: " + " ".join(map(str, rest)) + "".join(f" {k}={v}" for k, v in extra)

    return [f"  unexpected {what} {show(t)}" for t in sorted((actual - expected).elements())] + [
        f"  missing {what} {show(t)}" for t in sorted((expected - actual).elements())
    ]


def test_every_provider_family_has_a_fixture_in_each_language():
    """The issue's provider families, each with a JS/TS and (where the SDK exists) a Python fixture."""
    seen: set[tuple[str, str]] = set()
    confidences: dict[str, set[str]] = {}
    for project in _projects():
        for rel in _files(project):
            reads, _ = parse_assertions(project / rel)
            lang = "python" if rel.endswith(".py") else "ecma"
            family = rel.split("/", 1)[0] if project.name == "providers" else ""
            seen.update((provider, lang) for (_, provider, _, _, _) in reads)
            seen.update((family, lang) for (_, provider, _, _, _) in reads if provider == "unknown" and family)
            for (_, provider, _, confidence, _) in reads:
                confidences.setdefault(provider if provider != "unknown" else family, set()).add(confidence)
                if provider == "unknown":  # a method name alone never claims the SDK it resembles
                    assert confidence == "low", (project.name, rel)
    want = {
        "launchdarkly": {"ecma", "python"}, "unleash": {"ecma", "python"}, "growthbook": {"ecma", "python"},
        "statsig": {"ecma", "python"}, "openfeature": {"ecma", "python"}, "flagsmith": {"ecma", "python"},
        "posthog": {"ecma", "python"}, "split": {"ecma", "python"}, "configcat": {"ecma", "python"},
        "waffle": {"python"}, "bundler": {"ecma"}, "env": {"ecma", "python"},
    }
    missing = [(p, lang) for p, langs in want.items() for lang in langs if (p, lang) not in seen]
    assert not missing
    # SDK families show both sides: high with the SDK import, low (provider `unknown`) without (env
    # and bundler reads are high by syntax or not reported at all)
    no_low = [p for p in want if p not in ("env", "bundler") and confidences[p] != {"high", "low"}]
    assert not no_low
