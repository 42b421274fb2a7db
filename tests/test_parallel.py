"""Parallel extraction: same rows in the same order for any --jobs, bounded window, crash isolation."""

from __future__ import annotations

import os
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass

import pytest
from perf_fixtures import make_project, table_rows

from auditor import parallel
from auditor.config import Config
from auditor.models import Diagnostic, FileResult, SourceFile
from auditor.parallel import ExtractorSpec, LazyCompiled, Pipeline
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
    spec = ExtractorSpec(tuple(load_packs(Config())))
    with Pipeline(spec, jobs=1) as p:
        expected = list(p.run(_items(30)))
    with Pipeline(spec, jobs=2, window_files=3, window_bytes=64) as p:
        got = list(p.run(_items(30)))
        assert p.stats.jobs == 2
    assert [type(x).__name__ for _, x in got] == [type(x).__name__ for _, x in expected]
    assert [getattr(x, "path", None) for _, x in got] == [getattr(x, "path", None) for _, x in expected]
    assert [x.reads for _, x in got if isinstance(x, FileResult)] == [x.reads for _, x in expected if isinstance(x, FileResult)]


def test_small_scans_stay_in_process_even_with_jobs():
    spec = ExtractorSpec(tuple(load_packs(Config())))
    with Pipeline(spec, jobs=4) as p:
        out = list(p.run(_items(5)))
    assert p.stats.jobs == 1 and p._executor is None
    assert sum(isinstance(x, FileResult) for _, x in out) == 5


def test_queries_compile_per_grammar_on_first_use():
    lazy = LazyCompiled(load_packs(Config()))
    assert "python" in lazy and lazy._compiled == {}
    assert lazy.get("python") is not None
    assert set(lazy._compiled) == {"python"}
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
        out = [x for _, x in p.run(items)]
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


def test_small_files_go_to_the_workers_in_batches_with_the_same_results(monkeypatch):
    monkeypatch.setattr(parallel, "POOL_START_FILES", 2)
    monkeypatch.setattr(parallel, "BATCH_FILES", 4)
    tasks: list[int] = []
    submit = ProcessPoolExecutor.submit

    def counted(self, fn, *args):
        if fn is not parallel._up:  # what starts the workers (see parallel._Launch)
            tasks.append(len(args[0]) if fn is parallel._work_batch else 1)
        return submit(self, fn, *args)

    monkeypatch.setattr(ProcessPoolExecutor, "submit", counted)
    spec = ExtractorSpec(tuple(load_packs(Config())))
    with Pipeline(spec, jobs=1) as p:
        expected = [x for _, x in p.run(_items(30))]
    with Pipeline(spec, jobs=2) as p:
        got = [x for _, x in p.run(_items(30))]
    assert sum(tasks) == 30 and max(tasks) == 4 and len(tasks) < 15, tasks  # single files only while workers run short
    assert [getattr(x, "reads", x) for x in got] == [getattr(x, "reads", x) for x in expected]


def test_the_parse_budget_bounds_how_much_source_workers_hold_at_once(monkeypatch):
    monkeypatch.setattr(parallel, "POOL_START_FILES", 2)
    monkeypatch.setattr(parallel, "PARSE_BUDGET_BYTES", 1)  # every file is "big": one at a time
    in_flight = []
    pump = Pipeline._pump

    def watched(self, force=False):
        pump(self, force)
        in_flight.append(len(self._inflight))

    monkeypatch.setattr(Pipeline, "_pump", watched)
    spec = ExtractorSpec(tuple(load_packs(Config())))
    with Pipeline(spec, jobs=1) as p:
        expected = [x for _, x in p.run(_items(12))]
    with Pipeline(spec, jobs=2) as p:
        got = [x for _, x in p.run(_items(12))]
        assert p.stats.jobs == 2
    assert max(in_flight) == 1
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
    """A stand-in for the process pool that records submissions and runs nothing: each task's
    future completes only when the test says so. Its workers are up once `up` is set."""

    def __init__(self, *args, **kwargs):
        self.submitted: list[tuple[object, list, Future]] = []
        self.up = threading.Event()
        self.up.set()

    def submit(self, fn, *args):
        future: Future = Future()
        if fn is parallel._up:  # starting the workers (see parallel._Launch)
            assert self.up.wait(10), "the test never let the workers start"
            future.set_result(None)
            return future
        self.submitted.append((fn, args[0], future))
        return future

    def shutdown(self, **kwargs):
        pass


