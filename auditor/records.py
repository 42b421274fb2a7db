"""Extraction results as bytes, and at another path: how a worker's results travel to the scan's
process and how the extraction cache (`auditor.cache`) stores them.

Records (the auditor's slotted dataclasses) are pickled as (class, field values), and every string
that could hold a detected credential is redacted first (`auditor.redact`): no pickle leaving a
worker, and so no cache entry, holds one. Loading is `pickle.loads`.
"""

from __future__ import annotations

import dataclasses
import io
import pickle
from typing import Any

from auditor.models import FileResult
from auditor.redact import clean_record, suspects

loads = pickle.loads
"""Load what `dumps`/`dumps_many` wrote."""


def rebind(result: FileResult, path: str, origin: str) -> FileResult:
    """`result` with its path and origin, and every record's equal `path`/`origin` field, replaced;
    `result` itself when nothing changes. A record family that keeps the file's path must keep it in
    fields named `path` and `origin` (every record in `models` and `extract/` does)."""
    old_path, old_origin = result.path, result.origin
    if old_path == path and old_origin == origin:
        return result

    def fix(rec):
        if not dataclasses.is_dataclass(rec) or isinstance(rec, type):
            return rec
        changes = {"path": path} if getattr(rec, "path", None) == old_path else {}
        if getattr(rec, "origin", None) == old_origin:
            changes["origin"] = origin
        return dataclasses.replace(rec, **changes)

    families = {f: [fix(r) for r in getattr(result, f)] for f in ("reads", "symbols", "imports", "registries", "diagnostics")}
    extra = {k: [fix(r) for r in v] for k, v in result.extra.items()}
    return dataclasses.replace(result, path=path, origin=origin, extra=extra, **families)


@dataclasses.dataclass(frozen=True, slots=True)
class FileRef:
    """In an artifact's cache entry, one file's result: the key of that file's own entry, and the
    path and origin to rebind it to (`rebind`)."""

    key: str
    path: str
    origin: str


_FIELDS: dict[type, tuple[str, ...] | None] = {}


def _fields(cls: type) -> tuple[str, ...] | None:
    """The field names of an auditor record class with `__slots__`; None for any other class."""
    if cls not in _FIELDS:
        slotted = dataclasses.is_dataclass(cls) and "__slots__" in cls.__dict__ and cls.__module__.startswith("auditor.")
        _FIELDS[cls] = tuple(f.name for f in dataclasses.fields(cls)) if slotted else None
    return _FIELDS[cls]


def _rebuild(cls: type, values: tuple):
    """A record from its field values (see `_Pickler`)."""
    obj = object.__new__(cls)
    for name, value in zip(_fields(cls), values):
        object.__setattr__(obj, name, value)
    return obj


class _Pickler(pickle.Pickler):
    """Pickles the auditor's records (slotted dataclasses) as (class, field values): loading one is a
    loop over known field names, where the generic `__setstate__` of a slotted dataclass looks its
    fields up again for every object (3x slower: most of a rescan's CPU on an artifact)."""

    def reducer_override(self, obj):
        names = _fields(type(obj))
        return NotImplemented if names is None else (_rebuild, (type(obj), tuple(getattr(obj, n) for n in names)))


def dumps(obj: Any) -> bytes:
    """`obj` pickled as the cache stores it (records as class and field values), every string in it
    redacted (`redact.clean_record`): no cache file holds a detected credential. See `dumps_many`."""
    return dumps_many([obj])[0]


def dumps_many(objs: list) -> list[bytes]:
    """`[dumps(o) for o in objs]`, pickling each object as it is and redacting (`redact.clean_record`)
    only those whose pickle `redact.suspects` finds something in: one RE2 pass over all of them
    instead of a walk of every record (0.8 → 0.1 s for gemini-cli-core's 1,781 files)."""
    blobs = [_pickled(o) for o in objs]
    for i in suspects(blobs):
        blobs[i] = _pickled(clean_record(objs[i]))
    return blobs


def _pickled(obj: Any) -> bytes:
    buf = io.BytesIO()
    _Pickler(buf, protocol=5).dump(obj)
    return buf.getvalue()
