from __future__ import annotations

from collections.abc import Iterator

from mnnlint.capabilities.support import Status
from mnnlint.diagnostics import Diagnostic, Severity
from mnnlint.rule import Rule, RuleContext

from ._common import group_by_type, op_list


class OpUnrunnable(Rule):
    """Op type that no backend of the release implements, the CPU included.

    ## What it does
    Reports op types that neither the target backend nor the CPU (MNN's fallback)
    has an execution for in the target release and build: typically `Extra` ops,
    which `--allowCustomOp` keeps for operators MNN does not know, and ops only a
    GPU backend implements.

    ## Why is this bad?
    The fallback has nowhere to go: MNN prints `Don't support type X` and the
    model fails to prepare or run. Nothing about the device or its settings can fix
    this at deployment time.

    ## Example
        mnnlint custom.mnn --target cpu

    ## How to fix
    - Replace the custom operator in the source model with standard ops before
      converting, or convert without `--allowCustomOp` to see which op it is.
    - Register an execution for it in your own MNN build (a custom op plugin), and
      suppress this finding with that reason.
    """

    code = "B003"
    name = "op-unrunnable"
    severity = Severity.ERROR

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        for type_name, ops in group_by_type(ctx.ops).items():
            if ops[0].type_name is None or type_name in ctx.table.fused_op_types:
                continue
            if ctx.verdict(type_name).status is not Status.UNRUNNABLE:
                continue
            custom = sorted({str(op.params["custom_type"]) for op in ops if op.params.get("custom_type")})
            what = f" (custom op {', '.join(custom)})" if custom else ""
            count = f"{len(ops)} op{'s' * (len(ops) != 1)}"
            yield ctx.diagnostic(
                ops[0],
                f"`{type_name}`{what} has no execution on {ctx.target} nor on the CPU in MNN {ctx.release} "
                f"({count}: {op_list(ops)}): the model cannot run",
                fix="Replace the op in the source model with standard ops, or register a custom execution "
                    "for it in your MNN build",
                related=ops[1:],
                count=len(ops),
            )
