#!/usr/bin/env python3
"""Release-scale benchmark: parse-only vs cold scan vs warm rescan, peak memory, and other tools.

    python benchmarks/run.py INPUT [INPUT ...] [--jobs N] [--repeat N] [--serial] [--no-compare] [--json FILE]

INPUT is anything `auditor scan` takes: a directory, an npm tarball, a wheel, a zip, a bundle. This
script downloads nothing (`../shared/real-inputs.sh` fetches the release inputs). Per input it prints:

files, MB       what the scan's readers hand to extraction (same readers, ignores, size limits)
parse s         tree-sitter parse-only pass over exactly those files: read + parse, one process
cold s          `auditor scan INPUT --jobs N` as a subprocess with an empty extraction cache: query
                packs, extraction, resolution, rules and the DuckDB write, and interpreter start-up
ratio           cold / parse
cpu s, cpu ratio  the same two runs in CPU seconds (user + system, all processes: workers included);
                on a shared machine wall times include waiting for a CPU, CPU seconds do not
cold -j1 s      (with --serial) the same cold scan in one process, and its ratio to parse
warm %          the same scan again with the cache the cold scan filled, as % of cold (wall; CPU)
peak RSS MB     highest sum of the resident memory of the scan's processes (main and workers),
                sampled with psutil every 20 ms during the cold scan; and the most one of them held
ast-grep s      `ast-grep scan` with the equivalent flag-read rules (SDK method calls whose names the
semgrep s       packs list, `process.env.X`, `os.environ`/`os.getenv`), when the tool is on PATH;
                archives are extracted to a temporary directory first (not timed)

Timings are the best of --repeat runs (default 1); each repetition runs parse-only, cold and warm one
after the other, so that all three see the machine at about the same speed. Exits 0; prints `-` for
a tool that is missing.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

import psutil  # noqa: E402
import tree_sitter  # noqa: E402

from auditor.config import Config  # noqa: E402
from auditor.languages import grammar  # noqa: E402
from auditor.parallel import default_jobs  # noqa: E402
from auditor.scan import effective_config, load_packs  # noqa: E402
from inputs import parsed_inputs  # noqa: E402


# -- measurements ---------------------------------------------------------------------------------
def parse_only(target: str, config: Config) -> tuple[float, float, int, int]:
    """(wall seconds, CPU seconds, files, bytes) of parsing every file the scan would parse, in this
    process. Only the `parse` calls are timed: reading an archive (and a reader's own checks, such
    as its secret scan) is not part of the baseline, which makes the ratios conservative."""
    parsers: dict[str, tree_sitter.Parser] = {}
    files = size = 0
    wall = cpu = 0.0
    for language, data in parsed_inputs(target, config):
        parser = parsers.get(language)
        if parser is None:
            parser = parsers[language] = tree_sitter.Parser(grammar(language))
        t0, c0 = time.perf_counter(), time.process_time()
        parser.parse(data)
        wall += time.perf_counter() - t0
        cpu += time.process_time() - c0
        files += 1
        size += len(data)
    return wall, cpu, files, size


class TreeSampler:
    """Resident memory and CPU seconds of a process and all its descendants (psutil).

    `sample()` returns the tree's resident bytes now, summed over its processes (pages the workers
    share with the main process count once per process, so the sum overstates what the machine
    holds) and records each process's CPU seconds, kept after the process exits."""

    def __init__(self, pid: int):
        self.root = psutil.Process(pid)
        self.cpu: dict[int, float] = {}
        """pid → CPU seconds (user + system) at its last sample."""
        self.peak_process = 0
        """The most resident bytes one process of the tree held at a sample."""

    def sample(self) -> int:
        """Resident bytes of the tree now, 0 once its root has exited."""
        try:
            procs = [self.root, *self.root.children(recursive=True)]
        except psutil.Error:
            return 0
        total = 0
        for proc in procs:
            try:
                with proc.oneshot():
                    rss = proc.memory_info().rss
                    times = proc.cpu_times()
            except psutil.Error:  # exited meanwhile
                continue
            total += rss
            self.peak_process = max(self.peak_process, rss)
            self.cpu[proc.pid] = max(self.cpu.get(proc.pid, 0.0), times.user + times.system)
        return total


def run_cli(args: list[str], env: dict[str, str]) -> tuple[float, float, int, int]:
    """(wall seconds, CPU seconds, peak RSS bytes of the process tree, peak RSS bytes of its largest
    process) of `python -m auditor ARGS`.

    CPU seconds: what the kernel counted for the CLI and the workers it waited for
    (RUSAGE_CHILDREN of this process), or the sum of the last samples of each process of the tree
    (`TreeSampler`) when that is more (a process nobody waited for)."""
    peak = 0
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "auditor", *args], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    tree = TreeSampler(proc.pid)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree.sample())
            done.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, stderr = proc.communicate()
    seconds = time.perf_counter() - t0
    done.set()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    waited = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    cpu = max(waited, sum(tree.cpu.values()))
    if proc.returncode not in (0, 1):
        raise SystemExit(f"auditor {' '.join(args)} failed ({proc.returncode}): {stderr.decode(errors='replace')[-2000:]}")
    return seconds, cpu, peak, tree.peak_process


