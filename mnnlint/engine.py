"""Run the selected rules over one model for every (target, release) asked for.

The engine indexes the model's ops by type once, hands each rule only the ops it
declared, and collects what the rules yield. Which findings are shown, and at what
severity, is decided afterwards by policy; the engine never filters.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from .capabilities import Capabilities
from .capabilities.backends import expand_target
from .diagnostics import Diagnostic
from .model import Model, Op
from .rule import RuleContext
from .settings import Profile


@dataclass(frozen=True)
class CheckResult:
    diagnostics: list[Diagnostic]
    checked: list[tuple[str, str, str, str]]  # (target, release, profile, table commit)


def check_model(model: Model, plan: Profile, caps: Capabilities) -> CheckResult:
    """Check `model` for the targets, releases, build and rules of `plan` (its targets set)."""
    by_type: dict[str, list[Op]] = defaultdict(list)
    all_ops = list(model.all_ops())
    for op in all_ops:
        by_type[op.type_label].append(op)
    rules = [rule_cls() for rule_cls in plan.rules]
    found: list[Diagnostic] = []
    checked = []
    graph = None
    for release in plan.releases:
        table = caps.release(release)
        profile = plan.build_profile or caps.default_profile(model, table)
        build = table.build(profile, plan.build_options)
        backends = [b for t in plan.targets for b in expand_target(t, build, set(table.backend_ids))]
        for target in dict.fromkeys(backends):
            present = table.has_op_table(target)
            checked.append((target, release, profile, table.commit))
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
                )
                found.extend(rule.check(ctx))
                graph = ctx._graph
    found.sort(key=Diagnostic.sort_key)
    return CheckResult(found, checked)

