"""Checking models for every configured profile: shared by the CLI and `mnnlint.lint()`.

Each model file is read once and checked for each profile (its own targets, releases,
rules and build). Policy then applies the team's ignores, suppressions and severities
per profile; findings two profiles share are reported once. Which findings fail the
run is decided per profile (each has its own fail-on), so that is kept beside them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .config import Resolved
from .diagnostics import Diagnostic, Severity

if TYPE_CHECKING:
    from .capabilities import Capabilities
    from .inputs import ModelSource
    from .model import Model
    from .policy import Policy
    from .report import Checked


@dataclass
class RunResult:
    diagnostics: list[Diagnostic] = field(default_factory=list)  # after policy, one per finding, sorted
    threshold: dict[Diagnostic, int] = field(default_factory=dict)  # lowest failing severity that applies
    checked: list[Checked] = field(default_factory=list)
    input_errors: list[str] = field(default_factory=list)
    models: int = 0

    def failing(self, diagnostics: Iterable[Diagnostic]) -> bool:
        return any(int(d.severity) >= self.threshold.get(d, 3) for d in diagnostics)


def default_targets(model: Model) -> list[str]:
    """Where this model is meant to run, when the user did not say."""
    from .capabilities.backends import LLM_BACKEND_TYPES, canonical

    if model.llm is not None and model.llm.backend_type:
        found = LLM_BACKEND_TYPES.get(model.llm.backend_type.lower())
        if found:
            return [found]
    preferred = canonical(model.prefer_forward_type)
    if preferred and model.prefer_forward_type not in ("CPU", "AUTO"):
        return [preferred]
    return ["cpu"]


def run_check(
    sources: Iterable[ModelSource | Exception],
    profiles: Sequence[Resolved],
    caps: Capabilities,
    policy: Policy,
    timeout: float | None,
    on_input_error: Callable[[Exception], None] = lambda err: None,
    unused: tuple[Mapping[str, Severity], int] | None = None,
) -> RunResult:
    """Check every source under every profile. TableError propagates (a broken install).

    `unused` (the top level's severity overrides and failing threshold) asks for M001
    findings about suppressions that hid nothing or expired.
    """
    from .engine import CheckPlan, check_model
    from .errors import InputError
    from .limits import time_limit
    from .loader import load
    from .report import Checked

    result = RunResult()
    checked: dict[Checked, None] = {}
    for source in sources:
        if isinstance(source, Exception):
            on_input_error(source)
            result.input_errors.append(str(source))
            continue
        try:
            with time_limit(timeout or None, source.path):
                model = load(source)
                per_profile = []
                for profile in profiles:
                    plan = CheckPlan(targets=list(profile.targets) or default_targets(model),
                                     releases=list(profile.releases), rules=list(profile.rules),
                                     profile=profile.profile, build_options=profile.build_options,
                                     rule_options=profile.rule_options)
                    per_profile.append((profile, check_model(model, plan, caps)))
        except InputError as err:
            on_input_error(err)
            result.input_errors.append(str(err))
            continue
        result.models += 1
        for profile, found in per_profile:
            for d in policy.apply(found.diagnostics, profile):
                result.threshold[d] = min(result.threshold.get(d, 99), profile.threshold)
            checked.update((Checked(model.path, c.target, c.release, c.profile, c.commit, c.placement), None)
                           for c in found.checked)
    result.checked = list(checked)
    if unused is not None:
        add_unused(result, policy, profiles, *unused)
    result.diagnostics = sorted(result.threshold, key=Diagnostic.sort_key)
    return result


def lint(
    paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    targets: Sequence[str] | str | None = None,
    mnn_version: str = "latest",
    *,
    profile: str | None = None,
    build_options: Mapping[str, bool] | None = None,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] = (),
    config: str | os.PathLike[str] | None = None,
) -> list[Diagnostic]:
    """Check models and return their findings, as `mnnlint PATH --target …` would report them.

    No config file is read unless `config` names one (then its per-file ignores,
    suppressions and severities apply, and its profiles unless arguments override).
    Raises InputError for a file that is not a readable model, ConfigError for bad
    arguments or config, TableError for a broken install.
    """
    from .capabilities import Capabilities
    from .capabilities.backends import canonical
    from .config import ConfigError, Overrides, apply_overrides, chosen_profiles, load_config, resolve
    from .errors import InputError
    from .inputs import expand
    from .limits import DEFAULT_SECONDS
    from .policy import Policy
    from .registry import load_registry

    registry, caps = load_registry(), Capabilities()
    names = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    wanted = [targets] if isinstance(targets, str) else list(targets or [])
    canonical_targets = []
    for name in wanted:
        backend = canonical(name)
        if backend is None:
            raise ConfigError(f"unknown target {name!r}")
        canonical_targets.append(backend)
    cfg = load_config(Path(config) if config is not None else None, registry, caps)
    cli = Overrides(target=tuple(canonical_targets), mnn_version=mnn_version, profile=profile,
                    build_options=dict(build_options or {}), select=tuple(select or ()), ignore=tuple(ignore))
    profiles = [resolve(n, apply_overrides(s, cli), registry, caps, cfg.label)
                for n, s in chosen_profiles(cfg, []).items()]
    policy = Policy(cfg.suppress, cfg.root, cfg.label)
    errors: list[Exception] = []
    result = run_check(expand([os.fspath(p) for p in names], cfg.exclude), profiles, caps, policy,
                       cfg.timeout_per_file if cfg.timeout_per_file is not None else DEFAULT_SECONDS,
                       errors.append, unused=(cfg.top.severity, 99))
    if errors:
        raise errors[0] if isinstance(errors[0], InputError) else InputError(str(errors[0]), "unreadable")
    return result.diagnostics


def add_unused(result: RunResult, policy: Policy, profiles: Sequence[Resolved],
               severity: Mapping[str, Severity], threshold: int) -> None:
    """Report stale suppressions (when M001 is selected), after every finding was seen."""
    from .policy import UNUSED_CODE, severity_for
    from .registry import load_registry

    selected = {r.code for p in profiles for r in p.rules}
    rule = load_registry().get(UNUSED_CODE)
    if UNUSED_CODE not in selected or rule is None:
        return
    level = severity_for(UNUSED_CODE, severity) or rule.severity
    combos = [(c.file, c.target, c.release, c.profile) for c in result.checked]
    for d in policy.unused(combos, selected, rule.name, level):
        result.threshold[d] = min(result.threshold.get(d, 99), threshold)
