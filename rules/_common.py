"""Wording shared by the support rules, built from verdict data (never from literals)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from mnnlint.capabilities.support import Status, Verdict
from mnnlint.diagnostics import Diagnostic, Severity
from mnnlint.model import Op
from mnnlint.rule import OpGroup, RuleContext

SHOWN_OPS = 3
# Build profiles that stand for one CMake switch a user passes (README: build profiles).
PROFILE_SWITCH = {"build-llm": "MNN_BUILD_LLM=ON"}


def plural(count: int, noun: str) -> str:
    """`1 op`, `3 ops`."""
    return f"{count} {noun}{'s' * (count != 1)}"


def op_list(ops: Sequence[Op]) -> str:
    """`'attn' (#57), 'attn_1' (#91) and 4 more`."""
    shown = [f"'{op.name}' (#{op.index}{', ' + op.subgraph if op.subgraph else ''})" for op in ops[:SHOWN_OPS]]
    more = len(ops) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def counted(ops: Sequence[Op]) -> str:
    """`2 ops: 'a' (#1), 'b' (#2)`."""
    return f"{plural(len(ops), 'op')}: {op_list(ops)}"


def ops_finding(ctx: RuleContext, ops: Sequence[Op], message: str, *, fix: str,
                severity: Severity | None = None) -> Diagnostic:
    """One finding for ops that share one cause: at the first op, the others related and counted.

    A model with 300 such ops gets one line in every report, not 300; the message says
    how many (`counted`), and the reports that list locations (JSON, SARIF, JUnit) name
    the others from `related`.
    """
    return ctx.diagnostic(ops[0], message, fix=fix, severity=severity, related=ops[1:], count=len(ops))


def options_text(needs: Mapping[str, bool] | None) -> str:
    return ", ".join(f"{k}={'ON' if v else 'OFF'}" for k, v in sorted((needs or {}).items()))


def sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def groups_with(ctx: RuleContext, *statuses: Status, fused: bool | None = None) -> list[OpGroup]:
    """The context's op groups of known type whose verdict has one of `statuses`.

    `fused` True keeps only fused transformer op types, False leaves them out.
    """
    out = []
    for group in ctx.groups:
        if not group.known or group.verdict.status not in statuses:
            continue
        if fused is not None and (group.type_name in ctx.table.fused_op_types) != fused:
            continue
        out.append(group)
    return out


def setter_text(ctx: RuleContext, option: str) -> str:
    """` (MNN_BUILD_LLM=ON sets it from 3.2.4)`, from the tables: the first release whose
    profile standing for one switch sets `option`; empty when none does."""
    for profile, switch in PROFILE_SWITCH.items():
        for release in ctx.tables.releases:
            if release == "HEAD":
                continue
            table = ctx.tables.release(release)
            if profile in table.profiles and table.build(profile, {}).get(option):
                return f" ({switch} sets it from MNN {release})"
    return ""


def build_text(ctx: RuleContext, needs: Mapping[str, bool]) -> str:
    """`MNN_SUPPORT_TRANSFORMER_FUSE=ON (MNN_BUILD_LLM=ON sets it from MNN 3.2.4)`."""
    text = options_text(needs)
    if len(needs) == 1:
        (option, value), = needs.items()
        if value:
            text += setter_text(ctx, option)
    return text


def gained_text(ctx: RuleContext, type_name: str) -> str | None:
    """`use MNN 3.2.1 or later built with X=ON`: where the target gains the op, or None."""
    gained = ctx.tables.gained(ctx.target, type_name, ctx.release)
    if gained is None:
        return None
    release, reg = gained
    built = f" built with {build_text(ctx, ctx.table_options(reg.requires))}" if reg.requires else ""
    return f"use MNN {release} or later{built}, where {ctx.target} has it"


def release_or_build_fix(ctx: RuleContext, group: OpGroup) -> str | None:
    """The one fix that keeps the model as it is: the build option, else the release, that adds the op."""
    verdict = group.verdict
    if verdict.option_bound:
        return f"build MNN {ctx.release} with {build_text(ctx, verdict.option_bound)}"
    if not verdict.blocked:
        parts = [p for p in verdict.missing_parts if p != group.type_name] or [group.type_name]
        return gained_text(ctx, parts[0])
    return None


def raw_op_text(ctx: RuleContext, type_name: str) -> str:
    """`coreml runs as Compiler_Geometry: MNN hands it `GatherV2` without its Loop rewrite`."""
    compiler = ctx.table.compiler(ctx.target)
    rewrite = "its Loop rewrite" if compiler == "Compiler_Geometry" else "any geometry rewrite"
    return f"{ctx.target} runs as {compiler}: MNN hands it `{type_name}` without {rewrite}"


def why_not(ctx: RuleContext, type_name: str, verdict: Verdict) -> str:
    """Why the backend does not take the op: a build option, a decomposition, the raw op, or nothing."""
    if verdict.blocked and type_name in verdict.missing_parts:
        where = verdict.blocked[0].where
        if verdict.needs:
            return f"its {ctx.target} execution ({where}) is compiled only with {options_text(verdict.needs)}"
        cond = verdict.blocked[0].condition or "a build condition this profile does not meet"
        return f"its {ctx.target} execution ({where}) is compiled only under {cond}"
    if verdict.raw_to_backup:
        return f"{raw_op_text(ctx, type_name)}, and {ctx.target} registers no `{type_name}` itself"
    others = [p for p in verdict.missing_parts if p != type_name]
    if others:
        return (f"MNN rewrites it into {', '.join(verdict.into)}, and {ctx.target} lacks "
                f"{', '.join(others)}")
    return f"MNN {ctx.release} registers no {ctx.target} execution for it"
