"""Capabilities: tools, commands, options, routes; hidden and gated first; the gate chain of each."""

import streamlit as st

import data
import ui

scan = ui.scan_id()
st.title("Capabilities")

caps = data.capabilities(scan)
if caps is None:
    ui.absent("Capabilities", "Tools, commands, options and routes (and the gates around them) are recorded by scans "
              "with a newer auditor (capability tables, schema 4); re-scan with it to see them here.")
    st.stop()
if caps.empty:
    st.info("No capability registration found in this scan.")
    st.stop()

kinds = sorted(caps["kind"].unique())
c = st.columns(5)
c[0].metric("Capabilities", len(caps))
c[1].metric("Hidden", int(caps["hidden"].sum()))
c[2].metric("Gated", int(caps["gated"].sum()))
c[3].metric("Hidden or gated", int((caps["hidden"] | caps["gated"]).sum()))
c[4].metric("Kinds", ", ".join(f"{k} {int((caps['kind'] == k).sum())}" for k in kinds) if len(kinds) <= 3 else len(kinds))

f1, f2, f3 = st.columns([3, 2, 3])
pick = f1.multiselect("Kind", kinds, placeholder="all kinds")
only = f2.radio("Show", ["all", "hidden or gated"], horizontal=True)
search = f3.text_input("Name contains", placeholder="e.g. mcp")
shown = caps[caps["kind"].isin(pick)] if pick else caps
if only != "all":
    shown = shown[shown["hidden"] | shown["gated"]]
if search:
    shown = shown[shown["name"].str.contains(search, case=False, regex=False)]
st.markdown(f"**{len(shown)} capabilities** ({int(shown['hidden'].sum())} hidden, {int(shown['gated'].sum())} gated)")
cols = ["kind", "name", "hidden", "hidden_reason", "gated", "gate_chain", "framework", "parent", "description", "path", "line", "origin"]
if shown["public"].notna().any():
    cols.insert(5, "public")
if not shown["origin"].astype(bool).any():
    cols.remove("origin")
ui.table(shown[cols], hidden=st.column_config.CheckboxColumn("hidden"), gated=st.column_config.CheckboxColumn("gated"),
         gate_chain=st.column_config.TextColumn("gate chain", width="medium"),
         hidden_reason=st.column_config.TextColumn("hidden by"))
