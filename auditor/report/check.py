"""The `auditor check` report: findings of one scan compared with its manifest, as a JSON-ready dict.

The same dict feeds every output format (text, JSON, SARIF, Markdown), so they always agree.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from auditor.errors import AuditorError
from auditor.models import Severity

SEVERITY_ORDER = {"error": 0, "warning": 1, "note": 2}


def _rows(conn: duckdb.DuckDBPyConnection, sql: str, params: list) -> list[dict]:
    cur = conn.execute(sql, params)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def load_baseline(path: Path) -> set[str]:
    """Fingerprints of a previous report: `check --format json` output or a SARIF log.

    Raises AuditorError (exit 2) when the file is missing or is neither.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise AuditorError(f"baseline not found: {path}") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise AuditorError(f"{path}: baseline is not JSON: {exc}") from exc
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

    Shape: `scan` (label, targets, tool_version), `manifest` (path, name, or None), `summary`
    (files, flags, gates, capabilities by kind, hidden, gated, experimental), `counts` (unsuppressed
    findings by severity), `fail_on`, `failing` (unsuppressed, not-in-baseline findings at or above
    `fail_on`), `rules` (id → name, severity, summary for the rules that fired), `findings`
    (sorted by severity, rule, path, line; each with `baseline_state` when a baseline is given).
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
    return {
        "scan": {"label": scan["label"], "targets": list(scan["targets"]), "tool_version": scan["tool_version"]},
        "manifest": ({"path": Path(manifest[0]["path"]).name if manifest[0]["path"] else None, "name": manifest[0]["name"]}
                     if manifest else None),
        "summary": summary,
        "counts": counts,
        "fail_on": fail_on,
        "failing": failing,
        "rules": {rid: {"name": rules[rid].name, "severity": rules[rid].severity.value, "summary": rules[rid].summary}
                  for rid in fired if rid in rules},
        "findings": findings,
    }


def capability_summary(conn: duckdb.DuckDBPyConnection, scan_id: int) -> dict:
    """Counts of flags, gates and capabilities of a scan, with a few examples of each kind."""
    flags = conn.execute("SELECT count(DISTINCT flag_key) FROM flag_reads WHERE scan_id = ? AND resolved", [scan_id]).fetchone()[0]
    gates = _rows(conn, "SELECT kind, count(*) AS n FROM gates WHERE scan_id = ? GROUP BY kind ORDER BY kind", [scan_id])
    caps = _rows(conn, """
        SELECT kind, count(*) AS total, count(*) FILTER (hidden) AS hidden, count(*) FILTER (len(gate_keys) > 0) AS gated,
               count(*) FILTER (list_contains(tags, 'experimental')) AS experimental
        FROM capability_inventory WHERE scan_id = ? GROUP BY kind ORDER BY kind""", [scan_id])
    has_manifest = conn.execute("SELECT count(*) FROM manifests WHERE scan_id = ?", [scan_id]).fetchone()[0] > 0
    # dormant: gated, and only a non-public flag (a bundler flag when there is no manifest) or a
    # constant false in this build turns it on
    states = _rows(conn, """
        WITH c AS (
            SELECT CASE WHEN kind = 'tool' THEN 'tool' WHEN framework = 'slash' THEN 'slash_command' ELSE 'command' END AS class,
                   state, dead, scan_id, path, cap_no
            FROM capability_inventory WHERE scan_id = ? AND kind IN ('tool', 'command'))
        SELECT class,
               count(*) FILTER (state = 'public') AS public,
               count(*) FILTER (state = 'hidden') AS hidden,
               count(*) FILTER (state = 'gated') AS gated,
               count(*) FILTER (state = 'gated' AND (dead OR EXISTS (
                   SELECT 1 FROM capability_flags f
                   LEFT JOIN flag_status s ON s.scan_id = f.scan_id AND s.flag_key = f.flag_key AND s.provider = f.provider
                   WHERE f.scan_id = c.scan_id AND f.path = c.path AND f.cap_no = c.cap_no AND f.polarity = 'on'
                     AND CASE WHEN ? THEN NOT coalesce(s.public, false) ELSE f.provider = 'bundler' END))) AS dormant
        FROM c GROUP BY class ORDER BY class""", [scan_id, has_manifest])
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
