"""Release artifacts as targets: npm tarballs, wheels, sdists, tar and zip files, single bundles and
source maps.

`ArtifactSource.iter_files` streams, for each artifact (and each archive nested one level inside):

- an `Entry` per file (kind, size, sha256, allowlist coverage), and for entries the auditor parses a
  `SourceFile` that goes through the same extraction as a source tree's files;
- `MapRef`, `SourceMapInfo` and `MapSource` rows for `sourceMappingURL` comments and source maps,
  and a `SourceFile` for each first-party source rebuilt from `sourcesContent`, with origin
  `source map: <map path>`;
- the facts the ART rules (`auditor/rules/ART*`) decide from: `Refusal`, `MapProblem`, `SecretHit`,
  `BundlerMetadataFile` and `EntryFact` rows; a `Diagnostic` for every refused or unreadable entry
  and malformed map; and last the `Artifact` row. No reader decides a rule.

Nothing in an artifact is executed or imported, and nothing is written outside a private temp dir
(removed when the iteration ends). Bad content never raises: it is refused, with a diagnostic and a
refusal, and the rest of the artifact (and every other target) is still scanned.

This module is what a target needs to be named, identified and cached; the walk over the
artifact is `auditor.sources.walk`, the readers by format `tarball`, `ziparchive` and `bundle`,
the format table `formats`.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from auditor.config import Config
from auditor.models import Diagnostic, Severity
from auditor.sources.formats import BUNDLE_SUFFIXES, TAR_SUFFIXES, ZIP_SUFFIXES, artifact_format, sha256_file
from auditor.sources.interface import ArtifactItem
from auditor.sources.limits import Limits
from auditor.sources.walk import ArtifactWalk

__all__ = ["BUNDLE_SUFFIXES", "TAR_SUFFIXES", "ZIP_SUFFIXES", "ArtifactSource", "artifact_format", "sha256_file"]


class ArtifactSource:
    """A release artifact on disk (or fetched into a private temp dir by `fetch`)."""

    def __init__(self, target: str, path: Path | None, fmt: str, config: Config, fetch: Callable[[Path], Path] | None = None):
        """`fmt` is tar, zip, bundle or source-map; `fetch(tmpdir) -> Path` downloads the artifact
        (npm specs) when `path` is None."""
        self.name = target
        self.target = target
        self.path = path
        self.fmt = fmt
        self.config = config
        self.limits = Limits.from_config(config.extra)
        self.fetch = fetch
        self._sha: str | None = None

    def count(self) -> int | None:
        """Unknown up front (entries and rebuilt sources are found while reading)."""
        return None

    def file_sha256(self) -> str:
        """SHA-256 of the artifact file (read once per source)."""
        if self._sha is None:
            self._sha = sha256_file(self.path)
        return self._sha

    def cache_identity(self) -> str | None:
        """What everything read from this artifact depends on, besides the extraction cache's
        fingerprint (auditor, packs, grammars, options): the archive's bytes, the target as written
        (it names the artifact in stored rows), the limits and the secret detector's version. None
        when the artifact is not self-contained (a bundle reads its sibling map) or is downloaded."""
        if self.path is None or self.fmt not in ("tar", "zip"):
            return None
        from auditor.sources.secrets import detect_secrets_version

        return "|".join((self.file_sha256(), self.target, self.fmt, repr(self.limits), str(self.config.max_file_bytes),
                         repr(self.config.exclude), detect_secrets_version()))

    def iter_files(self) -> Iterator[ArtifactItem]:
        """Rebuilt sources and entries to extract, diagnostics, artifact rows and facts (see module doc)."""
        workdir = tempfile.mkdtemp(prefix="auditor-artifact-")
        try:
            path = self.path if self.path is not None else self.fetch(Path(workdir))
            sha = self.file_sha256() if path == self.path else sha256_file(path)  # else: downloaded
            yield from ArtifactWalk(self.target, self.fmt, self.limits, self.config.max_file_bytes, path, sha, workdir).run()
        except Exception as exc:  # noqa: BLE001 - the last safety net: never stop other targets
            yield Diagnostic(self.target, "artifact-failed", f"internal error while reading the artifact: {type(exc).__name__}: {exc}", Severity.ERROR)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
