"""Release diff: pick two scans; what was added and removed — `auditor diff`'s own report."""

import pandas as pd
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
if d is None:
    ui.absent("Capabilities", "A release diff compares flags, capabilities, entries and findings as `auditor diff` does; "
              "this database predates capability tables. Re-scan both releases with a newer auditor.")
    st.stop()
st.caption(f"The same comparison as `auditor diff {d['old']['label']} {d['new']['label']}`.")
cols = st.columns(5)
cols[0].metric("Flags added", len(d["flags"]["added"]))
cols[1].metric("Flags removed", len(d["flags"]["removed"]))
cols[2].metric("New findings", len(d["findings"]["new"]))
cols[3].metric("Fixed findings", d["findings"]["gone"])
size = d["size"]
cols[4].metric("Size", ui.human_bytes(size["new"]), help="Artifact bytes when the scans read artifacts, else parsed files.",
               delta=f"{size['ratio']:.2f}× of {ui.human_bytes(size['old'])}" if size["ratio"] else None, delta_color="off")


def section(title: str, added: list, removed: list, columns: list[str], labels_=("added", "removed")) -> None:
    st.subheader(title)
    left, right = st.columns(2)
    with left:
        st.markdown(f"**:green[+ {len(added)}] {labels_[0]}**")
        if added:
            ui.table(pd.DataFrame(added, columns=columns))
    with right:
        st.markdown(f"**:red[− {len(removed)}] {labels_[1]}**")
        if removed:
            ui.table(pd.DataFrame(removed, columns=columns))


section("Flags", d["flags"]["added"], d["flags"]["removed"], ["key", "provider"])
caps = d["capabilities"]
section("Capabilities", caps["added"], caps["removed"], ["kind", "name", "hidden"])
if caps["now_hidden"] or caps["now_visible"]:
    section("Visibility", caps["now_hidden"], caps["now_visible"], ["kind", "name"], ("now hidden", "now visible"))
source = d["entries"]["source"]
section(source.capitalize(), [{"path": p} for p in d["entries"]["added"]], [{"path": p} for p in d["entries"]["removed"]], ["path"])
st.subheader("New findings")
if d["findings"]["new"]:
    ui.table(pd.DataFrame(d["findings"]["new"], columns=["severity", "rule_id", "subject", "message", "path", "line"]))
else:
    st.caption(f"No new finding; {d['findings']['gone']} gone.")
