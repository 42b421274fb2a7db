"""`auditor diff` on two fixture releases: by target and by scan label, JSON shape, --fail-on, errors."""

from __future__ import annotations

import json
import os
import stat
import sys
import textwrap
from pathlib import Path

from typer.testing import CliRunner

from auditor.cli import app
from auditor.identity import stable_name
from auditor.report.diff import match_entries
from test_artifacts_kit import npm_tgz, q, scan

RELEASES = Path(__file__).parent / "fixtures" / "releases"


def test_diff_targets_then_labels(tmp_path):
    db = str(tmp_path / "db.duckdb")
    r = CliRunner().invoke(app, ["diff", str(RELEASES / "v1"), str(RELEASES / "v2"), "--format", "json", "--db", db])
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["flags"] == {"added": [{"key": "agent-swarm", "provider": "launchdarkly", "how": "new-in-code"}], "removed": []}
    assert {c["how"] for c in d["capabilities"]["added"]} == {"new-in-code"}
    assert {(c["kind"], c["name"], c["hidden"]) for c in d["capabilities"]["added"]} == {
        ("command", "dump-memory", True), ("command", "swarm", False), ("tool", "read_file", False), ("tool", "web_fetch", False)}
    assert d["capabilities"]["removed"] == [{"kind": "command", "name": "legacy-export", "hidden": False}]
    assert d["entries"]["added"] == ["dist/tools.js"] and d["entries"]["removed"] == [] and d["entries"]["renamed"] == []
    assert d["size"]["ratio"] > 1.5
    assert sorted(f["rule_id"] for f in d["findings"]["new"]) == ["CAP001", "FLG003"]
    # the same comparison from the stored scans, by label, reversed
    r = CliRunner().invoke(app, ["diff", "v2", "v1", "--format", "json", "--db", db])
    assert r.exit_code == 0, r.output
    back = json.loads(r.stdout)
    assert back["flags"]["removed"] == [{"key": "agent-swarm", "provider": "launchdarkly"}]
    assert back["findings"]["new"] == [] and back["findings"]["gone"] == 2


def test_diff_fail_on_new_findings(tmp_path):
    r = CliRunner().invoke(app, ["diff", str(RELEASES / "v1"), str(RELEASES / "v2"), "--fail-on", "warning",
                                 "--db", str(tmp_path / "db.duckdb")])
    assert r.exit_code == 1


def test_diff_unknown_operand_is_a_usage_error(tmp_path):
    r = CliRunner().invoke(app, ["diff", "nope-1", "nope-2", "--db", str(tmp_path / "db.duckdb")])
    assert r.exit_code == 2
    assert "neither a target nor a scan label" in r.stderr and r.stderr.count("\n") == 1


BUN = RELEASES / "bun-map" / "dist"
CHUNK = """\
import{Command as r}from"commander";var e=new r;e.command("debug-dump",{hidden:!0});e.command("serve");
var t=process.env.AGENT_SWARMS;console.log(t,"%s");
"""


def diff_json(tmp_path, old, new, *extra) -> dict:
    r = CliRunner().invoke(app, ["diff", str(old), str(new), "--format", "json", "--db", str(tmp_path / "d.duckdb"), "--no-cache", *extra])
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def test_stable_names_strip_content_hashes_only():
    assert stable_name("bundle/chunk-5FZXKDXH.js") == stable_name("bundle/chunk-FJCIWVRV.js") == "bundle/chunk-[hash].js"
    assert stable_name("static/js/main.3f9a1c.js") == "static/js/main.[hash].js"
    assert stable_name("static/js/787.a1b2c3d4e5f6a7b8.chunk.js") == "static/js/787.[hash].chunk.js"
    assert stable_name("assets/index-BXk3m9aF.js") == "assets/index-[hash].js"
    assert stable_name("dist/pkg-1.0-2-py3-none-any.whl") == "dist/pkg-1.0-py3-none-any.whl"
    for keep in ("src/index-settings.js", "dist/cli.js", "docs/README.md", "lib/vendor-react.js", "pkg-1.0-py3-none-any.whl"):
        assert stable_name(keep) == keep


def test_chunks_renamed_by_a_new_hash_keep_fingerprints_and_are_not_added_and_removed(tmp_path):
    v1 = npm_tgz(tmp_path / "v1.tgz", {"dist/cli.js": "require('./chunk-5FZXKDXH.js');\n",
                                       "dist/chunk-5FZXKDXH.js": CHUNK % "one", "dist/chunk-AAAAAAAA.js": "x=1;\n"},
                 {"version": "1.0.0"})
    v2 = npm_tgz(tmp_path / "v2.tgz", {"dist/cli.js": "require('./chunk-Q2W3E4R5.js');\n",
                                       "dist/chunk-Q2W3E4R5.js": CHUNK % "two", "dist/chunk-BBBBBBBB.js": "x=2;\n" * 40000},
                 {"version": "1.0.1"})
    _, c1 = scan(tmp_path, v1)
    _, c2 = scan(tmp_path, v2)
    fp = "SELECT rule_id, subject, fingerprint FROM findings ORDER BY ALL"
    assert q(c1, fp) == q(c2, fp) and ("CAP001", "command:debug-dump") in [r[:2] for r in q(c1, fp)]
    assert q(c2, "SELECT DISTINCT path FROM findings WHERE rule_id = 'CAP001'") == [("dist/chunk-Q2W3E4R5.js",)]  # shown as shipped
    c1.close()
    c2.close()
    d = diff_json(tmp_path, v1, v2)
    assert d["entries"]["added"] == [] and d["entries"]["removed"] == []
    assert [(r["old"], r["new"], r["matched_by"]) for r in d["entries"]["renamed"]] == [
        ("dist/chunk-AAAAAAAA.js", "dist/chunk-BBBBBBBB.js", "size"), ("dist/chunk-5FZXKDXH.js", "dist/chunk-Q2W3E4R5.js", "content")]
    assert d["entries"]["size_jumps"] == [{"path": "dist/chunk-BBBBBBBB.js", "old_size": 5, "new_size": 200000, "factor": 40000.0}]
    assert d["findings"]["new"] == [] and d["findings"]["gone"] == 0


