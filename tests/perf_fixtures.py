"""Generated projects and database helpers shared by the parallel, cache and export tests."""

from __future__ import annotations

from pathlib import Path

import duckdb

# Columns that differ between two scans of the same input by construction.
VOLATILE = {"scans": {"scan_id", "label", "started_at", "finished_at", "duration_s"}}


def make_project(root: Path, ts_files: int = 40, py_files: int = 30) -> Path:
    """A project big enough for the pipeline to start worker processes (more than
    `parallel.POOL_START_FILES` files), with cross-file keys, several SDKs, duplicated vendor files,
    a syntax error and a binary file."""
    src = root / "src"
    app = root / "app"
    vendor = root / "vendor"
    for d in (src, app, vendor / "a", vendor / "b"):
        d.mkdir(parents=True, exist_ok=True)
    members = "\n".join(f'  F{i} = "flag-{i}",' for i in range(ts_files))
    (src / "flags.ts").write_text(f"export enum Flag {{\n{members}\n}}\n")
    for i in range(ts_files):
        (src / f"mod{i:03}.ts").write_text(
            'import { Flag } from "./flags";\n'
            'import * as ld from "launchdarkly-node-server-sdk";\n'
            'const client = ld.init("sdk-key");\n'
            f"export async function handler{i}(user: any) {{\n"
            f"  if (await client.variation(Flag.F{i}, user, false)) {{\n"
            f'    return "on-{i}";\n'
            "  }\n"
            f"  return process.env.FEATURE_{i} ?? client.boolVariation(\"literal-{i % 7}\", user, true);\n"
            "}\n"
        )
    (app / "__init__.py").write_text("")
    (app / "flags.py").write_text("".join(f'PY_FLAG_{i} = "py-flag-{i}"\n' for i in range(py_files)))
    for i in range(py_files):
        (app / f"view{i:03}.py").write_text(
            "import os\n"
            "from UnleashClient import UnleashClient\n"
            "from app.flags import *\n"
            "client = UnleashClient()\n\n"
            f"def view{i}(request):\n"
            f"    if client.is_enabled(PY_FLAG_{i}):\n"
            f"        return {i}\n"
            f'    return os.environ.get("PY_ENV_{i}")\n'
        )
    shared = 'export function shared(c) { return c.variation("vendored-flag", {}, false); }\n'
    (vendor / "a" / "lib.js").write_text(shared)
    (vendor / "b" / "lib.js").write_text(shared)  # same bytes at another path: a duplicate
    (src / "broken.ts").write_text("export function (((\n")
    (src / "blob.js").write_bytes(b"\x00\x01binary")
    return root


def table_rows(db: Path | str) -> dict[str, list[tuple]]:
    """Every per-scan table's rows in storage order, without the scan id and volatile columns."""
    conn = duckdb.connect(str(db), read_only=True)
    try:
        tables = [r[0] for r in conn.execute(
            "SELECT DISTINCT c.table_name FROM information_schema.columns c JOIN information_schema.tables t "
            "USING (table_schema, table_name) WHERE c.column_name = 'scan_id' AND t.table_type = 'BASE TABLE' ORDER BY 1"
        ).fetchall()]
        out = {}
        for t in tables:
            drop = ", ".join(sorted(VOLATILE.get(t, {"scan_id"})))
            out[t] = conn.execute(f"SELECT * EXCLUDE ({drop}) FROM {t}").fetchall()
        return out
    finally:
        conn.close()
