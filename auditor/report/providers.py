"""The flag APIs of one scan (`auditor providers`): in-house APIs (inferred, configured) first, then
built-in SDK packs, each with call counts, sample keys and evidence, and the config lines that
would pin the inferred ones."""

from __future__ import annotations

import duckdb

SAMPLE_KEYS = 5
CANDIDATES = 10
"""Inferred candidates below the threshold shown (best first), so a near miss can be pinned."""


def providers_report(conn: duckdb.DuckDBPyConnection, scan_id: int) -> dict:
    """Shape: `apis` (list of dicts: `kind` inferred | configured | builtin | low, `api`, `provider`,
    `reads`, `keys`, `sample_keys`, `score` (inferred only), `evidence` (list of str), `definition`
    (path:line or None), `config_line` (inferred only)), in-house first; `candidates` (inferred
    APIs below the threshold, same fields); `config` (the TOML lines pinning every inferred API)."""
    apis: list[dict] = []
    inferred = conn.execute("""
        SELECT a.api, a.provider, a.score, a.evidence, a.sites, a.keys, a.sample_keys, a.definition_path,
               a.definition_line, a.config_line, a.promoted,
               (SELECT count(*) FROM flag_reads r WHERE r.scan_id = a.scan_id AND r.provider = a.provider AND r.confidence = 'inferred') AS reads,
               (SELECT count(DISTINCT flag_key) FROM flag_reads r WHERE r.scan_id = a.scan_id AND r.provider = a.provider AND r.confidence = 'inferred') AS rkeys,
               (SELECT list(DISTINCT flag_key ORDER BY flag_key)[:5] FROM flag_reads r WHERE r.scan_id = a.scan_id AND r.provider = a.provider AND r.confidence = 'inferred' AND r.resolved) AS rsample
        FROM flag_apis a WHERE a.scan_id = ? ORDER BY a.promoted DESC, a.score DESC, a.api""", [scan_id]).fetchall()
    candidates: list[dict] = []
    seen_providers: set[str] = set()
    for (api, provider, score, evidence, sites, keys, sample, dpath, dline, line, promoted, reads, rkeys, rsample) in inferred:
        row = {
            "kind": "inferred", "api": api, "provider": provider, "reads": reads if promoted else sites,
            "keys": rkeys if promoted else keys, "sample_keys": list(rsample or []) if promoted else list(sample),
            "score": score, "evidence": list(evidence), "definition": f"{dpath}:{dline}" if dpath else None,
            "config_line": line,
        }
        if promoted:
            if provider in seen_providers:  # two receivers' APIs sharing one provider: shown once
                continue
            seen_providers.add(provider)
            apis.append(row)
        elif len(candidates) < CANDIDATES:
            candidates.append(row)
    rows = conn.execute("""
        SELECT CASE WHEN pack LIKE 'config/%' THEN 'configured' WHEN confidence = 'low' THEN 'low' ELSE 'builtin' END AS kind,
               provider, pack, list(DISTINCT method ORDER BY method) AS methods, count(*) AS reads,
               count(DISTINCT flag_key) AS keys, list(DISTINCT flag_key ORDER BY flag_key) FILTER (resolved) AS sample
        FROM flag_reads WHERE scan_id = ? AND confidence <> 'inferred'
        GROUP BY 1, provider, pack""", [scan_id]).fetchall()
    order = {"configured": 0, "builtin": 1, "low": 2}
    for kind, provider, pack, methods, reads, keys, sample in sorted(rows, key=lambda r: (order[r[0]], -r[4], r[1])):
        apis.append({
            "kind": kind, "api": ", ".join(methods[:4]) + (" …" if len(methods) > 4 else ""), "provider": provider,
            "reads": reads, "keys": keys, "sample_keys": list(sample or [])[:SAMPLE_KEYS], "score": None,
            "evidence": [f"pack {pack}"] + (["method name only: no SDK import, no provider claimed"] if kind == "low" else []),
            "definition": None, "config_line": None,
        })
    # in-house first: inferred and configured, then built-in SDK packs, then name-only matches
    rank = {"inferred": 0, "configured": 0, "builtin": 1, "low": 2}
    apis.sort(key=lambda a: rank[a["kind"]])
    pinned = [a["config_line"] for a in apis if a["kind"] == "inferred"]
    config = config_lines(pinned)
    return {"apis": apis, "candidates": candidates, "config": config}


def config_lines(entries: list[str]) -> list[str]:
    """TOML lines for inline wrapper / registry tables (`kind = "calls"` entries are registries)."""
    out: list[str] = []
    for table, pick in (("wrappers", lambda e: 'kind = "calls"' not in e), ("registries", lambda e: 'kind = "calls"' in e)):
        chosen = [e for e in entries if pick(e)]
        if chosen:
            out += [f"{table} = [", *(f"  {e}," for e in chosen), "]"]
    return out


def print_providers(console, data: dict) -> None:
    """Render `providers_report` output as text blocks (one per API), then the config lines."""
    def say(text: str = "") -> None:
        console.print(text, markup=False, highlight=False, soft_wrap=True)

    say("Flag APIs, in-house first")
    for a in data["apis"]:
        say(f"{a['kind']:<10} {a['api']}  →  provider {a['provider']}")
        keys = ", ".join(a["sample_keys"]) + (" …" if a["keys"] > len(a["sample_keys"]) else "")
        say(f"{'':<10} {a['reads']} reads, {a['keys']} keys" + (f": {keys}" if keys else ""))
        if a["score"] is not None:
            say(f"{'':<10} score {a['score']:g}")
        for ev in a["evidence"]:
            say(f"{'':<12}- {ev}")
        if a["config_line"]:
            say(f"{'':<10} pin: {a['config_line']}")
    if data["candidates"]:
        say()
        say("Below the threshold (pin one with its config line if it is a flag API):")
        for c in data["candidates"]:
            say(f"  {c['api']}  score {c['score']:g}, {c['reads']} sites, e.g. {', '.join(c['sample_keys'][:3])}")
            say(f"      {c['config_line']}")
    if data["config"]:
        say()
        say("To pin the inferred APIs, add to auditor.toml (or under [tool.auditor] in pyproject.toml):")
        for line in data["config"]:
            say(line)
