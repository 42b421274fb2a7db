"""The verdict of one scan: at most six lines that say what a release exposes, most severe first.

Computed once, here, and shown with the same words by `auditor scan`, `auditor check` (text,
Markdown, JSON `summary.verdict`, SARIF run properties) and the dashboard's Overview:

```
FAIL  cli.js.map ships the original source of 1,906 of 1,906 files (30 MB, …)  [ART001]
      229 flags readable (90 compile-time, 139 remote); 46 not in the manifest
      18 gated tools and 33 hidden or gated commands ship
```

or `PASS  nothing at or above error` first when nothing fails. Lines, in order:

1. `INCOMPLETE  N items could not be audited: …` when an internal error lost part of the audit
   (diagnostics whose code ends in `-failed` or `-crashed`, or `file-budget-exceeded`): an
   incomplete audit is never a pass.
2. `FAIL` lines: one per rule with unsuppressed (and, with a baseline, new) findings at or above
   `fail_on`, most severe rule first: the message of its first finding, `[RULE]`, `(+N more)`.
3. `PASS  nothing at or above <fail_on>` when there is no such finding (without the word `PASS`,
   and `in what could be audited`, when the audit is incomplete).
4. The flags a release lets anyone read, by class (compile-time = bundler defines, environment,
   remote = a flag service SDK, in-house), and how many the manifest does not declare public.
5. The hidden or gated capabilities that ship, by kind.

The findings themselves follow grouped by rule (`group_findings`): id, name, severity, count and
the first three locations.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import duckdb

from auditor.models import FAILURE_CODES, Diagnostic

MAX_LINES = 6
"""Most lines a verdict has."""

SEVERITY_RANK = {"error": 0, "warning": 1, "note": 2}
THRESHOLD = {"error": ("error",), "warning": ("error", "warning"), "note": ("error", "warning", "note")}

REMOTE_PROVIDERS = frozenset({"launchdarkly", "unleash", "growthbook", "statsig", "openfeature", "flagsmith",
                              "posthog", "split", "configcat", "optimizely", "harness", "devcycle", "flipt", "vercel"})
"""Providers whose flags a flag service decides at run time."""

FLAG_CLASSES = ("compile-time", "environment", "remote", "in-house")
"""Classes of flag in the verdict's flags line, in order."""

TOP_LOCATIONS = 3
"""Locations shown per rule group."""


def flag_class(provider: str) -> str:
    """`compile-time` (bundler defines), `environment` (env), `remote` (a flag service SDK) or `in-house`."""
    if provider == "bundler":
        return "compile-time"
    if provider == "env":
        return "environment"
    if provider in REMOTE_PROVIDERS:
        return "remote"
    return "in-house"


def _has(conn: duckdb.DuckDBPyConnection, name: str) -> bool:
    return conn.execute(
        "SELECT count(*) FROM (SELECT table_name AS n FROM duckdb_tables() UNION ALL SELECT view_name FROM duckdb_views()) "
        "WHERE n = ?", [name]).fetchone()[0] > 0


def audit_failures(conn: duckdb.DuckDBPyConnection, scan_id: int) -> list[dict]:
    """The failures of a stored scan (`scan_verdict`'s list): what makes the audit incomplete."""
    return scan_verdict(conn, scan_id)["failures"]


def location(f: dict) -> str:
    """`path:line (origin)` of a finding (or capability); '' without a path."""
    loc = f.get("path") or ""
    if loc and f.get("line"):
        loc += f":{f['line']}"
    if f.get("origin"):
        loc += f" ({f['origin']})"
    return loc


