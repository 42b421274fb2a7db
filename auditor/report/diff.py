"""`auditor diff`: what changed between two scans (two releases, or two scans of one tree).

Flags, capabilities and entries added and removed, size jumps, and findings that are new (by
fingerprint, so a finding that only moved lines or sits in a chunk renamed by a new content hash is
not new) or gone.

Entries are compared by stable name (`auditor.identity.stable_name`: content hashes stripped); among
entries sharing a stable name, the old and new are paired by content (the flags and capabilities
found in them, then size), so `chunk-5FZXKDXH.js` → `chunk-Q2W3E4R5.js` is one renamed chunk, not
one added and one removed.

Each added flag or capability says how it came: `new-in-code`, or `newly-exposed` when the new
release shows it only in sources rebuilt from a source map, its identifying text is in the shipped
generated file (`bundle_presence`), and that file (by stable name) already shipped in the old
release without a readable map (no `sourcesContent` for it): the code was there, the new map or
entry only made it readable.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable

import duckdb

from auditor.identity import stable_name

SIZE_JUMP_FACTOR = 2.0
"""An entry whose size changed by this factor or more (either way) is a size jump."""
SIZE_JUMP_MIN_BYTES = 64 * 1024
"""... when the larger of its two sizes is at least this."""


def _set(conn: duckdb.DuckDBPyConnection, sql: str, scan_id: int) -> set[tuple]:
    return {tuple(r) for r in conn.execute(sql, [scan_id]).fetchall()}


def _table_exists(conn: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(conn.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]).fetchone()[0])


def _entries(conn: duckdb.DuckDBPyConnection, scan_id: int) -> tuple[str, dict[str, int], int]:
    """(source, path → size, total bytes): artifact entries when the scan read artifacts, else scanned files."""
    if _table_exists(conn, "entries"):
        rows = conn.execute("SELECT path, size FROM entries WHERE scan_id = ?", [scan_id]).fetchall()
        if rows:
            total = conn.execute("SELECT coalesce(sum(total_bytes), 0) FROM artifacts WHERE scan_id = ? AND parent IS NULL",
                                 [scan_id]).fetchone()[0]
            sizes = {p: int(s) for p, s in rows}
            return "entries", sizes, int(total) or sum(sizes.values())
    rows = conn.execute("SELECT path, size FROM files WHERE scan_id = ? AND origin = ''", [scan_id]).fetchall()
    sizes = {p: int(s) for p, s in rows}
    return "files", sizes, sum(sizes.values())


def _contents(conn: duckdb.DuckDBPyConnection, scan_id: int) -> dict[str, frozenset]:
    """Path → the flags and capabilities found in it (shipped code only): a chunk's content identity."""
    out: dict[str, set] = {}
    for path, item in conn.execute("""
            SELECT path, 'flag:' || flag_key FROM flag_reads WHERE scan_id = ? AND resolved AND origin = ''
            UNION SELECT path, kind || ':' || name FROM capabilities WHERE scan_id = ? AND origin = ''""",
                                   [scan_id, scan_id]).fetchall():
        out.setdefault(path, set()).add(item)
    return {p: frozenset(v) for p, v in out.items()}


