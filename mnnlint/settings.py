"""Every setting, declared once: its TOML key, scope, merge rule, validator, help and schema.

The table `SETTINGS` drives everything that reads or shows settings: the config file
parser, the command-line flags (their help text), `--show-settings` and the JSON
Schema for editors (`schemas/mnnlint-settings.schema.json`, kept fresh by a test).

Settings arrive in *layers*, validated where they are read: the config file's top
level, then a named config profile (`[profiles.NAME]`), then `MNNLINT_OUTPUT_FORMAT`,
then the command line (or the arguments of `mnnlint.lint()`). One merge rule per
setting folds the layers: a scalar or list is replaced by the later layer, a table
(`build-options`, `severity`, `per-file-ignores`, `rules`) merges key by key, `exclude`
and `suppress` add up, and rule selection is applied layer by layer as ruff does:
`select` starts over, `extend-select` adds, `ignore` removes.

The result is a `Profile` (one deployment to check: targets, releases, build, rules,
policy) and the run-wide `RunSettings`. Checks that need more than one setting (is the
build profile or build option known to the releases asked for?) run while folding,
and name the file and key, or the flag, that set the value.

Why not msgspec or pydantic: the validators need the installed rules and the
capability tables (a code or a target is valid only if one exists), and the messages
must name the file and key the user wrote; a declarative table of plain functions does
that with no import cost (msgspec costs ~20 ms to import, a whole `--version`).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence, Sized
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NamedTuple

from .diagnostics import Severity
from .errors import ConfigError, MnnlintError
from .globs import Glob, GlobError
from .limits import DEFAULT_SECONDS as DEFAULT_TIMEOUT

if TYPE_CHECKING:
    from .capabilities import Capabilities
    from .registry import Registry
    from .rule import Rule

PROFILE, RUN = "profile", "run"  # per deployment ([profiles.NAME] may set it) / whole run only
REPLACE, TABLE, EXTEND, SELECT = "replace", "table", "extend", "select"
FAIL_ON = ("error", "warning", "info", "never")
FAIL_THRESHOLD = {"error": int(Severity.ERROR), "warning": int(Severity.WARNING), "info": int(Severity.INFO),
                  "never": 99}
MIN_TIMEOUT, MAX_TIMEOUT = 0.01, 86400.0
# Globs one list may hold (exclude, per-file-ignores, suppress). Each is matched against every
# folder walked or every finding; a config of 250,000 of them took 12 s before a model was read.
MAX_GLOBS = 1000
# Keys other linters use to import code; named so the refusal says why.
CODE_KEYS = frozenset({"plugins", "plugin", "load-plugins", "rule-paths", "rules-path", "extend-rules", "modules"})
SCHEMA_ID = "https://github.com/OWNER/mnnlint/blob/main/schemas/mnnlint-settings.schema.json"


class Invalid(Exception):
    """A validator's complaint: `problem`, about `key` below the setting's own key if given."""

    def __init__(self, problem: str, key: str | None = None) -> None:
        super().__init__(problem)
        self.problem, self.key = problem, key


class Context(NamedTuple):
    """What validators may consult: the installed rules and the capability tables."""

    registry: Registry
    caps: Capabilities


# --- value types ---------------------------------------------------------------------


class Suppression(NamedTuple):
    """One `[[suppress]]` entry: which findings it hides, and why."""

    index: int  # 1-based position in the file, for messages
    rule: str
    path: Glob
    reason: str
    op_type: str | None = None
    op_name: str | None = None
    target: str | None = None
    until_date: dt.date | None = None
    until_release: str | None = None

    def describe(self) -> str:
        parts = [f"rule {self.rule}", f"path {self.path.text!r}"]
        parts += [f"{k} {v!r}" for k, v in (("op-type", self.op_type), ("op-name", self.op_name),
                                              ("target", self.target)) if v]
        return ", ".join(parts)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"rule": self.rule, "path": self.path.text, "reason": self.reason}
        for key, value in (("op-type", self.op_type), ("op-name", self.op_name), ("target", self.target),
                           ("until", self.until_date.isoformat() if self.until_date else self.until_release)):
            if value:
                out[key] = value
        return out


# --- validators: raw value (TOML or flag) -> typed value, or Invalid -------------------


def _strings(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise Invalid(f"must be a string or a list of strings, not {_show(value)}")
    return tuple(dict.fromkeys(v.strip() for v in value))  # a repeat means nothing; 600,000 of them took 8 s


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _table(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise Invalid(f"must be a table of {what}")
    return value


def _targets(value: Any, ctx: Context) -> tuple[str, ...]:
    from .capabilities.backends import canonical

    out = []
    for name in _strings(value):
        backend = canonical(name)
        if backend is None:
            raise Invalid(f"unknown target {name!r}; `mnnlint targets` lists them")
        out.append(backend)
    return tuple(dict.fromkeys(out))


def _mnn_version(value: Any, ctx: Context) -> str:
    if not isinstance(value, str):
        raise Invalid(f"must be a string such as \"3.2.0\", not {_show(value)}")
    try:
        ctx.caps.resolve_versions(value)
    except MnnlintError as err:
        raise Invalid(str(err)) from None
    return value.strip()


def _build_profile(value: Any, ctx: Context) -> str:
    if not isinstance(value, str) or not value.strip():
        raise Invalid(f"must be the name of a build profile, not {_show(value)}")
    return value.strip()


def _build_options(value: Any, ctx: Context) -> dict[str, bool]:
    table = _table(value, "NAME = true | false")
    if not all(isinstance(k, str) and k and isinstance(v, bool) for k, v in table.items()):
        raise Invalid("must be a table of NAME = true | false")
    return dict(table)


def _codes(value: Any, ctx: Context) -> tuple[str, ...]:
    codes = _strings(value)
    for code in codes:
        if not ctx.registry.matching(code):
            raise Invalid(f"unknown rule code or prefix {code!r} (see mnnlint rule --all)")
    return tuple(c.upper() for c in codes)


def _at_most(items: Sized, what: str) -> None:
    if len(items) > MAX_GLOBS:
        raise Invalid(f"holds {len(items)} {what}; at most {MAX_GLOBS} are read")


def _per_file_ignores(value: Any, ctx: Context) -> dict[Glob, tuple[str, ...]]:
    out = {}
    table = _table(value, "GLOB = [CODES]")
    _at_most(table, "globs")
    for glob, codes in table.items():
        try:
            out[Glob(glob)] = _codes(codes, ctx)
        except (Invalid, GlobError) as err:
            raise Invalid(str(err), glob) from None
    return out


def _severity(value: Any, ctx: Context) -> dict[str, Severity]:
    out = {}
    for code, level in _table(value, 'CODE = "error" | "warning" | "info"').items():
        try:
            _codes(code, ctx)
        except Invalid as err:
            raise Invalid(err.problem, code) from None
        if level not in ("error", "warning", "info"):
            raise Invalid(f"must be error, warning or info, not {_show(level)}", code)
        out[code.upper()] = Severity.parse(level)
    return out


def _fail_on(value: Any, ctx: Context) -> str:
    if value not in FAIL_ON:
        raise Invalid(f"must be one of {', '.join(FAIL_ON)}, not {_show(value)}")
    return str(value)


def _fits(value: Any, kind: type) -> bool:
    if kind is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, kind)


def _rule_options(value: Any, ctx: Context) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for code, options in _table(value, "[rules.CODE] tables").items():
        rule = ctx.registry.get(code)
        if rule is None:
            raise Invalid(f"unknown rule code {code!r} (see mnnlint rule --all)", code)
        if not isinstance(options, dict):
            raise Invalid("must be a table of option = value", code)
        for name, option_value in options.items():
            option = rule.options.get(name)
            if option is None:
                known = ", ".join(sorted(rule.options)) or "none"
                raise Invalid(f"{rule.code} has no such option (options: {known})", f"{code}.{name}")
            if not _fits(option_value, option.type):
                raise Invalid(f"must be {option.type.__name__}, not {type(option_value).__name__} "
                              f"{_show(option_value)}", f"{code}.{name}")
        out[rule.code] = dict(options)
    return out


def _output_format(value: Any, ctx: Context) -> str:
    from .report import FORMATS

    if value not in FORMATS:
        raise Invalid(f"unknown format {_show(value)}; choose from {', '.join(FORMATS)}")
    return str(value)


def _globs(value: Any, ctx: Context) -> tuple[Glob, ...]:
    texts = _strings(value)
    _at_most(texts, "globs")
    try:
        return tuple(Glob(g) for g in texts)
    except GlobError as err:
        raise Invalid(str(err)) from None


def _timeout(value: Any, ctx: Context) -> float:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or not (value == 0 or MIN_TIMEOUT <= value <= MAX_TIMEOUT):
        raise Invalid(f"must be a number of seconds >= {MIN_TIMEOUT:g} and <= {MAX_TIMEOUT:g}, "
                      f"or 0 for no limit, not {_show(value)}")
    return float(value)


SUPPRESS_KEYS = ("rule", "path", "op-type", "op-name", "target", "reason", "until")


def _suppressions(value: Any, ctx: Context) -> tuple[Suppression, ...]:
    from .capabilities.backends import canonical
    from .release import Release

    if not isinstance(value, list):
        raise Invalid("must be an array of tables ([[suppress]])")
    _at_most(value, "suppressions")
    out = []
    for i, entry in enumerate(value, 1):
        key = f"[{i}]"
        if not isinstance(entry, dict):
            raise Invalid("must be a table", key)
        for name in entry:
            if name not in SUPPRESS_KEYS:
                raise Invalid("unknown key", f"{key}.{name}")
        for name in ("rule", "path", "reason"):
            if not isinstance(entry.get(name), str) or not entry[name].strip():
                raise Invalid("is required (a non-empty string)", f"{key}.{name}")
        rule = ctx.registry.get(entry["rule"])
        if rule is None:
            raise Invalid(f"unknown rule code {entry['rule']!r}", f"{key}.rule")
        for name in ("op-type", "op-name", "target"):
            if name in entry and (not isinstance(entry[name], str) or not entry[name]):
                raise Invalid("must be a non-empty string", f"{key}.{name}")
        target = entry.get("target")
        if target is not None and canonical(target) is None:
            raise Invalid(f"unknown target {target!r}", f"{key}.target")
        try:
            path = Glob(entry["path"])
        except GlobError as err:
            raise Invalid(str(err), f"{key}.path") from None
        until, until_date, until_release = entry.get("until"), None, None
        if isinstance(until, dt.datetime):
            until_date = until.date()
        elif isinstance(until, dt.date):
            until_date = until
        elif isinstance(until, str):
            try:
                until_date = dt.date.fromisoformat(until)
            except ValueError:
                if Release.is_release(until) and until.strip() != "HEAD":
                    until_release = until.strip()
        if until is not None and until_date is None and until_release is None:
            raise Invalid(f"must be a date (2026-06-30) or an MNN release (3.7.0), not {_show(until)}",
                          f"{key}.until")
        out.append(Suppression(
            index=i, rule=rule.code, path=path, reason=entry["reason"].strip(), op_type=entry.get("op-type"),
            op_name=entry.get("op-name"), target=target, until_date=until_date, until_release=until_release))
    return tuple(out)


# --- the declaration -----------------------------------------------------------------

_STRINGS = {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}


class Setting(NamedTuple):
    """One setting, declared once: its TOML key, command-line flag, schema, merge rule and help come from here."""

    key: str  # the TOML key
    scope: str  # PROFILE or RUN
    merge: str  # REPLACE, TABLE, EXTEND or SELECT
    parse: Callable[[Any, Context], Any]
    help: str
    schema: Mapping[str, Any]
    default: Any = None
    attr: str = ""  # the Python name; from the key by default
    show: Callable[[Any], Any] = lambda v: v  # the value as --show-settings prints it

    @property
    def name(self) -> str:
        return self.attr or self.key.replace("-", "_")


SETTINGS: tuple[Setting, ...] = (
    Setting("target", PROFILE, REPLACE, _targets,
            "backend(s) to check for: cuda, opencl, vulkan, metal, coreml, nnapi, qnn, npu, trt, cpu, arm82, … "
            "(default: the LLM config's backend_type, else the model's preferred backend, else cpu)",
            _STRINGS, (), attr="targets", show=lambda v: list(v) or "model default"),
    Setting("mnn-version", PROFILE, REPLACE, _mnn_version,
            "MNN release: latest (default), all, HEAD, 3.2.0, 3.2 (its newest patch), or a range like '>=2.8,<3.3'",
            {"type": "string"}, "latest"),
    Setting("profile", PROFILE, REPLACE, _build_profile,
            "MNN build profile: default (the release's CMake defaults), llm (MNN_BUILD_LLM, MNN_LOW_MEMORY and "
            "MNN_SUPPORT_TRANSFORMER_FUSE ON), build-llm (MNN_BUILD_LLM=ON alone); default: llm for LLM exports "
            "and transformer-fused models, else default. Not a config profile (see profiles)",
            {"type": "string"}, None, attr="build_profile", show=lambda v: v or "auto"),
    Setting("build-options", PROFILE, TABLE, _build_options,
            "CMake options of your MNN build on top of the build profile, NAME = true | false",
            {"type": "object", "additionalProperties": {"type": "boolean"}}, {}),
    Setting("select", PROFILE, SELECT, _codes, "rule codes or prefixes to run (default ALL); starts the "
            "selection over", _STRINGS, None),
    Setting("extend-select", PROFILE, SELECT, _codes, "rule codes or prefixes to add to the selection",
            _STRINGS, ()),
    Setting("ignore", PROFILE, SELECT, _codes, "rule codes or prefixes to skip", _STRINGS, ()),
    Setting("per-file-ignores", PROFILE, TABLE, _per_file_ignores,
            "GLOB = [CODES]: rules to skip for models matching a glob (relative to the config file's folder)",
            {"type": "object", "additionalProperties": _STRINGS}, {},
            show=lambda v: {g.text: list(c) for g, c in v.items()}),
    Setting("severity", PROFILE, TABLE, _severity,
            "CODE = \"error\" | \"warning\" | \"info\": a rule's severity, per code or prefix (longest wins)",
            {"type": "object", "additionalProperties": {"enum": ["error", "warning", "info"]}}, {},
            show=lambda v: {k: str(s) for k, s in v.items()}),
    Setting("fail-on", PROFILE, REPLACE, _fail_on, "lowest severity that makes the exit code 1 (default error)",
            {"enum": list(FAIL_ON)}, "error"),
    Setting("rules", PROFILE, TABLE, _rule_options, "[rules.CODE] option = value: options a rule declares",
            {"type": "object", "additionalProperties": {"type": "object"}}, {}, attr="rule_options"),
    Setting("output-format", RUN, REPLACE, _output_format,
            "text (default), concise, json, json-lines, sarif, github, junit, gitlab",
            {"enum": ["text", "concise", "json", "json-lines", "sarif", "github", "junit", "gitlab"]}, "text"),
    Setting("exclude", RUN, EXTEND, _globs,
            "skip files and folders matching these globs (gitignore syntax) while walking folders",
            _STRINGS, (), show=lambda v: [g.text for g in v]),
    Setting("timeout-per-file", RUN, REPLACE, _timeout,
            f"give up on a file after this many seconds (default {DEFAULT_TIMEOUT:g}; 0 for no limit)",
            {"type": "number", "anyOf": [{"const": 0}, {"minimum": MIN_TIMEOUT, "maximum": MAX_TIMEOUT}]},
            DEFAULT_TIMEOUT),
    Setting("suppress", RUN, EXTEND, _suppressions,
            "findings to hide: rule, path (glob), reason (required), op-type, op-name, target, until",
            {"type": "array", "items": {
                "type": "object", "required": ["rule", "path", "reason"], "additionalProperties": False,
                "properties": {"rule": {"type": "string"}, "path": {"type": "string"},
                               "reason": {"type": "string", "minLength": 1}, "op-type": {"type": "string"},
                               "op-name": {"type": "string"}, "target": {"type": "string"},
                               "until": {"type": "string", "description": "a date or an MNN release"}}}},
            (), show=lambda v: [s.as_dict() for s in v]),
)
BY_KEY = {s.key: s for s in SETTINGS}
PROFILE_KEYS = frozenset(s.key for s in SETTINGS if s.scope == PROFILE)
RUN_KEYS = frozenset({*(s.key for s in SETTINGS if s.scope == RUN), "profiles"})


# --- layers --------------------------------------------------------------------------


class Source(NamedTuple):
    """Where a layer's values come from, to name in errors: a file and table, or flags."""

    label: str  # "mnnlint.toml", "command line", "MNNLINT_OUTPUT_FORMAT"
    where: str = ""  # "top level", "[profiles.ios]"; "" for flags
    flags: Mapping[str, str] = MappingProxyType({})  # key -> flag, for the command line

    def name(self, key: str) -> str:
        if self.where:
            return f"{self.label}: {self.where} key '{key}'"
        return self.flags.get(key.split(".")[0].split("[")[0], self.label)

    def error(self, key: str, problem: str) -> ConfigError:
        return ConfigError(f"{self.name(key)}: {problem}")