class _InstantLaunch(parallel._Launch):
    """Workers that are up as soon as the pool starts."""

    def __init__(self, executor):
        super().__init__(executor)
        self.thread.join()


def test_workers_get_two_tasks_each_so_a_large_file_read_late_goes_before_waiting_small_ones(monkeypatch):
    monkeypatch.setattr(parallel, "POOL_START_FILES", 2)
    monkeypatch.setattr(parallel, "BATCH_FILES", 4)
    monkeypatch.setattr(parallel, "_pool", lambda workers, spec: _HeldExecutor())
    monkeypatch.setattr(parallel, "_Launch", _InstantLaunch)
    small = [SourceFile(f"s{i:02}.js", f"const a{i} = 1;\n".encode()) for i in range(40)]
    big = SourceFile("big.js", b"const b = 1;\n" * 6000)  # 78 KB: over SMALL_FILE_BYTES, submitted alone
    with Pipeline(ExtractorSpec(tuple(load_packs(Config()))), jobs=2) as p:
        for n, src in enumerate([*small, big]):
            p._admit(parallel._Slot(n, src), src)
        pool = p._executor
        # an idle worker gets what there is; then full batches, two tasks per worker; 30 files and the big one wait
        assert [len(arg) if isinstance(arg, list) else arg.path for _, arg, _ in pool.submitted] == [1, 1, 4, 4]
        pool.submitted[0][2].set_result([b""] * 4)
        p._pump()
        assert len(pool.submitted) == 5
        fn, arg, _ = pool.submitted[4]
        assert fn is parallel._work and arg is big  # the largest waiting file, read last, goes first
        pool.submitted[1][2].set_result([b""] * 4)
        p._pump()
        assert pool.submitted[5][0] is parallel._work_batch and [s.path for s in pool.submitted[5][1]] == ["s10.js", "s11.js", "s12.js", "s13.js"]


def test_files_read_while_the_workers_start_are_queued_and_handed_out_once_they_are_up(monkeypatch):
    """Starting workers waits for the forkserver to fork them; the scan reads on meanwhile."""
    monkeypatch.setattr(parallel, "POOL_START_FILES", 2)
    pool = _HeldExecutor()
    pool.up.clear()
    monkeypatch.setattr(parallel, "_pool", lambda workers, spec: pool)
    files = [SourceFile(f"f{i:02}.js", b"const b = 1;\n" * 6000 + b"//%d\n" % i) for i in range(6)]  # one task each
    with Pipeline(ExtractorSpec(tuple(load_packs(Config()))), jobs=2) as p:
        for n, src in enumerate(files[:5]):
            p._admit(parallel._Slot(n, src), src)  # would block here if the start did
        assert p.stats.jobs == 2 and p._executor is None
        assert [s.item.path for s in p._queued] == [f.path for f in files[:5]] and pool.submitted == []
        pool.up.set()
        p._launch.thread.join()
        p._admit(parallel._Slot(5, files[5]), files[5])
        assert p._executor is pool and p._queued == []
        # two tasks per worker, largest first (all the same size here: in the order read)
        assert [arg.path for _, arg, _ in pool.submitted] == ["f00.js", "f01.js", "f02.js", "f03.js"]


