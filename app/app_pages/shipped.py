"""Shipped vs public: every flag and capability against what shipped and what the manifest declares public."""

import pandas as pd
import streamlit as st

import data
import ui

scan = ui.scan_id()
st.title("Shipped vs public")
st.caption(f"Scan {data.scan_label(scan)} — every flag and capability against: in source, shipped in the artifact "
           "(in a bundle), only in a source map, declared public in the manifest. With a manifest, mismatches come first, "
           "highlighted; without one nothing is compared.")

view = data.shipped_vs_public(scan)
df = view.flags
for note in view.notes:
    st.info(note, icon=":material/info:")

caps = view.capabilities
cols = st.columns(6)
cols[0].metric("Flag keys", len(df), help="Resolved keys, high and low confidence.")
cols[1].metric("Shipped" if view.artifact_known else "In source",
               int(df["shipped"].sum()) if view.artifact_known else int(df["in_source"].sum()))
cols[2].metric("Only in a source map", int(df["only_in_map"].sum()))
cols[3].metric("Not public", int((~df["public"].fillna(True).astype(bool)).sum()) if view.public_known else "?")
cols[4].metric("Flag mismatches", int(df["mismatch"].sum()) if view.public_known else "?")
cols[5].metric("Capability mismatches", int(caps["mismatch"].sum()) if caps is not None and view.public_known else "?")

only_mismatch = st.toggle("Mismatches only", value=False, disabled=not view.public_known,
                          help=None if view.public_known else "Needs a manifest: `auditor init` writes one.")


def grid(frame: pd.DataFrame, first: list[str], extra: list[str]) -> None:
    """The yes/no grid with mismatches highlighted."""
    if only_mismatch:
        frame = frame[frame["mismatch"]]
    if frame.empty:
        st.caption("Nothing to show.")
        return
    out = pd.DataFrame({"": ["⚠" if m else "" for m in frame["mismatch"]]})
    for c in first:
        out[c] = frame[c].values
    out["in source"] = frame["in_source"].map(ui.yes_no).values
    out["shipped"] = frame["shipped"].map(ui.yes_no).values if view.artifact_known else "?"
    out["in bundle"] = frame["in_bundle"].map(ui.yes_no).values if view.artifact_known else "?"
    out["only in map"] = frame["only_in_map"].map(ui.yes_no).values
    out["public"] = frame["public"].map(ui.yes_no).values
    for c in extra:
        values = frame[c]
        out[c] = (values.map(ui.yes_no) if values.dtype == bool or c == "internal" else values.fillna("")).values
    out["status"] = frame["status"].values

    def highlight(row):
        return ["background-color: #fde2e1" if row[""] == "⚠" else ""] * len(row)

    styled = out.style.apply(highlight, axis=1) if view.public_known else out  # a highlight means something only with a manifest
    st.dataframe(styled, hide_index=True, width="stretch", height=min(640, 38 + 35 * len(out)))


st.subheader("Flags")
grid(df, ["key", "provider"], ["internal", "reads"] if view.public_known else ["reads"])

st.subheader("Capabilities")
if caps is None:
    ui.absent("Capabilities", "Tools, commands, options and routes are recorded by scans with a newer auditor "
              "(capability tables, schema 4); re-scan to compare them with the manifest.")
else:
    grid(caps.assign(hidden=caps["hidden"].map(ui.yes_no), gated=caps["gated"].map(ui.yes_no)),
         ["kind", "name"], ["hidden", "gated", "gate_keys"])
