"""Geometry decomposition facts of one MNN commit, and each backend's compiler type.

Before a backend is asked for an execution, MNN's geometry layer may rewrite an
op into smaller ops (Raster region copies, Loop/While, BinaryOp, MatMul, ...).
Whether that happens depends on which op types have a registered geometry
computer (and for which compiler type) and which compiler type the target
backend's Runtime reports. What a computer emits is read per computer CLASS:
`registerGeometryComputer(comp, {types}, compiler)` names a variable made with
`new SomeClass`, and only that class's body, plus the functions of the same
file (or of the shared helper files) it calls, counts. Each emission keeps its
site and the `if (...)` around it, so the linter can tell "GeometryGather hands
Gather on only when it has one input" (GeometryGather.cpp:134-142 at 3.6.1) from
"GatherND never re-emits itself".
"""

from __future__ import annotations

import re
from typing import Any

from . import conds
from .conds import DNF
from .cpp import CppFile, balanced_end, function_name, parse, requires_of, strip_comments
from .gitsrc import Tree


def balanced(text: str, start: int, open_ch: str = "(", close_ch: str = ")") -> str:
    """Text from `start` (an `open_ch`) up to and including its matching `close_ch`."""
    return text[start:balanced_end(text, start, open_ch, close_ch)]


def line_of(text: str, offset: int) -> int:
    """1-based line number of a character offset."""
    return text.count("\n", 0, offset) + 1


# --- geometry registrations -------------------------------------------------

GEOMETRY_GLOB = "source/geometry/*.cpp"
REGISTER_LIST = "source/geometry/GeometryOPRegister.cpp"
DEFAULT_COMPILER = "Compiler_Geometry"  # registerGeometryComputer's default argument

_REGISTER_CALL = re.compile(r"\bregisterGeometryComputer\s*\(")
_REGISTER_MACRO = re.compile(r"\bREGISTER_GEOMETRY\s*\(\s*(\w+)\s*,\s*(\w+)\s*\)")
_ADD_TYPE = re.compile(r"\badd_type\s*\(\s*(?:MNN::)?OpType_(\w+)\s*\)")
_SELF = re.compile(r"(?:\.|->)op\s*=\s*op\s*;")
# `newOp->type = OpType_While` builds a command's op; `rcmd->op->type = ...` is a loop's inner op, not a command
_SET_TYPE = re.compile(r"\b(\w+)\s*(?:->|\.)\s*type\s*=\s*(?:MNN::)?OpType_(\w+)\s*;")
_REGIONS = re.compile(r"\bregions\b|makeRawAddressRef|makeFullSlice|MEMORY_VIRTUAL|ComputePermuteRegion")
_CLASS = re.compile(r"\b(?:class|struct)\s+(\w+)\s*(?:final\s*)?(?::\s*([^{;]*))?$")
_IF = re.compile(r"\bif\s*\(")
_INPUTS = re.compile(r"inputs\.size\(\)\s*==\s*(\d+)|(\d+)\s*==\s*inputs\.size\(\)")
# Helpers of GeometryComputerUtils that each build one command of a fixed type.
_HELPER_TYPES = {
    "makeBinary": "BinaryOp",
    "makeReduce": "Reduction",
    "makeUnary": "UnaryOp",
    "makeLayerNorm": "LayerNorm",
    "makeMatMul": "MatMul",
    "makePool": "Pooling",
}
_HELPER_CALL = re.compile(r"\b(" + "|".join(_HELPER_TYPES) + r")\s*\(")
# Helper files whose functions a computer may call as `Prefix::name(...)`.
_HELPER_FILES = {
    "GeometryConvUtils": "source/geometry/GeometryConvUtils.cpp",
    "ConvertUtils": "source/geometry/ConvertUtils.cpp",
}
_CALL = re.compile(r"\b(?:(\w+)\s*::\s*)?(\w+)\s*\(")


