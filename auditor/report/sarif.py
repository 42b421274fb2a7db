"""SARIF 2.1.0 output of a check report (OASIS SARIF v2.1.0 errata 01).

- `tool.driver.rules`: every rule of the auditor (so `ruleIndex` is stable across runs), each with
  `shortDescription` (summary), `fullDescription` (what it finds), `help.text`/`help.markdown` (the
  rule's full doc, the same text `auditor explain` prints) and `defaultConfiguration.level`.
- `results`: one per finding; `level` is the finding's severity after manifest overrides; the
  location is relative to the scanned target (`uriBaseId` `SRCROOT`) — for a file rebuilt from a
  source map, the path the map names (`MAPSOURCES`: the repository the release was built from, so
  code scanning shows the code) with the map as a related location —, without line numbers in the
  identity: `partialFingerprints["auditorFingerprint/v1"]` is the fingerprint (rule id +
  normalized path + subject). Suppressed findings carry `suppressions` (kind `external`, the
  manifest's reason); with a baseline, `baselineState` is `new` or `unchanged`.
- `invocations[0].executionSuccessful`: false when the audit is incomplete (an internal error left
  an item unaudited, see `report.verdict`), with one `toolExecutionNotifications` entry per failure
  (level `error`, the diagnostic code as `descriptor.id`, a message naming the item and the cause,
  the item as its location).
"""

from __future__ import annotations

from urllib.parse import quote

from auditor import __version__
from auditor.report.check import FINGERPRINT_KEY

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
MAP_ORIGIN = "source map: "
"""Prefix of `origin` for a file rebuilt from a source map's `sourcesContent`."""


def information_uri() -> str | None:
    """The project's documentation or home page from the installed package's metadata
    (`[project.urls]`: Documentation, Homepage, Repository, Source, in that order), or None — then
    `informationUri` is left out rather than pointing at a page that does not exist."""
    from importlib import metadata

    try:
        urls = metadata.metadata("auditor").get_all("Project-URL") or []
    except metadata.PackageNotFoundError:
        return None
    found = {}
    for entry in urls:
        label, _, url = entry.partition(",")
        found[label.strip().lower()] = url.strip()
    return next((found[k] for k in ("documentation", "homepage", "repository", "source") if found.get(k)), None)


def _rule_descriptor(rule) -> dict:
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": " ".join(rule.doc.get("what", rule.summary).split())},
        "help": {"text": rule.markdown(), "markdown": rule.markdown()},
        "defaultConfiguration": {"level": rule.severity.value},
        "properties": {"tags": [rule.id[:3].lower(), "feature-flags"]},
    }


def _uri(path: str) -> str:
    return quote(path.replace("\\", "/").lstrip("/"), safe="/@:+,;=-._~!$&'()*")


def _invocation(report: dict) -> dict:
    """The SARIF `invocation` of a check: `executionSuccessful` false and one notification per
    failure when the audit is incomplete."""
    failures = report.get("failures", [])
    inv: dict = {"executionSuccessful": bool(report.get("complete", True)) and not failures}
    if failures:
        notes = []
        for f in failures:
            where = f["item"] + (f" [{f['origin']}]" if f.get("origin") else "")
            note: dict = {
                "level": "error",
                "message": {"text": f"{where} could not be audited ({f['code']}): {f['cause']}"},
                "descriptor": {"id": f["code"]},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": _uri(f["item"]), "uriBaseId": "SRCROOT"}}}],
            }
            if f.get("origin"):
                note["properties"] = {"origin": f["origin"]}
            notes.append(note)
        inv["toolExecutionNotifications"] = notes
    return inv


def to_sarif(report: dict) -> dict:
    """The SARIF log (a JSON-ready dict) for a `report.check.check_report` dict."""
    from auditor.rules import all_rules

    rules = list(all_rules().values())
    index = {r.id: i for i, r in enumerate(rules)}
    results = []
    for f in report["findings"]:
        res: dict = {
            "ruleId": f["rule_id"],
            "ruleIndex": index.get(f["rule_id"], -1),
            "level": f["severity"],
            "message": {"text": f["message"]},
            "partialFingerprints": {FINGERPRINT_KEY: f["fingerprint"]},
            "properties": {"subject": f["subject"]},
        }
        origin = f.get("origin") or ""
        related_locs: list[dict] = []
        if f["path"]:
            # a file rebuilt from a map: the path the map names, relative to the repository the
            # release was built from (so code scanning shows the code); the map is a related location
            base = "MAPSOURCES" if origin.startswith(MAP_ORIGIN) else "SRCROOT"
            loc: dict = {"artifactLocation": {"uri": _uri(f["path"]), "uriBaseId": base}}
            if f["line"]:
                region = {"startLine": int(f["line"])}
                if f.get("end_line") and int(f["end_line"]) >= int(f["line"]):
                    region["endLine"] = int(f["end_line"])
                loc["region"] = region
            res["locations"] = [{"physicalLocation": loc}]
            if base == "MAPSOURCES":
                related_locs.append({"message": {"text": "the source map whose sourcesContent holds this file"},
                                     "physicalLocation": {"artifactLocation": {
                                         "uri": _uri(origin[len(MAP_ORIGIN):].split("#", 1)[0]), "uriBaseId": "SRCROOT"}}})
        for e in f.get("evidence") or []:  # the same finding seen elsewhere (a source rebuilt from a map, another chunk)
            if e.get("path"):
                related_locs.append({"physicalLocation": {"artifactLocation": {"uri": _uri(e["path"]), "uriBaseId": "SRCROOT"},
                                                          **({"region": {"startLine": int(e["line"])}} if e.get("line") else {})},
                                     **({"message": {"text": e["origin"]}} if e.get("origin") else {})})
        if related_locs:
            res["relatedLocations"] = [{"id": i + 1, **loc} for i, loc in enumerate(related_locs)]
        if f.get("origin"):
            res["properties"]["origin"] = f["origin"]
        if f.get("target"):
            res["properties"]["target"] = f["target"]
        if f["suppressed"]:
            res["suppressions"] = [{"kind": "external", "status": "accepted",
                                    "justification": f["suppression_reason"] or "suppressed in the manifest"}]
        if "baseline_state" in f:
            res["baselineState"] = f["baseline_state"]
        results.append(res)
    uri = information_uri()
    run: dict = {
        "invocations": [_invocation(report)],
        "tool": {"driver": {
            "name": "auditor",
            "version": __version__,
            "semanticVersion": __version__,
            "rules": [_rule_descriptor(r) for r in rules],
        }},
        "originalUriBaseIds": {
            "SRCROOT": {"description": {"text": "Root of the scanned target (directory or artifact)."}},
            "MAPSOURCES": {"description": {"text": "Root of the source tree a shipped source map names: paths of files "
                                                   "rebuilt from its sourcesContent, as the repository holds them."}},
        },
        "automationDetails": {"id": f"auditor/check/{report['scan']['label']}/"},
        "results": results,
        "properties": {"targets": report["scan"]["targets"], "manifest": report["manifest"], "summary": report["summary"]},
    }
    if uri:
        run["tool"]["driver"]["informationUri"] = uri
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
