"""How long each dashboard page takes to render on a database (for example one holding real releases).

    python benchmarks/dashboard_pages.py auditor.duckdb            # server side, through AppTest
    python benchmarks/dashboard_pages.py auditor.duckdb --browser  # also in Chromium, through `auditor app`

Server side: the page script's run time in Streamlit's AppTest, for every scan in the database, first
(cold: nothing cached) and second visit (warm: query cache filled). Browser: from navigation until the
page's title shows and Streamlit stops running, with Debian's Chromium driven by Playwright.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from auditor.dashboard import app_dir, free_port  # noqa: E402

PAGES = [("overview", "Overview"), ("flags", "Flags"), ("capabilities", "Capabilities"), ("findings", "Findings"),
         ("shipped", "Shipped vs public"), ("artifact", "Artifact"), ("diff", "Release diff"), ("sql", "SQL")]


def server_side(db: Path) -> None:
    from streamlit.testing.v1 import AppTest

    os.environ["AUDITOR_DB"] = str(db)
    at = AppTest.from_file(str(app_dir() / "streamlit_app.py"), default_timeout=300)
    t0 = time.perf_counter()
    at.run()
    print(f"first load (snapshot copy + overview): {time.perf_counter() - t0:.2f} s")
    for scan_id in at.session_state["scan_ids"]:  # newest first
        at.sidebar.selectbox[0].set_value(scan_id).run()
        print(f"\nscan #{scan_id}")
        print(f"{'page':<20}{'cold s':>8}{'warm s':>8}")
        for page, _ in PAGES:
            times = []
            for _ in range(2):
                at.switch_page(f"app_pages/{page}.py")
                t = time.perf_counter()
                at.run()
                times.append(time.perf_counter() - t)
                if at.exception:
                    print(f"  {page}: exception {at.exception[0].value}")
            print(f"{page:<20}{times[0]:>8.2f}{times[1]:>8.2f}")


def browser(db: Path, scans: list[str]) -> None:
    from playwright.sync_api import sync_playwright

    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "auditor", "app", "--db", str(db), "--port", str(port)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env=dict(os.environ, PYTHONPATH=str(ROOT)))
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.2)
        with sync_playwright() as pw:
            b = pw.chromium.launch(executable_path="/usr/bin/chromium", args=[
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run"])
            page = b.new_page(viewport={"width": 1400, "height": 1000})
            for scan in scans:
                print(f"\nbrowser, scan {scan or 'newest'}: {url}")
                for path, title in PAGES:
                    for visit in ("cold", "warm"):
                        t = time.perf_counter()
                        page.goto(f"{url}/{'' if path == 'overview' else path}" + (f"?scan={scan}" if scan else ""))
                        page.get_by_role("heading", name=title).first.wait_for(timeout=120_000)
                        page.wait_for_function(
                            "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=120_000)
                        print(f"{path:<20}{visit:<6}{time.perf_counter() - t:>8.2f} s")
            b.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("db", type=Path)
    ap.add_argument("--browser", action="store_true")
    ap.add_argument("--scan", action="append", default=[], help="scan id to time in the browser (repeatable; default newest)")
    args = ap.parse_args()
    server_side(args.db.resolve())
    if args.browser:
        browser(args.db.resolve(), args.scan or [""])


if __name__ == "__main__":
    main()
