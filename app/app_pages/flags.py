"""Flags: the inventory with filters, and one flag's reads, definitions and gates."""

import streamlit as st

import data
import ui

scan = ui.scan_id()
st.title("Flags")

providers = data.providers(scan)
public_known = data.public_flags_available(scan)
c1, c2, c3, c4, c5 = st.columns([3, 2, 2, 2, 3])
chosen = c1.multiselect("Provider", providers, placeholder="all providers")
confidence = c2.multiselect("Confidence", ["high", "low"], placeholder="high and low")
resolved = c3.radio("Key", ["resolved", "unresolved", "both"], horizontal=False,
                    help="Unresolved: the key expression could not be traced to a string.")
public = c4.radio("Public", ["all", "public", "not public"], disabled=not public_known,
                  help=None if public_known else "No manifest recorded for this scan (`auditor check --manifest …`).")
search = c5.text_input("Key contains", placeholder="e.g. dark")

if resolved in ("resolved", "both"):
    inv = data.flags(scan, chosen, confidence, public, search)
    n_high = int((inv["confidence"] == "high").sum())
    st.markdown(f"**{len(inv)} flag keys** ({n_high} high confidence, {len(inv) - n_high} low) "
                f"across {inv['provider'].nunique()} providers")
    if not public_known:
        inv = inv.drop(columns=["public"])
    ui.table(inv, height=min(600, 38 + 35 * max(len(inv), 1)),
             defined=st.column_config.CheckboxColumn("defined"),
             reads=st.column_config.NumberColumn("reads"))
if resolved in ("unresolved", "both"):
    un = data.unresolved_reads(scan, chosen, confidence)
    st.markdown(f"**{len(un)} reads with an unresolved key**")
    if not un.empty:
        ui.table(un)

if resolved != "unresolved" and not inv.empty:
    st.divider()
    options = list(zip(inv["key"], inv["provider"]))[:2000]
    pick = st.selectbox("Flag", options, format_func=lambda kp: f"{kp[0]}  ·  {kp[1]}", key="flag_pick")
    key, provider = pick
    st.header(f":material/flag: {key}")
    reads = data.flag_reads(scan, key, provider)
    defs = data.flag_definitions(scan, key)
    st.caption(f"provider **{provider}** · {len(reads)} reads in {reads['path'].nunique()} files · {len(defs)} definitions")

    st.subheader("Reads")
    for r in reads.head(30).itertuples():
        where = f"`{r.path}:{r.line}` in `{r.function}` — `{r.method}`"
        if r.default is not None:
            where += f", default `{r.default}`"
        if r.origin:
            where += f" · {r.origin}"
        if r.confidence == "low":
            where += " · low confidence"
        st.markdown(where)
        st.code(r.snippet, language=ui.language_of(r.path))
    if len(reads) > 30:
        st.caption(f"… {len(reads) - 30} more reads:")
        ui.table(reads.iloc[30:])

    st.subheader("Definitions")
    if defs.empty:
        st.caption("No definition found in this scan (see rule FLG001).")
    else:
        ui.table(defs)

    st.subheader("Gates and what they unlock")
    gates = data.flag_gates(scan, key)
    caps = data.flag_capabilities(scan, key)
    if gates is None:
        ui.absent("Gates", "Gated spans are recorded by scans with a newer auditor (gates table); re-scan to see them.")
    elif gates.empty:
        st.caption("This flag guards no recorded gate.")
    else:
        ui.table(gates)
    if caps is not None and not caps.empty:
        st.markdown("**Capabilities behind this flag**")
        ui.table(caps)
