"""Build options of one MNN commit: defaults, the macros they define, and profiles.

Whether a backend registers an op often hangs on a preprocessor macro (for
example `MNN_SUPPORT_TRANSFORMER_FUSE` guards the CUDA and CPU Attention
creators). Users do not set macros, they set CMake options, and some options
force others (`MNN_BUILD_LLM=ON` turns transformer fuse on from 3.2.4). So the
linter needs: each option's default, which option defines which macro, and the
option values a typical build ends up with. We read these from the CMake files
with a very small interpreter of `option`, `set`, `if`/`elseif`/`else`/`endif`
and the definition commands; it does not follow `include`/`add_subdirectory`,
it simply reads the top-level file, then `cmake/*.cmake`, then every
`source/backend/**/CMakeLists.txt`, in that order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Protocol


class Tree(Protocol):
    def paths(self) -> list[str]: ...
    def glob(self, pattern: str) -> list[str]: ...
    def exists(self, path: str) -> bool: ...
    def read(self, path: str) -> str: ...


TRUE_WORDS = {"ON", "YES", "TRUE", "Y", "1"}
FALSE_WORDS = {"OFF", "NO", "FALSE", "N", "0", "", "IGNORE", "NOTFOUND"}
DEFINE_COMMANDS = {
    "add_definitions", "add_compile_definitions", "target_compile_definitions", "target_compile_options",
}


@dataclass
class Command:
    """One CMake command invocation: lower-cased name, raw arguments, where."""

    name: str
    args: list[str]
    path: str
    line: int


def cmake_files(tree: Tree) -> list[str]:
    """The files we read, in evaluation order (top-level first)."""
    files = ["CMakeLists.txt"] if tree.exists("CMakeLists.txt") else []
    files += sorted(tree.glob("cmake/*.cmake"))
    files += sorted(tree.glob("source/backend/**/CMakeLists.txt"))
    return files


_COMMAND = re.compile(r"^[ \t]*([A-Za-z_]\w*)[ \t]*\(", re.MULTILINE)
_ARG = re.compile(r'"(?:\\.|[^"\\])*"|[^\s()"]+|\(|\)')


def parse_commands(text: str, path: str) -> list[Command]:
    """Split CMake source into commands (comments dropped, quotes removed)."""
    text = re.sub(r"#\[\[.*?\]\]", "", text, flags=re.DOTALL)
    text = re.sub(r"(?m)#[^\n]*", lambda m: "" if '"' not in m.group(0) else m.group(0), text)
    out: list[Command] = []
    pos = 0
    while True:
        m = _COMMAND.search(text, pos)
        if m is None:
            break
        depth, i = 0, m.end() - 1
        while i < len(text):
            if text[i] == "(":
                depth += 1
            elif text[i] == ")":
                depth -= 1
                if depth == 0:
                    break
            elif text[i] == '"':
                close = text.find('"', i + 1)
                i = close if close > 0 else len(text)
            i += 1
        body = text[m.end() : i]
        args = [a[1:-1] if a.startswith('"') else a for a in _ARG.findall(body)]
        out.append(Command(m.group(1).lower(), args, path, text.count("\n", 0, m.start()) + 1))
        pos = i + 1
    return out


def _truthy(word: str, env: dict[str, str]) -> bool:
    """CMake's truth test of a bare word: a constant, or the value of a variable."""
    up = word.upper()
    if up in TRUE_WORDS or re.fullmatch(r"-?[1-9]\d*", word):
        return True
    if up in FALSE_WORDS or up.endswith("-NOTFOUND"):
        return False
    value = env.get(word)
    if value is None:
        return False
    return value.upper() not in FALSE_WORDS and not value.upper().endswith("-NOTFOUND")


_BINARY = {"MATCHES", "STREQUAL", "EQUAL", "LESS", "GREATER", "VERSION_LESS", "VERSION_GREATER",
           "VERSION_EQUAL", "VERSION_GREATER_EQUAL", "VERSION_LESS_EQUAL", "LESS_EQUAL", "GREATER_EQUAL",
           "STRLESS", "STRGREATER", "IN_LIST"}


