#!/usr/bin/env python3
"""Time a full scan against a tree-sitter parse-only pass over the same files, in the same run.

    python benchmarks/bench_scan.py PATH [PATH ...] [--config FILE] [--repeat N] [--jobs N] [--db FILE]

PATH is anything `auditor scan` takes (directories, source files). Both passes see exactly the
files the scan sees (same target readers, `.gitignore`, excludes and `max_file_bytes`):

- parse-only: read each file and parse it with its tree-sitter grammar, nothing else;
- full scan: `auditor.scan.run_scan` — query packs, extraction, key resolution, rules and the
  DuckDB write transaction — into a fresh database, with no extraction cache.

Prints files, bytes, both times (best of --repeat runs) and the ratio full / parse-only, i.e. what
the auditor costs on top of parsing.
"""

from __future__ import annotations

import argparse
import inspect
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

import tree_sitter  # noqa: E402

from auditor.config import Config, load_config  # noqa: E402
from auditor.languages import grammar  # noqa: E402
from auditor.scan import effective_config, run_scan  # noqa: E402
from inputs import parsed_inputs  # noqa: E402


def parse_only(targets: list[str], config: Config) -> tuple[float, int, int]:
    """(seconds, files, bytes) for reading and parsing every file the scan would parse."""
    parsers: dict[str, tree_sitter.Parser] = {}
    files = size = 0
    t0 = time.perf_counter()
    for target in targets:
        for language, data in parsed_inputs(target, config):
            parser = parsers.get(language)
            if parser is None:
                parser = parsers[language] = tree_sitter.Parser(grammar(language))
            parser.parse(data)
            files += 1
            size += len(data)
    return time.perf_counter() - t0, files, size


def full_scan(targets: list[str], config: Config, db: Path | None, jobs: int | None) -> tuple[float, object]:
    """(seconds, summary) for one full scan into `db` (a fresh temporary database by default).

    No extraction cache: every file is extracted. `jobs` is passed on when `run_scan` takes it.
    """
    kwargs = {"jobs": jobs} if jobs is not None and "jobs" in inspect.signature(run_scan).parameters else {}
    with tempfile.TemporaryDirectory(prefix="auditor-bench-") as tmp:
        path = db or Path(tmp) / "bench.duckdb"
        if path.exists():
            path.unlink()
        t0 = time.perf_counter()
        summary = run_scan(targets, path, "bench", config, **kwargs)
        return time.perf_counter() - t0, summary


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("paths", nargs="+", help="directories or files to scan")
    ap.add_argument("--config", type=Path, help="auditor.toml / pyproject.toml (default: found upward)")
    ap.add_argument("--repeat", type=int, default=1, help="runs of each pass; the best time is reported")
    ap.add_argument("--db", type=Path, help="database for the full scan (default: a temporary one; replaced)")
    ap.add_argument("--jobs", type=int, help="extraction worker processes for the scan (default: the scan's own default)")
    args = ap.parse_args(argv)

    config = load_config(args.config) if args.config else effective_config(args.paths, None)
    parse_s = scan_s = float("inf")
    files = size = 0
    summary = None
    for _ in range(max(1, args.repeat)):
        p, files, size = parse_only(args.paths, config)
        parse_s = min(parse_s, p)
        s, summary = full_scan(args.paths, config, args.db, args.jobs)
        scan_s = min(scan_s, s)

    print(f"targets      {' '.join(args.paths)}")
    print(f"files        {files}")
    print(f"bytes        {size} ({size / 1e6:.1f} MB)")
    print(f"parse only   {parse_s:.2f}s")
    print(f"full scan    {scan_s:.2f}s  ({summary.reads} reads, {summary.definitions} definitions, {summary.diagnostics} diagnostics)")
    stats = getattr(summary, "pipeline", None)
    if stats is not None:
        print(f"pipeline     {stats}")
    print(f"ratio        {scan_s / parse_s:.2f}x" if parse_s > 0 else "ratio        n/a")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
