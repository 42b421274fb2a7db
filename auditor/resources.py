"""Data directories shipped with the package (query packs, the dashboard).

A wheel holds each under `auditor/_<name>` (pyproject's `force-include`); a source checkout holds
it as `<name>/` beside the `auditor` package.
"""

from __future__ import annotations

from pathlib import Path


def shipped_dir(name: str, marker: str) -> Path | None:
    """`auditor/_<name>` in a wheel or `<name>/` in a checkout, the first holding the file
    `marker`; None when neither does."""
    here = Path(__file__).resolve().parent
    for candidate in (here / f"_{name}", here.parent / name):
        if (candidate / marker).is_file():
            return candidate
    return None
