from __future__ import annotations

from collections.abc import Iterator

from mnnlint.diagnostics import Diagnostic, Severity
from mnnlint.model import MAIN_GRAPH, Op
from mnnlint.rule import Rule, RuleContext

from ._common import op_list
from ._defects import applies, cited, defect, observed

EIGHT_BIT = frozenset({"DT_INT8", "DT_UINT8"})


def _eight_bit_tensors(ctx: RuleContext, subgraph: str) -> set[int]:
    """Tensors the file declares as 8-bit integers: graph inputs and described tensors."""
    model = ctx.model
    ops: tuple[Op, ...] = model.ops if subgraph == MAIN_GRAPH else model.subgraphs[subgraph].ops
    tensors = model.tensors if subgraph == MAIN_GRAPH else model.subgraphs[subgraph].tensors
    found = {t.index for t in tensors if getattr(t, "data_type", None) in EIGHT_BIT}
    found |= {op.outputs[0] for op in ops
              if op.param_type == "Input" and op.params.get("data_type") in EIGHT_BIT and op.outputs}
    return found


class BinaryOp8Bit(Rule):
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

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        entry = defect(self.code)
        if ctx.target != "cpu" or not applies(ctx, entry):
            return
        eight: dict[str, set[int]] = {}
        bad = [op for op in ctx.ops
               if set(op.inputs) & eight.setdefault(op.subgraph, _eight_bit_tensors(ctx, op.subgraph))]
        if bad:
            yield ctx.diagnostic(
                bad[0],
                f"BinaryOp on 8-bit integers ({len(bad)} op{'s' * (len(bad) != 1)}: {op_list(bad)}): the CPU "
                f"creator has plain kernels for 32-bit types only ({cited(ctx, entry)}); MNN {ctx.release} crashes "
                f"(SIGSEGV) or refuses it; {observed(entry)}",
                fix="Cast the 8-bit inputs to int32 or float before the op",
                related=bad[1:], count=len(bad))
