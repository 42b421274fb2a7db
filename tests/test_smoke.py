from auditor.cli import demo_project


def test_demo_scan_finds_wrapper_registry_and_enum_keys(scan_db):
    summary, conn = scan_db(demo_project())
    rows = conn.execute(
        "SELECT flag_key, provider, confidence FROM flag_reads WHERE scan_id = ? ORDER BY path, line",
        [summary.scan_id],
    ).fetchall()
    assert ("NEW_DASHBOARD", "inhouse", "high") in rows
    assert ("TAGGING_SYSTEM", "launchdarkly", "high") in rows
    assert ("dark-mode", "launchdarkly", "high") in rows  # camelCased darkMode mapped back
    assert ("experimental-ui", "unknown", "low") in rows  # `isEnabled` without an Unleash import


def test_bare_scan_audits_the_demo_release(tmp_path):
    from typer.testing import CliRunner

    from auditor import store
    from auditor.cli import app

    db = tmp_path / "demo.duckdb"
    result = CliRunner().invoke(app, ["scan", "--db", str(db), "--quiet"])
    assert result.exit_code == 0, result.output
    conn = store.connect(db, read_only=True)
    assert conn.execute("SELECT kind, package_name FROM artifacts").fetchall() == [("npm", "acme-agent")]
    origins = {r[0] for r in conn.execute("SELECT DISTINCT origin FROM flag_reads").fetchall()}
    assert origins == {"", "source map: dist/cli.js.map", "source map: dist/banner.js#inline"}
    rules = {r[0] for r in conn.execute("SELECT DISTINCT rule_id FROM findings").fetchall()}
    assert {"ART001", "ART002", "ART005", "ART006", "ART007", "ART010"} <= rules
