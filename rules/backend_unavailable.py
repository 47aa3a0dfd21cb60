from __future__ import annotations

from collections.abc import Iterator

from mnnlint.diagnostics import Diagnostic, Severity
from mnnlint.rule import Rule, RuleContext


class BackendUnavailable(Rule):
    """Target backend that the MNN release does not have at all.

    ## What it does
    Reports a target backend that does not exist in the source tree of the target
    release (for example QNN before MNN added it), so that no op can run on it.

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
    without_backend = True

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        if ctx.table.has_backend(ctx.target):
            return
        later = [r for r in ctx.tables.releases if r != "HEAD" and ctx.tables.release(r).has_backend(ctx.target)]
        fix = f"Use MNN {later[0]} or later, which has it" if later else "Choose another target backend"
        yield ctx.diagnostic(None, f"MNN {ctx.release} has no {ctx.target} backend: every op runs on the CPU",
                             fix=fix)
