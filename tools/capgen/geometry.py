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


_TYPE_TEST = re.compile(r"^(?:op->type\(\)\s*==\s*OpType_(\w+)|OpType_(\w+)\s*==\s*op->type\(\))$")


def _type_scope(code: str, lo: int, site: int) -> tuple[str | None, list[str]]:
    """(the op type a braced `if (op->type() == OpType_X) {` around `site` requires, the op types
    an earlier such block returns for): a class registered for several types often serves one
    per branch (GeometryConvert.cpp:19-23 at 3.6.1 returns for ConvertTensor, then emits Cast
    for CastLike)."""
    only, returned = None, []
    for m in _IF.finditer(code, lo, site):
        close = balanced_end(code, m.end() - 1, "(", ")")
        test = _TYPE_TEST.match(" ".join(code[m.end():close - 1].split()))
        rest = code[close:site]
        brace = close + len(rest) - len(rest.lstrip())
        if test is None or brace >= len(code) or code[brace] != "{":
            continue
        end = balanced_end(code, brace, "{", "}")
        if brace < site < end:
            only = test.group(1) or test.group(2)
        elif end <= site and re.search(r"\breturn\b[^;{}]*;\s*\}$", code[brace:end]):
            returned.append(test.group(1) or test.group(2))   # the block ends by returning
    return only, returned


_FORWARD_TEST = re.compile(r"^(?:context\.)?forwardType\(\)\s*==\s*MNN_FORWARD_(\w+)$")


def _split_top(text: str, sep: str) -> list[str]:
    """`text` split at `sep` outside parentheses."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(text):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
        elif depth == 0 and text.startswith(sep, i):
            parts.append(text[start:i])
            start = i + len(sep)
            i += len(sep)
            continue
        i += 1
    return [*parts, text[start:]]


def _forward_gate(condition: str) -> set[str] | None:
    """The forward types a condition requires: a conjunct that is an OR of
    `context.forwardType() == MNN_FORWARD_X` tests only (GeometryBinary.cpp:126 at 2.8.0)."""
    for conjunct in _split_top(condition, "&&"):
        conjunct = conjunct.strip()
        while conjunct.startswith("(") and conjunct.endswith(")") and len(_split_top(conjunct[1:-1], "||")) > 0 \
                and balanced_end(conjunct, 0, "(", ")") == len(conjunct):
            conjunct = conjunct[1:-1].strip()
        tests = [_FORWARD_TEST.match(" ".join(t.split())) for t in _split_top(conjunct, "||")]
        if tests and all(tests):
            return {t.group(1) for t in tests if t}
    return None


def _forward(code: str, lo: int, site: int) -> list[str] | None:
    """Forward types every braced `if` around `site` that tests the forward type allows."""
    allowed: set[str] | None = None
    for m in _IF.finditer(code, lo, site):
        close = balanced_end(code, m.end() - 1, "(", ")")
        rest = code[close:site]
        brace = close + len(rest) - len(rest.lstrip())
        if brace >= len(code) or code[brace] != "{" or not (brace < site < balanced_end(code, brace, "{", "}")):
            continue
        gate = _forward_gate(" ".join(code[m.end():close - 1].split()))
        if gate is not None:
            allowed = gate if allowed is None else allowed & gate
    return sorted(allowed) if allowed is not None else None


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


_ADD_TYPE_PARAM = re.compile(r"\badd_type\s*\(\s*([a-z]\w*)\s*\)")


def _emissions(scope: _Scope, path: str, lo: int, hi: int, seen: set[tuple[Any, ...]],
               via: str | None, passed: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Emission sites in `path`[lo:hi], following calls to functions of the file and the helper files.

    `passed`: op types the caller handed to this function as arguments; an
    `add_type(param)` here emits them (GeometryImageOp.cpp's `makeInterp(..., OpType_Interp)`).
    """
    key = (path, lo) if not passed else (path, lo, passed)
    if key in seen or len(seen) > 40:
        return []
    seen.add(key)
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
        forward = _forward(code, lo, offset)
        if forward is not None:
            site["forward"] = forward
        if via:
            site["via"] = via
        only, returned = _type_scope(code, lo, offset)
        if only:
            site["_only"] = only
        if returned:
            site["_returned"] = returned
        out.append(site)

    for m in _ADD_TYPE.finditer(code, lo, hi):
        emit(m.group(1), m.start())
    if passed:
        for m in _ADD_TYPE_PARAM.finditer(code, lo, hi):
            for kind in passed:
                emit(kind, m.start())
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
        bodies = scope.functions(target, prefix).get(name, [])
        if not bodies:
            continue
        args = code[m.end():balanced_end(code, m.end() - 1, "(", ")")]
        passed_here = tuple(dict.fromkeys(re.findall(r"\bOpType_(\w+)", args)))
        only, returned = _type_scope(code, lo, m.start())
        forward = _forward(code, lo, m.start())
        for start, end in bodies:
            key = (target, start) if not passed_here else (target, start, passed_here)
            if key in seen:
                continue
            for site in _emissions(scope, target, start, end, seen, via or name, passed_here):
                if only and "_only" not in site:
                    site["_only"] = only
                if returned:
                    site["_returned"] = [*site.get("_returned", ()), *returned]
                if forward is not None:
                    site["forward"] = sorted(set(forward) & set(site.get("forward", forward)))
                out.append(site)
    return out


def _class_emissions(scope: _Scope, name: str) -> tuple[str, list[dict[str, Any]]] | None:
    """(`path:line` of the class, its emission sites, bases in the same file included)."""
    classes = scope.classes(scope.path)
    if name not in classes:
        return None
    f = scope.file(scope.path)
    assert f is not None
    seen: set[tuple[Any, ...]] = set()
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
    """The sites `op_type` can reach, one per (type, self, when), the first; the computer's own
    op filled in for self sites."""
    out: dict[tuple[str, bool, str | None], dict[str, Any]] = {}
    for site in sites:
        if site.get("_only", op_type) != op_type or op_type in site.get("_returned", ()):
            continue
        site = {k: v for k, v in site.items() if not k.startswith("_")}
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


_RUNTIME_CREATOR = re.compile(r"\bMNNInsertExtraRuntimeCreator\s*\(\s*MNN_FORWARD_(\w+)")


def read_forward_types(tree: Tree) -> dict[str, list[str]]:
    """Backend directory name -> the MNN_FORWARD_* types its runtime creator registers as
    (`MNNInsertExtraRuntimeCreator(MNN_FORWARD_CUDA, ...)`); geometry code tests them
    (`context.forwardType() == MNN_FORWARD_CPU`, GeometryBinary.cpp)."""
    out: dict[str, set[str]] = {}
    for path in tree.under("source/backend"):
        if not path.endswith((".cpp", ".mm", ".cu")):
            continue
        text = read_text(tree, path)
        for m in _RUNTIME_CREATOR.finditer(text):
            out.setdefault(path.split("/")[2], set()).add(m.group(1))
    if not out:
        raise ValueError("source/backend: no MNNInsertExtraRuntimeCreator call found")
    return {name: sorted(types) for name, types in sorted(out.items())}
