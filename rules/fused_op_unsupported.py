from __future__ import annotations

from collections.abc import Iterator

from mnnlint.capabilities.support import Status, Verdict
from mnnlint.diagnostics import Diagnostic, Severity
from mnnlint.rule import Rule, RuleContext

from ._common import (
    counted,
    gained_text,
    groups_with,
    ops_finding,
    options_text,
    release_or_build_fix,
    sentence,
    why_not,
)


class FusedOpUnsupported(Rule):
    """Fused transformer op that the target backend, release and build cannot run.

    ## What it does
    Finds ops that only fusion passes create (`--transformerFuse` makes `Attention`;
    older converters also made `FmhaV2`, `Fmhca`, `GroupNorm`, `SplitGeLU`; llmexport
    writes `Attention` for every layer itself), on a backend whose release and build
    cannot run them, and says which of MNN's three outcomes happens:

    - **A build without MNN_SUPPORT_TRANSFORMER_FUSE** (the CMake default): MNN has no
      shape function for `Attention` (`ShapeAttention.cpp` is behind the option) and no
      CPU or GPU execution. The first resize fails with `Compute Shape Error`; nothing
      falls back, and the model cannot run on any backend.
    - **A build with the option, on a release whose backend lacks the op** (CUDA before
      3.2.1): MNN prints `Don't support type Attention` and runs it on the CPU backup.
    - **A build with the option on a later release**: it runs on the backend (no finding).

    The set of fused op types is read from the converter's source per release.

    ## Why is this bad?
    The first outcome is a model that does not load. The second splits a GPU graph at
    every attention layer; for fused attention the CPU fallback has produced wrong output,
    not just slow output: Qwen2-7B converted with `--transformerFuse` generated garbage on
    CUDA. No geometry rewrite exists for these ops, so nothing else can take them.

    ## Example
        mnnlint qwen2.mnn --target cuda --mnn-version 3.2.0

    ## How to fix
    - Build MNN with the option the message names (MNN_SUPPORT_TRANSFORMER_FUSE=ON;
      MNN_BUILD_LLM=ON sets it from 3.2.4), and say so with `--profile llm` or
      `--build-option`.
    - Move to the release named in the message, where the backend gained the op.
    - For a model converted with `MNNConvert --transformerFuse`: reconvert without it.
      For an llmexport folder that is no option: llmexport writes `Attention` from its own
      fused-attention op whatever `export_args.json` says (its `transformer_fuse` flag is
      about vision encoders: `transformers/llm/export/llmexport.py:865` and `:413`,
      `utils/mnn_converter.py:404,557` at 3.6.1).
    """

    code = "B002"
    name = "fused-op-unsupported"
    severity = Severity.ERROR
    since = "0.1.0"

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        for group in groups_with(ctx, Status.FALLBACK, Status.UNRUNNABLE, fused=True):
            verdict, ops, type_name = group.verdict, group.ops, group.type_name
            fixes = []
            better = release_or_build_fix(ctx, group)
            if better:
                fixes.append(better)
            gained = gained_text(ctx, type_name) if verdict.option_bound else None
            if gained and gained not in fixes:
                fixes.append(gained)
            if ctx.model.llm is None:
                fixes.append("reconvert without --transformerFuse")
            if verdict.status is Status.FALLBACK and ctx.target != "cpu":
                fixes.append("run on the CPU backend")
            origin = (" (written by llmexport, which fuses attention itself)" if ctx.model.llm is not None
                      else "")
            yield ops_finding(
                ctx, ops,
                f"fused `{type_name}`{origin} cannot run on {ctx.target} in MNN {ctx.release} "
                f"(build profile {ctx.profile}; {counted(ops)}): {outcome(ctx, type_name, verdict)}",
                fix=sentence("; or ".join(fixes)))


def outcome(ctx: RuleContext, type_name: str, verdict: Verdict) -> str:
    """Which of MNN's outcomes happens, in the words of its log."""
    if verdict.shape_blocked:
        where = verdict.shape_blocked[0].where
        opts = options_text(verdict.shape_needs) or "a build condition this profile does not meet"
        return (f"this build has no shape function for it ({where} is compiled only with {opts}), so MNN "
                f"takes its output shape from its first input and the first resize fails with `Compute Shape "
                f"Error`; nothing falls back, and the model cannot run on any backend")
    if verdict.status is Status.UNRUNNABLE:
        where = f"neither {ctx.target} nor the CPU has" if ctx.target != "cpu" else "the CPU has no"
        if verdict.needs or (verdict.cpu_needs and ctx.target == "cpu"):
            return (f"{where} an execution for it in this build (compiled only with "
                    f"{options_text(verdict.option_bound)}): the model cannot run on any backend")
        if verdict.cpu_needs:
            return (f"{ctx.target} has no execution for it in MNN {ctx.release}, and the CPU's is compiled only "
                    f"with {options_text(verdict.cpu_needs)}: the model cannot run on any backend")
        return f"{where} execution for it in MNN {ctx.release}: the model cannot run"
    return (f"{why_not(ctx, type_name, verdict)}. MNN prints `Don't support type {type_name}` and runs it on "
            f"the CPU backup, and fused ops have given wrong output there")
