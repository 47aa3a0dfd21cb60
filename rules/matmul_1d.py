from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mnnlint.diagnostics import Severity
from mnnlint.model import Op
from mnnlint.rule import RuleContext

from ._common import counted
from ._defects import DefectRule, known_dims, observed, per_subgraph


class MatMul1D(DefectRule):
    """MatMul of two 1-D tensors, which corrupts MNN's heap.

    ## What it does
    Finds `MatMul` ops whose two inputs the file declares as 1-D (graph inputs,
    constants, or tensors the converter described), i.e. a dot product written as
    ONNX `MatMul` of two vectors.

    ## Why is this bad?
    MNN writes past the end of a buffer for it: glibc aborts the process
    (`corrupted size vs. prev_size`), in the same run or at a later allocation, so
    the crash can surface far from the op. Reproduced on the pip MNN 3.6.1 CPU
    runtime; reported only where it was reproduced.

    ## Example
        mnnlint dot.mnn --target cpu --mnn-version 3.6.1

    ## How to fix
    - Write the dot product as `Mul` then `ReduceSum`, or `Unsqueeze` one operand to
      2-D before the MatMul, and convert again.
    """

    code = "R002"
    name = "matmul-1d-1d"
    severity = Severity.ERROR
    since = "0.1.0"
    op_types = frozenset({"MatMul"})
    fix = "Compute the dot product as Mul + ReduceSum, or make one operand 2-D"

    def affected(self, ctx: RuleContext) -> Sequence[Op]:
        dims = per_subgraph(ctx.ops, lambda subgraph: known_dims(ctx.model, subgraph))
        return [op for op in ctx.ops if _ranks(op, dims[op.subgraph]) == [1, 1]]

    def message(self, ctx: RuleContext, entry: dict[str, Any], ops: Sequence[Op]) -> str:
        return (f"MatMul of two 1-D tensors ({counted(ops)}) corrupts MNN's heap and the process aborts; "
                f"{observed(entry)}")


def _ranks(op: Op, known: dict[int, tuple[int, ...]]) -> list[int | None]:
    """The ranks the file states for the op's first two inputs (None: not stated)."""
    return [len(known[i]) if i in known else None for i in op.inputs[:2]]
