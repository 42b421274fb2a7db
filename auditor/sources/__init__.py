"""Target readers, one module per kind of input: `directory` (a source tree), `single_file` (one
source file), `artifact` (a release artifact: its walk in `walk`, its readers by format in
`tarball`, `ziparchive` and `bundle`, the format table in `formats`), `npm` (npm specs, package.json,
the `files` allowlist), `pypkg` (wheel and sdist metadata), `sourcemap` and `mappings` (source
maps), `bundler_meta`, `classify` and `secrets` (what an entry is and holds).

`open_target` picks the reader for a target string; every reader implements `interface.Source`.
No module here imports one that imports it back.
"""

from __future__ import annotations

from pathlib import Path

from auditor.config import Config
from auditor.errors import TargetError
from auditor.languages import language_for
from auditor.sources.directory import DirectorySource
from auditor.sources.interface import Source
from auditor.sources.single_file import SingleFileSource

__all__ = ["Source", "SingleFileSource", "open_target"]


def open_target(target: str, config: Config) -> Source:
    """The Source for a target string. Raises TargetError for a missing or unsupported target.

    A directory is walked as a source tree; `npm:NAME@VERSION` is downloaded with `npm pack` (no
    script runs) and read as an npm tarball; a .tgz/.tar.gz/.tar, .whl/.zip, .js/.mjs/.cjs bundle or
    .map file is read as a release artifact (see `sources.artifact`); any other file the auditor
    parses (.ts, .py ...) is scanned as a single source file.
    """
    if target.startswith("npm:"):
        return _npm_target(target, config)
    path = Path(target)
    if path.is_dir():
        from auditor.sources.limits import Limits

        limits = Limits.from_config(config.extra)
        return DirectorySource(path, config.exclude, config.max_file_bytes, secrets=limits.secrets,
                               max_secret_scan_bytes=limits.max_secret_scan_bytes)
    if path.is_file():
        from auditor.sources.artifact import ArtifactSource, artifact_format

        fmt = artifact_format(path)
        if fmt is not None:
            return ArtifactSource(target, path, fmt, config)
        if language_for(path.name) is not None:
            return SingleFileSource(path, config.max_file_bytes)
        raise TargetError(
            f"unsupported target: {target} (expected a directory, npm:NAME@VERSION, a .tgz/.tar.gz/.whl/.zip "
            "artifact, a .js bundle, a .map source map or a .ts/.py file)"
        )
    raise TargetError(f"target not found: {target}")


def _npm_target(target: str, config: Config) -> Source:
    """Download `npm:NAME@VERSION` now (so a missing package fails the scan before anything is
    written) into a private temp dir that the source removes when it has been read."""
    import shutil
    import tempfile
    import weakref

    from auditor.sources.artifact import ArtifactSource
    from auditor.sources.npm import npm_pack, valid_spec

    spec = target[len("npm:"):]
    valid_spec(spec)
    tmp = Path(tempfile.mkdtemp(prefix="auditor-npm-"))
    try:
        tarball = npm_pack(spec, tmp)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    source = ArtifactSource(target, tarball, "tar", config)
    weakref.finalize(source, shutil.rmtree, tmp, True)
    return source
