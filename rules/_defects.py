"""Where a known runtime defect applies, and how to say what was observed (from runtime_defects.json)."""

from __future__ import annotations

from typing import Any

from mnnlint.model import MAIN_GRAPH, Model, Op
from mnnlint.rule import RuleContext

from ._data import runtime_defects


def defect(code: str) -> dict[str, Any]:
    return next(d for d in runtime_defects() if d["code"] == code)


def applies(ctx: RuleContext, entry: dict[str, Any]) -> bool:
    """At a release whose source holds the cited lines; else only where it was reproduced."""
    if "releases" in entry:
        return ctx.release in entry["releases"]
    return any(ctx.target == e["backend"] and ctx.release in e["releases"] for e in entry["evidence"])


def observed(entry: dict[str, Any]) -> str:
    """`SIGSEGV ... (cpu, MNN 3.6.1, pip mnn 3.6.1 ...)`: the first reproduction, briefly."""
    e = entry["evidence"][0]
    return f"reproduced on {e['backend']}, MNN {', '.join(e['releases'])} ({e['build']})"


def cited(ctx: RuleContext, entry: dict[str, Any]) -> str:
    lines = entry.get("releases", {}).get(ctx.release, {}).get("lines", ())
    return ", ".join(f"{c['file'].rsplit('/', 1)[-1]}:{c['line']}" for c in lines)


def known_dims(model: Model, subgraph: str = MAIN_GRAPH) -> dict[int, tuple[int, ...]]:
    """Shapes the file states: graph inputs, constants, and the converter's tensor descriptions."""
    tensors = model.tensors if subgraph == MAIN_GRAPH else model.subgraphs[subgraph].tensors
    dims = {t.index: tuple(t.dims) for t in tensors if getattr(t, "dims", None) is not None}
    ops: tuple[Op, ...] = model.ops if subgraph == MAIN_GRAPH else model.subgraphs[subgraph].ops
    for op in ops:
        if op.param_type in ("Input", "Blob") and "dims" in op.params and op.outputs:
            dims.setdefault(op.outputs[0], tuple(op.params["dims"]))
    return dims
