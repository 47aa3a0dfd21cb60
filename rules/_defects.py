"""Runtime-defect rules (R001-R004): where a defect applies, how to say what was observed.

Each defect is an entry of runtime_defects.json, keyed by the rule's code. `DefectRule`
holds what the four rules share, so each one declares only which ops have its defect
and how to say so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, ClassVar, TypeVar

from mnnlint.diagnostics import Diagnostic
from mnnlint.model import MAIN_GRAPH, Model, Op, Tensor
from mnnlint.rule import Rule, RuleContext

from ._common import ops_finding
from ._data import runtime_defects

T = TypeVar("T")


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


class DefectRule(Rule):
    """Base of the rules for one runtime defect each (the runtime_defects.json entry of `code`).

    The defect is checked only where its entry says it applies (`applies`), and every
    affected op of a model makes one finding (`ops_finding`). A subclass declares its
    metadata and docstring like any rule, `fix` (the one-line fix its finding carries),
    and `affected` and `message`.
    """

    fix: ClassVar[str]

    def affected(self, ctx: RuleContext) -> Sequence[Op]:
        """The ops of `ctx.ops` that have the defect under this check; empty when none does."""
        raise NotImplementedError

    def message(self, ctx: RuleContext, entry: dict[str, Any], ops: Sequence[Op]) -> str:
        """What goes wrong with `ops` (never empty), citing `entry`."""
        raise NotImplementedError

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        entry = defect(self.code)
        if not applies(ctx, entry):
            return
        ops = self.affected(ctx)
        if ops:
            yield ops_finding(ctx, ops, self.message(ctx, entry, ops), fix=self.fix)


def subgraph_parts(model: Model, subgraph: str) -> tuple[Sequence[Op], Sequence[Tensor]]:
    """The ops and tensors of one graph of the model: the main graph or a named subgraph."""
    if subgraph == MAIN_GRAPH:
        return model.ops, model.tensors
    return model.subgraphs[subgraph].ops, model.subgraphs[subgraph].tensors


def per_subgraph(ops: Iterable[Op], build: Callable[[str], T]) -> dict[str, T]:
    """`build(subgraph)` once for each subgraph `ops` come from: per-graph facts a rule looks
    up per op (a large model has thousands of ops and one or two graphs)."""
    return {name: build(name) for name in dict.fromkeys(op.subgraph for op in ops)}


def known_dims(model: Model, subgraph: str = MAIN_GRAPH) -> dict[int, tuple[int, ...]]:
    """Shapes the file states: graph inputs, constants, and the converter's tensor descriptions."""
    ops, tensors = subgraph_parts(model, subgraph)
    dims = {t.index: tuple(t.dims) for t in tensors if getattr(t, "dims", None) is not None}
    for op in ops:
        if op.param_type in ("Input", "Blob") and "dims" in op.params and op.outputs:
            dims.setdefault(op.outputs[0], tuple(op.params["dims"]))
    return dims
