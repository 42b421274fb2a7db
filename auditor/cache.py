"""Extraction cache: the `FileResult` of every file extracted, keyed by what determines it.

Extraction of one file is a pure function of the file's bytes, its language, the query packs, the
grammars, the extractor's options and the auditor's own code; the file's path and origin are only
labels copied into the records. So an entry is keyed by

* **entry key** = sha256(content sha256, language, original size, truncated), and lives in
* **a directory per extraction fingerprint** = sha256(cache format, auditor version, a digest of the
  auditor's Python sources, `queries.pack_set_hash`, `languages.grammar_versions`, the Python
  version, the extractor options such as registries and manifest identifiers).

A changed pack, grammar, option or auditor build therefore lands in a new directory and never
sees an old entry. A hit for the same content at another path (a vendored file in two packages, a
bundle chunk copied twice) is *rebound*: every record whose `path`/`origin` field equals the cached
file's is copied with the new path/origin. Record families that keep the file's path must keep it
in fields named `path` and `origin` (every record in `models` and `extract/` does).

Layout (safe to delete at any time, whole or in part):

```
$AUDITOR_CACHE_DIR  (default: $XDG_CACHE_HOME/auditor, else ~/.cache/auditor)
  v3/<fingerprint[:24]>/results.sqlite              table results(key, value): pickled FileResult
  v3/<fingerprint[:24]>/artifacts/<sha256(identity)>  pickled list: a whole artifact's items
  v3/<fingerprint[:24]>/scans/<scan key>/            a whole scan: scan.duckdb (its rows), scan.json
  v3/<namespace>-<digest>/<key[:2]>/<key[2:]>       memos of other stages (`memo`)
```

File results live in one SQLite database per fingerprint (WAL journal, so concurrent scans on one
machine read while one writes), written in transactions of up to `BATCH_ENTRIES` entries: one
file per entry cost 0.3–1 ms of kernel time each to create (1.6 s of a 1,785-file scan), the
database a few µs. A reader sees a whole entry or none. A database that is not one (truncated,
overwritten) is deleted and started again; one that cannot be opened or written (locked for
longer than `BUSY_SECONDS`, read-only, disk full) turns the cache off for the rest of the scan.
Whole artifacts and memos are single files written by atomic renames.

A **whole scan** is stored too (`put_scan`), when every target is a release artifact with a
`cache_identity`: the rows the scan wrote, as a DuckDB database holding that one scan, and
`scan.json` (row counts, columns, the summary's counts), in a directory renamed into place once
complete. Its key (`scan._scan_key`) adds to the fingerprint the targets' identities, the
manifest, the rules, the database schema and the DuckDB version, so an unchanged release
candidate scanned again is *replayed*: its rows are copied by DuckDB, with nothing read,
extracted, resolved or evaluated (`scan._replay`).

**Size.** The cache is kept under a limit (`AUDITOR_CACHE_MAX_MB`, default `DEFAULT_MAX_MB`;
0 for none): after a scan that stored something, `prune` removes the least recently used units
(a stored scan, a whole artifact, a memo namespace, a fingerprint's file results, a directory of
an older cache format) until the cache is back under `PRUNE_TO` of the limit, never one the scan
itself used. Hits mark what they use (`os.utime`), so what a CI pipeline rescans stays.

Entries are pickles: the directory is created private to the user (mode 0700) and must not be
writable by anyone else, like any cache of a tool that loads what it stored.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import io
import json
import os
import pickle
import shutil
import sqlite3
import stat
import sys
import tempfile
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from auditor import __version__
from auditor.models import FileResult

CACHE_FORMAT = 3
"""Bumped when the entry layout or FileResult's shape changes incompatibly."""
RESULTS_DB = "results.sqlite"
BATCH_ENTRIES = 512
"""File results written per transaction (pending ones are held in memory, pickled)..."""
BATCH_BYTES = 32 * 1024 * 1024
"""...or fewer, once their pickles reach this many bytes."""
BUSY_SECONDS = 30.0
"""How long a write waits for another scan's transaction on the same database."""
SCANS_DIR = "scans"
"""Under a fingerprint directory: whole scans, one directory per scan key (see `put_scan`)."""
SCAN_META = "scan.json"
"""In a scan entry: the metadata `put_scan`'s writer returned, written last."""


