"""One way in: `prepare()` builds a run, `Run.execute()` checks models. Used by the CLI and `lint()`.

    settings layers (config file, config profile, env, flags) --prepare--> Run
    Run.sources(paths) --> ModelSource | InputError, walked with the exclude globs
    per file, under its time limit: load -> engine per Profile -> Policy -> size bound
    after all files: run-phase rules (Rule.check_run, e.g. M001) -> RunResult
    the caller renders RunResult (CLI: reporter, baseline, exit code; lint(): a list)
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from .diagnostics import Diagnostic
from .errors import ConfigError, InputError
from .settings import PROFILE_KEYS, RUN_KEYS, Context, Layer, Profile, RunSettings, Source

if TYPE_CHECKING:
    from .capabilities import Capabilities
    from .config import Config
    from .inputs import ModelSource
    from .model import Model
    from .policy import Policy
    from .registry import Registry
    from .report import Checked

# A file whose findings would render to more than this is refused inside its time limit,
# so that no single model can make the report (the last, unbounded phase) explode.
MAX_REPORT_BYTES_PER_FILE = 32 << 20


class RunResult:
    """What a run found, after policy: the reporters and the exit code read only this."""

    def __init__(self) -> None:
        self.diagnostics: list[Diagnostic] = []  # after policy, one per finding, sorted
        self.threshold: dict[Diagnostic, int] = {}  # lowest failing severity that applies
        self.checked: list[Checked] = []
        self.input_errors: list[InputError] = []
        self.models = 0
        self.sources = 0  # paths found to check, readable or not
        self.side_files: list[str] = []  # weight files the models name (LLM configs are inputs of the walk)

    def inputs(self) -> list[str]:
        """Every file this run read or looked at: no output may be written over one of them."""
        return [*(c.file for c in self.checked), *(e.path for e in self.input_errors), *self.side_files]

    def failing(self, diagnostics: Iterable[Diagnostic]) -> bool:
        return any(int(d.severity) >= self.threshold.get(d, 3) for d in diagnostics)


def _side_files(source: ModelSource) -> list[str]:
    """The weight file MNN would read beside the model (also for LLM exports whose graph needs none)."""
    from .inputs import weight_file_for

    try:
        return [weight_file_for(source.path, source.llm)]
    except InputError:
        return []


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


class Run(NamedTuple):
    """Everything a run needs, validated: the profiles to check, the run-wide settings, the policy."""

    config: Config
    profiles: tuple[Profile, ...]  # the config profiles chosen, or the top level
    top: Profile  # the top level with the flags: severity and fail-on of run-phase findings
    settings: RunSettings
    registry: Registry
    caps: Capabilities

    @property
    def rules(self) -> list[type]:
        return sorted({r for p in self.profiles for r in p.rules}, key=lambda r: r.code)

    def sources(self, paths: Sequence[str | os.PathLike[str]],
                read: list[str] | None = None) -> Iterator[ModelSource | InputError]:
        """The models under `paths`; side files opened on the way are appended to `read`."""
        from .inputs import expand

        return expand([os.fspath(p) for p in paths], self.settings.exclude, self.config.root, read)

    def execute(self, sources: Iterable[ModelSource | InputError],
                on_input_error: Callable[[InputError], None] = lambda err: None) -> RunResult:
        """Check every source under every profile, then run the run-phase rules."""
        from .limits import time_limit
        from .loader import load
        from .policy import Policy

        policy = Policy(self.settings.suppress, self.config.root)
        result = RunResult()
        checked: dict[Checked, None] = {}
        for source in sources:
            result.sources += 1
            if isinstance(source, InputError):
                on_input_error(source)
                result.input_errors.append(source)
                continue
            result.side_files += _side_files(source)  # inputs even when the model itself fails to load
            try:
                with time_limit(self.settings.timeout_per_file or None, source.path):
                    model = load(source)
                    found, combos = self._check(model, policy)
            except InputError as err:
                on_input_error(err)
                result.input_errors.append(err)
                continue
            result.models += 1
            for d, threshold in found:
                result.threshold[d] = min(result.threshold.get(d, 99), threshold)
            checked.update((c, None) for c in combos)
        result.checked = list(checked)
        self._run_phase(result, policy)
        result.diagnostics = sorted(result.threshold, key=Diagnostic.sort_key)
        return result

    def _check(self, model: Model, policy: Policy) -> tuple[list[tuple[Diagnostic, int]], list[Checked]]:
        """One model under every profile, policy applied; bounded in report size."""
        from .engine import check_model
        from .report import Checked

        found, combos = [], []
        for profile in self.profiles:
            plan = profile if profile.targets else profile._replace(targets=tuple(default_targets(model)))
            result = check_model(model, plan, self.caps)
            found += [(d, profile.threshold) for d in policy.apply(result.diagnostics, profile)]
            combos += [Checked(model.path, c.target, c.release, c.profile, c.commit, build_options=c.build_options,
                               placement=c.placement)
                       for c in result.checked]
        size = sum(300 + len(d.message) + len(d.fix or "") + 200 * (1 + len(d.related)) for d, _ in found)
        if size > MAX_REPORT_BYTES_PER_FILE:
            raise InputError(model.path, f"{len(found)} findings would make a report of about {size >> 20} MB; "
                                         "check fewer releases, targets or rules at once")
        return found, combos

    def _run_phase(self, result: RunResult, policy: Policy) -> None:
        """Rules with a run phase (M001), once, after every model; severity and fail-on of the top level."""
        from .policy import Policy
        from .rule import RunContext

        selected = frozenset(r.code for p in self.profiles for r in p.rules)
        for rule_cls in self.rules:
            if not rule_cls.has_run_phase():
                continue
            ctx = RunContext(rule=rule_cls(), checked=result.checked, suppressions=policy.usage(),
                             selected=selected, config_label=self.config.label, root=self.config.root,
                             options=rule_cls.option_values(self.top.rule_options.get(rule_cls.code, {})))
            for d in ctx.rule.check_run(ctx):
                d = Policy.severity(d, self.top)
                result.threshold[d] = min(result.threshold.get(d, 99), self.top.threshold)

    def show_settings(self) -> dict[str, Any]:
        """The resolved settings, as `--show-settings` prints them."""
        return {
            "config-file": str(self.config.path) if self.config.path else None,
            "root": str(self.config.root),
            **{k: v for k, v in self.settings.as_dict().items() if k != "suppress"},
            "profiles": [{"name": p.name or None, **p.as_dict()} for p in self.profiles],
            "suppress": self.settings.as_dict()["suppress"],
        }


def prepare(
    *,
    flags: Mapping[str, Any] | None = None,
    flag_names: Mapping[str, str] | None = None,
    label: str = "command line",
    config: Path | None = None,
    discover: bool = False,
    config_profiles: Sequence[str] = (),
    env_format: str | None = None,
    cwd: Path | None = None,
) -> Run:
    """Build a Run: find and read the config, validate the flags, fold the layers.

    `flags` are settings in their TOML shape (`{"target": ["cuda"], "fail-on": "never"}`),
    validated by the same declarations as the config file; errors name `flag_names[key]`.
    `discover` looks for a config file from `cwd` upwards when `config` is None.
    """
    from .capabilities import Capabilities
    from .config import find_config, load_config
    from .registry import load_registry
    from .settings import resolve

    registry, caps = load_registry(), Capabilities()
    ctx = Context(registry, caps)
    here = Path(os.path.abspath(cwd or Path.cwd()))
    if config is None and discover:
        config = find_config(here)
    cfg = load_config(config, ctx, cwd=here)
    cli = Layer.parse({k: v for k, v in (flags or {}).items() if v is not None},
                      Source(label, flags=dict(flag_names or {})), ctx, PROFILE_KEYS | RUN_KEYS)
    env = (Layer.parse({"output-format": env_format}, Source("MNNLINT_OUTPUT_FORMAT"), ctx, RUN_KEYS)
           if env_format else Layer(Source("MNNLINT_OUTPUT_FORMAT")))
    names = list(dict.fromkeys(config_profiles))
    unknown = [n for n in names if n not in cfg.profiles]
    if unknown:
        known = ", ".join(sorted(cfg.profiles)) or "none"
        raise ConfigError(f"{cfg.label}: no profile {unknown[0]!r} under 'profiles' (defined: {known})")
    chosen = {n: cfg.profiles[n] for n in names or cfg.profiles}
    profiles = tuple(resolve(name, [cfg.top, layer, cli], ctx) for name, layer in chosen.items())
    top = resolve("", [cfg.top, cli], ctx)
    return Run(config=cfg, profiles=profiles or (top,), top=top, settings=RunSettings.fold([cfg.top, env, cli]),
               registry=registry, caps=caps)
