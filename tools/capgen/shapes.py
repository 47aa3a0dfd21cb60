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


def read_shape_computers(tree: Tree, walk: CMakeWalk) -> dict[str, list[dict[str, Any]]]:
    """Op type -> its shape computer registrations (`tableformat.ShapeSite`), one per alternative."""
    ex = extract(tree, SHAPE_DIR, walk.compiled, adds=_INSERT)
    out: dict[str, list[dict[str, Any]]] = {}
    for reg in sorted(ex.registrations, key=lambda r: (r.op, r.path, r.line)):
        for alternative in conds.as_requires(reg.cond):
            site: dict[str, Any] = {"at": f"{reg.path}:{reg.line}"}
            requires = requires_of(frozenset({frozenset(alternative.items())}))
            if requires:
                site["requires"] = requires
            if site not in out.setdefault(reg.op, []):
                out[reg.op].append(site)
    if not out:
        raise ValueError(f"{SHAPE_DIR}: no shape computer registration found")
    return dict(sorted(out.items()))
