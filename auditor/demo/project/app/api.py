"""HTTP API, MCP tools and admin CLI of the demo agent."""

import os

import typer
from fastapi import FastAPI
from mcp.server.fastmcp import FastMCP
from waffle.decorators import waffle_flag

api = FastAPI()
mcp = FastMCP("acme")
cli = typer.Typer()


@api.get("/health")
def health():
    return {"ok": True}


@api.post("/admin/reindex", include_in_schema=False)
def reindex():
    return {"queued": True}


@mcp.tool()
def search_docs(query: str) -> str:
    """Search the product documentation."""
    return query


if os.environ.get("ACME_EXPERIMENTAL_SQL"):

    @mcp.tool(name="run_sql")
    def run_sql(statement: str) -> str:
        """Run SQL against the analytics warehouse."""
        return statement


@cli.command(hidden=True)
def purge_cache():
    """Drop every cached embedding."""


@waffle_flag("beta_exports")
def export_view(request):
    return "csv"
