"""A release manager's first hour: `init` → `check` passes → a later release fails on exactly what is new;
the verdict; `findings` filters; `--format` for listing commands; `--version`; npm specs and `--npm-pack`."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from auditor import __version__, store
from auditor.cli import app
from auditor.report.verdict import MAX_LINES, capabilities_line, flags_line, group_findings
from auditor.sources.npm import npm_error, valid_spec
from tests.test_artifacts_kit import npm_tgz

CLI_V1 = """\
const { Command } = require("commander");
const program = new Command();
if (process.env.ACME_TRACE) { console.log("trace"); }
program.command("run").description("run the agent");
program.command("login").description("log in");
"""

CLI_V2 = CLI_V1 + """\
if (process.env.ACME_TURBO) { console.log("turbo"); }
program.command("wipe", { hidden: true }).description("wipe everything");
"""


def release(tmp_path: Path, name: str, cli: str, extra: dict | None = None) -> Path:
    return npm_tgz(tmp_path / name, {"dist/cli.js": cli, "README.md": "# acme\n", **(extra or {})},
                   {"name": "acme", "version": name.split("-")[-1].removesuffix(".tgz"), "bin": {"acme": "dist/cli.js"}})


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def test_init_then_check_passes_and_a_later_release_fails_on_exactly_what_is_new(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    v1 = release(tmp_path, "acme-1.0.0.tgz", CLI_V1)
    v2 = release(tmp_path, "acme-1.1.0.tgz", CLI_V2, {"dist/extra.js": "module.exports = 1;\n"})
    db = str(tmp_path / "db.duckdb")
    r = run("init", str(v1), "--db", db)
    assert r.exit_code == 0, r.output
    written = (tmp_path / "auditor.toml").read_text()
    assert '"ACME_TRACE",' in written and '"run",' in written and '"login",' in written and '"dist/cli.js",' in written
    assert "ACME_TURBO" not in written and "wipe" not in written

    r = run("check", str(v1), "--fail-on", "note", "--format", "json", "--db", db)
    assert r.exit_code == 0, r.output
    report = json.loads(r.stdout)
    assert report["failing"] == 0 and report["summary"]["verdict"]["status"] == "pass"
    assert report["summary"]["verdict"]["lines"][0] == "PASS  nothing at or above note"

    r = run("check", str(v2), "--fail-on", "note", "--format", "json", "--db", db)
    assert r.exit_code == 1, r.output
    new = sorted((f["rule_id"], f["subject"]) for f in json.loads(r.stdout)["findings"] if not f["suppressed"])
    # exactly the new flag, the new (hidden) command and the new entry; nothing that v1 had
    assert new == [("CAP001", "command:wipe"), ("FLG006", "ACME_TURBO"), ("REL004", "dist/extra.js")]


def test_init_marks_what_looks_internal_and_refuses_a_second_manifest(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    v2 = release(tmp_path, "acme-1.1.0.tgz", CLI_V2, {".env": "TOKEN=x\n"})
    r = run("init", str(v2), "--db", str(tmp_path / "db.duckdb"))
    assert r.exit_code == 0, r.output
    written = (tmp_path / "auditor.toml").read_text()
    assert '"wipe",  # REVIEW hidden (hidden: true)' in written
    assert '".env",  # REVIEW looks internal: env-file' in written
    r = run("init", str(v2), "--db", str(tmp_path / "db.duckdb"))
    assert r.exit_code == 2 and "already holds a manifest" in r.output


def test_init_writes_into_pyproject_when_there_is_one(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "acme"\n')
    (tmp_path / "app.py").write_text('import os\nif os.environ.get("ACME_BETA"):\n    pass\n')
    r = run("init", ".", "--db", str(tmp_path / "db.duckdb"))
    assert r.exit_code == 0, r.output
    text = (tmp_path / "pyproject.toml").read_text()
    assert "[tool.auditor.manifest.flags]" in text and '"ACME_BETA",' in text
    assert run("check", ".", "--fail-on", "note", "--db", str(tmp_path / "db.duckdb")).exit_code == 0


def test_verdict_leads_scan_and_check_and_is_the_same_everywhere(tmp_path):
    v2 = release(tmp_path, "acme-1.1.0.tgz", CLI_V2, {"dist/cli.js.map": json.dumps(
        {"version": 3, "sources": ["../src/cli.ts"], "sourcesContent": ["export const secretPlan = 'x';\n" * 3], "mappings": ""})})
    db = str(tmp_path / "db.duckdb")
    scan = run("scan", str(v2), "--db", db)
    lines = scan.output.splitlines()
    verdict_at = next(i for i, ln in enumerate(lines) if ln.startswith("FAIL  "))
    assert verdict_at <= 3  # header, artifact line, then the verdict
    assert "[ART001]" in lines[verdict_at]
    check = run("check", str(v2), "--format", "json", "--db", db)
    report = json.loads(check.stdout)
    verdict = report["summary"]["verdict"]
    assert verdict["lines"][0] == lines[verdict_at] and len(verdict["lines"]) <= MAX_LINES
    md = run("check", str(v2), "--format", "markdown", "--db", db).stdout
    assert "```text\n" + "\n".join(verdict["lines"]) + "\n```" in md
    text = run("check", str(v2), "--db", db).stdout
    assert "\n".join(verdict["lines"]) in text
    sarif = json.loads(run("check", str(v2), "--format", "sarif", "--db", db).stdout)
    assert sarif["runs"][0]["properties"]["summary"]["verdict"]["lines"] == verdict["lines"]


def test_group_findings_counts_and_first_three_locations():
    fs = [{"rule_id": "CAP001", "severity": "warning", "path": f"a{i}.js", "line": i, "origin": "", "suppressed": False}
          for i in range(1, 6)]
    fs.append({"rule_id": "ART001", "severity": "error", "path": "x.map", "line": None, "origin": "", "suppressed": False})
    fs.append({"rule_id": "ART001", "severity": "error", "path": "y.map", "line": None, "origin": "", "suppressed": True})
    groups = group_findings(fs, {"CAP001": {"name": "hidden-capability-shipped"}, "ART001": {"name": "source-map"}})
    assert [(g["rule_id"], g["count"], g["locations"], g["more"]) for g in groups] == [
        ("ART001", 1, ["x.map"], 0), ("CAP001", 5, ["a1.js:1", "a2.js:2", "a3.js:3"], 2)]


def test_verdict_lines_words():
    exposure = {"readable": 229, "by_class": {"compile-time": 90, "remote": 139}, "manifest": True, "not_public": 46}
    assert flags_line(exposure) == "229 flags readable (90 compile-time, 139 remote); 46 not in the manifest"
    assert capabilities_line({"command": {"hidden": 3, "gated": 30, "either": 33}, "tool": {"hidden": 0, "gated": 18, "either": 18}}) \
        == "33 hidden or gated commands and 18 gated tools ship"
    assert capabilities_line({}) is None


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    db = tmp_path_factory.mktemp("demo") / "db.duckdb"
    assert CliRunner().invoke(app, ["scan", "--db", str(db), "--quiet"]).exit_code == 0
    return str(db)


def test_findings_filters_by_rule_severity_and_path(demo_db):
    data = json.loads(run("findings", "--db", demo_db, "--format", "json", "--rule", "cap001").stdout)
    assert data["findings"] and {f["rule_id"] for f in data["findings"]} == {"CAP001"}
    data = json.loads(run("findings", "--db", demo_db, "--format", "json", "--severity", "error").stdout)
    assert data["findings"] and {f["severity"] for f in data["findings"]} == {"error"}
    data = json.loads(run("findings", "--db", demo_db, "--format", "json", "--path", "src/*.ts").stdout)
    assert data["findings"] and all(f["path"].startswith("src/") and f["path"].endswith(".ts") for f in data["findings"])
    data = json.loads(run("findings", "--db", demo_db, "--format", "json", "--path", "banner").stdout)
    assert data["findings"] and all("banner" in f["path"] for f in data["findings"])
    r = run("findings", "--db", demo_db, "--rule", "NOPE1")
    assert r.exit_code == 2 and "no such rule: NOPE1" in r.output


@pytest.mark.parametrize("command", ["findings", "flags", "capabilities", "gates"])
def test_listing_commands_write_csv_with_full_paths(demo_db, command):
    r = run(command, "--db", demo_db, "--format", "csv")
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert rows


def test_text_tables_are_never_cut_when_not_a_terminal(demo_db):
    out = run("findings", "--db", demo_db).output
    assert "…" not in out
    assert "src/settings.ts:3 (source map: dist/cli.js.map)" in out


def test_rules_formats_and_version():
    rows = json.loads(run("rules", "--format", "json").stdout)
    assert {"id", "severity", "name", "summary"} <= set(rows[0]) and any(r["id"] == "ART001" for r in rows)
    assert "## ART001" in run("rules", "--format", "markdown").output
    r = run("--version")
    assert r.exit_code == 0 and r.output.strip() == f"auditor {__version__}"


def test_npm_spec_without_version_means_latest_and_npm_errors_pass_through():
    assert valid_spec("left-pad") == ("left-pad", "latest")
    assert valid_spec("@google/gemini-cli") == ("@google/gemini-cli", "latest")
    assert valid_spec("@google/gemini-cli@0.61.0") == ("@google/gemini-cli", "0.61.0")
    stderr = ("npm error code ETARGET\nnpm error notarget No matching version found for left-pad@99.9.9.\n"
              "npm error notarget In most cases you or one of your dependencies are requesting a package version that doesn't exist.\n"
              "npm error A complete log of this run can be found in: /root/.npm/_logs/x.log\n")
    assert npm_error("", stderr, 1) == "No matching version found for left-pad@99.9.9."
    js = json.dumps({"error": {"code": "E404", "summary": "Not Found - GET https://registry.npmjs.org/nope - Not found"}})
    assert npm_error(js, stderr, 1) == "Not Found - GET https://registry.npmjs.org/nope - Not found"
    assert npm_error("", "", 3) == "exit status 3"


def fake_npm(tmp_path: Path, monkeypatch, payload: Path) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "npm-args.json"
    fake = bin_dir / "npm"
    fake.write_text(textwrap.dedent(f"""\
        #!{sys.executable}
        import json, os, shutil, sys
        args = sys.argv[1:]
        json.dump({{"args": args, "cwd": os.getcwd(), "ignore": os.environ.get("npm_config_ignore_scripts")}}, open({str(log)!r}, "w"))
        dest = args[args.index("--pack-destination") + 1]
        shutil.copy({str(payload)!r}, os.path.join(dest, "acme-1.0.0.tgz"))
        print(json.dumps([{{"filename": "acme-1.0.0.tgz"}}]))
        """))
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return log


def test_check_npm_pack_audits_exactly_the_packed_tarball_without_scripts(tmp_path, monkeypatch):
    payload = release(tmp_path, "acme-1.0.0.tgz", CLI_V1)
    pkg_dir = tmp_path / "pkg"
    pkg_dir.mkdir()
    (pkg_dir / "package.json").write_text('{"name": "acme", "version": "1.0.0", "scripts": {"prepack": "exit 1"}}')
    log = fake_npm(tmp_path, monkeypatch, payload)
    db = tmp_path / "db.duckdb"
    r = run("check", "--npm-pack", str(pkg_dir), "--format", "json", "--db", str(db))
    assert r.exit_code == 0, r.output
    called = json.loads(log.read_text())
    assert called["args"][0] == "pack" and "--ignore-scripts" in called["args"] and called["ignore"] == "true"
    assert Path(called["cwd"]).resolve() == pkg_dir.resolve()
    conn = store.connect(db, read_only=True)
    try:
        assert conn.execute("SELECT package_name, package_version FROM artifacts").fetchall() == [("acme", "1.0.0")]
    finally:
        conn.close()
    r = run("check", "--npm-pack", str(tmp_path / "nothing"), "--db", str(db))
    assert r.exit_code == 2 and "no package.json" in r.output


def test_scan_reports_its_phases_to_the_progress_callback(tmp_path):
    from auditor.config import Config
    from auditor.scan import run_scan

    cli_map = {"version": 3, "file": "cli.js", "sources": ["../src/cli.ts"],
               "sourcesContent": ["if (process.env.ACME_X) { run(); }\n"], "mappings": "AAAA"}
    tgz = npm_tgz(tmp_path / "p-1.0.0.tgz", {"dist/cli.js": "process.env.ACME_X;\n//# sourceMappingURL=cli.js.map\n",
                                             "dist/cli.js.map": json.dumps(cli_map)})
    events: list[tuple[str, int]] = []
    run_scan([str(tgz)], tmp_path / "db.duckdb", None, Config(), lambda e, n, t: events.append((e, n)))
    order = [e for e, _ in events]
    assert order[:2] == ["open", "start"]
    assert order.count("map-file") == 1 and order.count("file") == 1  # the bundle, and the source its map rebuilds
    assert sum(n for e, n in events if e == "bytes") > 0 and order.count("entry") == 3
    assert order[-3:] == ["resolve", "rules", "done"]


def test_progress_display_describes_entries_files_rebuilt_sources_and_bytes():
    from rich.console import Console

    from auditor.cli import _ScanProgress

    with _ScanProgress(Console(file=io.StringIO(), force_terminal=True)) as p:
        p("open", 0, None)
        p("start", 0, None)
        for _ in range(3):
            p("entry", 1, None)
        p("file", 1, None)
        p("bytes", 2048, None)
        p("map-file", 1, None)
        p("bytes", 1024, None)
        assert p._describe() == "Extracting: 3 entries read, 2 files extracted (1 rebuilt from source maps), 3.0 KiB"
        p("resolve", 0, None)
        p("rules", 0, None)


def test_scan_shows_no_progress_when_not_a_terminal(tmp_path):
    r = CliRunner().invoke(app, ["scan", str(release(tmp_path, "acme-1.0.0.tgz", CLI_V1)), "--db", str(tmp_path / "db.duckdb")])
    assert r.exit_code == 0 and "Extracting" not in r.stderr and "Opening targets" not in r.stderr


def test_an_incomplete_audit_leads_the_verdict_and_is_never_a_pass(tmp_path):
    from auditor.report.check import check_report
    from auditor.report.verdict import compute_verdict

    db = tmp_path / "db.duckdb"
    assert run("scan", str(clean_tgz(tmp_path)), "--db", str(db), "--quiet").exit_code == 0
    conn = store.connect(db)
    try:
        conn.execute("INSERT INTO diagnostics VALUES (1, 'dist/huge.js', 'extract-crashed', 'error', 'the parser crashed', NULL, '')")
        verdict = compute_verdict(conn, 1, check_report(conn, 1)["findings"])
    finally:
        conn.close()
    assert verdict["status"] == "incomplete" and verdict["incomplete"] == 1
    assert verdict["lines"][0].startswith("INCOMPLETE  1 item could not be audited: dist/huge.js")
    assert verdict["lines"][1] == "      nothing at or above error in what could be audited"  # never a PASS
    assert not any(line.startswith("PASS") for line in verdict["lines"]) and len(verdict["lines"]) <= MAX_LINES


def clean_tgz(tmp_path: Path) -> Path:
    return npm_tgz(tmp_path / "clean-1.0.0.tgz", {"index.js": "module.exports = 1;\n"}, {"name": "clean", "main": "index.js"})
