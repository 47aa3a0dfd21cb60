from __future__ import annotations

from collections.abc import Iterator

from mnnlint.diagnostics import Diagnostic, Severity
from mnnlint.rule import Rule, RuleContext

from ._common import counted, ops_finding


class PoolZeroStride(Rule):
    """Pooling op with a stride of 0, which crashes MNN's runtime.

    ## What it does
    Finds `Pooling` ops that are not global and have a zero stride. The converter
    writes stride 0 for an ONNX `MaxPool` or `AveragePool` that has no `strides`
    attribute (ONNX's default is 1).

    ## Why is this bad?
    The CPU runtime divides by the stride while computing the output shape: MNN
    3.6.1 dies with SIGFPE (integer division by zero) when the model is prepared,
    taking the app with it.

    ## Example
        mnnlint pool.mnn --target cpu

    ## How to fix
    - Give the pooling node explicit `strides` (e.g. `[1, 1]`) in the ONNX model and
      convert again.
    """

    code = "P001"
    name = "pool-zero-stride"
    severity = Severity.ERROR
    since = "0.1.0"
    op_types = frozenset({"Pooling", "Pooling3D"})

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        bad = [op for op in ctx.ops
               if not op.params.get("is_global") and 0 in tuple(op.params.get("stride", ()))]
        if bad:
            yield ops_finding(
                ctx, bad,
                f"pooling with stride {tuple(bad[0].params['stride'])} ({counted(bad)}): "
                f"the runtime divides by the stride and crashes with SIGFPE",
                fix="Set explicit `strides` on the pooling node in the source model and convert again")
