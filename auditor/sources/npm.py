"""npm packages: `package.json` metadata, which entries the package's own `files` list (and
`.npmignore` files) cover, and downloading an `npm:NAME@VERSION` spec with `npm pack`.

Coverage follows npm-packlist: `files` entries are gitignore-style patterns (a directory pattern
covers everything under it, `!pattern` excludes); `package.json`, `README*`, `LICENSE*`/`LICENCE*`,
the `main` file and `bin` files are always packed; `.git`, `node_modules`, `.npmrc`,
`package-lock.json`, `npm-debug.log`, `.DS_Store`, `*.orig`, `.*.swp` are never packed by npm (so
their presence means the tarball was not made by `npm pack` from this `package.json`). A
`.npmignore` in a subdirectory excludes below it; at the root it applies only when there is no
`files` list.
"""

from __future__ import annotations

import functools
import json
import os
import posixpath
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from auditor.errors import TargetError
from auditor.sources.directory import gitignore_spec
from auditor.strings import decode_json_bytes, valid_text

ALWAYS_INCLUDED = re.compile(r"^(package\.json|readme(\..*)?|licen[cs]e(\..*)?|copying(\..*)?)$", re.I)
NEVER_PACKED = (
    ".git", "CVS", ".svn", ".hg", ".lock-wscript", ".wafpickle-*", "/build/config.gypi", "npm-debug.log",
    ".npmrc", ".*.swp", ".DS_Store", "._*", "*.orig", "/package-lock.json", "/archived-packages/",
)
"""What npm leaves out of every package, as gitignore patterns (npm-packlist's built-in ignores)."""


@functools.cache
def _never_packed():
    return gitignore_spec(NEVER_PACKED)

NAME = re.compile(r"^(@[a-z0-9][\w.-]*/)?[a-z0-9][\w.-]*$", re.I)
VERSION = re.compile(r"^[\w.^~<>=|*+ -]{1,64}$")


@dataclass(frozen=True, slots=True)
class PackageJson:
    """The fields of `package.json` the auditor uses."""

    name: str | None
    version: str | None
    files: tuple[str, ...] | None
    """The `files` allowlist, or None when absent."""
    required: frozenset[str]
    """`main` and `bin` paths (normalized), always packed."""
    bundled: frozenset[str] = frozenset()
    """`bundleDependencies` names: packed under `node_modules/`."""


def parse_package_json(data: bytes, problems: list[str] | None = None) -> PackageJson | None:
    """Parse `package.json` bytes; None when it is not a JSON object (why is appended to `problems`).

    Read with the standard library's `json`: invalid UTF-8 reads as visible `\\xNN` text, lone
    surrogates are kept escaped (`auditor.strings.valid_text`), nesting deeper than the reader's
    recursion limit makes the file unreadable, never an exception."""
    try:
        obj = json.loads(decode_json_bytes(data))
    except ValueError as exc:
        if problems is not None:
            problems.append(f"package.json is not valid JSON: {exc}")
        return None
    except RecursionError:
        if problems is not None:
            problems.append("package.json is nested deeper than the JSON reader allows")
        return None
    if not isinstance(obj, dict):
        if problems is not None:
            problems.append(f"package.json holds {type(obj).__name__}, not an object")
        return None

    def s(v):
        return valid_text(v) if isinstance(v, str) else None

    files = obj.get("files")
    files = tuple(valid_text(f) for f in files if isinstance(f, str)) if isinstance(files, list) else None
    required = set()
    if isinstance(obj.get("main"), str):
        required.add(_norm(valid_text(obj["main"])))
    b = obj.get("bin")
    if isinstance(b, str):
        required.add(_norm(valid_text(b)))
    elif isinstance(b, dict):
        required.update(_norm(valid_text(v)) for v in b.values() if isinstance(v, str))
    bundled = obj.get("bundleDependencies", obj.get("bundledDependencies"))
    if bundled is True:
        deps = obj.get("dependencies")
        bundled = list(deps) if isinstance(deps, dict) else []
    bundled = frozenset(valid_text(b) for b in bundled if isinstance(b, str)) if isinstance(bundled, list) else frozenset()
    return PackageJson(s(obj.get("name")), s(obj.get("version")), files, frozenset(required), bundled)


def _norm(p: str) -> str:
    p = posixpath.normpath(p.replace("\\", "/"))
    return p[2:] if p.startswith("./") else p.lstrip("/")


