"""Readers of the scan database that shape reports (JSON-ready dicts) and render them."""
