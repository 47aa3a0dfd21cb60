"""`mnnlint targets`: what the capability tables cover."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TextIO

from ..capabilities import Capabilities
from ..capabilities.support import Status, decide


def render_targets(caps: Capabilities, releases: Sequence[str], backend: str | None, profile: str,
                   fmt: str, out: TextIO) -> None:
    if backend is None:
        rows = []
        for release in releases:
            table = caps.release(release)
            for b in table.backend_ids:
                rows.append({"release": release, "commit": table.commit, "backend": b,
                             "registered_op_types": len(table.backend(b).get("ops", {}))})
        if fmt == "json":
            json.dump({"releases": caps.releases, "backends": rows}, out, indent=2)
            out.write("\n")
            return
        out.write(f"releases in the tables: {', '.join(caps.releases)}\n")
        for release in releases:
            mine = [r for r in rows if r["release"] == release]
            out.write(f"\nMNN {release} (commit {mine[0]['commit'][:10] if mine else '?'}): op types registered\n")
            for r in mine:
                out.write(f"  {r['backend']:<15} {r['registered_op_types']:>4}\n")
        return
    result = {}
    for release in releases:
        table = caps.release(release)
        build = table.build(profile, {})
        verdicts = {}
        for op_type in sorted(table.op_types):
            verdict = decide(table, backend, op_type, build) if table.has_backend(backend) else None
            verdicts[op_type] = verdict.status.value if verdict else "no-backend"
        result[release] = verdicts
    if fmt == "json":
        json.dump({"backend": backend, "profile": profile, "op_types": result}, out, indent=2)
        out.write("\n")
        return
    for release, verdicts in result.items():
        runs = [t for t, v in verdicts.items() if v in (Status.SUPPORTED.value, Status.DECOMPOSED.value)]
        out.write(f"MNN {release}, {backend}, profile {profile}: {len(runs)} op types run there\n")
        for op_type in runs:
            out.write(f"  {op_type} ({verdicts[op_type]})\n")
