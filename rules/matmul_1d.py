from __future__ import annotations

from collections.abc import Iterator

from mnnlint.diagnostics import Diagnostic, Severity
from mnnlint.rule import Rule, RuleContext

from ._common import op_list
from ._defects import applies, defect, known_dims, observed


class MatMul1D(Rule):
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

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        entry = defect(self.code)
        if not applies(ctx, entry):
            return
        dims: dict[str, dict[int, tuple[int, ...]]] = {}
        bad = []
        for op in ctx.ops:
            if op.subgraph not in dims:  # once per subgraph: setdefault would rebuild it per op
                dims[op.subgraph] = known_dims(ctx.model, op.subgraph)
            known = dims[op.subgraph]
            ranks = [len(known[i]) if i in known else None for i in op.inputs[:2]]
            if len(ranks) == 2 and ranks == [1, 1]:
                bad.append(op)
        if bad:
            yield ctx.diagnostic(
                bad[0],
                f"MatMul of two 1-D tensors ({len(bad)} op{'s' * (len(bad) != 1)}: {op_list(bad)}) corrupts "
                f"MNN's heap and the process aborts; {observed(entry)}",
                fix="Compute the dot product as Mul + ReduceSum, or make one operand 2-D",
                related=bad[1:], count=len(bad))
