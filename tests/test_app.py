"""The Streamlit dashboard (app/): every page through AppTest on the demo database, the SQL console's
safety, and reading while a scan writes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest  # noqa: E402

from auditor import store  # noqa: E402
from auditor.cli import demo_project  # noqa: E402
from auditor.config import find_config, load_config  # noqa: E402
from auditor.dashboard import app_dir  # noqa: E402
from auditor.scan import run_scan  # noqa: E402

from app_release import build_release  # noqa: E402  (tests/app_release.py)

APP = app_dir()
if str(APP) not in sys.path:
    sys.path.insert(0, str(APP))
import data  # noqa: E402  (app/data.py)

PAGES = ("overview", "flags", "capabilities", "findings", "shipped", "artifact", "diff", "sql")


DEMO_MANIFEST = demo_project().parent / "manifest.toml"


@pytest.fixture(autouse=True)
def _restore_main_module():
    """AppTest leaves `sys.modules["__main__"]` pointing at streamlit_app.py; a later spawn/forkserver worker
    (parallel scans) would then re-run the dashboard script as its main module. Put the real one back."""
    main = sys.modules["__main__"]
    yield
    sys.modules["__main__"] = main


def _scan(target: Path, db: Path, label: str, manifest: Path | None = None):
    kwargs = {}
    if manifest is not None:
        from auditor.manifest import load_manifest

        kwargs["manifest"] = load_manifest(manifest)
    return run_scan([str(target)], db, label, load_config(find_config(target)), **kwargs)


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> Path:
    """Two scans: #1 an older copy of the demo project (no tools.ts, an extra `legacy-search` flag), #2 the demo
    compared with the demo manifest (what is meant to be public)."""
    root = tmp_path_factory.mktemp("appdb")
    old = root / "demo-old"
    shutil.copytree(demo_project(), old)
    (old / "src" / "tools.ts").unlink()
    (old / "src" / "legacy.ts").write_text(
        "import { flagOn } from './internal/flags';\n"
        "export const legacy = () => flagOn('legacy-search');\n"
    )
    db = root / "demo.duckdb"
    _scan(old, db, "demo-old")
    _scan(demo_project(), db, "demo", DEMO_MANIFEST if DEMO_MANIFEST.is_file() else None)
    return db


@pytest.fixture(scope="module")
def facts(demo_db) -> dict:
    """What the newest scan holds, read straight from the database (the pages must show the same)."""
    conn = store.connect(demo_db, read_only=True)
    try:
        one = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
        return {
            "keys": one("SELECT count(*) FROM flags WHERE scan_id = 2 AND confidence = 'high'"),
            "reads": one("SELECT count(*) FROM flag_reads WHERE scan_id = 2"),
            "definitions": one("SELECT count(*) FROM flag_definitions WHERE scan_id = 2"),
            "files": one("SELECT count(*) FROM files WHERE scan_id = 2"),
            "findings": one("SELECT count(*) FROM findings WHERE scan_id = 2 AND NOT suppressed"),
            "sev": [one(f"SELECT count(*) FROM findings WHERE scan_id = 2 AND severity = '{s}' AND NOT suppressed")
                    for s in ("error", "warning", "note")],
            "all_flags": one("SELECT count(*) FROM flags WHERE scan_id = 2"),
            "added": {r[0] for r in conn.execute(
                "SELECT flag_key FROM flags WHERE scan_id = 2 EXCEPT SELECT flag_key FROM flags WHERE scan_id = 1").fetchall()},
            "removed": {r[0] for r in conn.execute(
                "SELECT flag_key FROM flags WHERE scan_id = 1 EXCEPT SELECT flag_key FROM flags WHERE scan_id = 2").fetchall()},
            "caps": one("SELECT count(*) FROM capabilities WHERE scan_id = 2") if _has(conn, "capabilities") else None,
            "hidden": one("SELECT count(*) FROM capabilities WHERE scan_id = 2 AND hidden") if _has(conn, "capabilities") else None,
            "manifest": _has(conn, "manifests") and one("SELECT count(*) FROM manifests WHERE scan_id = 2") > 0,
        }
    finally:
        conn.close()


def _has(conn, table: str) -> bool:
    return conn.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [table]).fetchone()[0] > 0


@pytest.fixture
def app(demo_db, monkeypatch):
    """An AppTest of the dashboard on the demo database, first page run."""
    monkeypatch.setenv("AUDITOR_DB", str(demo_db))
    at = AppTest.from_file(str(APP / "streamlit_app.py"), default_timeout=30)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def goto(at: AppTest, page: str) -> AppTest:
    at.switch_page(f"app_pages/{page}.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def text_of(at: AppTest) -> str:
    parts = [e.value for e in (*at.markdown, *at.caption, *at.info, *at.warning, *at.error, *at.title, *at.header, *at.subheader, *at.code)]
    return "\n".join(str(p) for p in parts)


# ---------------------------------------------------------------------------------------- pages


def test_overview_shows_headline_counts_and_scans(app, facts):
    m = metrics(app)
    assert m["Flag keys"] == str(facts["keys"])
    assert m["Flag reads"] == str(facts["reads"])
    assert m["Definitions"] == str(facts["definitions"])
    assert m["Files parsed"] == str(facts["files"])
    assert m["Findings"] == str(facts["findings"])
    assert m["Errors · warnings · notes"] == " · ".join(str(n) for n in facts["sev"])
    assert app.sidebar.selectbox[0].value == "latest"
    assert "Newest (#2 demo)" in app.sidebar.selectbox[0].options
    scans = app.dataframe[-1].value
    assert list(scans["label"]) == ["demo", "demo-old"]
    languages = next(d.value for d in app.dataframe if "language" in d.value.columns)
    assert {"typescript", "python", "tsx"} <= set(languages["language"])


def test_overview_leads_with_the_verdict_check_reports(app, demo_db):
    """The dashboard computes nothing itself: its verdict and grouped findings are `check_report`'s."""
    from auditor.report.check import check_report

    conn = store.connect(demo_db, read_only=True)
    try:
        report = check_report(conn, 2)
    finally:
        conn.close()
    assert app.code[0].value == "\n".join(report["summary"]["verdict"]["lines"])
    assert app.title[0].value == "Overview" and app.markdown  # verdict box before the counts
    groups = next(d.value for d in app.dataframe if "rule_id" in d.value.columns)
    assert list(zip(groups["rule_id"], groups["count"])) == [(g["rule_id"], g["count"]) for g in report["groups"]]
    assert list(groups["severity"]) == sorted(groups["severity"], key=["error", "warning", "note"].index)  # most severe first


