"""Configure a release like CMake does: option defaults, -D settings, then the release's own logic.

Options depend on each other: `MNN_QNN_ONLINE_FINALIZE` defaults ON and is set OFF
only `if (NOT MNN_QNN)` (CMakeLists.txt:285,298-300 at 3.6.1), `MNN_BUILD_LLM`
forces the transformer-fuse option from 3.2.4. So option values cannot be stored
per profile: they are computed for each set of -D settings by replaying the
`option()` and `set()` steps the generator read from the release's CMake files
(`cmake.steps` in the table), in CMake's order.

Conditions are evaluated with three values: a CMake variable the scripts know
(declared by `option()` or set by a step) is true or false; anything else (a
platform test such as `APPLE` or `CMAKE_SYSTEM_NAME MATCHES ...`) is unknown. A
step whose condition is unknown is not applied, so a value only a platform
changes keeps its declared default; a macro whose definition is unknown is
reported as unknown (`None`) and the verdict records the assumption.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping

from .tableformat import CMakeLogic

Lookup = Callable[[str], bool | None]


def truth(condition: Iterable[Mapping[str, bool]] | None, value: Lookup) -> bool | None:
    """A DNF condition under `value` (atom -> True/False/None); absent means always."""
    if condition is None:
        return True
    any_unknown = False
    for alternative in condition:
        result: bool | None = True
        for atom, wanted in alternative.items():
            got = value(atom)
            if got is None:
                result = None
            elif got != wanted:
                result = False
                break
        if result is True:
            return True
        any_unknown = any_unknown or result is None
    return None if any_unknown else False


_DEFINED = re.compile(r"DEFINED (\w+)")


def configure(logic: CMakeLogic, presets: Mapping[str, bool]) -> dict[str, bool]:
    """Every option's value after configuring with `presets` as -D settings."""
    known = variables(logic)
    conditional = {step["name"] for step in logic["steps"] if step["kind"] == "option"}
    # unconditional option() declarations: their defaults, unless set with -D
    cache: dict[str, bool] = {name: default for name, default in logic["options"].items() if name not in conditional}
    cache.update(presets)
    normal: dict[str, bool] = {}

    def value(atom: str) -> bool | None:
        if atom in normal:
            return normal[atom]
        if atom in cache:
            return cache[atom]
        m = _DEFINED.fullmatch(atom)
        if m:
            return m.group(1) in normal or m.group(1) in cache if m.group(1) in known else None
        return False if atom in known else None

    for step in logic["steps"]:
        if truth(step.get("when"), value) is not True:
            continue
        name, kind, new = step["name"], step["kind"], bool(step["value"])
        if kind == "option" or kind == "cache":
            cache.setdefault(name, new)
        elif kind == "force":
            cache[name] = new
            normal.pop(name, None)
        else:
            normal[name] = new
    out = {name: default for name, default in logic["options"].items()}
    out.update({k: v for k, v in cache.items() if k in out})
    out.update({k: v for k, v in normal.items() if k in out})
    return out


def variables(logic: CMakeLogic) -> frozenset[str]:
    """The CMake variables the scripts declare or set: the atoms that are never unknown."""
    return frozenset(logic["options"]) | {step["name"] for step in logic["steps"]}


def defined(logic: CMakeLogic, macro: str, build: Mapping[str, bool],
            known: frozenset[str] | None = None) -> bool | None:
    """Whether the build scripts define `macro` under `build`; None when a platform test decides.

    `known` is `variables(logic)`, passed by callers that ask often. Raises KeyError
    when no script defines the macro at all (the caller decides what that means).
    """
    condition = logic["definitions"][macro]
    known = variables(logic) if known is None else known

    def value(atom: str) -> bool | None:
        if atom in build:
            return bool(build[atom])
        return False if atom in known else None

    return truth(condition, value)
