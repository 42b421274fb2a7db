"""Rules: each rule is one TOML file in this package (`<ID>.toml`) with an id, a name that names the
pattern, a default severity and a doc with fixed headings, plus its logic: a SQL `query` in the TOML
evaluated over the scan's tables and views, or, where SQL cannot say it (messages that format sizes,
lists or Python reprs), one module beside it (`<ID>.py`) with a `findings(conn, scan_id)` function.
Rules read only the database: the readers record facts (entries, maps, coverage, refusals, secret
hits, bundler metadata; see docs/schema.md) and decide no rule.

A rule file:

```toml
id = "FLG001"
name = "flag-read-never-defined"
severity = "note"                # error | warning | note (SARIF levels)
summary = "One line shown in `auditor rules` and as SARIF shortDescription."
[doc]
what = "What it finds."
why = "Why it matters."
example = "An example of code or layout that triggers it."
fix = "How to fix it."
[query]                          # optional
sql = "SELECT subject, message, path, line FROM ... WHERE scan_id = $scan_id"
```

The SQL returns `subject` and `message` (required) and any of `path`, `line`, `end_line`,
`origin`, `target`, `severity` (a finding's own severity; NULL: the rule's). `$scan_id` is bound to
the scan being evaluated.

A rule module (`ART006.py`):

```python
def findings(conn: duckdb.DuckDBPyConnection, scan_id: int) -> Iterable[Finding]:
    ...  # read the tables of scan `scan_id`, yield models.Finding (rule_id = the rule's id)
```

A rule has a query or a module, never both, never neither (`all_rules` raises AuditorError).
"""

from __future__ import annotations

import hashlib
import importlib
import posixpath
import re
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources

import duckdb

from auditor.errors import AuditorError
from auditor.identity import stable_name
from auditor.models import Finding, Severity

DOC_HEADINGS = (("what", "What it finds"), ("why", "Why it matters"), ("example", "Example"), ("fix", "How to fix"))


@dataclass(frozen=True, slots=True)
class Rule:
    """A rule's metadata, doc and (optional) SQL."""

    id: str
    name: str
    severity: Severity
    summary: str
    doc: dict[str, str]
    """Keys `what`, `why`, `example`, `fix`."""
    sql: str | None = None
    module: str | None = None
    """Dotted name of the rule's module (`auditor.rules.ART006`) when its logic is Python."""

    def logic(self) -> Callable[[duckdb.DuckDBPyConnection, int], Iterable[Finding]]:
        """`findings(conn, scan_id)` of the rule: its module's, or one running its SQL."""
        if self.module is not None:
            return importlib.import_module(self.module).findings
        return lambda conn, scan_id: _sql_findings(self, conn, scan_id)

    def markdown(self) -> str:
        """The doc as Markdown with the fixed headings (used by `auditor explain` and SARIF help)."""
        parts = [f"# {self.id} {self.name}", "", self.summary, "", f"Default severity: **{self.severity.value}**", ""]
        for key, heading in DOC_HEADINGS:
            parts += [f"## {heading}", "", self.doc.get(key, "").strip(), ""]
        return "\n".join(parts).rstrip() + "\n"


class UnknownRuleError(AuditorError):
    """`auditor explain` was given a rule id that does not exist."""


@cache
def all_rules() -> dict[str, Rule]:
    """Every rule shipped in this package, by id, sorted by id."""
    rules = {}
    files = {entry.name: entry for entry in resources.files(__name__).iterdir()}
    for name, entry in files.items():
        if not name.endswith(".toml"):
            continue
        data = tomllib.loads(entry.read_text(encoding="utf-8"))
        stem = name.removesuffix(".toml")
        rule = Rule(
            id=data["id"],
            name=data["name"],
            severity=Severity(data["severity"]),
            summary=data["summary"],
            doc={k: str(v) for k, v in data.get("doc", {}).items()},
            sql=data.get("query", {}).get("sql"),
            module=f"{__name__}.{stem}" if f"{stem}.py" in files else None,
        )
        if stem != rule.id:
            raise AuditorError(f"rule file {name} holds rule {rule.id}")
        if (rule.sql is None) == (rule.module is None):
            raise AuditorError(f"rule {rule.id} needs its logic in exactly one place: a [query] sql in {name} or a module {stem}.py")
        rules[rule.id] = rule
    return dict(sorted(rules.items()))


def get_rule(rule_id: str) -> Rule:
    """The rule with id `rule_id` (case-insensitive). Raises UnknownRuleError."""
    rules = all_rules()
    rule = rules.get(rule_id.upper())
    if rule is None:
        raise UnknownRuleError(f"no rule {rule_id!r}; `auditor rules` lists them")
    return rule


def normalize_path(path: str | None) -> str:
    """Path as used in fingerprints: POSIX, no leading `./`, no temp-dir or `package/` prefix noise,
    bundler content hashes replaced (`chunk-5FZXKDXH.js` → `chunk-[hash].js`, see `auditor.identity`)."""
    if not path:
        return ""
    p = posixpath.normpath(path.replace("\\", "/")).lstrip("/")
    return stable_name(re.sub(r"^(\./)+", "", p))


def fingerprint(rule_id: str, path: str | None, subject: str) -> str:
    """Stable identity of a finding across runs and releases: rule id + normalized path + subject (no
    line numbers; content hashes in the path and subject stripped, so a chunk renamed by a rebuild
    keeps its findings' fingerprints)."""
    h = hashlib.sha256(f"{rule_id}\x1f{normalize_path(path)}\x1f{stable_name(subject)}".encode("utf-8"))
    return h.hexdigest()[:32]


