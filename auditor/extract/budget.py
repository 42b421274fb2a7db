"""The per-file work budget: extraction of one file stops, keeping what it found, once it has done
`limit` units of work (see docs/robustness.md).

A unit is one step of the extraction's own loops: a query match handled, a gate candidate or a
read in its condition examined, a move of the ancestor cursor (`syntax.Ancestry`). Counting work
instead of seconds keeps the records the same on a loaded machine and in every worker. Every
extraction step is linear in the file, so the default is far above what any real file needs: the
largest file of the development releases (gemini-cli's 13 MB `cli.js`) takes about ... units.
"""

from __future__ import annotations

DEFAULT_MAX_FILE_WORK = 50_000_000
"""Work units one file's extraction may take (`max_file_work` in `[tool.auditor]`)."""


class BudgetExceeded(Exception):
    """Raised by `WorkBudget.spend` once the budget is spent; `Extractor.extract` turns it into a
    `file-budget-exceeded` diagnostic and keeps the records found before."""


class WorkBudget:
    """Work units left for one file. `spend(n)` raises BudgetExceeded when they run out."""

    __slots__ = ("limit", "used")

    def __init__(self, limit: int = DEFAULT_MAX_FILE_WORK):
        self.limit = limit
        self.used = 0

    def spend(self, n: int = 1) -> None:
        """Count `n` units; raises BudgetExceeded when more than `limit` have been used."""
        self.used += n
        if self.used > self.limit:
            raise BudgetExceeded(f"extraction stopped after {self.limit:,} work units (max_file_work)")
