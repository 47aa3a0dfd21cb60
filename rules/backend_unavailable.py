from __future__ import annotations

from collections.abc import Iterator

from mnnlint.diagnostics import Diagnostic, Severity
from mnnlint.rule import Rule, RuleContext


class BackendUnavailable(Rule):
    """Target backend that the MNN release does not have at all.

    ## What it does
    Reports a target backend that does not exist in the source tree of the target
    release (for example QNN before MNN added it), so that no op can run on it. A
    backend whose folder exists but registers no executions in MNN's source (its
    kernels ship elsewhere, as NeuroPilot's) is reported as info: mnnlint cannot
    check it.

    ## Why is this bad?
    An app that asks MNN for a backend the library was not built with gets the CPU
    instead, silently: every op falls back.

    ## Example
        mnnlint model.mnn --target qnn --mnn-version 2.8.0

    ## How to fix
    - Use a release that has the backend (the message names the first one).
    - Choose another target.
    """

    code = "B004"
    name = "backend-unavailable"
    severity = Severity.ERROR
    since = "0.1.0"
    without_backend = True

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        if ctx.table.has_op_table(ctx.target):
            return
        if ctx.table.has_backend(ctx.target):
            folder = ctx.table.backend(ctx.target).get("dir", f"source/backend/{ctx.target}")
            yield ctx.diagnostic(
                None,
                f"MNN {ctx.release} has a {ctx.target} backend, but {folder} registers no op executions in "
                f"MNN's source (its kernels ship elsewhere), so mnnlint cannot tell which ops run there",
                severity=Severity.INFO,
                fix="Check the vendor's op list for this backend, or lint for a backend mnnlint has tables for",
            )
            return
        tagged = [r for r in ctx.tables.releases if r != "HEAD"]
        here = tagged.index(ctx.release) if ctx.release in tagged else len(tagged)
        having = [i for i, r in enumerate(tagged) if ctx.tables.release(r).has_backend(ctx.target)]
        later = [i for i in having if i > here]
        if later:
            fix = f"Use MNN {tagged[later[0]]} or later, which has it"
        elif having:
            fix = f"Use MNN {tagged[having[-1]]}, the last release that has it, or choose another target"
        else:
            fix = "Choose another target backend"
        yield ctx.diagnostic(None, f"MNN {ctx.release} has no {ctx.target} backend: every op runs on the CPU",
                             fix=fix)