_COLUMNS = ("scan_id", "rule_id", "severity", "subject", "message", "path", "line", "end_line", "fingerprint", "origin", "target")


def _rows_for(scan_id: int, rule: Rule, findings: list[Finding]) -> list[tuple]:
    return [
        (scan_id, rule.id, (f.severity or rule.severity).value, f.subject, f.message, f.path, f.line, f.end_line,
         fingerprint(rule.id, f.path, f.subject), f.origin, f.target)
        for f in findings
    ]


def _sql_findings(rule: Rule, conn: duckdb.DuckDBPyConnection, scan_id: int) -> list[Finding]:
    """Run the rule's SQL for `scan_id`. Raises duckdb.Error."""
    cur = conn.execute(rule.sql.replace("$scan_id", str(int(scan_id))))
    cols = [d[0] for d in cur.description]
    found = []
    for r in cur.fetchall():
        d = dict(zip(cols, r))
        severity = Severity(d["severity"]) if d.get("severity") else None
        found.append(Finding(rule.id, str(d["subject"]), str(d["message"]), d.get("path"), d.get("line"),
                             d.get("end_line"), d.get("origin") or "", d.get("target") or "", severity))
    return found


def evaluate(conn: duckdb.DuckDBPyConnection, scan_id: int) -> int:
    """Insert the findings of every rule (in id order) for `scan_id`. Returns how many.

    Runs inside the caller's transaction. Duplicate findings (same rule, fingerprint, line and target)
    are kept once (the first a rule returned); the same finding in two targets of one scan is kept
    for each. Raises AuditorError naming the rule when a rule's SQL or module fails.
    """
    from auditor import store

    rows: list[tuple] = []
    for rule in all_rules().values():
        try:
            found = list(rule.logic()(conn, scan_id))
        except duckdb.Error as exc:
            raise AuditorError(f"rule {rule.id} failed: {str(exc).splitlines()[0]}") from exc
        for f in found:
            if f.rule_id != rule.id:
                raise AuditorError(f"rule {rule.id} returned a finding for rule {f.rule_id}")
        rows.extend(_rows_for(scan_id, rule, found))
    seen = set()
    unique = []
    for row in rows:
        k = (row[1], row[8], row[5], row[6], row[10])  # rule, fingerprint, path, line, target
        if k not in seen:
            seen.add(k)
            unique.append(row)
    unique, evidence = merge_sightings(unique)
    evidence.extend(_bundle_evidence(conn, scan_id, unique))
    unique.sort(key=lambda r: (r[1], r[5] or "", r[6] or 0, r[3]))
    store.insert_rows(conn, "finding_evidence", ("scan_id", "fingerprint", "path", "line", "origin"), evidence)
    return store.insert_rows(conn, "findings", _COLUMNS, unique)


def _bundle_evidence(conn: duckdb.DuckDBPyConnection, scan_id: int, rows: list[tuple]) -> list[tuple]:
    """Evidence rows saying where in the shipped bundle a thing found in a map-rebuilt source
    occurs (`bundle_presence`): for findings with a source-map origin whose subject is that
    capability (`kind:name`) or flag key."""
    found = {(o, s): (b, line) for o, s, b, line in conn.execute(
        "SELECT origin, subject, bundle, bundle_line FROM bundle_presence WHERE scan_id = ? AND found", [scan_id]).fetchall()}
    if not found:
        return []
    out = []
    for r in rows:
        hit = found.get((r[9], r[3])) or found.get((r[9], r[3].removeprefix("flag:")))
        if hit is not None:
            out.append((r[0], r[8], hit[0], hit[1], ""))
    return out


THING_RULES = ("CAP", "FLG", "REL001", "REL003")
"""Rules (ids or prefixes) whose subject names the thing itself (a capability, a flag key, an
identifier): one finding per subject and target however many files it was seen in."""


def merge_sightings(rows: list[tuple]) -> tuple[list[tuple], list[tuple]]:
    """One finding per thing per release. Among findings of one rule, subject and target: for a
    THING_RULES rule all are folded into one (in shipped code when seen there, else the first by
    path and line); for other rules, those in sources rebuilt from a source map (origin
    `source map: …`) are folded into the shipped finding when there is one. Each folded finding
    becomes an evidence row (scan_id, fingerprint kept, path, line, origin). Rows are `_COLUMNS`
    tuples; returns (findings kept, evidence rows)."""
    groups: dict[tuple, list[tuple]] = {}
    for row in rows:
        groups.setdefault((row[1], row[3], row[10]), []).append(row)
    kept: list[tuple] = []
    evidence: list[tuple] = []
    for (rule_id, _, _), group in groups.items():
        if len(group) == 1:
            kept.extend(group)
            continue
        shipped = [r for r in group if not (r[9] or "").startswith("source map:")]
        if rule_id.startswith(THING_RULES):
            first = min(shipped or group, key=lambda r: (r[5] or "", r[6] or 0))
            kept.append(first)
        elif len(shipped) == len(group) or not shipped:
            kept.extend(group)
            continue
        else:
            kept.extend(shipped)
            first = min(shipped, key=lambda r: (r[5] or "", r[6] or 0))
        thing = rule_id.startswith(THING_RULES)
        for r in group:
            if r is not first and (thing or not any(r is k for k in shipped)):
                evidence.append((r[0], first[8], r[5], r[6], r[9] or ""))
    return kept, evidence
