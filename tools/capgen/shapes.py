"""Shape computers per op type and the build condition of each, at one commit.

Before any backend runs an op, MNN computes its output shapes with the op
type's SizeComputer (source/shape/*.cpp). An op type with no shape computer in
the build fails at the first resize with `Compute Shape Error`, on every
backend; nothing falls back. `ShapeAttention.cpp` registers only under
`MNN_SUPPORT_TRANSFORMER_FUSE`, so a default build cannot run a fused model.
The registrations use the same macro-and-generated-list scheme as the CPU
backend (`REGISTER_SHAPE*` define `___name__type__()`, ShapeRegister.cpp calls
them), so they are read by the same extractor as backend creators.
"""

from __future__ import annotations

import re
from typing import Any

from . import conds
from .cmakesrc import CMakeWalk
from .cpp import requires_of
from .gitsrc import Tree
from .registrations import extract

SHAPE_DIR = "source/shape"
# what a REGISTER_SHAPE* expansion does: `SizeComputerSuite::get()->insert(computer, op)`
_INSERT = re.compile(r"(?:->|\.)\s*(insert)\s*\(\s*\w+\s*,\s*\w+\s*\)")


_INPUTS_ARG = re.compile(r"\bREGISTER_SHAPE_INPUTS\w*\s*\(\s*\w+\s*,\s*\w+\s*,"
                         r"\s*(?:std::vector<int>\s*)?\{([\d\s,]*)\}")


def _content_inputs(line: str) -> list[int]:
    """The input indices a `REGISTER_SHAPE_INPUTS(name, op, {1})` says the shape depends on
    (`SizeComputer::needInputContent`): their producers become constant."""
    m = _INPUTS_ARG.search(line)
    return sorted({int(i) for i in re.findall(r"\d+", m.group(1))}) if m else []


def read_shape_computers(tree: Tree, walk: CMakeWalk) -> dict[str, list[dict[str, Any]]]:
    """Op type -> its shape computer registrations (`tableformat.ShapeSite`), one per alternative."""
    ex = extract(tree, SHAPE_DIR, walk.compiled, adds=_INSERT)
    out: dict[str, list[dict[str, Any]]] = {}
    lines: dict[str, list[str]] = {}
    for reg in sorted(ex.registrations, key=lambda r: (r.op, r.path, r.line)):
        if reg.path not in lines:
            lines[reg.path] = tree.read(reg.path).split("\n")
        content = _content_inputs(lines[reg.path][reg.line - 1])
        for alternative in conds.as_requires(reg.cond):
            site: dict[str, Any] = {"at": f"{reg.path}:{reg.line}"}
            if content:
                site["content_inputs"] = content
            requires = requires_of(frozenset({frozenset(alternative.items())}))
            if requires:
                site["requires"] = requires
            if site not in out.setdefault(reg.op, []):
                out[reg.op].append(site)
    if not out:
        raise ValueError(f"{SHAPE_DIR}: no shape computer registration found")
    return dict(sorted(out.items()))
