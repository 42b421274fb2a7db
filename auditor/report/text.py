"""Rich text rendering of every report for the terminal: inventory, findings, check, diff,
capabilities and gates."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table


def _Table(*columns, **options) -> Table:  # noqa: N802 - a Table constructor
    """A Rich Table whose cells fold (wrap inside words) instead of ending in `…`: paths and
    line numbers are never cut, whatever the width."""
    t = Table(*columns, **options)
    for c in t.columns:
        c.overflow = "fold"
    return t


def _table(title: str, columns: list[str], rows: list[list], console: Console) -> None:
    t = _Table(*columns, title=title, title_justify="left", show_lines=False)
    for r in rows:
        t.add_row(*("" if v is None else str(v) for v in r))
    console.print(t)


def print_inventory(console: Console, data: dict) -> None:
    """Print the inventory dict from `report.inventory.inventory` as tables."""
    s = data["summary"]
    scan = data["scan"]
    console.print(
        f"[bold]Scan {scan['scan_id']}[/] {scan['label']}: {s['keys']} flag keys "
        f"({', '.join(f'{p} {n}' for p, n in s['keys_by_provider'].items()) or 'none'}), "
        f"{s['reads']} reads, {s['definitions']} definitions, {s['diagnostics']} diagnostics"
    )
    _table("Flags", ["key", "provider", "reads", "files", "defined", "first read"],
           [[f["key"], f["provider"], f["reads"], f["files"], "yes" if f["defined"] else "no", f["first_location"]] for f in data["flags"]], console)
    if data["low_confidence"]:
        _table("Low confidence (method name only, no SDK import)", ["key", "provider", "reads", "first read"],
               [[f["key"], f["provider"], f["reads"], f["first_location"]] for f in data["low_confidence"]], console)
    if data["unresolved"]:
        _table("Unresolved keys", ["expression", "provider", "method", "location"],
               [[u["key_expr"], u["provider"], u["method"], f"{u['path']}:{u['line']}"] for u in data["unresolved"][:50]], console)
        if len(data["unresolved"]) > 50:
            console.print(f"… and {len(data['unresolved']) - 50} more (auditor flags --format json)")
    drift = data["drift"]
    if drift["defined_not_read"]:
        _table("Defined but never read", ["key", "provider", "symbol", "location"],
               [[d["key"], d["provider"], d["symbol"], f"{d['path']}:{d['line']}"] for d in drift["defined_not_read"]], console)
    if drift["read_not_defined"]:
        _table("Read but never defined", ["key", "provider", "first read"],
               [[d["key"], d["provider"], d["first_location"]] for d in drift["read_not_defined"]], console)
    if data["diagnostics"]:
        _table("Diagnostics", ["code", "severity", "count"], [[d["code"], d["severity"], d["count"]] for d in data["diagnostics"]], console)


_SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "note": "cyan"}


def _loc(r: dict) -> str:
    from auditor.report.verdict import location

    return location(r)


_STATUS_STYLE = {"FAIL": "bold red", "PASS": "bold green", "INCOMPLETE": "bold magenta"}


def print_verdict(console: Console, verdict: dict) -> None:
    """Print the lines of a `report.verdict.compute_verdict` dict, the status words coloured."""
    for line, entry in zip(verdict["lines"], verdict["entries"]):
        word = entry["status"]
        if word and line.startswith(word):
            console.print(f"[{_STATUS_STYLE[word]}]{word}[/]{escape(line[len(word):])}")
        else:
            console.print(escape(line), markup=True)


def print_groups(console: Console, groups: list[dict], title: str = "Findings by rule") -> None:
    """Print `report.verdict.group_findings` groups as one table row per rule: severity, rule,
    name, count (new), the first locations."""
    if not groups:
        return
    t = _Table("severity", "rule", "name", "count", "where (first 3)", title=title, title_justify="left")
    for g in groups:
        count = f"{g['count']:,}" + (f" ({g['new']:,} new)" if g["new"] is not None else "")
        where = ", ".join(escape(loc) for loc in g["locations"]) + (f" (+{g['more']:,} more)" if g["more"] > 0 else "")
        t.add_row(f"[{_SEVERITY_STYLE.get(g['severity'], '')}]{g['severity']}[/]", g["rule_id"], g["name"], count, where)
    console.print(t)


def print_check(console: Console, report: dict, findings_hint: str = "auditor findings") -> None:
    """Print a `report.check.check_report` dict: one header line, the verdict, the findings
    grouped by rule, and where to see each finding."""
    s = report["summary"]
    man = report["manifest"]
    console.print(f"[bold]auditor check[/] {escape(report['scan']['label'])}: {s['files']:,} files, "
                  f"{sum(s['gates'].values()):,} gates; manifest: {escape(man['path'] or 'inline') if man else 'none (shipped-vs-public rules skipped)'}")
    print_verdict(console, s["verdict"])
    print_groups(console, report["groups"])
    c = report["counts"]
    suppressed = sum(1 for f in report["findings"] if f["suppressed"])
    console.print(f"[bold]Findings[/]: {c['error']:,} error, {c['warning']:,} warning, {c['note']:,} note"
                  + (f", {suppressed:,} suppressed" if suppressed else "")
                  + (f" — each one: {escape(findings_hint)} (--rule, --severity, --path; --format json|csv)" if report["findings"] else ""))


def print_diff(console: Console, d: dict, limit: int = 50) -> None:
    """Print a `report.diff.diff_scans` dict."""
    from auditor.report.diff import change_lists

    ratio = d["size"]["ratio"]
    console.print(f"[bold]auditor diff[/] {escape(str(d['old']['label']))} → {escape(str(d['new']['label']))}: "
                  f"size {d['size']['old']:,} → {d['size']['new']:,} bytes" + (f" (×{ratio})" if ratio is not None else "")
                  + f", gates {d['gates']['old']} → {d['gates']['new']}")

    def block(title: str, items: list[str]) -> None:
        if not items:
            return
        console.print(f"[bold]{title}[/] ({len(items)})")
        for i in items[:limit]:
            console.print(f"  {escape(i)}")
        if len(items) > limit:
            console.print(f"  … and {len(items) - limit} more (--format json)")

    for subject, change, items in change_lists(d, str, " [{}]", "by"):
        block({"added": f"+ {subject}", "removed": f"- {subject}"}.get(change, subject), items)
    block("new findings", [f"{f['severity']} {f['rule_id']} {_loc(f)} {f['message']}" for f in d["findings"]["new"]])
    console.print(f"{len(d['findings']['new'])} new findings, {d['findings']['gone']} gone")


def print_capabilities(console: Console, rows: list[dict]) -> None:
    """Print `report.check.capabilities_report` rows."""
    t = _Table("kind", "name", "parent", "hidden", "gate chain", "tags", "location")
    for r in rows:
        hidden = r["hidden_reason"] if r["hidden"] else ""
        if not hidden and r.get("hidden_condition"):
            hidden = f"when {r['hidden_condition']}"
        chain = "; ".join(r.get("gate_chain") or []) or ", ".join(r["gate_keys"])
        if r.get("dead"):
            chain = (chain + " " if chain else "") + "(dead in this build)"
        t.add_row(r["kind"], escape(r["name"]), escape(r.get("parent") or ""), escape(hidden), escape(chain),
                  ", ".join(r["tags"]), escape(_loc(r)))
    console.print(t)
    console.print(f"{len(rows)} capabilities")


def print_gates(console: Console, rows: list[dict]) -> None:
    """Print `report.check.gates_report` rows."""
    t = _Table("location", "kind", "flags", "gated lines", "loc", "nesting", "condition")
    for r in rows:
        flags = ", ".join(r["flags"]) + (f" (via {', '.join(r['via'])})" if r["via"] else "")
        t.add_row(escape(_loc(r)), r["kind"], escape(flags), f"{r['body_line']}-{r['body_end_line']}", str(r["gated_loc"]),
                  str(r["nesting"]), escape(r["condition"][:80]))
    console.print(t)
    console.print(f"{len(rows)} gates")


def print_findings(console: Console, data: dict) -> None:
    """Print the findings dict from `report.findings.findings_report`."""
    c = data["counts"]
    console.print(f"[bold]Findings[/]: {c['error']} error, {c['warning']} warning, {c['note']} note")
    t = _Table("severity", "rule", "location", "message", show_lines=False)
    for f in data["findings"]:
        if f["suppressed"]:
            continue
        sev = f["severity"]
        t.add_row(f"[{_SEVERITY_STYLE.get(sev, '')}]{sev}[/]", f["rule_id"], escape(_loc(f)), escape(f["message"]))
    if data["findings"]:
        console.print(t)


def print_rules(console: Console, rows: list[dict]) -> None:
    """Print `auditor rules` rows: id, severity, name, summary."""
    t = _Table("id", "severity", "name", "summary")
    for r in rows:
        t.add_row(r["id"], f"[{_SEVERITY_STYLE.get(r['severity'], '')}]{r['severity']}[/]", r["name"], escape(r["summary"]))
    console.print(t)
