"""Run the selected rules over one model for every (target, release) asked for.

The engine indexes the model's ops by type once, decides once per (target, release,
build) how MNN handles each op (`support.decide`, with the op's constness from the
graph), hands the rules that want every op those decisions grouped by type, hands the
others only the ops they declared, and collects what the rules yield. Which findings
are shown, and at what severity, is decided afterwards by policy; the engine never filters.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from .capabilities import Capabilities, ReleaseTable
from .capabilities.backends import expand_target
from .capabilities.support import OpFacts, Verdict, decide
from .diagnostics import Diagnostic
from .model import Model, Op
from .placement import Placement
from .rule import OpGroup, RuleContext
from .settings import Profile

# The build profile mnnlint assumes when the user names none: the LLM build MNN documents
# (docs/transformers/llm.md) for LLM export folders and models holding transformer-fused
# ops, which are made for MNN's LLM runtime; the release's CMake defaults otherwise. The
# options the assumption sets are named in every report header, and a verdict that is
# clean only because of one of them is a finding of its own (B005).
ASSUMED_PROFILE_LLM = "llm"
ASSUMED_PROFILE = "default"


class CheckedEntry(NamedTuple):
    """One (target, release) checked for a model, and the build it was checked against."""

    target: str
    release: str
    profile: str
    commit: str
    # "NAME=ON|OFF" for each CMake option the profile and --build-option set beyond the
    # release's defaults for this target, sorted by name.
    build_options: tuple[str, ...] = ()
    profile_assumed: bool = False  # chosen by mnnlint: the user named no profile
    placement: Placement | None = None  # None: the target has no op table


class CheckResult(NamedTuple):
    """One model's findings, before policy, and every (target, release) it was checked for."""

    diagnostics: list[Diagnostic]
    checked: list[CheckedEntry]


def assumed_profile(model: Model, table: ReleaseTable) -> str:
    """The build profile to assume for `model` when the user names none."""
    made_for_llm = model.llm is not None or bool(table.fused_op_types & set(model.type_histogram()))
    return ASSUMED_PROFILE_LLM if made_for_llm and ASSUMED_PROFILE_LLM in table.profiles else ASSUMED_PROFILE


def build_for(table: ReleaseTable, profile: str, overrides: Mapping[str, bool], target: str | None) -> dict[str, bool]:
    """CMake option values for `profile` + `overrides`, evaluated with the target's switch ON
    when the release has that backend (ReleaseTable.build(..., target=...))."""
    return table.build(profile, overrides, target=target if target is not None and table.has_backend(target) else None)


def options_beyond_defaults(table: ReleaseTable, build: Mapping[str, bool], target: str | None) -> tuple[str, ...]:
    """`NAME=ON|OFF` for each option `build` sets differently from the release's defaults."""
    defaults = build_for(table, "default", {}, target)
    return tuple(f"{k}={'ON' if v else 'OFF'}" for k, v in sorted(build.items()) if defaults.get(k) != v)


def check_model(model: Model, plan: Profile, caps: Capabilities) -> CheckResult:
    """Check `model` for the targets, releases, build and rules of `plan` (its targets set)."""
    by_type: dict[str, list[Op]] = defaultdict(list)
    all_ops = list(model.all_ops())
    for op in all_ops:
        by_type[op.type_label].append(op)
    rules = [rule_cls() for rule_cls in plan.rules]
    placements: dict[Any, Placement] = {}
    found: list[Diagnostic] = []
    checked = []
    graph = None
    facts_by_signature: dict[tuple[object, ...], dict[int, OpFacts]] = {}  # releases that agree share them
    for release in plan.releases:
        table = caps.release(release)
        profile = plan.build_profile or assumed_profile(model, table)
        release_build = table.build(profile, plan.build_options)
        backends = [b for t in plan.targets for b in expand_target(t, release_build, set(table.backend_ids))]
        facts: dict[int, OpFacts] = {}
        if all_ops:  # placement reads every op's verdict, whatever the rules want
            signature = _constness_signature(table, by_type, all_ops)
            if signature not in facts_by_signature:
                facts_by_signature[signature] = _op_facts(model, table)
            facts = facts_by_signature[signature]
        for target in dict.fromkeys(backends):
            build = build_for(table, profile, plan.build_options, target)
            present = table.has_op_table(target)
            groups = _groups(table, target, build, all_ops, facts) if present else ()
            placement = place_groups(model, target, all_ops, groups, placements) if present else None
            checked.append(CheckedEntry(target, release, profile, table.commit,
                                        options_beyond_defaults(table, build, target), plan.build_profile is None,
                                        placement))
            for rule in rules:
                if not present and not rule.without_backend:
                    continue
                if rule.op_types is None:
                    ops: Sequence[Op] = all_ops
                else:
                    ops = [op for t in sorted(rule.op_types) for op in by_type.get(t, ())]
                    if not ops:
                        continue
                ctx = RuleContext(
                    model=model, ops=ops, target=target, release=release, profile=profile, build=build,
                    table=table, tables=caps, rule=rule, _graph=graph,
                    options=rule.option_values(plan.rule_options.get(rule.code, {})),
                    groups=groups, profile_assumed=plan.build_profile is None,
                )
                found.extend(rule.check(ctx))
                graph = ctx._graph
    found.sort(key=Diagnostic.sort_key)
    return CheckResult(found, checked)


