from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from mnnlint.capabilities.support import Status
from mnnlint.diagnostics import Diagnostic, Severity
from mnnlint.model import Op
from mnnlint.rule import Rule, RuleContext

from ._common import counted, ops_finding
from ._data import creator_limits


def _value(op: Op, limit: dict[str, Any]) -> Any:
    return op.params.get(limit["param"]) if limit.get("param") else None


class CreatorRefusesParams(Rule):
    """Op the backend registers, with parameters its creator refuses: it runs on the CPU, or not at all.

    ## What it does
    Finds ops whose type the target backend registers, but whose parameters make the
    backend's creator return null (or its resize return NOT_SUPPORT) in the target
    release: CUDA `Interp` with cubic resize, CUDA `Deconvolution` with int8 or sparse
    quantised weights, CUDA `ScatterNd`/`ScatterElements` (their While loop carries an
    init command CUDA's loop creator refuses), Metal `BinaryOp` types its kernel list
    lacks, NNAPI `UnaryOp` types it maps to no NNAPI operation (SILU among them). The
    limits, with the source line of each per release, are data (rules/data/creator_limits.json).

    ## Why is this bad?
    A registration table says the backend has the op, so the op-type rules call it
    supported. At run time MNN prints `The Creator Don't support type X` and runs the
    op on the CPU backup, with copies between devices around it. On NNAPI the resize
    fails instead and the model does not run. Where the CPU refuses the op too, the
    model cannot run anywhere.

    ## Example
        mnnlint upsample_cubic.mnn --target cuda --mnn-version 3.6.1

    ## How to fix
    - Use a parameter value the backend takes (the message names the refused one):
      e.g. bilinear instead of cubic resize, float or fp16 weights instead of int8.
    - Accept the CPU fallback where it is cheap, and suppress the finding with a reason.
    """

    code = "C001"
    name = "creator-refuses-params"
    severity = Severity.WARNING
    since = "0.1.0"
    op_types = frozenset(t for limit in creator_limits() for t in limit["op_types"])

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        for limit in creator_limits():
            facts = limit["releases"].get(ctx.release)
            if limit["backend"] != ctx.target or facts is None:
                continue
            refused = set(facts.get("values", ()))
            hits = [op for op in ctx.ops if op.type_name in limit["op_types"]
                    and (not limit.get("param") or _value(op, limit) in refused)]
            by_value: dict[Any, list[Op]] = {}
            for op in hits:
                if ctx.verdict(op.type_label).status in (Status.SUPPORTED, Status.DECOMPOSED):
                    by_value.setdefault((op.type_label, _value(op, limit)), []).append(op)
            for (type_name, value), ops in by_value.items():
                yield self._finding(ctx, limit, facts, type_name, value, ops)

    def _finding(self, ctx: RuleContext, limit: dict[str, Any], facts: dict[str, Any], type_name: str,
                 value: Any, ops: list[Op]) -> Diagnostic:
        where = ", ".join(f"{c['file'].rsplit('/', 1)[-1]}:{c['line']}" + (f"-{c['end']}" if "end" in c else "")
                          for c in facts["lines"])
        refused = limit["refused_op"]
        if limit.get("param"):
            name = limit.get("value_names", {}).get(str(value))
            what = f"{limit['param_label']} = {value}{f' ({name})' if name else ''}"
            cause = f"{ctx.target}'s {refused} creator refuses {what}"
        else:
            cause = f"MNN turns it into a {refused} that {ctx.target}'s {refused} creator refuses"
        cpu_runs = self._cpu_runs(ctx, refused)
        if limit["outcome"] == "resize-not-support":
            then, severity = "the resize fails with NOT_SUPPORT and the model does not run", Severity.ERROR
        elif cpu_runs:
            then, severity = f"MNN prints `{limit['printed']}` and runs it on the CPU", None
        else:
            then, severity = "the CPU has no execution for it either: the model cannot run", Severity.ERROR
        return ops_finding(
            ctx, ops,
            f"`{type_name}` ({counted(ops)}): {cause} in MNN {ctx.release} ({where}); {then}",
            fix=("Use a value the backend takes, or accept the CPU fallback" if limit.get("param")
                 else f"Accept the CPU fallback for the {refused} loop, or run the model on the CPU"),
            severity=severity)

    @staticmethod
    def _cpu_runs(ctx: RuleContext, op_type: str) -> bool:
        from mnnlint.capabilities.support import decide

        return decide(ctx.table, "cpu", op_type, ctx.build).runs_on_backend
