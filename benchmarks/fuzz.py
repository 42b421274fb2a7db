"""An offline fuzzing campaign over the readers, in-process: mutated source maps, package.json files,
ignore files, tar and zip archives (read through the whole artifact audit, secrets off) and string
literals (JavaScript and Python, read through the grammar and `strings`).

    python benchmarks/fuzz.py [N] [--seed S] [--save DIR] [--timeout SECONDS]

N inputs (default 200000) are generated from built-in seeds by random mutations (bit flips,
interesting bytes, hostile tokens such as `\\ud800`, raw `ED A0 80`, `[` x 5000, `!`, `..`,
truncation, splicing); for archives the uncompressed tar is mutated and then compressed (or not).

A *failure* is: an exception escaping a reader other than its documented one (`MapError` from
`parse_map`), a `*-failed` diagnostic (an internal error caught by a safety net), a string in a
record that is not valid UTF-8, or an input taking longer than `--timeout` (default 20 s). The
report gives inputs tried per kind, failures by kind and cause, the wall time and the peak RSS of
the process tree (psutil, sampled every 200 inputs and at the end). With `--save DIR` the first
input of each failure cause is written there to reproduce it. Exit 1 when anything failed.
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import gzip
import io
import json
import random
import shutil
import signal
import sys
import tarfile
import tempfile
import time
import traceback
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psutil  # noqa: E402
import tree_sitter  # noqa: E402

from auditor.config import Config  # noqa: E402
from auditor.extract.syntax import string_value  # noqa: E402
from auditor.languages import grammar  # noqa: E402
from auditor.models import Diagnostic  # noqa: E402
from auditor.sources import sourcemap  # noqa: E402
from auditor.sources.artifact import ArtifactSource  # noqa: E402
from auditor.sources.directory import gitignore_spec  # noqa: E402
from auditor.sources.npm import NpmCoverage, parse_package_json  # noqa: E402
from auditor.strings import js_unescape, query_string_value  # noqa: E402

HOSTILE = [
    b"\\ud800", b"\\udc80", b"\\u", b"\\u12", b"\\q", b"\\x", b"\xed\xa0\x80", b"\xff", b"\x00", b"\\", b'"', b"'", b"`",
    b"[" * 5000, b"{" * 3000, b"!", b"[", b"..", b"../../", b"/", b"\\u{110000}", b"\\N{BULLET}", b"${", b"\n", b"\r\n",
    b'"sections": [', b'"sourcesContent": [', b'"sources": [', b"null", b"-1", b"1e999", b"\xf0\x9f\x98", b"\xc0\xaf",
]

MAP_SEED = json.dumps({
    "version": 3, "file": "app.js", "sourceRoot": "webpack://app/", "sources": ["src/a.ts", "./src/b.js", "node_modules/x/i.js"],
    "names": ["a", "b"], "mappings": "AAAA,CAAC;AACD",
    "sourcesContent": ["export const a = process.env.FLAG_A ?? 'hello world literal';\n",
                       "if (ld.variation('new-checkout-flow', false)) { register('tool'); }\n", "module.exports = 1;\n"],
}).encode()
INDEX_SEED = json.dumps({"version": 3, "file": "app.js", "sections": [
    {"offset": {"line": 0, "column": 0}, "map": json.loads(MAP_SEED)},
    {"offset": {"line": 9, "column": 0}, "map": {"version": 3, "sources": ["c.ts"], "mappings": "AAAA", "sourcesContent": ["const c = 'cccccccc';"]}}]}).encode()
BUNDLE_SEED = b"var a=process.env.FLAG_A,b='hello world literal';\n//# sourceMappingURL=app.js.map\n"
PACKAGE_SEED = json.dumps({"name": "pkg", "version": "1.0.0", "main": "index.js", "bin": {"p": "bin/p.js"},
                           "files": ["dist", "!dist/*.map", "index.js"], "bundleDependencies": ["dep"]}).encode()
IGNORE_SEED = b"*.log\n!keep.log\n/build/\n[abc].js\n# comment\nsrc/**/*.test.js\n"
JS_SEED = b"""const a = 'caf\\u00e9 \\x41 \\u{1F600}'; const b = "\\ud83d\\ude00\\n"; const c = `t\\`x`;
ld.variation('flag-key', false); process.env['ENV_KEY']; const d = '\\
cont';\n"""
PY_SEED = b"""import os\nos.getenv('FLAG_\\x41')\nx = r'\\d+' + f'{{a}}\\n' + '\\N{BULLET}' + u'\\u00e9' + 'a' 'b'\nposthog.feature_enabled("py-flag", u)\n"""


def tar_seed(compress: bool = False) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for name, data in (("package/package.json", PACKAGE_SEED), ("package/index.js", b"process.env.IDX\n"), ("package/app.js", BUNDLE_SEED),
                           ("package/app.js.map", MAP_SEED), ("package/.npmignore", b"!\n*.md\n"), ("package/.env", b"K=1\n")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        ln = tarfile.TarInfo("package/link.js")
        ln.type, ln.linkname = tarfile.SYMTYPE, "index.js"
        tar.addfile(ln)
    return gzip.compress(raw.getvalue(), mtime=0) if compress else raw.getvalue()


def zip_seed() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("pkg/__init__.py", "import os\nos.getenv('WHEEL_FLAG')\n")
        z.writestr("pkg/app.js", BUNDLE_SEED)
        z.writestr("pkg/app.js.map", MAP_SEED)
        z.writestr("pkg-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: pkg\nVersion: 1.0\n")
        z.writestr("pkg-1.0.dist-info/top_level.txt", "pkg\n")
        info = zipfile.ZipInfo("pkg/link")
        info.create_system, info.external_attr = 3, (0o120777 << 16)
        z.writestr(info, "../../etc/passwd")
    return buf.getvalue()


# -- mutation ---------------------------------------------------------------------------------

def mutate(rng: random.Random, data: bytes, others: list[bytes]) -> bytes:
    b = bytearray(data)
    for _ in range(rng.choice((1, 1, 1, 2, 3, 5, 8))):
        op = rng.randrange(8)
        pos = rng.randrange(len(b) + 1)
        if op == 0 and b:  # bit flip
            i = min(pos, len(b) - 1)
            b[i] ^= 1 << rng.randrange(8)
        elif op == 1 and b:  # interesting byte
            b[min(pos, len(b) - 1)] = rng.choice((0, 0x7F, 0x80, 0xFF, 0x22, 0x5C, 0x5B, 0x7B, 0x2F, 0x2E, 0x0A))
        elif op in (2, 3):  # hostile token
            b[pos:pos] = rng.choice(HOSTILE)
        elif op == 4 and b:  # delete a range
            b[pos:pos + rng.randrange(1, 64)] = b""
        elif op == 5 and b:  # duplicate a range
            end = min(len(b), pos + rng.randrange(1, 256))
            b[pos:pos] = b[pos:end] * rng.choice((1, 2, 16))
        elif op == 6:  # truncate
            del b[pos:]
        elif op == 7 and others:  # splice another seed
            o = rng.choice(others)
            s = rng.randrange(len(o) + 1)
            b[pos:pos] = o[s:s + rng.randrange(1, 512)]
    return bytes(b[: 4 * 1024 * 1024])


# -- targets: each returns the records to check; raises only on a failure ----------------------

class Failure(Exception):
    """A property broken by an input (not an exception from the reader itself)."""


def check_strings(obj, where: str) -> None:
    stack = [obj]
    while stack:
        x = stack.pop()
        if isinstance(x, str):
            try:
                x.encode("utf-8")
            except UnicodeEncodeError:
                raise Failure(f"invalid UTF-8 in {where}") from None
        elif dataclasses.is_dataclass(x) and not isinstance(x, type):
            stack.extend(getattr(x, f.name) for f in dataclasses.fields(x) if f.name not in ("buf", "data", "handle"))
        elif isinstance(x, (list, tuple)):
            stack.extend(x)
        elif isinstance(x, dict):
            stack.extend(x.keys())
            stack.extend(x.values())


def run_map(data: bytes) -> None:
    try:
        pm = sourcemap.parse_map(data)
    except sourcemap.MapError:
        return
    check_strings(pm.top, "parsed map")
    check_strings(pm.problems, "map problems")
    index = sourcemap.BundleIndex([BUNDLE_SEED, data[:4096]])
    for src in pm.flat_sources()[:50]:
        if src.source is not None:
            path, _ = sourcemap.normalize_source(src.source, src.root, "dist/app.js.map")
            check_strings(path, "normalized source")
            if src.content is not None and len(src.content) < 200_000:
                lits = sourcemap.literals(src.content, path if path.endswith((".ts", ".js")) else path + ".ts") or set()
                check_strings(sorted(lits), "literals")
                for lit in lits:
                    index.contains(lit)


def run_package(data: bytes) -> None:
    problems: list[str] = []
    pkg = parse_package_json(data, problems)
    check_strings(problems, "package problems")
    if pkg is not None:
        check_strings(pkg, "package.json")
        cov = NpmCoverage(pkg, {"": IGNORE_SEED.decode().splitlines(), "sub/": data[:2000].decode("utf-8", "replace").splitlines()})
        check_strings(cov.problems, "coverage problems")
        for p in ("index.js", "dist/a.js", "dist/a.js.map", ".env", "sub/x", "node_modules/dep/i.js"):
            cov.covered(p)


def run_ignore(data: bytes) -> None:
    problems: list[str] = []
    spec = gitignore_spec(data.decode("utf-8", "replace").splitlines(), problems)
    check_strings(problems, "ignore problems")
    for p in ("a.log", "keep.log", "build/x", "b.js", "src/x/y.test.js"):
        spec.match_file(p)


def run_strings(data: bytes, language: str) -> None:
    tree = tree_sitter.Parser(grammar(language)).parse(data)
    stack = [tree.root_node]
    n = 0
    while stack and n < 2000:
        node = stack.pop()
        n += 1
        if node.type in ("string", "template_string", "concatenated_string"):
            v = string_value(node)
            if v is not None:
                check_strings(v, "string value")
        stack.extend(node.children)
    check_strings(js_unescape(data[:2000].decode("utf-8", "replace")), "js_unescape")
    query_string_value(data[:500].decode("utf-8", "replace"))


CONFIG = Config(extra={"artifacts": {"secrets": False}})


def run_archive(data: bytes, fmt: str, workdir: Path) -> None:
    path = workdir / ("in.tgz" if fmt == "tar" else "in.whl")
    path.write_bytes(data)
    for rec in ArtifactSource(str(path), path, fmt, CONFIG).iter_files():
        if isinstance(rec, Diagnostic) and rec.code.endswith("-failed"):
            raise Failure(f"{rec.code}: {rec.message[:160]}")
        check_strings(rec, type(rec).__name__)


# -- the campaign -----------------------------------------------------------------------------

def tree_rss(proc: psutil.Process) -> int:
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


class Hang(Exception):
    pass


def _alarm(signum, frame):
    raise Hang()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("n", type=int, nargs="?", default=200_000, help="inputs to try (default 200000)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--save", type=Path, default=None, help="write the first input of each failure cause here")
    ap.add_argument("--timeout", type=int, default=20, help="seconds per input before it counts as a hang")
    ap.add_argument("--json", type=Path, default=None, help="also write the report as JSON")
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    seeds = {
        "map": [MAP_SEED, INDEX_SEED], "package": [PACKAGE_SEED], "ignore": [IGNORE_SEED],
        "js": [JS_SEED, BUNDLE_SEED], "python": [PY_SEED], "tar": [tar_seed()], "zip": [zip_seed()],
    }
    everything = [s for v in seeds.values() for s in v]
    weights = {"map": 30, "package": 10, "ignore": 8, "js": 12, "python": 6, "tar": 20, "zip": 14}
    kinds = list(weights)
    tried: collections.Counter = collections.Counter()
    failures: collections.Counter = collections.Counter()
    examples: dict[tuple[str, str], bytes] = {}
    proc = psutil.Process()
    peak = tree_rss(proc)
    workdir = Path(tempfile.mkdtemp(prefix="auditor-fuzz-"))
    signal.signal(signal.SIGALRM, _alarm)
    t0 = time.perf_counter()
    try:
        for i in range(args.n):
            kind = rng.choices(kinds, [weights[k] for k in kinds])[0]
            data = mutate(rng, rng.choice(seeds[kind]), everything)
            if kind == "tar" and rng.random() < 0.7:
                data = gzip.compress(data, compresslevel=1, mtime=0)
            tried[kind] += 1
            signal.alarm(args.timeout)
            try:
                if kind == "map":
                    run_map(data)
                elif kind == "package":
                    run_package(data)
                elif kind == "ignore":
                    run_ignore(data)
                elif kind in ("js", "python"):
                    run_strings(data, "javascript" if kind == "js" else "python")
                else:
                    run_archive(data, kind, workdir)
            except Failure as exc:
                cause = str(exc).split(":")[0]
                failures[(kind, cause)] += 1
                examples.setdefault((kind, cause), data)
            except Hang:
                failures[(kind, "hang")] += 1
                examples.setdefault((kind, "hang"), data)
            except Exception as exc:  # noqa: BLE001 - an exception escaping a reader is the failure counted
                tb = traceback.extract_tb(exc.__traceback__)
                frame = next((f for f in reversed(tb) if "/auditor/" in f.filename), tb[-1])
                cause = f"{type(exc).__name__} at {Path(frame.filename).name}:{frame.lineno}"
                failures[(kind, cause)] += 1
                examples.setdefault((kind, cause), data)
            finally:
                signal.alarm(0)
            if i % 200 == 0:
                peak = max(peak, tree_rss(proc))
            if i and i % 10_000 == 0:
                print(f"  {i} inputs, {sum(failures.values())} failures, {time.perf_counter() - t0:.0f} s, peak RSS {peak / 2**20:.0f} MiB", flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    peak = max(peak, tree_rss(proc))
    elapsed = time.perf_counter() - t0
    report = {
        "inputs": sum(tried.values()), "by_kind": dict(tried), "failures": sum(failures.values()),
        "failures_by_cause": {f"{k}: {c}": n for (k, c), n in failures.most_common()},
        "seconds": round(elapsed, 1), "peak_rss_mib": round(peak / 2**20, 1), "seed": args.seed,
    }
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    if args.save and examples:
        args.save.mkdir(parents=True, exist_ok=True)
        for n, ((kind, cause), data) in enumerate(sorted(examples.items())):
            (args.save / f"{n:03d}-{kind}.bin").write_bytes(data)
            (args.save / f"{n:03d}-{kind}.txt").write_text(cause + "\n")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