def evaluate(args: list[str], env: dict[str, str]) -> bool:
    """Evaluate an `if()` condition; comparisons we cannot know come out false."""
    tokens = list(args)

    def atom(i: int) -> tuple[bool, int]:
        tok = tokens[i] if i < len(tokens) else ""
        if tok == "(":
            value, i = disj(i + 1)
            return value, i + 1  # skip ")"
        if tok.upper() == "NOT":
            value, i = atom(i + 1)
            return not value, i
        if tok.upper() == "DEFINED":
            name = tokens[i + 1] if i + 1 < len(tokens) else ""
            return name in env, i + 2
        if tok.upper() in ("EXISTS", "TARGET", "COMMAND", "POLICY", "IS_DIRECTORY"):
            return False, i + 2
        if i + 1 < len(tokens) and tokens[i + 1].upper() in _BINARY:
            left = env.get(tok, tok)
            right = tokens[i + 2] if i + 2 < len(tokens) else ""
            right = env.get(right, right)
            op = tokens[i + 1].upper()
            if op == "STREQUAL" and "${" not in left + right:
                return left == right, i + 3
            if op == "EQUAL" and left.lstrip("-").isdigit() and right.lstrip("-").isdigit():
                return int(left) == int(right), i + 3
            return False, i + 3
        return _truthy(tok.removeprefix("${").removesuffix("}"), env), i + 1

    def conj(i: int) -> tuple[bool, int]:
        value, i = atom(i)
        while i < len(tokens) and tokens[i].upper() == "AND":
            right, i = atom(i + 1)
            value = value and right
        return value, i

    def disj(i: int) -> tuple[bool, int]:
        value, i = conj(i)
        while i < len(tokens) and tokens[i].upper() == "OR":
            right, i = conj(i + 1)
            value = value or right
        return value, i

    return disj(0)[0] if tokens else False


@dataclass
class _Frame:
    active: bool  # this branch runs
    parent_active: bool
    taken: bool  # some branch of this if-chain already ran
    condition: list[str] = field(default_factory=list)


def _walk(tree: Tree, env: dict[str, str], visit: object = None, every_branch: bool = False) -> dict[str, str]:
    """Run the commands of every CMake file against `env` (mutated and returned).

    `visit(cmd, conditions)` is called for every command on an active branch
    (on every branch with `every_branch`, for reading guards rather than values);
    `conditions` is the list of `if()` argument lists enclosing it.
    """
    for path in cmake_files(tree):
        try:
            commands = parse_commands(tree.read(path), path)
        except FileNotFoundError:
            continue
        stack: list[_Frame] = []
        for cmd in commands:
            active = all(f.active for f in stack)
            if cmd.name == "if":
                ok = active and evaluate(cmd.args, env)
                stack.append(_Frame(ok, active, ok, cmd.args))
                continue
            if cmd.name == "elseif" and stack:
                top = stack[-1]
                ok = top.parent_active and not top.taken and evaluate(cmd.args, env)
                top.active, top.taken, top.condition = ok, top.taken or ok, cmd.args
                continue
            if cmd.name == "else" and stack:
                top = stack[-1]
                top.active = top.parent_active and not top.taken
                top.condition = ["NOT", "(", *top.condition, ")"]
                continue
            if cmd.name == "endif" and stack:
                stack.pop()
                continue
            if callable(visit) and (active or every_branch):
                visit(cmd, [f.condition for f in stack])
            if not active:
                continue
            if cmd.name == "option" and cmd.args:
                default = cmd.args[2] if len(cmd.args) > 2 else "OFF"
                env.setdefault(cmd.args[0], "ON" if _truthy(default, env) else "OFF")
            elif cmd.name == "set" and cmd.args:
                name, values = cmd.args[0], cmd.args[1:]
                if "CACHE" in values:
                    value = values[: values.index("CACHE")]
                    if "FORCE" in values or name not in env:
                        env[name] = " ".join(value)
                elif "PARENT_SCOPE" not in values:
                    env[name] = " ".join(values)
    return env


def read_options(tree: Tree) -> dict[str, bool]:
    """Every `option()` with its declared default (first declaration wins)."""
    out: dict[str, bool] = {}
    for path in cmake_files(tree):
        try:
            commands = parse_commands(tree.read(path), path)
        except FileNotFoundError:
            continue
        for cmd in commands:
            if cmd.name == "option" and cmd.args and cmd.args[0] not in out:
                default = cmd.args[2] if len(cmd.args) > 2 else "OFF"
                out[cmd.args[0]] = default.upper() in TRUE_WORDS
    return dict(sorted(out.items()))


