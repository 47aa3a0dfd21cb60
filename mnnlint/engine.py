"""Run the selected rules over one model for every (target, release) asked for.

The engine indexes the model's ops by type once, hands each rule only the ops it
declared, and collects what the rules yield. Which findings are shown, and at what
severity, is decided afterwards by policy; the engine never filters.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .capabilities import Capabilities, ReleaseTable
from .capabilities.backends import expand_target
from .diagnostics import Diagnostic
from .model import Model, Op
from .placement import Placement
from .rule import Rule, RuleContext


@dataclass(frozen=True)
class CheckPlan:
    targets: Sequence[str]  # canonical backend ids
    releases: Sequence[str]
    rules: Sequence[type[Rule]]
    profile: str | None = None  # None: choose per model (see Capabilities.default_profile)
    build_options: Mapping[str, bool] = field(default_factory=dict)
    rule_options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class CheckResult:
    diagnostics: list[Diagnostic]
    checked: list[tuple[str, str, str, str, Placement | None]]  # (target, release, profile, table commit, placement)


def check_model(model: Model, plan: CheckPlan, caps: Capabilities) -> CheckResult:
    by_type: dict[str, list[Op]] = defaultdict(list)
    all_ops = list(model.all_ops())
    for op in all_ops:
        by_type[op.type_label].append(op)
    rules = [rule_cls() for rule_cls in plan.rules]
    found: list[Diagnostic] = []
    checked = []
    graph = None
    known_types = sorted({op.type_name for op in all_ops if op.type_name is not None})
    placements: dict[Any, Placement] = {}
    for release in plan.releases:
        table = caps.release(release)
        profile = plan.profile or caps.default_profile(model, table)
        build = table.build(profile, plan.build_options)
        backends = [b for t in plan.targets for b in expand_target(t, build, set(table.backend_ids))]
        for target in dict.fromkeys(backends):
            present = table.has_op_table(target)
            placement = place_on(model, target, table, build, known_types, placements) if present else None
            checked.append((target, release, profile, table.commit, placement))
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
                    table=table, tables=caps, rule=rule, options=_options(rule, plan), _graph=graph,
                )
                found.extend(rule.check(ctx))
                graph = ctx._graph
    found.sort(key=Diagnostic.sort_key)
    return CheckResult(found, checked)


def place_on(model: Model, target: str, table: ReleaseTable, build: Mapping[str, bool], types: Iterable[str],
             memo: dict[Any, Placement]) -> Placement:
    """Where each op runs on `target`, from the same memoised verdicts the rules read.

    Placement depends only on where each op type runs (and which types are computed at
    load), so checks that agree on that, e.g. neighbouring releases, share one result.
    """
    from .capabilities.support import Status, decide, runs_in_module_layer
    from .placement import CPU, NOWHERE, TARGET, constant_ops, place_model

    build_key = tuple(sorted(build.items()))
    by_type: dict[str, str] = {}
    for name in types:
        key = (target, name, build_key)
        if key not in table.verdicts:
            table.verdicts[key] = decide(table, target, name, build)
        status = table.verdicts[key].status
        by_type[name] = CPU if status is Status.FALLBACK else NOWHERE if status is Status.UNRUNNABLE else TARGET
    never = frozenset(table.never_executed)
    memo_key = (target == "cpu", never, tuple(sorted(by_type.items())))
    if memo_key in memo:
        return dataclasses.replace(memo[memo_key], target=target)

    def runs_on(op: Op) -> str:
        if op.type_name is None:
            return NOWHERE
        if runs_in_module_layer(op.param_type):
            return TARGET
        return by_type[op.type_name]

    memo[memo_key] = place_model(model, target, runs_on, lambda ops: constant_ops(ops, never))
    return memo[memo_key]


def _options(rule: Rule, plan: CheckPlan) -> dict[str, Any]:
    given = plan.rule_options.get(rule.code, {})
    return {name: given.get(name, opt.default) for name, opt in rule.options.items()}
