"""Generate mnnlint's capability tables from an MNN git directory.

For every release (tags 2.8.0 and later, plus HEAD) this writes
`<out>/<release>.json`: per backend, the op types with a registered execution
creator, each with the file and line of the registration and the build
conditions under which it is live; plus the op-type enum, the CMake option
logic, geometry computers, fused ops, Module-layer ops, shape computers and
constness facts. mnnlint/capabilities/tableformat.py declares the format; every
release is checked against it before anything is written.
`<out>/index.json` lists the releases in order.

Usage:
    python tools/gen_capabilities.py --mnn-git /work/.mirror/alibaba+MNN/repo \
        [--releases 3.2.0,3.2.1] [--out mnnlint/capabilities/data]

Output is deterministic: run it twice and the bytes are the same.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mnnlint.capabilities.tableformat import FORMAT_VERSION, check_release
from tools.capgen import conds, fused, optypes, pipeline, shapes
from tools.capgen.backends import Backend, read_backends
from tools.capgen.cmake import read_cmake_logic, read_macros, read_profiles
from tools.capgen.cmakesrc import walk_cmake
from tools.capgen.geometry import read_compiler_types, read_geometry
from tools.capgen.gitsrc import GitTree, Tree
from tools.capgen.store import Store

GENERATOR_VERSION = 2
FIRST_RELEASE = (2, 8, 0)
DEFAULT_OUT = "mnnlint/capabilities/data"


def release_tags(git_dir: str) -> list[str]:
    """Tags `X.Y.Z` from 2.8.0 on, in version order."""
    out = subprocess.run(["git", "--git-dir", git_dir, "tag"], check=True,
                         capture_output=True, text=True).stdout
    tags = [t for t in out.split() if re.fullmatch(r"\d+\.\d+\.\d+", t)]
    tags = [t for t in tags if tuple(map(int, t.split("."))) >= FIRST_RELEASE]
    return sorted(tags, key=lambda t: tuple(map(int, t.split("."))))


def _requires(dnf: conds.DNF) -> list[dict[str, bool]]:
    return conds.as_requires(dnf)


def backend_entry(b: Backend, files: dict[str, int]) -> dict[str, Any]:
    """The JSON object of one backend; `files` collects the provenance table."""
    ops: dict[str, list[dict[str, Any]]] = {}
    for op, alternatives in b.ops().items():
        entries = []
        for path, line, cond in alternatives:
            idx = files.setdefault(path, len(files))
            for req in _requires(cond):
                entries.append({"at": [idx, line], "requires": req})
        ops[op] = entries
    entry: dict[str, Any] = {
        "dir": b.folder,
        "enabled_by": b.enabled_by,
        "enabled_requires": _requires(b.enabled),
        "ops": ops,
        "styles": sorted({r.style for r in b.registrations}),
    }
    if b.split_of:
        entry["split_of"] = b.split_of
    if b.extends:
        entry["extends"] = b.extends
    if b.subdirs:
        entry["subdirs"] = {d: _requires(c) for d, c in b.subdirs.items()}
    return entry


def generate_release(tree: Tree, release: str) -> dict[str, Any]:
    """The capability table of one release (`tableformat.Release`), read from `tree`.

    Every reader runs; an exception in one stops the run (no partial tables).
    """
    try:
        walk = walk_cmake(tree)
        backends = read_backends(tree, walk)
        files: dict[str, int] = {}
        # file indices are assigned in backend/op/site order, which is sorted: stable
        entries = {b.name: backend_entry(b, files) for b in sorted(backends, key=lambda b: b.name)}
        # renumber files in path order so the table reads sorted
        order = sorted(files)
        renum = {files[p]: i for i, p in enumerate(order)}
        for e in entries.values():
            for alts in e["ops"].values():
                for a in alts:
                    a["at"][0] = renum[a["at"][0]]
        data: dict[str, Any] = {
            "format": FORMAT_VERSION,
            "generator": GENERATOR_VERSION,
            "release": release,
            "commit": tree.commit,
            "date": tree.commit_date(),
            "files": order,
            "backends": entries,
            "op_types": optypes.read_op_types(tree),
            "cmake": read_cmake_logic(walk),
            "macros": read_macros(walk),
            "profiles": read_profiles(),
            "geometry": read_geometry(tree),
            "compiler": read_compiler_types(tree),
            "fused_op_types": fused.read_fused_op_types(tree),
            "never_executed": pipeline.read_never_executed(tree),
            "module_ops": pipeline.read_module_ops(tree),
            "shape_computers": shapes.read_shape_computers(tree, walk),
            "need_content": pipeline.read_need_content(tree),
            "pipeline": pipeline.read_pipeline_sites(tree),
        }
        notes = sorted({n for b in backends for n in b.notes})
        if notes:
            data["notes"] = notes
        check_release(data, release)
        return data
    finally:
        tree.close()


def index_entry(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "release": data["release"],
        "commit": data["commit"],
        "date": data["date"],
        "generator": GENERATOR_VERSION,
        "backends": {name: len(b["ops"]) for name, b in sorted(data["backends"].items())},
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mnn-git", required=True, help="MNN git directory (bare or .git)")
    ap.add_argument("--releases", help="comma-separated releases (tags, or HEAD); default all from 2.8.0 plus HEAD")
    ap.add_argument("--out", default=DEFAULT_OUT)
    args = ap.parse_args(argv)

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    releases = args.releases.split(",") if args.releases else [*release_tags(args.mnn_git), "HEAD"]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    store = Store(out, keep_existing=bool(args.releases))
    tables = []
    for rel in releases:
        t0 = time.monotonic()
        data = generate_release(GitTree(args.mnn_git, rel), rel)
        entry = index_entry(data)
        tables.append((store.localise(data), entry))
        counts = " ".join(f"{k}={v}" for k, v in entry["backends"].items())
        log(f"{rel}: {time.monotonic() - t0:.2f}s  {counts}")
    store.plan([data for data, _ in tables])
    for data, entry in tables:
        store.write_release(data, entry)
    total = store.finish(_release_key, GENERATOR_VERSION)
    log(f"{len(releases)} releases in {time.monotonic() - start:.1f}s; {out} holds {total} bytes")
    return 0


def _release_key(rel: str) -> tuple[int, ...]:
    """Version order, HEAD last (mnnlint.release.Release); anything else just before HEAD."""
    from mnnlint.release import Release

    return Release(rel).key if Release.is_release(rel) else (10**9 - 1,)

if __name__ == "__main__":
    sys.exit(main())
