"""M001: the run-level rule, and the one to copy for run-level checks (`check_run`)."""

from __future__ import annotations

from collections.abc import Iterator

from mnnlint.diagnostics import Diagnostic, Severity
from mnnlint.rule import Rule, RunContext, SuppressionUse


class SuppressionUnused(Rule):
    """Suppression in the config file that hid no finding, or whose time is up.

    ## What it does
    Reports a `[[tool.mnnlint.suppress]]` entry that matched no finding in the models
    its `path` covers in this run, and one whose `until` has passed: a date before
    today, or an MNN release at or below the release being checked. An expired
    suppression no longer hides anything, so its finding is reported again beside
    this one. Suppressions whose path, target or rule were not part of the run (for
    example files pre-commit did not pass) are not reported.

    ## Why is this bad?
    A suppression outlives its reason: the model is re-exported without the op, or
    the MNN upgrade that was meant to fix it lands. Left in place, it silently hides
    the next real regression of the same kind.

    ## Example
        # pyproject.toml
        [[tool.mnnlint.suppress]]
        rule = "B002"
        path = "models/qwen2.mnn"
        reason = "CUDA build has MNN_SUPPORT_TRANSFORMER_FUSE=ON"
        until = "3.3.0"

        mnnlint models/ --target cuda --mnn-version 3.3.0

    ## How to fix
    - Delete a suppression that matches nothing.
    - Fix an expired finding, or renew the suppression with a new `until` and reason.
    """

    code = "M001"
    name = "unused-suppression"
    severity = Severity.WARNING
    since = "0.1.0"
    op_types = frozenset()  # nothing per model: this rule runs once per run, in check_run

    def check_run(self, ctx: RunContext) -> Iterator[Diagnostic]:
        for use in ctx.suppressions:
            found = self._expired(ctx, use) if use.expired_at is not None else self._unused(ctx, use)
            if found is not None:
                yield found

    @staticmethod
    def _where(ctx: RunContext, use: SuppressionUse) -> str:
        s = use.suppression
        return f"suppression #{s.index} in {ctx.config_label} ({s.describe()})"

    def _expired(self, ctx: RunContext, use: SuppressionUse) -> Diagnostic | None:
        s, d = use.suppression, use.expired_at
        assert d is not None
        until = (f"expired on {s.until_date.isoformat()}" if s.until_date
                 else f"applies only before MNN {s.until_release}, and {d.release} was checked")
        return ctx.diagnostic(
            file=d.file, op=d.op, target=d.target, release=d.release, profile=d.profile,
            message=f"{self._where(ctx, use)} {until}: the {s.rule} finding it covered is reported again",
            fix="Fix the finding, or renew the suppression with a new `until` and reason")

    def _unused(self, ctx: RunContext, use: SuppressionUse) -> Diagnostic | None:
        """Only suppressions whose rule ran and whose path and target were checked."""
        from mnnlint.policy import covers_target

        s = use.suppression
        if use.matched or s.rule not in ctx.selected:
            return None
        # the path once per model file, not once per (file, target, release) check: this phase has no
        # time limit, and 1,000 suppressions over 6 models checked on every release took 14 s
        covered: dict[str, bool] = {}
        scope = []
        for c in ctx.checked:
            if c.file not in covered:
                covered[c.file] = s.path.matches_file(c.file, ctx.root)
            if covered[c.file] and (s.target is None or covers_target(s.target, c.target)):
                scope.append(c)
        if not scope:
            return None
        first = scope[0]
        return ctx.diagnostic(
            file=first.file, target=first.target, release=first.release, profile=first.profile,
            message=f"{self._where(ctx, use)} matched no finding in the {len(scope)} model check(s) its path covers",
            fix="Delete the suppression: the finding it was written for is gone")