def group_findings(findings: list[dict], rules: dict | None = None, top: int = TOP_LOCATIONS) -> list[dict]:
    """Unsuppressed findings grouped by rule, most severe first, then by rule name.

    `findings`: dicts with rule_id, severity, path, line, origin, suppressed (and baseline_state
    when a baseline was given). `rules`: rule id → {name, …} (default: every rule's name).
    Returns dicts: rule_id, name, severity, count, new (None without a baseline), locations (the
    first `top`, distinct), more (count not shown).
    """
    if rules is None:
        from auditor.rules import all_rules

        rules = {rid: {"name": r.name} for rid, r in all_rules().items()}
    groups: dict[tuple[str, str], dict] = {}
    for f in findings:
        if f.get("suppressed"):
            continue
        g = groups.setdefault((f["rule_id"], f["severity"]), {
            "rule_id": f["rule_id"], "name": (rules.get(f["rule_id"]) or {}).get("name", ""), "severity": f["severity"],
            "count": 0, "new": None, "locations": [], "more": 0})
        g["count"] += 1
        if "baseline_state" in f:
            g["new"] = (g["new"] or 0) + (f["baseline_state"] == "new")
        loc = location(f) or (f.get("subject") or "")
        if loc and loc not in g["locations"] and len(g["locations"]) < top:
            g["locations"].append(loc)
    out = sorted(groups.values(), key=lambda g: (SEVERITY_RANK.get(g["severity"], 3), g["name"], g["rule_id"]))
    for g in out:
        g["more"] = g["count"] - len(g["locations"])
    return out


def flag_exposure(conn: duckdb.DuckDBPyConnection, scan_id: int) -> dict:
    """Flags a scan lets anyone read: `readable` (distinct resolved, not low-confidence keys),
    `by_class` (class → keys, see `flag_class`), `manifest` (a manifest was recorded),
    `not_public` (keys the manifest does not declare public; None without a manifest)."""
    rows = conn.execute(
        "SELECT DISTINCT flag_key, provider FROM flag_reads WHERE scan_id = ? AND resolved AND confidence <> 'low'",
        [scan_id]).fetchall()
    by_class: dict[str, set[str]] = {}
    for key, provider in rows:
        by_class.setdefault(flag_class(provider), set()).add(key)
    keys = {k for k, _ in rows}
    has_manifest = _has(conn, "manifests") and bool(
        conn.execute("SELECT count(*) FROM manifests WHERE scan_id = ?", [scan_id]).fetchone()[0])
    not_public = None
    if has_manifest:
        public = {r[0] for r in conn.execute(
            "SELECT DISTINCT flag_key FROM flag_status WHERE scan_id = ? AND public", [scan_id]).fetchall()}
        not_public = len(keys - public)
    return {"readable": len(keys), "by_class": {c: len(by_class[c]) for c in FLAG_CLASSES if c in by_class},
            "manifest": has_manifest, "not_public": not_public}


def capability_exposure(conn: duckdb.DuckDBPyConnection, scan_id: int) -> dict:
    """Hidden or gated capabilities that ship, by kind: kind → {hidden, gated, either} (distinct names;
    a capability seen in a bundle and in the source its map rebuilds counts once)."""
    if not _has(conn, "capability_inventory"):
        return {}
    rows = conn.execute(
        """SELECT kind, count(DISTINCT name) FILTER (hidden) AS hidden,
                  count(DISTINCT name) FILTER (len(gate_keys) > 0) AS gated,
                  count(DISTINCT name) FILTER (hidden OR len(gate_keys) > 0) AS either
           FROM capability_inventory WHERE scan_id = ? GROUP BY kind ORDER BY kind""", [scan_id]).fetchall()
    return {k: {"hidden": h, "gated": g, "either": e} for k, h, g, e in rows if e}


def _plural(n: int, word: str) -> str:
    if n == 1:
        return f"{n:,} {word}"
    return f"{n:,} {word}es" if word.endswith(("ch", "sh", "s", "x")) else f"{n:,} {word}s"


def flags_line(exposure: dict) -> str:
    """`229 flags readable (90 compile-time, 139 remote); 46 not in the manifest`."""
    n = exposure["readable"]
    if not n:
        return "no flag read found"
    parts = ", ".join(f"{v:,} {c}" for c, v in exposure["by_class"].items())
    text = f"{_plural(n, 'flag')} readable ({parts})"
    if exposure["not_public"] is None:
        return text + "; no manifest (auditor init writes one)"
    return text + (f"; {exposure['not_public']:,} not in the manifest" if exposure["not_public"] else "; all in the manifest")


