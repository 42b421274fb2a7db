"""Findings: filter by rule, severity and file; the rule's doc, code context and suppression fingerprint."""

import pandas as pd
import streamlit as st

import data
import ui

scan = ui.scan_id()
st.title("Findings")

rules = data.finding_rules(scan)
c1, c2, c3, c4 = st.columns([3, 3, 3, 2])
rule_pick = c1.multiselect("Rule", rules, placeholder="all rules")
sev_pick = c2.multiselect("Severity", ["error", "warning", "note"], placeholder="all severities")
path = c3.text_input("File contains", placeholder="e.g. src/")
suppressed = c4.checkbox("Show suppressed")

df = data.findings(scan, rule_pick, sev_pick, path, suppressed)
counts = df["severity"].value_counts().to_dict()
st.markdown(
    f"**{len(df)} findings** — "
    + " · ".join(f"{counts.get(s, 0)} {ui.severity(s)}" for s in ("error", "warning", "note"))
)
if df.empty:
    st.success("No finding matches these filters.")
    st.stop()

hide = ["fingerprint", "target"] + ([] if suppressed else ["suppressed", "suppression_reason"])
if not df["origin"].astype(bool).any():
    hide.append("origin")
shown = df.drop(columns=hide).assign(line=df["line"].map(lambda v: "" if pd.isna(v) else str(int(v))))
st.dataframe(shown.style.map(lambda s: ui.SEVERITY_CSS.get(s, ""), subset=["severity"]), hide_index=True,
             width="stretch", height=min(500, 38 + 35 * len(df)),
             column_config={"message": st.column_config.TextColumn("message", width="large")})

st.divider()
idx = st.selectbox(
    "Finding", range(min(len(df), 1000)), key="finding_pick",
    format_func=lambda i: f"{df.at[i, 'rule_id']} · {ui.location(df.at[i, 'path'], df.at[i, 'line'])} · {df.at[i, 'subject']}",
)
row = df.iloc[idx]
st.subheader(f"{row['rule_id']}: {row['message']}")
st.markdown(f"Severity {ui.severity(row['severity'])}")
st.markdown(f"Location `{ui.location(row['path'], row['line'])}`" + (f" · {row['origin']}" if row["origin"] else "") + (f" · target `{row['target']}`" if row["target"] else ""))

left, right = st.columns(2)
with left:
    st.markdown("**Code context**")
    ctx = data.code_context(scan, row["path"], None if pd.isna(row["line"]) else int(row["line"]))
    if ctx.empty:
        st.caption("The database holds no code at this location (only flag reads and definitions keep a snippet).")
    else:
        lang = ui.language_of(row["path"] if isinstance(row["path"], str) else "")
        for c in ctx.itertuples():
            st.caption(f"line {c.line} — {c.what}")
            st.code(c.code, language=lang)
    st.markdown("**Suppression fingerprint**")
    st.code(row["fingerprint"], language=None)
    st.caption("Stable across runs (rule id + normalized path + subject). To accept this finding, add it to the "
               "manifest's suppressions with a reason:")
    st.code(f'[[suppress]]\nfingerprint = "{row["fingerprint"]}"\nreason = "…"', language="toml")
    if row["suppressed"]:
        st.info(f"Suppressed: {row['suppression_reason'] or 'no reason given'}")
with right:
    doc = data.rule_doc(row["rule_id"])
    if doc is None:
        st.caption(f"Rule {row['rule_id']} is not known to this auditor version.")
    else:
        with st.container(border=True):
            st.markdown(ui.demote_headings(doc.markdown))
