"""Files a user hands the auditor beside its targets (a baseline, an OpenFeature flag manifest),
read with one-line errors that name the file."""

from __future__ import annotations

import json
from pathlib import Path

from auditor.errors import AuditorError


def read_json(path: Path, what: str, error: type[AuditorError] = AuditorError) -> object:
    """The JSON document in the UTF-8 file `path` (any JSON value).

    Raises `error` ("`what` not found: path") when the file does not exist, and ("path: `what` is
    not JSON: why") when it cannot be read, is not UTF-8 or is not JSON.
    """
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise error(f"{what} not found: {path}") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise error(f"{path}: {what} is not JSON: {exc}") from exc