class Layer(NamedTuple):
    """The settings one source gave, validated; only what it set."""

    source: Source
    values: Mapping[str, Any] = MappingProxyType({})  # Setting.name -> typed value

    @classmethod
    def parse(cls, data: Mapping[str, Any], source: Source, ctx: Context, allowed: frozenset[str]) -> Layer:
        values = {}
        for key, raw in data.items():
            if key in CODE_KEYS:
                raise source.error(key, "mnnlint loads rules only from installed packages (entry point group "
                                        "mnnlint.rules), never from a module a config file names")
            setting = BY_KEY.get(key)
            if setting is None or key not in allowed:
                hint = " (allowed at the top level only)" if key in RUN_KEYS else ""
                raise source.error(key, f"unknown key{hint}")
            try:
                values[setting.name] = setting.parse(raw, ctx)
            except Invalid as err:
                sub = "" if err.key is None else err.key if setting.key == "suppress" else "." + err.key
                raise source.error(key + sub, err.problem) from None
        return cls(source, values)

    def has(self, name: str) -> bool:
        return name in self.values


def _fold(setting: Setting, layers: Sequence[Layer]) -> Any:
    """The one merge rule of `setting` over `layers` (SELECT is folded by `_select`)."""
    given = [layer.values[setting.name] for layer in layers if layer.has(setting.name)]
    if not given:
        return setting.default
    if setting.merge == REPLACE:
        return given[-1]
    if setting.merge == EXTEND:
        return tuple(item for value in given for item in value)
    merged: dict[Any, Any] = {}
    for value in given:  # TABLE; rule options merge one level deeper
        for k, v in value.items():
            merged[k] = {**merged.get(k, {}), **v} if setting.name == "rule_options" else v
    return merged


