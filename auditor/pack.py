"""Before publish: build exactly the tarball `npm publish` would upload, without running any script.

`auditor check --npm-pack DIR` calls `npm_pack_directory(DIR, tmp)` and audits the tarball it
returns. The Python equivalent needs no helper: build (`python -m build`) and check the wheel and
the sdist themselves, `auditor check dist/*.whl dist/*.tar.gz`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
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
    from auditor.sources.npm import npm_error

    directory = Path(directory)
    if not (directory / "package.json").is_file():
        raise TargetError(f"--npm-pack {directory}: no package.json in that directory")
    npm = shutil.which("npm")
    if npm is None:
        raise TargetError("npm is not installed: needed by --npm-pack")
    env = {**os.environ, "npm_config_ignore_scripts": "true", "npm_config_audit": "false", "npm_config_fund": "false",
           "npm_config_update_notifier": "false"}
    cmd = [npm, "pack", "--ignore-scripts", "--json", "--pack-destination", str(dest)]
    try:
        proc = subprocess.run(cmd, cwd=directory, env=env, capture_output=True, text=True, timeout=timeout, check=False,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as exc:
        raise TargetError(f"npm pack in {directory} timed out after {timeout:.0f}s") from exc
    except OSError as exc:
        raise TargetError(f"cannot run npm: {exc}") from exc
    if proc.returncode != 0:
        raise TargetError(f"npm pack in {directory} failed: {npm_error(proc.stdout, proc.stderr, proc.returncode)}")
    try:
        info = json.loads(proc.stdout)
        name = Path(info[0]["filename"]).name if isinstance(info, list) and info else None
    except (ValueError, KeyError, TypeError, IndexError):
        name = None
    made = sorted(dest.glob("*.tgz"))
    if name and (dest / name).is_file():
        return dest / name
    if len(made) == 1:
        return made[0]
    raise TargetError(f"npm pack in {directory} produced no tarball")
