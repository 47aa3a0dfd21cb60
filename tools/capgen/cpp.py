"""Just enough of the C preprocessor to tell which lines of an MNN source are live.

A registration inside `/* */`, `#if 0` or `#ifdef MNN_X` is dead or
conditional; we must not count the first and must record the condition of the
second. We do not expand includes or evaluate macros: each line gets the
formula (see `conds`) under which the preprocessor keeps it, and `#define`s are
collected with the formula under which they are defined, so a macro with
several variants can be resolved by the caller.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import conds
from .conds import DNF

_LEXEME = re.compile(
    r'//(?:[^\n\\]|\\.|\\\n)*'            # line comment (backslash-newline continues it)
    r'|/\*.*?(?:\*/|\Z)'                  # block comment
    r'|(?<!\w)R"([^()\\\s]{0,16})\(.*?\)\1"'  # raw string literal
    r'|"(?:\\.|[^"\\\n])*"?'               # string literal
    r"|'(?:\\.|[^'\\\n])*'?",              # char literal
    re.S,
)


def _blank(text: str) -> str:
    return re.sub(r"[^\n]", " ", text)


def strip_comments(text: str) -> str:
    """Blank `//` and `/* */` comments and raw strings, keeping newlines and ordinary literals."""

    def repl(m: re.Match[str]) -> str:
        tok = m.group(0)
        if tok.startswith(("//", "/*", "R")):
            return _blank(tok)
        return tok

    return _LEXEME.sub(repl, text)


_TOKEN = re.compile(r"\s*(defined\b|[A-Za-z_]\w*|\d\w*|&&|\|\||!=|==|<=|>=|[()!<>+\-*/%]|\S)")
_SIMPLE = re.compile(r"(defined|[A-Za-z_]\w*|\d\w*|&&|\|\||[()!])")


def parse_pp_condition(expr: str) -> DNF:
    """The formula for a `#if` expression; anything beyond defined/!/&&/|| is one verbatim atom."""
    expr = " ".join(expr.split())
    tokens = [m.group(1) for m in _TOKEN.finditer(expr)]
    if not tokens:
        return conds.FALSE
    if not all(_SIMPLE.fullmatch(t) for t in tokens):
        return conds.atom(expr)
    pos = 0

    def peek() -> str | None:
        return tokens[pos] if pos < len(tokens) else None

    def take() -> str:
        nonlocal pos
        pos += 1
        return tokens[pos - 1]

    def or_expr() -> DNF:
        left = and_expr()
        while peek() == "||":
            take()
            left = conds.or_(left, and_expr())
        return left

    def and_expr() -> DNF:
        left = unary()
        while peek() == "&&":
            take()
            left = conds.and_(left, unary())
        return left

    def unary() -> DNF:
        tok = peek()
        if tok == "!":
            take()
            return conds.not_(unary())
        if tok == "(":
            take()
            inner = or_expr()
            if peek() != ")":
                raise ValueError(expr)
            take()
            return inner
        if tok == "defined":
            take()
            if peek() == "(":
                take()
                name = take()
                if take() != ")":
                    raise ValueError(expr)
            else:
                name = take()
            return conds.atom(name)
        if tok is None:
            raise ValueError(expr)
        take()
        if tok[0].isdigit():
            try:
                return conds.TRUE if int(tok.rstrip("uUlL"), 0) else conds.FALSE
            except ValueError:
                return conds.atom(tok)
        # a bare identifier: true when defined to something non-zero
        return conds.atom(tok)

    try:
        result = or_expr()
    except (ValueError, IndexError):
        return conds.atom(expr)
    if pos != len(tokens):
        return conds.atom(expr)
    return result


@dataclass(frozen=True)
class Define:
    """One `#define NAME(params) body`, live under `cond`."""

    name: str
    params: tuple[str, ...] | None
    body: str
    line: int
    cond: DNF


@dataclass
class Source:
    """A source file with comments removed and each line's live condition."""

    path: str
    text: str                  # comment-free; directive and dead lines blanked
    line_cond: list[DNF]       # index = line number (1-based); [0] unused
    defines: list[Define]
    line_starts: list[int]

    def line_of(self, offset: int) -> int:
        lo, hi = 0, len(self.line_starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.line_starts[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        return lo + 1

    def cond_at(self, offset: int) -> DNF:
        return self.line_cond[self.line_of(offset)]


_DIRECTIVE = re.compile(r"^\s*#\s*(\w+)\s*(.*)$")
_DEFINE = re.compile(r"([A-Za-z_]\w*)(\(([^)]*)\))?\s*(.*)$", re.S)


def preprocess(path: str, raw: str) -> Source:
    """Mark live lines and collect defines; never expands anything."""
    text = strip_comments(raw)
    lines = text.split("\n")
    n = len(lines)
    line_cond: list[DNF] = [conds.TRUE] * (n + 1)
    out_lines = list(lines)
    defines: list[Define] = []
    # stack frames: [parent condition, any branch taken so far, current condition]
    stack: list[list[DNF]] = []
    current = conds.TRUE
    last_ifndef: str | None = None   # name of an #ifndef that was the previous directive
    i = 0
    while i < n:
        line = lines[i]
        m = _DIRECTIVE.match(line)
        if not m:
            line_cond[i + 1] = current
            if current == conds.FALSE:
                out_lines[i] = ""
            i += 1
            continue
        # join backslash continuations
        start = i
        full = line
        while full.rstrip().endswith("\\") and i + 1 < n:
            full = full.rstrip()[:-1] + " " + lines[i + 1]
            i += 1
        for k in range(start, i + 1):
            out_lines[k] = ""
            line_cond[k + 1] = current
        m = _DIRECTIVE.match(full)
        assert m
        kind, rest = m.group(1), m.group(2).strip()
        pending_guard, last_ifndef = last_ifndef, None
        if kind in ("if", "ifdef", "ifndef"):
            if kind == "ifdef":
                cond = conds.atom(rest.split()[0]) if rest else conds.FALSE
            elif kind == "ifndef":
                name = rest.split()[0] if rest else ""
                cond = conds.atom(name, False)
                last_ifndef = name
            else:
                cond = parse_pp_condition(rest)
            stack.append([current, cond, conds.and_(current, cond)])
            current = stack[-1][2]
        elif kind == "elif" and stack:
            parent, taken, _ = stack[-1]
            cond = parse_pp_condition(rest)
            stack[-1] = [parent, conds.or_(taken, cond), conds.and_(parent, conds.not_(taken), cond)]
            current = stack[-1][2]
        elif kind == "else" and stack:
            parent, taken, _ = stack[-1]
            stack[-1] = [parent, conds.TRUE, conds.and_(parent, conds.not_(taken))]
            current = stack[-1][2]
        elif kind == "endif" and stack:
            current = stack.pop()[0]
        elif kind == "define":
            dm = _DEFINE.match(rest)
            if dm:
                name = dm.group(1)
                if pending_guard == name and not rest[len(name):].strip():
                    # `#ifndef X` + `#define X`: an include guard (or a default
                    # definition); either way not a build condition
                    parent = stack[-1][0]
                    stack[-1] = [parent, conds.TRUE, parent]
                    current = parent
                elif current != conds.FALSE:
                    params = None
                    if dm.group(2) is not None and rest[len(name)] == "(":
                        params = tuple(p.strip() for p in dm.group(3).split(",") if p.strip())
                        body = dm.group(4)
                    else:
                        body = rest[len(name):]
                    defines.append(Define(name, params, body.strip(), start + 1, current))
        i += 1
    starts = [0]
    for ln in out_lines[:-1]:
        starts.append(starts[-1] + len(ln) + 1)
    return Source(path, "\n".join(out_lines), line_cond, defines, starts)


# --- structure of a preprocessed file -------------------------------------------

_STRING = re.compile(r"\"(?:\\.|[^\"\\\n])*\"?|'(?:\\.|[^'\\\n])*'?")


def blank_strings(text: str) -> str:
    """Replace string literal contents by spaces so braces in strings do not count."""
    return _STRING.sub(lambda m: m.group(0)[0] + " " * (len(m.group(0)) - 1), text)


_BRACKETS = {c: re.compile("[" + re.escape(c + d) + "]") for c, d in ("{}", "()", "<>")}


def balanced_end(text: str, start: int, open_: str, close: str) -> int:
    """Index just past the bracket matching text[start] (which is `open_`)."""
    depth = 0
    for m in _BRACKETS[open_].finditer(text, start):
        if m.group(0) == open_:
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                return m.end()
    return len(text)


def split_args(inner: str) -> list[str]:
    args, depth, cur = [], 0, ""
    for c in inner:
        if c in "(<[{":
            depth += 1
        elif c in ")>]}":
            depth -= 1
        if c == "," and depth == 0:
            args.append(cur.strip())
            cur = ""
        else:
            cur += c
    if cur.strip():
        args.append(cur.strip())
    return args


@dataclass
class Block:
    head: str      # text before the opening brace, back to the previous statement
    start: int     # offset of the opening brace
    end: int       # offset just past the closing brace


class CppFile:
    """A preprocessed source plus its top-level blocks (namespaces are transparent)."""

    def __init__(self, src: Source) -> None:
        self.src = src
        self.code = blank_strings(src.text)
        self.blocks: list[Block] = []
        self._scan(0, len(self.code))

    def _scan(self, lo: int, hi: int) -> None:
        code = self.code
        i = lo
        last = lo
        while i < hi:
            c = code[i]
            if c in ";}":
                last = i + 1
            elif c == "{":
                end = balanced_end(code, i, "{", "}")
                head = code[last:i]
                if re.search(r"\bnamespace\b[\w\s:]*$|extern\s*\"\s*\"\s*$|extern\s*\"C\"\s*$", head):
                    self._scan(i + 1, end - 1)
                else:
                    self.blocks.append(Block(head, i, end))
                i = end
                last = end
                continue
            i += 1

    def block_at(self, offset: int) -> Block | None:
        for b in self.blocks:
            if b.start <= offset < b.end:
                return b
        return None


_FUNC_HEAD = re.compile(r"(?:^|[\s*&:])([A-Za-z_]\w*)\s*\(([^()]*)\)\s*(?:const\s*)?(?:override\s*)?$")


def function_name(head: str) -> str | None:
    """Name of the function a top-level block defines, or None for data/lambdas/classes."""
    h = " ".join(head.split())
    if "=" in h or re.search(r"\b(class|struct|union|enum)\b", h):
        return None
    m = _FUNC_HEAD.search(h)
    if not m:
        return None
    # qualified names keep only the last component (Backend::onCreate -> onCreate)
    return m.group(1)


def live_text(raw: str) -> str:
    """The text the compiler can see in some build: comments gone, `#if 0` bodies blanked, lines kept."""
    return preprocess("", raw).text


def parse(path: str, raw: str) -> CppFile:
    """A file preprocessed (line conditions, defines) and split into top-level blocks."""
    return CppFile(preprocess(path, raw))


def requires_of(cond: DNF) -> dict[str, bool] | None:
    """One `requires` dict for a guard: its literals when it has one alternative, else the
    whole guard as one verbatim atom; None when the guard never holds."""
    if cond == conds.FALSE:
        return None
    if len(cond) == 1:
        return dict(sorted(next(iter(cond))))
    return {conds.render(cond): True}