def _origin(name: str, layers: Sequence[Layer], key: str | None = None) -> Source:
    """The source of the layer that last set `name` (or the key `key` of a table)."""
    for layer in reversed(layers):
        if layer.has(name) and (key is None or key in layer.values[name]):
            return layer.source
    return layers[-1].source


def _select(layers: Sequence[Layer], registry: Registry) -> tuple[type[Rule], ...]:
    chosen: dict[str, type[Rule]] = {r.code: r for r in registry.rules}
    for layer in layers:
        v = layer.values
        if v.get("select"):  # an empty `select = []` means the default, ALL, as it always has
            chosen = {r.code: r for s in v["select"] for r in registry.matching(s)}
        for s in v.get("extend_select", ()):
            chosen.update((r.code, r) for r in registry.matching(s))
        for s in v.get("ignore", ()):
            for r in registry.matching(s):
                chosen.pop(r.code, None)
    return tuple(chosen[c] for c in sorted(chosen))


# --- resolved settings ---------------------------------------------------------------


class Profile(NamedTuple):
    """One deployment to check, every value validated and filled in.

    Built by `resolve` from layers; the engine, the policy and `--show-settings` all
    read this one object. Tests and rule authors may build one directly.
    """

    targets: tuple[str, ...] = ()  # canonical; empty: each model's own default
    releases: tuple[str, ...] = ()
    rules: tuple[type[Rule], ...] = ()
    build_profile: str | None = None  # None: chosen per model (engine.assumed_profile)
    build_options: Mapping[str, bool] = MappingProxyType({})
    rule_options: Mapping[str, Mapping[str, Any]] = MappingProxyType({})  # as given; defaults on the rule
    name: str = ""  # the config profile's name; "" for the top level
    mnn_version: str = "latest"
    per_file_ignores: Mapping[Glob, tuple[str, ...]] = MappingProxyType({})
    severity: Mapping[str, Severity] = MappingProxyType({})
    fail_on: str = "error"

    @property
    def threshold(self) -> int:
        return FAIL_THRESHOLD[self.fail_on]

    def as_dict(self) -> dict[str, Any]:
        """For --show-settings: each setting as its declaration shows it, plus what was derived."""
        out: dict[str, Any] = {}
        for s in SETTINGS:
            if s.scope != PROFILE or s.merge == SELECT:
                continue
            if s.name == "rule_options":
                out["rules-enabled"] = [r.code for r in self.rules]
                out[s.key] = {r.code: r.option_values(self.rule_options.get(r.code, {}))
                              for r in self.rules if r.options}
                continue
            out[s.key] = s.show(getattr(self, s.name))
            if s.key == "mnn-version":
                out["releases"] = list(self.releases)
        return out


