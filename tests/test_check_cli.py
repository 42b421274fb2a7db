"""`auditor check`, `rules`, `explain`, `capabilities`, `gates`: exit codes, formats, errors."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from auditor.cli import app

RULES = Path(__file__).parent / "fixtures" / "rules"


def run(*args):
    return CliRunner().invoke(app, list(args))


def test_exit_codes_follow_fail_on(tmp_path):
    db = str(tmp_path / "db.duckdb")
    target, manifest = str(RULES / "CAP001" / "bad"), str(RULES / "CAP001" / "bad" / "manifest.toml")
    assert run("check", target, "--manifest", manifest, "--db", db).exit_code == 0            # a warning, --fail-on error
    assert run("check", target, "--manifest", manifest, "--db", db, "--fail-on", "warning").exit_code == 1
    okay = RULES / "CAP001" / "okay"
    assert run("check", str(okay), "--manifest", str(okay / "manifest.toml"), "--db", db, "--fail-on", "warning").exit_code == 0


def test_usage_and_input_errors_exit_2_with_one_line(tmp_path):
    for args in (["check", str(tmp_path / "missing")],
                 ["check", str(RULES / "CAP001" / "bad"), "--manifest", str(tmp_path / "nope.toml")],
                 ["check", str(RULES / "CAP001" / "bad"), "--baseline", str(tmp_path / "nope.json")],
                 ["explain", "NOPE999"]):
        r = run(*args, *(["--db", str(tmp_path / "db.duckdb")] if args[0] == "check" else []))
        assert r.exit_code == 2, (args, r.output)
        assert r.stderr.startswith("auditor: error:") and r.stderr.count("\n") == 1, r.stderr
    assert run("check", "--format", "yaml").exit_code == 2


def test_no_manifest_is_noted_and_manifest_rules_skipped(tmp_path):
    r = run("check", str(RULES / "FLG005" / "bad"), "--format", "json", "--db", str(tmp_path / "db.duckdb"))
    assert r.exit_code == 0 and "no manifest" in r.stderr
    assert json.loads(r.stdout)["manifest"] is None


def test_output_file_and_json_shape(tmp_path):
    out = tmp_path / "report.json"
    r = run("check", str(RULES / "FLG004" / "bad"), "--manifest", str(RULES / "FLG004" / "bad" / "manifest.toml"),
            "--format", "json", "--output", str(out), "--db", str(tmp_path / "db.duckdb"), "--fail-on", "note")
    assert r.exit_code == 1 and r.stdout == ""
    report = json.loads(out.read_text())
    assert report["failing"] >= 1 and "FLG004" in report["rules"] and report["manifest"]["path"] == "manifest.toml"
    assert {"rule_id", "severity", "subject", "message", "path", "line", "fingerprint", "suppressed"} <= set(report["findings"][0])


def test_rules_explain_capabilities_gates(tmp_path):
    r = run("rules")
    assert r.exit_code == 0 and "CAP002" in r.stdout and "dormant-capability-shipped" in r.stdout
    r = run("explain", "cap002")
    assert r.exit_code == 0 and r.stdout.startswith("# CAP002 dormant-capability-shipped") and "## How to fix" in r.stdout
    db = str(tmp_path / "db.duckdb")
    assert run("scan", str(Path(__file__).parent / "fixtures" / "capabilities"), "--db", db, "-q").exit_code == 0
    r = run("capabilities", "--db", db, "--kind", "tool", "--format", "json")
    assert r.exit_code == 0
    tools = {t["name"]: t["gate_keys"] for t in json.loads(r.stdout)}
    assert tools["voice"] == ["VOICE"] and tools["beta_sql"] == ["ACME_BETA"]
    r = run("gates", "--db", db, "--flag", "VOICE", "--format", "json")
    assert [g["kind"] for g in json.loads(r.stdout)] == ["spread"]
    assert "capabilities" in run("capabilities", "--db", db).stdout


def test_scan_fail_on_holds_with_quiet(tmp_path):
    """`scan --quiet --fail-on` (the CI form) exits as `scan --fail-on` does: --quiet only drops output."""
    target = str(RULES / "CAP001" / "bad")
    (tmp_path / "auditor.toml").write_text(f"manifest = {json.dumps(str(RULES / 'CAP001' / 'bad' / 'manifest.toml'))}\n")
    config = ["--config", str(tmp_path / "auditor.toml")]
    for quiet in ([], ["--quiet"]):
        db = str(tmp_path / f"db{len(quiet)}.duckdb")
        warned = run("scan", target, *config, "--db", db, "--no-cache", "--fail-on", "warning", *quiet)
        assert warned.exit_code == 1, (quiet, warned.output)
        assert run("scan", target, *config, "--db", db, "--no-cache", "--fail-on", "error", *quiet).exit_code == 0
        assert (warned.stdout == "") == bool(quiet)


def test_the_console_entry_point_keeps_exit_codes_and_all_output(tmp_path):
    """The `auditor` console entry point keeps exit codes and all its output when piped."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # stdout block-buffered, as in a pipe

    def auditor(*args):
        return subprocess.run([sys.executable, "-m", "auditor", *args], capture_output=True, text=True, cwd=tmp_path, env=env)

    listed = auditor("rules")
    assert listed.returncode == 0 and listed.stdout.rstrip().endswith("┘")  # the whole table, to its last corner
    assert all(rule in listed.stdout for rule in ("ART001", "CAP001", "FLG001", "REL004"))
    unknown = auditor("explain", "NOPE999")
    assert unknown.returncode == 2 and unknown.stderr.startswith("auditor: error:") and unknown.stdout == ""
    assert auditor("scan", "--jobs", "0").returncode == 2  # a usage error, from Click
    target = str(RULES / "CAP001" / "bad")
    assert auditor("check", target, "--manifest", str(RULES / "CAP001" / "bad" / "manifest.toml"),
                   "--db", str(tmp_path / "db.duckdb"), "--fail-on", "warning").returncode == 1
    rows = auditor("sql", "SELECT n FROM range(20000) t(n)", "--db", str(tmp_path / "db.duckdb"), "--format", "json")
    assert rows.returncode == 0 and rows.stdout.endswith("]\n") and len(json.loads(rows.stdout)) == 20000  # flushed
