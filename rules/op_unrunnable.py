from __future__ import annotations

from collections.abc import Iterator

from mnnlint.capabilities.support import Status
from mnnlint.diagnostics import Diagnostic, Severity
from mnnlint.rule import Rule, RuleContext

from ._common import counted, groups_with, ops_finding, options_text, raw_op_text, release_or_build_fix, sentence


class OpUnrunnable(Rule):
    """Op that neither the target backend nor the CPU backup can run: the model fails.

    ## What it does
    Reports op types for which some command MNN creates has no execution on the target
    backend and none on the CPU, which MNN asks next (`Pipeline.cpp:587-595` at 3.6.1):

    - `Extra` ops, which `--allowCustomOp` keeps for operators MNN does not know;
    - ops only a GPU backend implements, in a CPU run;
    - ops that the CPU runs only through MNN's Loop decomposition (`GatherV2`,
      `GatherND`, `BatchMatMul`, …), on CoreML, NNAPI and TensorRT: their
      `Compiler_Geometry` runtimes skip that decomposition, and the CPU backup is handed
      the same raw op, for which it has no execution of its own;
    - constant ops (computed once at load on the CPU) the CPU cannot compute.

    ## Why is this bad?
    The fallback has nowhere to go: MNN prints `Don't support type X` (the backends that
    log it) and `Create execution error : <type id>`, and the model fails to prepare or
    run. Nothing about the device or its settings can fix this at deployment time.

    ## Example
        mnnlint custom.mnn --target cpu
        mnnlint gather.mnn --target coreml --mnn-version 3.6.1

    ## How to fix
    - Replace the custom operator in the source model with standard ops before
      converting, or convert without `--allowCustomOp` to see which op it is.
    - For a raw op on a Geometry-compiler backend: run the model on a backend that
      decomposes it (CPU, CUDA, OpenCL, Vulkan, Metal), or replace the op.
    - Register an execution for it in your own MNN build (a custom op plugin), and
      suppress this finding with that reason.
    """

    code = "B003"
    name = "op-unrunnable"
    severity = Severity.ERROR
    since = "0.1.0"

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        for group in groups_with(ctx, Status.UNRUNNABLE, fused=False):
            verdict, ops, type_name = group.verdict, group.ops, group.type_name
            custom = sorted({str(op.params["custom_type"]) for op in ops if op.params.get("custom_type")})
            what = f" (custom op {', '.join(custom)})" if custom else ""
            type_id = ctx.table.op_types.get(verdict.cpu_lacks[0] if verdict.cpu_lacks else type_name)
            error = f"`Create execution error : {type_id}`" if type_id is not None else "`Create execution error`"
            if verdict.shape_blocked:
                why = (f"this build has no shape function for it ({verdict.shape_blocked[0].where} is compiled only "
                       f"with {options_text(verdict.shape_needs) or 'a build condition this profile does not meet'}"
                       f"), so the first resize fails with `Compute Shape Error` before any backend is asked")
                fix = "Build MNN with the option named, or replace the op in the source model"
            elif verdict.raw_to_backup:
                why = (f"{raw_op_text(ctx, type_name)}, then hands the same raw op to the CPU backup, and "
                       f"neither registers an execution for it (the CPU runs `{type_name}` only through that rewrite)")
                fix = (f"Run the model on a backend that decomposes `{type_name}` (cpu, or a GPU backend), or "
                       f"replace the op in the source model")
            elif verdict.at_load:
                why = (f"MNN computes it once on the CPU at load (its inputs are constant), and the CPU has no "
                       f"execution for {', '.join(verdict.cpu_lacks)} (`Const Folder Error`)")
                fix = "Replace the op in the source model with standard ops"
            else:
                lacking = ", ".join(f"`{p}`" for p in verdict.cpu_lacks)
                why = (f"{lacking} has no execution on {ctx.target} nor on the CPU in MNN {ctx.release}"
                       + (f" (compiled only with {options_text(verdict.needs)})" if verdict.needs else ""))
                fix = ("Replace the op in the source model with standard ops, or register a custom execution "
                       "for it in your MNN build")
            better = release_or_build_fix(ctx, group)
            yield ops_finding(
                ctx, ops,
                f"`{type_name}`{what} cannot run on {ctx.target} in MNN {ctx.release} ({counted(ops)}): {why}; "
                f"MNN reports {error} and the model cannot run",
                fix=f"{sentence(better)}; or {fix[0].lower()}{fix[1:]}" if better else fix)
