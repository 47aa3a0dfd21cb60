"""Geometry decomposition facts of one MNN commit, and each backend's compiler type.

Before a backend is asked for an execution, MNN's geometry layer may rewrite an
op into smaller ops (Raster region copies, Loop/While, BinaryOp, MatMul, ...).
Whether that happens depends on two facts read here: which op types have a
registered geometry computer (and for which compiler type), and which compiler
type the target backend's Runtime reports. `docs/capabilities.md` explains how
the pipeline combines them.

The small C++ helpers (comment stripping, `#if` tracking) live here too because
`cmake.py` is CMake and `fused.py` reuses these two.
"""

from __future__ import annotations

import re
from typing import Protocol

from .cpp import strip_comments


class Tree(Protocol):
    def paths(self) -> list[str]: ...
    def glob(self, pattern: str) -> list[str]: ...
    def under(self, folder: str) -> list[str]: ...
    def exists(self, path: str) -> bool: ...
    def read(self, path: str) -> str: ...


_DEFINED = re.compile(r"^(!?)\s*(?:defined\s*\(\s*(\w+)\s*\)|defined\s+(\w+)|(\w+))$")


def _condition(expr: str) -> dict[str, bool]:
    """`#if` expression -> {macro: required value}; unknown forms keep the raw text."""
    expr = expr.strip()
    out: dict[str, bool] = {}
    for part in re.split(r"&&", expr):
        part = part.strip()
        while part.startswith("(") and part.endswith(")") and part.count("(") == part.count(")"):
            part = part[1:-1].strip()
        m = _DEFINED.match(part)
        if m and "||" not in part:
            name = m.group(2) or m.group(3) or m.group(4)
            if name == "0":
                out["0"] = True
            elif name == "1":
                continue
            else:
                out[name] = not m.group(1)
        else:
            out[expr] = True
            return {expr: True}
    return out


def line_conditions(text: str) -> list[dict[str, bool]]:
    """For each line (index 0 = line 1): the macros that must hold for it to compile.

    `#else` negates a single-macro condition; for a compound one the branch
    is marked with the negated raw expression.
    """
    stack: list[dict[str, bool]] = []
    result: list[dict[str, bool]] = []
    for line in text.split("\n"):
        s = line.strip()
        directive = re.match(r"#\s*(ifdef|ifndef|if|elif|else|endif)\b(.*)", s)
        if directive:
            kind, rest = directive.group(1), directive.group(2).strip()
            if kind == "ifdef":
                stack.append({rest.split()[0]: True} if rest else {})
            elif kind == "ifndef":
                stack.append({rest.split()[0]: False} if rest else {})
            elif kind == "if":
                stack.append(_condition(rest))
            elif kind in ("else", "elif") and stack:
                prev = stack.pop()
                if len(prev) == 1:
                    ((k, v),) = prev.items()
                    flipped = {k: not v}
                else:
                    flipped = {f"!({' && '.join(sorted(prev))})": True}
                if kind == "elif":
                    flipped.update(_condition(rest))
                stack.append(flipped)
            elif kind == "endif" and stack:
                stack.pop()
        merged: dict[str, bool] = {}
        for cond in stack:
            merged.update(cond)
        result.append(merged)
    return result


def balanced(text: str, start: int, open_ch: str = "(", close_ch: str = ")") -> str:
    """Text from `start` (an `open_ch`) up to and including its matching `close_ch`."""
    depth = 0
    for i in range(start, len(text)):
        if text[i] == open_ch:
            depth += 1
        elif text[i] == close_ch:
            depth -= 1
            if depth == 0:
                return text[start : i + 1]
    return text[start:]


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
_REGIONS = re.compile(r"\bregions\b|makeRawAddressRef|makeFullSlice|MEMORY_VIRTUAL|ComputePermuteRegion")
# Helpers of GeometryComputerUtils that each build one command of a fixed type.
_HELPER_TYPES = {
    "makeBinary": "BinaryOp",
    "makeReduce": "Reduction",
    "makeUnary": "UnaryOp",
    "makeLayerNorm": "LayerNorm",
    "makeMatMul": "MatMul",
    "makePool": "Pooling",
}
# Helper files whose `add_type` targets are inherited by a caller naming their class.
_HELPER_FILES = {
    "GeometryConvUtils::": "source/geometry/GeometryConvUtils.cpp",
    "ConvertUtils::": "source/geometry/ConvertUtils.cpp",
}


def _default_compiler(tree: Tree) -> str:
    """The compiler type registerGeometryComputer uses when the caller names none."""
    path = "source/geometry/GeometryComputer.hpp"
    if tree.exists(path):
        m = re.search(r"registerGeometryComputer\([^;]*?compType\s*=\s*Runtime::(\w+)", tree.read(path))
        if m:
            return m.group(1)
    return DEFAULT_COMPILER


def _invoked_creators(tree: Tree) -> dict[str, dict[str, bool]] | None:
    """`___F__C__` symbols the central register file calls, with their guards.

    None when the commit has no central list (then every REGISTER_GEOMETRY counts).
    """
    if not tree.exists(REGISTER_LIST):
        return None
    text = strip_comments(tree.read(REGISTER_LIST))
    conds = line_conditions(text)
    body_start = text.find("registerGeometryOps")
    out: dict[str, dict[str, bool]] = {}
    for m in re.finditer(r"\b(___\w+?__)\s*\(\s*\)\s*;", text):
        if m.start() < body_start or text[: m.start()].rstrip().endswith("void"):
            continue
        out[m.group(1)] = conds[line_of(text, m.start()) - 1]
    return out


