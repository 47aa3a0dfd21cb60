"""Which backend sources MNN's CMake scripts compile, and under which switches.

A registrar in a file that CMake never compiles registers nothing, and a file
globbed only inside `if(MNN_VULKAN_IMAGE)` or removed again under
`if(NOT MNN_SUPPORT_TRANSFORMER_FUSE)` registers only under that switch. We do
not run CMake: we walk the scripts from the top-level `CMakeLists.txt`,
following `include()` and `add_subdirectory()` into the repository, and record
every `if()` as a formula (see `conds`) instead of deciding it. Source lists
(`set`, `file(GLOB...)`, `list(APPEND/REMOVE_ITEM)`) are kept as ordered edit
logs, so the condition of one file is computed by replaying the log for it.
The same walk records `add_definitions(-DX)`, for macros the build defines,
and every `option()` and `set()` of a variable in CMake's order with the
condition it runs under (`CMakeStep`), which the linter replays to configure a
build (mnnlint/capabilities/buildlogic.py). This is the only CMake tokenizer
and `if()` parser of the generator.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from . import conds
from .conds import DNF
from .gitsrc import Tree

# One edit of a CMake list variable: ("add", glob, recursive, cond),
# ("clear", cond), ("include", entries, cond) or ("sub", entries, cond).
Entry = tuple


@dataclass
class CMakeWalk:
    """Result of walking the build scripts of one commit."""

    sources: list[Entry] = field(default_factory=list)     # everything given to a library
    subdirs: dict[str, DNF] = field(default_factory=dict)  # directory -> condition it is entered
    definitions: dict[str, DNF] = field(default_factory=dict)  # -DNAME -> condition
    scripts: list[str] = field(default_factory=list)
    options: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (default word, path:line)
    steps: list[CMakeStep] = field(default_factory=list)  # option()/set() in CMake's order
    tested: set[str] = field(default_factory=set)  # every atom an if()/elseif() tests
    assigned: set[str] = field(default_factory=set)  # every variable a set()/file()/list() writes
    # -DNAME -> per definition: (variables tested by the if()s of its own script around it,
    # those of the scripts including it too), outermost first
    definition_guards: dict[str, list[tuple[list[str], list[str]]]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    _cache: dict[str, DNF] = field(default_factory=dict, repr=False)

    def compiled(self, path: str) -> DNF:
        """Condition under which `path` is compiled into some library."""
        if path not in self._cache:
            self._cache[path] = _replay(self.sources, path)
        return self._cache[path]


@dataclass(frozen=True)
class CMakeStep:
    """One `option()` or `set()` of a variable, with the condition it runs under.

    `kind`: "option", "cache" (`set(... CACHE ...)`), "force" (`... CACHE ... FORCE`)
    or "set" (a normal variable). `value` is the raw word (ON, OFF, ${X}, ...).
    """

    kind: str
    name: str
    value: str
    cond: DNF
    at: str


def _glob_match(pattern: str, recursive: bool, path: str) -> bool:
    if "*" not in pattern and "?" not in pattern and "[" not in pattern:
        return path == pattern
    folder, base = posixpath.split(pattern)
    pdir, pbase = posixpath.split(path)
    if not fnmatchcase(pbase, base):
        return False
    if recursive:
        return pdir == folder or pdir.startswith(folder + "/") or fnmatchcase(pdir, folder)
    return fnmatchcase(pdir, folder) if any(c in folder for c in "*?[") else pdir == folder


def _replay(entries: list[Entry], path: str) -> DNF:
    state = conds.FALSE
    for entry in entries:
        kind = entry[0]
        if kind == "add":
            if _glob_match(entry[1], entry[2], path):
                state = conds.or_(state, entry[3])
        elif kind == "include":
            inner = _replay(entry[1], path)
            if inner != conds.FALSE:
                state = conds.or_(state, conds.and_(inner, entry[2]))
        elif state == conds.FALSE:
            continue
        elif kind == "sub":
            inner = _replay(entry[1], path)
            if inner != conds.FALSE:
                state = conds.and_(state, conds.not_(conds.and_(inner, entry[2])))
        elif kind == "clear":
            state = conds.and_(state, conds.not_(entry[1]))
    return state


_COMMAND = re.compile(r"([A-Za-z_]\w*)\s*\(")


def _commands(text: str) -> list[tuple[str, list[str], int]]:
    """Split a CMake script into (command, raw argument tokens, line)."""
    out: list[tuple[str, list[str], int]] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "#":
            if text.startswith("#[[", i) or text.startswith("#[=", i):
                end = text.find("]]", i)
                i = n if end < 0 else end + 2
            else:
                end = text.find("\n", i)
                i = n if end < 0 else end
            continue
        m = _COMMAND.match(text, i)
        if not m or (i > 0 and (text[i - 1].isalnum() or text[i - 1] == "_")):
            i += 1
            continue
        name = m.group(1).lower()
        line = text.count("\n", 0, i) + 1
        j = m.end()
        depth = 1
        args: list[str] = []
        cur = ""
        while j < n and depth > 0:
            c = text[j]
            if c == '"':
                k = j + 1
                while k < n and text[k] != '"':
                    k += 2 if text[k] == "\\" else 1
                cur += text[j:k + 1]
                j = k + 1
                continue
            if c == "#" and not cur:
                k = text.find("\n", j)
                j = n if k < 0 else k
                continue
            if c == "(":
                depth += 1
                if cur:
                    args.append(cur)
                    cur = ""
                args.append("(")
            elif c == ")":
                depth -= 1
                if cur:
                    args.append(cur)
                    cur = ""
                if depth > 0:
                    args.append(")")
            elif c.isspace():
                if cur:
                    args.append(cur)
                    cur = ""
            else:
                cur += c
            j += 1
        out.append((name, args, line))
        i = j
    return out


_BINOPS = {
    "MATCHES", "STREQUAL", "EQUAL", "LESS", "GREATER", "LESS_EQUAL", "GREATER_EQUAL",
    "VERSION_LESS", "VERSION_GREATER", "VERSION_EQUAL", "VERSION_LESS_EQUAL",
    "VERSION_GREATER_EQUAL", "STRLESS", "STRGREATER", "IN_LIST",
}
_TRUE_CONSTS = {"ON", "TRUE", "YES", "Y", "1"}
_FALSE_CONSTS = {"OFF", "FALSE", "NO", "N", "0", "IGNORE", "NOTFOUND", ""}


def _strip_var(tok: str) -> str:
    m = re.fullmatch(r"\$\{(\w+)\}", tok)
    return m.group(1) if m else tok


def parse_condition(args: list[str]) -> DNF:
    """An `if()` argument list as a formula; comparisons become verbatim atoms."""
    pos = 0

    def peek() -> str | None:
        return args[pos] if pos < len(args) else None

    def take() -> str:
        nonlocal pos
        pos += 1
        return args[pos - 1]

    def or_expr() -> DNF:
        left = and_expr()
        while peek() is not None and peek().upper() == "OR":  # type: ignore[union-attr]
            take()
            left = conds.or_(left, and_expr())
        return left

    def and_expr() -> DNF:
        left = unary()
        while peek() is not None and peek().upper() == "AND":  # type: ignore[union-attr]
            take()
            left = conds.and_(left, unary())
        return left

    def unary() -> DNF:
        tok = peek()
        if tok is None:
            raise ValueError("empty condition")
        if tok.upper() == "NOT":
            take()
            return conds.not_(unary())
        if tok == "(":
            take()
            inner = or_expr()
            if peek() == ")":
                take()
            return inner
        take()
        up = tok.upper()
        if up in ("DEFINED", "EXISTS", "COMMAND", "TARGET", "IS_DIRECTORY") and peek() is not None:
            return conds.atom(f"{up} {take()}")
        nxt = peek()
        if nxt is not None and nxt.upper() in _BINOPS:
            op = take()
            rhs = take() if peek() is not None else ""
            return conds.atom(f"{tok} {op.upper()} {rhs}")
        if up in _TRUE_CONSTS:
            return conds.TRUE
        if up in _FALSE_CONSTS or up.endswith("-NOTFOUND"):
            return conds.FALSE
        return conds.atom(_strip_var(tok).strip('"'))

    try:
        result = or_expr()
    except (ValueError, IndexError):
        return conds.atom(" ".join(args))
    if pos != len(args):
        return conds.atom(" ".join(args))
    return result


_KEYWORDS = {
    "STATIC", "SHARED", "OBJECT", "MODULE", "IMPORTED", "EXCLUDE_FROM_ALL", "PRIVATE",
    "PUBLIC", "INTERFACE", "GLOBAL", "ALIAS", "PARENT_SCOPE", "CACHE", "FORCE",
    "CONFIGURE_DEPENDS", "FOLLOW_SYMLINKS", "LIST_DIRECTORIES",
}


def _names(c: DNF) -> list[str]:
    """The atoms of a condition, sorted: the variables an if() tests."""
    return sorted({name for conj in c for name, _ in conj})


class _Walker:
    def __init__(self, tree: Tree, walk: CMakeWalk) -> None:
        self.tree = tree
        self.walk = walk
        self.depth = 0
        self.guards: list[list[str]] = []   # variables each enclosing if() tests, across includes
        self.file_start: list[int] = []     # index in `guards` where each script being run begins

    def norm(self, path: str, base: str) -> str | None:
        path = path.strip('"')
        if "${" in path:
            return None
        if not path.startswith("/"):
            path = posixpath.join(base if base.startswith("/") else "/" + base, path)
        path = posixpath.normpath(path).lstrip("/")
        return "" if path == "." else path

    def expand(self, tok: str, vars: dict[str, list[Entry]], ctx: dict[str, str]) -> tuple[str, object] | None:
        """('list', entries) for `${VAR}`, ('path', text) for text, None if unknown."""
        bare = tok.strip('"')
        m = re.fullmatch(r"\$\{(\w+)\}", bare)
        if m and m.group(1) not in ctx:
            return ("list", list(vars.get(m.group(1), [])))
        for key, value in ctx.items():
            bare = bare.replace("${" + key + "}", value)
        if "${" in bare or "$<" in bare:
            return None
        return ("path", bare)

    def run(self, script: str, cond: DNF, vars: dict[str, list[Entry]], ctx: dict[str, str]) -> None:
        if self.depth > 20 or not self.tree.exists(script):
            return
        self.depth += 1
        self.walk.scripts.append(script)
        self.file_start.append(len(self.guards))
        cmds = _commands(self.tree.read(script))
        stack: list[list[DNF]] = []   # [parent, taken, current]
        current = cond
        skip = 0                       # inside function()/macro() bodies
        for name, args, line in cmds:
            if skip:
                if name in ("function", "macro"):
                    skip += 1
                elif name in ("endfunction", "endmacro"):
                    skip -= 1
                continue
            if name in ("function", "macro"):
                skip = 1
                continue
            if name == "if":
                c = self.list_vars_true(parse_condition(args), vars)
                stack.append([current, c, conds.and_(current, c)])
                self.guards.append(_names(parse_condition(args)))
                self.walk.tested.update(self.guards[-1])
                current = stack[-1][2]
                continue
            if name == "elseif" and stack:
                parent, taken, _ = stack[-1]
                c = self.list_vars_true(parse_condition(args), vars)
                self.guards[-1] = _names(parse_condition(args))
                self.walk.tested.update(self.guards[-1])
                stack[-1] = [parent, conds.or_(taken, c), conds.and_(parent, conds.not_(taken), c)]
                current = stack[-1][2]
                continue
            if name == "else" and stack:
                parent, taken, _ = stack[-1]
                stack[-1] = [parent, conds.TRUE, conds.and_(parent, conds.not_(taken))]
                current = stack[-1][2]
                continue
            if name == "endif" and stack:
                current = stack.pop()[0]
                self.guards.pop()
                continue
            if current == conds.FALSE:
                continue
            if name == "return" and not stack:
                break
            self.record_step(name, args, current, f"{script}:{line}")
            self.command(name, args, current, vars, ctx)
        del self.guards[self.file_start.pop():]   # if()s a script leaves open
        self.depth -= 1

    def guard_names(self) -> tuple[list[str], list[str]]:
        """Variables tested by the if()s around a command, outermost first: those of the
        current script, and those of all scripts being run (the including ones too)."""
        return [n for g in self.guards[self.file_start[-1]:] for n in g], [n for g in self.guards for n in g]

    def record_step(self, name: str, args: list[str], cond: DNF, at: str) -> None:
        """Note `option()` and `set()` commands for the build logic (see CMakeStep)."""
        if name == "option" and args and re.fullmatch(r"\w+", args[0]):
            default = args[2] if len(args) > 2 else "OFF"
            self.walk.options.setdefault(args[0], (default, at))
            self.walk.steps.append(CMakeStep("option", args[0], default, cond, at))
        elif name == "set" and len(args) >= 2 and re.fullmatch(r"\w+", args[0]):
            values = args[1:]
            upper = [v.upper() for v in values]
            if "PARENT_SCOPE" in upper:
                return
            kind = "set"
            if "CACHE" in upper:
                kind = "force" if "FORCE" in upper else "cache"
                values = values[:upper.index("CACHE")]
            if len(values) == 1:
                self.walk.steps.append(CMakeStep(kind, args[0], values[0].strip('"'), cond, at))

    @staticmethod
    def list_vars_true(c: DNF, vars: dict[str, list[Entry]]) -> DNF:
        """`if(SOME_SRC_LIST)` tests a globbed source list: assume it is non-empty."""
        for conj in list(c):
            for name, _ in conj:
                if any(e[0] == "add" and e[2] for e in vars.get(name, [])) or any(
                    e[0] == "add" and "*" in e[1] for e in vars.get(name, [])
                ):
                    c = conds.substitute(c, name, True)
        return c

    def items(self, args: list[str], cond: DNF, vars: dict[str, list[Entry]], ctx: dict[str, str],
              recursive: bool, glob: bool) -> list[Entry]:
        out: list[Entry] = []
        for tok in args:
            if tok.upper() in _KEYWORDS or tok in ("(", ")"):
                continue
            got = self.expand(tok, vars, ctx)
            if got is None:
                continue
            if got[0] == "list":
                out.append(("include", got[1], cond))
            else:
                path = self.norm(str(got[1]), ctx["CMAKE_CURRENT_SOURCE_DIR"])
                if path is not None:
                    out.append(("add", path, recursive, cond))
        return out

    def command(self, name: str, args: list[str], cond: DNF, vars: dict[str, list[Entry]], ctx: dict[str, str]) -> None:
        if name == "set" and args:
            self.walk.assigned.add(args[0])
        elif name in ("file", "list") and len(args) >= 2:
            self.walk.assigned.add(args[1])
        if name == "set" and args:
            var = args[0]
            vals = args[1:]
            if "CACHE" in vals:
                vals = vals[:vals.index("CACHE")]
            new = self.items(vals, cond, vars, ctx, False, False)
            vars[var] = [*vars.get(var, []), ("clear", cond), *new]
        elif name == "file" and len(args) >= 2 and args[0].upper() in ("GLOB", "GLOB_RECURSE"):
            var = args[1]
            rest = args[2:]
            if rest and rest[0].upper() == "RELATIVE":
                rest = rest[2:]
            new = self.items(rest, cond, vars, ctx, args[0].upper() == "GLOB_RECURSE", True)
            vars[var] = [*vars.get(var, []), ("clear", cond), *new]
        elif name == "list" and len(args) >= 2 and args[0].upper() == "APPEND":
            vars[args[1]] = vars.get(args[1], []) + self.items(args[2:], cond, vars, ctx, False, False)
        elif name == "list" and len(args) >= 2 and args[0].upper() in ("REMOVE_ITEM", "FILTER"):
            if args[0].upper() == "REMOVE_ITEM":
                removed = self.items(args[2:], conds.TRUE, vars, ctx, False, False)
                vars[args[1]] = [*vars.get(args[1], []), ("sub", removed, cond)]
        elif name in ("add_library", "cuda_add_library", "musa_add_library", "add_executable", "target_sources"):
            if len(args) >= 2 and "IMPORTED" in (a.upper() for a in args):
                return
            self.walk.sources.extend(self.items(args[1:], cond, vars, ctx, False, False))
        elif name in ("add_definitions", "target_compile_definitions", "target_compile_options",
                      "add_compile_definitions"):
            bare_names = name in ("target_compile_definitions", "add_compile_definitions")
            for tok in args[1:] if name.startswith("target_") else args:
                tok = tok.strip('"')
                m = re.match(r"-D([A-Za-z_]\w*)", tok)
                if bare_names and not m and re.fullmatch(r"[A-Za-z_]\w*(=.*)?", tok):
                    m = re.match(r"([A-Za-z_]\w*)", tok)
                    if tok.upper() in _KEYWORDS:
                        m = None
                if m:
                    known = self.walk.definitions.get(m.group(1), conds.FALSE)
                    self.walk.definitions[m.group(1)] = conds.or_(known, cond)
                    self.walk.definition_guards.setdefault(m.group(1), []).append(self.guard_names())
        elif name == "include" and args:
            got = self.expand(args[0], vars, ctx)
            if got and got[0] == "path":
                path = self.norm(str(got[1]), ctx["CMAKE_CURRENT_SOURCE_DIR"])
                if path and path.endswith((".txt", ".cmake")) and self.tree.exists(path):
                    if path.startswith("source/") and path.endswith("CMakeLists.txt"):
                        folder = posixpath.dirname(path)
                        self.walk.subdirs[folder] = conds.or_(self.walk.subdirs.get(folder, conds.FALSE), cond)
                    inner = dict(ctx)
                    inner["CMAKE_CURRENT_LIST_DIR"] = "/" + posixpath.dirname(path)
                    self.run(path, cond, vars, inner)
        elif name == "add_subdirectory" and args:
            got = self.expand(args[0], vars, ctx)
            if got and got[0] == "path":
                path = self.norm(str(got[1]), ctx["CMAKE_CURRENT_SOURCE_DIR"])
                if path is not None and path.startswith("source/"):
                    self.walk.subdirs[path] = conds.or_(self.walk.subdirs.get(path, conds.FALSE), cond)
                    inner = dict(ctx)
                    inner["CMAKE_CURRENT_LIST_DIR"] = "/" + path
                    inner["CMAKE_CURRENT_SOURCE_DIR"] = "/" + path
                    self.run(posixpath.join(path, "CMakeLists.txt"), cond, dict(vars), inner)


def walk_cmake(tree: Tree, root: str = "CMakeLists.txt") -> CMakeWalk:
    """Walk the build scripts of one commit from `root`."""
    walk = CMakeWalk()
    ctx = {"CMAKE_CURRENT_LIST_DIR": "/", "CMAKE_CURRENT_SOURCE_DIR": "/", "CMAKE_SOURCE_DIR": "/",
           "PROJECT_SOURCE_DIR": "/", "CMAKE_CURRENT_BINARY_DIR": "/\x00bin"}
    _Walker(tree, walk).run(root, conds.TRUE, {}, ctx)
    return walk