def _constness_signature(table: ReleaseTable, by_type: Mapping[str, Sequence[Op]],
                         ops: Sequence[Op]) -> tuple[object, ...]:
    """The release facts constness depends on, for the op types of this model."""
    from .capabilities import support

    per_type = tuple((t, support.content_free(table, t), support.content_free_inputs(table, t),
                      support.shape_content_inputs(table, t)) for t in sorted(by_type))
    params = {(op.type_label, op.param_type) for op in ops}
    module = tuple(sorted(p for p in params if support.runs_in_module_layer(table, *p)))
    return per_type + module


def place_groups(model: Model, target: str, all_ops: Sequence[Op], groups: Sequence[OpGroup],
                 memo: dict[Any, Placement]) -> Placement:
    """Where each op runs on `target`, from the verdicts the rules read (constness included).

    Placement depends only on each op's status, so checks that agree on every status,
    e.g. neighbouring releases, share one result.
    """
    from .capabilities.support import Status
    from .placement import CPU, NOWHERE, TARGET, place_model

    status = {id(op): g.verdict.status for g in groups for op in g.ops}
    key = (target == "cpu", tuple(status.get(id(op)) for op in all_ops))
    if key in memo:
        return memo[key]._replace(target=target)
    where = {Status.FALLBACK: CPU, Status.UNRUNNABLE: NOWHERE}

    def runs_on(op: Op) -> str:
        found = status.get(id(op))
        return NOWHERE if found is None else where.get(found, TARGET)  # None: an unknown type id

    def constant(ops: Sequence[Op]) -> set[int]:
        return {op.index for op in ops if status.get(id(op)) is Status.CONSTANT}

    memo[key] = place_model(model, target, runs_on, constant)
    return memo[key]


def _op_facts(model: Model, table: ReleaseTable) -> dict[int, OpFacts]:
    """What decides each op's verdict besides its type, constness included (keyed by id(op))."""
    from .capabilities import support
    from .constness import constant_ops
    from .graph import node_key

    constant = constant_ops(
        model,
        content_free=lambda t: support.content_free(table, t),
        content_free_inputs=lambda t: support.content_free_inputs(table, t),
        shape_inputs=lambda t: support.shape_content_inputs(table, t),
        module_layer=lambda t, param: support.runs_in_module_layer(table, t, param),
    )
    return {id(op): OpFacts(op.param_type, len(op.inputs), node_key(op) in constant) for op in model.all_ops()}


def _groups(table: ReleaseTable, target: str, build: Mapping[str, bool], ops: Sequence[Op],
            facts: Mapping[int, OpFacts]) -> tuple[OpGroup, ...]:
    """The model's ops grouped by type and verdict, each op type decided once per distinct facts.

    Ops whose type id the schema does not know get no group: no verdict exists for them.
    """
    build_key = tuple(sorted(build.items()))
    by_type: dict[str, list[tuple[Verdict, OpFacts, list[Op]]]] = {}
    for op in ops:
        if op.type_name is None:  # an id this schema does not know: no verdict (V001 reports it)
            continue
        op_facts = facts.get(id(op)) or OpFacts(op.param_type, len(op.inputs))
        key = (target, op.type_name, op_facts, build_key)
        verdict = table.verdicts.get(key)
        if verdict is None:
            verdict = table.verdicts[key] = decide(table, target, op.type_name, build, op_facts)
        groups = by_type.setdefault(op.type_label, [])
        for seen, _, members in groups:
            if seen == verdict:
                members.append(op)
                break
        else:
            groups.append((verdict, op_facts, [op]))
    return tuple(OpGroup(name, verdict, tuple(members), first) for name, groups in by_type.items()
                 for verdict, first, members in groups)

