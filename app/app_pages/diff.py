"""Release diff: pick two scans; what was added and removed."""

import streamlit as st

import data
import ui

ids = st.session_state["scan_ids"]  # newest first
st.title("Release diff")
if len(ids) < 2:
    st.info("This database holds one scan. Scan another release into the same database "
            "(`auditor scan NEW --db …`) to compare them here.")
    st.stop()

ids = data.scans_by_release()[::-1]  # newest release first: by version (semver) or time, not by scan id
labels = {i: data.scan_label(i) for i in ids}
c1, c2 = st.columns(2)
old = c1.selectbox("Old", ids, index=1, format_func=labels.get, key="diff_old")
new = c2.selectbox("New", ids, index=0, format_func=labels.get, key="diff_new")
if old == new:
    st.warning("Pick two different scans.")
    st.stop()

d = data.diff(old, new)
cols = st.columns(5)
cols[0].metric("Flags added", len(d.flags_added))
cols[1].metric("Flags removed", len(d.flags_removed))
cols[2].metric("New findings", len(d.findings_new))
cols[3].metric("Fixed findings", len(d.findings_fixed))
cols[4].metric("Size", ui.human_bytes(d.size_new), help="Artifact entries when the scan has them, else parsed files.",
               delta=f"{d.size_new / d.size_old:.2f}× of {ui.human_bytes(d.size_old)}" if d.size_old else None, delta_color="off")


def section(title: str, added, removed, what: str, labels_=("added", "removed")) -> None:
    st.subheader(title)
    if added is None:
        ui.absent(title, f"{what} are recorded by scans with a newer auditor; re-scan both releases to compare them.")
        return
    left, right = st.columns(2)
    with left:
        st.markdown(f"**:green[+ {len(added)}] {labels_[0]}**")
        if not added.empty:
            ui.table(added)
    with right:
        st.markdown(f"**:red[− {len(removed)}] {labels_[1]}**")
        if not removed.empty:
            ui.table(removed)


section("Flags", d.flags_added, d.flags_removed, "Flags")
section("Findings", d.findings_new, d.findings_fixed, "Findings", ("new", "fixed"))
section("Capabilities", d.capabilities_added, d.capabilities_removed, "Capabilities")
if d.entries_added is not None:
    section("Entries", d.entries_added, d.entries_removed, "Entries")
else:
    section("Files", d.files_added, d.files_removed, "Files")
st.caption(f"{d.files_changed} files present in both scans changed content.")
