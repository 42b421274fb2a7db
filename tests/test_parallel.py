"""Parallel extraction: same rows in the same order for any --jobs, bounded window, crash isolation."""

from __future__ import annotations

import os
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass

import pytest
from perf_fixtures import make_project, table_rows

from auditor import parallel, records
from auditor.config import Config
from auditor.models import Diagnostic, FileResult, SourceFile
from auditor.extract import process as process_mod
from auditor.extract.process import ExtractorSpec, LazyCompiled
from auditor.parallel import Pipeline
from auditor.scan import load_packs, run_scan


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return make_project(tmp_path_factory.mktemp("proj"))


def test_jobs_1_and_2_store_the_same_rows_in_the_same_order(project, tmp_path):
    one = run_scan([str(project)], tmp_path / "one.duckdb", "p", Config(), jobs=1)
    two = run_scan([str(project)], tmp_path / "two.duckdb", "p", Config(), jobs=2)
    assert one.pipeline.jobs == 1
    assert two.pipeline.jobs == 2, "the fixture is meant to be big enough to start workers"
    a, b = table_rows(tmp_path / "one.duckdb"), table_rows(tmp_path / "two.duckdb")
    assert a == b
    assert len(a["files"]) == 77  # 43 in src/ (flags, 40 modules, broken, blob), 32 in app/, 2 vendored
    assert len(a["flag_reads"]) > 100
    keys = {r[6] for r in a["flag_reads"]}  # flag_key: enum members and imported constants resolved
    assert {"flag-0", "flag-39", "py-flag-0", "py-flag-29", "vendored-flag"} <= keys


def test_identical_files_are_extracted_once_and_keep_their_own_paths(project, tmp_path):
    summary = run_scan([str(project)], tmp_path / "d.duckdb", "p", Config(), jobs=1)
    assert summary.pipeline.duplicates == 1
    assert summary.pipeline.extracted == summary.files - 1
    rows = table_rows(tmp_path / "d.duckdb")["flag_reads"]
    assert sorted(r[0] for r in rows if r[6] == "vendored-flag") == ["vendor/a/lib.js", "vendor/b/lib.js"]


def _items(n: int):
    """Files interleaved with pass-through items (as a source yields diagnostics and artifact rows)."""
    for i in range(n):
        yield ("t", SourceFile(f"m{i:03}.js", f'const x{i} = process.env.K{i % 5};\n'.encode() * (1 + i % 3)))
        if i % 4 == 0:
            yield ("t", Diagnostic(f"d{i}", "note-code", "pass-through"))


def test_pipeline_keeps_input_order_with_a_tiny_window_and_workers(monkeypatch):
    monkeypatch.setattr(parallel, "POOL_START_FILES", 2)
    monkeypatch.setattr(parallel, "WINDOW_BYTES", 64)  # reading waits for a result after every file
    spec = ExtractorSpec(tuple(load_packs(Config())))
    with Pipeline(spec, jobs=1) as p:
        expected = [(tag, x) for tag, x, _ in p.run(_items(30))]
    with Pipeline(spec, jobs=2) as p:
        got = [(tag, x) for tag, x, _ in p.run(_items(30))]
        assert p.stats.jobs == 2
    assert [type(x).__name__ for _, x in got] == [type(x).__name__ for _, x in expected]
    assert [getattr(x, "path", None) for _, x in got] == [getattr(x, "path", None) for _, x in expected]
    assert [x.reads for _, x in got if isinstance(x, FileResult)] == [x.reads for _, x in expected if isinstance(x, FileResult)]


def test_small_scans_stay_in_process_even_with_jobs(monkeypatch):
    monkeypatch.setattr(parallel, "_new_pool", lambda *a: pytest.fail("workers started for a small scan"))
    spec = ExtractorSpec(tuple(load_packs(Config())))
    with Pipeline(spec, jobs=4) as p:
        out = [(tag, x) for tag, x, _ in p.run(_items(5))]
    assert p.stats.jobs == 1
    assert sum(isinstance(x, FileResult) for _, x in out) == 5


def test_queries_compile_per_grammar_on_first_use(monkeypatch):
    monkeypatch.setattr(process_mod, "_COMPILED", {})
    lazy = LazyCompiled(load_packs(Config()))
    assert lazy.get("python") is not None
    assert set(lazy._compiled) == {"python"} and [lang for lang, _ in process_mod._COMPILED] == ["python"]
    assert lazy.get("no-such-language") is None


# -- a worker that dies --------------------------------------------------------------------------
class _Crashy:
    """Stands in for Extractor: kills its process on files named `boom*`."""

    def __init__(self, inner):
        self.inner = inner

    def extract(self, src: SourceFile) -> FileResult:
        if src.path.startswith("boom"):
            os._exit(3)
        return self.inner.extract(src)


@dataclass(frozen=True)
class CrashySpec(ExtractorSpec):
    def build(self):
        return _Crashy(super().build())


def test_a_file_that_kills_its_worker_becomes_a_diagnostic_and_the_scan_goes_on(monkeypatch):
    monkeypatch.setattr(parallel, "POOL_START_FILES", 2)
    spec = CrashySpec(tuple(load_packs(Config())))
    items = [("t", SourceFile(f"ok{i}.js", f"process.env.A{i};\n".encode())) for i in range(6)]
    items.insert(3, ("t", SourceFile("boom.js", b"process.env.B;\n")))
    with Pipeline(spec, jobs=2) as p:
        out = [x for _, x, _ in p.run(items)]
        assert p.stats.crashed == 1
    assert [r.path for r in out] == [path for _, src in items for path in [src.path]]
    boom = out[3]
    assert [d.code for d in boom.diagnostics] == ["extract-crashed"]
    assert all(len(r.reads) == 1 for r in out if r.path.startswith("ok"))


