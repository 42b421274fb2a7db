"""Shipped vs public: every flag and capability of a scan against where it was seen and whether the
manifest declares it public. The dashboard's "Shipped vs public" page and Overview exposure chart
read this; nothing else computes it.

Where a flag or capability was seen:
- `in_source`: in a plain file (a directory target);
- `shipped`: in an artifact entry; `in_bundle`: that entry is a bundle (or minified);
- `in_map`: in a file rebuilt from a source map's `sourcesContent`; `only_in_map`: there and nowhere else;
- `public`: the manifest declares it public (None without a manifest).

A **mismatch** needs a manifest: something present (shipped; for a directory scan, in source) that
is not public — for capabilities only those hidden, gated or of a kind the manifest lists — or
something only a source map reveals. Without a manifest nothing is a mismatch: there is nothing to
compare with.
"""

from __future__ import annotations

import duckdb


def _has(conn: duckdb.DuckDBPyConnection, *names: str) -> bool:
    found = {r[0] for r in conn.execute(
        "SELECT table_name FROM duckdb_tables() UNION SELECT view_name FROM duckdb_views()").fetchall()}
    return all(n in found for n in names)


def _dicts(cur) -> list[dict]:
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


_WHERE_SEEN = """
    bool_or(NOT x.from_map AND e.path IS NULL) AS in_source,
    bool_or(NOT x.from_map AND e.path IS NOT NULL) AS shipped,
    bool_or(NOT x.from_map AND coalesce(e.bundle, false)) AS in_bundle,
    bool_or(x.from_map) AS in_map
"""


def _status(r: dict, artifact_known: bool) -> str:
    public = r["public"]
    if r["only_in_map"]:
        return "only in source map"
    present = r["shipped"] if artifact_known else r["in_source"]
    where = ("shipped" if r["shipped"] else "source only") if artifact_known else "in source"
    if not present:
        return "public, not shipped" if public else where
    return where + {None: "", True: ", public", False: ", not public"}[None if public is None else bool(public)]


