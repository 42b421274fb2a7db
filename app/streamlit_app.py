"""auditor dashboard: `auditor app [--db PATH] [--port N]` (or `streamlit run app/streamlit_app.py` with
$AUDITOR_DB set). The entry point: navigation, the database and scan picker in the sidebar. Every page
is UI only and reads through `data.py`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # `data` and `ui` live beside this file (app/ or auditor/_app/)
    sys.path.insert(0, str(HERE))

import data  # noqa: E402
import ui  # noqa: E402

st.set_page_config(page_title="auditor", page_icon=":material/policy:", layout="wide")

PAGES = {
    "Release": [
        st.Page(HERE / "app_pages/overview.py", title="Overview", icon=":material/dashboard:", default=True, url_path="overview"),
        st.Page(HERE / "app_pages/shipped.py", title="Shipped vs public", icon=":material/compare:", url_path="shipped"),
        st.Page(HERE / "app_pages/artifact.py", title="Artifact", icon=":material/inventory_2:", url_path="artifact"),
        st.Page(HERE / "app_pages/diff.py", title="Release diff", icon=":material/difference:", url_path="diff"),
    ],
    "Code": [
        st.Page(HERE / "app_pages/flags.py", title="Flags", icon=":material/flag:", url_path="flags"),
        st.Page(HERE / "app_pages/capabilities.py", title="Capabilities", icon=":material/handyman:", url_path="capabilities"),
        st.Page(HERE / "app_pages/findings.py", title="Findings", icon=":material/report:", url_path="findings"),
    ],
    "Explore": [
        st.Page(HERE / "app_pages/sql.py", title="SQL", icon=":material/database:", url_path="sql"),
    ],
}

page = st.navigation(PAGES)

with st.sidebar:
    st.markdown("### :material/policy: auditor")
    try:
        snap = data.snapshot()
        scans = data.scans()
    except data.DataError as exc:
        st.error(str(exc))
        st.stop()
    if scans.empty:
        st.info(f"{snap.path.name} holds no finished scan yet. Run `auditor scan --db {snap.path}`.")
        st.stop()
    ui.scan_picker(scans)
    st.caption(f"Database `{snap.path.name}` · schema v{snap.schema_version} · read at {snap.taken_at:%H:%M:%S}")
    if snap.busy:
        st.warning("A scan is writing to the database: showing the data as of "
                   f"{snap.modified_at:%H:%M:%S}. Reload when it finishes.", icon=":material/hourglass_top:")
    if st.button("Reload", help="Pick up scans written since the page was drawn."):
        st.rerun()

page.run()
