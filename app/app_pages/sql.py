"""SQL: ad-hoc read-only queries over the documented tables and views, with a row limit and CSV download."""

import streamlit as st

import data
import ui

scan = ui.scan_id()
st.title("SQL")
st.caption("Read-only: one SELECT / WITH query at a time. Files, other databases, extensions and settings are out "
           "of reach (external access is disabled and the configuration is locked). Secrets are redacted.")

with st.expander("Tables and views", expanded=False):
    ui.table(data.documented_relations())

default = f"SELECT flag_key, provider, read_count, confidence\nFROM flags\nWHERE scan_id = {scan}\nORDER BY read_count DESC"
with st.form("sql"):
    sql = st.text_area("Query", value=default, height=160, key="sql_text")
    c1, c2 = st.columns([1, 5], vertical_alignment="bottom")
    limit = c1.number_input("Row limit", min_value=1, max_value=100_000, value=1000, step=100)
    run = c2.form_submit_button("Run", type="primary")

if run or "sql_result" not in st.session_state:  # the example runs on first load
    st.session_state["sql_result"] = (sql, int(limit), data.run_sql(sql, int(limit)))

result = st.session_state.get("sql_result")
if result:
    _, lim, res = result
    if res.error:
        st.error(res.error)
    else:
        more = f" (limit {lim} reached: more rows exist)" if res.truncated else ""
        st.markdown(f"**{len(res.frame)} rows**{more} · {res.seconds * 1000:.0f} ms")
        ui.table(res.frame)
        st.download_button("Download CSV", res.frame.to_csv(index=False).encode("utf-8"),
                           file_name="auditor-query.csv", mime="text/csv")