def scan_env(cache: Path) -> dict[str, str]:
    """The environment of the timed `auditor` runs: its own extraction cache, and bytecode files
    allowed (an installed auditor has them: pip compiles them at install time; a checkout run
    with PYTHONDONTWRITEBYTECODE set would compile every module in every process of every run).
    Imports the scan's modules once, untimed, so that their bytecode exists."""
    env = dict(os.environ, AUDITOR_CACHE_DIR=str(cache))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    subprocess.run([sys.executable, "-c", "import auditor.cli, auditor.scan, auditor.parallel"],
                   env=env, cwd=ROOT, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return env


def scan_args(target: str, db: Path, jobs: int, config: Path | None) -> list[str]:
    args = ["scan", target, "--db", str(db), "--quiet", "--jobs", str(jobs)]
    return args + (["--config", str(config)] if config else [])


# -- other tools ----------------------------------------------------------------------------------
def flag_methods() -> list[str]:
    """SDK method names the built-in flag-read patterns require (`#eq?`/`#any-of?` on @flag.method)."""
    names: set[str] = set()
    pred = re.compile(r'\(#(?:eq|any-of)\?\s+@flag\.method((?:\s+"[^"]*")+)\s*\)')
    for pack in load_packs(Config()):
        for m in pred.finditer(pack.source):
            names.update(re.findall(r'"([^"]*)"', m.group(1)))
    return sorted(n for n in names if re.fullmatch(r"[A-Za-z_$][\w$]*", n))


def ast_grep_rules(dest: Path) -> Path:
    methods = "|".join(flag_methods())
    docs = []
    for lang in ("JavaScript", "TypeScript", "Tsx", "Python"):
        call = "call" if lang == "Python" else "call_expression"
        rule = {"id": f"flag-read-{lang.lower()}", "language": lang, "severity": "info", "message": "flag read",
                "rule": {"any": [
                    {"kind": call, "has": {"field": "function", "regex": f"(^|\\.)({methods})$"}},
                    {"pattern": "process.env.$X"} if lang != "Python" else {"pattern": "os.environ.get($$$)"},
                    {"pattern": "import.meta.env.$X"} if lang != "Python" else {"pattern": "os.getenv($$$)"},
                ]}}
        docs.append(json.dumps(rule))  # JSON is YAML
    path = dest / "ast-grep-rules.yml"
    path.write_text("\n---\n".join(docs) + "\n")
    return path


def semgrep_rules(dest: Path) -> Path:
    methods = "|".join(flag_methods())
    rules = {"rules": [
        {"id": "flag-read-js", "languages": ["javascript", "typescript"], "severity": "INFO", "message": "flag read",
         "pattern-either": [
             {"patterns": [{"pattern-either": [{"pattern": "$F(...)"}, {"pattern": "$O.$F(...)"}]},
                           {"metavariable-regex": {"metavariable": "$F", "regex": f"^({methods})$"}}]},
             {"pattern": "process.env.$X"}]},
        {"id": "flag-read-py", "languages": ["python"], "severity": "INFO", "message": "flag read",
         "pattern-either": [
             {"patterns": [{"pattern-either": [{"pattern": "$F(...)"}, {"pattern": "$O.$F(...)"}]},
                           {"metavariable-regex": {"metavariable": "$F", "regex": f"^({methods})$"}}]},
             {"pattern": "os.environ.get(...)"}, {"pattern": "os.getenv(...)"}]},
    ]}
    path = dest / "semgrep-rules.yml"
    path.write_text(json.dumps(rules))
    return path


def as_directory(target: str, tmp: Path) -> Path:
    """A directory holding the target's files (archives extracted; not timed)."""
    p = Path(target)
    if p.is_dir():
        return p
    out = tmp / "extracted"
    out.mkdir(exist_ok=True)
    if tarfile.is_tarfile(p):
        with tarfile.open(p) as tf:
            tf.extractall(out, filter="data")
    elif zipfile.is_zipfile(p):
        with zipfile.ZipFile(p) as zf:
            zf.extractall(out)
    else:
        shutil.copy(p, out / p.name)
    return out


def time_tool(cmd: list[str], timeout: float) -> float | str | None:
    """Wall seconds of `cmd`; `>N` when it ran past `timeout`; None when it failed."""
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=timeout)
    except subprocess.TimeoutExpired:
        return f">{timeout:.0f}"
    except OSError:
        return None
    if proc.returncode not in (0, 1):
        print(f"  ({cmd[0]} exited {proc.returncode}: {proc.stderr.decode(errors='replace').strip()[-300:]})", file=sys.stderr)
        return None
    return time.perf_counter() - t0


def ast_grep_binary() -> str | None:
    exe = shutil.which("ast-grep")  # not `sg`: on Linux that is usually shadow-utils' sg(1)
    return exe