def test_a_file_waited_for_while_the_workers_start_goes_to_them_once_they_are_up(monkeypatch):
    from auditor import cache as cache_mod

    class Answering(_HeldExecutor):
        def submit(self, fn, *args):
            future = super().submit(fn, *args)
            if fn is parallel._work:
                future.set_result(cache_mod.dumps(FileResult(args[0].path, "from-a-worker", 1, "", "")))
            return future

    monkeypatch.setattr(parallel, "POOL_START_FILES", 2)
    pool = Answering()
    pool.up.clear()
    monkeypatch.setattr(parallel, "_pool", lambda workers, spec: pool)
    files = [SourceFile(f"f{i}.js", b"const b = 1;\n" * 6000 + b"//%d\n" % i) for i in range(2)]
    with Pipeline(ExtractorSpec(tuple(load_packs(Config()))), jobs=2) as p:
        slots = [parallel._Slot(n, f) for n, f in enumerate(files)]
        for slot in slots:
            p._admit(slot, slot.item)
        threading.Timer(0.2, pool.up.set).start()
        assert p._wait(slots[0]).language == "from-a-worker"  # not extracted here while they started
        assert [arg.path for _, arg, _ in pool.submitted] == ["f0.js", "f1.js"]


def test_workers_that_fail_to_start_fail_the_scan_with_the_error(monkeypatch):
    class NoWorkers(_HeldExecutor):
        def submit(self, fn, *args):
            raise OSError("cannot start a worker")

    monkeypatch.setattr(parallel, "POOL_START_FILES", 2)
    monkeypatch.setattr(parallel, "_pool", lambda workers, spec: NoWorkers())
    with Pipeline(ExtractorSpec(tuple(load_packs(Config()))), jobs=2) as p:
        with pytest.raises(OSError, match="cannot start a worker"):
            list(p.run(_items(8)))


def test_workers_started_from_the_console_script_do_not_run_it_again(tmp_path):
    """multiprocessing runs a main module without a `__spec__` again in every worker it starts
    (forkserver, spawn); the console script (`from auditor.cli import main`) would import the CLI,
    Typer and Click in each worker."""
    import subprocess
    import sys

    script = tmp_path / "auditor-script"
    script.write_text(
        "import sys\n"
        "from multiprocessing import spawn\n"
        "from auditor import cli\n"
        "before = spawn.get_preparation_data('w')\n"
        "cli._spare_workers_the_script()\n"
        "after = spawn.get_preparation_data('w')\n"
        "print(before.get('init_main_from_path') == sys.argv[0], 'init_main_from_path' in after,"
        " after.get('init_main_from_name'))\n"
    )
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "False", "auditor.__main__"]


def test_warm_compiles_the_languages_prestart_names_instead_of_the_default_ones(monkeypatch):
    """The forkserver compiles `WARM_LANGUAGES`, or the languages `prestart` passes it (an npm
    tarball's JavaScript and TypeScript), so that workers forked from it do not each compile them;
    unknown names are ignored."""
    monkeypatch.setattr(parallel, "_COMPILED", parallel.OrderedDict())
    monkeypatch.delenv(parallel.WARM_ENV, raising=False)
    parallel.warm()
    assert sorted(lang for lang, _ in parallel._COMPILED) == ["javascript", "python"]
    monkeypatch.setattr(parallel, "_COMPILED", parallel.OrderedDict())
    monkeypatch.setenv(parallel.WARM_ENV, "typescript,cobol")
    parallel.warm()
    assert sorted(lang for lang, _ in parallel._COMPILED) == ["typescript"]


def test_prestart_hands_the_languages_to_the_forkserver_only(monkeypatch):
    from multiprocessing import forkserver

    seen = []
    monkeypatch.setattr(forkserver, "ensure_running", lambda: seen.append(os.environ.get(parallel.WARM_ENV)))
    monkeypatch.delenv(parallel.WARM_ENV, raising=False)
    parallel.prestart(parallel.NPM_LANGUAGES)
    parallel.prestart()
    assert seen == ["javascript,typescript", None] and parallel.WARM_ENV not in os.environ
