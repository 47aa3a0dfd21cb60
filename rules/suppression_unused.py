from __future__ import annotations

from collections.abc import Iterator

from mnnlint.diagnostics import Diagnostic, Severity
from mnnlint.rule import Rule, RuleContext


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
    # Produced by mnnlint.policy after every rule ran; the engine gives it no ops.
    op_types = frozenset()

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        return iter(())
