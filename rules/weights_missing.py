from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mnnlint.diagnostics import Severity
from mnnlint.model import Op
from mnnlint.rule import RuleContext

from ._common import op_list
from ._defects import DefectRule, observed

CONV_TYPES = frozenset({"Convolution", "ConvolutionDepthwise", "Deconvolution", "DeconvolutionDepthwise"})


def weight_bytes(op: Op) -> int:
    """Bytes the op's float weights need when stored in the file itself (0: unknown or stored elsewhere)."""
    p = op.params
    if p.get("quantized") or op.external or "kernel" not in p:
        return 0
    kx, ky = p["kernel"]
    group = max(p.get("group") or 1, 1)
    cin, cout = p.get("input_count") or 0, p.get("output_count") or 0
    return 4 * kx * ky * cin * cout // group


class WeightsMissing(DefectRule):
    """Model saved without its weights (`MNNConvert --benchmarkModel`): it cannot run.

    ## What it does
    Adds up the bytes the model's float convolution weights need (kernel size x
    input channels x output channels, for convolutions with no quantised or external
    weights) and reports the model when the file is smaller than that: the weights
    are not in it. It reads only parameter sizes, never weights.

    ## Why is this bad?
    `--benchmarkModel` files keep the graph and drop the weights, for timing only.
    MNN loads them, then cannot create the convolutions: on the pip MNN 3.6.1 CPU
    runtime every one of MNN's own benchmark models stops with
    `Create execution error` and gives no result; with CUDA (3.2.0, 3.6.1 built from
    source) most of them crash with SIGSEGV while the session is created, and the
    rest compute on weights that are not there.

    ## Example
        mnnlint mobilenet_benchmark.mnn --target cpu --mnn-version 3.6.1

    ## How to fix
    - Convert the model again without `--benchmarkModel`.
    """

    code = "R003"
    name = "weights-missing"
    severity = Severity.ERROR
    since = "0.1.0"
    op_types = CONV_TYPES
    fix = "Convert the model again without --benchmarkModel"

    def affected(self, ctx: RuleContext) -> Sequence[Op]:
        sized = [op for op in ctx.ops if weight_bytes(op)]
        return sized if sum(map(weight_bytes, sized)) > ctx.model.file_size else []

    def message(self, ctx: RuleContext, entry: dict[str, Any], ops: Sequence[Op]) -> str:
        need = sum(map(weight_bytes, ops))
        return (f"its {len(ops)} convolution{'s' * (len(ops) != 1)} ({op_list(ops)}) need {need:,} bytes of "
                f"weights but the file has {ctx.model.file_size:,}: saved without weights (--benchmarkModel); "
                f"MNN cannot create them ({observed(entry)})")
