"""Artifact: entries by kind and size, source maps with sources and `sourcesContent` bytes, files rebuilt from maps."""

import altair as alt
import streamlit as st

import data
import ui

scan = ui.scan_id()
st.title("Artifact")

arts = data.artifacts(scan)
if arts is None:
    ui.absent("Artifacts and entries", "This database predates release scanning: scan a tarball or wheel with a newer "
              "auditor to see its entries and source maps. Files rebuilt from source maps are listed below if any.")
elif arts.empty:
    st.info("This scan has no artifact: its targets were source directories or single files. "
            "Scan a release (`.tgz`, `.whl`, `.zip`, bundle or map) to see what it ships.")
else:
    for a in arts.itertuples():
        name = f"{a.package_name or a.artifact}" + (f" {a.package_version}" if a.package_version else "")
        st.subheader(f":material/deployed_code: {name}")
        c = st.columns(5)
        c[0].metric("Kind", a.kind)
        c[1].metric("Entries", a.entry_count, help=f"{a.refused_count} refused")
        c[2].metric("Unpacked", ui.human_bytes(a.total_bytes))
        c[3].metric("Download", ui.human_bytes(a.compressed_bytes))
        c[4].metric("Status", a.status)
        st.caption(f"`{a.artifact}` · sha256 `{a.sha256[:16]}…`")

    kinds = data.entries_by_kind(scan)
    if kinds is not None and not kinds.empty:
        st.subheader("Entries by kind")
        left, right = st.columns([3, 2])
        with left:
            ui.bar_chart(kinds, "bytes", "kind", ["kind", "entries", "bytes", "not_covered"], color=alt.Color("kind:N", legend=None))
        with right:
            ui.table(kinds)
        st.markdown("**Largest entries**")
        largest = data.largest_entries(scan)
        ui.table(largest.drop(columns=["artifact"]) if len(arts) == 1 else largest,
                 size=st.column_config.NumberColumn("size", format="%d"))
        unc = data.uncovered_entries(scan)
        if unc is not None and not unc.empty:
            st.markdown(f"**{len(unc)} entries outside the package's own allowlist or refused**")
            ui.table(unc.drop(columns=["artifact"]) if len(arts) == 1 else unc)

    st.subheader("Source maps")
    maps = data.source_maps(scan)
    if maps is None or maps.empty:
        st.caption("No source map in this artifact.")
    else:
        c = st.columns(4)
        c[0].metric("Source maps", len(maps))
        c[1].metric("Sources", int(maps["sources"].sum()))
        c[2].metric("With sourcesContent", int((maps["with_content"] > 0).sum()))
        c[3].metric("sourcesContent", ui.human_bytes(maps["content_bytes"].sum()))
        ui.table(maps.drop(columns=["artifact"]) if len(arts) == 1 else maps, content_bytes=st.column_config.NumberColumn("sourcesContent bytes", format="%d"),
                 third_party_share=st.column_config.ProgressColumn("third-party share", min_value=0, max_value=1, format="percent"))
    refs = data.map_refs(scan)
    if refs is not None and not refs.empty:
        st.markdown("**sourceMappingURL comments that are inline, remote, missing or malformed**")
        ui.table(refs)
    only = data.map_only_sources(scan)
    if only is not None and not only.empty:
        st.markdown(f"**{len(only)} sources exposed only through a map** (none of their literals are in the bundle)")
        ui.table(only)

st.subheader("Files rebuilt from source maps")
summary = data.rebuilt_summary(scan)
if summary.empty:
    st.caption("No file in this scan was rebuilt from a source map's `sourcesContent`.")
else:
    st.markdown(f"**{int(summary['files'].sum())} files** rebuilt from {len(summary)} maps "
                f"({ui.human_bytes(summary['bytes'].sum())})")
    ui.table(summary)
    ui.table(data.rebuilt_files(scan))
