"""The extraction cache: results computed from bytes, kept between scans (see docs/caching.md).

One `diskcache.Cache` store in `default_cache_dir()/v4` holds each file's `FileResult`, everything a
scan took from a release artifact (so that an unchanged one is not even read again) and memos of
other per-file stages (`memo`). Every key comes from `CacheKeys`, the one place that lists what a
cached result depends on; a file's path is not part of it, and a hit for the same bytes at another
path is rebound (`records.rebind`). Results recording an internal error are never stored (`cacheable`).

The store is bounded by `max_cache_bytes()`: diskcache evicts the least recently *stored* entries
when a write takes it over (least recently *used* would make every read a write, 0.3 ms instead of
0.04 ms). It never fails a scan: a store that cannot be opened, read or written (locked by another
process for longer than `BUSY_SECONDS`, damaged, read-only, disk full) turns itself off. Entries are
pickles, which can run code when loaded: the directory is created private to the user (0700).
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
import sqlite3
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache, partial
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import diskcache
import platformdirs

from auditor import __version__
from auditor.errors import ConfigError
from auditor.languages import grammar_versions, language_for
from auditor.models import FAILURE_CODES, Diagnostic, FileResult, SourceFile
from auditor.queries import Pack
from auditor.records import FileRef, dumps, dumps_many, rebind
from auditor.sources.secrets import detect_secrets_version

FORMAT = 4
"""The store's directory is `v<FORMAT>`; bumped when entries change shape incompatibly."""
DIR_ENV = "AUDITOR_CACHE_DIR"
MAX_MB_ENV = "AUDITOR_CACHE_MAX_MB"
DEFAULT_MAX_MB = 2048
"""The default size limit in MiB: about 180 releases of gemini-cli-core's size."""
BUSY_SECONDS = 30.0
"""How long the store waits for another process's write before the cache turns itself off."""
LARGE_VALUE_BYTES = 4 * 1024 * 1024
"""Values this large are files of their own, smaller ones rows of the database (diskcache's
default of 32 KiB made a file for the result of every large source file)."""
WRITE_BATCH = 256
"""Entries written per transaction (one transaction per entry costs about 0.5 ms, in a batch 0.1 ms),
or fewer once they hold `WRITE_BATCH_BYTES`."""
WRITE_BATCH_BYTES = 32 * 1024 * 1024
def cacheable(diagnostics: Iterable[Diagnostic]) -> bool:
    """False when one of `diagnostics` records an internal error (`models.FAILURE_CODES`: `*-failed`
    such as `secret-scan-failed`, `*-crashed`, `file-budget-exceeded`): such a result, a file's or a
    whole artifact's, may not recur and is never cached."""
    return not any(d.code in FAILURE_CODES for d in diagnostics)


def default_cache_dir() -> Path:
    """`$AUDITOR_CACHE_DIR`, else the platform's user cache directory for `auditor` (`platformdirs`:
    `$XDG_CACHE_HOME/auditor` or `~/.cache/auditor` on Linux)."""
    env = os.environ.get(DIR_ENV)
    return Path(env).expanduser() if env else platformdirs.user_cache_path("auditor")


def max_cache_bytes() -> int | None:
    """The size limit in bytes from `AUDITOR_CACHE_MAX_MB` (MiB, default `DEFAULT_MAX_MB`); None when
    it is 0 (no limit). Raises ConfigError for a value that is not a whole number ≥ 0."""
    raw = os.environ.get(MAX_MB_ENV, "").strip() or str(DEFAULT_MAX_MB)
    if not raw.isdigit():
        raise ConfigError(f"{MAX_MB_ENV}={raw!r}: expected a size in MiB (a whole number; 0 for no limit)")
    return int(raw) * 1024 * 1024 or None


