"""Extraction cache: rescans reuse results, anything that can change a result changes its key."""

from __future__ import annotations

import pickle
import shutil
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest
from perf_fixtures import make_project, table_rows

from auditor import cache, parallel, records
from auditor.cache import Cache, CacheKeys
from auditor.config import Config
from auditor.errors import ConfigError
from auditor.extract.process import ExtractorSpec
from auditor.models import Diagnostic, FileResult, FlagRead, KeyExpr, Severity, SourceFile, Span
from auditor.queries import Pack
from auditor.scan import load_packs, run_scan

PACK = """((call_expression
   function: (identifier) @flag.method
   arguments: (arguments) @flag.args) @flag.read
 (#eq? @flag.method "{name}")
 (#set! provider "acme")
 (#set! confidence "high"))
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = make_project(tmp_path_factory.mktemp("proj"), ts_files=6, py_files=4)
    (root / "src" / "acme.ts").write_text('export const a = acmeFlag("acme-one") || acmeGate("acme-two");\n')
    return root


def _config(tmp_path: Path, pack_name: str = "acmeFlag") -> Config:
    qdir = tmp_path / "queries" / "ecma"
    qdir.mkdir(parents=True, exist_ok=True)
    (qdir / "acme.scm").write_text(PACK.format(name=pack_name))
    return Config(query_dirs=(tmp_path / "queries",))


def _keys(db: Path) -> set[str]:
    return {r[6] for r in table_rows(db)["flag_reads"]}


def test_warm_rescan_takes_every_file_from_the_cache_and_stores_the_same_rows(project, tmp_path):
    cdir = tmp_path / "cache"
    cold = run_scan([str(project)], tmp_path / "cold.duckdb", "p", Config(), cache_dir=cdir)
    warm = run_scan([str(project)], tmp_path / "warm.duckdb", "p", Config(), cache_dir=cdir)
    assert cold.pipeline.cached == 0 and cold.pipeline.extracted == cold.files - cold.pipeline.duplicates
    assert warm.pipeline.cached == warm.files - warm.pipeline.duplicates and warm.pipeline.extracted == 0
    assert table_rows(tmp_path / "cold.duckdb") == table_rows(tmp_path / "warm.duckdb")


def test_changing_a_pack_invalidates_the_cache(project, tmp_path):
    cdir = tmp_path / "cache"
    cfg = _config(tmp_path, "acmeFlag")
    first = run_scan([str(project)], tmp_path / "a.duckdb", "p", cfg, cache_dir=cdir)
    assert "acme-one" in _keys(tmp_path / "a.duckdb") and "acme-two" not in _keys(tmp_path / "a.duckdb")
    again = run_scan([str(project)], tmp_path / "b.duckdb", "p", cfg, cache_dir=cdir)
    assert again.pipeline.extracted == 0

    cfg = _config(tmp_path, "acmeGate")  # same pack file, new pattern
    changed = run_scan([str(project)], tmp_path / "c.duckdb", "p", cfg, cache_dir=cdir)
    assert changed.pipeline.cached == 0 and changed.pipeline.extracted == first.pipeline.extracted
    assert "acme-two" in _keys(tmp_path / "c.duckdb") and "acme-one" not in _keys(tmp_path / "c.duckdb")


def test_every_input_a_cached_result_depends_on_changes_its_key(monkeypatch):
    """The one place keys are made (`CacheKeys`): change any input and every key changes."""
    packs = [Pack("ecma/acme", None, PACK.format(name="acmeFlag"), ("javascript", "typescript"), {"provider": "acme"})]
    options = {"registries": {}, "identifiers": None}
    src = SourceFile("src/a.js", b"const a = acmeFlag('x');\n", secrets="text")

    class Artifact:
        def __init__(self, identity):
            self.cache_identity = lambda: identity

    def keys(packs=packs, options=options, src=src, identity="sha|rel.tgz|tar|limits") -> tuple[str, ...]:
        k = CacheKeys(packs, options)
        return k.file(src), k.artifact(Artifact(identity)), k.memo("secrets", "1.5", "a.js", "text")

    base = keys()
    assert keys() == base, "the same inputs make the same keys"
    assert CacheKeys(packs, options).file(replace(src, path="elsewhere/b.js", origin="map")) == base[0], \
        "a file's path is a label (its result is rebound), not part of its key"
    variants = {
        "pack text": dict(packs=[replace(packs[0], source=PACK.format(name="acmeGate"))]),
        "pack sidecar": dict(packs=[replace(packs[0], meta={"provider": "other"})]),
        "another pack": dict(packs=[*packs, replace(packs[0], name="ecma/more")]),
        "registries (config)": dict(options={**options, "registries": {"FLAGS": "acme"}}),
        "identifiers (manifest)": dict(options={**options, "identifiers": ("internal_tool",)}),
    }
    for name, change in variants.items():
        changed = keys(**change)
        assert all(a != b for a, b in zip(changed, base)), name
    for name, changed_src in {
        "bytes": replace(src, data=b"const a = acmeFlag('y');\n"), "size": replace(src, size=999),
        "truncated": replace(src, truncated=True), "language": replace(src, path="src/a.ts"),
        "extension": replace(src, path="src/a.mjs"), "secret search": replace(src, secrets="bundle"),
        "search only": replace(src, extract=False),
    }.items():
        assert keys(src=changed_src)[0] != base[0], name
    assert keys(identity="sha|other.tgz|tar|limits")[1] != base[1]
    assert CacheKeys(packs, options).artifact(Artifact(None)) is None and CacheKeys(packs, options).artifact(object()) is None
    for name, module, attr, value in (
        ("auditor version", cache, "__version__", "9.9.9"),
        ("auditor code", cache, "code_digest", lambda: "other build"),
        ("grammar versions", cache, "grammar_versions", lambda: {"tree-sitter": "9.9.9"}),
        ("detect-secrets version", cache, "detect_secrets_version", lambda: "9.9"),
        ("cache format", cache, "FORMAT", 99),
    ):
        monkeypatch.setattr(module, attr, value)
        assert all(a != b for a, b in zip(keys(), base)), name
        monkeypatch.undo()
    assert keys() == base
    assert CacheKeys(packs, {"registries": lambda: None}).scope is None, "unpicklable options: no cache"
    assert parallel.Pipeline(ExtractorSpec((), {"x": lambda: None}), 1, True).cache is None


def test_results_with_internal_errors_are_never_cached():
    def diag(code):
        return Diagnostic("a.js", code, "…", Severity.ERROR)

    for code in ("extract-failed", "extract-crashed", "secret-scan-failed", "artifact-failed", "file-budget-exceeded"):
        assert not cache.cacheable([diag("syntax-error"), diag(code)]), code
    assert cache.cacheable([diag("syntax-error"), diag("binary-file"), diag("archive-limit-exceeded")])


def test_a_file_whose_secret_search_failed_is_not_cached(tmp_path, monkeypatch):
    from test_artifacts_kit import npm_tgz

    from auditor.sources import secrets

    key = "AKIA" + "Z7QWERTYUIOPASDF"  # an AWS access key id pattern, made up
    pkg = npm_tgz(tmp_path / "p.tgz", {"index.js": f"const key = '{key}';\nconst on = process.env.FEATURE;\n"})

    def broken(self, *args, **kwargs):
        raise RuntimeError("detector broke")

    monkeypatch.setattr(secrets.SecretScanner, "scan", broken)
    cdir = tmp_path / "cache"
    failed = run_scan([str(pkg)], tmp_path / "a.duckdb", "p", Config(), cache_dir=cdir, jobs=1)
    assert failed.pipeline.extracted == 1
    assert "secret-scan-failed" in {r[1] for r in table_rows(tmp_path / "a.duckdb")["diagnostics"]}
    monkeypatch.undo()
    copy = tmp_path / "copy.tgz"  # another name: not the same artifact, so its files are looked up one by one
    shutil.copy(pkg, copy)
    again = run_scan([str(copy)], tmp_path / "copy.duckdb", "p", Config(), cache_dir=cdir, jobs=1)
    assert (again.pipeline.targets_cached, again.pipeline.cached, again.pipeline.extracted) == (0, 0, 1)
    assert "secret-scan-failed" not in {r[1] for r in table_rows(tmp_path / "copy.duckdb")["diagnostics"]}
    assert "ART006" in {r[0] for r in table_rows(tmp_path / "copy.duckdb")["findings"]}
    assert run_scan([str(pkg)], tmp_path / "b.duckdb", "p", Config(), cache_dir=cdir, jobs=1).pipeline.targets_cached == 0


def test_a_hit_for_the_same_content_at_another_path_is_rebound(tmp_path):
    for name in ("one", "two"):
        d = tmp_path / name / "src"
        d.mkdir(parents=True)
        (d / "x.js").write_text('if (process.env.SAME_FLAG) { run(); }\n')
    cdir = tmp_path / "cache"
    run_scan([str(tmp_path / "one")], tmp_path / "1.duckdb", "p", Config(), cache_dir=cdir)
    moved = run_scan([str(tmp_path / "two" / "src")], tmp_path / "2.duckdb", "p", Config(), cache_dir=cdir)
    assert moved.pipeline.cached == 1
    assert [r[0] for r in table_rows(tmp_path / "2.duckdb")["flag_reads"]] == ["x.js"]
    assert [r[0] for r in table_rows(tmp_path / "1.duckdb")["flag_reads"]] == ["src/x.js"]


def test_rebind_rewrites_path_and_origin_of_every_record_family():
    span = Span(1, 0, 1, 5)
    read = FlagRead("a.js", "env", "process.env", KeyExpr("X", "X"), span, "<module>", None, "x", "high", origin="m")
    res = FileResult("a.js", "javascript", 3, "h", "m", reads=[read],
                     diagnostics=[Diagnostic("a.js", "syntax-error", "…", origin="m")],
                     extra={"gates": [replace(read, path="a.js")]})
    out = records.rebind(res, "b.js", "n")
    assert (out.path, out.origin) == ("b.js", "n")
    assert (out.reads[0].path, out.reads[0].origin) == ("b.js", "n")
    assert out.diagnostics[0].path == "b.js" and out.extra["gates"][0].path == "b.js"
    assert res.reads[0].path == "a.js", "the cached result itself is not modified"
    assert records.rebind(res, "a.js", "m") is res


def _store_db(cdir: Path) -> Path:
    return cdir / f"v{cache.FORMAT}" / "cache.db"


def test_corrupt_entries_are_misses_and_an_unwritable_cache_does_not_stop_a_scan(project, tmp_path):
    cdir = tmp_path / "cache"
    first = run_scan([str(project)], tmp_path / "a.duckdb", "p", Config(), cache_dir=cdir)
    conn = sqlite3.connect(_store_db(cdir))
    keys = [k for (k,) in conn.execute("SELECT key FROM Cache ORDER BY key")]
    assert len(keys) == first.pipeline.extracted
    conn.execute("UPDATE Cache SET value = ? WHERE key = ?", (b"not a pickle", keys[0]))
    conn.execute("UPDATE Cache SET value = ? WHERE key = ?", (records.dumps({"not": "a FileResult"}), keys[1]))
    conn.commit()
    conn.close()
    again = run_scan([str(project)], tmp_path / "b.duckdb", "p", Config(), cache_dir=cdir)
    assert again.pipeline.extracted == 2
    assert table_rows(tmp_path / "a.duckdb") == table_rows(tmp_path / "b.duckdb")

    _store_db(cdir).write_bytes(b"not a database " * 512)  # damaged: started again
    damaged = run_scan([str(project)], tmp_path / "d.duckdb", "p", Config(), cache_dir=cdir)
    assert damaged.pipeline.extracted == first.pipeline.extracted
    assert run_scan([str(project)], tmp_path / "e.duckdb", "p", Config(), cache_dir=cdir).pipeline.extracted == 0
    assert table_rows(tmp_path / "e.duckdb") == table_rows(tmp_path / "a.duckdb")

    shutil.rmtree(cdir)
    cdir.write_text("a file where the cache directory should be")
    blocked = run_scan([str(project)], tmp_path / "c.duckdb", "p", Config(), cache_dir=cdir)
    assert blocked.files == first.files
    assert table_rows(tmp_path / "c.duckdb") == table_rows(tmp_path / "a.duckdb")


def test_a_cache_locked_by_another_scan_turns_itself_off_and_the_scan_goes_on(project, tmp_path, monkeypatch):
    cdir = tmp_path / "cache"
    run_scan([str(project)], tmp_path / "a.duckdb", "p", Config(), cache_dir=cdir)
    monkeypatch.setattr(cache, "BUSY_SECONDS", 0.05)
    keys = CacheKeys(load_packs(Config()), {"registries": {}, "identifiers": None})
    writer = Cache(cdir, keys)  # opened before the lock: its write fails, then it is off, not stuck
    other = sqlite3.connect(_store_db(cdir), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another scan writing, and not letting go
    other.execute("DELETE FROM Cache")
    try:
        locked = run_scan([str(project)], tmp_path / "b.duckdb", "p", Config(), cache_dir=cdir)
        writer.put("a" * 64, FileResult("a.js", "javascript", 1, "0" * 64))
        writer.flush()
        assert writer.get("a" * 64) is None and writer.errors == 1 and writer.writes == 0
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert locked.pipeline.cached == 0 and locked.pipeline.extracted == locked.files - locked.pipeline.duplicates
    assert table_rows(tmp_path / "b.duckdb") == table_rows(tmp_path / "a.duckdb")
    assert Cache(cdir, keys).get("a" * 64) is None


def test_a_cache_deleted_during_a_scan_loses_its_entries_and_nothing_else(tmp_path):
    keys = CacheKeys([], {})
    store = Cache(tmp_path / "cache", keys)
    store.put("a" * 64, FileResult("a.js", "javascript", 1, "0" * 64))
    store.flush()
    shutil.rmtree(tmp_path / "cache")  # `auditor cache --clear` from another shell
    store.put("b" * 64, FileResult("b.js", "javascript", 2, "1" * 64))
    store.close()
    fresh = Cache(tmp_path / "cache", keys)
    assert fresh.get("a" * 64) is None and fresh.get("b" * 64) is None
    fresh.put("b" * 64, FileResult("b.js", "javascript", 2, "1" * 64))
    fresh.close()
    assert Cache(tmp_path / "cache", keys).get("b" * 64, FileResult).path == "b.js"
    assert cache.cache_info(tmp_path / "cache").entries == 1


def test_default_location_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("AUDITOR_CACHE_DIR", str(tmp_path / "here"))
    assert cache.default_cache_dir() == tmp_path / "here"
    monkeypatch.delenv("AUDITOR_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.default_cache_dir() == tmp_path / "xdg" / "auditor"


def test_cli_scan_uses_the_cache_unless_told_not_to_and_cache_clear_empties_it(project, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from auditor.cli import app

    monkeypatch.setenv("AUDITOR_CACHE_DIR", str(tmp_path / "c"))
    runner = CliRunner()
    db = str(tmp_path / "cli.duckdb")
    assert runner.invoke(app, ["scan", str(project), "--db", db, "-q", "--no-cache"]).exit_code == 0
    assert not (tmp_path / "c").exists()
    assert runner.invoke(app, ["scan", str(project), "--db", db, "-q", "--jobs", "1"]).exit_code == 0
    warm = runner.invoke(app, ["scan", str(project), "--db", db, "--jobs", "1"])
    assert warm.exit_code == 0 and " cached" in warm.stdout
    info = runner.invoke(app, ["cache"])
    assert info.exit_code == 0 and str(tmp_path / "c") in info.stdout.replace("\n", "")
    assert runner.invoke(app, ["cache", "--clear"]).exit_code == 0
    assert cache.cache_info().entries == 0


def test_archive_secret_scan_is_memoized_without_storing_any_secret(tmp_path, monkeypatch):
    from test_artifacts_kit import npm_tgz

    from auditor import store
    from auditor.sources import secrets

    key = "AKIA" + "Z7QWERTYUIOPASDF"  # an AWS access key id pattern, made up
    code = f"const key = '{key}';\nconst on = process.env.SECRET_FEATURE;\n"
    pkg = npm_tgz(tmp_path / "p.tgz", {"index.js": code, "config/.env.production": f"AWS_ACCESS_KEY_ID={key}\n",
                                       "dist/app.js.map": '{"version":3,"sources":["../src/app.ts"],"sourcesContent":["const k = \'' + key + '\';"],"mappings":""}'})
    calls = []
    real = secrets.SecretScanner._scan
    monkeypatch.setattr(secrets.SecretScanner, "_scan", lambda self, *a: calls.append(a[0]) or real(self, *a))
    cdir = tmp_path / "cache"

    def findings(db):
        conn = store.connect(db, read_only=True)
        try:
            return conn.execute("SELECT rule_id, subject, path, line, message FROM findings ORDER BY ALL").fetchall()
        finally:
            conn.close()

    run_scan([str(pkg)], tmp_path / "cold.duckdb", "p", Config(), cache_dir=cdir)
    scanned = len(calls)
    assert scanned >= 2
    run_scan([str(pkg)], tmp_path / "warm.duckdb", "p", Config(), cache_dir=cdir)
    assert len(calls) == scanned, "the warm rescan ran the secret scan again"
    copy = tmp_path / "copy.tgz"  # read again: the search of the source rebuilt from the map is memoized
    shutil.copy(pkg, copy)
    run_scan([str(copy)], tmp_path / "copy.duckdb", "p", Config(), cache_dir=cdir)
    assert len(calls) == scanned, "a copy ran the secret scan again"
    assert findings(tmp_path / "cold.duckdb") == findings(tmp_path / "warm.duckdb")
    assert any(r[0] == "ART006" for r in findings(tmp_path / "warm.duckdb"))
    assert table_rows(tmp_path / "cold.duckdb")["flag_reads"] == table_rows(tmp_path / "warm.duckdb")["flag_reads"]
    for entry in cdir.rglob("*"):
        if entry.is_file():
            assert key.encode() not in entry.read_bytes(), f"{entry} holds the secret"
    run_scan([str(pkg)], tmp_path / "none.duckdb", "p", Config())  # no cache: no memo either
    assert len(calls) == 2 * scanned


# -- whole artifacts: an unchanged release is not read again ---------------------------------------

RELEASE_JS = """const ld = require("launchdarkly-node-server-sdk");
export async function main(client) {
  if (await client.variation("new-checkout", user, false)) { registerTool("checkout_tool"); }
  if (process.env.INTERNAL_DEBUG) { console.log("debug"); }
}
"""


@pytest.fixture()
def release(tmp_path):
    from test_artifacts_kit import npm_tgz

    return npm_tgz(tmp_path / "rel.tgz", {
        "dist/index.js": RELEASE_JS,
        "dist/index.js.map": '{"version":3,"sources":["../src/index.ts"],"sourcesContent":["export const on = process.env.HIDDEN_MODE;"],"mappings":""}',
        "config/.env.production": "API_TOKEN=" + "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8" + "\n",
    })


def test_an_unchanged_release_is_not_read_again_and_stores_the_same_rows(release, tmp_path, monkeypatch):
    from auditor.sources import artifact

    cdir = tmp_path / "cache"
    cold = run_scan([str(release)], tmp_path / "cold.duckdb", "r", Config(), cache_dir=cdir)
    assert cold.pipeline.targets_cached == 0 and cold.reads >= 2 and cold.findings >= 2
    monkeypatch.setattr(artifact.ArtifactSource, "iter_files", lambda self: pytest.fail("the release was read again"))
    warm = run_scan([str(release)], tmp_path / "warm.duckdb", "r", Config(), cache_dir=cdir)
    assert warm.pipeline.targets_cached == 1 and warm.pipeline.extracted == 0
    assert table_rows(tmp_path / "cold.duckdb") == table_rows(tmp_path / "warm.duckdb")
    for field in ("files", "reads", "keys", "definitions", "diagnostics", "low_confidence", "unresolved", "findings", "by_provider"):
        assert getattr(warm, field) == getattr(cold, field), field


def test_an_artifact_entry_refers_to_its_files_results_and_is_read_again_when_one_is_gone(release, tmp_path):
    import diskcache

    from auditor.cache import FORMAT
    from auditor.records import FileRef

    cdir = tmp_path / "cache"
    cold = run_scan([str(release)], tmp_path / "cold.duckdb", "r", Config(), cache_dir=cdir)
    with diskcache.Cache(str(cdir / f"v{FORMAT}")) as store:
        blobs = [store[k] for k in store.iterkeys()]
        wholes = [v for v in map(pickle.loads, blobs) if isinstance(v, list) and v and isinstance(v[0], bytes)]
        assert len(wholes) == 1  # the artifact's items, each pickled alone (a memo of a secret search is a list too)
        refs = [i for i in map(pickle.loads, wholes[0]) if isinstance(i, FileRef)]
        # a file's result (also of a file searched for secrets only) is stored once, in its own entry
        assert sorted(r.path for r in refs) == ["config/.env.production", "dist/index.js", "package.json", "src/index.ts"]
        assert not any(isinstance(i, FileResult) for i in map(pickle.loads, wholes[0]))
        del store[next(r.key for r in refs if r.path == "dist/index.js")]  # evicted (entries are evicted oldest first: files before their artifact)
    again = run_scan([str(release)], tmp_path / "again.duckdb", "r", Config(), cache_dir=cdir)
    assert (again.pipeline.targets_cached, again.pipeline.extracted, again.pipeline.cached) == (0, 1, 3)  # the other three from their entries
    assert table_rows(tmp_path / "cold.duckdb") == table_rows(tmp_path / "again.duckdb")
    assert cold.reads == again.reads


def test_what_an_artifact_is_read_with_decides_whether_it_is_read_again(release, tmp_path):
    from auditor.manifest import Manifest

    cdir = tmp_path / "cache"
    run_scan([str(release)], tmp_path / "a.duckdb", "r", Config(), cache_dir=cdir)

    def whole(target=release, config=Config(), **kw) -> bool:
        return run_scan([str(target)], tmp_path / "x.duckdb", "r", config, cache_dir=cdir, **kw).pipeline.targets_cached == 1

    assert whole()
    assert whole(manifest=Manifest(public_flags=("new-checkout",)))  # the manifest's flags are compared later
    assert not whole(manifest=Manifest(identifiers=("checkout_tool",)))  # its identifiers are searched in the files
    copy = tmp_path / "elsewhere" / "rel.tgz"  # the target as written is stored in every row
    copy.parent.mkdir()
    shutil.copy(release, copy)
    assert not whole(copy)
    assert not whole(config=Config(exclude=("config/",)))
    assert whole()


def test_an_artifact_with_a_problem_that_may_not_recur_is_not_cached_whole(release, tmp_path, monkeypatch):
    from auditor.extract.engine import Extractor

    real = Extractor.extract

    def crash(self, source):
        res = real(self, source)
        res.diagnostics.append(Diagnostic(source.path, "extract-failed", "internal error: MemoryError", Severity.ERROR))
        return res

    monkeypatch.setattr(Extractor, "extract", crash)
    cdir = tmp_path / "cache"
    run_scan([str(release)], tmp_path / "a.duckdb", "r", Config(), cache_dir=cdir, jobs=1)
    monkeypatch.undo()
    again = run_scan([str(release)], tmp_path / "b.duckdb", "r", Config(), cache_dir=cdir, jobs=1)
    assert again.pipeline.targets_cached == 0 and again.pipeline.extracted == again.files == 2
    assert "extract-failed" not in {r[1] for r in table_rows(tmp_path / "b.duckdb")["diagnostics"]}


def test_cli_says_what_came_from_the_cache(release, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from auditor.cli import app

    monkeypatch.setenv("AUDITOR_CACHE_DIR", str(tmp_path / "c"))
    runner = CliRunner()
    cold = runner.invoke(app, ["scan", str(release), "--db", str(tmp_path / "a.duckdb"), "--jobs", "1"])
    warm = runner.invoke(app, ["scan", str(release), "--db", str(tmp_path / "b.duckdb"), "--jobs", "1"])
    assert cold.exit_code == warm.exit_code == 0
    assert "from the cache" not in cold.stdout and "1 artifact whole from the cache" in warm.stdout

    def report(text: str) -> list[str]:  # without the lines naming the database or the time
        return [ln for ln in text.splitlines() if not ln.lstrip().startswith(("time", "Scan ", "Next:", "Findings:"))]

    assert report(cold.stdout) == report(warm.stdout) and any("ART006" in ln for ln in report(warm.stdout))


# -- size limit -------------------------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [("", cache.DEFAULT_MAX_MB * 1024 * 1024), ("0", None), (" 512 ", 512 * 1024 * 1024)])
def test_the_size_limit_comes_from_the_environment(monkeypatch, value, expected):
    monkeypatch.setenv(cache.MAX_MB_ENV, value)
    assert cache.max_cache_bytes() == expected


@pytest.mark.parametrize("value", ["lots", "-1", "1.5"])
def test_a_bad_size_limit_is_a_clear_error_before_a_scan_writes_anything(monkeypatch, release, tmp_path, value):
    from typer.testing import CliRunner

    from auditor.cli import app

    monkeypatch.setenv(cache.MAX_MB_ENV, value)
    with pytest.raises(ConfigError, match=f"{cache.MAX_MB_ENV}=.*expected a size in MiB"):
        run_scan([str(release)], tmp_path / "s.duckdb", "r", Config(), cache_dir=tmp_path / "c")
    assert not (tmp_path / "s.duckdb").exists()
    res = CliRunner().invoke(app, ["cache"])
    assert res.exit_code == 2 and "AUDITOR_CACHE_MAX_MB" in res.stderr and len(res.stderr.strip().splitlines()) == 1


def test_the_cache_stays_under_its_limit_and_evicts_what_was_stored_first(tmp_path, monkeypatch):
    limit = 2 * 1024 * 1024
    monkeypatch.setattr(cache, "max_cache_bytes", lambda: limit)
    store = Cache(tmp_path / "c", CacheKeys([], {}))
    for n in range(40):  # 40 entries of 100 KB: twice the limit
        store.put(f"{n:02}", b"%02d" % n + bytes(100_000))
        store.flush()
    info = cache.cache_info(tmp_path / "c")
    assert info.bytes <= limit and 0 < info.entries < 40
    assert store.get("39") is not None and store.get("00") is None  # the oldest went first
    store.close()


def test_cli_cache_prune_applies_a_lowered_limit_and_shows_it(release, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from auditor.cli import app

    monkeypatch.setenv("AUDITOR_CACHE_DIR", str(tmp_path / "c"))
    run_scan([str(release)], tmp_path / "r.duckdb", "r", Config(), cache_dir=tmp_path / "c")
    runner = CliRunner()
    info = runner.invoke(app, ["cache"])
    assert info.exit_code == 0 and "limit 2147 MB (AUDITOR_CACHE_MAX_MB)" in info.stdout.replace("\n", " ")
    entries = cache.cache_info(tmp_path / "c").entries
    assert entries >= 3  # the files' results, the artifact's items, a memo of the secret search
    monkeypatch.setenv(cache.MAX_MB_ENV, "0")
    assert "no size limit" in runner.invoke(app, ["cache", "--prune"]).stdout
    assert cache.cache_info(tmp_path / "c").entries == entries
    monkeypatch.setattr(cache, "max_cache_bytes", lambda: 1)
    pruned = runner.invoke(app, ["cache", "--prune"])
    assert pruned.exit_code == 0 and "holds 0 entries" in pruned.stdout
