"""Overview: the verdict first (the same lines as `auditor scan` and `auditor check`), then what the release
exposes (the exposure chart), the findings grouped by rule (a click opens one), and the counts."""

import altair as alt
import pandas as pd
import streamlit as st

import data
import ui

scan = ui.scan_id()
st.title("Overview")
st.caption(f"Scan {data.scan_label(scan)} — what this release exposes, most severe first.")

v = data.verdict(scan)
if v is None:
    ui.absent("Verdict", "The verdict reads capability and manifest tables this older database lacks; re-scan with a "
              "newer auditor. The counts below still hold.")
else:
    verdict = v["verdict"]
    box = {"fail": st.error, "pass": st.success, "incomplete": st.warning}[verdict["status"]]
    box(f"**{verdict['status'].upper()}** — the verdict of `auditor check --fail-on {verdict['fail_on']}`: "
        + ", ".join(f"{n} {s}{'' if n == 1 else 's'}" for s, n in v["counts"].items()),
        icon={"fail": ":material/error:", "pass": ":material/check_circle:", "incomplete": ":material/warning:"}[verdict["status"]])
    st.code("\n".join(verdict["lines"]), language=None, wrap_lines=True)

left, right = st.columns([2, 3])
with left:
    st.subheader("Exposure")
    funnel = data.exposure(scan)
    known = funnel.dropna(subset=["count"])
    if known.empty:
        st.caption("No flag or capability in this scan.")
    else:
        stages = ["exists in sources", "ships in bundles", "only a map reveals", "manifest says public"]
        chart = alt.Chart(known).mark_bar().encode(
            y=alt.Y("stage:N", sort=stages, title=None, axis=alt.Axis(labelLimit=200)),
            x=alt.X("count:Q", title="flag keys / capabilities", axis=alt.Axis(tickMinStep=1)),
            yOffset=alt.YOffset("what:N"),
            color=alt.Color("what:N", title=None, scale=alt.Scale(domain=["flags", "capabilities"], range=["#1565c0", "#6a1b9a"])),
            tooltip=["stage", "what", "count"],
        )
        labels = chart.mark_text(align="left", dx=3).encode(text="count:Q")
        st.altair_chart((chart + labels).properties(height=260), width="stretch")
        unknown = sorted(set(funnel[funnel["count"].isna()]["stage"]))
        if unknown:
            st.caption("Not shown: " + "; ".join(
                {"ships in bundles": "**ships in bundles** needs a release artifact (this scan read directories)",
                 "manifest says public": "**manifest says public** needs a manifest (`auditor init` writes one)"}[s]
                for s in unknown if s in ("ships in bundles", "manifest says public")) + ".")
with right:
    st.subheader("Findings by rule")
    groups = pd.DataFrame(v["groups"] if v else [], columns=["severity", "rule_id", "name", "count", "locations", "more"])
    if groups.empty:
        st.caption("No finding in this scan." if v else "See the Findings page.")
        picked = None
    else:
        shown = groups.assign(where=[", ".join(locs) + (f" (+{m} more)" if m else "") for locs, m in zip(groups["locations"], groups["more"])])
        shown = shown[["severity", "rule_id", "name", "count", "where"]]
        event = st.dataframe(shown.style.map(lambda s: ui.SEVERITY_CSS.get(s, ""), subset=["severity"]), hide_index=True,
                             width="stretch", height=min(420, 38 + 35 * len(shown)), key="overview_groups",
                             on_select="rerun", selection_mode="single-row",
                             column_config={"where": st.column_config.TextColumn("where (first 3)", width="large")})
        rows = event.selection.rows if event is not None else []
        picked = shown.iloc[rows[0]]["rule_id"] if rows else None
        if picked is None:
            st.caption("Click a row to open its findings and the rule's documentation. All of them: the Findings page, "
                       "or `auditor findings --rule ID`.")

if v is not None and picked is not None:
    with st.container(border=True):
        doc = data.rule_doc(picked)
        st.subheader(f"{picked}: {doc.name if doc else ''}")
        found = data.findings(scan, [picked])
        ui.table(found[["severity", "path", "line", "subject", "message"]].assign(
            line=found["line"].map(lambda x: "" if pd.isna(x) else str(int(x)))))
        if doc is not None:
            with st.expander("What it finds, why it matters, how to fix", expanded=False):
                st.markdown(ui.demote_headings(doc.markdown))

st.subheader("In numbers")
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
    st.subheader("Files by language")
    ui.table(data.files_by_language(scan), bytes=st.column_config.NumberColumn("bytes", format="%d"))

st.subheader("Scans in this database")
ui.table(data.scans(), started_at=st.column_config.DatetimeColumn("started (UTC)", format="YYYY-MM-DD HH:mm:ss"))
