"""Find, parse and validate mnnlint's configuration file.

Settings live in `[tool.mnnlint]` of `pyproject.toml`, or at the top level of
`mnnlint.toml` / `.mnnlint.toml`; the closest such file from the current folder
upwards wins, and `--config FILE` names one outright. Everything is checked here,
once, so a typo in a key, a value or a rule code stops the run with one line that
names the file and the key (exit 2) instead of being silently ignored.

Config files only ever hold data: rules load from installed entry points, never from
a module or a path a config file names.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from .diagnostics import Severity

if TYPE_CHECKING:
    from .capabilities import Capabilities
    from .registry import Registry
    from .rule import Rule

CONFIG_FILES = (".mnnlint.toml", "mnnlint.toml", "pyproject.toml")  # precedence within one folder
FAIL_ON = ("error", "warning", "info", "never")
FAIL_THRESHOLD = {"error": Severity.ERROR, "warning": Severity.WARNING, "info": Severity.INFO, "never": 99}
# Keys a named profile may set; the others hold for the whole run.
PROFILE_KEYS = frozenset({
    "target", "mnn-version", "profile", "build-options", "select", "extend-select", "ignore",
    "per-file-ignores", "severity", "fail-on", "rules",
})
RUN_KEYS = frozenset({"output-format", "exclude", "timeout-per-file", "suppress", "profiles"})
SUPPRESS_KEYS = frozenset({"rule", "path", "op-type", "op-name", "target", "reason", "until"})
# Keys other linters use to import code; named so the refusal says why.
CODE_KEYS = frozenset({"plugins", "plugin", "load-plugins", "rule-paths", "rules-path", "extend-rules", "modules"})
_RELEASE = re.compile(r"\d+(\.\d+){0,2}")


class ConfigError(Exception):
    """A bad config file: one line naming the file and the key, exit 2."""


@dataclass(frozen=True)
class Suppression:
    """One `[[tool.mnnlint.suppress]]` entry: which findings it hides, and why."""

    index: int  # 1-based position in the file, for messages
    rule: str
    path: str
    reason: str
    op_type: str | None = None
    op_name: str | None = None
    target: str | None = None
    until_date: dt.date | None = None
    until_release: str | None = None

    def describe(self) -> str:
        parts = [f"rule {self.rule}", f"path {self.path!r}"]
        parts += [f"{k} {v!r}" for k, v in (("op-type", self.op_type), ("op-name", self.op_name),
                                              ("target", self.target)) if v]
        return ", ".join(parts)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"rule": self.rule, "path": self.path, "reason": self.reason}
        for key, value in (("op-type", self.op_type), ("op-name", self.op_name), ("target", self.target),
                           ("until", self.until_date.isoformat() if self.until_date else self.until_release)):
            if value:
                out[key] = value
        return out


@dataclass(frozen=True)
class Settings:
    """The settings of one profile as written (None: not set here), before CLI flags."""

    target: tuple[str, ...] | None = None
    mnn_version: str | None = None
    profile: str | None = None
    build_options: Mapping[str, bool] = field(default_factory=dict)
    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    per_file_ignores: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    severity: Mapping[str, Severity] = field(default_factory=dict)
    fail_on: str | None = None
    rules: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def under(self, base: Settings) -> Settings:
        """These settings on top of `base`: scalars replace, tables merge key by key."""
        return Settings(
            target=self.target if self.target is not None else base.target,
            mnn_version=self.mnn_version or base.mnn_version,
            profile=self.profile or base.profile,
            build_options={**base.build_options, **self.build_options},
            select=self.select if self.select is not None else base.select,
            extend_select=self.extend_select or base.extend_select,
            ignore=self.ignore or base.ignore,
            per_file_ignores={**base.per_file_ignores, **self.per_file_ignores},
            severity={**base.severity, **self.severity},
            fail_on=self.fail_on or base.fail_on,
            rules={c: {**base.rules.get(c, {}), **self.rules.get(c, {})} for c in {*base.rules, *self.rules}},
        )


@dataclass(frozen=True)
class Config:
    """A parsed, validated config file (or the empty one when there is none)."""

    path: Path | None
    root: Path  # globs (per-file-ignores, suppress paths) are relative to this folder
    top: Settings = field(default_factory=Settings)
    profiles: Mapping[str, Settings] = field(default_factory=dict)  # already on top of `top`
    output_format: str | None = None
    exclude: tuple[str, ...] = ()
    timeout_per_file: float | None = None
    suppress: tuple[Suppression, ...] = ()

    @property
    def label(self) -> str:
        return str(self.path) if self.path else "command line"


@dataclass(frozen=True)
class Resolved:
    """One profile ready to run: every value checked and defaults filled in."""

    name: str  # "" for the top level when there are no named profiles
    targets: tuple[str, ...]  # canonical; empty: the model's own default
    mnn_version: str
    releases: tuple[str, ...]
    profile: str | None
    build_options: Mapping[str, bool]
    rules: tuple[type[Rule], ...]
    per_file_ignores: Mapping[str, tuple[str, ...]]
    severity: Mapping[str, Severity]
    fail_on: str
    rule_options: Mapping[str, Mapping[str, Any]]

    @property
    def threshold(self) -> int:
        return int(FAIL_THRESHOLD[self.fail_on])

    def as_dict(self) -> dict[str, Any]:
        return {
            "target": list(self.targets) or "model default", "mnn-version": self.mnn_version,
            "releases": list(self.releases), "profile": self.profile or "auto",
            "build-options": dict(self.build_options), "rules-enabled": [r.code for r in self.rules],
            "per-file-ignores": {k: list(v) for k, v in self.per_file_ignores.items()},
            "severity": {k: str(v) for k, v in self.severity.items()}, "fail-on": self.fail_on,
            "rules": {k: dict(v) for k, v in self.rule_options.items()},
        }


# --- finding --------------------------------------------------------------------------


def find_config(start: Path) -> Path | None:
    """The closest config file from `start` upwards; a pyproject.toml counts only with [tool.mnnlint]."""
    for folder in (start, *start.parents):
        for name in CONFIG_FILES:
            candidate = folder / name
            if not candidate.is_file():
                continue
            if name != "pyproject.toml" or _has_tool_table(candidate):
                return candidate
    return None


def _has_tool_table(path: Path) -> bool:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False
    return isinstance(data.get("tool"), dict) and "mnnlint" in data["tool"]


# --- parsing --------------------------------------------------------------------------


def load_config(path: Path | None, registry: Registry, caps: Capabilities, cwd: Path | None = None) -> Config:
    """Parse and validate `path`; None gives the empty config rooted at `cwd`."""
    if path is None:
        return Config(path=None, root=Path(os.path.abspath(cwd or Path.cwd())))
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"{path}: cannot read config file: {err}") from None
    return parse_config(text, path, registry, caps)


def parse_config(text: str, path: Path, registry: Registry, caps: Capabilities) -> Config:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}: not valid TOML: {err}") from None
    section = "[tool.mnnlint]" if path.name == "pyproject.toml" else "top level"
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("mnnlint", {})
    return _Parser(path, registry, caps).config(data, section)


class _Parser:
    def __init__(self, path: Path, registry: Registry, caps: Capabilities) -> None:
        self.path, self.registry, self.caps = path, registry, caps

    def fail(self, where: str, key: str, problem: str) -> ConfigError:
        return ConfigError(f"{self.path}: {where} key '{key}': {problem}")

    def config(self, data: Mapping[str, Any], where: str) -> Config:
        self.check_keys(data, PROFILE_KEYS | RUN_KEYS, where)
        top = self.settings(data, where)
        profiles = {}
        raw_profiles = data.get("profiles", {})
        if not isinstance(raw_profiles, dict):
            raise self.fail(where, "profiles", "must be a table of named profiles")
        for name, body in raw_profiles.items():
            here = f"[{'tool.mnnlint.' if where.startswith('[') else ''}profiles.{name}]"
            if not isinstance(body, dict):
                raise self.fail(where, f"profiles.{name}", "must be a table")
            self.check_keys(body, PROFILE_KEYS, here)
            profiles[name] = self.settings(body, here).under(top)
        timeout = data.get("timeout-per-file")
        if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, (int, float))
                                    or timeout < 0):
            raise self.fail(where, "timeout-per-file", f"must be a number of seconds >= 0, not {timeout!r}")
        fmt = data.get("output-format")
        if fmt is not None:
            from .report import FORMATS

            if fmt not in FORMATS:
                raise self.fail(where, "output-format", f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
        return Config(
            path=self.path, root=Path(os.path.abspath(self.path)).parent, top=top, profiles=profiles, output_format=fmt,
            exclude=self.strings(data, "exclude", where) or (),
            timeout_per_file=float(timeout) if timeout is not None else None,
            suppress=self.suppressions(data.get("suppress", []), where),
        )

    def check_keys(self, data: Mapping[str, Any], allowed: frozenset[str], where: str) -> None:
        for key in data:
            if key in CODE_KEYS:
                raise self.fail(where, key, "mnnlint loads rules only from installed packages (entry point "
                                            "group mnnlint.rules), never from a module a config file names")
            if key not in allowed:
                hint = " (allowed at the top level only)" if key in RUN_KEYS else ""
                raise self.fail(where, key, f"unknown key{hint}")

    def settings(self, data: Mapping[str, Any], where: str) -> Settings:
        from .capabilities import TableError
        from .capabilities.backends import canonical

        targets = self.strings(data, "target", where)
        if targets is not None:
            for name in targets:
                if canonical(name) is None:
                    raise self.fail(where, "target", f"unknown target {name!r}; `mnnlint targets` lists them")
            targets = tuple(dict.fromkeys(canonical(t) or t for t in targets))
        version = data.get("mnn-version")
        if version is not None:
            if not isinstance(version, str):
                raise self.fail(where, "mnn-version", f"must be a string such as \"3.2.0\", not {version!r}")
            try:
                self.caps.resolve_versions(version)
            except TableError as err:
                raise self.fail(where, "mnn-version", str(err)) from None
        build_profile = data.get("profile")
        if build_profile is not None:
            known = sorted(self.caps.release(self.caps.latest).profiles)
            if build_profile not in known:
                raise self.fail(where, "profile", f"unknown build profile {build_profile!r}; choose from "
                                                  f"{', '.join(known)} (named config profiles go under 'profiles')")
        options = data.get("build-options", {})
        if not isinstance(options, dict) or not all(isinstance(v, bool) for v in options.values()):
            raise self.fail(where, "build-options", "must be a table of NAME = true | false")
        fail_on = data.get("fail-on")
        if fail_on is not None and fail_on not in FAIL_ON:
            raise self.fail(where, "fail-on", f"must be one of {', '.join(FAIL_ON)}, not {fail_on!r}")
        return Settings(
            target=targets, mnn_version=version, profile=build_profile, build_options=dict(options),
            select=self.codes(data, "select", where), extend_select=self.codes(data, "extend-select", where) or (),
            ignore=self.codes(data, "ignore", where) or (), per_file_ignores=self.per_file_ignores(data, where),
            severity=self.severity(data, where), fail_on=fail_on, rules=self.rule_options(data, where),
        )

    def strings(self, data: Mapping[str, Any], key: str, where: str) -> tuple[str, ...] | None:
        value = data.get(key)
        if value is None:
            return None
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.fail(where, key, f"must be a string or a list of strings, not {value!r}")
        return tuple(v.strip() for v in value)

    def codes(self, data: Mapping[str, Any], key: str, where: str, value: Any = None) -> tuple[str, ...] | None:
        found = self.strings({key: value if value is not None else data.get(key)}, key, where)
        if found is None:
            return None
        for code in found:
            if not self.registry.matching(code):
                raise self.fail(where, key, f"unknown rule code or prefix {code!r} (see mnnlint rule --all)")
        return tuple(c.upper() for c in found)

    def per_file_ignores(self, data: Mapping[str, Any], where: str) -> dict[str, tuple[str, ...]]:
        table = data.get("per-file-ignores", {})
        if not isinstance(table, dict):
            raise self.fail(where, "per-file-ignores", "must be a table of GLOB = [CODES]")
        return {glob: self.codes(table, f"per-file-ignores.{glob}", where, table[glob]) or ()
                for glob in table}

    def severity(self, data: Mapping[str, Any], where: str) -> dict[str, Severity]:
        table = data.get("severity", {})
        if not isinstance(table, dict):
            raise self.fail(where, "severity", "must be a table of CODE = \"error\" | \"warning\" | \"info\"")
        out = {}
        for code, level in table.items():
            self.codes(table, f"severity.{code}", where, code)
            if level not in ("error", "warning", "info"):
                raise self.fail(where, f"severity.{code}", f"must be error, warning or info, not {level!r}")
            out[code.upper()] = Severity.parse(level)
        return out

    def rule_options(self, data: Mapping[str, Any], where: str) -> dict[str, dict[str, Any]]:
        table = data.get("rules", {})
        if not isinstance(table, dict):
            raise self.fail(where, "rules", "must be a table of [rules.CODE] tables")
        out: dict[str, dict[str, Any]] = {}
        for code, options in table.items():
            rule = self.registry.get(code)
            if rule is None:
                raise self.fail(where, f"rules.{code}", f"unknown rule code {code!r} (see mnnlint rule --all)")
            if not isinstance(options, dict):
                raise self.fail(where, f"rules.{code}", "must be a table of option = value")
            for name, value in options.items():
                option = rule.options.get(name)
                if option is None:
                    known = ", ".join(sorted(rule.options)) or "none"
                    raise self.fail(where, f"rules.{code}.{name}", f"{rule.code} has no such option (options: {known})")
                if not _fits(value, option.type):
                    raise self.fail(where, f"rules.{code}.{name}",
                                    f"must be {option.type.__name__}, not {type(value).__name__} {value!r}")
            out[rule.code] = dict(options)
        return out

    def suppressions(self, entries: Any, where: str) -> tuple[Suppression, ...]:
        if not isinstance(entries, list):
            raise self.fail(where, "suppress", "must be an array of tables ([[tool.mnnlint.suppress]])")
        out = []
        for i, entry in enumerate(entries, 1):
            key = f"suppress[{i}]"
            if not isinstance(entry, dict):
                raise self.fail(where, key, "must be a table")
            for name in entry:
                if name not in SUPPRESS_KEYS:
                    raise self.fail(where, f"{key}.{name}", "unknown key")
            for name in ("rule", "path", "reason"):
                if not isinstance(entry.get(name), str) or not entry[name].strip():
                    raise self.fail(where, f"{key}.{name}", "is required (a non-empty string)")
            rule = self.registry.get(entry["rule"])
            if rule is None:
                raise self.fail(where, f"{key}.rule", f"unknown rule code {entry['rule']!r}")
            for name in ("op-type", "op-name", "target"):
                if name in entry and (not isinstance(entry[name], str) or not entry[name]):
                    raise self.fail(where, f"{key}.{name}", "must be a non-empty string")
            target = entry.get("target")
            if target is not None:
                from .capabilities.backends import canonical

                if canonical(target) is None:
                    raise self.fail(where, f"{key}.target", f"unknown target {target!r}")
            until_date, until_release = self.until(entry.get("until"), where, f"{key}.until")
            out.append(Suppression(
                index=i, rule=rule.code, path=entry["path"], reason=entry["reason"].strip(),
                op_type=entry.get("op-type"), op_name=entry.get("op-name"), target=target,
                until_date=until_date, until_release=until_release,
            ))
        return tuple(out)

    def until(self, value: Any, where: str, key: str) -> tuple[dt.date | None, str | None]:
        if value is None:
            return None, None
        if isinstance(value, dt.datetime):
            return value.date(), None
        if isinstance(value, dt.date):
            return value, None
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value), None
            except ValueError:
                pass
            if _RELEASE.fullmatch(value):
                return None, value
        raise self.fail(where, key, f"must be a date (2026-06-30) or an MNN release (3.7.0), not {value!r}")


def _fits(value: Any, kind: type) -> bool:
    if kind is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, kind)


# --- resolving with the command line ----------------------------------------------------


@dataclass(frozen=True)
class Overrides:
    """What the command line said; None or empty: not given."""

    target: tuple[str, ...] = ()
    mnn_version: str | None = None
    profile: str | None = None
    build_options: Mapping[str, bool] = field(default_factory=dict)
    select: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    fail_on: str | None = None


def apply_overrides(settings: Settings, cli: Overrides) -> Settings:
    """CLI flags over config values. `--select` replaces the config's whole selection;
    `--extend-select`, `--ignore` and `--build-option` add to it."""
    out = replace(
        settings,
        target=cli.target or settings.target,
        mnn_version=cli.mnn_version or settings.mnn_version,
        profile=cli.profile or settings.profile,
        build_options={**settings.build_options, **cli.build_options},
        fail_on=cli.fail_on or settings.fail_on,
    )
    if cli.select:
        out = replace(out, select=cli.select, extend_select=(), ignore=())
    return replace(out, extend_select=(*out.extend_select, *cli.extend_select), ignore=(*out.ignore, *cli.ignore))


def chosen_profiles(config: Config, names: Sequence[str]) -> dict[str, Settings]:
    """The named profiles asked for; all of them by default; the top level when there are none."""
    if names:
        unknown = [n for n in names if n not in config.profiles]
        if unknown:
            known = ", ".join(sorted(config.profiles)) or "none"
            raise ConfigError(f"{config.label}: no profile {unknown[0]!r} under 'profiles' (defined: {known})")
        return {n: config.profiles[n] for n in names}
    return dict(config.profiles) if config.profiles else {"": config.top}


def resolve(name: str, settings: Settings, registry: Registry, caps: Capabilities, label: str) -> Resolved:
    """Check what the command line added and fill in defaults. Errors name the profile."""
    from .capabilities import TableError

    where = f"profile {name!r}" if name else "settings"
    version = settings.mnn_version or "latest"
    try:
        releases = tuple(caps.resolve_versions(version))
    except TableError as err:
        raise ConfigError(f"{label}: {where}: {err}") from None
    if settings.profile and settings.profile not in caps.release(releases[0]).profiles:
        known = ", ".join(sorted(caps.release(releases[0]).profiles))
        raise ConfigError(f"{label}: {where}: unknown build profile {settings.profile!r}; choose from {known}")
    chosen: dict[str, type[Rule]] = {}
    for selector in (*(settings.select or ("ALL",)), *settings.extend_select):
        found = registry.matching(selector)
        if not found:
            raise ConfigError(f"{label}: {where}: unknown rule code or prefix {selector!r} (see mnnlint rule --all)")
        chosen.update((r.code, r) for r in found)
    for selector in settings.ignore:
        found = registry.matching(selector)
        if not found:
            raise ConfigError(f"{label}: {where}: unknown rule code or prefix {selector!r} in ignore")
        for rule in found:
            chosen.pop(rule.code, None)
    rules = tuple(chosen[c] for c in sorted(chosen))
    options = {r.code: {n: settings.rules.get(r.code, {}).get(n, o.default) for n, o in r.options.items()}
               for r in rules if r.options}
    return Resolved(
        name=name, targets=settings.target or (), mnn_version=version, releases=releases,
        profile=settings.profile, build_options=dict(settings.build_options), rules=rules,
        per_file_ignores=dict(settings.per_file_ignores), severity=dict(settings.severity),
        fail_on=settings.fail_on or "error", rule_options=options,
    )