class NpmCoverage:
    """Decides, per entry path (relative to the package root), whether the package's own rules pack it."""

    def __init__(self, pkg: PackageJson, npmignores: dict[str, list[str]]):
        """`npmignores` maps a directory ('' for the root, else 'dir/') to its `.npmignore` lines.
        Invalid pattern lines (`!`) are ignored, as npm ignores them, and listed in `problems`
        as (file, description)."""
        self.pkg = pkg
        self.problems: list[tuple[str, str]] = []
        self.files_spec = None
        if pkg.files is not None:
            lines = []
            for f in pkg.files:
                neg = f.startswith("!")
                f = f[1:] if neg else f
                f = f[2:] if f.startswith("./") else f
                if f.endswith("/*"):
                    f += "*"
                for pat in (f, f.rstrip("/") + "/**"):
                    lines.append(("!" if neg else "") + pat)
            problems: list[str] = []
            self.files_spec = gitignore_spec(lines, problems)
            self.problems += [("package.json", "`files` " + p.split(": ", 1)[1]) for p in problems]
        self.ignores = []
        for d, lines in npmignores.items():
            if d == "" and pkg.files is not None:
                continue
            problems = []
            self.ignores.append((d, gitignore_spec(lines, problems)))
            self.problems += [(d + ".npmignore", p) for p in problems]
        self.ignores.sort(key=lambda x: len(x[0]))
        self.problems = list(dict.fromkeys(self.problems))  # `files` patterns are compiled twice each

    def covered(self, path: str) -> tuple[bool, str]:
        """(covered, reason) for one entry path."""
        if path == "package.json" or ("/" not in path and ALWAYS_INCLUDED.match(path)):
            return True, "always included"
        if _never_packed().match_file(path):
            return False, "npm never packs this"
        if path.startswith("node_modules/"):
            parts = path.split("/")
            dep = "/".join(parts[1:3]) if parts[1].startswith("@") else parts[1]
            return (True, "bundled dependency") if dep in self.pkg.bundled else (False, "node_modules not bundled")
        if _norm(path) in self.pkg.required:
            return True, "main/bin"
        for d, spec in self.ignores:
            if path.startswith(d) and spec.match_file(path[len(d):]):
                return False, f".npmignore in {d or '/'}"
        if self.files_spec is None:
            return True, "no files list"
        if self.files_spec.match_file(path):
            return True, "files"
        return False, "not in files"


def valid_spec(spec: str) -> tuple[str, str]:
    """Split `NAME@VERSION` (scoped names allowed); a bare `NAME` means its `latest` version.
    Raises TargetError for anything but a registry spec."""
    body = spec.strip()
    at = body.rfind("@")
    if at <= 0:  # no version (`@scope/name` has its `@` at 0): the latest
        body, at = body + "@latest", len(body)
    name, version = body[:at], body[at + 1:]
    if not NAME.match(name) or not VERSION.match(version) or version.startswith("-"):
        raise TargetError(f"npm spec must name a registry package and version (npm:NAME@VERSION), got npm:{spec}")
    return name, version


_NPM_ERROR = re.compile(r"^npm (?:error|ERR!)\s+(.*)$")
_NPM_NOISE = re.compile(r"^(code\s|errno\s|A complete log|\S+ In most cases|$)")


def npm_error(stdout: str | None, stderr: str | None, returncode: int) -> str:
    """npm's own words for a failed command, one line (≤ 300 characters): the `error.summary` of
    its `--json` output, else the first meaningful `npm error` line of stderr (`No matching
    version found for left-pad@99.9.9.`), else the last line, else the exit status."""
    try:
        data = json.loads(stdout or "")
        summary = data.get("error", {}).get("summary") if isinstance(data, dict) else None
        if isinstance(summary, str) and summary.strip():
            return " ".join(summary.split())[:300]
    except ValueError:
        pass
    lines = [ln.strip() for ln in (stderr or "").splitlines() if ln.strip()]
    for ln in lines:
        m = _NPM_ERROR.match(ln)
        if m and not _NPM_NOISE.match(m.group(1)):
            return re.sub(r"^[a-z][a-z-]* (?=[A-Z])", "", m.group(1))[:300]  # `notarget No matching …`
    return lines[-1][:300] if lines else f"exit status {returncode}"


def run_npm_pack(args: list[str], cwd: Path, dest: Path, what: str, needed_by: str, timeout: float = 300.0) -> Path:
    """Run `npm pack ARGS --ignore-scripts --json --pack-destination DEST` in `cwd` and return the
    tarball it wrote in `dest`. No lifecycle script runs (`--ignore-scripts` and
    `npm_config_ignore_scripts`). `what` names the run in errors (`npm pack left-pad@1.3.0`);
    raises TargetError when npm is missing (`needed_by` says for what), times out or fails (with
    npm's own words, one line), or writes no tarball."""
    npm = shutil.which("npm")
    if npm is None:
        raise TargetError(f"npm is not installed: needed {needed_by}")
    env = {**os.environ, "npm_config_ignore_scripts": "true", "npm_config_audit": "false", "npm_config_fund": "false",
           "npm_config_update_notifier": "false"}
    cmd = [npm, "pack", *args, "--ignore-scripts", "--json", "--pack-destination", str(dest)]
    try:
        proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as exc:
        raise TargetError(f"{what} timed out after {timeout:.0f}s") from exc
    except OSError as exc:
        raise TargetError(f"cannot run npm: {exc}") from exc
    if proc.returncode != 0:
        raise TargetError(f"{what} failed: {npm_error(proc.stdout, proc.stderr, proc.returncode)}")
    tarballs = sorted(dest.glob("*.tgz"))
    try:
        info = json.loads(proc.stdout)
        fname = info[0]["filename"] if isinstance(info, list) and info else None
    except (ValueError, KeyError, TypeError, IndexError):
        fname = None
    if fname:
        for cand in (dest / Path(fname.replace("@", "").replace("/", "-")).name, dest / Path(fname).name):
            if cand.is_file():
                return cand
    if len(tarballs) == 1:
        return tarballs[0]
    raise TargetError(f"{what} produced no tarball")


def npm_pack(spec: str, dest: Path, timeout: float = 300.0) -> Path:
    """Download the tarball of registry package `spec` (NAME@VERSION) into `dest` with `npm pack`.

    Download only: `--ignore-scripts` and `npm_config_ignore_scripts` keep every lifecycle script from
    running, the working directory is the private `dest`, nothing is installed. Raises TargetError
    when npm is missing or the download fails.
    """
    name, version = valid_spec(spec)
    return run_npm_pack([f"{name}@{version}"], dest, dest, f"npm pack {name}@{version}",
                        "to download npm:NAME@VERSION targets", timeout)