def resolve(name: str, layers: Sequence[Layer], ctx: Context) -> Profile:
    """Fold `layers` into a Profile, checking what depends on more than one setting."""
    values = {s.name: _fold(s, layers) for s in SETTINGS if s.scope == PROFILE and s.merge != SELECT}
    releases = tuple(ctx.caps.resolve_versions(values["mnn_version"]))
    tables = [ctx.caps.release(r) for r in releases]
    build_profile = values["build_profile"]
    for table in tables:
        if build_profile is not None and build_profile not in table.profiles:
            known = ", ".join(sorted(table.profiles))
            raise _origin("build_profile", layers).error(
                "profile", f"unknown build profile {build_profile!r} for MNN {table.release}; choose from {known} "
                           "(named config profiles go under 'profiles')")
    for option in values["build_options"]:
        if not any(option in table.known_options for table in tables):
            raise _origin("build_options", layers, option).error(
                "build-options", unknown_option_message(option, tables[-1]))
    return Profile(name=name, releases=releases, rules=_select(layers, ctx.registry), **values)


def unknown_option_message(option: str, table: Any) -> str:
    import difflib

    known = sorted(table.known_options)
    close = difflib.get_close_matches(option, known, n=1)
    hint = f" (did you mean {close[0]}?)" if close else ""
    return f"unknown build option {option!r} for MNN {table.release}{hint}; it knows {', '.join(known)}"


