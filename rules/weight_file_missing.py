from __future__ import annotations

from collections.abc import Iterator

from mnnlint.diagnostics import Diagnostic, Severity
from mnnlint.rule import Rule, RuleContext

from ._common import op_list, ops_finding


class WeightFileMissing(Rule):
    """External weight file that is missing or shorter than the model needs.

    ## What it does
    A model converted with `--saveExternalData` (and every LLM export) keeps its
    weights in a separate `.weight` file: each op records an offset and a length
    in it. This rule checks that the file MNN will open exists and is at least as
    long as the furthest byte any op needs. mnnlint only looks at the file's size;
    it never reads weights. The graph is checked as usual either way.

    ## Why is this bad?
    MNN opens `<model>.weight` beside the model (`source/core/Interpreter.cpp`,
    `externalFile = file + ".weight"`; an LLM export names it in `llm_weight`). If
    it is absent MNN prints `Can't open file:` (`source/core/FileLoader.cpp`) and
    the ops that need it get no weights; a short file makes `FileLoader::read`
    fail for the ops past its end. The model will not load correctly without it.
    A common cause is a repository that keeps `.weight` files in Git LFS without
    `git lfs pull`, or a deployment that copied only the `.mnn`.

    ## Example
        mnnlint model_external.mnn --target cpu     # model_external.mnn.weight not copied

    ## How to fix
    - Ship the `.weight` file from the same conversion beside the model (for an
      LLM export, at the path its config's `llm_weight` names).
    - Run `git lfs pull` if the weight file is an LFS pointer.
    - Convert again without `--saveExternalData` to keep the weights inside the model.
    """

    code = "D001"
    name = "weight-file-missing"
    severity = Severity.ERROR

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        model = ctx.model
        if not model.weight_bytes_needed or model.weight_file is None:
            return
        have = model.weight_file_size
        if have is not None and have >= model.weight_bytes_needed:
            return
        needing = [op for op in model.all_ops() if op.external_end > (have or 0)]
        if not needing:
            return
        if have is None:
            state = f"{model.weight_file_problem or 'is missing'}"
        else:
            state = f"is {have:,} bytes but the ops need {model.weight_bytes_needed:,} (truncated, an LFS " \
                    "pointer, or from another export)"
        yield ops_finding(
            ctx, needing,
            f"external weight file {model.weight_file} {state}; the model will not load without it "
            f"({len(needing)} op{'s need' if len(needing) != 1 else ' needs'} it: {op_list(needing)})",
            fix="Copy the .weight file from the same conversion beside the model, or convert again "
                "without --saveExternalData")
