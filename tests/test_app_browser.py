"""One real-browser check of the dashboard: `auditor app` serving the demo database, Debian's Chromium
driven by Playwright, every page loaded, key text asserted, screenshots saved under the test's tmp dir."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from auditor.cli import demo_project
from auditor.config import find_config, load_config
from auditor.dashboard import free_port
from auditor.scan import run_scan

from app_release import build_release  # tests/app_release.py

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
ROOT = Path(__file__).resolve().parents[1]

# (url path, text that must appear)
PAGES = [
    ("", ["Overview", "FAIL", "[ART001]", "Exposure", "Findings by rule", "Flag keys", "Scans in this database"]),  # the default page
    ("shipped", ["Shipped vs public", "Only in a source map", "Flag mismatches"]),
    ("artifact", ["Artifact", "acme-agent 1.4.0", "Source maps", "Files rebuilt from source maps"]),
    ("diff", ["Release diff", "Flags added", "Fixed findings"]),
    ("flags", ["Flags", "flag keys", "Reads", "Definitions"]),
    ("capabilities", ["Capabilities"]),
    ("findings", ["Findings", "Suppression fingerprint", "What it finds"]),
    ("sql", ["SQL", "Tables and views", "Row limit"]),
]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found: install Debian's chromium (`apt-get install -y chromium`; .ci/run does)")
    pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed (pip install '.[test]')")
    root = tmp_path_factory.mktemp("browser")
    old = root / "demo-old"
    shutil.copytree(demo_project(), old)
    (old / "src" / "tools.ts").unlink()
    db = root / "demo.duckdb"
    for target, label in ((old, "demo-old"), (demo_project(), "demo")):
        run_scan([str(target)], db, label, load_config(find_config(target)))
    try:  # newest: the demo release (bundle + source map) compared with the demo manifest
        from auditor.manifest import load_manifest

        run_scan([str(build_release(root / "acme-agent-1.4.0.tgz"))], db, "acme-agent 1.4.0",
                 load_config(demo_project() / "auditor.toml"), manifest=load_manifest(demo_project().parent / "manifest.toml"))
    except ImportError:
        pytest.skip("this auditor does not scan releases against a manifest yet")
    port = free_port()
    log = open(root / "app.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "auditor", "app", "--db", str(db), "--port", str(port)],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 45
    while True:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                break
        except OSError:
            pass
        if proc.poll() is not None or time.time() > deadline:
            proc.kill()
            pytest.fail(f"dashboard did not start: {(root / 'app.log').read_text()[-2000:]}")
        time.sleep(0.3)
    yield url, root
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="module")
def browser(served):
    """One Chromium for the module's tests (each test opens its own page)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


def test_every_page_renders_in_chromium(served, browser, tmp_path):
    url, _ = served
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        for path, texts in PAGES:
            page.goto(f"{url}/{path}", wait_until="domcontentloaded")
            try:
                for text in texts:
                    page.get_by_text(text, exact=False).first.wait_for(state="visible", timeout=30_000)
            except Exception:
                page.screenshot(path=str(tmp_path / f"FAILED-{path or 'overview'}.png"), full_page=True)
                raise
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(500)  # charts and grids draw after the data arrives
            assert page.locator('[data-testid="stException"]').count() == 0, f"exception on {path}"
            shot = tmp_path / f"{path or 'overview'}.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 10_000
        # The sidebar lists every page and the scan picker follows the newest scan.
        sidebar = page.locator('[data-testid="stSidebar"]')
        for title in ("Overview", "Shipped vs public", "Artifact", "Release diff", "Flags", "Capabilities", "Findings", "SQL"):
            assert sidebar.get_by_text(title, exact=True).count() >= 1, title
        shown = sidebar.inner_text() + "\n".join(sidebar.locator("input").evaluate_all("els => els.map(e => e.value)"))
        assert "Newest (#3 acme-agent 1.4.0)" in shown
    finally:
        page.close()


def test_overview_tells_the_story_and_a_click_opens_a_rule(served, browser, tmp_path):
    """On the release with a map and a manifest: the verdict leads, the exposure chart draws, a click on a row of
    the findings grouped by rule opens that rule's findings. On a directory scan without a manifest: the verdict
    says so and the chart says what it cannot show. Screenshots under tmp (AUDITOR_UPDATE_GOLDEN=1: docs/overview.png)."""
    url, _ = served
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(f"{url}/", wait_until="domcontentloaded")
        page.get_by_text("[ART001]", exact=False).first.wait_for(state="visible", timeout=30_000)
        page.get_by_text("Findings by rule").first.wait_for(state="visible", timeout=30_000)
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(800)
        shot = tmp_path / "overview.png"
        page.screenshot(path=str(shot), full_page=False)
        page.locator('[data-testid="stVegaLiteChart"]').first.wait_for(state="visible", timeout=30_000)  # the exposure chart
        code = page.locator('[data-testid="stCode"]').first.inner_text()
        assert code.startswith("FAIL  ") and "flags readable" in code
        page.get_by_text("Gated capabilities").first.wait_for(state="visible", timeout=30_000)
        page.wait_for_timeout(1500)
        page.screenshot(path=str(shot), full_page=False)
        if os.environ.get("AUDITOR_UPDATE_GOLDEN") == "1":
            shutil.copyfile(shot, ROOT / "docs" / "overview.png")
        grid = page.locator('[data-testid="stDataFrame"]').first
        grid.scroll_into_view_if_needed()
        box = grid.bounding_box()
        page.mouse.click(box["x"] + 18, box["y"] + 35 + 17)  # the first row's selection cell
        page.get_by_text("What it finds, why it matters, how to fix").first.wait_for(state="visible", timeout=30_000)
        assert page.locator('[data-testid="stException"]').count() == 0
        page.screenshot(path=str(tmp_path / "overview-rule-open.png"), full_page=True)

        page.goto(f"{url}/?scan=1", wait_until="domcontentloaded")  # demo-old: a directory, no manifest
        page.get_by_text("no manifest (auditor init writes one)", exact=False).first.wait_for(state="visible", timeout=30_000)
        page.get_by_text("needs a manifest", exact=False).first.wait_for(state="visible", timeout=30_000)
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(800)
        assert page.locator('[data-testid="stException"]').count() == 0
        page.screenshot(path=str(tmp_path / "overview-no-manifest.png"), full_page=True)
    finally:
        page.close()