class RunSettings(NamedTuple):
    """The settings that hold for the whole run, not per profile."""

    output_format: str = "text"
    exclude: tuple[Glob, ...] = ()
    timeout_per_file: float = DEFAULT_TIMEOUT
    suppress: tuple[Suppression, ...] = ()

    @classmethod
    def fold(cls, layers: Sequence[Layer]) -> RunSettings:
        return cls(**{s.name: _fold(s, layers) for s in SETTINGS if s.scope == RUN})

    def as_dict(self) -> dict[str, Any]:
        return {s.key: s.show(getattr(self, s.name)) for s in SETTINGS if s.scope == RUN}


# --- JSON Schema ---------------------------------------------------------------------


def json_schema() -> dict[str, Any]:
    """The schema of `mnnlint.toml` (and `[tool.mnnlint]`), from the declarations above."""

    def prop(s: Setting) -> dict[str, Any]:
        default = s.default if isinstance(s.default, (str, int, float, bool)) else None
        return {**s.schema, "description": s.help, **({"default": default} if default is not None else {})}

    profile_props = {s.key: prop(s) for s in SETTINGS if s.scope == PROFILE}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "mnnlint settings",
        "description": "mnnlint.toml, .mnnlint.toml, or [tool.mnnlint] in pyproject.toml",
        "type": "object",
        "properties": {
            **profile_props,
            **{s.key: prop(s) for s in SETTINGS if s.scope == RUN},
            "profiles": {
                "description": "named config profiles, each a deployment checked in the same run",
                "type": "object",
                "additionalProperties": {"type": "object", "properties": profile_props,
                                         "additionalProperties": False},
            },
        },
        "additionalProperties": False,
    }
