"""Find and read mnnlint's configuration file.

Settings live in `[tool.mnnlint]` of `pyproject.toml`, or at the top level of
`mnnlint.toml` / `.mnnlint.toml`; the closest such file from the current folder
upwards wins, and `--config FILE` names one outright. What each key means and how it
is checked is declared in `settings.py`; this module only finds the file, reads it
safely (a regular file, bounded in size, nested to a bounded depth) and splits it into
the top-level layer and one layer per named config profile.

Config files only ever hold data: rules load from installed entry points, never from
a module or a path a config file names.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple

from .errors import ConfigError, UsageError
from .settings import PROFILE_KEYS, RUN_KEYS, Context, Layer, Source

CONFIG_FILES = (".mnnlint.toml", "mnnlint.toml", "pyproject.toml")  # precedence within one folder
MAX_CONFIG_BYTES = 4 << 20
MAX_DEPTH = 32  # tables and arrays nested deeper than any mnnlint setting needs
MAX_PROFILES = 100  # every model is checked once per profile: 20,000 profiles took 2 s before the first model

__all__ = ["CONFIG_FILES", "Config", "ConfigError", "find_config", "load_config", "parse_config"]


class Config(NamedTuple):
    """A parsed, validated config file (or the empty one when there is none)."""

    path: Path | None
    root: Path  # globs (exclude, per-file-ignores, suppress paths) are relative to this folder
    top: Layer = Layer(Source("command line"))
    profiles: Mapping[str, Layer] = MappingProxyType({})  # [profiles.NAME], each on its own

    @property
    def label(self) -> str:
        return str(self.path) if self.path else "command line"


def find_config(start: Path) -> Path | None:
    """The closest config file from `start` upwards; a pyproject.toml counts only with [tool.mnnlint]."""
    for folder in (start, *start.parents):
        for name in CONFIG_FILES:
            candidate = folder / name
            try:
                if not candidate.is_file():
                    continue
            except OSError:
                continue
            if name != "pyproject.toml" or _has_tool_table(candidate):
                return candidate
    return None


def _has_tool_table(path: Path) -> bool:
    """Whether a pyproject.toml found on the way up holds [tool.mnnlint].

    Most projects' pyproject.toml never names mnnlint: without the word anywhere in the
    text there is no such table, and the TOML parser (import and parse) is not needed.
    """
    from .sidefiles import read_text

    try:
        text = read_text(path, MAX_CONFIG_BYTES, "config file")
        if "mnnlint" not in text:
            return False
        data = _toml(path, text)
    except UsageError:
        return False
    return isinstance(data.get("tool"), dict) and "mnnlint" in data["tool"]


def _toml(path: Path, text: str | None = None) -> dict[str, Any]:
    """The TOML file's data; tomllib is imported here, as most runs read no config file."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib

    from .sidefiles import read_text

    if text is None:
        text = read_text(path, MAX_CONFIG_BYTES, "config file")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}: not valid TOML: {err}") from None
    except RecursionError:
        raise ConfigError(f"{path}: not valid TOML: nested too deeply") from None
    except ValueError:  # an integer past Python's digit limit (int_max_str_digits), raised by int()
        raise ConfigError(f"{path}: holds a number thousands of digits long; not an mnnlint config") from None
    if _depth(data) > MAX_DEPTH:
        raise ConfigError(f"{path}: tables or arrays nested more than {MAX_DEPTH} levels deep")
    return data


def _depth(value: Any, level: int = 0) -> int:
    if level > MAX_DEPTH:
        return level
    if isinstance(value, dict):
        return max((_depth(v, level + 1) for v in value.values()), default=level + 1)
    if isinstance(value, list):
        return max((_depth(v, level + 1) for v in value), default=level + 1)
    return level


def load_config(path: Path | None, ctx: Context, cwd: Path | None = None) -> Config:
    """Parse and validate `path`; None gives the empty config rooted at `cwd`."""
    if path is None:
        return Config(path=None, root=Path(os.path.abspath(cwd or Path.cwd())))
    return _parse(_toml(path), path, ctx)


def parse_config(text: str, path: Path, ctx: Context) -> Config:
    """`text` as the config file `path` (for tests and tools)."""
    return _parse(_toml(path, text), path, ctx)


def _parse(data: dict[str, Any], path: Path, ctx: Context) -> Config:
    where = "top level"
    if path.name == "pyproject.toml":
        where = "[tool.mnnlint]"
        tool = data.get("tool", {})
        data = tool.get("mnnlint", {}) if isinstance(tool, dict) else {}
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: [tool.mnnlint] must be a table")
    label = str(path)
    body = {k: v for k, v in data.items() if k != "profiles"}
    top = Layer.parse(body, Source(label, where), ctx, PROFILE_KEYS | RUN_KEYS)
    raw_profiles = data.get("profiles", {})
    if not isinstance(raw_profiles, dict):
        raise Source(label, where).error("profiles", "must be a table of named profiles")
    if len(raw_profiles) > MAX_PROFILES:
        raise Source(label, where).error("profiles", f"holds {len(raw_profiles)} profiles; at most {MAX_PROFILES} "
                                                     "are read")
    profiles = {}
    for name, table in raw_profiles.items():
        here = f"[{'tool.mnnlint.' if where.startswith('[') else ''}profiles.{name}]"
        if not isinstance(table, dict):
            raise Source(label, where).error(f"profiles.{name}", "must be a table")
        profiles[name] = Layer.parse(table, Source(label, here), ctx, PROFILE_KEYS)
    return Config(path=path, root=Path(os.path.abspath(path)).parent, top=top, profiles=profiles)
