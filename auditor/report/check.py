"""The `auditor check` report: findings of one scan compared with its manifest, as a JSON-ready dict.

The same dict feeds every output format (text, JSON, SARIF, Markdown), so they always agree.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from auditor.errors import AuditorError
from auditor.models import Severity
from auditor.userfiles import read_json

SEVERITY_ORDER = {"error": 0, "warning": 1, "note": 2}


def _rows(conn: duckdb.DuckDBPyConnection, sql: str, params: list) -> list[dict]:
    cur = conn.execute(sql, params)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def load_baseline(path: Path) -> set[str]:
    """Fingerprints of a previous report: `check --format json` output or a SARIF log.

    Raises AuditorError (exit 2) when the file is missing or is neither.
    """
    data = read_json(path, "baseline")
    if isinstance(data, dict) and isinstance(data.get("runs"), list):  # SARIF
        out = set()
        for run in data["runs"]:
            for res in run.get("results", []) or []:
                fp = (res.get("partialFingerprints") or {}).get(FINGERPRINT_KEY)
                if fp:
                    out.add(fp)
        return out
    if isinstance(data, dict) and isinstance(data.get("findings"), list):
        return {f["fingerprint"] for f in data["findings"] if isinstance(f, dict) and f.get("fingerprint")}
    raise AuditorError(f"{path}: baseline must be `auditor check --format json` or SARIF output")


FINGERPRINT_KEY = "auditorFingerprint/v1"
"""Key of the auditor's fingerprint in SARIF `partialFingerprints`."""


def check_report(conn: duckdb.DuckDBPyConnection, scan_id: int, fail_on: str = "error", baseline: set[str] | None = None) -> dict:
    """Report of scan `scan_id`.

    Shape: `complete` (False when an internal error left an item unaudited: never a pass, see
    `report.verdict`), `failures` (item, code, cause, origin of each such error), `scan` (label, targets, tool_version), `manifest` (path, name, or None), `summary`
    (files, flags, gates, capabilities by kind, hidden, gated, experimental), `counts` (unsuppressed
    findings by severity), `fail_on`, `failing` (unsuppressed, not-in-baseline findings at or above
    `fail_on`), `rules` (id → name, severity, summary for the rules that fired), `findings`
    (sorted by severity, rule, path, line; each with `baseline_state` when a baseline is given).
    `summary.verdict` is `report.verdict.compute_verdict` (the lines every format leads with);
    `groups` the unsuppressed findings grouped by rule (`report.verdict.group_findings`).
    """
    scan = _rows(conn, "SELECT scan_id, label, targets, tool_version, file_count FROM scans WHERE scan_id = ?", [scan_id])
    if not scan:
        raise AuditorError(f"no scan {scan_id} in the database")
    scan = scan[0]
    manifest = _rows(conn, "SELECT path, name, openfeature FROM manifests WHERE scan_id = ?", [scan_id])
    findings = _rows(conn, """
        SELECT rule_id, severity, subject, message, path, line, end_line, fingerprint, suppressed, suppression_reason, origin, target
        FROM findings WHERE scan_id = ?
        ORDER BY CASE severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, rule_id, path NULLS FIRST, line NULLS FIRST, subject
        """, [scan_id])
    evidence: dict[str, list[dict]] = {}
    for fp, path, line, origin in conn.execute(
            "SELECT fingerprint, path, line, origin FROM finding_evidence WHERE scan_id = ? ORDER BY fingerprint, path, line",
            [scan_id]).fetchall():
        evidence.setdefault(fp, []).append({"path": path, "line": line, "origin": origin})
    for f in findings:
        f["evidence"] = evidence.get(f["fingerprint"], [])
    threshold = Severity(fail_on).rank
    counts = {"error": 0, "warning": 0, "note": 0}
    failing = 0
    for f in findings:
        if baseline is not None:
            f["baseline_state"] = "unchanged" if f["fingerprint"] in baseline else "new"
        if f["suppressed"]:
            continue
        counts[f["severity"]] += 1
        if Severity(f["severity"]).rank >= threshold and f.get("baseline_state", "new") == "new":
            failing += 1
    from auditor.rules import all_rules

    rules = all_rules()
    fired = sorted({f["rule_id"] for f in findings})
    summary = capability_summary(conn, scan_id)
    summary["files"] = scan["file_count"]
    from auditor.report.verdict import compute_verdict, group_findings, scan_verdict

    names = {rid: {"name": r.name} for rid, r in rules.items()}
    completeness = scan_verdict(conn, scan_id)
    summary["verdict"] = compute_verdict(conn, scan_id, findings, fail_on, completeness["failures"])
    return {
        **completeness,  # first: an incomplete audit says so before anything else
        "scan": {"label": scan["label"], "targets": list(scan["targets"]), "tool_version": scan["tool_version"]},
        "manifest": ({"path": Path(manifest[0]["path"]).name if manifest[0]["path"] else None, "name": manifest[0]["name"]}
                     if manifest else None),
        "summary": summary,
        "counts": counts,
        "fail_on": fail_on,
        "failing": failing,
        "rules": {rid: {"name": rules[rid].name, "severity": rules[rid].severity.value, "summary": rules[rid].summary}
                  for rid in fired if rid in rules},
        "groups": group_findings(findings, names),
        "findings": findings,
    }