# -- main -----------------------------------------------------------------------------------------
def bench(target: str, jobs: int, repeat: int, serial: bool, compare: bool, config_path: Path | None,
          tool_timeout: float = 900) -> dict:
    config = effective_config([target], config_path)
    row: dict = {"input": target, "jobs": jobs}
    with tempfile.TemporaryDirectory(prefix="auditor-bench-") as tmp:
        tmpd = Path(tmp)
        env = scan_env(tmpd / "cache")
        parses, colds, warms = [], [], []
        for i in range(repeat):  # interleaved: the machine's speed drifts from one minute to the next
            parses.append(parse_only(target, config))
            shutil.rmtree(tmpd / "cache", ignore_errors=True)
            colds.append(run_cli(scan_args(target, tmpd / f"cold{i}.duckdb", jobs, config_path), env))
            warms.append(run_cli(scan_args(target, tmpd / f"warm{i}.duckdb", jobs, config_path), env))
        row.update(files=parses[0][2], bytes=parses[0][3], parse_s=min(p[0] for p in parses), parse_cpu=min(p[1] for p in parses))
        row["cold_s"], row["cold_cpu"], row["peak_rss"] = min(c[0] for c in colds), min(c[1] for c in colds), max(c[2] for c in colds)
        row["peak_process"] = max(c[3] for c in colds)
        row["warm_s"], row["warm_cpu"] = min(w[0] for w in warms), min(w[1] for w in warms)
        if serial:
            serials = []
            for i in range(repeat):
                shutil.rmtree(tmpd / "cache", ignore_errors=True)
                serials.append(run_cli(scan_args(target, tmpd / f"serial{i}.duckdb", 1, config_path), env))
            row["cold_j1_s"], row["cold_j1_cpu"] = min(x[0] for x in serials), min(x[1] for x in serials)
        if compare:
            src = as_directory(target, tmpd)
            sg = ast_grep_binary()
            if sg:
                rules = ast_grep_rules(tmpd)
                row["ast_grep_s"] = time_tool([sg, "scan", "--rule", str(rules), "--json=compact", "-j", str(jobs), str(src)], tool_timeout)
            semgrep = shutil.which("semgrep")
            if semgrep:
                rules = semgrep_rules(tmpd)
                row["semgrep_s"] = time_tool([semgrep, "scan", "--config", str(rules), "--json", "--metrics=off", "--disable-version-check",
                                              "--timeout", "0", "--max-target-bytes", "0", "--no-git-ignore", "-j", str(jobs), "--quiet", str(src)], tool_timeout)
    return row


def fmt(row: dict) -> list[str]:
    def s(key: str) -> str:
        v = row.get(key)
        return "-" if v is None else v if isinstance(v, str) else f"{v:.2f}"

    def r(a: str, b: str) -> str:
        return f"{row[a] / row[b]:.2f}" if row.get(a) is not None and row.get(b) else "-"

    out = [Path(row["input"]).name or row["input"], str(row["files"]), f"{row['bytes'] / 1e6:.1f}",
           s("parse_s"), s("cold_s"), r("cold_s", "parse_s"), s("parse_cpu"), s("cold_cpu"), r("cold_cpu", "parse_cpu")]
    if "cold_j1_s" in row:
        out += [s("cold_j1_s"), r("cold_j1_s", "parse_s"), r("cold_j1_cpu", "parse_cpu")]
    out += [f"{100 * row['warm_s'] / row['cold_s']:.1f}; {100 * row['warm_cpu'] / row['cold_cpu']:.1f}",
            f"{row['peak_rss'] / 1e6:.0f}; {row['peak_process'] / 1e6:.0f}", s("ast_grep_s"), s("semgrep_s")]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("inputs", nargs="+", help="directories or release artifacts")
    ap.add_argument("--jobs", type=int, default=default_jobs(), help="worker processes for the cold and warm scans (default: CPUs)")
    ap.add_argument("--repeat", type=int, default=1, help="take the best of N runs of each timing")
    ap.add_argument("--serial", action="store_true", help="also time the cold scan with --jobs 1")
    ap.add_argument("--no-compare", action="store_true", help="skip ast-grep and semgrep")
    ap.add_argument("--tool-timeout", type=float, default=900, help="stop ast-grep/semgrep after this many seconds (printed as >N)")
    ap.add_argument("--config", type=Path, help="auditor.toml to use for every input")
    ap.add_argument("--json", type=Path, help="also write the rows as JSON to this file")
    args = ap.parse_args()
    head = ["input", "files", "MB", "parse s", f"cold s (-j{args.jobs})", "ratio", "parse cpu s", "cold cpu s", "cpu ratio"]
    if args.serial:
        head += ["cold -j1 s", "ratio -j1", "cpu ratio -j1"]
    head += ["warm % (wall; cpu)", "peak RSS MB (tree; one process)", "ast-grep s", "semgrep s"]
    rows = []
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for target in args.inputs:
        row = bench(target, args.jobs, args.repeat, args.serial, not args.no_compare, args.config, args.tool_timeout)
        rows.append(row)
        print("| " + " | ".join(fmt(row)) + " |", flush=True)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
