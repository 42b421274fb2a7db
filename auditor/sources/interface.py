"""What every target reader provides: a stream of SourceFiles plus diagnostics for what it skipped."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from auditor.models import Diagnostic, Finding, SourceFile


class Source(Protocol):
    """A readable target (directory, archive, bundle, source map).

    `iter_files` yields `SourceFile` for every file the auditor parses, `Diagnostic` for anything
    it refused or could not read, and `Finding` for what a reader itself detects (a shipped env file); it never raises for bad *content*, only `TargetError` when the
    target as a whole cannot be opened.
    """

    name: str
    """Display name of the target (path or npm spec)."""

    def count(self) -> int | None:
        """Number of parseable files expected (for a progress bar), or None when unknown up front."""

    def iter_files(self) -> Iterator[SourceFile | Diagnostic | Finding]:
        """Yield parseable files, diagnostics and findings, in a deterministic order."""

    # Optional: `cache_identity() -> str | None`, for a source whose whole output depends only on
    # the returned string (and the extraction fingerprint): `run_scan` then caches that output
    # whole and replays it instead of reading the source (release archives, `sources.artifact`).
