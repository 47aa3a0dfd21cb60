"""Find the op types a backend registers an execution creator for, with conditions.

MNN backends register creators in several ways, and we read each one from its
definition rather than from a list of known macro names:

* registration macros (`REGISTER_CPU_OP_CREATOR`, `REGISTER_OPENCL_OP_CREATOR`,
  ...): any function-like `#define` whose body adds a creator. Each variant of
  the macro (one per `#ifdef` branch) is classified: it defines a function
  `___name__type__()` that registers when called, it declares a static
  registrar object (registers at load), or it expands to nothing;
* registrar templates (`CUDACreatorRegister<T> x(OpType_X)`): any class whose
  constructor adds a creator; instances in compiled files register at load;
* direct `XBackend::addCreator(OpType_X, ...)` calls, in a static initialiser
  (registers at load) or in a function (registers when that function is
  called), including calls in a loop over an array of op types;
* backends without a creator table (Hexagon, arm82 since 3.x) dispatch in
  `onCreate`/`create` with `case OpType_X:` or `op->type() == OpType_X`.

A function-style registration counts only where its `___...()` function is
called, and only under the condition of that call (e.g. inside `#ifdef` in a
generated `*OPRegister.cpp`), and the file must be compiled (see `cmakesrc`).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from . import conds
from .conds import DNF
from .cpp import CppFile, balanced_end, function_name, preprocess, split_args
from .gitsrc import Tree

SOURCE_EXTS = (".cpp", ".cc", ".cu", ".mm", ".c", ".m")
HEADER_EXTS = (".hpp", ".h", ".cuh", ".hh")
MEM_OBJECTS = ("BUFFER", "IMAGE")

ADD_CREATOR = re.compile(r"\b(?:\w+\s*::\s*)?(add\w*Creator)\s*\(")
_OPTYPE = re.compile(r"\bOpType_(\w+)")
_DISPATCH = re.compile(r"\bcase\s+(?:MNN::)?OpType_(\w+)\s*:|type\(\)\s*==\s*(?:MNN::)?OpType_(\w+)")
_RELEVANT = re.compile(r"OpType|Creator|Register|register\w*Ops")




@dataclass(frozen=True)
class Registration:
    """One place that registers a creator for `op`, live under `cond`."""

    op: str
    path: str
    line: int
    cond: DNF
    style: str                 # e.g. "macro:REGISTER_CPU_OP_CREATOR", "registrar:CUDACreatorRegister"
    memobj: str | None = None  # OpenCL BUFFER / IMAGE


@dataclass
class MacroVariant:
    """One definition of a registration macro and what its expansion does."""

    params: tuple[str, ...]
    kind: str                  # "func" | "static" | "empty"
    fn_template: str | None    # the pasted function name, e.g. ___##name##__##opType##__
    cond: DNF
    path: str
    line: int


@dataclass
class Extraction:
    registrations: list[Registration] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    macros: dict[str, list[MacroVariant]] = field(default_factory=dict)
    registrars: dict[str, DNF] = field(default_factory=dict)


def _expand_template(template: str, params: tuple[str, ...], args: list[str]) -> str:
    values = dict(zip(params, args, strict=False))
    return "".join(values.get(p.strip(), p.strip()) for p in template.split("##"))


class Extractor:
    """Registrations of one backend directory of one commit."""

    def __init__(self, tree: Tree, folder: str, compiled: Callable[[str], DNF],
                 header_dirs: tuple[str, ...] = (), adds: re.Pattern[str] = ADD_CREATOR) -> None:
        self.tree = tree
        self.adds = adds
        self.folder = folder.rstrip("/")
        self.compiled = compiled
        prefix = self.folder + "/"
        self.paths = [p for p in tree.paths() if p.startswith(prefix)]
        extra = [p for p in tree.paths() if any(p.startswith(d.rstrip("/") + "/") for d in header_dirs)]
        self.header_paths = [p for p in self.paths + extra if p.endswith(HEADER_EXTS)]
        self.source_paths = [p for p in self.paths if p.endswith(SOURCE_EXTS)]
        self._files: dict[str, CppFile | None] = {}
        self._compiled: dict[str, DNF] = {}
        self.result = Extraction()

    def file(self, path: str) -> CppFile | None:
        """The parsed file, or None when missing or irrelevant (no op type, creator or call)."""
        if path not in self._files:
            try:
                text = self.tree.read(path)
            except FileNotFoundError:
                self.result.notes.append(f"{path}: blob missing from mirror")
                self._files[path] = None
                return None
            if not _RELEVANT.search(text):
                self._files[path] = None
                return None
            self._files[path] = CppFile(preprocess(path, text))
        return self._files[path]

    def compiled_cond(self, path: str) -> DNF:
        if path not in self._compiled:
            self._compiled[path] = self.compiled(path)
        return self._compiled[path]

    # -- definitions -------------------------------------------------------
    def find_registrar_classes(self) -> None:
        for path in self.header_paths + self.source_paths:
            if "Register" not in self._peek(path) and "Creator" not in self._peek(path):
                continue
            f = self.file(path)
            if f is None:
                continue
            for m in re.finditer(r"\b(?:class|struct)\s+(\w+)\s*(?::[^{;]*)?\{", f.code):
                name = m.group(1)
                body_end = balanced_end(f.code, m.end() - 1, "{", "}")
                body = f.code[m.end():body_end]
                ctor = re.search(r"\b" + re.escape(name) + r"\s*\(([^)]*)\)\s*\{", body)
                if not ctor or "OpType" not in ctor.group(1):
                    continue
                ctor_body = body[ctor.end() - 1:balanced_end(body, ctor.end() - 1, "{", "}")]
                if self.adds.search(ctor_body):
                    cond = f.src.cond_at(m.start())
                    prev = self.result.registrars.get(name, conds.FALSE)
                    self.result.registrars[name] = conds.or_(prev, cond)

    def _peek(self, path: str) -> str:
        f = self.file(path)
        return f.code if f else ""

    def find_macros(self) -> None:
        registrar_re = self._registrar_re()
        variants: dict[str, list[MacroVariant]] = {}
        for path in self.header_paths + self.source_paths:
            f = self.file(path)
            if f is None:
                continue
            for d in f.src.defines:
                if d.params is None:
                    continue
                body = d.body
                registers = bool(self.adds.search(body) or (registrar_re and registrar_re.search(body)))
                fn = re.search(r"\bvoid\s+([\w#\s]*##[\w#\s]*)\s*\(\s*\)\s*\{", body)
                if fn:
                    kind = "func" if registers else "empty"
                    template = fn.group(1)
                elif registers:
                    kind, template = "static", None
                else:
                    kind, template = "empty", None
                variants.setdefault(d.name, []).append(
                    MacroVariant(d.params, kind, template, d.cond, path, d.line))
        # keep macros that register in at least one variant
        self.result.macros = {k: v for k, v in variants.items() if any(x.kind != "empty" for x in v)}

    def _registrar_re(self) -> re.Pattern[str] | None:
        if not self.result.registrars:
            return None
        names = "|".join(sorted(map(re.escape, self.result.registrars)))
        return re.compile(r"\b(" + names + r")\s*<")

    # -- calls -------------------------------------------------------------
    def call_cond(self, name: str, depth: int = 0, exclude: str | None = None) -> DNF | None:
        """Condition under which function `name` is called; None when no call is found."""
        pat = re.compile(r"\b" + re.escape(name) + r"\s*\(\s*\)\s*;")
        result = conds.FALSE
        found = False
        for path in self.source_paths:
            f = self.file(path)
            if f is None or name not in f.code:
                continue
            fc = self.compiled_cond(path)
            for m in pat.finditer(f.code):
                line_start = f.code.rfind("\n", 0, m.start()) + 1
                prefix = f.code[line_start:m.start()]
                if re.search(r"\b(void|extern)\b", prefix):
                    continue
                block = f.block_at(m.start())
                if block is None:
                    continue
                found = True
                cond = conds.and_(fc, f.src.cond_at(m.start()))
                caller = function_name(block.head)
                if caller and caller != exclude and depth < 3:
                    outer = self.call_cond(caller, depth + 1, exclude=name)
                    if outer is not None:
                        cond = conds.and_(cond, outer)
                result = conds.or_(result, cond)
        return result if found else None

    def called(self, fn: str, note: str) -> DNF | None:
        """Condition under which registrar function `fn` runs; None (and `note` kept) when nothing calls it.

        A registrar function that no compiled code calls registers nothing, however
        it is guarded: MNN links them through generated `*OPRegister.cpp` lists.
        """
        cond = self.call_cond(fn)
        if cond is None:
            self.result.notes.append(note)
        return cond

    # -- sites -------------------------------------------------------------
    def extract(self) -> Extraction:
        self.find_registrar_classes()
        self.find_macros()
        macro_re = None
        if self.result.macros:
            macro_re = re.compile(r"\b(" + "|".join(sorted(map(re.escape, self.result.macros))) + r")\s*\(")
        registrar_re = self._registrar_re()
        regs = self.result.registrations
        for path in self.source_paths:
            fc = self.compiled_cond(path)
            if fc == conds.FALSE:
                continue
            f = self.file(path)
            if f is None:
                continue
            code = f.code
            if macro_re:
                for m in macro_re.finditer(code):
                    self._macro_site(f, path, fc, m)
            if registrar_re:
                for m in registrar_re.finditer(code):
                    self._registrar_site(f, path, fc, m)
            for m in self.adds.finditer(code):
                self._add_creator_site(f, path, fc, m)
        if not regs:
            self._dispatch_sites()
        self._unresolved_registrars()
        return self.result

    def _memobj(self, args: list[str], path: str) -> str | None:
        for a in args:
            for tok in re.findall(r"\w+", a):
                if tok in MEM_OBJECTS:
                    return tok
        return None

    def _macro_site(self, f: CppFile, path: str, fc: DNF, m: re.Match[str]) -> None:
        name = m.group(1)
        end = balanced_end(f.code, m.end() - 1, "(", ")")
        args = split_args(f.code[m.end():end - 1])
        ops = [o for a in args for o in _OPTYPE.findall(a)]
        if not ops:
            return
        site = conds.and_(fc, f.src.cond_at(m.start()))
        line = f.src.line_of(m.start())
        for v in self.result.macros[name]:
            if v.kind == "empty":
                continue
            cond = conds.and_(site, v.cond)
            if v.kind == "func" and v.fn_template:
                fn = _expand_template(v.fn_template, v.params, args)
                called = self.called(fn, f"{path}:{line}: {fn} defined by {name} but never called")
                if called is None:
                    continue
                cond = conds.and_(cond, called)
            if cond == conds.FALSE:
                continue
            for op in ops:
                self.result.registrations.append(Registration(
                    op, path, line, cond, f"macro:{name}", self._memobj(args, path)))

    def _registrar_site(self, f: CppFile, path: str, fc: DNF, m: re.Match[str]) -> None:
        before = f.code[max(0, m.start() - 40):m.start()]
        if re.search(r"\b(class|struct|template)\s*$", before):
            return
        lt = f.code.index("<", m.start())
        after = balanced_end(f.code, lt, "<", ">")
        rest = re.match(r"\s*(\w+)\s*([({])", f.code[after:])
        if not rest:
            return
        open_at = after + rest.start(2)
        close = balanced_end(f.code, open_at, rest.group(2), ")" if rest.group(2) == "(" else "}")
        args = split_args(f.code[open_at + 1:close - 1])
        ops = [o for a in args for o in _OPTYPE.findall(a)]
        if not ops:
            return
        cls = m.group(1)
        cond = conds.and_(fc, f.src.cond_at(m.start()), self.result.registrars[cls])
        block = f.block_at(m.start())
        if block is not None:
            fn = function_name(block.head)
            if fn:
                called = self.call_cond(fn)
                if called is not None:
                    cond = conds.and_(cond, called)
        if cond == conds.FALSE:
            return
        line = f.src.line_of(m.start())
        for op in ops:
            self.result.registrations.append(Registration(
                op, path, line, cond, f"registrar:{cls}", self._memobj(args, path)))

    def _add_creator_site(self, f: CppFile, path: str, fc: DNF, m: re.Match[str]) -> None:
        end = balanced_end(f.code, m.end() - 1, "(", ")")
        args = split_args(f.code[m.end():end - 1])
        if not args:
            return
        block = f.block_at(m.start())
        if block is None:
            return
        if re.search(r"\b(class|struct)\b", block.head):
            return   # a registrar template's constructor, counted at its instances
        ops = _OPTYPE.findall(args[0])
        if not ops:
            # a loop over an array of op types: `for (auto t : {OpType_A, ...})`
            # or `OpType types[] = {...}; for (...) addCreator(types[i], ...)`
            window = f.code[block.start:m.start()]
            arrays = re.findall(r"\{([^{}]*\bOpType_\w+[^{}]*)\}", window)
            ops = [o for a in arrays for o in _OPTYPE.findall(a)]
            if not ops:
                return
        cond = conds.and_(fc, f.src.cond_at(m.start()))
        fn = function_name(block.head)
        if fn:
            called = self.called(fn, f"{path}: {fn}() adds creators but is never called")
            if called is None:
                return
            cond = conds.and_(cond, called)
        if cond == conds.FALSE:
            return
        line = f.src.line_of(m.start())
        for op in ops:
            self.result.registrations.append(Registration(
                op, path, line, cond, f"call:{m.group(1)}", self._memobj(args, path)))

    def _dispatch_sites(self) -> None:
        for path in self.source_paths:
            base = posixpath.basename(path)
            if not re.search(r"(Backend|Factory)\.\w+$", base):
                continue
            fc = self.compiled_cond(path)
            if fc == conds.FALSE:
                continue
            f = self.file(path)
            if f is None:
                continue
            for b in f.blocks:
                fn = function_name(b.head)
                if fn not in ("onCreate", "create"):
                    continue
                body = f.code[b.start:b.end]
                for m in _DISPATCH.finditer(body):
                    op = m.group(1) or m.group(2)
                    off = b.start + m.start()
                    cond = conds.and_(fc, f.src.cond_at(off))
                    if cond == conds.FALSE:
                        continue
                    self.result.registrations.append(Registration(
                        op, path, f.src.line_of(off), cond, f"dispatch:{fn}"))

    def _unresolved_registrars(self) -> None:
        """Report `XCreatorRegister<...> x(OpType_...)` whose template we never found."""
        known = set(self.result.registrars)
        seen: set[str] = set()
        for path in self.source_paths:
            f = self.file(path)
            if f is None or self.compiled_cond(path) == conds.FALSE:
                continue
            for m in re.finditer(r"\b(\w*CreatorRegister\w*)\s*<[^;]*?\(\s*OpType_", f.code):
                if m.group(1) not in known and m.group(1) not in seen:
                    seen.add(m.group(1))
                    self.result.notes.append(
                        f"{path}:{f.src.line_of(m.start())}: registrar {m.group(1)} has no definition; not counted")


def extract(tree: Tree, folder: str, compiled: Callable[[str], DNF],
            header_dirs: tuple[str, ...] = (), adds: re.Pattern[str] = ADD_CREATOR) -> Extraction:
    """All registrations in `folder` (e.g. `source/backend/cuda`) of one commit.

    `adds` finds the call that files a creator in its table (`addCreator` for
    backends, `->insert(_temp` for shape computers).
    """
    return Extractor(tree, folder, compiled, header_dirs, adds).extract()