def capabilities_line(exposure: dict) -> str | None:
    """`18 gated tools and 33 hidden or gated commands ship`, or None when none ships."""
    parts = []
    for kind, v in exposure.items():
        what = "hidden or gated" if v["hidden"] and v["gated"] else ("hidden" if v["hidden"] else "gated")
        parts.append(f"{v['either']:,} {what} {kind if v['either'] == 1 else _plural(2, kind)[2:]}")
    if not parts:
        return None
    text = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return text + (" ships" if len(parts) == 1 and next(iter(exposure.values()))["either"] == 1 else " ship")


def compute_verdict(conn: duckdb.DuckDBPyConnection, scan_id: int, findings: list[dict], fail_on: str = "error",
                    failures: list[dict] | None = None) -> dict:
    """The verdict of scan `scan_id`.

    `findings`: the scan's findings as `report.check.check_report` lists them (sorted by severity,
    rule, path, line; `baseline_state` when a baseline was given: then only new ones fail).
    `failures`: what could not be audited (default: `audit_failures`).

    Returns `status` (`incomplete` | `fail` | `pass`), `fail_on`, `lines` (≤ 6 strings, each
    starting with a 10-column-or-less status word or 6 spaces), `entries` (the same lines as
    {status, text, rule_id}), `failing` (count), `incomplete` (count), `flags` (`flag_exposure`),
    `capabilities` (`capability_exposure`).
    """
    if failures is None:
        failures = audit_failures(conn, scan_id)
    levels = THRESHOLD[fail_on]
    failing = [f for f in findings if not f.get("suppressed") and f["severity"] in levels
               and f.get("baseline_state", "new") == "new"]
    held = [f for f in findings if not f.get("suppressed") and f["severity"] in levels and f.get("baseline_state") == "unchanged"]
    flags = flag_exposure(conn, scan_id)
    caps = capability_exposure(conn, scan_id)
    cap_line = capabilities_line(caps)
    entries: list[dict] = []
    if failures:
        entries.append({"status": "INCOMPLETE", "rule_id": None, "text": incomplete_line(failures)})
    budget = MAX_LINES - len(entries) - 1 - (cap_line is not None)
    if failing:
        by_rule: dict[str, list[dict]] = {}
        for f in sorted(failing, key=lambda f: (SEVERITY_RANK[f["severity"]], f["rule_id"])):
            by_rule.setdefault(f["rule_id"], []).append(f)
        rules = list(by_rule.items())
        fit = rules if len(rules) <= budget else rules[: budget - 1]
        for rid, fs in fit:
            fs = sorted(fs, key=_headline_rank)
            more = f" (+{len(fs) - 1:,} more)" if len(fs) > 1 else ""
            entries.append({"status": "FAIL", "rule_id": rid, "text": f"{fs[0]['message']}  [{rid}]{more}"})
        rest = rules[len(fit):]
        if rest:
            n = sum(len(fs) for _, fs in rest)
            entries.append({"status": "FAIL", "rule_id": None,
                            "text": f"{n:,} more finding{'s' if n != 1 else ''} at or above {fail_on} "
                                    f"({', '.join(rid for rid, _ in rest)})"})
    else:
        text = f"nothing {'new ' if held else ''}at or above {fail_on}"
        if held:
            text += f" ({len(held):,} in the baseline)"
        below = {}
        for f in findings:
            if not f.get("suppressed") and f["severity"] not in levels:
                below[f["severity"]] = below.get(f["severity"], 0) + 1
        if below:
            text += "; " + ", ".join(_plural(n, s) for s, n in sorted(below.items(), key=lambda kv: SEVERITY_RANK[kv[0]]))
        if failures:  # an incomplete audit is never a pass: only what was audited is clean
            entries.append({"status": "", "rule_id": None, "text": text + " in what could be audited"})
        else:
            entries.append({"status": "PASS", "rule_id": None, "text": text})
    entries.append({"status": "", "rule_id": None, "text": flags_line(flags)})
    if cap_line:
        entries.append({"status": "", "rule_id": None, "text": cap_line})
    status = "incomplete" if failures else ("fail" if failing else "pass")
    return {
        "status": status,
        "fail_on": fail_on,
        "lines": [format_line(e, i > 0 and e["status"] == entries[i - 1]["status"]) for i, e in enumerate(entries)],
        "entries": entries,
        "failing": len(failing),
        "incomplete": len(failures),
        "flags": flags,
        "capabilities": caps,
    }


