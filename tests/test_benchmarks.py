"""The release benchmark's own measuring: what it samples of a scan's process tree."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
run = pytest.importorskip("run", reason="benchmarks/run.py")


def test_the_tree_sampler_finds_a_grandchild_and_keeps_its_cpu_after_it_exits():
    # a child that starts a grandchild burning CPU for a moment, then waits for it
    burn = "import time; t = time.process_time()\nwhile time.process_time() - t < 0.3: pass"
    parent = subprocess.Popen([sys.executable, "-c", f"import subprocess, sys; subprocess.run([sys.executable, '-c', {burn!r}])"])
    tree = run.TreeSampler(parent.pid)
    peaks = []
    while parent.poll() is None:
        peaks.append(tree.sample())
        time.sleep(0.02)
    assert len(tree.cpu) == 2, "the child and the grandchild"
    grandchild = next(p for p in tree.cpu if p != parent.pid)
    assert 0.2 <= tree.cpu[grandchild] <= 2.0
    assert max(peaks) > 2 * 1024 * 1024  # two interpreters' resident pages
    assert 1024 * 1024 < tree.peak_process < max(peaks)
    assert tree.sample() == 0, "the tree has exited"
