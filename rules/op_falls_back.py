from __future__ import annotations

from collections.abc import Iterator

from mnnlint.capabilities.support import Status
from mnnlint.diagnostics import Diagnostic, Severity
from mnnlint.rule import Rule, RuleContext

from ._common import counted, groups_with, ops_finding, release_or_build_fix, sentence, why_not


class OpFallsBack(Rule):
    """Op type that the target backend does not implement: it runs on the CPU.

    ## What it does
    Checks every op type in the model against the capability table of the target
    backend, MNN release and build profile, after MNN's geometry layer has had its
    chance to rewrite the op into simpler ones, and reports each op type for which
    some command MNN creates (the op itself, or a `Raster` or `While` it is rewritten
    into) has no execution on the backend but one on the CPU backup, with how many ops
    it covers and the first few of them. Ops MNN never hands to a backend are left out:
    those the Module API runs itself (`If`, `While`, `NonMaxSuppressionV2`, `MoE`) and
    constant ops, which it computes once on the CPU at load (everything computed only
    from `Shape` and constants). Fused transformer ops and ops no backend runs have
    rules of their own (B002, B003).

    ## Why is this bad?
    MNN prints `Don't support type X` when it prepares the model, runs those ops on
    the CPU and copies tensors between the devices around each of them. The model
    still works, but every fallback splits the graph and costs memory traffic; a
    few of them can make a GPU run slower than the CPU alone.

    ## Example
        mnnlint model.mnn --target opencl --mnn-version 3.6.1

    ## How to fix
    - Replace the op in the source model with ops the backend implements (the
      message names the op type; `mnnlint targets --backend NAME` lists them).
    - Use the release or build option named in the message, when one adds it.
    - Accept the fallback where it is cheap, and suppress the finding with a reason.

    ## Known limits
    Whether a geometry computer emits a loop can hinge on tensor shapes known only at
    run time (a batched MatMul becomes a `While`, a 2-D one stays a MatMul). mnnlint
    then assumes a Loop computer's general path (the loop) and a Geometry computer's
    plain path, so a model that only ever runs the other path can differ.
    """

    code = "B001"
    name = "op-falls-back"
    severity = Severity.WARNING
    since = "0.1.0"

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        if ctx.target == "cpu":
            return
        for group in groups_with(ctx, Status.FALLBACK, fused=False):
            verdict, ops = group.verdict, group.ops
            parts = [p for p in verdict.missing_parts if p != group.type_name]
            subject = (f"the {' and '.join(parts)} that MNN rewrites `{group.type_name}` into"
                       if parts else f"`{group.type_name}`")
            fix = "replace the op in the source model, or accept the CPU fallback"
            better = release_or_build_fix(ctx, group)
            yield ops_finding(
                ctx, ops,
                f"{subject} run{'s' * (len(parts) < 2)} on the CPU instead of {ctx.target} "
                f"in MNN {ctx.release} ({counted(ops)}): {why_not(ctx, group.type_name, verdict)}",
                fix=sentence(f"{better}; or {fix}" if better else fix))