def shipped_vs_public(conn: duckdb.DuckDBPyConnection, scan_id: int) -> dict:
    """Flags and capabilities of scan `scan_id` against where they were seen and the manifest.

    Returns `flags` (dicts: key, provider, in_source, shipped, in_bundle, in_map, only_in_map,
    public, internal, reads, status, mismatch; mismatches first), `capabilities` (dicts: kind, name,
    hidden, gated, gate_keys, in_source, shipped, in_bundle, in_map, only_in_map, public,
    registrations, status, mismatch; or None when the database has no capability tables),
    `artifact_known` (the scan read artifact entries), `public_known` (a manifest was recorded),
    `notes` (what this scan cannot tell, in words). Works on databases of every schema version.
    """
    sid = int(scan_id)
    notes = []
    artifact_known = _has(conn, "entries") and bool(
        conn.execute("SELECT count(*) FROM entries WHERE scan_id = ?", [sid]).fetchone()[0])
    entries = (f"SELECT path, bool_or(kind = 'bundle' OR minified) AS bundle FROM entries WHERE scan_id = {sid} AND scanned GROUP BY path"
               if artifact_known else "SELECT NULL::VARCHAR AS path, NULL::BOOLEAN AS bundle WHERE false")
    if not artifact_known:
        notes.append("This scan has no artifact entries (its targets were directories, or the database predates "
                     "release scanning): `shipped` is unknown and what is in source is treated as what ships.")
    public_known = _has(conn, "manifests", "flag_status") and bool(
        conn.execute("SELECT count(*) FROM manifests WHERE scan_id = ?", [sid]).fetchone()[0])
    if not public_known:
        notes.append("No manifest recorded for this scan: `public` is unknown, so nothing is compared and nothing is "
                     "highlighted. `auditor init` writes a manifest of today's surface; `auditor check` compares with it.")
    public = ("coalesce((SELECT bool_or(p.public) FROM flag_status p WHERE p.scan_id = f.scan_id "
              "AND p.flag_key = f.flag_key AND p.provider = f.provider), false)") if public_known else "NULL::BOOLEAN"
    internal = ("coalesce((SELECT bool_or(p.internal) FROM flag_status p WHERE p.scan_id = f.scan_id "
                "AND p.flag_key = f.flag_key AND p.provider = f.provider), false)") if public_known else "NULL::BOOLEAN"
    flags = _dicts(conn.execute(f"""
        WITH e AS ({entries}),
        x AS (SELECT scan_id, flag_key, provider, path, origin LIKE 'source map:%' AS from_map
              FROM flag_reads WHERE scan_id = ? AND resolved),
        f AS (SELECT x.scan_id, x.flag_key, x.provider, {_WHERE_SEEN}, count(*) AS reads
              FROM x LEFT JOIN e ON e.path = x.path GROUP BY ALL)
        SELECT f.flag_key AS key, f.provider, in_source, shipped, in_bundle, in_map,
               in_map AND NOT shipped AND NOT in_source AS only_in_map, {public} AS public, {internal} AS internal, reads
        FROM f ORDER BY key, provider""", [sid]))
    for r in flags:
        present = r["shipped"] if artifact_known else r["in_source"]
        r["mismatch"] = public_known and bool(r["only_in_map"] or (present and not r["public"]))
        r["status"] = _status(r, artifact_known)
    flags.sort(key=lambda r: (not r["mismatch"], not r["only_in_map"], not r["shipped"], r["key"]))

    caps = None
    if _has(conn, "capability_inventory"):
        status_join = ("LEFT JOIN capability_status s ON s.scan_id = c.scan_id AND s.path = c.path AND s.cap_no = c.cap_no"
                       if public_known and _has(conn, "capability_status") else "")
        cap_public = "s.public" if status_join else "NULL::BOOLEAN"
        kind_declared = (f"EXISTS (SELECT 1 FROM manifest_entries m WHERE m.scan_id = {sid} "
                         "AND m.section = 'capability_kind' AND m.kind = x.kind)") if public_known else "false"
        caps = _dicts(conn.execute(f"""
            WITH e AS ({entries}),
            x AS (SELECT c.kind, c.name, c.hidden, len(c.gate_keys) > 0 AS gated, c.gate_keys, c.path,
                         c.origin LIKE 'source map:%' AS from_map, {cap_public} AS public
                  FROM capability_inventory c {status_join} WHERE c.scan_id = {sid})
            SELECT x.kind, x.name, bool_or(x.hidden) AS hidden, bool_or(x.gated) AS gated,
                   array_to_string(list_sort(list_distinct(flatten(list(x.gate_keys)))), ', ') AS gate_keys,
                   {_WHERE_SEEN},
                   bool_or(x.public) AS public, bool_or({kind_declared}) AS kind_declared, count(*) AS registrations
            FROM x LEFT JOIN e ON e.path = x.path GROUP BY x.kind, x.name ORDER BY x.kind, x.name"""))
        for r in caps:
            r["only_in_map"] = bool(r["in_map"] and not r["shipped"] and not r["in_source"])
            present = r["shipped"] if artifact_known else r["in_source"]
            r["mismatch"] = public_known and bool(
                r["only_in_map"] or (present and not r["public"] and (r["hidden"] or r["gated"] or r["kind_declared"])))
            r["status"] = _status(r, artifact_known) + (", hidden" if r["hidden"] else "") + (", gated" if r["gated"] else "")
        caps.sort(key=lambda r: (not r["mismatch"], not r["hidden"], not r["gated"], r["kind"], r["name"]))
    return {"flags": flags, "capabilities": caps, "artifact_known": artifact_known, "public_known": public_known, "notes": notes}


STAGES = ("exists in sources", "ships in bundles", "only a map reveals", "manifest says public")
"""The exposure chart's stages, in order."""


def exposure(view: dict) -> list[dict]:
    """The exposure funnel of a `shipped_vs_public` view: for flags and capabilities, how many
    exist in sources (seen anywhere), ship in bundles, only a source map reveals, and the manifest
    says are public. Rows: stage, what (`flags` | `capabilities`), count (None when unknown:
    `manifest says public` without a manifest, `ships in bundles` without artifact entries)."""
    out = []
    for what, rows in (("flags", view["flags"]), ("capabilities", view["capabilities"] or [])):
        if what == "capabilities" and view["capabilities"] is None:
            continue
        counts = {
            "exists in sources": len(rows),
            "ships in bundles": sum(1 for r in rows if r["in_bundle"]) if view["artifact_known"] else None,
            "only a map reveals": sum(1 for r in rows if r["only_in_map"]),
            "manifest says public": sum(1 for r in rows if r["public"]) if view["public_known"] else None,
        }
        out += [{"stage": s, "what": what, "count": counts[s]} for s in STAGES]
    return out
