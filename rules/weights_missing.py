from __future__ import annotations

from collections.abc import Iterator

from mnnlint.diagnostics import Diagnostic, Severity
from mnnlint.model import Op
from mnnlint.rule import Rule, RuleContext

from ._common import op_list
from ._defects import applies, defect, observed

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


class WeightsMissing(Rule):
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

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        entry = defect(self.code)
        if not applies(ctx, entry):
            return
        sized = [op for op in ctx.ops if weight_bytes(op)]
        need = sum(weight_bytes(op) for op in sized)
        if sized and need > ctx.model.file_size:
            yield ctx.diagnostic(
                sized[0],
                f"its {len(sized)} convolution{'s' * (len(sized) != 1)} ({op_list(sized)}) need {need:,} bytes of "
                f"weights but the file has {ctx.model.file_size:,}: saved without weights (--benchmarkModel); "
                f"MNN cannot create them ({observed(entry)})",
                fix="Convert the model again without --benchmarkModel",
                related=sized[1:], count=len(sized))
