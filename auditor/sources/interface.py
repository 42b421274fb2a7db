"""What every target reader provides: the `Source` protocol and, named and typed, everything a
source may yield.

Every source yields `SourceFile`s (what the auditor parses or searches for secrets) and
`Diagnostic`s (what it refused or could not read). A release artifact (`ArtifactSource`) also
yields the rows of the artifact tables (`ArtifactRow`), the facts the ART rules read (`FactRow`)
and, for each map with rebuilt sources, the generated file's bytes (`BundleText`, compared with
what the map reveals after extraction; not stored). A source never yields a finding: rules decide
findings from the stored rows (`auditor.rules`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol, TypeAlias

from auditor.models import (
    Artifact,
    BundlerMetadataFile,
    BundleText,
    Diagnostic,
    Entry,
    EntryFact,
    MapCoverage,
    MapProblem,
    MapRef,
    MapSource,
    Refusal,
    SecretHit,
    SourceFile,
    SourceMapInfo,
)

ArtifactRow: TypeAlias = Artifact | Entry | SourceMapInfo | MapSource | MapRef | MapCoverage
"""Rows of the artifact tables (schema 003 and 008): the artifact, its entries, its source maps,
their sources, `sourceMappingURL` comments and map coverage."""

FactRow: TypeAlias = Refusal | MapProblem | SecretHit | BundlerMetadataFile | EntryFact
"""Facts the ART rules read (schema 009): refusals, unreadable maps, secret hits, bundler metadata,
entry facts (content inspected, private key)."""

FileItem: TypeAlias = SourceFile | Diagnostic
"""What every source yields."""

ArtifactItem: TypeAlias = SourceFile | Diagnostic | ArtifactRow | FactRow | BundleText
"""What a release artifact source yields."""


class Source(Protocol):
    """A readable target (directory, archive, bundle, source map).

    `iter_files` never raises for bad *content* (it yields a `Diagnostic` and goes on), only
    `TargetError` when the target as a whole cannot be opened.
    """

    name: str
    """Display name of the target (path or npm spec)."""

    def count(self) -> int | None:
        """Number of parseable files expected (for a progress bar), or None when unknown up front."""

    def iter_files(self) -> Iterator[FileItem | ArtifactItem]:
        """Yield files, diagnostics and (artifact sources) rows and facts, in a deterministic order."""


class CachedSource(Source, Protocol):
    """A source whose whole output depends only on `cache_identity()` (and the extraction cache's
    key): `run_scan` caches that output whole and replays it instead of reading the source
    (release archives, `sources.artifact`)."""

    def cache_identity(self) -> str | None:
        """What everything read depends on, or None when it is not self-contained."""