def test_overview_without_a_manifest_says_public_is_unknown(app):
    app.sidebar.selectbox[0].set_value(1).run()  # demo-old: scanned without a manifest
    shown = text_of(app)
    assert "no manifest (auditor init writes one)" in app.code[0].value
    assert "**manifest says public** needs a manifest" in shown


def test_overview_follows_the_scan_picked_in_the_sidebar(app):
    app.sidebar.selectbox[0].set_value(1).run()
    assert "#1 demo-old" in text_of(app)
    goto(app, "flags")
    keys = set(app.dataframe[0].value["key"])
    assert "legacy-search" in keys and "VOICE_MODE" not in keys


def test_flags_page_lists_inventory_and_a_flags_reads(app, facts):
    goto(app, "flags")
    inv = app.dataframe[0].value
    assert len(inv) == facts["all_flags"]
    assert {"dark-mode", "TAGGING_SYSTEM", "VOICE_MODE", "internal-tools"} <= set(inv["key"])
    assert f"**{facts['all_flags']} flag keys**" in text_of(app)
    # filter: one provider, high confidence only
    app.multiselect[0].set_value(["launchdarkly"]).run()
    inv = app.dataframe[0].value
    assert set(inv["provider"]) == {"launchdarkly"} and "dark-mode" in set(inv["key"])
    # a flag's page: every read with code, its definition
    app.selectbox(key="flag_pick").set_value(("dark-mode", "launchdarkly")).run()
    shown = text_of(app)
    assert [h.value for h in app.header] == [":material/flag: dark-mode"]
    assert "src/server.ts" in shown and "Banner.tsx" in shown  # both reads, camelCased one mapped back
    assert any("boolVariation" in c.value for c in app.code)
    defs = app.dataframe[1].value
    assert set(defs["symbol"]) >= {"Flags.DarkMode"} or len(defs) >= 1
    assert "Gates" in shown


