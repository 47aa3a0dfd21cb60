from __future__ import annotations

from collections.abc import Iterator

from mnnlint.capabilities.support import Status
from mnnlint.diagnostics import Diagnostic, Severity
from mnnlint.rule import Rule, RuleContext

from ._common import group_by_type, op_list, options_text, why_not


class OpFallsBack(Rule):
    """Op type that the target backend does not implement: it runs on the CPU.

    ## What it does
    Checks every op type in the model against the capability table of the target
    backend, MNN release and build profile, after MNN's geometry layer has had its
    chance to rewrite the op into simpler ones. Reports each op type the backend
    has no execution for, with how many ops it covers and the first few of them.
    Fused transformer ops and ops no backend runs have rules of their own (B002,
    B003).

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
    """

    code = "B001"
    name = "op-falls-back"
    severity = Severity.WARNING

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        if ctx.target == "cpu":
            return
        for type_name, ops in group_by_type(ctx.ops).items():
            if ops[0].type_name is None or type_name in ctx.table.fused_op_types:
                continue
            verdict = ctx.verdict(type_name)
            if verdict.status is not Status.FALLBACK:
                continue
            count = f"{len(ops)} op{'s' * (len(ops) != 1)}"
            gained = ctx.tables.gained(ctx.target, type_name, ctx.release) if not verdict.blocked else None
            fix = "Replace the op in the source model, or accept the CPU fallback"
            if verdict.needs:
                fix = f"Build MNN with {options_text(dict(verdict.needs))}, or " + fix[0].lower() + fix[1:]
            elif gained:
                release, reg = gained
                cond = f" built with {options_text(ctx.table_options(reg.requires))}" if reg.requires else ""
                fix = f"Use MNN {release} or later{cond}, where {ctx.target} has it; or " + fix[0].lower() + fix[1:]
            yield ctx.diagnostic(
                ops[0],
                f"`{type_name}` runs on the CPU instead of {ctx.target} in MNN {ctx.release} ({count}: "
                f"{op_list(ops)}): {why_not(ctx, verdict)}",
                fix=fix,
                related=ops[1:],
                count=len(ops),
            )
