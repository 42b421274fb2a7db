"""Limits and switches for reading release artifacts: `[tool.auditor.artifacts]` (or `[artifacts]` in
`auditor.toml`).

```toml
[tool.auditor.artifacts]
max_entries = 100000          # more entries than this: the rest are refused (ART013)
max_total_bytes = 2147483648  # uncompressed bytes over all entries (nested archives included)
max_ratio = 200               # uncompressed/compressed ratio above which an entry or a stream is refused
ratio_min_bytes = 1048576     # the ratio is only judged past this many uncompressed bytes
max_depth = 1                 # archives nested deeper than this are refused
max_map_bytes = 536870912     # larger source maps are not parsed
max_secret_scan_bytes = 67108864  # larger entries are not searched for secrets
secrets = true                # search text entries with detect-secrets
rebuild_third_party = false   # also rebuild node_modules/ and webpack-runtime sources from maps
```
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from auditor.errors import ConfigError


@dataclass(frozen=True, slots=True)
class Limits:
    """Effective artifact limits (defaults suit real releases: a 180 MB wheel, 93 MB of bundles)."""

    max_entries: int = 100_000
    max_total_bytes: int = 2 * 1024**3
    max_ratio: float = 200.0
    ratio_min_bytes: int = 1024 * 1024
    max_depth: int = 1
    max_map_bytes: int = 512 * 1024 * 1024
    max_secret_scan_bytes: int = 64 * 1024 * 1024
    secrets: bool = True
    rebuild_third_party: bool = False
    max_nested_bytes: int = 256 * 1024 * 1024
    """A nested archive larger than this is not opened (it would be held in memory)."""

    @classmethod
    def from_config(cls, extra: dict) -> Limits:
        """Read `artifacts` from a Config's `extra` table. Raises ConfigError on a bad value."""
        sec = extra.get("artifacts", {}) if isinstance(extra, dict) else {}
        if not isinstance(sec, dict):
            raise ConfigError("[artifacts] must be a table")
        known = {f.name: f for f in fields(cls)}
        values = {}
        for key, value in sec.items():
            f = known.get(key)
            if f is None:
                raise ConfigError(f"artifacts.{key}: unknown setting (known: {', '.join(sorted(known))})")
            default = f.default
            if isinstance(default, bool):
                if not isinstance(value, bool):
                    raise ConfigError(f"artifacts.{key}: expected true or false, got {value!r}")
            elif isinstance(default, (int, float)):
                if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                    raise ConfigError(f"artifacts.{key}: expected a non-negative number, got {value!r}")
                value = type(default)(value)
            values[key] = value
        return cls(**values)


def human_size(n: float) -> str:
    """`n` bytes in binary units for messages: `512 B`, `1.5 KiB`, `42.7 MiB`, `2.0 GiB`."""
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"