def test_flags_page_unresolved_and_low_confidence_filters(app):
    goto(app, "flags")
    app.multiselect[1].set_value(["low"]).run()
    inv = app.dataframe[0].value
    assert list(inv["key"]) == ["experimental-ui"]
    app.radio[0].set_value("unresolved").run()
    assert "reads with an unresolved key" in text_of(app)


def test_findings_page_filters_and_shows_rule_doc_and_fingerprint(app, facts, demo_db):
    goto(app, "findings")
    df = app.dataframe[0].value
    assert len(df) == facts["findings"]
    assert {"FLG001", "FLG002"} <= set(df["rule_id"])
    assert "internal-tools" in set(df["subject"])
    app.multiselect[0].set_value(["FLG001"]).run()
    df = app.dataframe[0].value
    assert set(df["rule_id"]) == {"FLG001"}
    idx = list(df["subject"]).index("internal-tools")
    app.selectbox(key="finding_pick").set_value(idx).run()
    shown = text_of(app)
    assert "What it finds" in shown and "How to fix" in shown  # the rule doc
    conn = store.connect(demo_db, read_only=True)
    fp = conn.execute("SELECT fingerprint FROM findings WHERE scan_id = 2 AND rule_id = 'FLG001' AND subject = 'internal-tools'").fetchone()[0]
    conn.close()
    assert fp in [c.value for c in app.code]
    assert any("flagOn('internal-tools')" in c.value for c in app.code)  # code context from the stored read
    app.multiselect[0].set_value([]).run()
    app.text_input[0].set_value("no/such/file").run()
    assert "No finding matches these filters." in [s.value for s in app.success]


def test_shipped_vs_public_page(app, facts):
    goto(app, "shipped")
    m = metrics(app)
    assert m["Flag keys"] == str(facts["all_flags"])
    flags = app.dataframe[0].value
    assert len(flags) == facts["all_flags"]
    rows = {r["key"]: r for _, r in flags.iterrows()}
    assert {"dark-mode", "VOICE_MODE", "internal-tools"} <= set(rows)
    shown = text_of(app)
    assert "This scan has no artifact entries" in shown  # a directory scan: shipped is unknown
    assert rows["dark-mode"]["in source"] == "✔"
    if facts["manifest"]:
        # dark-mode is public in the demo manifest; internal-tools is not (and is internal)
        assert rows["dark-mode"]["public"] == "✔" and rows["dark-mode"][""] == ""
        assert rows["internal-tools"]["public"] == "✘" and rows["internal-tools"][""] == "⚠"
        assert rows["internal-tools"]["status"] == "in source, not public"
        assert int(m["Flag mismatches"]) == sum(1 for r in rows.values() if r[""] == "⚠") > 0
        assert list(flags[""])[: int(m["Flag mismatches"])] == ["⚠"] * int(m["Flag mismatches"])  # mismatches first
    if facts["caps"] is not None:
        caps = app.dataframe[1].value
        names = dict(zip(caps["name"], caps[""]))
        assert names.get("dump_memory") == "⚠" if facts["manifest"] else "dump_memory" in names
        assert names.get("read_file") == ""
    else:
        assert "**Capabilities** — not in this database" in shown