def test_chunks_sharing_a_stable_name_pair_by_content_before_size():
    old = {"c-AAAAAAAA.js": 100, "c-BBBBBBBB.js": 100}
    new = {"c-CCCCCCCC.js": 100, "c-DDDDDDDD.js": 100, "c-EEEEEEEE.js": 5}
    added, removed, renamed = match_entries(old, new, {"c-AAAAAAAA.js": frozenset({"flag:x"}), "c-BBBBBBBB.js": frozenset({"flag:y"})},
                                            {"c-CCCCCCCC.js": frozenset({"flag:y"}), "c-DDDDDDDD.js": frozenset({"flag:x", "flag:z"})})
    assert {(r["old"], r["new"]) for r in renamed} == {("c-AAAAAAAA.js", "c-DDDDDDDD.js"), ("c-BBBBBBBB.js", "c-CCCCCCCC.js")}
    assert added == ["c-EEEEEEEE.js"] and removed == []


def test_added_capabilities_say_new_in_code_or_newly_exposed(tmp_path):
    bundle = (BUN / "index.js").read_text().replace("//# sourceMappingURL=index.js.map", "")
    v1 = npm_tgz(tmp_path / "v1.tgz", {"dist/index.js": bundle}, {"version": "1.0.0"})
    # v2: the same bundle, now with its map (the code was already shipped), and one new command
    v2 = npm_tgz(tmp_path / "v2.tgz", {"dist/index.js": (BUN / "index.js").read_text(), "dist/index.js.map": (BUN / "index.js.map").read_text(),
                                       "dist/extra.js": "const { Command } = require('commander');\nnew Command().command('brand-new-thing');\n"},
                 {"version": "1.1.0"})
    d = diff_json(tmp_path, v1, v2)
    how = {(c["kind"], c["name"]): c["how"] for c in d["capabilities"]["added"]}
    assert how[("command", "brand-new-thing")] == "new-in-code"
    assert how[("option", "--teleport")] == "newly-exposed"  # its option string was in v1's bundle already
    assert how[("option", "--voice")] == "new-in-code" and how[("tool", "spawn_swarm")] == "new-in-code"  # not in any bundle
    exposed = next(c for c in d["capabilities"]["added"] if c["name"] == "--teleport")["exposed_at"]
    assert exposed["bundle"] == "dist/index.js" and exposed["line"] == 1


def test_diff_takes_npm_specs(tmp_path, monkeypatch):
    for v in ("1.0.0", "1.1.0"):
        npm_tgz(tmp_path / f"payload-{v}.tgz", {"index.js": "process.env.%s\n" % ("OLD_FLAG" if v == "1.0.0" else "NEW_FLAG")},
                {"name": "left-pad", "version": v})
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "npm"
    fake.write_text(textwrap.dedent(f"""\
        #!{sys.executable}
        import json, os, shutil, sys
        args = sys.argv[1:]
        version = args[1].rsplit("@", 1)[1]
        dest = args[args.index("--pack-destination") + 1]
        shutil.copy(os.path.join({str(tmp_path)!r}, f"payload-{{version}}.tgz"), os.path.join(dest, f"left-pad-{{version}}.tgz"))
        print(json.dumps([{{"filename": f"left-pad-{{version}}.tgz"}}]))
        """))
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    d = diff_json(tmp_path, "npm:left-pad@1.0.0", "npm:left-pad@1.1.0")
    assert (d["old"]["label"], d["new"]["label"]) == ("npm:left-pad@1.0.0", "npm:left-pad@1.1.0")
    assert [f["key"] for f in d["flags"]["added"]] == ["NEW_FLAG"] and [f["key"] for f in d["flags"]["removed"]] == ["OLD_FLAG"]


def test_releases_are_ordered_by_version_then_time():
    from auditor.report.diff import release_order, version_key

    assert sorted(["1.10.0", "1.9.2", "1.10.0-rc.1", "0.61.0", "1.10.0-rc.10", "1.10.0-rc.2"], key=version_key) == [
        "0.61.0", "1.9.2", "1.10.0-rc.1", "1.10.0-rc.2", "1.10.0-rc.10", "1.10.0"]
    # scanned out of order: 0.61.0 first (scan 1), then 0.60.0 (scan 2)
    rows = [(1, "2026-01-02", "@google/gemini-cli", "0.61.0"), (2, "2026-01-03", "@google/gemini-cli", "0.60.0")]
    assert release_order(rows) == [2, 1]
    mixed = [(1, "2026-01-02", "a", "2.0.0"), (2, "2026-01-01", None, None)]
    assert release_order(mixed) == [2, 1]  # not one package: by time
