"""What MNN's runtime does with an op before any backend is asked: Module layer, scheduler, constness.

Four facts per commit, each read from the function that decides it:

* `read_module_ops`: `_createSubModule` in express/module/PipelineModule.cpp
  turns some ops into Modules of their own (`IfModule`, `WhileModule`,
  `NMSModule`, `MoEModule`, ...); no backend executes them.
* `read_never_executed`: ops the scheduler drops (`needComputeOp`,
  source/utils/InitNet.cpp) and ops that read no input content.
* `read_need_content`: per op, the inputs whose content `opNeedContent`
  (source/core/OpCommonUtils.cpp) says it never reads, for constness.
* `read_pipeline_sites`: where Pipeline.cpp creates an execution, and where it
  hands the same command to the backup (CPU) backend when the backend refuses.

Each raises ValueError when the function it reads is gone, so a moved source
fails the generator instead of silently emptying a table.
"""

from __future__ import annotations

import re
from typing import Any

from .cpp import parse, requires_of
from .geometry import balanced, line_of, read_text
from .gitsrc import Tree

MODULE_SOURCE = "express/module/PipelineModule.cpp"
NEVER_SCHEDULED = "source/utils/InitNet.cpp"
NEED_CONTENT = "source/core/OpCommonUtils.cpp"
PIPELINE = "source/core/Pipeline.cpp"

_IF = re.compile(r"\bif\s*\(")
_TYPE_TEST = re.compile(r"^(?:OpType_(\w+)\s*==\s*op->type\(\)|op->type\(\)\s*==\s*OpType_(\w+))$")
_PARAM_NOT = re.compile(r"^op->main_type\(\)\s*!=\s*OpParameter_(\w+)$")
_PARAM_IS = re.compile(r"^(?:op->main_type\(\)\s*==\s*OpParameter_(\w+)|op->main_as_(\w+)\(\)\s*!=\s*nullptr)$")


def _function(tree: Tree, path: str, signature: str) -> tuple[str, int, int]:
    """(file text, offset of the body's `{`, line of the signature) of the function matching `signature`."""
    if not tree.exists(path):
        raise ValueError(f"{path} is missing")
    text = read_text(tree, path)
    m = re.search(signature, text)
    if m is None:
        raise ValueError(f"{path}: no function matching {signature!r}")
    return text, m.end() - 1, line_of(text, m.start())


def read_module_ops(tree: Tree) -> dict[str, dict[str, Any]]:
    """Op type -> the Module `_createSubModule` runs it as (`tableformat.ModuleOp`).

    Reads each `if (<test>) { return XModule::create(...); }`: the test names the
    op type and, for While, the parameter type (`op->main_type() != OpParameter_LoopParam`).
    """
    text, body, _ = _function(tree, MODULE_SOURCE, r"\b_createSubModule\s*\([^)]*\)\s*\{")
    block = balanced(text, body, "{", "}")
    out: dict[str, dict[str, Any]] = {}
    for m in _IF.finditer(block):
        test = balanced(block, m.end() - 1)
        rest = block[m.end() - 1 + len(test):]
        ret = re.match(r"\s*\{?\s*return\s+(\w+)::create\s*\(", rest)
        if ret is None:
            continue
        entry: dict[str, Any] = {"module": ret.group(1), "at": f"{MODULE_SOURCE}:{line_of(text, body + m.start())}"}
        op_type = None
        for clause in (c.strip() for c in test[1:-1].split("&&")):
            clause = " ".join(clause.split())
            if (hit := _TYPE_TEST.match(clause)) is not None:
                op_type = hit.group(1) or hit.group(2)
            elif (hit := _PARAM_NOT.match(clause)) is not None:
                entry["param_not"] = hit.group(1)
            elif (hit := _PARAM_IS.match(clause)) is not None:
                entry["param"] = hit.group(1) or hit.group(2)
            else:
                raise ValueError(f"{entry['at']}: cannot read module test {clause!r}")
        if op_type is None:
            raise ValueError(f"{entry['at']}: module test names no op type")
        out[op_type] = entry
    if not out:
        raise ValueError(f"{MODULE_SOURCE}: _createSubModule creates no module")
    return dict(sorted(out.items()))


