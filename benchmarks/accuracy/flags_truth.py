"""Independent truth of flag keys per development corpus, and recall / precision of a scan against it.

The truth never uses tree-sitter or the auditor's extraction: regular expressions over the shipped
JavaScript (and the TypeScript sources in a source map's `sourcesContent`), and Python's `ast` over
Python files.

What counts as a flag key (the definition, per corpus family):

* a key passed as a literal to a feature-flag / experiment API a human identified in that corpus by
  reading its code — SDK calls (`getFeatureFlag('k')`, `isFeatureEnabled('k')`, `checkGate('k')`, …),
  in-house helpers (`is_feature_enabled("K")`, `features.has("k")`, `flagResolver.isEnabled('k')`),
  DevTools-style experiment sets (`experiments.isEnabled('k')`);
* a key read through an enum of experiment names (`experiments.isEnabled(ExperimentName.FONT_EDITOR)`
  with `ExperimentName["FONT_EDITOR"] = "font-editor"`: Chrome DevTools code bundled in gemini-cli);
* a member of a remote-experiment registry that is read at a call site (`ExperimentFlags.NAME`
  referenced outside its declaration: gemini-cli's `experiments.flags[ExperimentFlags.NAME]`);
* a key of a declared flag registry (Superset's `DEFAULT_FEATURE_FLAGS` in `superset/config.py`).

Not flag keys: feature-detection sets (FTP `features.has('MLST')`, WebGPU
`adapter.features.has('depth-clip-control')`), environment variables (`process.env.HOME`; the auditor reports them as provider
`env`, scored separately), CLI options (`hasFlag('no-color')`), settings accessors.

Superset's TypeScript bundles are minified (`(0,x.G7)(y.D.DashboardRbac)`): their reads cannot be
tied to keys without the sources, so only its Python side is scored.

Usage:
    python benchmarks/accuracy/flags_truth.py TARGET --db SCAN.duckdb [--scan LABEL] [--json]
TARGET is the release file (.tgz / .whl) the scan read. Prints truth size, predicted size,
recall and precision (flag keys excluding provider `env`/`env-flag` reads, and including them).
"""

from __future__ import annotations

import argparse
import ast
import io
import json
import re
import sys
import tarfile
import zipfile
from pathlib import PurePosixPath

CALL_APIS = re.compile(
    r"""(?:\b(?:is_?[Ff]eature_?[Ee]nabled|isFeatureFlagEnabled|getFeatureFlag|getFeatureFlagPayload|useFeatureFlag\w*|"""
    r"""checkGate\w*|getFlagValue\w*|getFeatureValue\w*|useFlag|useSuspenseFlag|get(?:Boolean|String|Number)Value|"""
    r"""boolVariation|variation|isOn)|(?:flagResolver|experiments)\??\.isEnabled)"""
    r"""\s*(?:<[^<>()]*>)?\(\s*['"`]([\w.:/@-]{2,128})['"`]""")
"""Call shapes of flag APIs found by reading the corpora (SDKs and in-house helpers); the key is a literal."""
ENUM_READ = re.compile(r"\bexperiments\??\.isEnabled\(\s*ExperimentName\.([A-Z][A-Z0-9_]+)\s*\)")
ENUM_DECL = re.compile(r"\bExperimentName\[\s*[\"']([A-Z][A-Z0-9_]+)[\"']\s*\]\s*=\s*[\"']([^\"']+)[\"']|\b([A-Z][A-Z0-9_]+)\s*=\s*[\"']([a-z][\w-]+)[\"'],?\s*(?://.*)?$", re.M)
REGISTRY_REF = re.compile(r"\bExperimentFlags\.([A-Z][A-Z0-9_]+)\b")
REGISTRY_DECL = re.compile(r"\bExperimentFlags\s*=\s*\{([^}]*)\}", re.S)
MEMBER = re.compile(r"\b([A-Z][A-Z0-9_]+)\s*:")
TEST_PATH = re.compile(r"(?:^|/)(?:tests?|__tests__|__mocks__|test-fixtures)/|\.(?:test|spec)\.[jt]sx?$|(?:^|/)test_[^/]*\.py$")


def _js_texts(name: str, data: bytes):
    yield name, data.decode("utf-8", "replace")
    if name.endswith(".map"):
        try:
            m = json.loads(data)
        except ValueError:
            return
        for src, content in zip(m.get("sources", []), m.get("sourcesContent") or []):
            if content:
                yield f"{name}::{src}", content


def _entries(target: str):
    if target.endswith(".whl") or target.endswith(".zip"):
        with zipfile.ZipFile(target) as z:
            for info in z.infolist():
                if not info.is_dir():
                    yield info.filename, z.read(info)
    else:
        with tarfile.open(target) as t:
            for m in t.getmembers():
                if m.isfile():
                    f = t.extractfile(m)
                    if f is not None:
                        yield m.name.removeprefix("package/"), f.read()