def match_entries(old: dict[str, int], new: dict[str, int], old_content: dict[str, frozenset] | None = None,
                  new_content: dict[str, frozenset] | None = None) -> tuple[list[str], list[str], list[dict]]:
    """(added paths, removed paths, renamed) between two releases' entries (path → size).

    Paths are keyed by `stable_name`; where several old and new paths share one, they are paired
    greedily by the Jaccard similarity of their content sets (flags and capabilities found in them),
    then by size ratio. `renamed` items: old, new, stable, old_size, new_size, matched_by
    (`content` or `size`). Unpaired ones are added / removed."""
    old_content = old_content or {}
    new_content = new_content or {}
    by_old: dict[str, list[str]] = {}
    by_new: dict[str, list[str]] = {}
    for p in old:
        if p not in new:
            by_old.setdefault(stable_name(p), []).append(p)
    for p in new:
        if p not in old:
            by_new.setdefault(stable_name(p), []).append(p)
    added: list[str] = []
    removed: list[str] = []
    renamed: list[dict] = []
    for key in sorted(set(by_old) | set(by_new)):
        olds, news = by_old.get(key, []), by_new.get(key, [])
        pairs = []
        for o in olds:
            for n in news:
                a, b = old_content.get(o, frozenset()), new_content.get(n, frozenset())
                jac = len(a & b) / len(a | b) if a or b else 0.0
                so, sn = old[o], new[n]
                ratio = min(so, sn) / max(so, sn) if max(so, sn) else 1.0
                pairs.append((-jac, -ratio, o, n, "content" if jac > 0 else "size"))
        pairs.sort()
        used_o: set[str] = set()
        used_n: set[str] = set()
        for _, _, o, n, how in pairs:
            if o in used_o or n in used_n:
                continue
            used_o.add(o)
            used_n.add(n)
            renamed.append({"old": o, "new": n, "stable": key, "old_size": old[o], "new_size": new[n], "matched_by": how})
        removed.extend(o for o in olds if o not in used_o)
        added.extend(n for n in news if n not in used_n)
    renamed.sort(key=lambda r: r["new"])
    return sorted(added), sorted(removed), renamed


def _factor(a: int, b: int) -> float | None:
    return round(b / a, 2) if a else None


def size_jumps(old: dict[str, int], new: dict[str, int], renamed: list[dict]) -> list[dict]:
    """Entries (same path, or renamed pairs) whose size changed by SIZE_JUMP_FACTOR or more, largest
    factor first: path, old_size, new_size, factor (new / old)."""
    pairs = [(p, old[p], new[p]) for p in new if p in old] + [(r["new"], r["old_size"], r["new_size"]) for r in renamed]
    out = []
    for p, a, b in pairs:
        if max(a, b) >= SIZE_JUMP_MIN_BYTES and (min(a, b) == 0 or max(a, b) / min(a, b) >= SIZE_JUMP_FACTOR):
            out.append({"path": p, "old_size": a, "new_size": b, "factor": _factor(a, b)})
    return sorted(out, key=lambda r: (-(max(r["old_size"], r["new_size"]) / max(min(r["old_size"], r["new_size"]), 1)), r["path"]))


def _exposure(conn: duckdb.DuckDBPyConnection, old: int, new: int, old_paths: set[str]) -> tuple[dict, dict]:
    """(capability (kind, name) → 'newly-exposed' evidence, flag key → same) for things of scan
    `new` seen only in map-rebuilt sources whose text is in a generated file that the old scan
    already shipped (by stable name) with no readable map for it."""
    old_stable = {stable_name(p) for p in old_paths}
    old_base = {posixpath.basename(p) for p in old_stable}
    readable_before = {stable_name(g) for (g,) in conn.execute(
        "SELECT generated FROM source_maps WHERE scan_id = ? AND with_content > 0 AND generated IS NOT NULL", [old]).fetchall()}
    rows = conn.execute("""
        SELECT p.thing, p.subject, p.bundle, p.bundle_line, p.bundle_col
        FROM bundle_presence p WHERE p.scan_id = ? AND p.found""", [new]).fetchall()
    caps: dict = {}
    flags: dict = {}
    for thing, subject, bundle, line, col in rows:
        stable = stable_name(bundle.split("!/")[-1])
        if stable not in old_stable and posixpath.basename(stable) not in old_base:
            continue
        if stable in readable_before:
            continue
        where = {"bundle": bundle, "line": line, "col": col}
        if thing == "capability":
            kind, _, name = subject.partition(":")
            caps[(kind, name)] = where
        else:
            flags[subject] = where
    return caps, flags