def _default_compiler(tree: Tree) -> str:
    """The compiler type registerGeometryComputer uses when the caller names none."""
    path = "source/geometry/GeometryComputer.hpp"
    if tree.exists(path):
        m = re.search(r"registerGeometryComputer\([^;]*?compType\s*=\s*Runtime::(\w+)", read_text(tree, path))
        if m:
            return m.group(1)
    return DEFAULT_COMPILER


def _invoked_creators(tree: Tree) -> dict[str, DNF] | None:
    """`___F__C__` symbols the central register file calls, with their guards.

    None when the commit has no central list (then every REGISTER_GEOMETRY counts).
    """
    if not tree.exists(REGISTER_LIST):
        return None
    f = parse(REGISTER_LIST, tree.read(REGISTER_LIST))
    text = f.code
    body_start = text.find("registerGeometryOps")
    out: dict[str, DNF] = {}
    for m in re.finditer(r"\b(___\w+?__)\s*\(\s*\)\s*;", text):
        if m.start() < body_start or text[: m.start()].rstrip().endswith("void"):
            continue
        out[m.group(1)] = conds.or_(out.get(m.group(1), conds.FALSE), f.src.cond_at(m.start()))
    return out


class _Scope:
    """The functions and classes of the files a computer's code can reach."""

    def __init__(self, tree: Tree, path: str, f: CppFile) -> None:
        self.tree = tree
        self.files: dict[str, CppFile] = {path: f}
        self.path = path

    def file(self, path: str) -> CppFile | None:
        if path not in self.files:
            if not self.tree.exists(path):
                return None
            self.files[path] = parse(path, self.tree.read(path))
        return self.files.get(path)

    def functions(self, path: str, owner: str | None) -> dict[str, list[tuple[int, int]]]:
        """Function name -> bodies: free functions (`owner` None) or members of class `owner`."""
        f = self.file(path)
        out: dict[str, list[tuple[int, int]]] = {}
        if f is None:
            return out
        for b in f.blocks:
            name = function_name(b.head)
            if not name:
                continue
            qualified = re.search(rf"\b(\w+)\s*::\s*{name}\s*\(", b.head)
            if (qualified.group(1) if qualified else None) == owner:
                out.setdefault(name, []).append((b.start, b.end))
        return out

    def classes(self, path: str) -> dict[str, tuple[int, int, str]]:
        """Class name -> (body start, body end, base-class text)."""
        f = self.file(path)
        out: dict[str, tuple[int, int, str]] = {}
        if f is None:
            return out
        for b in f.blocks:
            m = _CLASS.search(" ".join(b.head.split()))
            if m:
                out.setdefault(m.group(1), (b.start, b.end, m.group(2) or ""))
        return out


def _when(code: str, lo: int, site: int) -> str | None:
    """The condition of the innermost braced `if (...) {` between `lo` and `site` that encloses `site`."""
    found = None
    for m in _IF.finditer(code, lo, site):
        close = balanced_end(code, m.end() - 1, "(", ")")
        rest = code[close:site]
        brace = len(rest) - len(rest.lstrip())
        if close + brace >= len(code) or code[close + brace] != "{":
            continue
        end = balanced_end(code, close + brace, "{", "}")
        if close + brace < site < end:
            found = " ".join(code[m.end():close - 1].split())
    return found


