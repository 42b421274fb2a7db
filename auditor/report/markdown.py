"""Markdown output of `auditor check` and `auditor diff`: fit for a CI job summary or a release PR comment."""

from __future__ import annotations

_ICON = {"error": "🔴", "warning": "🟠", "note": "🔵"}


def _cell(v: object) -> str:
    s = "" if v is None else str(v)
    return s.replace("|", "\\|").replace("\n", " ")


def _loc(f: dict) -> str:
    if not f.get("path"):
        return ""
    loc = f"`{f['path']}`" + (f":{f['line']}" if f.get("line") else "")
    return loc


def check_markdown(report: dict, limit: int = 200) -> str:
    """Markdown for a `report.check.check_report` dict."""
    c = report["counts"]
    scan = report["scan"]
    man = report["manifest"]
    lines = [f"## auditor check: {scan['label']}", ""]
    if not report.get("complete", True):  # the verdict of an incomplete audit comes first (report.verdict)
        from auditor.report.verdict import incomplete_line

        lines += [f"**INCOMPLETE**: {_cell(incomplete_line(report['failures']))} — not a pass.", ""]
    verdict = "fails" if report["failing"] else ("is INCOMPLETE (not a pass) at" if not report.get("complete", True) else "passes")
    lines.append(f"**{c['error']}** errors · **{c['warning']}** warnings · **{c['note']}** notes — "
                 f"{verdict} `--fail-on {report['fail_on']}`" + (f" ({report['failing']} at or above it)" if report["failing"] else ""))
    lines.append("")
    lines.append(f"Manifest: {('`' + man['path'] + '`') if man and man['path'] else ('inline' if man else 'none (shipped-vs-public rules skipped)')}")
    lines.append("")
    s = report["summary"]
    lines += ["| files | flag keys | gates | " + " | ".join(f"{k}s" for k in s["capabilities"]) + " |",
              "|---:|---:|---:|" + "---:|" * len(s["capabilities"])]
    caps = " | ".join(f"{v['total']} ({v['hidden']} hidden, {v['gated']} gated)" for v in s["capabilities"].values())
    lines += [f"| {s['files']} | {s['flags']} | {sum(s['gates'].values())} | {caps} |", ""]
    shown = [f for f in report["findings"] if not f["suppressed"]]
    if shown:
        lines += ["| | rule | location | message |", "|---|---|---|---|"]
        for f in shown[:limit]:
            state = " (new)" if f.get("baseline_state") == "new" else ""
            lines.append(f"| {_ICON.get(f['severity'], '')} {f['severity']}{state} | {f['rule_id']} {_cell(report['rules'].get(f['rule_id'], {}).get('name', ''))} "
                         f"| {_cell(_loc(f))} | {_cell(f['message'])} |")
        if len(shown) > limit:
            lines.append(f"\n… and {len(shown) - limit} more (`auditor findings`).")
        lines.append("")
    suppressed = [f for f in report["findings"] if f["suppressed"]]
    if suppressed:
        lines += [f"<details><summary>{len(suppressed)} suppressed</summary>", ""]
        lines += [f"- {f['rule_id']} {_cell(f['subject'])}: {_cell(f['suppression_reason'])}" for f in suppressed]
        lines += ["", "</details>", ""]
    if report["rules"]:
        lines.append("Rules: " + ", ".join(f"{rid} {r['name']}" for rid, r in report["rules"].items())
                     + " — `auditor explain ID` for details.")
    return "\n".join(lines).rstrip() + "\n"


def diff_markdown(d: dict, limit: int = 100) -> str:
    """Markdown for a `report.diff.diff_scans` dict."""
    lines = [f"## auditor diff: {d['old']['label']} → {d['new']['label']}", ""]
    ratio = d["size"]["ratio"]
    lines += ["| | added | removed |", "|---|---:|---:|",
              f"| flags | {len(d['flags']['added'])} | {len(d['flags']['removed'])} |",
              f"| capabilities | {len(d['capabilities']['added'])} | {len(d['capabilities']['removed'])} |",
              f"| {d['entries']['source']} | {len(d['entries']['added'])} | {len(d['entries']['removed'])} |", ""]
    lines.append(f"Size: {d['size']['old']:,} → {d['size']['new']:,} bytes" + (f" (×{ratio})" if ratio is not None else "")
                 + f" · gates: {d['gates']['old']} → {d['gates']['new']}"
                 + f" · findings: {len(d['findings']['new'])} new, {d['findings']['gone']} gone")
    lines.append("")

    def section(title: str, items: list[str]) -> None:
        if not items:
            return
        lines.append(f"<details><summary>{title} ({len(items)})</summary>")
        lines.append("")
        lines.extend(f"- {i}" for i in items[:limit])
        if len(items) > limit:
            lines.append(f"- … and {len(items) - limit} more")
        lines.extend(["", "</details>", ""])

    section("Flags added", [f"`{f['key']}` ({f['provider']})" for f in d["flags"]["added"]])
    section("Flags removed", [f"`{f['key']}` ({f['provider']})" for f in d["flags"]["removed"]])
    section("Capabilities added", [f"{c['kind']} `{c['name']}`" + (" (hidden)" if c["hidden"] else "") for c in d["capabilities"]["added"]])
    section("Capabilities removed", [f"{c['kind']} `{c['name']}`" for c in d["capabilities"]["removed"]])
    section("Now hidden", [f"{c['kind']} `{c['name']}`" for c in d["capabilities"]["now_hidden"]])
    section("Now visible", [f"{c['kind']} `{c['name']}`" for c in d["capabilities"]["now_visible"]])
    section(f"{d['entries']['source'].capitalize()} added", [f"`{p}`" for p in d["entries"]["added"]])
    section(f"{d['entries']['source'].capitalize()} removed", [f"`{p}`" for p in d["entries"]["removed"]])
    if d["findings"]["new"]:
        lines += ["### New findings", "", "| | rule | location | message |", "|---|---|---|---|"]
        for f in d["findings"]["new"][:limit]:
            lines.append(f"| {_ICON.get(f['severity'], '')} {f['severity']} | {f['rule_id']} | {_cell(_loc(f))} | {_cell(f['message'])} |")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
