#!/usr/bin/env python3
"""Compare every table of two auditor databases, row for row.

    python benchmarks/compare_tables.py BEFORE.duckdb AFTER.duckdb [--scan-a ID] [--scan-b ID] [--ignore TABLE.COLUMN ...]

For a change that must not alter results (a refactoring, a speed-up): scan the same target with the
old and the new code into two databases, then compare. Every base table is compared; tables with a
`scan_id` column only for the scan compared (default: the newest in each database). Columns that
differ between two runs by construction are left out: `scan_id`, times and durations (`*_at`,
`duration_s`), and those named with `--ignore` (e.g. `scans.config_path` when the two runs read
the configuration from two checkouts). Rows are compared as sorted lists, so the insertion order does not matter, and
duplicates count. Prints one line per table and the first differing rows; exits 1 when a table
differs, 0 when all hold the same rows.
"""

from __future__ import annotations

import argparse
import sys

import duckdb

VOLATILE = {"scan_id", "duration_s"}


def _columns(conn: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """Base table → its columns, in table order."""
    out: dict[str, list[str]] = {}
    for table, column in conn.execute(
        "SELECT table_name, column_name FROM duckdb_columns() WHERE schema_name = 'main' AND table_name IN "
        "(SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main') ORDER BY table_name, column_index"
    ).fetchall():
        out.setdefault(table, []).append(column)
    return out


def table_rows(conn: duckdb.DuckDBPyConnection, table: str, columns: list[str], scan_id: int,
               ignore: frozenset[str] = frozenset()) -> list[tuple]:
    """The table's rows (of `scan_id` when it has a scan_id column) without the volatile columns and
    the `ignore`d ones (`table.column`), sorted."""
    keep = [c for c in columns if c not in VOLATILE and not c.endswith("_at") and f"{table}.{c}" not in ignore]
    where = f" WHERE scan_id = {int(scan_id)}" if "scan_id" in columns else ""
    rows = conn.execute(f"SELECT {', '.join(f'{chr(34)}{c}{chr(34)}' for c in keep)} FROM \"{table}\"{where}").fetchall()
    return sorted(rows, key=repr)


def compare(a_path: str, b_path: str, scan_a: int | None = None, scan_b: int | None = None,
            ignore: frozenset[str] = frozenset(), show: int = 5) -> int:
    """Print the comparison; returns the number of tables that differ (a table missing on one side
    counts)."""
    a = duckdb.connect(a_path, read_only=True)
    b = duckdb.connect(b_path, read_only=True)
    try:
        scan_a = scan_a or a.execute("SELECT max(scan_id) FROM scans").fetchone()[0]
        scan_b = scan_b or b.execute("SELECT max(scan_id) FROM scans").fetchone()[0]
        cols_a, cols_b = _columns(a), _columns(b)
        differing = 0
        for table in sorted(set(cols_a) | set(cols_b)):
            if table not in cols_a or table not in cols_b:
                print(f"{table:24} ONLY IN {'THE SECOND' if table in cols_b else 'THE FIRST'} DATABASE (a table added or removed)")
                differing += 1
                continue
            if cols_a[table] != cols_b[table]:
                print(f"{table:24} DIFFERENT COLUMNS: {cols_a[table]} vs {cols_b[table]}")
                differing += 1
                continue
            ra = table_rows(a, table, cols_a[table], scan_a, ignore)
            rb = table_rows(b, table, cols_b[table], scan_b, ignore)
            if ra == rb:
                print(f"{table:24} {len(ra):>8} rows  identical")
                continue
            differing += 1
            seen_a, seen_b = {repr(r) for r in ra}, {repr(r) for r in rb}  # rows may hold lists: compared by repr
            only_a = [r for r in ra if repr(r) not in seen_b]
            only_b = [r for r in rb if repr(r) not in seen_a]
            print(f"{table:24} {len(ra):>8} vs {len(rb)} rows  DIFFERENT ({len(only_a)} only before, {len(only_b)} only after)")
            for r in only_a[:show]:
                print(f"    - {r}")
            for r in only_b[:show]:
                print(f"    + {r}")
        return differing
    finally:
        a.close()
        b.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("before")
    ap.add_argument("after")
    ap.add_argument("--scan-a", type=int, help="scan id in BEFORE (default: the newest)")
    ap.add_argument("--scan-b", type=int, help="scan id in AFTER (default: the newest)")
    ap.add_argument("--ignore", action="append", default=[], metavar="TABLE.COLUMN", help="leave this column out too (repeatable)")
    args = ap.parse_args()
    differing = compare(args.before, args.after, args.scan_a, args.scan_b, frozenset(args.ignore))
    print("all tables identical" if not differing else f"{differing} table(s) differ")
    sys.exit(1 if differing else 0)


if __name__ == "__main__":
    main()