def _defined_macros(cmd: Command) -> list[str]:
    """Macro names a definition command defines (`-DNAME[=v]` or bare NAME)."""
    names = []
    args = cmd.args[1:] if cmd.name.startswith("target_") else cmd.args
    for arg in args:
        m = re.fullmatch(r"-D([A-Za-z_]\w*)(?:=.*)?", arg)
        if m:
            names.append(m.group(1))
        elif cmd.name in ("add_compile_definitions", "target_compile_definitions"):
            m = re.fullmatch(r"([A-Z_][A-Z0-9_]*)(?:=.*)?", arg)
            if m and arg not in ("PRIVATE", "PUBLIC", "INTERFACE"):
                names.append(m.group(1))
    return names


def _owner(macro: str, named: list[str]) -> str:
    """The enclosing option that best explains `macro`: same name, else one whose
    stem occurs in the macro (MNN_OPENCL for MNN_OPENCL_ENABLED), else the innermost."""
    if macro in named:
        return macro
    stems = [n for n in reversed(named) if n.removeprefix("MNN_") in macro]
    return max(stems, key=len) if stems else named[-1]


def read_macros(tree: Tree) -> dict[str, str]:
    """Preprocessor macro -> the CMake option whose `if()` defines it.

    Every branch is read, whatever the defaults. When several options enclose
    the definition, the one named like the macro wins, else the innermost.
    Macros defined unconditionally are left out.
    """
    options = read_options(tree)
    out: dict[str, str] = {}

    def visit(cmd: Command, conditions: list[list[str]]) -> None:
        if cmd.name not in DEFINE_COMMANDS:
            return
        named = [t for cond in conditions for t in cond if t in options]
        if not named:
            return
        for macro in _defined_macros(cmd):
            out.setdefault(macro, _owner(macro, named))

    _walk(tree, {}, visit, every_branch=True)
    return dict(sorted(out.items()))


def read_forced(tree: Tree) -> dict[str, dict[str, bool]]:
    """Option -> other options it sets when ON (`if(A) set(B ON ...)`)."""
    options = read_options(tree)
    out: dict[str, dict[str, bool]] = {}

    def visit(cmd: Command, conditions: list[list[str]]) -> None:
        if cmd.name != "set" or len(cmd.args) < 2 or cmd.args[0] not in options or not conditions:
            return
        cond = conditions[-1]
        if len(cond) == 1 and cond[0] in options and cond[0] != cmd.args[0]:
            out.setdefault(cond[0], {})[cmd.args[0]] = cmd.args[1].upper() in TRUE_WORDS

    _walk(tree, {}, visit, every_branch=True)
    return {k: dict(sorted(v.items())) for k, v in sorted(out.items())}


# Named build configurations, as `-D` settings on a plain configure:
# - default: the release's CMake defaults;
# - llm: the LLM build MNN documents (docs/transformers/llm.md and pymnn's build_deps.py
#   pass these three together in every release; from 3.2.4 on MNN_BUILD_LLM alone sets
#   the other two);
# - build-llm: MNN_BUILD_LLM=ON alone, for builds that followed no recipe.
PROFILES: dict[str, dict[str, str]] = {
    "default": {},
    "llm": {"MNN_BUILD_LLM": "ON", "MNN_LOW_MEMORY": "ON", "MNN_SUPPORT_TRANSFORMER_FUSE": "ON"},
    "build-llm": {"MNN_BUILD_LLM": "ON"},
}


def read_profiles(tree: Tree) -> dict[str, dict[str, bool]]:
    """Option values after configuring with each profile's `-D` settings.

    See PROFILES for what each adds to a plain configure. Platform
    tests (`CMAKE_SYSTEM_NAME MATCHES ...`) count as false, so values that only
    a platform changes (ARM82 off on armv7) keep their declared default.
    """
    options = read_options(tree)
    out: dict[str, dict[str, bool]] = {}
    for name, preset in PROFILES.items():
        env = _walk(tree, dict(preset))
        out[name] = {opt: _truthy(env.get(opt, "ON" if default else "OFF"), env)
                     for opt, default in options.items()}
    return out
