from __future__ import annotations

from collections.abc import Iterator

from mnnlint.capabilities.support import Status
from mnnlint.diagnostics import Diagnostic, Severity
from mnnlint.rule import Rule, RuleContext

from ._common import op_list
from ._defects import applies, cited, defect, observed


class Pool3DMissingVectors(Rule):
    """3-D pooling without `strides` or `pads`, which crashes MNN with SIGSEGV.

    ## What it does
    Finds non-global `Pooling3D` ops whose parameter table has no `strides` or no
    `pads` vector. The converter leaves them out when the ONNX `MaxPool` or
    `AveragePool` node has no such attribute (ONNX defaults them).

    ## Why is this bad?
    MNN's 3-D pooling geometry (`GeometryPooling3D.cpp`) reads both vectors without
    checking that they exist and dies with SIGSEGV when the session is created,
    taking the app with it. Reproduced on the pip MNN 3.6.1 CPU runtime; the cited
    source lines are the same in every release mnnlint knows. Backends that register
    their own 3-D pooling (HIAI, QNN) are not affected.

    ## Example
        mnnlint pool3d.mnn --target cpu

    ## How to fix
    - Give the pooling node explicit `strides` and `pads` in the ONNX model (e.g.
      `strides=[1,1,1]`, `pads=[0,0,0,0,0,0]`) and convert again.
    """

    code = "R001"
    name = "pool3d-missing-vectors"
    severity = Severity.ERROR
    since = "0.1.0"
    op_types = frozenset({"Pooling3D"})

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        entry = defect(self.code)
        if not applies(ctx, entry) or (ctx.verdict("Pooling3D").status is Status.SUPPORTED and ctx.target != "cpu"):
            return
        bad = [op for op in ctx.ops
               if not op.params.get("is_global") and not (op.params.get("stride") and op.params.get("pads"))]
        if bad:
            missing = " and ".join(k for k in ("strides", "pads")
                                   if not bad[0].params.get("stride" if k == "strides" else k))
            yield ctx.diagnostic(
                bad[0],
                f"3-D pooling without {missing} ({len(bad)} op{'s' * (len(bad) != 1)}: {op_list(bad)}): "
                f"MNN {ctx.release} reads the absent vector ({cited(ctx, entry)}) and crashes with SIGSEGV; "
                f"{observed(entry)}",
                fix="Set explicit `strides` and `pads` on the pooling node in the source model and convert again",
                related=bad[1:], count=len(bad))