def test_store_inserts_in_batches_and_keeps_row_order(monkeypatch):
    import duckdb

    from auditor import store

    monkeypatch.setattr(store, "BATCH_ROWS", 7)
    calls = []
    conn = duckdb.connect(":memory:")
    conn.execute("CREATE TABLE t (i INTEGER, s VARCHAR, l VARCHAR[], b BOOLEAN)")
    real_register = conn.register

    class Spy:
        def __getattr__(self, name):
            return getattr(conn, name)

        def register(self, name, table):
            calls.append({c: len(v) for c, v in table.items()})
            return real_register(name, table)

    def row(i):  # the first batches are all NULL; every list has two items (one object per row all the same)
        return i, None if i < 10 else f"v{i}", [f"a{i}", None], None if i < 20 else i % 2 == 0

    assert store.insert_rows(Spy(), "t", ("i", "s", "l", "b"), (row(i) for i in range(30))) == 30
    assert calls == [dict.fromkeys("islb", n) for n in (7, 7, 7, 7, 2)]
    assert conn.execute("SELECT i, s, l, b FROM t").fetchall() == [row(i) for i in range(30)]


def test_small_files_go_to_the_workers_in_chunks_with_the_same_results(monkeypatch):
    monkeypatch.setattr(parallel, "POOL_START_FILES", 2)
    monkeypatch.setattr(parallel, "CHUNK_FILES", 4)
    tasks: list[int] = []
    submit = ProcessPoolExecutor.submit

    def counted(self, fn, *args):
        tasks.append(len(args[0]))
        return submit(self, fn, *args)

    monkeypatch.setattr(ProcessPoolExecutor, "submit", counted)
    spec = ExtractorSpec(tuple(load_packs(Config())))
    with Pipeline(spec, jobs=1) as p:
        expected = [x for _, x, _ in p.run(_items(30))]
    with Pipeline(spec, jobs=2) as p:
        got = [x for _, x, _ in p.run(_items(30))]
    assert sum(tasks) == 30 and max(tasks) == 4 and len(tasks) < 15, tasks  # single files only while workers run short
    assert [getattr(x, "reads", x) for x in got] == [getattr(x, "reads", x) for x in expected]


def test_a_pack_that_does_not_compile_fails_the_scan_from_a_worker_before_anything_is_written(project, tmp_path):
    from auditor.errors import QueryError

    qdir = tmp_path / "queries" / "ecma"
    qdir.mkdir(parents=True)
    (qdir / "bad.scm").write_text("((no_such_node) @flag.read)\n")
    cfg = Config(query_dirs=(tmp_path / "queries",))
    db = tmp_path / "bad.duckdb"
    with pytest.raises(QueryError, match="ecma/bad does not compile"):
        run_scan([str(project)], db, "p", cfg, jobs=2)
    assert not db.exists()


class _HeldExecutor:
    """A stand-in for the process pool that records what is handed to it and runs nothing: each
    task's future completes only when the test says so."""

    def __init__(self, *args, **kwargs):
        self.submitted: list[tuple[list, Future]] = []

    def submit(self, fn, *args):
        assert fn is parallel._extract_chunk
        future: Future = Future()
        self.submitted.append(([src.path for src in args[0]], future))
        return future

    def finish(self, n: int) -> None:
        """Complete the `n`-th task with an empty result for each of its files."""
        paths, future = self.submitted[n]
        future.set_result([records.dumps(FileResult(p, "javascript", 1, "")) for p in paths])

    def shutdown(self, **kwargs):
        pass


def test_files_go_to_the_workers_largest_first_in_chunks_two_tasks_per_worker(monkeypatch):
    monkeypatch.setattr(parallel, "CHUNK_FILES", 4)
    pool = _HeldExecutor()
    monkeypatch.setattr(parallel, "_new_pool", lambda workers, spec: pool)
    small = [SourceFile(f"s{i:02}.js", f"const a{i} = 1;\n".encode()) for i in range(70)]
    big = SourceFile("big.js", b"const b = 1;\n" * 6000)  # 78 KB: over SMALL_FILE_BYTES, handed out alone
    with Pipeline(ExtractorSpec(tuple(load_packs(Config()))), jobs=2) as p:
        for n, src in enumerate([*small, big]):  # read before the workers start (POOL_START_FILES)
            p._admit(parallel._Slot(n, src), src)
        p._schedule(final=False)
        # the largest file, read last, goes first; then chunks of the largest small files; two tasks per worker
        assert [paths for paths, _ in pool.submitted] == [
            ["big.js"], ["s10.js", "s11.js", "s12.js", "s13.js"], ["s14.js", "s15.js", "s16.js", "s17.js"],
            ["s18.js", "s19.js", "s20.js", "s21.js"]]
        pool.finish(1)
        p._collect(block=False)
        p._schedule(final=False)
        assert [paths for paths, _ in pool.submitted][4:] == [["s22.js", "s23.js", "s24.js", "s25.js"]]




def test_workers_that_fail_to_start_fail_the_scan_with_the_error(monkeypatch):
    def no_workers(workers, spec):
        raise OSError("cannot start a worker")

    monkeypatch.setattr(parallel, "POOL_START_FILES", 2)
    monkeypatch.setattr(parallel, "_new_pool", no_workers)
    with Pipeline(ExtractorSpec(tuple(load_packs(Config()))), jobs=2) as p:
        with pytest.raises(OSError, match="cannot start a worker"):
            list(p.run(_items(8)))
