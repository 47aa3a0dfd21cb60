"""Wording shared by the support rules, built from verdict data (never from literals)."""

from __future__ import annotations

from collections.abc import Sequence

from mnnlint.capabilities.support import Verdict, runs_in_module_layer
from mnnlint.model import Op
from mnnlint.rule import RuleContext

SHOWN_OPS = 3


def op_list(ops: Sequence[Op]) -> str:
    """`'attn' (#57), 'attn_1' (#91) and 4 more`."""
    shown = [f"'{op.name}' (#{op.index}{', ' + op.subgraph if op.subgraph else ''})" for op in ops[:SHOWN_OPS]]
    more = len(ops) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def options_text(needs: dict[str, bool] | None) -> str:
    return ", ".join(f"{k}={'ON' if v else 'OFF'}" for k, v in sorted((needs or {}).items()))


def why_not(ctx: RuleContext, verdict: Verdict) -> str:
    """Why the backend does not take the op: a build option, a decomposition, or nothing at all."""
    if verdict.blocked:
        where = verdict.blocked[0].where
        if verdict.needs:
            return f"its {ctx.target} execution ({where}) is compiled only with {options_text(dict(verdict.needs))}"
        cond = verdict.blocked[0].condition or "a build condition this profile does not meet"
        return f"its {ctx.target} execution ({where}) is compiled only under {cond}"
    if verdict.missing_parts:
        return (f"MNN rewrites it into {', '.join(verdict.into)}, and {ctx.target} lacks "
                f"{', '.join(verdict.missing_parts)}")
    return f"MNN {ctx.release} registers no {ctx.target} execution for it"


def group_by_type(ops: Sequence[Op]) -> dict[str, list[Op]]:
    """Ops by type, leaving out control flow the Module layer runs (not a backend)."""
    groups: dict[str, list[Op]] = {}
    for op in ops:
        if not runs_in_module_layer(op.param_type):
            groups.setdefault(op.type_label, []).append(op)
    return groups