def test_shipped_vs_public_without_a_manifest(app):
    app.sidebar.selectbox[0].set_value(1).run()  # demo-old: scanned without a manifest
    goto(app, "shipped")
    shown = text_of(app)
    assert "No manifest recorded for this scan" in shown
    assert set(app.dataframe[0].value["public"]) == {"?"}
    assert set(app.dataframe[0].value[""]) <= {""}  # nothing highlighted: without a manifest nothing is compared
    assert metrics(app)["Flag mismatches"] == "?"


def test_capabilities_page(app, facts):
    goto(app, "capabilities")
    shown = text_of(app)
    if facts["caps"] is None:
        assert "**Capabilities** — not in this database" in shown
        return
    m = metrics(app)
    assert m["Capabilities"] == str(facts["caps"]) and m["Hidden"] == str(facts["hidden"])
    caps = app.dataframe[0].value
    assert list(caps["hidden"])[: facts["hidden"]] == [True] * facts["hidden"]  # hidden first
    chain = dict(zip(caps["name"], caps["gate_chain"]))
    assert "internal-tools" in chain["dump_memory"]
    app.radio[0].set_value("hidden or gated").run()
    assert all(r.hidden or r.gated for r in app.dataframe[0].value.itertuples())


def test_flag_page_shows_gates_and_what_they_unlock(app, facts):
    if facts["caps"] is None:
        pytest.skip("this auditor records no gates")
    goto(app, "flags")
    app.selectbox(key="flag_pick").set_value(("internal-tools", "inhouse")).run()
    gate_frames = [d.value for d in app.dataframe if "unlocks" in d.value.columns]
    assert gate_frames and "tool dump_memory" in " ".join(gate_frames[0]["unlocks"].dropna())


def test_artifact_page(app):
    goto(app, "artifact")
    shown = text_of(app)
    assert "Files rebuilt from source maps" in shown
    if not data.has("artifacts"):
        assert "not in this database" in shown
    else:
        assert "This scan has no artifact" in shown


def test_release_diff_page(app, facts):
    goto(app, "diff")
    m = metrics(app)
    assert m["Flags added"] == str(len(facts["added"])) and m["Flags removed"] == str(len(facts["removed"]))
    added = set(app.dataframe[0].value["key"])
    removed = set(app.dataframe[1].value["key"])
    assert added == facts["added"] and {"VOICE_MODE", "internal-tools"} <= added
    assert removed == facts["removed"] == {"legacy-search"}
    files = [df.value for df in app.dataframe]
    assert any("src/tools.ts" in set(f.get("path", [])) for f in files)
    assert any("src/legacy.ts" in set(f.get("path", [])) for f in files)


def test_sql_page_runs_a_query_and_offers_csv(app, facts):
    goto(app, "sql")
    app.text_area(key="sql_text").set_value("SELECT flag_key FROM flags WHERE scan_id = 2 ORDER BY flag_key")
    app.get("form_submit_button")[0].click().run()
    assert f"**{facts['all_flags']} rows**" in text_of(app)
    assert "dark-mode" in set(app.dataframe[-1].value["flag_key"])
    assert app.get("download_button")


def test_sql_page_refuses_file_access_with_a_message(app):
    goto(app, "sql")
    app.text_area(key="sql_text").set_value("SELECT * FROM read_csv('/etc/passwd')")
    app.get("form_submit_button")[0].click().run()
    assert app.error and "Refused" in app.error[0].value and "root:" not in text_of(app)


def test_every_page_reports_a_missing_database(tmp_path, monkeypatch):
    monkeypatch.setenv("AUDITOR_DB", str(tmp_path / "nope.duckdb"))
    at = AppTest.from_file(str(APP / "streamlit_app.py"), default_timeout=30)
    at.run()
    assert not at.exception
    assert "no database at" in at.sidebar.error[0].value


