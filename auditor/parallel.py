"""Parallel, cached, order-preserving extraction.

`Pipeline.run` takes the items the sources yield (files, diagnostics, artifact rows and facts), each
tagged by the caller, and yields them back **in input order** with every `SourceFile` replaced by its
`FileResult`, so everything downstream (resolution, the store) sees the same rows in the same order
whatever the number of workers.

Per file, in this process: its cache key (`cache.CacheKeys.file`); a file with the key of a file
already seen in this run is a duplicate, given that file's result rebound to its own path; else the
extraction cache is asked; else the file waits for extraction. Waiting files go to a
`concurrent.futures.ProcessPoolExecutor` (`--jobs` workers, each building its `Extractor` once from
an `ExtractorSpec`) largest first, files under `SMALL_FILE_BYTES` in chunks, and only while a worker
has fewer than `TASKS_PER_WORKER` tasks: a large file read late still goes before the small ones
read before it, and no worker idles at the end while another parses a bundle.

Small scans never pay for workers: the pool starts only once the waiting files pass
`POOL_START_BYTES` or `POOL_START_FILES`; until then (and with `jobs=1`) files are extracted in
this process. Before the workers are forked (on Linux), this process compiles the queries of the grammars
the waiting files need and sets up the secret search, so that this is done once, not once per worker. A file's bytes are dropped once its result is in, and the sources are not read on
while the files waiting hold more than `WINDOW_BYTES`.

A worker that dies (a parser crash on hostile input) does not end the scan: every file its pool had
in flight is retried alone in a fresh one-worker pool, and a file that kills that worker too becomes
an `extract-crashed` diagnostic.
"""

from __future__ import annotations

import heapq
import itertools
import multiprocessing
import os
import sys
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor import cache as cache_mod
from auditor import records
from auditor.extract.engine import Extractor
from auditor.extract.process import ExtractorSpec, failed_result, process, secret_scanner
from auditor.languages import language_for
from auditor.models import FileResult, SourceFile

POOL_START_BYTES = 2 * 1024 * 1024
"""Start the workers once this many bytes of files wait for extraction..."""
POOL_START_FILES = 64
"""...or this many files: below both, a scan is cheaper in one process than starting workers."""
WINDOW_BYTES = 256 * 1024 * 1024
"""Stop reading the sources while the files waiting for their result hold more bytes than this."""
SMALL_FILE_BYTES = 64 * 1024
"""Files smaller than this go to the workers in chunks..."""
CHUNK_FILES = 32
"""...of at most this many files..."""
CHUNK_BYTES = 512 * 1024
"""...and this many bytes: a task costs about 0.7 ms of hand-offs (pickling, queues, wake-ups), which
for gemini-cli-core's 2,115 files, most of them a few KB, was about 1.5 CPU-s one file at a time."""
TASKS_PER_WORKER = 2
"""Tasks handed to the pool per worker: one running, one queued behind it."""


def default_jobs() -> int:
    """The number of CPUs this process may run on (its affinity mask), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


# -- worker side ------------------------------------------------------------------------------------
_WORKER_EXTRACTOR: Extractor | None = None


def _init_worker(spec: ExtractorSpec) -> None:
    global _WORKER_EXTRACTOR
    _WORKER_EXTRACTOR = spec.build()


def _extract_chunk(srcs: list[SourceFile]) -> list[bytes]:
    """The task a worker runs: `process` each file of a chunk, its result pickled as the cache stores
    it (`records.dumps_many`), so that this process loads it with the cache's fast loader and stores the
    same bytes instead of pickling the result again."""
    assert _WORKER_EXTRACTOR is not None, "worker not initialised"
    return records.dumps_many([process(_WORKER_EXTRACTOR, src) for src in srcs])


def _new_pool(workers: int, spec: ExtractorSpec) -> ProcessPoolExecutor:
    """`workers` extraction processes, each set up by `_init_worker(spec)`. On Linux they are forked
    from this process, so they start with its modules imported (and its compiled queries, if it
    extracted before); elsewhere the platform's default start method is used."""
    context = multiprocessing.get_context("fork") if sys.platform == "linux" else None
    return ProcessPoolExecutor(workers, mp_context=context, initializer=_init_worker, initargs=(spec,))


# -- main side --------------------------------------------------------------------------------------
@dataclass(slots=True)
class PipelineStats:
    """What the pipeline did during one run."""

    jobs: int = 1
    """Worker processes used (1: extraction ran in this process)."""
    files: int = 0
    """Files to extract that the sources yielded (a secret search alone does not count)."""
    bytes: int = 0
    """Their size in bytes (as read: a truncated file counts what was read)."""
    extracted: int = 0
    """Files actually parsed (not cached, not a duplicate)."""
    cached: int = 0
    """Files whose result came from the extraction cache."""
    duplicates: int = 0
    """Files whose content equalled a file already extracted in this run."""
    crashed: int = 0
    """Files that killed a worker twice (recorded as `extract-crashed` diagnostics)."""
    targets_cached: int = 0
    """Release artifacts taken whole from the cache (not even read: same archive, same cache keys)."""


