"""An incomplete audit is never a pass: an internal error caught by a safety net makes `scan` and
`check` exit 2 after storing everything else, and every format says so first."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from auditor import store
from auditor.cli import app
from auditor.models import FAILURE_CODES
from test_artifacts_kit import npm_tgz

RULES = Path(__file__).parent / "fixtures" / "rules"


def run(*args):
    return CliRunner().invoke(app, [*args, "-j", "1", "--no-cache"])


@pytest.fixture
def two_targets(tmp_path):
    """Target a (dist/cli.js will fail, ok.js will not) and target b."""
    a, b = tmp_path / "a", tmp_path / "b"
    (a / "dist").mkdir(parents=True)
    b.mkdir()
    (a / "dist" / "cli.js").write_text("if (process.env.A_FLAG) { go() }\n")
    (a / "ok.js").write_text("const x = process.env.OK_A;\n")
    (b / "index.js").write_text("if (process.env.B_FLAG) { go() }\n")
    return a, b


@pytest.fixture
def failing_extractor(monkeypatch):
    """Extraction of any `cli.js` raises IndexError (a bug in the extractor, not bad input)."""
    from auditor.extract import engine

    original = engine.Extractor.extract

    def extract(self, src):
        if src.path.endswith("cli.js"):
            raise IndexError("string index out of range")
        return original(self, src)

    monkeypatch.setattr(engine.Extractor, "extract", extract)


def stored(db: Path, sql: str) -> list[tuple]:
    conn = store.connect(db, read_only=True)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def one_error_line(stderr: str) -> str:
    lines = [ln for ln in stderr.splitlines() if ln.startswith("auditor: error:")]
    assert len(lines) == 1, stderr
    return lines[0]


def test_failure_codes_are_one_definition():
    for code in ("extract-failed", "artifact-failed", "secret-scan-failed", "extract-crashed", "target-failed",
                 "file-budget-exceeded", "map-source-failed"):
        assert code in FAILURE_CODES
    for code in ("syntax-error", "not-utf8", "binary-file", "file-truncated", "unreadable", "failed", None):
        assert code not in FAILURE_CODES


@pytest.mark.usefixtures("failing_extractor")
@pytest.mark.parametrize("fmt", ["json", "sarif", "markdown", "text"])
def test_check_with_a_failed_file_exits_2_says_incomplete_first_and_stores_the_rest(two_targets, tmp_path, fmt):
    a, b = two_targets
    db = tmp_path / "db.duckdb"
    r = run("check", str(a), str(b), "--db", str(db), "--format", fmt, "--fail-on", "note")
    assert r.exit_code == 2, r.output
    line = one_error_line(r.stderr)
    assert "incomplete audit" in line and "dist/cli.js" in line and "extract-failed" in line and "IndexError" in line
    if fmt == "json":
        report = json.loads(r.stdout)
        assert list(report)[:2] == ["complete", "failures"]
        assert report["complete"] is False
        assert report["failures"] == [{"item": "dist/cli.js", "code": "extract-failed",
                                       "cause": "IndexError: string index out of range", "origin": ""}]
    elif fmt == "sarif":
        inv = json.loads(r.stdout)["runs"][0]["invocations"]
        assert len(inv) == 1 and inv[0]["executionSuccessful"] is False
        (note,) = inv[0]["toolExecutionNotifications"]
        assert note["level"] == "error" and note["descriptor"] == {"id": "extract-failed"}
        assert "dist/cli.js" in note["message"]["text"] and "IndexError" in note["message"]["text"]
    elif fmt == "markdown":
        body = r.stdout.split("\n", 2)[2]  # after the heading and its blank line: the verdict block
        assert body.startswith("```text\nINCOMPLETE  1 item could not be audited: dist/cli.js (extract-failed: IndexError")
        assert "PASS" not in r.stdout
    else:
        verdict = r.stdout.splitlines()[1:]  # after the one header line
        assert verdict[0].startswith("INCOMPLETE  1 item could not be audited: dist/cli.js (extract-failed: IndexError")
        assert "in what could be audited" in verdict[1] and "PASS" not in r.stdout
    # everything else was stored: the other file of a, target b, and the failure itself
    keys = {k for (k,) in stored(db, "SELECT flag_key FROM flag_reads")}
    assert keys == {"OK_A", "B_FLAG"}
    assert stored(db, "SELECT count(*) FROM gates") == [(1,)]  # b's gate
    assert stored(db, "SELECT path, code, severity FROM diagnostics") == [("dist/cli.js", "extract-failed", "error")]


@pytest.mark.usefixtures("failing_extractor")
@pytest.mark.parametrize("quiet", [True, False])
def test_scan_with_a_failed_file_exits_2_after_storing(two_targets, tmp_path, quiet):
    a, b = two_targets
    db = tmp_path / "db.duckdb"
    r = run("scan", str(a), str(b), "--db", str(db), *(["-q"] if quiet else []))
    assert r.exit_code == 2, r.output
    line = one_error_line(r.stderr)
    assert "dist/cli.js (extract-failed: IndexError: string index out of range)" in line
    if not quiet:  # the verdict's first line, after the scan's header
        verdict = [v for v in r.stdout.splitlines() if v.startswith(("INCOMPLETE", "FAIL", "PASS"))]
        assert verdict[0].startswith("INCOMPLETE  1 item could not be audited")
    assert {k for (k,) in stored(db, "SELECT flag_key FROM flag_reads")} == {"OK_A", "B_FLAG"}


def test_an_artifact_reader_failure_is_never_a_pass_and_keeps_what_was_read(tmp_path, monkeypatch):
    """The path of the real release: the safety net turned the artifact into one `artifact-failed`
    row that nothing showed, and `check` passed."""
    from auditor.sources import walk

    original = walk.ArtifactWalk.run

    def run_then_fail(self):
        for n, item in enumerate(original(self)):
            yield item
            if n == 3:
                raise IndexError("string index out of range")

    monkeypatch.setattr(walk.ArtifactWalk, "run", run_then_fail)
    pkg = npm_tgz(tmp_path / "pkg.tgz", {"index.js": "if (process.env.PKG_FLAG) { go() }\n"})
    other = tmp_path / "other"
    other.mkdir()
    (other / "x.js").write_text("const y = process.env.OTHER;\n")
    db = tmp_path / "db.duckdb"
    r = run("check", str(pkg), str(other), "--db", str(db), "--format", "sarif")
    assert r.exit_code == 2, r.output
    assert "artifact-failed" in one_error_line(r.stderr) and "pkg.tgz" in r.stderr
    inv = json.loads(r.stdout)["runs"][0]["invocations"][0]
    assert inv["executionSuccessful"] is False
    assert [n["descriptor"]["id"] for n in inv["toolExecutionNotifications"]] == ["artifact-failed"]
    assert ("OTHER",) in stored(db, "SELECT flag_key FROM flag_reads")
    assert stored(db, "SELECT count(*) FROM diagnostics WHERE code = 'artifact-failed'") == [(1,)]


def test_a_target_whose_reader_raises_loses_only_that_target(tmp_path, monkeypatch):
    """A source without its own safety net (a directory) used to stop the whole scan with a traceback."""
    from auditor.sources import directory

    original = directory.DirectorySource.iter_files

    def iter_files(self):
        if self.root.name == "bad":
            raise RecursionError("maximum recursion depth exceeded")
        yield from original(self)

    monkeypatch.setattr(directory.DirectorySource, "iter_files", iter_files)
    bad, good = tmp_path / "bad", tmp_path / "good"
    bad.mkdir()
    good.mkdir()
    (bad / "a.js").write_text("process.env.BAD\n")
    (good / "b.js").write_text("process.env.GOOD\n")
    db = tmp_path / "db.duckdb"
    r = run("check", str(bad), str(good), "--db", str(db), "--format", "json")
    assert r.exit_code == 2, r.output
    report = json.loads(r.stdout)
    assert report["complete"] is False
    assert [(f["item"], f["code"]) for f in report["failures"]] == [(str(bad), "target-failed")]
    assert "RecursionError" in report["failures"][0]["cause"]
    assert stored(db, "SELECT flag_key FROM flag_reads") == [("GOOD",)]


def test_clean_runs_keep_exit_0_and_1_and_say_complete(tmp_path):
    db = str(tmp_path / "db.duckdb")
    target, manifest = str(RULES / "CAP001" / "bad"), str(RULES / "CAP001" / "bad" / "manifest.toml")
    r = run("check", target, "--manifest", manifest, "--db", db, "--format", "json")
    assert r.exit_code == 0 and json.loads(r.stdout)["complete"] is True and json.loads(r.stdout)["failures"] == []
    r = run("check", target, "--manifest", manifest, "--db", db, "--fail-on", "warning", "--format", "sarif")
    assert r.exit_code == 1
    assert json.loads(r.stdout)["runs"][0]["invocations"] == [{"executionSuccessful": True}]
    r = run("check", target, "--manifest", manifest, "--db", db)
    assert r.exit_code == 0 and "INCOMPLETE" not in r.stdout
    r = run("scan", target, "--db", db, "-q", "--fail-on", "warning")
    assert r.exit_code == 1 and r.stderr == ""