def _headline_rank(f: dict) -> tuple:
    """Which finding of a rule its FAIL line quotes: one on a shipped entry itself (no origin, not
    an inline `#` part) before one inside a file a map rebuilt or an inline map; then by order."""
    return (bool(f.get("origin")), "#" in (f.get("path") or ""))


def format_line(entry: dict, continued: bool = False) -> str:
    """`FAIL  text` / `      text`: the status word, two spaces, the text (status column 6 wide);
    a line `continued` from one of the same status shows no word."""
    word = "" if continued else entry["status"]
    return f"{word:<4}  {entry['text']}" if word else f"{'':6}{entry['text']}"


# -- completeness: the one fact every output format states first (see docs/robustness.md) ----------
# An internal error caught by a safety net (a diagnostic whose code is in `models.FAILURE_CODES`:
# `extract-failed`, `artifact-failed`, `extract-crashed`, `file-budget-exceeded`, ...) means an item
# was not audited, or only in part: the audit is *incomplete*, which is never a pass.

SHOWN_FAILURES = 3
"""Failures named in the one-line verdict (text, Markdown, stderr); the reports list them all."""

_PREFIX = re.compile(r"^internal error while [^:]{1,60}: ")


def failure(item: str, code: str, message: str, origin: str = "") -> dict:
    """One failure as the reports show it: `item` (the path or target it hit), `code`, `cause` (the
    message without its `internal error while …:` prefix), `origin` ('' for a plain file)."""
    return {"item": item, "code": code, "cause": _PREFIX.sub("", message or ""), "origin": origin or ""}


def failures_of(diagnostics: Iterable[Diagnostic]) -> list[dict]:
    """The failures (`failure` dicts) among diagnostics, in the order given."""
    return [failure(d.path, d.code, d.message, d.origin) for d in diagnostics if d.code in FAILURE_CODES]


def scan_verdict(conn: duckdb.DuckDBPyConnection, scan_id: int) -> dict:
    """`{"complete": bool, "failures": [failure dicts]}` of a stored scan, failures sorted by item,
    origin and code."""
    rows = conn.execute(
        f"SELECT path, code, message, coalesce(origin, '') FROM diagnostics WHERE scan_id = ? AND {FAILURE_CODES.sql('code')} "
        "ORDER BY path, 4, code, message", [scan_id]).fetchall()
    failures = [failure(*r) for r in rows]
    return {"complete": not failures, "failures": failures}


def _named(f: dict) -> str:
    where = f["item"] + (f" [{f['origin']}]" if f["origin"] else "")
    cause = " ".join(f["cause"].split())
    if len(cause) > 120:
        cause = cause[:119] + "…"
    return f"{where} ({f['code']}: {cause})" if cause else f"{where} ({f['code']})"


def incomplete_line(failures: list[dict]) -> str:
    """`2 items could not be audited: dist/cli.js (extract-failed: IndexError: …), …`: the verdict of
    an incomplete audit in one line, naming the first `SHOWN_FAILURES` items and their causes."""
    items = {(f["item"], f["origin"]) for f in failures}
    n = len(items)
    shown = ", ".join(_named(f) for f in failures[:SHOWN_FAILURES])
    more = f", and {len(failures) - SHOWN_FAILURES} more" if len(failures) > SHOWN_FAILURES else ""
    return f"{n} item{'s' if n != 1 else ''} could not be audited: {shown}{more}"
