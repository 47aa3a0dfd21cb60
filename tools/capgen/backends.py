"""The backends of one MNN commit and the op types each one registers.

A backend is a directory under `source/backend/`. OpenCL and Vulkan each ship
two implementations that a build chooses between: OpenCL registers every
creator for a memory object (`BUFFER` or `IMAGE`), Vulkan compiles either
`vulkan/buffer` or `vulkan/image`. Those are reported as separate backends
(`opencl-buffer`, ...), since an op can exist in one and not the other.

Conditions are reported relative to the backend: what the CMake walk says
enables the backend is stated once (`enabled_requires`), and a macro the build
always defines when the backend is on (Metal's `MNN_METAL_ENABLED`) is taken
as defined.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field

from . import conds
from .cmakesrc import CMakeWalk
from .conds import DNF
from .gitsrc import Tree
from .registrations import Registration, extract

BACKEND_ROOT = "source/backend"

# backend directory -> (split name, how a registration is assigned to it)
SPLITS: dict[str, tuple[tuple[str, str], ...]] = {
    "opencl": (("opencl-buffer", "BUFFER"), ("opencl-image", "IMAGE")),
    "vulkan": (("vulkan-buffer", "buffer"), ("vulkan-image", "image")),
}




@dataclass
class Backend:
    """Registrations of one backend (or one half of a split backend)."""

    name: str
    folder: str
    enabled: DNF
    registrations: list[Registration] = field(default_factory=list)
    split_of: str | None = None
    extends: str | None = None
    subdirs: dict[str, DNF] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def enabled_by(self) -> str | None:
        """The CMake switch that turns the backend on (first MNN_* literal common to all paths)."""
        common = _common_literals(self.enabled)
        names = sorted(n for n, v in common if v and n.startswith("MNN_"))
        return names[0] if names else None

    def ops(self) -> dict[str, list[tuple[str, int, DNF]]]:
        """op -> alternatives (path, line, condition), one per site, conditions merged per site."""
        per_site: dict[tuple[str, str, int], DNF] = {}
        for r in self.registrations:
            key = (r.op, r.path, r.line)
            per_site[key] = conds.or_(per_site.get(key, conds.FALSE), r.cond)
        out: dict[str, list[tuple[str, int, DNF]]] = {}
        for (op, path, line), cond in sorted(per_site.items()):
            if cond != conds.FALSE:
                out.setdefault(op, []).append((path, line, cond))
        return out


def _common_literals(dnf: DNF) -> frozenset[tuple[str, bool]]:
    terms = list(dnf)
    if not terms:
        return frozenset()
    common = set(terms[0])
    for t in terms[1:]:
        common &= t
    return frozenset(common)


def relative(cond: DNF, enabled: DNF) -> DNF:
    """`cond` with what `enabled` already guarantees taken out."""
    if conds.and_(enabled, conds.not_(cond)) == conds.FALSE:
        return conds.TRUE
    return conds.drop_known(cond, _common_literals(enabled))


_BUILD_PLATFORM = re.compile(r"^(CMAKE_SYSTEM_PROCESSOR|CMAKE_SYSTEM_NAME|ARCHS|ANDROID_ABI|IOS_ARCH) ")


def drop_build_platform(cond: DNF) -> DNF:
    """Forget CMake's target-architecture tests (`ARCHS MATCHES ...`) inside op conditions.

    They choose which assembly a backend links for a CPU family; whether the
    backend is built at all keeps them (`enabled_requires`). In op conditions
    they only multiply alternatives that a linter cannot decide anyway.
    """
    out = set()
    for conj in cond:
        out.add(frozenset(lit for lit in conj if not _BUILD_PLATFORM.match(lit[0])))
    return conds.simplify(out)


def backend_dirs(tree: Tree) -> list[str]:
    """Names of the directories directly under source/backend/."""
    names = set()
    prefix = BACKEND_ROOT + "/"
    for p in tree.paths():
        if p.startswith(prefix):
            rest = p[len(prefix):]
            if "/" in rest:
                names.add(rest.split("/", 1)[0])
    return sorted(names)


def _always_defined(walk: CMakeWalk, enabled: DNF) -> list[str]:
    """Macros that the build scripts define whenever `enabled` holds."""
    out = []
    for name, where in sorted(walk.definitions.items()):
        if enabled != conds.FALSE and conds.and_(enabled, conds.not_(where)) == conds.FALSE:
            out.append(name)
    return out


def _extends(tree: Tree, folder: str) -> str | None:
    """`cpu` when the backend class derives from CPUBackend (arm82 falls back to it)."""
    for p in tree.paths():
        if p.startswith(folder + "/") and p.endswith((".hpp", ".h")) and posixpath.dirname(p) == folder:
            try:
                text = tree.read(p)
            except FileNotFoundError:
                continue
            if re.search(r"class\s+\w*Backend\s*(?:final\s*)?:\s*public\s+CPUBackend\b", text):
                return "cpu"
    return None


def read_backends(tree: Tree, walk: CMakeWalk) -> list[Backend]:
    """Every backend of the commit, split ones split, with their registrations."""
    out: list[Backend] = []
    for name in backend_dirs(tree):
        folder = f"{BACKEND_ROOT}/{name}"
        enabled = walk.subdirs.get(folder, conds.FALSE)
        ex = extract(tree, folder, walk.compiled, header_dirs=())
        always = _always_defined(walk, enabled)

        def fix(r: Registration, enabled: DNF = enabled, always: list[str] = always) -> Registration:
            c = r.cond
            for macro in always:
                c = conds.substitute(c, macro, True)
            return Registration(r.op, r.path, r.line, drop_build_platform(relative(c, enabled)), r.style, r.memobj)

        regs = [fix(r) for r in ex.registrations]
        subdirs = {d: relative(c, enabled) for d, c in sorted(walk.subdirs.items())
                   if d.startswith(folder + "/")}
        ext = _extends(tree, folder)
        splits = SPLITS.get(name)
        present = [s for s in splits or () if _split_exists(tree, folder, s[1])]
        if not present:
            out.append(Backend(name, folder, enabled, regs, None, ext, subdirs, list(ex.notes)))
            continue
        for split_name, key in present:
            mine = [r for r in regs if _in_split(r, folder, key)]
            sub_enabled = enabled
            # a split chosen by a build switch: hoist what compiles all of its files
            files = sorted({r.path for r in mine})
            common = _common_literals(conds.or_(*[relative(walk.compiled(f), enabled) for f in files])) \
                if files else frozenset()
            if common:
                sub_enabled = conds.and_(enabled, frozenset({common}))
                mine = [Registration(r.op, r.path, r.line, conds.drop_known(r.cond, common), r.style, r.memobj)
                        for r in mine]
            out.append(Backend(split_name, _split_folder(folder, key), sub_enabled, mine, name, ext,
                               subdirs, list(ex.notes)))
    return out


def _split_exists(tree: Tree, folder: str, key: str) -> bool:
    sub = f"{folder}/execution/{key.lower()}/" if folder.endswith("opencl") else f"{folder}/{key}/"
    return any(p.startswith(sub) for p in tree.paths())


def _split_folder(folder: str, key: str) -> str:
    return f"{folder}/execution/{key.lower()}" if folder.endswith("opencl") else f"{folder}/{key}"


def _in_split(r: Registration, folder: str, key: str) -> bool:
    if r.memobj is not None:
        return r.memobj == key
    return r.path.startswith(_split_folder(folder, key) + "/")
