#!/usr/bin/env python3
"""Peak memory of `auditor scan` on a release with a large source map (the whole process tree).

    python benchmarks/bench_map_memory.py ARTIFACT [--grow N] [--jobs J]

ARTIFACT is an npm tarball whose bundle has an external map (e.g. `@continuedev/cli` 1.5.47:
13 MB bundle, 41 MB map). `--grow N` (default 1) first writes a copy whose map holds its `mappings`
N times (the copies on lines after the bundle's end), so the map grows by N-1 times its `mappings`
while the bundle, and so extraction, stay as shipped: `--grow 3` makes continuedev's 41 MB map 63 MB. The scan runs as a child `auditor scan --no-cache`; its
RSS and its children's are summed every 50 ms with psutil; prints the map size, wall time and the
peak. Nothing is downloaded.
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import psutil


def grow(src: Path, dest: Path, n: int) -> int:
    """Write the grown copy of `src` to `dest`; returns the largest map's size in bytes."""
    biggest = 0
    with tarfile.open(src) as tin, tarfile.open(dest, "w:gz", compresslevel=1) as tout:
        members = tin.getmembers()
        data = {m.name: tin.extractfile(m).read() for m in members if m.isfile()}
        for m in members:
            if not m.isfile():
                tout.addfile(m)
                continue
            body = data[m.name]
            if m.name.endswith(".js.map") and m.name[:-4] in data and n > 1:
                a = body.index(b'"mappings"')
                s = body.index(b'"', a + 10) + 1
                e = body.index(b'"', s)
                mappings = body[s:e]
                # N-1 more copies of the mappings, on lines after the bundle's: the map grows, the
                # bundle (and so extraction) stays as shipped
                lines = data[m.name[:-4]].count(b"\n")
                extra = (b";" * (lines - mappings.count(b";")) + b";" + mappings) * (n - 1)
                body = body[:e] + extra + body[e:]
                biggest = max(biggest, len(body))
            info = tarfile.TarInfo(m.name)
            info.size, info.mode, info.mtime = len(body), m.mode, m.mtime
            tout.addfile(info, io.BytesIO(body))
    return biggest


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("artifact")
    ap.add_argument("--grow", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=None)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(args.artifact)
        size = None
        if args.grow > 1:
            target = Path(tmp) / ("grown-" + target.name)
            size = grow(Path(args.artifact), target, args.grow)
        cmd = [sys.executable, "-m", "auditor", "scan", str(target), "--db", str(Path(tmp) / "m.duckdb"), "--no-cache", "-q"]
        if args.jobs:
            cmd += ["-j", str(args.jobs)]
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd)
        top = psutil.Process(proc.pid)
        peak = 0
        while proc.poll() is None:
            try:
                total = 0
                for p in [top, *top.children(recursive=True)]:
                    try:
                        total += p.memory_info().rss
                    except psutil.Error:
                        pass
                peak = max(peak, total)
            except psutil.Error:
                pass
            time.sleep(0.05)
        wall = time.perf_counter() - t0
    print(f"map: {size if size else 'as shipped'} bytes; exit {proc.returncode}; wall {wall:.1f} s; "
          f"peak RSS of the process tree {peak / 2**20:.0f} MiB")
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
