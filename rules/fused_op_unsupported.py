from __future__ import annotations

from collections.abc import Iterator

from mnnlint.diagnostics import Diagnostic, Severity
from mnnlint.rule import Rule, RuleContext

from ._common import group_by_type, op_list, options_text, why_not


class FusedOpUnsupported(Rule):
    """Fused transformer op that the target backend does not implement.

    ## What it does
    Finds ops that only the converter's fusion passes create (`--transformerFuse`
    makes `Attention`; older converters also made `FmhaV2`, `Fmhca`, `GroupNorm`,
    `SplitGeLU`), on a backend whose release and build have no execution for them.
    The set of fused op types is read from the converter's source per release.

    ## Why is this bad?
    MNN prints `Don't support type Attention` and runs the op on the CPU, in the
    middle of a GPU graph. For fused attention the result has been wrong, not just
    slow: Qwen2-7B converted with `--transformerFuse` produced garbage text on CUDA.
    No geometry rewrite exists for these ops, so nothing else can take them.

    ## Example
        mnnlint qwen2.mnn --target cuda --mnn-version 3.2.0

    ## How to fix
    - Reconvert without `--transformerFuse`.
    - Run the model on the CPU backend.
    - Move to the release named in the message, built with the option it names
      (for CUDA's Attention: MNN_SUPPORT_TRANSFORMER_FUSE=ON, which MNN_BUILD_LLM=ON sets).
    """

    code = "B002"
    name = "fused-op-unsupported"
    severity = Severity.ERROR

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        for type_name, ops in group_by_type(ctx.ops).items():
            if type_name not in ctx.table.fused_op_types:
                continue
            verdict = ctx.verdict(type_name)
            if verdict.runs_on_backend:
                continue
            fixes = ["reconvert without --transformerFuse"]
            if ctx.target != "cpu":
                fixes.append("run on the CPU backend")
            if verdict.needs:
                fixes.append(f"build MNN {ctx.release} with {options_text(dict(verdict.needs))}")
            else:
                gained = ctx.tables.gained(ctx.target, type_name, ctx.release)
                if gained:
                    release, reg = gained
                    built = f" built with {options_text(ctx.table_options(reg.requires))}" if reg.requires else ""
                    fixes.append(f"use MNN {release} or later{built}")
            count = f"{len(ops)} op{'s' * (len(ops) != 1)}"
            yield ctx.diagnostic(
                ops[0],
                f"fused `{type_name}` has no {ctx.target} execution in MNN {ctx.release} "
                f"(build profile {ctx.profile}; {count}: {op_list(ops)}): {why_not(ctx, verdict)}. "
                f"MNN falls back to the CPU, and fused ops have given wrong output there",
                fix=_sentence("; or ".join(fixes)),
                related=ops[1:],
                count=len(ops),
            )


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]
