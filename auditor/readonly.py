"""Read-only ad-hoc SQL (`auditor sql`): the same lockdown as the dashboard's console.

A query runs on a connection that cannot reach anything but the database it was opened on
(`lock`: DuckDB `enable_external_access = false`, then `lock_configuration = true`, so no statement
can read or write files, attach databases, install or load extensions, or change a setting back).
Before it runs, the text must be exactly one statement of type SELECT (which covers `WITH …`,
`FROM …`, `SHOW`, `DESCRIBE`, `SUMMARIZE`); anything else is refused with one line naming what was
refused. A query runs at most `timeout` seconds: a timer calls `conn.interrupt()`, which stops it
(and frees the database for writers). Every string in the result is passed through
`auditor.redact.redact`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import duckdb

from auditor.errors import AuditorError

DEFAULT_TIMEOUT_S = 30.0
"""Seconds a query may run before it is stopped."""

REFUSED = {
    "ATTACH": "ATTACH (other databases)",
    "DETACH": "DETACH",
    "COPY": "COPY (reading or writing files)",
    "EXPORT": "EXPORT DATABASE (writing files)",
    "LOAD": "INSTALL / LOAD (extensions)",
    "SET": "SET / RESET / USE (changing settings)",
    "VARIABLE_SET": "SET VARIABLE",
    "PRAGMA": "PRAGMA",
    "CALL": "CALL",
    "CREATE": "CREATE (the database is read-only)",
    "INSERT": "INSERT (the database is read-only)",
    "UPDATE": "UPDATE (the database is read-only)",
    "DELETE": "DELETE (the database is read-only)",
    "DROP": "DROP (the database is read-only)",
    "ALTER": "ALTER (the database is read-only)",
    "TRANSACTION": "transaction statements",
    "EXPLAIN": "EXPLAIN",
}
"""Statement types (DuckDB's `StatementType` names) refused, with what the message calls them."""


class QueryRefused(AuditorError):
    """The SQL is not one read-only query, or it tried to reach outside the database."""


class QueryTimeout(AuditorError):
    """The query ran longer than its time limit and was stopped."""


class QueryFailed(AuditorError):
    """DuckDB could not run the query (syntax, unknown table …)."""


@dataclass(frozen=True, slots=True)
class QueryResult:
    """Column names and rows (tuples) of a query, strings redacted."""

    columns: list[str]
    rows: list[tuple]


def lock(conn: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """Turn off external access and lock the configuration of `conn` (for good); returns it."""
    conn.execute("SET enable_external_access = false")
    conn.execute("SET lock_configuration = true")
    return conn


def check(conn: duckdb.DuckDBPyConnection, sql: str) -> None:
    """Raise QueryRefused unless `sql` is exactly one SELECT statement; QueryFailed when it does not
    parse."""
    try:
        statements = conn.extract_statements(sql)
    except duckdb.Error as exc:
        raise QueryFailed(f"SQL syntax error: {_first_line(exc)}") from exc
    if not statements:
        raise QueryRefused("refused: no SQL statement given")
    if len(statements) > 1:
        raise QueryRefused(f"refused: one statement at a time ({len(statements)} given)")
    kind = statements[0].type.name
    if kind != "SELECT":
        what = REFUSED.get(kind, f"{kind} statements")
        raise QueryRefused(f"refused: `auditor sql` is read-only and runs one SELECT / WITH query; {what} not allowed")


def run(conn: duckdb.DuckDBPyConnection, sql: str, timeout: float = DEFAULT_TIMEOUT_S) -> QueryResult:
    """Run `sql` on `conn` (which `lock` has locked) after `check`, for at most `timeout` seconds.

    Raises QueryRefused (not one SELECT; or it tried to read a file, attach, load …),
    QueryTimeout (stopped after `timeout` s), QueryFailed (any other DuckDB error)."""
    from auditor.redact import redact

    check(conn, sql)
    timer = threading.Timer(timeout, conn.interrupt)
    timer.daemon = True
    timer.start()
    try:
        cur = conn.execute(sql)
        columns = [d[0] for d in cur.description] if cur.description else []
        rows = cur.fetchall()
    except duckdb.InterruptException as exc:
        raise QueryTimeout(f"query stopped: it ran longer than {timeout:g} s (--timeout)") from exc
    except duckdb.PermissionException as exc:
        raise QueryRefused(f"refused: `auditor sql` cannot access files, other databases or extensions: {_first_line(exc)}") from exc
    except duckdb.Error as exc:
        if "interrupt" in str(exc).lower():
            raise QueryTimeout(f"query stopped: it ran longer than {timeout:g} s (--timeout)") from exc
        raise QueryFailed(f"SQL failed: {_first_line(exc)}") from exc
    finally:
        timer.cancel()
    return QueryResult(columns, [tuple(_redact_cell(v, redact) for v in r) for r in rows])


def _redact_cell(value, redact):
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, list):
        return [_redact_cell(v, redact) for v in value]
    if isinstance(value, dict):
        return {k: _redact_cell(v, redact) for k, v in value.items()}
    return value


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
