"""Build options of one MNN commit, as data the linter replays: options, their logic, macros, profiles.

Whether a backend registers an op often hangs on a preprocessor macro
(`MNN_SUPPORT_TRANSFORMER_FUSE` guards the CUDA and CPU Attention creators).
Users set CMake options, not macros, and options depend on each other
(`MNN_QNN_ONLINE_FINALIZE` is forced OFF when `MNN_QNN` is OFF; `MNN_BUILD_LLM`
forces transformer fuse from 3.2.4). So the tables keep the release's CMake
logic itself (`tableformat.CMakeLogic`): each option's default, every
`option()`/`set()` of an option in CMake's order with its condition, and the
condition under which each macro is defined. mnnlint/capabilities/buildlogic.py
replays it for the -D settings of a run. Everything here is derived from the one
CMake walk in `cmakesrc`; this module has no CMake parser of its own.
"""

from __future__ import annotations

import re
from typing import Any

from . import conds
from .cmakesrc import CMakeWalk

TRUE_WORDS = frozenset({"ON", "YES", "TRUE", "Y"})
FALSE_WORDS = frozenset({"OFF", "NO", "FALSE", "N", "0", "", "IGNORE", "NOTFOUND"})

# Named build configurations, as -D settings on a plain configure (a product choice,
# not something the source states, hence typed here):
# - default: the release's CMake defaults;
# - llm: the LLM build MNN documents (docs/transformers/llm.md and pymnn's build_deps.py
#   pass these three together in every release; from 3.2.4 on MNN_BUILD_LLM alone sets
#   the other two);
# - build-llm: MNN_BUILD_LLM=ON alone, for builds that followed no recipe.
PROFILES: dict[str, dict[str, bool]] = {
    "default": {},
    "llm": {"MNN_BUILD_LLM": True, "MNN_LOW_MEMORY": True, "MNN_SUPPORT_TRANSFORMER_FUSE": True},
    "build-llm": {"MNN_BUILD_LLM": True},
}


def constant(word: str) -> bool | None:
    """CMake's truth value of a constant word; None for a variable reference or other text."""
    up = word.upper()
    if up in TRUE_WORDS or re.fullmatch(r"-?[1-9]\d*", word):
        return True
    if up in FALSE_WORDS or up.endswith("-NOTFOUND"):
        return False
    return None


def read_options(walk: CMakeWalk) -> dict[str, bool]:
    """Every `option()` the walk met, with its declared default (first declaration wins).

    MNN also tests switches it never declares (`IF(MNN_NPU)` builds the HIAI backend):
    a user sets them with -D like any option, and unset they are false, so every
    `MNN_*` variable an `if()` tests and no script writes counts as an option, default OFF.
    """
    out = {name: bool(constant(default)) for name, (default, _) in walk.options.items()}
    for name in walk.tested:
        if re.fullmatch(r"MNN_\w+", name) and name not in out and name not in walk.assigned:
            out[name] = False
    return dict(sorted(out.items()))


def read_cmake_logic(walk: CMakeWalk) -> dict[str, Any]:
    """`tableformat.CMakeLogic` of the commit.

    Steps keep only variables declared by some `option()` and constant values;
    a `set(OPT ${OTHER})` is left out (none of MNN's options is set that way).
    An unconditional `option()` is not a step: `options` holds its default, which
    the linter applies first (only the first declaration counts in CMake too).
    """
    options = read_options(walk)
    steps = []
    for step in walk.steps:
        value = constant(step.value)
        if step.name not in options or value is None or step.cond == conds.FALSE:
            continue
        if step.kind == "option" and step.cond == conds.TRUE:
            continue
        entry: dict[str, Any] = {"at": step.at, "kind": step.kind, "name": step.name, "value": value}
        if step.cond != conds.TRUE:
            entry["when"] = conds.as_requires(step.cond)
        steps.append(entry)
    definitions = {macro: conds.as_requires(cond) for macro, cond in sorted(walk.definitions.items())
                   if cond != conds.FALSE}
    return {"options": options, "steps": steps, "definitions": definitions}


def _owner(macro: str, named: list[str]) -> str:
    """The enclosing option that best explains `macro`: same name, else one whose
    stem occurs in the macro (MNN_OPENCL for MNN_OPENCL_ENABLED), else the innermost."""
    if macro in named:
        return macro
    stems = [n for n in reversed(named) if n.removeprefix("MNN_") in macro]
    return max(stems, key=len) if stems else named[-1]


def read_macros(walk: CMakeWalk) -> dict[str, str]:
    """Preprocessor macro -> the CMake option a user sets to define it (for messages).

    Read from the `if()`s around the macro's first definition guarded by an option
    in its own CMake file (else by one in the files including it). When several
    options enclose it, the one named like the macro wins, else the innermost.
    Macros defined without any option around them are left out.
    """
    options = read_options(walk)
    out: dict[str, str] = {}
    for macro, definitions in walk.definition_guards.items():
        local = [[g for g in mine if g in options] for mine, _ in definitions]
        outer = [[g for g in every if g in options] for _, every in definitions]
        named = next((n for n in local if n), None) or next((n for n in outer if n), None)
        if named:
            out[macro] = _owner(macro, named)
    return dict(sorted(out.items()))


def read_profiles() -> dict[str, dict[str, bool]]:
    """Each profile's -D settings; the linter configures the release from them."""
    return {name: dict(sorted(preset.items())) for name, preset in PROFILES.items()}
