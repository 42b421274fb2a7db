"""Exception hierarchy: one base per boundary; only `cli.py` turns these into messages and exit codes."""


class AuditorError(Exception):
    """Base of every error the CLI reports as a one-line message with exit code 2."""


class TargetError(AuditorError):
    """A target is missing, unreadable or of a kind the auditor does not read."""


class ConfigError(AuditorError):
    """`auditor.toml` / `[tool.auditor]` is malformed or names something invalid."""


class QueryError(AuditorError):
    """A query pack does not compile, or uses a capture name not listed in `captures.toml`."""


class StoreError(AuditorError):
    """The DuckDB database cannot be opened, migrated or written."""


class ManifestError(AuditorError):
    """The intended-public manifest is malformed."""
