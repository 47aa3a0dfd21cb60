"""Find every rule: the built-in ones, then those of installed plugin distributions.

A distribution adds rules by declaring, in its metadata,

    [options.entry_points]
    mnnlint.rules =
        myrules = mypackage.rules:get_rules

where `get_rules()` returns a list of Rule subclasses. Rules load only from installed
entry points, never from a path named in a model or a config file.

Importing `importlib.metadata` (it brings email, zipfile and csv along) costs more than
checking a small model, and most installs have no plugin. So a quick look at what the
standard library's metadata finder would read decides first whether any installed
distribution may declare the group; only then does `importlib.metadata` load them.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from functools import cache
from typing import NamedTuple

from .errors import UsageError
from .rule import Rule

ENTRY_POINT_GROUP = "mnnlint.rules"
BUILTIN_PACKAGE = "mnnlint.rules"  # where the built-in rules live
METADATA_FOLDERS = (".dist-info", ".egg-info")  # what importlib.metadata's path finder reads


class RegistryError(UsageError):
    """Two rules claim one code, or a plugin does not load: a usage error (exit 2)."""


class Registry(NamedTuple):
    """Every rule of this install, built-in and plugin, by code and alias; a code belongs to one rule."""

    rules: tuple[type[Rule], ...]
    by_code: dict[str, type[Rule]]  # codes and aliases, upper case

    def get(self, code: str) -> type[Rule] | None:
        return self.by_code.get(code.upper())

    def matching(self, selector: str) -> list[type[Rule]]:
        """Rules whose code starts with `selector` (`ALL` for all)."""
        sel = selector.upper()
        if sel == "ALL":
            return list(self.rules)
        return [r for r in self.rules if r.code.startswith(sel) or any(a.startswith(sel) for a in r.aliases)]


def build_registry(rule_sets: Iterable[tuple[str, Iterable[type[Rule]]]]) -> Registry:
    by_code: dict[str, type[Rule]] = {}
    owner: dict[str, str] = {}
    rules: list[type[Rule]] = []
    for source, found in rule_sets:
        for rule in found:
            for code in (rule.code, *rule.aliases):
                key = code.upper()
                if key in by_code and by_code[key] is not rule:
                    other = by_code[key]
                    raise RegistryError(
                        f"rule code {key} is claimed twice: {other.__module__}.{other.__name__} "
                        f"({owner[key]}) and {rule.__module__}.{rule.__name__} ({source})"
                    )
                by_code[key], owner[key] = rule, source
            if rule not in rules:
                rules.append(rule)
    _check_plugin_prefixes(rules, owner)
    rules.sort(key=lambda r: r.code)
    return Registry(tuple(rules), by_code)


def _prefix(code: str) -> str:
    return code.upper().rstrip("0123456789")


def _check_plugin_prefixes(rules: Iterable[type[Rule]], owner: dict[str, str]) -> None:
    """A plugin's codes carry its own prefix, so `--select B` never picks up a plugin rule
    and a later built-in code cannot collide with one."""
    builtin = {r for r in rules if r.__module__.startswith(BUILTIN_PACKAGE + ".")}
    reserved = {_prefix(r.code): r for r in builtin}
    for rule in rules:
        if rule in builtin:
            continue
        taken = reserved.get(_prefix(rule.code))
        if taken is not None:
            raise RegistryError(
                f"rule {rule.code} of {rule.__module__}.{rule.__name__} ({owner[rule.code.upper()]}) uses the "
                f"prefix {_prefix(rule.code)} of built-in rules such as {taken.code} "
                f"({taken.__module__}.{taken.__name__}); give the plugin's codes a prefix of its own"
            )


@cache
def load_registry() -> Registry:
    from .rules import get_rules

    sets: list[tuple[str, Iterable[type[Rule]]]] = [("built-in", get_rules())]
    if _plugins_may_be_installed():
        from importlib.metadata import entry_points

        for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
            try:
                sets.append((f"entry point {ep.name}", list(ep.load()())))
            except Exception as err:  # a broken plugin must not look like a crash of ours
                raise RegistryError(f"rule plugin {ep.name} ({ep.value}) failed to load: {err}") from None
    return build_registry(sets)


def _plugins_may_be_installed() -> bool:
    """False only when no distribution on sys.path declares the entry-point group.

    Reads what importlib.metadata's path finder reads: each sys.path folder's
    `*.dist-info` and `*.egg-info` folders (and an `.egg` folder's EGG-INFO), their
    `entry_points.txt`. Whatever it cannot vouch for, a zip or egg file on sys.path or
    another metadata finder on sys.meta_path, answers True and the standard library
    decides.
    """
    from importlib.machinery import PathFinder

    if any(f is not PathFinder and hasattr(f, "find_distributions") for f in sys.meta_path):
        return True
    group = ENTRY_POINT_GROUP.encode()
    for entry in sys.path:
        if not isinstance(entry, (str, os.PathLike)) or isinstance(os.fspath(entry), bytes):
            return True  # not a text path (bytes, an object): let importlib.metadata judge it
        root = os.fspath(entry) or "."
        try:
            children = os.listdir(root)
        except NotADirectoryError:  # a zip: importlib.metadata reads inside it
            return True
        except (OSError, ValueError):  # absent, unreadable or not a path: the finder skips it too
            continue
        egg = os.path.basename(root).lower().endswith(".egg")
        for child in children:
            low = child.lower()
            if low.endswith(METADATA_FOLDERS) or (egg and low == "egg-info"):
                try:
                    with open(os.path.join(root, child, "entry_points.txt"), "rb") as declared:
                        if group in declared.read():
                            return True
                except OSError:
                    continue
    return False