def default_cache_dir() -> Path:
    """`$AUDITOR_CACHE_DIR`, else `$XDG_CACHE_HOME/auditor`, else `~/.cache/auditor`."""
    env = os.environ.get("AUDITOR_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "auditor"


@cache
def code_digest() -> str:
    """sha256 over the auditor package's Python sources, so a development build whose version did not
    change still never reads entries written by different extraction code."""
    root = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for p in sorted(root.rglob("*.py")):
        rel = p.relative_to(root).as_posix()
        if rel.startswith(("report/", "cli", "app")):
            continue  # readers of the database: they cannot change extraction results
        h.update(rel.encode())
        h.update(b"\0")
        try:
            h.update(p.read_bytes())
        except OSError:
            pass
        h.update(b"\0")
    return h.hexdigest()


def fingerprint(pack_set_hash: str, grammar_versions: dict[str, str], options: dict) -> str | None:
    """The extraction fingerprint (see the module doc), or None when the options cannot be pickled
    (then nothing is cached: an entry could not be told apart from one made with other options)."""
    try:
        opts = pickle.dumps(sorted(options.items()), protocol=5)
    except Exception:  # noqa: BLE001 - an unpicklable option just disables caching
        return None
    h = hashlib.sha256()
    for part in (
        f"format={CACHE_FORMAT}", f"auditor={__version__}", f"code={code_digest()}", f"packs={pack_set_hash}",
        f"grammars={json.dumps(grammar_versions, sort_keys=True)}", f"python={sys.version_info[:2]}",
    ):
        h.update(part.encode())
        h.update(b"\0")
    h.update(opts)
    return h.hexdigest()


def entry_key(sha256: str, language: str, size: int, truncated: bool) -> str:
    """Key of one file's entry within a fingerprint directory."""
    return hashlib.sha256(f"{sha256}\0{language}\0{size}\0{int(truncated)}".encode()).hexdigest()


def rebind(result: FileResult, path: str, origin: str) -> FileResult:
    """`result` with its path and origin (and every record's equal `path`/`origin` field) replaced.

    Returns `result` itself when nothing changes. Records are frozen dataclasses, copied with
    `dataclasses.replace`; anything else is kept as is.
    """
    old_path, old_origin = result.path, result.origin
    if old_path == path and old_origin == origin:
        return result

    def fix(rec):
        if not dataclasses.is_dataclass(rec) or isinstance(rec, type):
            return rec
        changes = {}
        if getattr(rec, "path", None) == old_path and old_path != path:
            changes["path"] = path
        if getattr(rec, "origin", None) == old_origin and old_origin != origin:
            changes["origin"] = origin
        return dataclasses.replace(rec, **changes) if changes else rec

    return dataclasses.replace(
        result,
        path=path,
        origin=origin,
        reads=[fix(r) for r in result.reads],
        symbols=[fix(r) for r in result.symbols],
        imports=[fix(r) for r in result.imports],
        registries=[fix(r) for r in result.registries],
        diagnostics=[fix(r) for r in result.diagnostics],
        extra={k: [fix(r) for r in v] for k, v in result.extra.items()},
    )


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _names(cls: type) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in dataclasses.fields(cls))
    return names


def _rebuild(cls: type, values: tuple):
    """Unpickle a dataclass record from its field values (see `_Pickler`)."""
    obj = object.__new__(cls)
    setattr_ = object.__setattr__
    for name, value in zip(_names(cls), values):
        setattr_(obj, name, value)
    return obj


class _Pickler(pickle.Pickler):
    """Pickles dataclass records as (class, field values): loading one is a plain loop over cached field
    names instead of dataclasses' generic `__setstate__`, which looks the fields up again for every
    object (most of a warm rescan's CPU time on bundles with thousands of records). `blobs`:
    id(object) → bytes already pickled for it (by `dumps`), stored as they are."""

    def __init__(self, file, protocol: int, blobs: dict[int, bytes] | None = None):
        super().__init__(file, protocol=protocol)
        self.blobs = blobs or {}

    def reducer_override(self, obj):
        if self.blobs:
            blob = self.blobs.get(id(obj))
            if blob is not None:
                return _load_blob, (blob,)
        cls = type(obj)
        if cls.__module__.startswith("auditor.") and dataclasses.is_dataclass(cls) and hasattr(cls, "__slots__"):
            return _rebuild, (cls, tuple(getattr(obj, n) for n in _names(cls)))
        return NotImplemented


