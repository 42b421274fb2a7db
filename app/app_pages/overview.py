"""Overview: scans and releases, headline counts, charts."""

import altair as alt
import streamlit as st

import data
import ui

scan = ui.scan_id()
st.title("Overview")
st.caption(f"Scan {data.scan_label(scan)} — what exists, what shipped, what fired.")

o = data.overview(scan)
f = o["findings"]
cols = st.columns(6)
cols[0].metric("Flag keys", o["keys"], help=f"Resolved, high-confidence keys. {o['low_keys']} more seen only by method name (low confidence).")
cols[1].metric("Flag reads", o["reads"], help=f"{o['unresolved']} with a key that could not be resolved.")
cols[2].metric("Definitions", o["definitions"])
cols[3].metric("Files parsed", o["files"], help=f"{ui.human_bytes(o['bytes'])}; {o['rebuilt']} rebuilt from source maps.")
cols[4].metric("Findings", f["error"] + f["warning"] + f["note"], help="Unsuppressed.")
cols[5].metric("Errors · warnings · notes", f"{f['error']} · {f['warning']} · {f['note']}")

artifacts = data.artifacts(scan)
caps = data.capabilities(scan)
if artifacts is not None or caps is not None:
    cols = st.columns(4)
    if artifacts is not None and not artifacts.empty:
        size_col = next((c for c in ("total_bytes", "size", "bytes") if c in artifacts.columns), None)
        count_col = next((c for c in ("entry_count", "entries") if c in artifacts.columns), None)
        cols[0].metric("Artifacts", len(artifacts))
        if size_col:
            cols[1].metric("Artifact size", ui.human_bytes(artifacts[size_col].sum()))
        if count_col:
            cols[2].metric("Entries", int(artifacts[count_col].sum()))
    if caps is not None:
        cols[3].metric("Gated capabilities", int(caps["gated"].sum()), help=f"{len(caps)} capabilities, {int(caps['hidden'].sum())} hidden.")

left, right = st.columns(2)
with left:
    st.subheader("Flag keys by provider")
    kp = data.keys_by_provider(scan)
    if kp.empty:
        st.caption("No flag read in this scan.")
    else:
        ui.bar_chart(kp, "keys", "provider", ["provider", "keys", "reads"])
with right:
    st.subheader("Findings by rule")
    fr = data.findings_by_rule(scan)
    if fr.empty:
        st.caption("No finding in this scan.")
    else:
        ui.bar_chart(fr, "findings", "rule_id", ["rule_id", "severity", "findings"],
                     color=alt.Color("severity:N", scale=alt.Scale(domain=["error", "warning", "note"], range=["#c62828", "#ef6c00", "#1565c0"])))

st.subheader("Files by language")
ui.table(data.files_by_language(scan), bytes=st.column_config.NumberColumn("bytes", format="%d"))

st.subheader("Scans in this database")
ui.table(data.scans(), started_at=st.column_config.DatetimeColumn("started (UTC)", format="YYYY-MM-DD HH:mm:ss"))