def read_never_executed(tree: Tree) -> dict[str, str]:
    """Op type -> why no backend ever creates an execution for it, with `path:line`.

    Two sources: ops the scheduler drops before the pipeline (`needComputeOp`),
    and ops none of whose inputs' contents are read (`opNeedContent` returns
    false for every index), which the const-folder therefore always computes at
    shape time on the CPU backup backend.
    """
    out: dict[str, str] = {}
    text, body, line = _function(tree, NEVER_SCHEDULED, r"bool\s+needComputeOp\s*\([^)]*\)\s*\{")
    for name in re.findall(r"OpType_(\w+)", balanced(text, body, "{", "}")):
        out[name] = f"not scheduled ({NEVER_SCHEDULED}:{line})"
    for name, entry in read_need_content(tree).items():
        if entry["unread"] == "all" and not entry.get("requires"):
            out.setdefault(name, f"always constant-folded on CPU at shape time ({entry['at']})")
    return dict(sorted(out.items()))


def read_need_content(tree: Tree) -> dict[str, dict[str, Any]]:
    """Op type -> the inputs whose content `opNeedContent` says it never reads (`tableformat.NeedContent`).

    A case group followed by `return false;` reads no input ("all"); one followed
    by `if (N == index) { return false; }` leaves input N unread. Anything more
    conditional (RasterAndInterpolate's attribute test) is left out: content read.
    """
    text, body, _ = _function(tree, NEED_CONTENT, r"bool\s+OpCommonUtils::opNeedContent\s*\([^)]*\)\s*\{")
    block = balanced(text, body, "{", "}")
    source = parse(NEED_CONTENT, tree.read(NEED_CONTENT)).src
    out: dict[str, dict[str, Any]] = {}
    groups = re.finditer(r"((?:\s*case\s+OpType_\w+\s*:)+)(.*?)(?=\bcase\s+OpType_|\bdefault\s*:|\Z)", block, re.S)
    for group in groups:
        names = re.findall(r"OpType_(\w+)", group.group(1))
        first = body + group.start(1) + len(group.group(1)) - len(group.group(1).lstrip())
        at = f"{NEED_CONTENT}:{line_of(text, first)}"
        segment = group.group(2)
        unread: str | list[int]
        if re.match(r"\s*\{?\s*return\s+false\s*;", segment):
            unread = "all"
        else:
            hits = re.findall(r"if\s*\(\s*(?:(\d+)\s*==\s*index|index\s*==\s*(\d+))\s*\)\s*\{?\s*return\s+false\s*;",
                              segment)
            unread = sorted({int(a or b) for a, b in hits})
            if not unread:
                continue
        entry: dict[str, Any] = {"at": at, "unread": unread}
        requires = requires_of(source.cond_at(body + group.start(2)))
        if requires:
            entry["requires"] = requires
        for name in names:
            out.setdefault(name, entry)
    if not out:
        raise ValueError(f"{NEED_CONTENT}: opNeedContent lists no op")
    return dict(sorted(out.items()))


def read_pipeline_sites(tree: Tree) -> dict[str, str]:
    """`create`: the first creation of an execution on the session's backend; `backup_create`: the
    same command (`iter.op`, after the target's geometry) created on the backup backend when that fails."""
    if not tree.exists(PIPELINE):
        raise ValueError(f"{PIPELINE} is missing")
    text = read_text(tree, PIPELINE)
    sites = {   # createExecutionWithExternal(backend, ...) from 2.9, backend->onCreate(...) before
        "create": (r"(?:createExecutionWithExternal\s*\(\s*mBackend\.get\(\)\s*,"
                   r"|mBackend->onCreate\s*\()\s*iter\.inputs"),
        "backup_create": (r"(?:createExecutionWithExternal\s*\(\s*mBackupBackend\.get\(\)\s*,"
                          r"|mBackupBackend->onCreate\s*\()\s*iter\.inputs"),
    }
    out = {}
    for key, pattern in sites.items():
        m = re.search(pattern, text)
        if m is None:
            raise ValueError(f"{PIPELINE}: no {key} site ({pattern})")
        out[key] = f"{PIPELINE}:{line_of(text, m.start())}"
    return out