@pytest.fixture(scope="module")
def release_db(tmp_path_factory) -> Path:
    """The demo release tarball scanned with the demo manifest (needs release scanning, schema 3+)."""
    root = tmp_path_factory.mktemp("release")
    tgz = build_release(root / "acme-agent-1.4.0.tgz")
    db = root / "release.duckdb"
    try:
        from auditor.manifest import load_manifest
        from auditor.sources.artifact import artifact_format  # noqa: F401
    except ImportError:
        pytest.skip("this auditor does not scan release artifacts yet")
    run_scan([str(tgz)], db, "acme-agent 1.4.0", load_config(demo_project() / "auditor.toml"),
             manifest=load_manifest(DEMO_MANIFEST))
    return db


@pytest.fixture
def release_app(release_db, monkeypatch):
    monkeypatch.setenv("AUDITOR_DB", str(release_db))
    at = AppTest.from_file(str(APP / "streamlit_app.py"), default_timeout=30)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_shipped_vs_public_on_a_release(release_app):
    at = goto(release_app, "shipped")
    assert "no artifact entries" not in text_of(at) and "No manifest recorded" not in text_of(at)
    flags = {r["key"]: r for _, r in at.dataframe[0].value.iterrows()}
    # in the bundle and public: fine
    assert (flags["dark-mode"]["shipped"], flags["dark-mode"]["in bundle"], flags["dark-mode"]["public"]) == ("✔", "✔", "✔")
    assert flags["dark-mode"][""] == "" and flags["dark-mode"]["status"] == "shipped, public"
    # dropped from the bundle but shipped in the map's sourcesContent: the core mismatch
    for key in ("internal-tools", "VOICE_MODE"):
        assert flags[key]["only in map"] == "✔" and flags[key]["shipped"] == "✘" and flags[key][""] == "⚠"
        assert flags[key]["status"] == "only in source map"
    assert flags["internal-tools"]["internal"] == "✔" and flags["dark-mode"]["internal"] == "✘"
    m = metrics(at)
    assert m["Only in a source map"] == str(sum(1 for r in flags.values() if r["only in map"] == "✔"))
    caps = {r["name"]: r for _, r in at.dataframe[1].value.iterrows()}
    assert caps["dump_memory"][""] == "⚠" and caps["dump_memory"]["only in map"] == "✔"
    assert caps["read_file"]["shipped"] == "✔" and caps["read_file"]["public"] == "✔" and caps["read_file"][""] == ""


def test_artifact_page_on_a_release(release_app):
    at = goto(release_app, "artifact")
    m = metrics(at)
    assert m["Kind"] == "npm" and m["Entries"] == "3" and m["Source maps"] == "1"
    assert m["Sources"] == "2" and m["With sourcesContent"] == "1"
    assert any(":material/deployed_code: acme-agent 1.4.0" == s.value for s in at.subheader)
    frames = [d.value for d in at.dataframe]
    assert any(set(f.get("kind", [])) >= {"bundle", "source-map"} for f in frames)
    rebuilt = [f for f in frames if "source_map" in f.columns and "path" in f.columns]
    assert rebuilt and set(rebuilt[0]["path"]) == {"src/server.ts", "src/tools.ts"}
    assert "**2 files** rebuilt from 1 maps" in text_of(at)


def test_findings_on_a_release_include_ones_without_a_line(release_app, release_db):
    at = goto(release_app, "findings")
    df = at.dataframe[0].value
    conn = store.connect(release_db, read_only=True)
    expected = conn.execute("SELECT rule_id, subject FROM findings WHERE NOT suppressed ORDER BY ALL").fetchall()
    conn.close()
    assert sorted(zip(df["rule_id"], df["subject"])) == sorted(expected)
    assert {"ART001", "REL003", "CAP002"} <= set(df["rule_id"])
    for i in range(len(df)):  # every finding's detail renders, those without a line too
        at.selectbox(key="finding_pick").set_value(i).run()
        assert not at.exception, (df.iloc[i].to_dict(), [e.value for e in at.exception])
        assert f"{df.iloc[i]['rule_id']}:" in at.subheader[0].value