def _emissions(scope: _Scope, path: str, lo: int, hi: int, seen: set[tuple[str, int]],
               via: str | None) -> list[dict[str, Any]]:
    """Emission sites in `path`[lo:hi], following calls to functions of the file and the helper files."""
    if (path, lo) in seen or len(seen) > 40:
        return []
    seen.add((path, lo))
    f = scope.file(path)
    assert f is not None
    code = f.code
    out: list[dict[str, Any]] = []

    def emit(kind: str, offset: int, self_: bool = False) -> None:
        site: dict[str, Any] = {"type": kind, "at": f"{path}:{f.src.line_of(offset)}"}
        if self_:
            site["self"] = True
        when = _when(code, lo, offset)
        if when:
            site["when"] = when
            m = _INPUTS.fullmatch(when)
            if m:
                site["inputs"] = int(m.group(1) or m.group(2))
        if via:
            site["via"] = via
        out.append(site)

    for m in _ADD_TYPE.finditer(code, lo, hi):
        emit(m.group(1), m.start())
    for m in _SET_TYPE.finditer(code, lo, hi):
        if m.group(1) != "op":
            emit(m.group(2), m.start())
    for m in _HELPER_CALL.finditer(code, lo, hi):
        emit(_HELPER_TYPES[m.group(1)], m.start())
    m = _REGIONS.search(code, lo, hi)
    if m:
        emit("Raster", m.start())
    for m in _SELF.finditer(code, lo, hi):
        emit("", m.start(), self_=True)
    for m in _CALL.finditer(code, lo, hi):
        prefix, name = m.group(1), m.group(2)
        target = _HELPER_FILES.get(prefix) if prefix else path
        if target is None:
            continue
        for start, end in scope.functions(target, prefix).get(name, []):
            out += _emissions(scope, target, start, end, seen, via or name)
    return out


def _class_emissions(scope: _Scope, name: str) -> tuple[str, list[dict[str, Any]]] | None:
    """(`path:line` of the class, its emission sites, bases in the same file included)."""
    classes = scope.classes(scope.path)
    if name not in classes:
        return None
    f = scope.file(scope.path)
    assert f is not None
    seen: set[tuple[str, int]] = set()
    out: list[dict[str, Any]] = []
    todo = [name]
    while todo:
        cls = todo.pop()
        if cls not in classes:
            continue
        start, end, bases = classes[cls]
        out += _emissions(scope, scope.path, start, end, seen, None)
        for b in f.blocks:   # methods defined outside the class body
            if re.search(rf"\b{cls}\s*::\s*~?\w+\s*\(", b.head):
                out += _emissions(scope, scope.path, b.start, b.end, seen, None)
        todo += [b for b in re.findall(r"\w+", bases) if b in classes and b != cls]
    return f"{scope.path}:{f.src.line_of(classes[name][0])}", out


def _dedupe(sites: list[dict[str, Any]], op_type: str) -> list[dict[str, Any]]:
    """One site per (type, self, when), the first; the computer's own op filled in for self sites."""
    out: dict[tuple[str, bool, str | None], dict[str, Any]] = {}
    for site in sites:
        site = dict(site, type=op_type) if site.get("self") else site
        out.setdefault((site["type"], bool(site.get("self")), site.get("when")), site)
    return sorted(out.values(), key=lambda s: (s["type"], s["at"], s.get("when") or ""))


