"""Release artifacts as targets: npm tarballs, npm specs, wheels, sdists, zips, nested archives and
single bundles. Every artifact is built on the fly."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from auditor.cli import app
from auditor.errors import ConfigError
from auditor.sources.limits import Limits
from test_artifacts_kit import findings, npm_tgz, q, scan, source_map, tar_bytes, tgz, wheel, zip_bytes

AWS_KEY = "AKIAZ4TESTKEY7QWERTY"  # pattern-valid, fake


def entries(conn, artifact: str | None = None) -> list[tuple]:
    sql = "SELECT path, kind, covered, coverage, scanned FROM entries"
    rows = q(conn, sql + " WHERE artifact = ? ORDER BY path", artifact) if artifact else q(conn, sql + " ORDER BY path")
    return rows


def test_npm_tarball_entries_kinds_coverage_and_findings(tmp_path):
    pkg = npm_tgz(tmp_path / "demo-pkg-1.0.0.tgz", {
        "README.md": "# demo\n",
        "LICENSE": "MIT\n",
        "dist/index.js": "const x = process.env.DEMO_FLAG;\n//# sourceMappingURL=index.js.map\n",
        "dist/index.js.map": source_map(["../src/index.ts"], file="index.js"),
        "dist/index.test.js": "test('x', () => {});\n",
        "dist/.npmignore": "*.orig\n",
        "dist/old.js.orig": "old\n",
        ".env": "DEMO=1\n",
        ".npmrc": "//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n",
        "src/index.ts": "export const y = 1;\n",
    }, {"files": ["dist", "README.md"], "main": "dist/index.js"})
    summary, conn = scan(tmp_path, pkg)
    assert entries(conn) == [
        (".env", "env-file", False, "not in files", False),
        (".npmrc", "credentials", False, "npm never packs this", False),
        ("LICENSE", "docs", True, "always included", False),
        ("README.md", "docs", True, "always included", False),
        ("dist/.npmignore", "dotfile", True, "files", False),
        ("dist/index.js", "source", True, "main/bin", True),
        ("dist/index.js.map", "source-map", True, "files", False),
        ("dist/index.test.js", "test", True, "files", True),
        ("dist/old.js.orig", "debug", False, "npm never packs this", False),
        ("package.json", "other", True, "always included", False),
        ("src/index.ts", "source", False, "not in files", True),
    ]
    (art,) = q(conn, "SELECT kind, package_name, package_version, root_prefix, entry_count, total_bytes, compressed_bytes, status, refused_count FROM artifacts")
    assert art[:5] == ("npm", "demo-pkg", "1.0.0", "package/", 11)
    assert art[6] == pkg.stat().st_size and art[7] == "ok" and art[8] == 0
    assert art[5] == sum(r[0] for r in q(conn, "SELECT size FROM entries"))
    assert findings(conn) == [
        ("ART003", "demo-pkg: source maps without sourcesContent", "dist/index.js.map"),
        ("ART005", "credentials file", ".npmrc"),
        ("ART005", "env file", ".env"),
        ("ART007", "outside allowlist", ".env"),
        ("ART007", "outside allowlist", ".npmrc"),
        ("ART007", "outside allowlist", "dist/old.js.orig"),
        ("ART007", "outside allowlist", "src/index.ts"),
        ("ART008", "demo-pkg: debug", "dist/old.js.orig"),
        ("ART008", "demo-pkg: test", "dist/index.test.js"),
    ]
    assert q(conn, "SELECT path, line, url, kind, resolved, status FROM map_refs") == [
        ("dist/index.js", 2, "index.js.map", "external", "dist/index.js.map", "ok")]
    assert q(conn, "SELECT path, sources, with_content, generated, generated_shipped FROM source_maps") == [
        ("dist/index.js.map", 1, 0, "dist/index.js", True)]
    assert q(conn, "SELECT path, flag_key FROM flag_reads WHERE resolved ORDER BY path") == [("dist/index.js", "DEMO_FLAG")]
    assert q(conn, "SELECT path, target FROM files ORDER BY path") == [
        ("dist/index.js", str(pkg)), ("dist/index.test.js", str(pkg)), ("src/index.ts", str(pkg))]


def test_npmignore_in_a_subdirectory_excludes_and_root_npmignore_applies_without_files(tmp_path):
    pkg = npm_tgz(tmp_path / "p.tgz", {
        ".npmignore": "*.map\n",
        "lib/.npmignore": "fixtures/\n",
        "lib/a.js": "a()\n",
        "lib/a.js.map": source_map(["a.ts"]),
        "lib/fixtures/x.json": "{}",
    })
    _, conn = scan(tmp_path, pkg)
    cov = {p: (c, why) for p, _, c, why, _ in entries(conn)}
    assert cov["lib/a.js"] == (True, "no files list")
    assert cov["lib/a.js.map"] == (False, ".npmignore in /")
    assert cov["lib/fixtures/x.json"] == (False, ".npmignore in lib/")


def test_a_tsbuildinfo_gets_the_pattern_detectors_only_its_hashes_are_not_secrets(tmp_path):
    infos = ",".join(f'{{"version":"{hashlib.sha256(str(i).encode()).hexdigest()}","impliedFormat":1}}' for i in range(50))
    build_info = f'{{"fileNames":["src/a.ts"],"fileInfos":[{infos}],"options":{{"outDir":"./"}}}}'
    pkg = npm_tgz(tmp_path / "p.tgz", {
        "dist/tsconfig.tsbuildinfo": build_info,
        "dist/leaked.tsbuildinfo": build_info.replace('"outDir":"./"', f'"token":"{AWS_KEY}"'),
        "dist/hashes.json": build_info,  # the same hashes elsewhere are still judged by entropy
    })
    _, conn = scan(tmp_path, pkg)
    assert sorted(q(conn, "SELECT subject, path FROM findings WHERE rule_id = 'ART006'")) == [
        ("AWS Access Key", "dist/leaked.tsbuildinfo"),
        ("Hex High Entropy String", "dist/hashes.json"),
    ]


def test_secret_values_are_redacted_everywhere_they_could_be_stored(tmp_path):
    code = f"const key = '{AWS_KEY}';\nconst on = process.env.SECRET_FEATURE ?? '{AWS_KEY}';\n"
    pkg = npm_tgz(tmp_path / "p.tgz", {"index.js": code, "config/.env.production": f"AWS_ACCESS_KEY_ID={AWS_KEY}\n"})
    summary, conn = scan(tmp_path, pkg)
    assert sorted(q(conn, "SELECT rule_id, subject, path, line FROM findings WHERE rule_id IN ('ART005', 'ART006')")) == [
        ("ART005", "env file", "config/.env.production", None),
        ("ART006", "AWS Access Key", "config/.env.production", 1),
        ("ART006", "AWS Access Key", "index.js", 1),
    ]
    # the flag read is found in the original text; what is stored is redacted by the store
    (read,) = q(conn, "SELECT flag_key, default_value, snippet FROM flag_reads WHERE resolved")
    assert read[0] == "SECRET_FEATURE" and "‹redacted›" in (read[1] or "") + read[2]
    dump = []
    for (table,) in q(conn, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"):
        dump += [str(v) for row in q(conn, f'SELECT * FROM "{table}"') for v in row]
    assert not any(AWS_KEY in v for v in dump)
    result = CliRunner().invoke(app, ["findings", "--db", str(tmp_path / "scan-0.duckdb"), "--format", "json"])
    assert result.exit_code == 0 and AWS_KEY not in result.output and "AWS Access Key" in result.output


def test_wheel_metadata_and_top_level_coverage(tmp_path):
    whl = wheel(tmp_path / "demo_pkg-1.0-py3-none-any.whl", {
        "demo_pkg/__init__.py": "import os\nDEBUG = os.environ.get('DEMO_DEBUG')\n",
        "demo_pkg/static/app.js": "x()\n",
        "conftest.py": "import pytest\n",
        "credentials.json": "{}",
    })
    _, conn = scan(tmp_path, whl)
    assert q(conn, "SELECT kind, package_name, package_version, root_prefix FROM artifacts") == [("wheel", "demo_pkg", "1.0", "")]
    cov = {p: (kind, c, why) for p, kind, c, why, _ in entries(conn)}
    assert cov["demo_pkg/__init__.py"] == ("source", True, "top-level: demo_pkg")
    assert cov["conftest.py"] == ("test", False, "not a top-level package")
    assert cov["credentials.json"] == ("credentials", False, "not a top-level package")
    assert cov["demo_pkg-1.0.dist-info/METADATA"][1:] == (True, "wheel metadata")
    assert ("ART007", "outside allowlist", "conftest.py") in findings(conn)
    assert q(conn, "SELECT flag_key FROM flag_reads WHERE resolved") == [("DEMO_DEBUG",)]


def test_wheel_without_top_level_txt_has_unknown_coverage(tmp_path):
    whl = wheel(tmp_path / "w-1.0-py3-none-any.whl", {"w/__init__.py": "", "stray.py": ""}, name="w", top_level=None)
    _, conn = scan(tmp_path, whl)
    assert q(conn, "SELECT path, covered FROM entries WHERE path NOT LIKE '%dist-info%' ORDER BY path") == [("stray.py", None), ("w/__init__.py", None)]
    assert "ART007" not in {f[0] for f in findings(conn)}


def test_sdist_prefix_is_stripped_and_pkg_info_read(tmp_path):
    sd = tgz(tmp_path / "demo-2.0.tar.gz", [
        ("demo-2.0/PKG-INFO", "Metadata-Version: 2.1\nName: demo\nVersion: 2.0\n"),
        ("demo-2.0/src/demo/__init__.py", "import os\nos.getenv('SDIST_FLAG')\n"),
    ])
    _, conn = scan(tmp_path, sd)
    assert q(conn, "SELECT kind, package_name, package_version, root_prefix, entry_count FROM artifacts") == [("sdist", "demo", "2.0", "demo-2.0/", 2)]
    assert q(conn, "SELECT path FROM files") == [("src/demo/__init__.py",)]


def test_zip_and_plain_tar_keep_their_paths(tmp_path):
    z = tmp_path / "site.zip"
    z.write_bytes(zip_bytes([("app/main.js", "process.env.ZIP_FLAG\n"), ("app/logo.png", b"\x89PNG\r\n")]))
    t = tgz(tmp_path / "plain.tar", [("top/a.py", "x = 1\n"), ("other/b.py", "y = 2\n")], compress="")
    _, conn = scan(tmp_path, z, t)
    assert q(conn, "SELECT kind, entry_count FROM artifacts ORDER BY kind") == [("tar", 2), ("zip", 2)]
    assert q(conn, "SELECT path, kind FROM entries ORDER BY path") == [
        ("app/logo.png", "image"), ("app/main.js", "source"), ("other/b.py", "source"), ("top/a.py", "source")]


def test_an_archive_nested_one_level_is_opened_and_its_files_scanned(tmp_path):
    inner = tar_bytes([("package/package.json", '{"name": "inner", "version": "0.1.0"}'),
                       ("package/index.js", "if (process.env.INNER_FLAG) {}\n")])
    outer = npm_tgz(tmp_path / "outer.tgz", {"vendor/inner-0.1.0.tgz": inner})
    _, conn = scan(tmp_path, outer)
    key = str(outer)
    assert q(conn, "SELECT artifact, parent, kind, package_name FROM artifacts ORDER BY artifact") == [
        (key, None, "npm", "demo-pkg"), (key + "!/vendor/inner-0.1.0.tgz", key, "npm", "inner")]
    assert q(conn, "SELECT path, flag_key FROM flag_reads WHERE resolved") == [("vendor/inner-0.1.0.tgz!/index.js", "INNER_FLAG")]
    assert q(conn, "SELECT path, kind, refused FROM entries WHERE artifact = ?", key + "!/vendor/inner-0.1.0.tgz") == [
        ("package.json", "other", None), ("index.js", "source", None)]


def test_single_bundle_target_follows_its_sibling_map(tmp_path):
    (tmp_path / "app.js").write_text("var a=process.env.BUNDLE_FLAG;\n//# sourceMappingURL=app.js.map\n")
    (tmp_path / "app.js.map").write_bytes(source_map(["webpack://app/./src/a.ts", "webpack://app/./src/b.ts"],
                                                     ["const a = process.env.BUNDLE_FLAG;\n", "export const hidden = 'only in the map here';\n"],
                                                     mappings="AAAA"))  # generated code from src/a.ts only
    _, conn = scan(tmp_path, tmp_path / "app.js")
    assert q(conn, "SELECT kind, entry_count FROM artifacts") == [("bundle", 2)]
    assert q(conn, "SELECT path, kind FROM entries ORDER BY path") == [("app.js", "bundle"), ("app.js.map", "source-map")]
    assert q(conn, "SELECT path, origin FROM files ORDER BY path, origin") == [
        ("app.js", ""), ("src/a.ts", "source map: app.js.map"), ("src/b.ts", "source map: app.js.map")]
    assert q(conn, "SELECT path, in_bundle FROM map_sources ORDER BY idx") == [("src/a.ts", "yes"), ("src/b.ts", "no")]


def test_an_entry_far_larger_than_the_rest_is_noted(tmp_path):
    pkg = npm_tgz(tmp_path / "p.tgz", {"big.bin": os.urandom(2 * 1024 * 1024), "small.js": "x\n"})
    _, conn = scan(tmp_path, pkg)
    assert ("ART009", "largest entry", "big.bin") in findings(conn)


def test_npm_spec_is_downloaded_with_npm_pack_ignoring_scripts(tmp_path, monkeypatch):
    tarball = tar_bytes([("package/package.json", '{"name": "left-pad", "version": "1.3.0"}'),
                         ("package/index.js", "process.env.LEFT_PAD_FLAG\n")])
    (tmp_path / "payload.tgz").write_bytes(tarball)
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
        shutil.copy({str(tmp_path / 'payload.tgz')!r}, os.path.join(dest, "left-pad-1.3.0.tgz"))
        print(json.dumps([{{"filename": "left-pad-1.3.0.tgz"}}]))
        """))
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    _, conn = scan(tmp_path, "npm:left-pad@1.3.0")
    called = json.loads(log.read_text())
    assert called["args"][:2] == ["pack", "left-pad@1.3.0"] and "--ignore-scripts" in called["args"]
    assert called["ignore"] == "true" and not Path(called["cwd"]).exists()  # private temp dir, removed
    assert q(conn, "SELECT artifact, kind, package_name, package_version FROM artifacts") == [("npm:left-pad@1.3.0", "npm", "left-pad", "1.3.0")]
    assert q(conn, "SELECT flag_key FROM flag_reads WHERE resolved") == [("LEFT_PAD_FLAG",)]