@dataclass(slots=True)
class CacheStats:
    """What a cache did during one scan."""

    hits: int = 0
    misses: int = 0
    writes: int = 0
    errors: int = 0
    """Unreadable entries (treated as misses) and failed writes (the cache is then turned off)."""


def dumps(obj) -> bytes:
    """`obj` pickled as the cache stores it (records as class and field values, see `_Pickler`)."""
    buf = io.BytesIO()
    _Pickler(buf, protocol=5).dump(obj)
    return buf.getvalue()


def loads(blob: bytes) -> FileResult:
    """A FileResult from `dumps` bytes. Raises TypeError for anything else (and pickle's errors)."""
    result = pickle.loads(blob)
    if not isinstance(result, FileResult):
        raise TypeError(type(result).__name__)
    return result


def _write_atomic(path: str, obj, blobs: dict[int, bytes] | None = None) -> None:
    """Pickle `obj` (see `_Pickler`) to `path` through a temporary file and a rename, so a reader
    sees the whole entry or none; creates the directory (mode 0700). Raises OSError and pickling
    errors; the temporary file is removed on failure."""
    parent = os.path.dirname(path)
    os.makedirs(parent, mode=0o700, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            _Pickler(fh, protocol=5, blobs=blobs).dump(obj)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _load_blob(blob: bytes):
    """Unpickle an object `put_items` stored as its own cache bytes."""
    return pickle.loads(blob)


def _open_results(path: str) -> sqlite3.Connection:
    """The results database at `path`, created if missing. Raises sqlite3.Error."""
    conn = sqlite3.connect(path, timeout=BUSY_SECONDS, isolation_level=None, check_same_thread=False)
    try:
        try:
            conn.execute("PRAGMA journal_mode=WAL")  # readers do not wait for a writer
        except sqlite3.OperationalError:  # a file system without shared memory (some network mounts)
            pass
        conn.execute("PRAGMA synchronous=NORMAL")  # a cache: losing the last commits on power loss is fine
        conn.execute("CREATE TABLE IF NOT EXISTS results (key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID")
    except BaseException:
        conn.close()
        raise
    return conn


def _not_a_database(exc: sqlite3.Error) -> bool:
    """True for errors saying the file is damaged (not for a lock, a read-only file, a full disk)."""
    return getattr(exc, "sqlite_errorname", "") in ("SQLITE_NOTADB", "SQLITE_CORRUPT")


class ExtractionCache:
    """One fingerprint directory of the extraction cache. Never raises for I/O problems: a broken or
    unwritable cache degrades to misses (counted in `stats.errors`).

    `put` holds entries in memory until `BATCH_ENTRIES`/`BATCH_BYTES` are reached, then writes them
    in one transaction; `flush` writes what is pending, `close` flushes and closes the database."""

    def __init__(self, root: Path, fingerprint: str):
        self.root = Path(root)
        self.fingerprint = fingerprint
        self.dir = self.root / f"v{CACHE_FORMAT}" / fingerprint[:24]
        self._dir = str(self.dir)
        self.stats = CacheStats()
        self.writable = True
        self._conn: sqlite3.Connection | None = None
        self._usable = True  # False once the database could not be opened: all misses
        self._pending: dict[str, bytes] = {}
        self._pending_bytes = 0
        _touch(self._dir)  # this fingerprint's file results are in use (see `prune`)

    # -- file results ---------------------------------------------------------------------------
    def _db(self) -> sqlite3.Connection | None:
        if self._conn is None and self._usable:
            path = os.path.join(self._dir, RESULTS_DB)
            try:
                os.makedirs(self._dir, mode=0o700, exist_ok=True)
                try:
                    self._conn = _open_results(path)
                except sqlite3.Error as exc:
                    if not _not_a_database(exc):
                        raise
                    self.stats.errors += 1  # damaged: start it again
                    for suffix in ("", "-wal", "-shm"):
                        with contextlib.suppress(OSError):
                            os.unlink(path + suffix)
                    self._conn = _open_results(path)
            except (sqlite3.Error, OSError):
                self.stats.errors += 1
                self._usable = self.writable = False
        return self._conn

    def _disable(self) -> None:
        self.stats.errors += 1
        self._usable = self.writable = False
        self._pending.clear()
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(sqlite3.Error):
                conn.close()

    def get(self, key: str, path: str, origin: str) -> FileResult | None:
        """The cached result for `key`, rebound to `path`/`origin`; None on a miss. An entry that
        does not load as a FileResult counts in `stats.errors` and is removed."""
        blob = self._pending.get(key)
        if blob is None:
            conn = self._db()
            if conn is not None:
                try:
                    row = conn.execute("SELECT value FROM results WHERE key = ?", (key,)).fetchone()
                except sqlite3.Error as exc:
                    if _not_a_database(exc):
                        self._disable()
                    else:
                        self.stats.errors += 1
                    row = None
                blob = row[0] if row else None
        result = None
        if blob is not None:
            try:
                result = loads(blob)
            except Exception:  # noqa: BLE001 - a broken entry is a miss
                result = None
                self.stats.errors += 1
                self._pending.pop(key, None)
                if self._conn is not None:
                    with contextlib.suppress(sqlite3.Error):
                        self._conn.execute("DELETE FROM results WHERE key = ?", (key,))
        if result is None:
            self.stats.misses += 1
            return None
        self.stats.hits += 1
        return rebind(result, path, origin)

    def put(self, key: str, result: FileResult, blob: bytes | None = None) -> bytes | None:
        """Store `result` under `key` (written with the next batch, see the class doc); `blob`: its
        `dumps` bytes, if the caller has them. Returns the bytes stored (None: not stored)."""
        if not self.writable:
            return None
        try:
            blob = blob if blob is not None else dumps(result)
        except Exception:  # noqa: BLE001 - an unpicklable record: that file is not cached
            self.stats.errors += 1
            return None
        self._pending_bytes += len(blob) - len(self._pending.get(key, b""))
        self._pending[key] = blob
        if len(self._pending) >= BATCH_ENTRIES or self._pending_bytes >= BATCH_BYTES:
            self.flush()
        return blob

    def flush(self) -> None:
        """Write the pending entries in one transaction. On an error the cache turns itself off
        for the rest of the scan (disk full, read-only home, a lock held for too long)."""
        if not self._pending:
            return
        items = list(self._pending.items())
        self._pending.clear()
        self._pending_bytes = 0
        conn = self._db() if self.writable else None
        if conn is None:
            return
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.executemany("INSERT OR REPLACE INTO results (key, value) VALUES (?, ?)", items)
                conn.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
                raise
        except sqlite3.Error:
            self._disable()
            return
        self.stats.writes += len(items)

    def close(self) -> None:
        """Flush, then close the database (a later `get`/`put` opens it again)."""
        self.flush()
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(sqlite3.Error):
                conn.close()

    # -- single-file entries (whole artifacts) ------------------------------------------------

    def _load(self, p: str, kind: type, load=pickle.load, mode: str = "rb", remove=None):
        """The `kind` object stored at `p` (read by `load` from the file opened in `mode`), or None
        when there is none; a truncated or corrupt entry (or one of a class that no longer exists)
        counts in `stats.errors` and is removed (by `remove()`, default: deleting `p`)."""
        try:
            with open(p, mode, encoding=None if "b" in mode else "utf-8") as fh:
                obj = load(fh)
            if not isinstance(obj, kind):
                raise TypeError(type(obj).__name__)
        except FileNotFoundError:
            return None
        except Exception:  # noqa: BLE001 - a broken entry is a miss
            self.stats.errors += 1
            if remove is not None:
                remove()
            else:
                with contextlib.suppress(OSError):
                    os.unlink(p)
            return None
        self.stats.hits += 1
        return obj

    def _store(self, p: str, obj, blobs: dict[int, bytes] | None = None) -> None:
        """Write `obj` to `p` atomically (a reader sees the whole entry or none); on an I/O error
        the cache turns itself off for the rest of the scan (disk full, read-only home)."""
        if not self.writable:
            return
        try:
            _write_atomic(p, obj, blobs)
        except Exception:  # noqa: BLE001 - scan on without the cache
            self.stats.errors += 1
            self.writable = False
            return
        self.stats.writes += 1

    # -- whole artifacts ------------------------------------------------------------------------
    def _items_path(self, identity: str) -> str:
        return os.path.join(self._dir, "artifacts", hashlib.sha256(identity.encode()).hexdigest())

    def get_items(self, identity: str) -> list | None:
        """Everything a scan took from one release artifact (entries, findings, diagnostics, the
        files' results), stored by `put_items` under `identity`; None on a miss."""
        p = self._items_path(identity)
        items = self._load(p, list)
        if items is not None:
            _touch(p)
        return items

    def put_items(self, identity: str, items: list, blobs: dict[int, bytes] | None = None) -> None:
        """Store what a scan took from one artifact (see `get_items`). `blobs`: id(item) → its
        `dumps` bytes where the caller has them (`Pipeline.take_blob`), stored without pickling
        the item again."""
        self._store(self._items_path(identity), items, blobs)

    # -- whole scans ----------------------------------------------------------------------------
    def _scan_dir(self, key: str) -> str:
        return os.path.join(self._dir, SCANS_DIR, key)

    def get_scan(self, key: str) -> tuple[Path, dict] | None:
        """(directory, metadata) of the scan `put_scan` stored under `key`; None on a miss. An entry
        whose metadata is unreadable counts in `stats.errors` and is removed."""
        d = self._scan_dir(key)
        meta = self._load(os.path.join(d, SCAN_META), dict, json.load, "r", lambda: shutil.rmtree(d, ignore_errors=True))
        if meta is None:
            return None
        _touch(d)
        return Path(d), meta

    def put_scan(self, key: str, write) -> None:
        """Store a scan under `key`: `write(directory)` fills a new private directory with the scan's
        files and returns its metadata (JSON-serializable), then the directory is renamed into place,
        so a reader sees a whole entry or none. An entry already there is kept. Any error (in `write`
        too) leaves no entry and counts in `stats.errors`."""
        if not self.writable:
            return
        parent = os.path.join(self._dir, SCANS_DIR)
        tmp = None
        try:
            os.makedirs(parent, mode=0o700, exist_ok=True)
            tmp = tempfile.mkdtemp(prefix=".tmp-", dir=parent)
            meta = write(Path(tmp))
            with open(os.path.join(tmp, SCAN_META), "w", encoding="utf-8") as fh:
                json.dump(meta, fh)
            try:
                os.rename(tmp, self._scan_dir(key))
            except OSError:
                if not os.path.isdir(self._scan_dir(key)):
                    raise
                return  # another scan stored the same entry first
            tmp = None
            self.stats.writes += 1
        except Exception:  # noqa: BLE001 - scan on without the entry
            self.stats.errors += 1
        finally:
            if tmp is not None:
                shutil.rmtree(tmp, ignore_errors=True)

    def drop_scan(self, key: str) -> None:
        """Remove the scan entry under `key` (one that failed to load); counts in `stats.errors`."""
        self.stats.errors += 1
        shutil.rmtree(self._scan_dir(key), ignore_errors=True)


def open_cache(root: Path | None, fp: str | None) -> ExtractionCache | None:
    """The cache directory for fingerprint `fp` under `root` (default `default_cache_dir()`); None when
    `fp` is None or the directory cannot be created."""
    if fp is None:
        return None
    root = Path(root) if root is not None else default_cache_dir()
    try:
        root.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError:
        return None
    return ExtractionCache(root, fp)


@dataclass(frozen=True, slots=True)
class CacheInfo:
    """Size of a cache directory."""

    root: Path
    fingerprints: int
    """Fingerprint directories (one per pack set / auditor build / options seen; memo namespaces
    are not counted, their entries are)."""
    entries: int
    bytes: int


def cache_info(root: Path | None = None) -> CacheInfo:
    """Count the entries and bytes under `root` (default `default_cache_dir()`)."""
    root = Path(root) if root is not None else default_cache_dir()
    fps = entries = size = 0
    base = root / f"v{CACHE_FORMAT}"
    if base.is_dir():
        for fp_dir in base.iterdir():
            if not fp_dir.is_dir():
                continue
            fps += "-" not in fp_dir.name  # memo namespaces are `<namespace>-<digest>`
            for dirpath, _, files in os.walk(fp_dir):
                in_scan = os.path.basename(os.path.dirname(dirpath)) == SCANS_DIR  # a whole scan: one entry
                for f in files:
                    p = os.path.join(dirpath, f)
                    try:
                        size += os.stat(p).st_size
                    except OSError:
                        pass
                    if in_scan:
                        entries += f == SCAN_META
                    elif f == RESULTS_DB:
                        entries += _count_rows(p)
                    elif not f.startswith(".tmp-") and not f.startswith(RESULTS_DB):  # its -wal, -shm
                        entries += 1
    return CacheInfo(root, fps, entries, size)


def _count_rows(path: str) -> int:
    """Entries in a results database (0 if it cannot be read)."""
    try:
        conn = sqlite3.connect(Path(path).resolve().as_uri() + "?mode=ro", uri=True, timeout=BUSY_SECONDS)
        try:
            return conn.execute("SELECT count(*) FROM results").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def clear_cache(root: Path | None = None) -> CacheInfo:
    """Delete every entry under `root` (default `default_cache_dir()`). Returns what was there."""
    root = Path(root) if root is not None else default_cache_dir()
    info = cache_info(root)
    for child in (root / f"v{n}" for n in range(1, CACHE_FORMAT + 1)):
        shutil.rmtree(child, ignore_errors=True)
    return info


# -- size limit ----------------------------------------------------------------------------------
MAX_MB_ENV = "AUDITOR_CACHE_MAX_MB"
DEFAULT_MAX_MB = 2048
"""The cache's default size limit in MiB: about 180 releases of gemini-cli-core's size (11 MB each:
file results, the whole artifact, the stored scan)."""
PRUNE_TO = 0.8
"""A cache over its limit is pruned to this share of it, so the next scans do not prune again."""
STALE_TMP_SECONDS = 24 * 3600
"""A `.tmp-*` directory this old is a write that never finished (a killed scan): pruned first."""


def max_cache_bytes() -> int | None:
    """The cache's size limit in bytes from `AUDITOR_CACHE_MAX_MB` (MiB, default `DEFAULT_MAX_MB`);
    None when it is 0 (no limit). Raises ConfigError for a value that is not a whole number ≥ 0."""
    raw = os.environ.get(MAX_MB_ENV, "").strip()
    if not raw:
        return DEFAULT_MAX_MB * 1024 * 1024
    try:
        mb = int(raw)
    except ValueError:
        mb = -1
    if mb < 0:
        from auditor.errors import ConfigError

        raise ConfigError(f"{MAX_MB_ENV}={raw!r}: expected a size in MiB (a whole number; 0 for no limit)")
    return mb * 1024 * 1024 if mb else None


def _touch(path: str) -> None:
    """Mark a cache unit as used now (its modification time is its last use, see `prune`)."""
    with contextlib.suppress(OSError):
        os.utime(path)


@dataclass(frozen=True, slots=True)
class _Unit:
    """What `prune` removes at once: paths, their bytes, and the last time one of them was used
    (written, or touched by a hit), in seconds since the epoch."""

    paths: tuple[str, ...]
    size: int
    used: float


def _tree(path: str) -> tuple[int, float]:
    """(bytes, newest modification time) of a file, or of a directory and everything in it."""
    try:
        st = os.stat(path)
    except OSError:
        return 0, 0.0
    if not stat.S_ISDIR(st.st_mode):
        return st.st_size, st.st_mtime
    size, used = 0, st.st_mtime
    for dirpath, _, files in os.walk(path):
        for f in files:
            with contextlib.suppress(OSError):
                fst = os.stat(os.path.join(dirpath, f))
                size += fst.st_size
                used = max(used, fst.st_mtime)
    return size, used


def _units(root: Path, now: float) -> list[_Unit]:
    """Every prunable unit of the cache under `root`."""
    units: list[_Unit] = []
    current = f"v{CACHE_FORMAT}"
    try:
        versions = [e for e in os.scandir(root) if e.is_dir() and e.name.startswith("v") and e.name[1:].isdigit()]
    except OSError:
        return units
    for v in versions:
        if v.name != current:  # an older cache format: this auditor never reads it
            units.append(_Unit((v.path,), _tree(v.path)[0], 0.0))
            continue
        try:
            fps = [fp for fp in os.scandir(v.path) if fp.is_dir()]
        except OSError:
            continue
        for fp in fps:
            try:
                units.extend(_fingerprint_units(fp, now))
            except OSError:  # removed meanwhile (another scan pruning, `cache --clear`)
                continue
    return units


def _fingerprint_units(fp: os.DirEntry, now: float) -> list[_Unit]:
    """The units of one fingerprint (or memo namespace) directory: each stored scan, each whole
    artifact, and the rest together (file results, memo entries)."""
    units: list[_Unit] = []
    rest: list[str] = []
    rest_size, rest_used = 0, fp.stat().st_mtime  # the directory is touched when a scan opens it
    for child in os.scandir(fp.path):
        if child.name in (SCANS_DIR, "artifacts") and child.is_dir():
            for entry in os.scandir(child.path):
                size, used = _tree(entry.path)
                if entry.name.startswith(".tmp-"):  # a write in progress, or one that never finished
                    if now - used < STALE_TMP_SECONDS:
                        continue
                    used = 0.0
                units.append(_Unit((entry.path,), size, used))
        else:
            size, used = _tree(child.path)
            rest.append(child.path)
            rest_size += size
            rest_used = max(rest_used, used)
    if rest:
        units.append(_Unit(tuple(rest), rest_size, rest_used))
    return units


@dataclass(frozen=True, slots=True)
class PruneResult:
    """What `prune` did."""

    removed: int
    """Units removed (stored scans, whole artifacts, memo namespaces, fingerprints' file results)."""
    freed: int
    """Bytes removed."""
    size: int
    """Bytes left in the cache."""


def prune(root: Path | None = None, max_bytes: int | None = None, since: float | None = None) -> PruneResult:
    """Bring the cache under `root` (default `default_cache_dir()`) within `max_bytes` (default
    `max_cache_bytes()`; None: no limit): when it holds more, remove the least recently used units
    until it holds at most `PRUNE_TO` of the limit. Units used at or after `since` (seconds since
    the epoch: a scan's start) are kept whatever their size. Never raises for I/O problems: what
    cannot be removed is left (a concurrent scan that loses an entry meanwhile misses it)."""
    root = Path(root) if root is not None else default_cache_dir()
    limit = max_cache_bytes() if max_bytes is None else max_bytes
    now = time.time()
    units = _units(root, now)
    total = sum(u.size for u in units)
    if limit is None or total <= limit:
        return PruneResult(0, 0, total)
    removed = freed = 0
    for unit in sorted(units, key=lambda u: u.used):
        if total - freed <= limit * PRUNE_TO:
            break
        if since is not None and unit.used >= since:
            continue
        for p in unit.paths:
            if os.path.isdir(p) and not os.path.islink(p):
                shutil.rmtree(p, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    os.unlink(p)
        removed += 1
        freed += unit.size
    return PruneResult(removed, freed, total - freed)


# -- memos for other pure per-file stages ---------------------------------------------------------
ACTIVE_ROOT: Path | None = None
"""Cache root of the scan running in this process (set by `parallel.Pipeline.run` while it pulls
files from the sources), None when the scan runs without a cache. Stages that run inside the
sources (an archive reader's secret scan) memoize through `memo()` only while it is set."""


class Memo:
    """Pickled values by key in one namespace directory (same guarantees as the extraction cache:
    atomic writes, unreadable entries are misses, never raises for I/O)."""

    def __init__(self, directory: Path):
        self.dir = str(directory)

    @staticmethod
    def key(*parts: str | bytes) -> str:
        """sha256 over the parts (strings are UTF-8 encoded)."""
        h = hashlib.sha256()
        for part in parts:
            h.update(part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part)
            h.update(b"\0")
        return h.hexdigest()

    def _path(self, key: str) -> str:
        return os.path.join(self.dir, key[:2], key[2:])

    def get(self, key: str):
        """The stored value, or None."""
        try:
            with open(self._path(key), "rb") as fh:
                return pickle.load(fh)
        except Exception:  # noqa: BLE001 - missing or unreadable: a miss
            return None

    def put(self, key: str, value) -> None:
        """Store `value` (atomically); errors are ignored."""
        with contextlib.suppress(Exception):  # best effort
            _write_atomic(self._path(key), value)


def memo(namespace: str, version: str = "") -> Memo | None:
    """The memo for `namespace` (a stage name) at `version` (what else its results depend on, e.g. a
    library version) under the active scan's cache root; None when no scan with a cache is running.
    The directory also changes with the auditor's version and code digest."""
    root = ACTIVE_ROOT
    if root is None:
        return None
    fp = hashlib.sha256(f"{CACHE_FORMAT}\0{__version__}\0{code_digest()}\0{namespace}\0{version}".encode()).hexdigest()
    return Memo(root / f"v{CACHE_FORMAT}" / f"{namespace}-{fp[:24]}")
