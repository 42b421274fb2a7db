"""A tiny demo release for the dashboard tests (and the README screenshot): built on the fly, never committed."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

from auditor.cli import demo_project


def build_release(out: Path) -> Path:
    """A tiny npm tarball of the demo: a minified bundle reading dark-mode and new-onboarding, and its source map whose
    `sourcesContent` also carries src/tools.ts (VOICE_MODE, internal-tools, the dump_memory tool) that the bundle dropped."""
    server = (demo_project() / "src" / "server.ts").read_text()
    tools = (demo_project() / "src" / "tools.ts").read_text()
    bundle = (
        '"use strict";const ld=require("@launchdarkly/node-server-sdk");const c=ld.init(process.env.LD_SDK_KEY);'
        'async function h(u){const d=await c.boolVariation("dark-mode",u,false);'
        'const t=await c.variation("new-onboarding",u,false);return{d,t}}'
        'const tools=[{name:"read_file",description:"Read a file"}];'
        "const _t=[" + ",".join(str(i) for i in range(400)) + "];module.exports={h,tools,_t};\n"
        "//# sourceMappingURL=cli.js.map\n"
    )
    smap = {"version": 3, "file": "cli.js", "sources": ["../src/server.ts", "../src/tools.ts"],
            "sourcesContent": [server, tools], "names": [], "mappings": ""}
    files = {"package/package.json": json.dumps({"name": "acme-agent", "version": "1.4.0", "files": ["dist/"]}),
             "package/dist/cli.js": bundle, "package/dist/cli.js.map": json.dumps(smap)}
    with tarfile.open(out, "w:gz") as tf:
        for name, text in files.items():
            blob = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(blob)
            tf.addfile(info, io.BytesIO(blob))
    return out