def flag_key_count(conn: duckdb.DuckDBPyConnection, scan_id: int) -> int:
    """The number of flag keys of a scan, as every report counts them (scan's summary, check, the
    verdict, the dashboard): distinct resolved keys read at high or inferred confidence, wherever they
    were read (shipped code, source maps), each counted once whatever its providers."""
    return conn.execute("SELECT count(DISTINCT flag_key) FROM flag_reads "
                        "WHERE scan_id = ? AND resolved AND confidence <> 'low'", [scan_id]).fetchone()[0]


def capability_summary(conn: duckdb.DuckDBPyConnection, scan_id: int) -> dict:
    """Counts of flags, gates and capabilities of a scan. A capability seen in several places (the
    bundle, its source map, several files) counts once: one per (kind, name, parent), as the
    `capability_records` view has them."""
    flags = flag_key_count(conn, scan_id)
    gates = _rows(conn, "SELECT kind, count(*) AS n FROM gates WHERE scan_id = ? GROUP BY kind ORDER BY kind", [scan_id])
    caps = _rows(conn, """
        SELECT kind, count(*) AS total, count(*) FILTER (hidden) AS hidden, count(*) FILTER (gated) AS gated,
               count(*) FILTER (experimental) AS experimental
        FROM (SELECT kind, name, parent, bool_or(hidden) AS hidden, bool_or(len(gate_keys) > 0) AS gated,
                     bool_or(list_contains(tags, 'experimental')) AS experimental
              FROM capability_inventory WHERE scan_id = ? GROUP BY kind, name, parent)
        GROUP BY kind ORDER BY kind""", [scan_id])
    has_manifest = conn.execute("SELECT count(*) FROM manifests WHERE scan_id = ?", [scan_id]).fetchone()[0] > 0
    # dormant: gated, and only a non-public flag (a bundler flag when there is no manifest) or a
    # constant false in this build turns it on
    # one per (class, name, parent), however many places it was seen in (bundle, map, chunks)
    states = _rows(conn, """
        WITH c AS (
            SELECT CASE WHEN kind = 'tool' THEN 'tool' WHEN framework = 'slash' THEN 'slash_command' ELSE 'command' END AS class,
                   name, parent, state,
                   state = 'gated' AND (dead OR EXISTS (
                       SELECT 1 FROM capability_flags f
                       LEFT JOIN flag_status s ON s.scan_id = f.scan_id AND s.flag_key = f.flag_key AND s.provider = f.provider
                       WHERE f.scan_id = ci.scan_id AND f.path = ci.path AND f.cap_no = ci.cap_no AND f.polarity = 'on'
                         AND CASE WHEN ? THEN NOT coalesce(s.public, false) ELSE f.provider = 'bundler' END)) AS dormant
            FROM capability_inventory ci WHERE scan_id = ? AND kind IN ('tool', 'command')),
        one AS (
            SELECT class, CASE WHEN bool_or(state = 'gated') THEN 'gated' WHEN bool_or(state = 'hidden') THEN 'hidden' ELSE 'public' END AS state,
                   bool_or(dormant) AS dormant
            FROM c GROUP BY class, name, parent)
        SELECT class,
               count(*) FILTER (state = 'public') AS public,
               count(*) FILTER (state = 'hidden') AS hidden,
               count(*) FILTER (state = 'gated') AS gated,
               count(*) FILTER (dormant) AS dormant
        FROM one GROUP BY class ORDER BY class""", [has_manifest, scan_id])
    return {
        "flags": flags,
        "gates": {g["kind"]: g["n"] for g in gates},
        "states": {s["class"]: {k: s[k] for k in ("public", "hidden", "gated", "dormant")} for s in states},
        "capabilities": {c["kind"]: {k: c[k] for k in ("total", "hidden", "gated", "experimental")} for c in caps},
    }


def capabilities_report(conn: duckdb.DuckDBPyConnection, scan_id: int, kind: str | None = None) -> list[dict]:
    """Every capability of a scan with its gates (`auditor capabilities`), sorted by kind, name, path."""
    sql = """
        SELECT kind, name, framework, hidden, hidden_reason, hidden_condition, hidden_keys, gate_keys, gate_chain, dead, state,
               tags, parent, description, path, line, snippet, origin
        FROM capability_inventory WHERE scan_id = ?"""
    params: list = [scan_id]
    if kind:
        sql += " AND kind = ?"
        params.append(kind)
    return _rows(conn, sql + " ORDER BY kind, name, path, line", params)


def gates_report(conn: duckdb.DuckDBPyConnection, scan_id: int, flag: str | None = None) -> list[dict]:
    """Every gate of a scan with its flags and polarity (`auditor gates`), sorted by path and line."""
    sql = """
        SELECT g.path, g.line, g.kind, g.body_line, g.body_end_line, g.gated_loc, g.nesting, g.combinator, g.condition,
               coalesce(list(CASE WHEN gf.polarity = 'on' THEN gf.flag_key ELSE '!' || gf.flag_key END ORDER BY gf.read_line, gf.read_col)
                        FILTER (gf.flag_key IS NOT NULL), []) AS flags,
               coalesce(list(DISTINCT gf.via) FILTER (gf.via <> ''), []) AS via,
               g.origin
        FROM gates g
        LEFT JOIN gate_flags gf ON gf.scan_id = g.scan_id AND gf.path = g.path AND gf.gate_no = g.gate_no
        WHERE g.scan_id = ?
        GROUP BY ALL"""
    params: list = [scan_id]
    if flag:
        sql = f"SELECT * FROM ({sql}) WHERE list_contains(flags, ?) OR list_contains(flags, '!' || ?)"
        params += [flag, flag]
    return _rows(conn, sql + " ORDER BY path, line", params)