def test_overview_on_a_release(release_app):
    m = metrics(release_app)
    assert m["Artifacts"] == "1" and m["Entries"] == "3"
    assert int(m["Gated capabilities"]) >= 2
    lines = release_app.code[0].value.splitlines()
    assert lines[0].startswith("FAIL  ") and "[ART001]" in lines[0]  # the source map leak leads
    assert "Not shown" not in text_of(release_app)  # a release with a manifest: every exposure stage is known


V2_RELATIONS = {"scans", "files", "flag_reads", "flag_definitions", "diagnostics", "findings", "auditor_meta",
                "flags", "flags_unread", "flags_undefined"}


@pytest.fixture(scope="module")
def old_db(demo_db, tmp_path_factory) -> Path:
    """The demo database cut back to schema version 2 (no artifact, gate, capability or manifest tables)."""
    import duckdb

    db = tmp_path_factory.mktemp("olddb") / "v2.duckdb"
    shutil.copyfile(demo_db, db)
    conn = duckdb.connect(str(db))
    for (view,) in conn.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall():
        if view not in V2_RELATIONS:
            conn.execute(f"DROP VIEW {view}")
    for (table,) in conn.execute("SELECT table_name FROM duckdb_tables() WHERE NOT internal").fetchall():
        if table not in V2_RELATIONS:
            conn.execute(f"DROP TABLE {table}")
    conn.execute("UPDATE auditor_meta SET value = '2' WHERE key = 'schema_version'")
    conn.close()
    return db


@pytest.mark.parametrize("page, message", [
    ("overview", None),
    ("flags", "**Gates** — not in this database"),
    ("capabilities", "**Capabilities** — not in this database"),
    ("findings", None),
    ("shipped", "**Capabilities** — not in this database"),
    ("artifact", "**Artifacts and entries** — not in this database"),
    ("diff", "**Capabilities** — not in this database"),
    ("sql", None),
])
def test_every_page_degrades_on_an_older_database(old_db, monkeypatch, page, message):
    monkeypatch.setenv("AUDITOR_DB", str(old_db))
    at = AppTest.from_file(str(APP / "streamlit_app.py"), default_timeout=30)
    at.run()
    goto(at, page)
    assert "schema v2" in at.sidebar.caption[0].value
    if message:
        assert message in text_of(at)
    if page == "shipped":
        assert "no artifact entries" in text_of(at) and "No manifest recorded" in text_of(at)
        assert len(at.dataframe[0].value) > 0  # the flags are still compared
    if page == "overview":
        assert int(metrics(at)["Flag keys"]) > 0


