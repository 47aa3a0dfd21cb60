from __future__ import annotations

from collections.abc import Iterator

from mnnlint.capabilities.support import Status, Verdict, decide
from mnnlint.diagnostics import Diagnostic, Severity
from mnnlint.engine import build_for
from mnnlint.rule import Rule, RuleContext

from ._common import counted, ops_finding, options_text


class BuildOptionAssumed(Rule):
    """Op that is clean only under a build option mnnlint assumed, not one you named.

    ## What it does
    When you name no build profile, mnnlint assumes one: the LLM build MNN documents
    (`MNN_BUILD_LLM`, `MNN_LOW_MEMORY`, `MNN_SUPPORT_TRANSFORMER_FUSE` ON) for LLM export
    folders and models holding transformer-fused ops, the release's CMake defaults
    otherwise. This rule re-decides every op type that runs under that assumption with the
    release's CMake defaults (plus your `--build-option`s) and reports each one that would
    then fall back or stop the model: it names the option, what happens with it and what
    happens without. (Ops that do not run even under the assumption are B001-B003 findings.)

    ## Why is this bad?
    Whether `Attention` runs, falls back or stops the model depends on
    `MNN_SUPPORT_TRANSFORMER_FUSE`, which a plain `cmake -DMNN_CUDA=ON` build leaves OFF.
    A clean report that silently assumed the option would send a user with a plain build
    straight into the bug mnnlint exists to catch.

    ## Example
        mnnlint qwen2_fused.mnn --target cuda --mnn-version 3.6.1

    ## How to fix
    - State your build: `--profile llm` (or `build-llm`, `default`), or
      `--build-option NAME=ON|OFF`; then this finding goes away and the verdicts follow
      the build you named.
    - Build MNN with the option the message names.
    """

    code = "B005"
    name = "build-option-assumed"
    severity = Severity.WARNING
    since = "0.1.0"

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        if not ctx.profile_assumed:
            return
        assumed = build_for(ctx.table, ctx.profile, {}, ctx.target)
        overrides = {k: v for k, v in ctx.build.items() if assumed.get(k) != v}  # the user's --build-option
        plain = build_for(ctx.table, "default", overrides, ctx.target)
        changed = {k: v for k, v in ctx.build.items() if plain.get(k) != v}
        if not changed:
            return
        for group in ctx.groups:
            if not group.known or not group.verdict.runs_on_backend:
                continue
            without = decide(ctx.table, ctx.target, group.type_name, plain, group.facts)
            if without.runs_on_backend:
                continue
            hinge = {k: v for k, v in changed.items() if k in _options_named(without) | _options_named(group.verdict)}
            named = options_text(hinge or changed)
            yield ops_finding(
                ctx, group.ops,
                f"`{group.type_name}` ({counted(group.ops)}) hinges on {named}, which mnnlint assumed "
                f"(build profile {ctx.profile}, as no profile was named): with it, {said(ctx, group.verdict)}; "
                f"with MNN {ctx.release}'s CMake defaults, {said(ctx, without)}",
                fix=f"Name your build: --profile {ctx.profile} if MNN is built that way, or --build-option "
                    f"{', '.join(f'{k}=OFF' if v else f'{k}=ON' for k, v in sorted((hinge or changed).items()))} "
                    f"if it is not")


def _options_named(verdict: Verdict) -> set[str]:
    return set(verdict.option_bound)


def said(ctx: RuleContext, verdict: Verdict) -> str:
    """What MNN does with the op under this verdict, in a few words."""
    if verdict.shape_blocked:
        return "MNN has no shape function for it: `Compute Shape Error` at the first resize, and the model " \
               "cannot run on any backend"
    return {
        Status.CONSTANT: "it is computed once on the CPU at load",
        Status.SUPPORTED: f"it runs on {ctx.target}",
        Status.DECOMPOSED: f"it runs on {ctx.target}",
        Status.FALLBACK: f"{ctx.target} does not take it and it runs on the CPU backup",
        Status.UNRUNNABLE: f"neither {ctx.target} nor the CPU runs it: the model cannot run",
    }.get(verdict.status, "no backend is asked to run it")
