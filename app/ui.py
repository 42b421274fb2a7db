"""Small UI helpers shared by the pages (no data access here: that is `data.py`)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

LATEST = "latest"
SEVERITY_COLOR = {"error": "red", "warning": "orange", "note": "blue"}
SEVERITY_CSS = {"error": "color: #c62828; font-weight: 600", "warning": "color: #e65100; font-weight: 600", "note": "color: #1565c0"}
LANG_BY_EXT = {".py": "python", ".ts": "typescript", ".tsx": "tsx", ".js": "javascript", ".jsx": "jsx",
               ".mjs": "javascript", ".cjs": "javascript", ".mts": "typescript", ".cts": "typescript"}


def scan_picker(scans: pd.DataFrame) -> None:
    """Sidebar scan selector; the default follows the newest scan, so a new scan shows up on its own."""
    labels = {int(r.scan_id): f"#{r.scan_id} {r.label}" for r in scans.itertuples()}
    newest = int(scans["scan_id"].max())
    options = [LATEST, *labels]
    if st.session_state.get("scan_choice") not in options:
        wanted = st.query_params.get("scan", "")  # ?scan=ID links to a scan
        st.session_state["scan_choice"] = int(wanted) if wanted.isdigit() and int(wanted) in labels else LATEST
    choice = st.selectbox(
        "Scan", options, key="scan_choice",
        format_func=lambda v: f"Newest ({labels[newest]})" if v == LATEST else labels[v],
    )
    st.session_state["scan_id"] = newest if choice == LATEST else int(choice)
    st.session_state["scan_ids"] = list(labels)


def scan_id() -> int:
    """The scan chosen in the sidebar."""
    return int(st.session_state["scan_id"])


def absent(what: str, needs: str) -> None:
    """Say plainly that this database cannot show `what` (an older database or scan)."""
    st.info(f"**{what}** — not in this database. {needs}", icon=":material/info:")


def table(df: pd.DataFrame, height: int | None = None, **column_config) -> None:
    """A full-width dataframe without the index, tall enough for up to ~16 rows, empty text cells blank."""
    df = df.copy()
    for c in df.columns:
        if df[c].dtype == object or pd.api.types.is_string_dtype(df[c]):
            df[c] = df[c].where(df[c].notna(), "")
    kwargs = {"hide_index": True, "width": "stretch", "column_config": column_config or None,
              "height": height or min(600, 38 + 35 * max(len(df), 1))}
    st.dataframe(df, **kwargs)


def severity(s: str) -> str:
    """Markdown for a severity, coloured."""
    return f":{SEVERITY_COLOR.get(s, 'gray')}[**{s}**]"


def demote_headings(markdown: str, by: int = 3) -> str:
    """Markdown with every heading `by` levels smaller (a rule doc inside a page)."""
    return "\n".join(("#" * by + line) if line.startswith("#") else line for line in markdown.splitlines())


def bar_chart(df, x: str, y: str, tooltip: list[str], color=None) -> None:
    """A horizontal bar chart, one labelled bar per row, integer axis."""
    import altair as alt

    height = max(110, 30 * len(df) + 40)
    enc = {
        "x": alt.X(f"{x}:Q", title=x, axis=alt.Axis(format="~s", tickMinStep=1)),
        "y": alt.Y(f"{y}:N", sort="-x", title=None, axis=alt.Axis(labelOverlap=False, labelLimit=260)),
        "tooltip": tooltip,
    }
    if color is not None:
        enc["color"] = color
    st.altair_chart(alt.Chart(df).mark_bar().encode(**enc).properties(height=height), width="stretch", height=height)


def human_bytes(n: float | int | None) -> str:
    """1234567 → '1.2 MB'."""
    if n is None or pd.isna(n):
        return "—"
    n = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if abs(n) < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} GB"


def language_of(path: str) -> str:
    """Code-block language for a file path."""
    dot = path.rfind(".")
    return LANG_BY_EXT.get(path[dot:].lower(), "text") if dot >= 0 else "text"


def location(path, line) -> str:
    """`path:line`, or `path` when the line is unknown, or — when there is no path."""
    if path is None or (not isinstance(path, str) and pd.isna(path)) or path == "":
        return "—"
    if line is None or pd.isna(line):
        return str(path)
    return f"{path}:{int(line)}"


def yes_no(v) -> str:
    """True/False/None → ✔ / ✘ / ?."""
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return "?"
    return "✔" if bool(v) else "✘"
