"""`auditor diff` on two fixture releases: by target and by scan label, JSON shape, --fail-on, errors."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from auditor.cli import app

RELEASES = Path(__file__).parent / "fixtures" / "releases"


def test_diff_targets_then_labels(tmp_path):
    db = str(tmp_path / "db.duckdb")
    r = CliRunner().invoke(app, ["diff", str(RELEASES / "v1"), str(RELEASES / "v2"), "--format", "json", "--db", db])
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["flags"] == {"added": [{"key": "agent-swarm", "provider": "launchdarkly"}], "removed": []}
    assert {(c["kind"], c["name"], c["hidden"]) for c in d["capabilities"]["added"]} == {
        ("command", "dump-memory", True), ("command", "swarm", False), ("tool", "read_file", False), ("tool", "web_fetch", False)}
    assert d["capabilities"]["removed"] == [{"kind": "command", "name": "legacy-export", "hidden": False}]
    assert d["entries"]["added"] == ["dist/tools.js"] and d["entries"]["removed"] == []
    assert d["size"]["ratio"] > 1.5
    assert sorted(f["rule_id"] for f in d["findings"]["new"]) == ["CAP001", "FLG003"]
    # the same comparison from the stored scans, by label, reversed
    r = CliRunner().invoke(app, ["diff", "v2", "v1", "--format", "json", "--db", db])
    assert r.exit_code == 0, r.output
    back = json.loads(r.stdout)
    assert back["flags"]["removed"] == d["flags"]["added"] and back["findings"]["new"] == [] and back["findings"]["gone"] == 2


def test_diff_fail_on_new_findings(tmp_path):
    r = CliRunner().invoke(app, ["diff", str(RELEASES / "v1"), str(RELEASES / "v2"), "--fail-on", "warning",
                                 "--db", str(tmp_path / "db.duckdb")])
    assert r.exit_code == 1


def test_diff_unknown_operand_is_a_usage_error(tmp_path):
    r = CliRunner().invoke(app, ["diff", "nope-1", "nope-2", "--db", str(tmp_path / "db.duckdb")])
    assert r.exit_code == 2
    assert "neither a target nor a scan label" in r.stderr and r.stderr.count("\n") == 1
