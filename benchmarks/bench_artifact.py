#!/usr/bin/env python3
"""Artifact scan vs tree-sitter parse-only on the same bytes, with the peak RSS of each.

    python benchmarks/bench_artifact.py ARTIFACT [--config FILE] [--json]

ARTIFACT is anything `auditor scan` reads as a release (an npm `.tgz`, a wheel, an sdist, a zip, a
bundle or a map). It downloads nothing. Three passes, each in a fresh child process so that each
peak RSS is its own:

- read: iterate the artifact reader alone (decompress, hash, classify, secrets, source maps,
  rebuilt sources) without extraction;
- parse-only: take exactly the bytes the scan hands to extraction (entries and sources rebuilt from
  maps) and parse each with its tree-sitter grammar, nothing else; the bytes are gathered before the
  clock starts;
- scan: `auditor.scan.run_scan` into a fresh database (reader, extraction, resolution, rules, write).

Prints files, bytes, seconds, MB/s and peak RSS per pass, and the ratio scan / parse-only.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing


def _config(config_path: str | None):
    from auditor.config import Config, load_config

    return load_config(Path(config_path)) if config_path else Config()


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def pass_read(artifact: str, config_path: str | None) -> dict:
    """Iterate the reader alone."""
    from auditor.models import SourceFile
    from auditor.sources import open_target

    source = open_target(artifact, _config(config_path))
    t0 = time.perf_counter()
    files = size = items = 0
    for item in source.iter_files():
        items += 1
        if isinstance(item, SourceFile) and item.extract:
            files += 1
            size += len(item.data)
    return {"seconds": time.perf_counter() - t0, "files": files, "bytes": size, "records": items}


def pass_parse(artifact: str, config_path: str | None) -> dict:
    """Parse-only over exactly the bytes extraction would get (gathered before timing)."""
    import tree_sitter

    from auditor.languages import grammar
    from inputs import parsed_inputs

    todo = list(parsed_inputs(artifact, _config(config_path)))
    parsers: dict[str, tree_sitter.Parser] = {}
    t0 = time.perf_counter()
    errors = 0
    for lang, data in todo:
        parser = parsers.get(lang) or parsers.setdefault(lang, tree_sitter.Parser(grammar(lang)))
        errors += parser.parse(data).root_node.has_error
    return {"seconds": time.perf_counter() - t0, "files": len(todo), "bytes": sum(len(d) for _, d in todo), "with_errors": errors}


def pass_scan(artifact: str, config_path: str | None, jobs: int | None = None) -> dict:
    """The whole scan into a fresh database (no extraction cache)."""
    import inspect

    from auditor.scan import run_scan

    extra = {"jobs": jobs} if jobs and "jobs" in inspect.signature(run_scan).parameters else {}
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        summary = run_scan([artifact], Path(tmp) / "bench.duckdb", "bench", _config(config_path), **extra)
        seconds = time.perf_counter() - t0
    return {"seconds": seconds, "files": summary.files, "reads": summary.reads, "keys": summary.keys, "findings": summary.findings}


PASSES = {"read": pass_read, "parse": pass_parse, "scan": pass_scan}


def _child(name: str, artifact: str, config_path: str | None, jobs: int | None) -> dict:
    cmd = [sys.executable, __file__, artifact, "--pass", name] + (["--config", config_path] if config_path else [])
    cmd += ["--jobs", str(jobs)] if jobs else []
    out = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"{name} pass failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("artifact")
    ap.add_argument("--config")
    ap.add_argument("--json", action="store_true", help="print the results as JSON")
    ap.add_argument("--jobs", type=int, help="worker processes for the scan pass (default: run_scan's default)")
    ap.add_argument("--pass", dest="one", choices=sorted(PASSES), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.one:  # child process: one pass, JSON on stdout
        result = PASSES[args.one](args.artifact, args.config, *([args.jobs] if args.one == "scan" else []))
        result["peak_rss_mb"] = round(_rss_mb(), 1)
        print(json.dumps(result))
        return 0
    size = Path(args.artifact).stat().st_size if Path(args.artifact).exists() else None
    results = {name: _child(name, args.artifact, args.config, args.jobs) for name in PASSES}
    results["artifact"] = {"path": args.artifact, "bytes": size}
    results["ratio_scan_to_parse"] = round(results["scan"]["seconds"] / max(results["parse"]["seconds"], 1e-9), 2)
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    mb = results["parse"]["bytes"] / 1e6
    print(f"{args.artifact} ({(size or 0) / 1e6:.1f} MB): {results['parse']['files']} files parsed, {mb:.1f} MB")
    for name in PASSES:
        r = results[name]
        print(f"  {name:<6} {r['seconds']:8.2f} s  {mb / max(r['seconds'], 1e-9):7.1f} MB/s  peak RSS {r['peak_rss_mb']:7.1f} MB")
    print(f"  scan / parse-only = {results['ratio_scan_to_parse']}x"
          f"   (scan: {results['scan']['reads']} reads, {results['scan']['keys']} keys, {results['scan']['findings']} findings)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