class _Slot:
    """One item of the run, in input order."""

    __slots__ = ("tag", "item", "key", "result", "primary", "nbytes")

    def __init__(self, tag, item):
        self.tag = tag
        self.item = item  # the SourceFile until its result is in; a pass-through item otherwise
        self.key: str | None = None  # cache key of a file (None: a pass-through item)
        self.result: FileResult | None = None
        self.primary: _Slot | None = None  # the slot of the same content seen first, for a duplicate
        self.nbytes = 0

    def ready(self) -> bool:
        return self.key is None or (self.primary or self).result is not None


class Pipeline:
    """Runs extraction for a stream of tagged items (see the module doc). Use as a context manager,
    or call `close()`: it owns worker processes and the cache's store."""

    def __init__(self, spec: ExtractorSpec, jobs: int | None = None, cache_dir: Path | bool | None = None):
        """`cache_dir`: a directory, `True` for `cache.default_cache_dir()`, None/False for no cache.
        Raises ConfigError for a bad `AUDITOR_CACHE_MAX_MB` when a cache is asked for."""
        self.spec = spec
        self.jobs = max(1, jobs if jobs is not None else default_jobs())
        self.keys = cache_mod.CacheKeys(spec.packs, spec.options)
        self.cache: cache_mod.Cache | None = None
        if cache_dir is not None and cache_dir is not False:
            self.cache = cache_mod.open_cache(None if cache_dir is True else Path(cache_dir), self.keys)
        self.stats = PipelineStats()
        self._extractor: Extractor | None = None  # for extraction in this process
        self._pool: ProcessPoolExecutor | None = None
        self._seen: dict[str, _Slot] = {}  # cache key → the first slot with that content
        self._waiting: list[tuple[int, int, _Slot]] = []  # heap of (-bytes, arrival, slot): files to hand out
        self._waiting_bytes = 0
        self._arrivals = itertools.count()
        self._running: dict[Future, list[_Slot]] = {}  # tasks handed to the pool → their files
        self._held_bytes = 0  # bytes of the files whose result is not in

    def __enter__(self) -> Pipeline:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Stop the workers (work not started is cancelled) and close the cache."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        if self.cache is not None:
            self.cache.close()

    def run(self, items: Iterable[tuple[Any, Any]]) -> Iterator[tuple[Any, Any, str | None]]:
        """Yield `(tag, item, key)` for each input pair, in input order, with each SourceFile replaced
        by its FileResult and `key` its cache key (`cache.CacheKeys.file`, what an artifact's cache
        entry refers to its result by; None for any other item). Raises AuditorError raised by
        extraction (e.g. a pack that does not compile), after stopping the workers. While it runs,
        `cache.ACTIVE` is this run's cache (for `cache.memo`)."""
        previous, cache_mod.ACTIVE = cache_mod.ACTIVE, self.cache
        slots: deque[_Slot] = deque()
        try:
            for tag, item in items:
                slot = _Slot(tag, item)
                if isinstance(item, SourceFile):
                    self._admit(slot, item)
                slots.append(slot)
                self._collect(block=self._held_bytes > WINDOW_BYTES)
                self._schedule(final=False)
                while slots and slots[0].ready():
                    yield self._output(slots.popleft())
            while self._waiting or self._running:
                self._schedule(final=True)
                self._collect(block=True)
            while slots:
                yield self._output(slots.popleft())
        except BaseException:
            self.close()
            raise
        finally:
            cache_mod.ACTIVE = previous

    def _admit(self, slot: _Slot, src: SourceFile) -> None:
        if src.extract:
            self.stats.files += 1
            self.stats.bytes += len(src.data)
        slot.key = self.keys.file(src)
        first = self._seen.get(slot.key)
        if first is not None:
            slot.primary, slot.item = first, (src.path, src.origin)
            self.stats.duplicates += 1
            return
        self._seen[slot.key] = slot
        hit = self.cache.get(slot.key, FileResult) if self.cache is not None else None
        if hit is not None:
            slot.result, slot.item = records.rebind(hit, src.path, src.origin), None
            self.stats.cached += 1
            return
        self.stats.extracted += src.extract
        if self.jobs == 1:
            self._complete(slot, process(self._local(), src))
            return
        slot.nbytes = len(src.data)
        self._held_bytes += slot.nbytes
        self._waiting_bytes += slot.nbytes
        heapq.heappush(self._waiting, (-slot.nbytes, next(self._arrivals), slot))

    def _local(self) -> Extractor:
        if self._extractor is None:
            self._extractor = self.spec.build()
        return self._extractor

    def _schedule(self, final: bool) -> None:
        """Hand waiting files to the workers, largest first, while a worker has fewer than
        `TASKS_PER_WORKER` tasks; start the workers once enough work waits. `final`: no more files
        will come (a small scan is then extracted here, and a chunk need not be full)."""
        if self._pool is None and self._waiting:
            enough = self._waiting_bytes >= POOL_START_BYTES or len(self._waiting) >= POOL_START_FILES
            if not enough and not final:
                return
            if not enough and self.stats.jobs == 1:  # a small scan, all read: not worth starting workers
                for *_, slot in self._waiting:
                    self._complete(slot, process(self._local(), slot.item))
                self._waiting, self._waiting_bytes = [], 0
                return
            # compiled here before the fork, each grammar's queries are the workers' too (a worker
            # compiles only a grammar whose first file comes after this)
            if sys.platform == "linux":
                self.spec.precompile({language_for(slot.item.path) for *_, slot in self._waiting} - {None})
                if any(slot.item.secrets for *_, slot in self._waiting):
                    secret_scanner()
            self._pool = _new_pool(self.jobs, self.spec)
            self.stats.jobs = self.jobs
        while self._waiting and len(self._running) < TASKS_PER_WORKER * self.jobs:
            chunk = self._next_chunk(final or len(self._running) < self.jobs)
            if not chunk:
                return
            self._running[self._pool.submit(_extract_chunk, [s.item for s in chunk])] = chunk

    def _next_chunk(self, partial: bool) -> list[_Slot]:
        """The largest waiting file alone if it is not small; else the largest small files, up to
        `CHUNK_FILES`/`CHUNK_BYTES`, or none when those are not reached and `partial` is False."""
        waiting = self._waiting
        if -waiting[0][0] < SMALL_FILE_BYTES and not partial and len(waiting) < CHUNK_FILES and self._waiting_bytes < CHUNK_BYTES:
            return []
        chunk = [heapq.heappop(waiting)[2]]
        size = chunk[0].nbytes
        if size < SMALL_FILE_BYTES:
            while waiting and len(chunk) < CHUNK_FILES and size - waiting[0][0] <= CHUNK_BYTES:
                chunk.append(heapq.heappop(waiting)[2])
                size += chunk[-1].nbytes
        self._waiting_bytes -= size
        return chunk

    def _collect(self, block: bool) -> None:
        """Take in the results of finished tasks (waiting for one when `block`)."""
        if not self._running:
            return
        if block:
            done, _ = wait(list(self._running), return_when=FIRST_COMPLETED)
        else:  # not `wait(timeout=0)`: it sets up a waiter (0.1 ms) after every item read
            done = [future for future in self._running if future.done()]
        broken = False
        for future in done:
            if future.exception() is not None and isinstance(future.exception(), BrokenProcessPool):
                broken = True
                continue
            for slot, blob in zip(self._running.pop(future), future.result()):  # raises a worker's AuditorError
                self._complete(slot, records.loads(blob), blob)
        if broken:
            self._recover()

    def _recover(self) -> None:
        """A worker died, and with it the pool: retry every file it had not finished alone, in a
        fresh one-worker pool; a file that kills that worker too gets an `extract-crashed` result.
        The remaining files go to a new pool."""
        assert self._pool is not None
        self._pool.shutdown(wait=True, cancel_futures=True)  # every task's outcome is known after this
        self._pool = None
        running, self._running = self._running, {}
        for future, chunk in running.items():
            if not future.cancelled() and future.exception() is None:
                for slot, blob in zip(chunk, future.result()):
                    self._complete(slot, records.loads(blob), blob)
                continue
            for slot in chunk:
                with _new_pool(1, self.spec) as solo:
                    try:
                        blob = solo.submit(_extract_chunk, [slot.item]).result()[0]
                    except BrokenProcessPool:
                        self.stats.crashed += 1
                        self._complete(slot, failed_result(slot.item, "extract-crashed", "the parser process crashed on this file; it was not scanned"))
                        continue
                self._complete(slot, records.loads(blob), blob)

    def _complete(self, slot: _Slot, result: FileResult, blob: bytes | None = None) -> None:
        """Record a file's result (`blob`: its `records.dumps` bytes, from a worker), drop its bytes and
        cache the result, unless an internal error happened, which may not recur."""
        slot.result, slot.item = result, None
        self._held_bytes -= slot.nbytes
        if self.cache is not None and cache_mod.cacheable(result.diagnostics):
            self.cache.put(slot.key, result, blob)

    def _output(self, slot: _Slot) -> tuple[Any, Any, str | None]:
        if slot.primary is not None:
            path, origin = slot.item
            return slot.tag, records.rebind(slot.primary.result, path, origin), slot.key
        return slot.tag, (slot.item if slot.key is None else slot.result), slot.key
