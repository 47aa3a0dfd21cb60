from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mnnlint.capabilities.support import Status
from mnnlint.diagnostics import Severity
from mnnlint.model import Op
from mnnlint.rule import RuleContext

from ._common import counted
from ._defects import DefectRule, cited, observed

# ONNX attribute -> the Pool3D parameter that holds it (mnnlint.params: Strides, Pads).
VECTORS = {"strides": "stride", "pads": "pads"}


class Pool3DMissingVectors(DefectRule):
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
    fix = "Set explicit `strides` and `pads` on the pooling node in the source model and convert again"

    def affected(self, ctx: RuleContext) -> Sequence[Op]:
        if ctx.verdict("Pooling3D").status is Status.SUPPORTED and ctx.target != "cpu":
            return []  # a backend with its own 3-D pooling (HIAI, QNN) does not use the geometry
        return [op for op in ctx.ops
                if not op.params.get("is_global") and not all(op.params.get(v) for v in VECTORS.values())]

    def message(self, ctx: RuleContext, entry: dict[str, Any], ops: Sequence[Op]) -> str:
        missing = " and ".join(name for name, vector in VECTORS.items() if not ops[0].params.get(vector))
        return (f"3-D pooling without {missing} ({counted(ops)}): MNN {ctx.release} reads the absent vector "
                f"({cited(ctx, entry)}) and crashes with SIGSEGV; {observed(entry)}")