def test_app_command_serves_on_localhost_prints_the_url_and_stops_with_its_process(demo_db):
    import re
    import urllib.request

    proc = subprocess.Popen([sys.executable, "-m", "auditor", "app", "--db", str(demo_db), "--port", "0"],
                            cwd=Path(__file__).resolve().parents[1], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        line = proc.stdout.readline()
        m = re.match(r"auditor dashboard: (http://127\.0\.0\.1:(\d+))", line)
        assert m, line
        deadline = time.time() + 45
        while True:
            try:
                if urllib.request.urlopen(f"{m[1]}/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                assert time.time() < deadline and proc.poll() is None, "dashboard did not come up"
                time.sleep(0.3)
    finally:
        proc.terminate()  # `auditor app` is the server process itself: nothing is left behind
        proc.wait(timeout=20)
    with pytest.raises(OSError):
        urllib.request.urlopen(f"{m[1]}/_stcore/health", timeout=2)


def test_app_command_refuses_a_missing_database(tmp_path):
    r = subprocess.run([sys.executable, "-m", "auditor", "app", "--db", str(tmp_path / "none.duckdb")],
                       cwd=Path(__file__).resolve().parents[1], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "database not found" in r.stderr


# ---------------------------------------------------------------------------------------- SQL console safety


@pytest.fixture
def console(demo_db, monkeypatch):
    monkeypatch.setenv("AUDITOR_DB", str(demo_db))
    return data.run_sql


def test_console_runs_select_and_with_with_a_row_limit(console):
    r = console("WITH k AS (SELECT flag_key FROM flags) SELECT * FROM k", limit=3)
    assert r.error is None and len(r.frame) == 3 and r.truncated
    r = console("SELECT count(*) AS n FROM flag_reads")
    assert r.error is None and not r.truncated and r.frame["n"][0] > 0


@pytest.mark.parametrize(
    "sql, expect",
    [
        ("SELECT * FROM read_csv('/etc/passwd')", "cannot access files"),
        ("SELECT * FROM read_text('/etc/passwd')", "cannot access files"),
        ("SELECT * FROM glob('/etc/*')", "cannot access files"),
        ("COPY flags TO '/tmp/auditor-leak.csv'", "COPY"),
        ("COPY (SELECT 1) TO '/tmp/auditor-leak.csv'", "COPY"),
        ("ATTACH '/tmp/auditor-other.duckdb' AS other", "ATTACH (other databases)"),
        ("INSTALL httpfs", "INSTALL / LOAD"),
        ("LOAD httpfs", "INSTALL / LOAD"),
        ("SET enable_external_access = true", "changing settings"),
        ("SET threads = 1", "changing settings"),
        ("RESET lock_configuration", "changing settings"),
        ("PRAGMA enable_profiling", "not allowed"),
        ("CREATE TABLE x AS SELECT 1", "read-only"),
        ("DELETE FROM findings", "read-only"),
        ("EXPORT DATABASE '/tmp/auditor-export'", "EXPORT"),
        ("SELECT 1; ATTACH '/tmp/x.duckdb'", "one statement at a time"),
    ],
)
def test_console_refuses_with_a_clear_message(console, sql, expect):
    r = console(sql)
    assert r.frame is None
    assert r.error.startswith("Refused") and expect in r.error, r.error
    assert not Path("/tmp/auditor-leak.csv").exists()


def test_console_settings_are_locked_even_inside_a_select(console):
    r = console("SELECT current_setting('enable_external_access') AS ext, current_setting('lock_configuration') AS locked")
    assert r.error is None
    assert bool(r.frame["ext"][0]) is False and bool(r.frame["locked"][0]) is True


def test_console_reports_syntax_and_sql_errors(console):
    assert console("SELEC 1").error.startswith("SQL syntax error")
    assert console("SELECT * FROM no_such_table").error.startswith("SQL error")
    assert console("   ").error == "Enter a SELECT query."


def test_console_stops_a_runaway_query(console):
    r = console("SELECT sum(a.range * b.range) FROM range(100000000) a, range(1000) b", timeout=1)
    assert r.error == "Stopped: the query ran longer than 1 s."  # it would run for minutes


def test_console_redacts_secrets(console):
    r = console("SELECT 'token = \"ghp_0123456789abcdefghijklmnopqrstuvwxyzAB\"' AS s, 'AKIAABCDEFGHIJKLMNOP' AS k")
    assert "ghp_" not in r.frame["s"][0] and data.REDACTED in r.frame["s"][0]
    assert r.frame["k"][0] == data.REDACTED


def test_redact_keeps_ordinary_code():
    code = "if (client.boolVariation(FeatureFlag.DarkMode, ctx, false)) { render(); }"
    assert data.redact(code) == code
    assert data.redact('const password = "hunter2hunter2";') == f'const password = "{data.REDACTED}";'
    assert data.redact("https://user:pa55word@example.com/x") == f"https://user:{data.REDACTED}@example.com/x"


# ---------------------------------------------------------------------------------------- concurrency

_PAUSED_SCAN = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from auditor import rules, scan
    from auditor.config import find_config, load_config

    target, db, ready, go = sys.argv[1:5]
    real = rules.evaluate

    def paused(conn, scan_id):
        Path(ready).touch()          # inside the scan's write transaction: the file is locked
        deadline = time.time() + 60
        while not Path(go).exists() and time.time() < deadline:
            time.sleep(0.05)
        return real(conn, scan_id)

    rules.evaluate = paused
    scan.run_scan([target], db, "during-dashboard", load_config(find_config(Path(target))))
    """
)


def test_dashboard_shows_previous_data_while_a_scan_writes_then_the_new_scan(tmp_path, monkeypatch):
    db = tmp_path / "live.duckdb"
    _scan(demo_project(), db, "first")
    monkeypatch.setenv("AUDITOR_DB", str(db))
    at = AppTest.from_file(str(APP / "streamlit_app.py"), default_timeout=30)
    at.run()
    assert at.sidebar.selectbox[0].options[0] == "Newest (#1 first)"

    ready, go = tmp_path / "ready", tmp_path / "go"
    proc = subprocess.Popen(
        [sys.executable, "-c", _PAUSED_SCAN, str(demo_project()), str(db), str(ready), str(go)],
        cwd=Path(__file__).resolve().parents[1],
    )
    try:
        deadline = time.time() + 60
        while not ready.exists():
            assert proc.poll() is None, "scan process died"
            assert time.time() < deadline, "scan never reached its write transaction"
            time.sleep(0.05)
        # The scan holds the write lock now. Make sure the dashboard notices the file changed (DuckDB may
        # not have touched it yet), so it tries, fails, to take a new snapshot and keeps the old one.
        st_ = os.stat(db)
        os.utime(db, ns=(st_.st_atime_ns, st_.st_mtime_ns + 1_000_000_000))
        for page in ("overview", "flags", "findings", "sql"):
            goto(at, page)
            assert at.sidebar.selectbox[0].options[0] == "Newest (#1 first)"
            assert "A scan is writing" in at.sidebar.warning[0].value
        assert data.snapshot().busy
        goto(at, "overview")
        assert list(at.dataframe[-1].value["label"]) == ["first"]
        go.touch()
        assert proc.wait(timeout=60) == 0
    finally:
        go.touch()
        if proc.poll() is None:
            proc.kill()
    at.run()
    assert not at.exception
    assert at.sidebar.selectbox[0].options[0] == "Newest (#2 during-dashboard)"
    assert not at.sidebar.warning
    goto(at, "overview")
    assert list(at.dataframe[-1].value["label"]) == ["during-dashboard", "first"]


def test_snapshot_copy_does_not_make_a_writer_fail(tmp_path, monkeypatch):
    """A writer that meets the dashboard's brief read lock waits for it instead of failing."""
    from auditor import store

    db = tmp_path / "w.duckdb"
    _scan(demo_project(), db, "one")
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, sys; c = duckdb.connect({str(db)!r}, read_only=True); print('held', flush=True); sys.stdin.readline()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    waits = []
    real_sleep = store.time.sleep

    def sleep(seconds):  # the writer's retry: let the reader go once the writer has met its lock
        waits.append(seconds)
        if len(waits) == 1:
            holder.stdin.write("\n")
            holder.stdin.flush()
            holder.wait(timeout=10)
        real_sleep(seconds)

    monkeypatch.setattr(store.time, "sleep", sleep)
    summary = _scan(demo_project(), db, "two")
    assert summary.scan_id == 2 and waits  # it waited for the lock, then wrote


def test_snapshot_is_read_only_and_locked_down(demo_db, monkeypatch):
    monkeypatch.setenv("AUDITOR_DB", str(demo_db))
    snap = data.snapshot()
    assert snap.path == demo_db.resolve() and "flags" in snap.tables
    assert snap.conn.execute("SELECT current_setting('access_mode')").fetchone()[0] == "read_only"
    assert snap.conn.execute("SELECT current_setting('enable_external_access')").fetchone()[0] is False
