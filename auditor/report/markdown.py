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


def verdict_markdown(verdict: dict) -> list[str]:
    """The verdict lines (`report.verdict.compute_verdict`) as a fenced text block: the same words as the terminal."""
    return ["```text", *verdict["lines"], "```", ""]


def groups_markdown(groups: list[dict], rules: dict | None = None) -> list[str]:
    """Findings grouped by rule (`report.verdict.group_findings`) as a table."""
    if not groups:
        return []
    lines = ["| | rule | findings | where (first 3) |", "|---|---|---:|---|"]
    for g in groups:
        count = f"{g['count']:,}" + (f" ({g['new']:,} new)" if g["new"] is not None else "")
        where = "<br>".join(f"`{_cell(loc)}`" for loc in g["locations"]) + (f"<br>… +{g['more']:,} more" if g["more"] > 0 else "")
        lines.append(f"| {_ICON.get(g['severity'], '')} {g['severity']} | {g['rule_id']} {_cell(g['name'])} | {count} | {where} |")
    return lines + [""]


def _findings_table(findings: list[dict], rules: dict, limit: int) -> list[str]:
    lines = ["| | rule | location | message |", "|---|---|---|---|"]
    for f in findings[:limit]:
        state = " (new)" if f.get("baseline_state") == "new" else ""
        lines.append(f"| {_ICON.get(f['severity'], '')} {f['severity']}{state} | {f['rule_id']} {_cell(rules.get(f['rule_id'], {}).get('name', ''))} "
                     f"| {_cell(_loc(f))} | {_cell(f['message'])} |")
    if len(findings) > limit:
        lines.append(f"\n… and {len(findings) - limit} more (`auditor findings`).")
    return lines + [""]


def check_markdown(report: dict, limit: int = 200) -> str:
    """Markdown for a `report.check.check_report` dict: the verdict, findings grouped by rule, every
    finding in a collapsed section (fit for `$GITHUB_STEP_SUMMARY` or a PR comment)."""
    c = report["counts"]
    scan = report["scan"]
    man = report["manifest"]
    s = report["summary"]
    lines = [f"## auditor check: {scan['label']}", ""]
    lines += verdict_markdown(s["verdict"])
    lines += groups_markdown(report["groups"])
    lines.append(f"**{c['error']}** errors · **{c['warning']}** warnings · **{c['note']}** notes · "
                 f"`--fail-on {report['fail_on']}` · manifest: "
                 f"{('`' + man['path'] + '`') if man and man['path'] else ('inline' if man else 'none (shipped-vs-public rules skipped)')} · "
                 f"{s['files']:,} files, {s['flags']:,} flag keys, {sum(s['gates'].values()):,} gates")
    lines.append("")
    shown = [f for f in report["findings"] if not f["suppressed"]]
    if shown:
        lines += [f"<details><summary>All {len(shown)} findings</summary>", ""]
        lines += _findings_table(shown, report["rules"], limit)
        lines += ["</details>", ""]
    suppressed = [f for f in report["findings"] if f["suppressed"]]
    if suppressed:
        lines += [f"<details><summary>{len(suppressed)} suppressed</summary>", ""]
        lines += [f"- {f['rule_id']} {_cell(f['subject'])}: {_cell(f['suppression_reason'])}" for f in suppressed]
        lines += ["", "</details>", ""]
    if report["rules"]:
        lines.append("Rules: " + ", ".join(f"{rid} {r['name']}" for rid, r in report["rules"].items())
                     + " — `auditor explain ID` for details.")
    return "\n".join(lines).rstrip() + "\n"


def findings_markdown(data: dict, limit: int = 1000) -> str:
    """Markdown for a `report.findings.findings_report` dict: counts, then one row per finding."""
    from auditor.rules import all_rules

    c = data["counts"]
    rules = {rid: {"name": r.name} for rid, r in all_rules().items()}
    shown = [f for f in data["findings"] if not f["suppressed"]]
    lines = [f"**{c['error']}** errors · **{c['warning']}** warnings · **{c['note']}** notes", ""]
    if shown:
        lines += _findings_table(shown, rules, limit)
    return "\n".join(lines).rstrip() + "\n"


def rules_markdown(rows: list[dict]) -> str:
    """The rules reference: a table of every rule, then each rule's documentation (what it finds,
    why it matters, an example, how to fix) as `auditor explain` prints it."""
    from auditor.rules import all_rules

    rules = all_rules()
    lines = ["| id | severity | name | summary |", "|---|---|---|---|"]
    lines += [f"| [{r['id']}](#{r['id'].lower()}) | {r['severity']} | `{r['name']}` | {_cell(r['summary'])} |" for r in rows]
    lines.append("")
    for r in rows:
        doc = rules[r["id"]].markdown().strip()
        body = doc.splitlines()
        if body and body[0].startswith("# "):
            body = body[1:]
        body = ["#" + b if b.startswith("#") else b for b in body]
        lines += [f"## {r['id']}", "", f"`{r['name']}`", *body, ""]
    return "\n".join(lines).rstrip() + "\n"


def diff_markdown(d: dict, limit: int = 100) -> str:
    """Markdown for a `report.diff.diff_scans` dict."""
    from auditor.report.diff import change_lists

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

    for subject, change, items in change_lists(d, lambda s: f"`{s}`", " · {}", "matched by"):
        section(f"{subject.capitalize()} {change}".rstrip(), items)
    if d["findings"]["new"]:
        lines += ["### New findings", "", "| | rule | location | message |", "|---|---|---|---|"]
        for f in d["findings"]["new"][:limit]:
            lines.append(f"| {_ICON.get(f['severity'], '')} {f['severity']} | {f['rule_id']} | {_cell(_loc(f))} | {_cell(f['message'])} |")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
