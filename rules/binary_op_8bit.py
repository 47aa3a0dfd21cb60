from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mnnlint.diagnostics import Severity
from mnnlint.model import Model, Op
from mnnlint.rule import RuleContext

from ._common import counted
from ._defects import DefectRule, cited, observed, per_subgraph, subgraph_parts

EIGHT_BIT = frozenset({"DT_INT8", "DT_UINT8"})


def _eight_bit_tensors(model: Model, subgraph: str) -> set[int]:
    """Tensors the file declares as 8-bit integers: graph inputs and described tensors."""
    ops, tensors = subgraph_parts(model, subgraph)
    found = {t.index for t in tensors if getattr(t, "data_type", None) in EIGHT_BIT}
    found |= {op.outputs[0] for op in ops
              if op.param_type == "Input" and op.params.get("data_type") in EIGHT_BIT and op.outputs}
    return found


class BinaryOp8Bit(DefectRule):
    """Binary op on 8-bit integer tensors, which the CPU backend cannot run.

    ## What it does
    Finds `BinaryOp` ops (Add, Mul, Div, Max, comparisons, ...) with an input the
    file declares as int8 or uint8, when the target is the CPU.

    ## Why is this bad?
    MNN's CPU BinaryOp creator (`CPUBinary.cpp`) has plain kernels for 32-bit ints
    and floats only. 8-bit inputs go to the quantised int8 path of builds with
    `MNN_SUPPORT_QUANT_EXTEND` (ON by default), which crashes with SIGSEGV for
    arithmetic and refuses comparisons (`Create execution error`); without that
    option every 8-bit BinaryOp is refused. Reproduced on the pip MNN 3.6.1 CPU
    runtime. The same models ran with CUDA as the backend.

    ## Example
        mnnlint add_int8.mnn --target cpu --mnn-version 3.6.1

    ## How to fix
    - Cast the 8-bit inputs to int32 (or float) before the op in the source model and
      convert again.
    """

    code = "R004"
    name = "binary-op-8bit-on-cpu"
    severity = Severity.ERROR
    since = "0.1.0"
    op_types = frozenset({"BinaryOp"})
    fix = "Cast the 8-bit inputs to int32 or float before the op"

    def affected(self, ctx: RuleContext) -> Sequence[Op]:
        if ctx.target != "cpu":  # the same models ran with CUDA as the backend
            return []
        eight = per_subgraph(ctx.ops, lambda subgraph: _eight_bit_tensors(ctx.model, subgraph))
        return [op for op in ctx.ops if set(op.inputs) & eight[op.subgraph]]

    def message(self, ctx: RuleContext, entry: dict[str, Any], ops: Sequence[Op]) -> str:
        return (f"BinaryOp on 8-bit integers ({counted(ops)}): the CPU creator has plain kernels for 32-bit types "
                f"only ({cited(ctx, entry)}); MNN {ctx.release} crashes (SIGSEGV) or refuses it; {observed(entry)}")
