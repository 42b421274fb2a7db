"""Before publish: build exactly the tarball `npm publish` would upload, without running any script.

`auditor check --npm-pack DIR` calls `npm_pack_directory(DIR, tmp)` and audits the tarball it
returns. The Python equivalent needs no helper: build (`python -m build`) and check the wheel and
the sdist themselves, `auditor check dist/*.whl dist/*.tar.gz`.
"""

from __future__ import annotations

from pathlib import Path

from auditor.errors import TargetError


def npm_pack_directory(directory: Path, dest: Path, timeout: float = 300.0) -> Path:
    """Run `npm pack --ignore-scripts --json --pack-destination DEST` in the package `directory`
    and return the tarball it wrote (`DEST/NAME-VERSION.tgz`).

    `--ignore-scripts` and `npm_config_ignore_scripts=true` keep `prepack`, `prepare` and
    `postpack` from running: the tarball holds what is in the directory now (build first). Raises
    TargetError when the directory has no `package.json`, npm is missing, or npm fails (with
    npm's own words, one line).
    """
    from auditor.sources.npm import run_npm_pack

    directory = Path(directory)
    if not (directory / "package.json").is_file():
        raise TargetError(f"--npm-pack {directory}: no package.json in that directory")
    return run_npm_pack([], directory, dest, f"npm pack in {directory}", "by --npm-pack", timeout)