def diff_scans(conn: duckdb.DuckDBPyConnection, old: int, new: int) -> dict:
    """Differences from scan `old` to scan `new` (a JSON-ready dict, lists sorted).

    Shape: `old`/`new` (scan_id, label), `flags` and `capabilities` (`added` items carry `how`:
    new-in-code | newly-exposed, and `exposed_at` for the latter), `entries` (`added`, `removed`,
    `renamed` pairs matched across content-hashed names, `size_jumps` with their factor), `size`
    (old, new, ratio), `gates`, `findings` (`new` by fingerprint, `gone` count)."""
    labels = dict(conn.execute("SELECT scan_id, label FROM scans WHERE scan_id IN (?, ?)", [old, new]).fetchall())
    fsql = "SELECT DISTINCT flag_key, provider FROM flag_reads WHERE scan_id = ? AND resolved"
    f_old, f_new = _set(conn, fsql, old), _set(conn, fsql, new)
    csql = "SELECT DISTINCT kind, name, hidden FROM capabilities WHERE scan_id = ?"
    c_old, c_new = _set(conn, csql, old), _set(conn, csql, new)
    names_old = {(k, n) for k, n, _ in c_old}
    names_new = {(k, n) for k, n, _ in c_new}
    hidden_old = {(k, n) for k, n, h in c_old if h}
    hidden_new = {(k, n) for k, n, h in c_new if h}
    src_old, e_old, size_old = _entries(conn, old)
    src_new, e_new, size_new = _entries(conn, new)
    added, removed, renamed = match_entries(e_old, e_new, _contents(conn, old), _contents(conn, new))
    shipped_only_in_map = {tuple(r) for r in conn.execute(
        "SELECT kind, name FROM capabilities WHERE scan_id = ? GROUP BY kind, name HAVING bool_and(origin LIKE 'source map:%')",
        [new]).fetchall()}
    flags_only_in_map = {r[0] for r in conn.execute(
        "SELECT flag_key FROM flag_reads WHERE scan_id = ? AND resolved GROUP BY flag_key HAVING bool_and(origin LIKE 'source map:%')",
        [new]).fetchall()}
    exposed_caps, exposed_flags = _exposure(conn, old, new, set(e_old))
    fp_sql = "SELECT fingerprint FROM findings WHERE scan_id = ? AND NOT suppressed"
    fp_old = {r[0] for r in conn.execute(fp_sql, [old]).fetchall()}
    cur = conn.execute("""
        SELECT rule_id, severity, subject, message, path, line, fingerprint FROM findings
        WHERE scan_id = ? AND NOT suppressed
        ORDER BY CASE severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, rule_id, path, line, subject""", [new])
    cols = [d[0] for d in cur.description]
    new_findings = [dict(zip(cols, r)) for r in cur.fetchall() if r[6] not in fp_old]
    fp_new = {r[0] for r in conn.execute(fp_sql, [new]).fetchall()}
    gsql = "SELECT count(*) FROM gates WHERE scan_id = ?"

    def how(exposed: dict, key, only_in_map: bool) -> dict:
        if only_in_map and key in exposed:
            return {"how": "newly-exposed", "exposed_at": exposed[key]}
        return {"how": "new-in-code"}

    def flags(s, label: bool = False):
        return [{"key": k, "provider": p, **(how(exposed_flags, k, k in flags_only_in_map) if label else {})} for k, p in sorted(s)]

    def caps(s, hidden, label: bool = False):
        return [{"kind": k, "name": n, "hidden": (k, n) in hidden,
                 **(how(exposed_caps, (k, n), (k, n) in shipped_only_in_map) if label else {})} for k, n in sorted(s)]

    return {
        "old": {"scan_id": old, "label": labels.get(old)},
        "new": {"scan_id": new, "label": labels.get(new)},
        "flags": {"added": flags(f_new - f_old, True), "removed": flags(f_old - f_new)},
        "capabilities": {
            "added": caps(names_new - names_old, hidden_new, True),
            "removed": caps(names_old - names_new, hidden_old),
            "now_hidden": [{"kind": k, "name": n} for k, n in sorted((hidden_new - hidden_old) & names_old)],
            "now_visible": [{"kind": k, "name": n} for k, n in sorted((hidden_old - hidden_new) & names_new)],
        },
        "entries": {
            "source": src_new if src_new == src_old else f"{src_old} → {src_new}",
            "added": added,
            "removed": removed,
            "renamed": renamed,
            "size_jumps": size_jumps(e_old, e_new, renamed),
        },
        "size": {"old": size_old, "new": size_new, "ratio": round(size_new / size_old, 3) if size_old else None},
        "gates": {"old": conn.execute(gsql, [old]).fetchone()[0], "new": conn.execute(gsql, [new]).fetchone()[0]},
        "findings": {"new": new_findings, "gone": len(fp_old - fp_new)},
    }


