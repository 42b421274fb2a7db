"""Rich text rendering of reports for the terminal."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table


def _table(title: str, columns: list[str], rows: list[list], console: Console) -> None:
    t = Table(*columns, title=title, title_justify="left", show_lines=False)
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


def print_findings(console: Console, data: dict) -> None:
    """Print the findings dict from `report.findings.findings_report`."""
    c = data["counts"]
    console.print(f"[bold]Findings[/]: {c['error']} error, {c['warning']} warning, {c['note']} note")
    t = Table("severity", "rule", "location", "message", show_lines=False)
    for f in data["findings"]:
        if f["suppressed"]:
            continue
        loc = f["path"] or ""
        if f["line"]:
            loc += f":{f['line']}"
        if f["origin"]:
            loc += f" ({f['origin']})"
        sev = f["severity"]
        t.add_row(f"[{_SEVERITY_STYLE.get(sev, '')}]{sev}[/]", f["rule_id"], loc, f["message"])
    if data["findings"]:
        console.print(t)
