"""Every shipped-vs-public rule on its fixture: the bad case fires, the okay case (with unrelated code) does not."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor import store
from auditor.config import Config, find_config, load_config
from auditor.manifest import load_manifest
from auditor.models import SourceFile
from auditor.rules import all_rules
from auditor.scan import run_scan

RULES = Path(__file__).parent / "fixtures" / "rules"
CASES = sorted(p.name for p in RULES.iterdir() if p.is_dir())


def fired(target: Path, db: Path, manifest: Path | None = None) -> dict[str, list[tuple]]:
    man = load_manifest(manifest) if manifest else None
    cfg = load_config(find_config(target)) if target.exists() else Config()
    s = run_scan([str(target)], db, None, cfg, manifest=man)
    conn = store.connect(db, read_only=True)
    try:
        rows = conn.execute("SELECT rule_id, subject, path, line FROM findings WHERE scan_id = ? AND NOT suppressed",
                            [s.scan_id]).fetchall()
    finally:
        conn.close()
    out: dict[str, list[tuple]] = {}
    for r in rows:
        out.setdefault(r[0], []).append(r[1:])
    return out


@pytest.fixture(scope="module")
def bad_results(tmp_path_factory) -> dict[str, dict[str, list[tuple]]]:
    """Findings of every rule's bad fixture, scanned once for the module."""
    db = tmp_path_factory.mktemp("bad") / "db.duckdb"
    return {rid: fired(RULES / rid / "bad", db, RULES / rid / "bad" / "manifest.toml") for rid in CASES}


@pytest.mark.parametrize("rule_id", CASES)
def test_rule_fires_on_bad_and_not_on_okay(rule_id, tmp_path, bad_results):
    bad = bad_results[rule_id]
    okay = fired(RULES / rule_id / "okay", tmp_path / "db.duckdb", RULES / rule_id / "okay" / "manifest.toml")
    assert rule_id in bad, f"{rule_id} did not fire on its bad fixture: {bad}"
    assert rule_id not in okay, f"{rule_id} fired on its okay fixture: {okay[rule_id]}"


def test_expected_subjects(bad_results):
    got = {rid: bad_results[rid][rid] for rid in CASES}
    assert got["FLG003"] == [("beta-tools", "a.ts", 3)]
    assert got["FLG004"] == [("tools", "a.ts", 4)]
    assert got["CAP002"] == [("tool:swarm", "a.ts", 2)]
    assert got["REL001"] == [("go/otter", "a.ts", 1)]
    assert got["REL002"] == [("INTERNAL_DEBUG", "a.ts", 2)]


def test_manifest_rules_need_a_manifest(tmp_path):
    without = fired(RULES / "FLG005" / "bad", tmp_path / "db.duckdb")
    assert "FLG005" not in without and "CAP002" not in without


class _FakeSource:
    """A release whose bundle lost the voice tool; its source map still has it."""

    name = "release"

    def count(self):
        return 2

    def iter_files(self):
        yield SourceFile("dist/cli.js", b"export const tools = [{ name: 'read_file', description: 'Read' }];\n")
        yield SourceFile(
            "src/tools.ts",
            b"import { feature } from 'bun:bundle';\nexport const tools = [\n  { name: 'read_file', description: 'Read' },\n"
            b"  ...(feature('VOICE_MODE') ? [{ name: 'voice', description: 'Talk' }] : []),\n];\n",
            origin="source map: dist/cli.js.map",
        )


def test_REL003_only_in_source_map(tmp_path, monkeypatch):
    import auditor.scan as scan_mod

    monkeypatch.setattr(scan_mod, "open_target", lambda target, config: _FakeSource())
    got = fired(Path("release"), tmp_path / "db.duckdb")
    assert sorted(got["REL003"]) == [("flag:VOICE_MODE", "src/tools.ts", 4), ("tool:voice", "src/tools.ts", 4)]
    assert "REL002" not in got  # code only in the map is REL003's, not residue in the bundle


def test_every_rule_fires_in_the_demo_or_a_fixture(tmp_path, monkeypatch, bad_results):
    from auditor.cli import demo_check_target, demo_manifest, demo_project

    man = load_manifest(demo_manifest())
    s = run_scan([str(demo_check_target())], tmp_path / "demo.duckdb", "demo", load_config(demo_project() / "auditor.toml"), manifest=man)
    conn = store.connect(tmp_path / "demo.duckdb", read_only=True)
    seen = {r[0] for r in conn.execute("SELECT DISTINCT rule_id FROM findings WHERE scan_id = ?", [s.scan_id]).fetchall()}
    conn.close()
    for found in bad_results.values():
        seen |= set(found)
    import auditor.scan as scan_mod

    monkeypatch.setattr(scan_mod, "open_target", lambda target, config: _FakeSource())
    seen |= set(fired(Path("release"), tmp_path / "db.duckdb"))
    missing = set(all_rules()) - seen - {r for r in all_rules() if r.startswith("ART")}  # ART*: issue 3's release rules
    assert not missing, f"rules that never fire: {sorted(missing)}"


def test_every_rule_is_documented():
    for rule in all_rules().values():
        assert rule.summary and all(rule.doc.get(k, "").strip() for k in ("what", "why", "example", "fix")), rule.id
        md = rule.markdown()
        for heading in ("## What it finds", "## Why it matters", "## Example", "## How to fix"):
            assert heading in md