def _emitted(tree: Tree, text: str, follow_helpers: bool = True) -> set[str]:
    """Best-effort op types a geometry file's computers produce."""
    into = set(_ADD_TYPE.findall(text))
    for helper, op_type in _HELPER_TYPES.items():
        if re.search(rf"\b{helper}\s*\(", text):
            into.add(op_type)
    if _REGIONS.search(text):
        into.add("Raster")
    if follow_helpers:
        for prefix, path in _HELPER_FILES.items():
            if prefix in text and tree.exists(path):
                into |= _emitted(tree, read_text(tree, path), follow_helpers=False)
    return into


def read_geometry(tree: Tree) -> dict[str, dict]:
    """Op type -> how the geometry layer treats it at this commit.

    Each value: `at` (first registration, `path:line`), `compiler` (sorted list
    of compiler types it is registered for), `requires` (macros that must be
    defined/undefined for the registration to be compiled), `into` (op types the
    computer may emit; the op's own name when it can pass the op through).
    """
    default = _default_compiler(tree)
    invoked = _invoked_creators(tree)
    out: dict[str, dict] = {}
    for path in sorted(tree.glob(GEOMETRY_GLOB)):
        if path == REGISTER_LIST or path.endswith("GeometryComputer.cpp"):
            continue
        text = strip_comments(tree.read(path))
        conds = line_conditions(text)
        # Which creator functions are really called, and under which guards.
        creator_guard: dict[str, dict[str, bool]] = {}
        for m in _REGISTER_MACRO.finditer(text):
            symbol = f"___{m.group(1)}__{m.group(2)}__"
            guard = dict(conds[line_of(text, m.start()) - 1])
            if invoked is not None:
                if symbol not in invoked:
                    continue
                guard.update(invoked[symbol])
            creator_guard[m.group(2)] = guard
        if not creator_guard:
            continue
        emitted = _emitted(tree, text)
        passes_through = _SELF.search(text) is not None or any(
            prefix in text and _SELF.search(read_text(tree, helper)) is not None
            for prefix, helper in _HELPER_FILES.items()
        )
        for m in _REGISTER_CALL.finditer(text):
            call = balanced(text, m.end() - 1)
            types = re.findall(r"OpType_(\w+)", call.split("}")[0])
            compiler = re.search(r"Runtime::(Compiler_\w+)|\b(Compiler_\w+)", call.split("}")[-1])
            comp = (compiler.group(1) or compiler.group(2)) if compiler else default
            line = line_of(text, m.start())
            requires = dict(conds[line - 1])
            # Guard of the enclosing creator function (only one per file in MNN).
            for guard in creator_guard.values():
                requires.update(guard)
            if requires.get("0"):
                continue
            for op_type in types:
                entry = out.setdefault(op_type, {
                    "at": f"{path}:{line}", "compiler": [], "requires": requires, "into": [],
                })
                if comp not in entry["compiler"]:
                    entry["compiler"] = sorted([*entry["compiler"], comp])
                into = set(entry["into"]) | emitted | ({op_type} if passes_through else set())
                entry["into"] = sorted(into)
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
    core = strip_comments(tree.read("source/core/Backend.hpp"))
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


# --- ops that never need a backend execution ---------------------------------

NEVER_SCHEDULED = "source/utils/InitNet.cpp"
NEED_CONTENT = "source/core/OpCommonUtils.cpp"


def read_never_executed(tree: Tree) -> dict[str, str]:
    """Op type -> why no backend ever creates an execution for it, with `path:line`.

    Two sources: ops the scheduler drops before the pipeline (`needComputeOp`),
    and ops none of whose inputs' contents are read (`opNeedContent` returns
    false for every index), which the const-folder therefore always computes at
    shape time on the CPU backup backend.
    """
    out: dict[str, str] = {}
    if tree.exists(NEVER_SCHEDULED):
        text = strip_comments(tree.read(NEVER_SCHEDULED))
        m = re.search(r"bool\s+needComputeOp\s*\([^)]*\)\s*\{", text)
        if m:
            body = balanced(text, m.end() - 1, "{", "}")
            where = f"{NEVER_SCHEDULED}:{line_of(text, m.start())}"
            for name in re.findall(r"OpType_(\w+)", body):
                out[name] = f"not scheduled ({where})"
    if tree.exists(NEED_CONTENT):
        text = strip_comments(tree.read(NEED_CONTENT))
        m = re.search(r"bool\s+OpCommonUtils::opNeedContent\s*\([^)]*\)\s*\{", text)
        if m:
            body = balanced(text, m.end() - 1, "{", "}")
            base = line_of(text, m.start())
            # Case labels directly followed (possibly through more labels) by `return false;`.
            for group in re.finditer(r"((?:\s*case\s+OpType_\w+\s*:)+)\s*return\s+false\s*;", body):
                line = base + body.count("\n", 0, group.start(1)) + 1
                for name in re.findall(r"OpType_(\w+)", group.group(1)):
                    where = f"{NEED_CONTENT}:{line}"
                    out.setdefault(name, f"always constant-folded on CPU at shape time ({where})")
    return dict(sorted(out.items()))