@pytest.mark.parametrize("spec", ["npm:git+https://example.com/x.git@1", "npm:--foo@1", "npm:a@$(rm -rf)"])
def test_npm_specs_other_than_name_at_version_are_refused_before_running_npm(tmp_path, spec):
    result = CliRunner().invoke(app, ["scan", spec, "--db", str(tmp_path / "a.duckdb"), "--quiet"])
    assert result.exit_code == 2 and "npm:NAME@VERSION" in result.output


def test_npm_pack_failure_is_a_target_error(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "npm"
    fake.write_text(f"#!{sys.executable}\nimport sys\nprint('npm error code E404', file=sys.stderr)\nprint('npm error 404 Not Found - nope', file=sys.stderr)\nsys.exit(1)\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    result = CliRunner().invoke(app, ["scan", "npm:nope@1.0.0", "--db", str(tmp_path / "a.duckdb"), "--quiet"])
    assert result.exit_code == 2 and "npm pack nope@1.0.0 failed" in result.output and "404" in result.output


def test_directory_targets_are_unchanged_no_artifact_rows(tmp_path):
    (tmp_path / "a.js").write_text("process.env.DIR_FLAG\n//# sourceMappingURL=data:application/json;base64,e30=\n")
    _, conn = scan(tmp_path, tmp_path)
    assert q(conn, "SELECT count(*) FROM entries")[0][0] == 0 and q(conn, "SELECT count(*) FROM artifacts")[0][0] == 0
    assert q(conn, "SELECT path FROM files") == [("a.js",)]


def test_artifact_limits_are_read_from_config_and_validated():
    assert Limits.from_config({"artifacts": {"max_entries": 5, "secrets": False}}).max_entries == 5
    with pytest.raises(ConfigError, match="unknown setting"):
        Limits.from_config({"artifacts": {"max_entrys": 5}})
    with pytest.raises(ConfigError, match="non-negative number"):
        Limits.from_config({"artifacts": {"max_ratio": "high"}})


def test_bare_scan_audits_the_demo_release_and_prints_its_findings(tmp_path):
    result = CliRunner().invoke(app, ["scan", "--db", str(tmp_path / "demo.duckdb")])
    assert result.exit_code == 0, result.output
    for rule in ("ART001", "ART002", "ART005", "ART006", "ART007", "ART010"):
        assert rule in result.output
    assert "acme-agent" in result.output and "AKIA" not in result.output


def test_secret_search_runs_where_files_are_extracted_with_the_same_findings_and_a_cached_rescan(tmp_path, monkeypatch):
    from auditor import parallel, store
    from auditor.config import Config
    from auditor.scan import run_scan
    from perf_fixtures import table_rows

    monkeypatch.setattr(parallel, "POOL_START_FILES", 1)  # start workers for the smallest artifact
    files = {f"lib/m{i}.js": f"export const on{i} = process.env.FLAG_{i} === '1';\n" for i in range(6)}
    files |= {"index.js": f"const key = '{AWS_KEY}';\nif (process.env.BETA) {{ run(key); }}\n",
              "config/settings.json": json.dumps({"aws": AWS_KEY}) + "\n",
              "package-lock.json": json.dumps({"key": AWS_KEY}) + "\n"}
    pkg = npm_tgz(tmp_path / "p.tgz", files)
    dbs = {}
    for name, jobs, cache in (("one", 1, None), ("two", 2, None), ("cold", 2, tmp_path / "cache"), ("warm", 2, tmp_path / "cache")):
        dbs[name] = tmp_path / f"{name}.duckdb"
        summary = run_scan([str(pkg)], dbs[name], "p", Config(), jobs=jobs, cache_dir=cache)
        assert summary.pipeline.jobs == (1 if name == "warm" else jobs)
    # warm: the same archive again, taken whole from the cache without reading it
    assert (summary.pipeline.targets_cached, summary.pipeline.files, summary.pipeline.cached) == (1, 7, 7)
    # a copy under another name is read again, and every entry's result comes from the cache: the 7
    # scanned files and the 2 entries only searched for secrets (package.json, config/settings.json)
    copy = tmp_path / "copy.tgz"
    copy.write_bytes(pkg.read_bytes())
    summary = run_scan([str(copy)], tmp_path / "copy.duckdb", "p", Config(), jobs=2, cache_dir=tmp_path / "cache")
    assert (summary.pipeline.targets_cached, summary.pipeline.files, summary.pipeline.extracted, summary.pipeline.cached) == (0, 7, 0, 9)
    copied = store.connect(tmp_path / "copy.duckdb", read_only=True)
    assert sorted(q(copied, "SELECT subject, path, line FROM findings WHERE rule_id = 'ART006'")) == [
        ("AWS Access Key", "config/settings.json", 1), ("AWS Access Key", "index.js", 1)]
    rows = {name: table_rows(db) for name, db in dbs.items()}
    assert rows["one"] == rows["two"] == rows["cold"] == rows["warm"]
    conn = store.connect(dbs["warm"], read_only=True)
    assert sorted(q(conn, "SELECT subject, path, line FROM findings WHERE rule_id = 'ART006'")) == [
        ("AWS Access Key", "config/settings.json", 1),  # a lock file is not searched
        ("AWS Access Key", "index.js", 1),
    ]
    assert q(conn, "SELECT count(*) FROM files WHERE path = 'config/settings.json'") == [(0,)]  # searched, not a scanned file
    assert not any(AWS_KEY in str(v) for rows_ in rows["warm"].values() for row in rows_ for v in row)


def test_an_archive_changed_in_place_is_read_again_not_taken_whole_from_the_cache(tmp_path):
    from auditor import store
    from auditor.config import Config
    from auditor.scan import run_scan

    pkg = tmp_path / "p.tgz"
    rows = []
    for n, flag in enumerate(("FIRST", "SECOND")):
        npm_tgz(pkg, {"index.js": f"if (process.env.{flag}) run();\n"})
        summary = run_scan([str(pkg)], tmp_path / f"{n}.duckdb", "p", Config(), jobs=1, cache_dir=tmp_path / "cache")
        assert summary.pipeline.targets_cached == 0
        rows.append(q(store.connect(tmp_path / f"{n}.duckdb", read_only=True), "SELECT flag_key FROM flag_reads"))
    assert rows == [[("FIRST",)], [("SECOND",)]]
    again = run_scan([str(pkg)], tmp_path / "again.duckdb", "p", Config(), jobs=1, cache_dir=tmp_path / "cache")
    assert again.pipeline.targets_cached == 1


def test_minified_javascript_is_a_line_of_at_least_1000_bytes():
    from auditor.sources.classify import MINIFIED_LINE, is_minified, longest_line

    assert [longest_line(d) for d in (b"", b"\n\n", b"a\nbbb\ncc", b"x" * 5)] == [0, 0, 3, 5]
    assert is_minified("dist/a.js", b"var a;\n" + b"x" * MINIFIED_LINE + b"\nvar b;\n")
    assert not is_minified("dist/a.js", (b"x" * (MINIFIED_LINE - 1) + b"\n") * 50)
    assert not is_minified("dist/a.css", b"x" * MINIFIED_LINE)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 3000), max_size=12), st.booleans())
def test_longest_line_is_the_longest_of_the_lines_split_at_newlines(lengths, newline_at_end):
    from auditor.sources.classify import longest_line

    data = b"\n".join(b"x" * n for n in lengths) + (b"\n" if newline_at_end else b"")
    assert longest_line(data) == max(map(len, data.split(b"\n")), default=0)


def test_member_names_are_shown_with_controls_and_undecodable_bytes_escaped():
    from auditor.sources.archive import show_name

    assert show_name("package/dist/ünïcode.js") == "package/dist/ünïcode.js"
    assert [show_name(n) for n in ("a\x1b[31mb", "tab\there", "x\u2028y", "caf\udce9.js")] == \
        ["a\\x1b[31mb", "tab\\x09here", "x\\u2028y", "caf\\xe9.js"]
