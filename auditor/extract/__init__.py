"""Extraction of records from parsed files."""
