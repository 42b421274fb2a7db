"""What happens to one file handed to extraction, in a worker process or in the scan's own: the
secret search it asks for, then extraction of the original bytes (`process`); and the picklable
`ExtractorSpec` a worker builds its `Extractor` from, compiling a grammar's packs only when its first
file arrives (`LazyCompiled`). Scheduling files over workers is `auditor.parallel`'s."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from auditor.errors import AuditorError
from auditor.extract.engine import Extractor
from auditor.languages import language_for
from auditor.models import Diagnostic, FileResult, Severity, SourceFile
from auditor.queries import CompiledQuery, Pack, allowed_captures, compile_for, pack_set_hash, validate_captures
from auditor.sources.secrets import SecretScanner

_COMPILED: dict[tuple[str, str], CompiledQuery | None] = {}
"""`compile_for` results by language and pack content, so that a process scanning several times
(tests, `diff`, workers forked from it) compiles once per pack set (a Query is immutable once built)."""


class LazyCompiled:
    """The compiled queries an `Extractor` looks up by language (`get`), compiling a grammar's packs
    when its first file arrives: compiling every grammar takes about half a second, and a worker
    that only sees JavaScript compiles only that."""

    def __init__(self, packs: Iterable[Pack]):
        self.packs = list(packs)
        self._compiled: dict[str, CompiledQuery | None] = {}

    def get(self, language: str) -> CompiledQuery | None:
        """The compiled packs of `language`; None when no pack targets it."""
        if language not in self._compiled:
            key = (language, pack_set_hash([p for p in self.packs if language in p.languages]))
            if key not in _COMPILED:
                if len(_COMPILED) >= 16:
                    _COMPILED.clear()
                _COMPILED[key] = compile_for(language, self.packs)
            self._compiled[language] = _COMPILED[key]
        return self._compiled[language]


@dataclass(frozen=True)
class ExtractorSpec:
    """What a worker needs to build its Extractor: pack sources and the Extractor's other options.
    Picklable (packs are text, options plain data): compiled queries cannot cross processes."""

    packs: tuple[Pack, ...]
    options: dict[str, Any] = field(default_factory=dict)
    """Keyword arguments of `Extractor` besides the compiled queries (`registries`, `identifiers`);
    part of every cache key (`cache.CacheKeys`), so they must pickle deterministically."""

    def validate(self) -> None:
        """Raise QueryError for a capture name not declared in captures.toml (cheap, no compiling).
        A pack that does not compile raises QueryError when its grammar's first file is extracted."""
        allowed = allowed_captures()
        for p in self.packs:
            validate_captures(p, allowed)

    def precompile(self, languages: Iterable[str]) -> None:
        """Compile the packs of `languages` now, into this process's table of compiled queries that
        every Extractor it builds (or a process forked from it builds) takes them from."""
        compiled = LazyCompiled(self.packs)
        for language in languages:
            compiled.get(language)

    def build(self) -> Extractor:
        """A new Extractor (queries compiled lazily, per grammar)."""
        return Extractor(LazyCompiled(self.packs), **self.options)


_SCANNER: SecretScanner | None = None


def secret_scanner() -> SecretScanner:
    """This process's SecretScanner, built on first use (about 0.15 s: detect-secrets' plugins)."""
    global _SCANNER
    if _SCANNER is None:
        _SCANNER = SecretScanner()
    return _SCANNER


def process(extractor: Extractor, src: SourceFile) -> FileResult:
    """What a worker (or this process) does with one SourceFile: the secret search it asks for,
    then extraction of the same bytes (unless it asks for the search only). Never raises for
    bad input: problems become diagnostics."""
    found = []
    problems: list[Diagnostic] = []
    if src.secrets:
        try:
            # not memoized: the secrets go into this file's FileResult, which the cache keeps
            found = secret_scanner().scan(src.path, src.data.decode("utf-8", "replace"), bundle=src.secrets == "bundle", memoize=False)
        except Exception as exc:  # noqa: BLE001 - recorded, the file is still extracted
            problems.append(Diagnostic(src.path, "secret-scan-failed", f"internal error while searching for secrets: {type(exc).__name__}: {exc}",
                                       Severity.ERROR, origin=src.origin))
    if src.extract:
        res = extract_safely(extractor, src)
    else:
        res = FileResult(src.path, "", src.size if src.size >= 0 else len(src.data), "", src.origin, extracted=False)
    res.diagnostics[:0] = problems
    res.secrets = [(s.type, s.line) for s in found]
    return res


def failed_result(src: SourceFile, code: str, message: str) -> FileResult:
    """A FileResult with no records and one error diagnostic `code` (an internal error)."""
    res = FileResult(src.path, language_for(src.path) or "", src.size if src.size >= 0 else len(src.data),
                     hashlib.sha256(src.data).hexdigest(), src.origin, extracted=src.extract)
    res.diagnostics.append(Diagnostic(src.path, code, message, Severity.ERROR, origin=src.origin))
    return res


def extract_safely(extractor: Extractor, src: SourceFile) -> FileResult:
    """Extraction must not stop a scan: an unexpected internal error becomes a diagnostic."""
    try:
        return extractor.extract(src)
    except AuditorError:
        raise
    except Exception as exc:  # noqa: BLE001 - recorded, scan goes on
        return failed_result(src, "extract-failed", f"internal error while extracting: {type(exc).__name__}: {exc}")