def read_geometry(tree: Tree) -> dict[str, dict[str, Any]]:
    """Op type -> how the geometry layer treats it at this commit (`tableformat.GeometryEntry`).

    `computers`: one entry per registration: the class, where it is defined and
    registered, its compiler type, the guard of the registration, and what it
    emits (`tableformat.Emission`). `at`, `compiler`, `requires` and `into` sum
    those up: first registration, every compiler type, its guard, and the union
    of the op types the op's own computers emit.
    """
    default = _default_compiler(tree)
    invoked = _invoked_creators(tree)
    out: dict[str, dict[str, Any]] = {}
    for path in sorted(tree.glob(GEOMETRY_GLOB)):
        if path == REGISTER_LIST or path.endswith("GeometryComputer.cpp"):
            continue
        f = parse(path, tree.read(path))
        code = f.code
        # creator function -> guard under which REGISTER_GEOMETRY's function is really called
        creator_guard: dict[str, DNF] = {}
        for m in _REGISTER_MACRO.finditer(code):
            guard = f.src.cond_at(m.start())
            if invoked is not None:
                symbol = f"___{m.group(1)}__{m.group(2)}__"
                if symbol not in invoked:
                    continue
                guard = conds.and_(guard, invoked[symbol])
            creator_guard[m.group(2)] = conds.or_(creator_guard.get(m.group(2), conds.FALSE), guard)
        if not creator_guard:
            continue
        scope = _Scope(tree, path, f)
        for m in _REGISTER_CALL.finditer(code):
            block = f.block_at(m.start())
            creator = function_name(block.head) if block else None
            if creator not in creator_guard:
                continue
            call = balanced(code, m.end() - 1)
            args = call[1:-1]
            variable = args.split(",")[0].strip()
            types = re.findall(r"OpType_(\w+)", args.split("}")[0])
            compiler = re.search(r"Runtime::(Compiler_\w+)|\b(Compiler_\w+)", args.split("}")[-1])
            comp = (compiler.group(1) or compiler.group(2)) if compiler else default
            guard = conds.and_(f.src.cond_at(m.start()), creator_guard[str(creator)])
            requires = requires_of(guard)
            if requires is None:
                continue
            assert block is not None
            made = re.search(rf"\b{re.escape(variable)}\s*(?:\(|=|\.reset\s*\()\s*new\s+(\w+)",
                             code[block.start:m.start()])
            cls = made.group(1) if made else None
            found = _class_emissions(scope, cls) if cls else None
            if found is None:
                raise ValueError(f"{path}:{f.src.line_of(m.start())}: cannot find the class registered "
                                 f"as {variable!r} ({cls})")
            class_at, sites = found
            registered_at = f"{path}:{f.src.line_of(m.start())}"
            for op_type in types:
                computer = {"computer": cls, "at": class_at, "registered_at": registered_at,
                            "compiler": comp, "emits": _dedupe(sites, op_type)}
                if requires:
                    computer["requires"] = requires
                entry = out.setdefault(op_type, {"at": registered_at, "compiler": [], "requires": requires,
                                                 "into": [], "computers": []})
                entry["computers"].append(computer)
                entry["compiler"] = sorted({*entry["compiler"], comp})
                entry["into"] = sorted({*entry["into"], *(e["type"] for e in computer["emits"])})
    return dict(sorted(out.items()))


# --- compiler type per backend ------------------------------------------------

_COMPILER_OVERRIDE = re.compile(
    r"onGetCompilerType\s*\(\s*\)\s*const\s*(?:override\s*)?\{\s*return\s+(?:\w+::)*(Compiler_\w+)\s*;"
)


def read_text(tree: Tree, path: str) -> str:
    """File text without comments; "" for blobs the mirror lacks (files of 4 MiB and more)."""
    try:
        return strip_comments(tree.read(path))
    except FileNotFoundError:
        return ""


def _backend_files(tree: Tree, folder: str) -> list[str]:
    exts = (".cpp", ".hpp", ".h", ".mm", ".cu", ".cuh")
    return [p for p in tree.under(folder) if p.endswith(exts)]


def read_compiler_types(tree: Tree) -> dict[str, str]:
    """Backend directory name -> compiler type its Runtime reports.

    A Runtime without `onGetCompilerType` inherits the default in
    `source/core/Backend.hpp`. Directories without a Runtime of their own
    (arm82, rknn: created by or plugged into the CPU runtime) take the CPU
    value. Directories with no source files are left out.
    """
    core = read_text(tree, ("source/core/Backend.hpp"))
    m = _COMPILER_OVERRIDE.search(core)
    default = m.group(1) if m else "Compiler_Loop"
    folders = sorted({p.split("/")[2] for p in tree.under("source/backend") if p.count("/") >= 3})
    found: dict[str, str | None] = {}
    for name in folders:
        files = _backend_files(tree, f"source/backend/{name}")
        if not files:
            continue
        value: str | None = None
        has_runtime = False
        for path in files:
            text = read_text(tree, path)
            if re.search(r"public\s+(?:MNN::)?Runtime\b", text):
                has_runtime = True
            hit = _COMPILER_OVERRIDE.search(text)
            if hit:
                value = hit.group(1)
        found[name] = value if value else (default if has_runtime else None)
    cpu = found.get("cpu") or default
    return {name: (value or cpu) for name, value in sorted(found.items())}