@cache
def code_digest() -> str:
    """sha256 over the auditor package's Python sources, so that a development build whose version
    did not change never reads entries written by other code."""
    root = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for p in sorted(root.rglob("*.py")):
        rel = p.relative_to(root).as_posix()
        if not rel.startswith(("report/", "cli", "app")):  # readers of the database cannot change a result
            h.update(rel.encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


def _digest(*parts: str | bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part)
        h.update(b"\0")
    return h.hexdigest()


class CacheKeys:
    """Every key of the extraction cache, made in one place from everything a cached result depends
    on:

    * the code: the cache format, the auditor's version and the digest of its sources
      (`code_digest`), the Python version;
    * the libraries: the tree-sitter and grammar package versions, the detect-secrets version;
    * the query packs (name, languages, source text, sidecar) and the extractor's options (wrapper
      registries, the manifest's identifier search): with them, what the configuration adds;
    * the subject: for a file, the sha256 of its bytes, its original size, whether it was
      truncated, its language and extension (they pick the grammar and the secret detector's
      keyword rules) and what was asked (secret search mode, extraction or not); for an artifact,
      its `cache_identity()` (the archive's bytes, the target as written, the reader's limits and
      excludes); for a memo, its namespace, version and parts.

    `scope` (the digest of everything but the subject) is None when the options cannot be pickled:
    nothing is cached then, since an entry could not be told apart from one made with others."""

    def __init__(self, packs: Iterable[Pack], options: Mapping[str, Any]):
        try:
            opts = pickle.dumps(sorted(options.items()), protocol=5)
        except Exception:  # noqa: BLE001 - an unpicklable option disables the cache
            opts = None
        packs_json = json.dumps([[p.name, list(p.languages), p.source, repr(sorted(p.meta.items()))] for p in packs])
        self.scope: str | None = None if opts is None else _digest(
            f"format={FORMAT}", f"auditor={__version__}", f"code={code_digest()}", f"python={sys.version_info[:2]}",
            f"grammars={json.dumps(grammar_versions(), sort_keys=True)}", f"detect-secrets={detect_secrets_version()}",
            packs_json, opts)

    def file(self, src: SourceFile) -> str:
        """The key of `src`'s FileResult."""
        size = src.size if src.size >= 0 else len(src.data)
        return _digest(str(self.scope), "file", hashlib.sha256(src.data).digest(), str(size), str(src.truncated),
                       language_for(src.path) or "", os.path.splitext(src.path)[1].lower(), src.secrets, str(src.extract))

    def artifact(self, src) -> str | None:
        """The key of everything the source `src` yields; None when it has no `cache_identity()`
        (optional, see `sources.interface`: release archives have one, directories do not)."""
        identity = src.cache_identity() if hasattr(src, "cache_identity") else None
        return None if identity is None else _digest(str(self.scope), "artifact", identity)

    def memo(self, namespace: str, version: str, *parts: str | bytes) -> str:
        """The key of a value another stage memoizes (see `memo`)."""
        return _digest(str(self.scope), "memo", namespace, version, *parts)


_PROBLEMS = (sqlite3.Error, OSError, diskcache.Timeout)


def _wait_for_writer(db: Path) -> None:
    """Wait at most `BUSY_SECONDS` for another process's write to the store `db` to end: diskcache,
    while opening a store, retries a locked write for 60 s whatever its `timeout`. Raises
    sqlite3.OperationalError when the store is still locked; any other problem (a damaged file) is
    left to the opening."""
    if not db.is_file():
        return
    conn = sqlite3.connect(db, timeout=BUSY_SECONDS, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
    except sqlite3.DatabaseError as exc:
        if exc.sqlite_errorname.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
            raise
    finally:
        conn.close()


def _open_store(directory: Path) -> diskcache.Cache:
    """The store in `directory` (created, mode 0700), at the current size limit; a damaged one is
    deleted and started again. Raises ConfigError for a bad limit, `_PROBLEMS` when it cannot be
    opened (opening writes the settings, so this waits for another process's write too)."""
    limit = max_cache_bytes()
    settings = {"size_limit": sys.maxsize if limit is None else limit, "disk_min_file_size": LARGE_VALUE_BYTES,
                "timeout": BUSY_SECONDS}
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    _wait_for_writer(directory / diskcache.core.DBNAME)
    try:
        return diskcache.Cache(str(directory), **settings)
    except sqlite3.DatabaseError as exc:
        if "not a database" not in str(exc) and "malformed" not in str(exc):
            raise
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    return diskcache.Cache(str(directory), **settings)


class Cache:
    """The extraction cache of one scan: its `keys` and the store under `root`. Raises `_PROBLEMS` when
    the store cannot be opened (`open_cache` makes that no cache); afterwards never raises for I/O
    problems. Writes are held and written a `WRITE_BATCH` at a time in one transaction, and by `close`."""

    def __init__(self, root: Path, keys: CacheKeys):
        self.root, self.keys = Path(root), keys
        self.writes = 0
        self.errors = 0  # entries that did not load (then removed), failed reads or writes (then off)
        self._store: diskcache.Cache | None = _open_store(self.root / f"v{FORMAT}")
        self._pending: dict[str, bytes] = {}

    def get(self, key: str, kind: type = object) -> Any:
        """The `kind` object stored under `key`, or None. An entry that does not load as one is removed."""
        blob = self._pending.get(key)
        if blob is None and self._store is not None:
            try:
                blob = self._store.get(key)
            except _PROBLEMS:
                self._disable()
        if blob is None:
            return None
        try:
            obj = pickle.loads(blob)
            if isinstance(obj, kind):
                return obj
        except Exception:  # noqa: BLE001 - damaged, or of a class that no longer exists: a miss
            pass
        self.errors += 1
        self.delete(key)
        return None

    def put(self, key: str, obj: Any, blob: bytes | None = None) -> None:
        """Store `obj` under `key`; `blob`: its `dumps` bytes, when the caller has them."""
        if self._store is None:
            return
        try:
            self._pending[key] = blob if blob is not None else dumps(obj)
        except Exception:  # noqa: BLE001 - an unpicklable record: not cached
            self.errors += 1
        if len(self._pending) >= WRITE_BATCH or sum(map(len, self._pending.values())) >= WRITE_BATCH_BYTES:
            self.flush()

    def flush(self) -> None:
        """Write the pending entries in one transaction (evicting the least recently stored entries
        when they take the store over its limit)."""
        pending, self._pending = self._pending, {}
        if self._store is None or not pending:
            return
        try:
            with self._store.transact():
                for key, blob in pending.items():
                    self._store.set(key, blob)
        except _PROBLEMS:
            self._disable()
            return
        self.writes += len(pending)

    def put_artifact(self, key: str, items: list, file_keys: list[str | None]) -> None:
        """Store everything a scan took from one artifact under `key`: `items` in order, each
        FileResult whose `file_keys` entry is a key as a `FileRef` to that file's own entry (its
        result is stored once, and not pickled again here)."""
        if self._store is None:
            return
        refs = [FileRef(k, i.path, i.origin) if k is not None and isinstance(i, FileResult) else i
                for i, k in zip(items, file_keys, strict=True)]
        try:  # each item pickled alone: redaction walks only the items that need it (`records.dumps_many`)
            blob = pickle.dumps(dumps_many(refs), protocol=5)
        except Exception:  # noqa: BLE001 - an unpicklable record: not cached
            self.errors += 1
            return
        self.put(key, None, blob)

    def get_artifact(self, key: str) -> list | None:
        """The items `put_artifact` stored under `key`, each FileRef replaced by its file's result
        (rebound to the ref's path and origin); None on a miss, also when one of those results is
        no longer stored (evicted first: it was stored before the artifact)."""
        blobs = self.get(key, list)
        if blobs is None:
            return None
        try:
            items = [pickle.loads(b) for b in blobs]
        except Exception:  # noqa: BLE001 - damaged, or of a class that no longer exists: a miss
            self.errors += 1
            self.delete(key)
            return None
        out = []
        for item in items:
            if isinstance(item, FileRef):
                result = self.get(item.key, FileResult)
                if result is None:
                    return None
                item = rebind(result, item.path, item.origin)
            out.append(item)
        return out

    def delete(self, key: str) -> None:
        self._pending.pop(key, None)
        try:
            if self._store is not None:
                self._store.delete(key)
        except _PROBLEMS:
            self._disable()

    def _disable(self) -> None:
        self.errors += 1
        self._pending.clear()
        self.close()

    def close(self) -> None:
        """Write what is pending and close the store: later reads miss and writes are dropped."""
        self.flush()
        store, self._store = self._store, None
        if store is not None:
            store.close()


def open_cache(root: Path | None, keys: CacheKeys) -> Cache | None:
    """The cache under `root` (default `default_cache_dir()`); None when `keys` has no scope or the
    store cannot be opened (the scan runs without a cache). Raises ConfigError for a bad
    `AUDITOR_CACHE_MAX_MB`, before the scan writes anything."""
    max_cache_bytes()
    try:
        return Cache(Path(root) if root is not None else default_cache_dir(), keys) if keys.scope else None
    except _PROBLEMS:
        return None


@dataclass(frozen=True, slots=True)
class CacheInfo:
    """What the cache under `root` holds, and its size `limit` in bytes (None: no limit)."""

    root: Path
    entries: int
    bytes: int
    limit: int | None


def cache_info(root: Path | None = None, prune: bool = False) -> CacheInfo:
    """Entries and bytes of the cache under `root` (default `default_cache_dir()`). `prune`: first
    evict the least recently stored entries down to the limit (writes do that as they go; this
    applies a limit just lowered). Raises ConfigError for a bad limit, OSError when the cache
    cannot be read."""
    root = Path(root) if root is not None else default_cache_dir()
    limit, directory = max_cache_bytes(), root / f"v{FORMAT}"
    if not directory.is_dir():
        return CacheInfo(root, 0, 0, limit)
    try:
        with _open_store(directory) as store:
            if prune:
                store.cull()
            return CacheInfo(root, len(store), store.volume(), limit)
    except (sqlite3.Error, diskcache.Timeout) as exc:
        raise OSError(f"{directory}: {exc}") from exc


def clear_cache(root: Path | None = None) -> CacheInfo:
    """Delete every entry under `root` (default `default_cache_dir()`), older cache formats' too.
    Returns what was there."""
    root = Path(root) if root is not None else default_cache_dir()
    info = cache_info(root)
    for n in range(1, FORMAT + 1):
        shutil.rmtree(root / f"v{n}", ignore_errors=True)
    return info


ACTIVE: Cache | None = None
"""The cache of the scan running in this process (set by `parallel.Pipeline.run` while it reads the
sources), None when it runs without one."""


def memo(namespace: str, version: str = "") -> SimpleNamespace | None:
    """The memo of a per-file stage (`namespace`, at `version`: what else its values depend on, such
    as a library's version) in the running scan's cache, None when no scan with a cache is running:
    `key(*parts)` (see `CacheKeys.memo`), `get(key)` (None on a miss) and `put(key, value)`."""
    if ACTIVE is None:
        return None
    return SimpleNamespace(key=partial(ACTIVE.keys.memo, namespace, version), get=ACTIVE.get, put=ACTIVE.put)
