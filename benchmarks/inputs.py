"""What the benchmarks parse: exactly the files a scan extracts."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.config import Config
from auditor.languages import language_for
from auditor.models import SourceFile
from auditor.sources import open_target


def parsed_inputs(target: str, config: Config) -> Iterator[tuple[str, bytes]]:
    """(language, bytes) of every file `auditor scan TARGET` parses: the same readers, ignores,
    excludes and size limits; not the archive entries that are only searched for secrets."""
    for item in open_target(target, config).iter_files():
        if isinstance(item, SourceFile) and item.extract:
            language = language_for(item.path)
            if language is not None:
                yield language, item.data