def _python_keys(text: str) -> set[str]:
    keys: set[str] = set()
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return keys
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            fn = node.func
            name = fn.attr if isinstance(fn, ast.Attribute) else fn.id if isinstance(fn, ast.Name) else ""
            if name in ("is_feature_enabled",) and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                keys.add(node.args[0].value)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == "DEFAULT_FEATURE_FLAGS" for t in targets) and isinstance(node.value, ast.Dict):
                keys.update(k.value for k in node.value.keys if isinstance(k, ast.Constant) and isinstance(k.value, str))
    return keys


def truth(target: str) -> dict[str, set[str]]:
    """key → set of files (entry paths) where the truth saw it. Test files are left out."""
    found: dict[str, set[str]] = {}
    registry: set[str] = set()
    refs: dict[str, set[str]] = {}
    enum_values: dict[str, str] = {}
    enum_reads: dict[str, set[str]] = {}
    for name, data in _entries(target):
        if TEST_PATH.search(name):
            continue
        suffix = PurePosixPath(name).suffix
        if suffix == ".py":
            for k in _python_keys(data.decode("utf-8", "replace")):
                found.setdefault(k, set()).add(name)
        elif suffix in (".js", ".mjs", ".cjs", ".map"):
            for where, text in _js_texts(name, data):
                if TEST_PATH.search(where.split("::")[-1]):
                    continue
                for m in CALL_APIS.finditer(text):
                    found.setdefault(m.group(1), set()).add(where)
                for decl in REGISTRY_DECL.finditer(text):
                    registry.update(MEMBER.findall(decl.group(1)))
                for m in REGISTRY_REF.finditer(text):
                    refs.setdefault(m.group(1), set()).add(where)
                if "ExperimentName" in text:
                    for m in ENUM_DECL.finditer(text):
                        if m.group(1):
                            enum_values.setdefault(m.group(1), m.group(2))
                    for m in ENUM_READ.finditer(text):
                        enum_reads.setdefault(m.group(1), set()).add(where)
    for k in registry & set(refs):
        found.setdefault(k, set()).update(refs[k])
    for member, files in enum_reads.items():  # DevTools: experiments.isEnabled(ExperimentName.X), X = 'x-y'
        if member in enum_values:
            found.setdefault(enum_values[member], set()).update(files)
    return found


def predicted(db: str, scan: str | None, with_env: bool, python_only: bool = False) -> set[str]:
    """Keys the scan reports as flags: resolved keys of high / inferred reads (outside test files)
    and keys of registry definitions."""
    import duckdb

    conn = duckdb.connect(db, read_only=True)
    try:
        sid = conn.execute("SELECT max(scan_id) FROM scans WHERE ? IS NULL OR label = ?", [scan, scan]).fetchone()[0]
        env = "" if with_env else "AND provider NOT IN ('env', 'env-flag')"
        rows = conn.execute(f"""SELECT flag_key, path FROM flag_reads WHERE scan_id = ? AND resolved
                                AND confidence IN ('high', 'inferred') AND provider NOT IN ('settings', 'bundler') {env}
                                UNION ALL SELECT flag_key, path FROM flag_definitions WHERE scan_id = ? AND kind = 'registry'""",
                            [sid, sid]).fetchall()
    finally:
        conn.close()
    return {k for k, p in rows if not TEST_PATH.search(p) and (not python_only or p.endswith(".py"))}


def score(truth_keys: set[str], pred: set[str]) -> dict:
    tp = len(truth_keys & pred)
    return {"truth": len(truth_keys), "predicted": len(pred), "true_positives": tp,
            "recall": round(tp / len(truth_keys), 3) if truth_keys else None,
            "precision": round(tp / len(pred), 3) if pred else None,
            "missed": sorted(truth_keys - pred)[:15], "extra": sorted(pred - truth_keys)[:15]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("target")
    ap.add_argument("--db", required=True)
    ap.add_argument("--scan")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--python-only", action="store_true", help="score Python files only (Superset: its bundles are minified)")
    args = ap.parse_args(argv)
    t = truth(args.target)
    keys = {k for k, files in t.items() if not args.python_only or any(f.endswith(".py") for f in files)}
    out = {}
    for label, with_env in (("flags", False), ("flags+env", True)):
        pred = predicted(args.db, args.scan, with_env, args.python_only)
        out[label] = score(keys, pred)
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        for label, s in out.items():
            print(f"{label:10} truth {s['truth']:4} predicted {s['predicted']:4} recall {s['recall']} precision {s['precision']}")
            if label == "flags":
                print(f"           missed: {s['missed']}\n           extra: {s['extra']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