def change_lists(d: dict, name: Callable[[str], str], how: str, matched: str) -> list[tuple[str, str, list[str]]]:
    """The lists of a `diff_scans` dict as one line per item, for the text and Markdown reports.

    Returns (subject, change, items) in report order: subject `flags`, `capabilities`, the entries'
    source (`files`, `entries`), `now hidden`, `now visible`, `renamed (content hash)` or `size
    jumps`; change `added`, `removed`, or '' where the subject says what changed. `name` writes a
    key, name or path (Markdown: in backticks); `how` is the template (`str.format`) of an added
    item's `how` (`" · {}"`); `matched` the words before a rename's evidence (`matched by`)."""
    flags, caps, entries = d["flags"], d["capabilities"], d["entries"]

    def flag(f: dict) -> str:
        return f"{name(f['key'])} ({f['provider']})"

    def cap(c: dict) -> str:
        return f"{c['kind']} {name(c['name'])}"

    return [
        ("flags", "added", [flag(f) + how.format(f["how"]) for f in flags["added"]]),
        ("flags", "removed", [flag(f) for f in flags["removed"]]),
        ("capabilities", "added", [cap(c) + (" (hidden)" if c["hidden"] else "") + how.format(c["how"]) for c in caps["added"]]),
        ("capabilities", "removed", [cap(c) for c in caps["removed"]]),
        ("now hidden", "", [cap(c) for c in caps["now_hidden"]]),
        ("now visible", "", [cap(c) for c in caps["now_visible"]]),
        (entries["source"], "added", [name(p) for p in entries["added"]]),
        (entries["source"], "removed", [name(p) for p in entries["removed"]]),
        ("renamed (content hash)", "", [f"{name(r['old'])} → {name(r['new'])} ({matched} {r['matched_by']})" for r in entries["renamed"]]),
        ("size jumps", "", [f"{name(j['path'])} {j['old_size']:,} → {j['new_size']:,} bytes (×{j['factor']})"
                            for j in entries["size_jumps"]]),
    ]


def version_key(version: str | None) -> tuple:
    """Sort key of a release version: semver (`1.10.0` after `1.9.2`, `1.0.0-rc.1` before `1.0.0`),
    PEP 440-like `1.0rc1` too; None and unparsable versions sort first."""
    import re

    if not version:
        return (0,)
    core, _, pre = version.lstrip("vV").partition("-")
    m = re.match(r"^(\d+(?:\.\d+)*)(.*)$", core.split("+", 1)[0])
    if not m:
        return (0,)
    nums = tuple(int(x) for x in m.group(1).split("."))
    nums += (0,) * (4 - len(nums))
    pre = pre or m.group(2).lstrip(".")
    pre_key = tuple((0, int(p)) if p.isdigit() else (1, p) for p in re.split(r"[.\-]", pre) if p) if pre else ()
    return (1, nums, 0 if pre else 1, pre_key)


def release_order(scans: list[tuple]) -> list[int]:
    """Scan ids oldest release first: `scans` are (scan_id, started_at, package_name, package_version)
    rows; scans of one package are ordered by version, the rest by start time (never by scan id
    alone: a release scanned late is still compared as the release it is)."""
    def key(row):
        scan_id, started, name, version = row
        return (name or "", version_key(version), started or "", scan_id)
    named = [r for r in scans if r[2] and r[3]]
    names = {r[2] for r in named}
    if len(names) == 1 and len(named) == len(scans):
        return [r[0] for r in sorted(scans, key=key)]
    return [r[0] for r in sorted(scans, key=lambda r: (r[1] is None, r[1] or 0, r[0]))]


def scans_by_release(conn: duckdb.DuckDBPyConnection) -> list[int]:
    """Finished scans of the database, oldest release first (`release_order`)."""
    rows = conn.execute("""
        SELECT s.scan_id, s.started_at, a.package_name, a.package_version FROM scans s
        LEFT JOIN (SELECT scan_id, min(package_name) AS package_name, min(package_version) AS package_version
                   FROM artifacts WHERE parent IS NULL GROUP BY scan_id) a USING (scan_id)
        WHERE s.finished_at IS NOT NULL""").fetchall()
    return release_order(rows)
