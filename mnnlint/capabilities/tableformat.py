"""The capability table format, declared once for the generator that writes it and the linter that reads it.

`tools/gen_capabilities.py` writes one JSON object per MNN release; `Capabilities`
loads it. Both import this module, so a key added on one side and forgotten on the
other fails a test instead of turning into a silent `.get(key, {})` default: the
writer checks every release against `REQUIRED` before writing, the reader checks
it again on load and refuses a table of another `FORMAT_VERSION` (a `TableError`,
which the CLI reports as one line).

Every section below is a `TypedDict` naming its fields; docs/capabilities.md
("Table format") describes what each means. Conventions shared by all sections:

- `at` is `path:line` in MNN at that release (a string), except in `backends`,
  where `at` is `[index into files, line]` to keep the largest section small.
- A build condition (`requires`, `when`, `enabled_requires`) is a list of
  alternatives, each a `{atom: required truth}` dict (disjunctive normal form);
  absent or `[{}]` means always. In `backends` and `geometry` an alternative is
  written as the single dict `requires` (one entry per alternative).
  Atoms are preprocessor macros in C++ conditions and CMake variables (or
  verbatim CMake comparisons such as `CMAKE_SYSTEM_NAME MATCHES "^Linux"`) in
  CMake conditions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypedDict

from ..errors import UsageError

# Bump when a key is added, removed or changes meaning; the generator writes it,
# the loader refuses any other value.
FORMAT_VERSION = 3

Requires = dict[str, bool]  # one alternative: atom -> required truth
Condition = list[Requires]  # alternatives (DNF); [] never, [{}] always


class TableError(UsageError):
    """A release, backend, version range or table file the tables cannot answer: a usage error."""


class OpSite(TypedDict, total=False):
    """One registration of an execution creator (`backends.*.ops[op][i]`)."""

    at: list[int]  # [index into `files`, line]
    requires: Requires  # absent: unconditional (relative to the backend being enabled)


class BackendEntry(TypedDict, total=False):
    dir: str  # the source folder, e.g. source/backend/opencl/execution/buffer
    enabled_by: str | None  # first MNN_* option common to every way the backend is built
    enabled_requires: Condition  # CMake condition under which the folder is built
    ops: dict[str, list[OpSite]]
    styles: list[str]  # registration mechanisms seen, e.g. "macro:REGISTER_CPU_OP_CREATOR"
    split_of: str  # opencl-buffer -> opencl
    extends: str  # arm82 -> cpu: what it lacks runs on that backend silently
    subdirs: dict[str, Condition]


class CMakeStep(TypedDict, total=False):
    """One `option()` or `set()` of an option, in the order CMake runs them.

    `kind`: "option" (declares the cache entry with default `value` unless the user
    set it with -D), "cache" (`set(... CACHE ...)` without FORCE: only when not set
    yet), "force" (`set(... CACHE ... FORCE)`: overrides -D), "set" (a plain `set`:
    a normal variable that shadows the cache value for the rest of the configure).
    """

    at: str
    kind: str
    name: str
    value: bool
    when: Condition  # absent: always


class CMakeLogic(TypedDict):
    """What the runtime needs to configure a release like CMake does (`buildlogic.configure`)."""

    options: dict[str, bool]  # every option() with its declared default (first declaration)
    steps: list[CMakeStep]
    definitions: dict[str, Condition]  # -DMACRO -> CMake condition under which it is defined


class Emission(TypedDict, total=False):
    """One command a geometry computer class can emit."""

    type: str  # the op type of the command ("Raster" for region copies)
    at: str
    self: bool  # the computer hands the op itself on (`cmd->op = op`)
    when: str  # innermost enclosing `if (...)` around the site, verbatim; absent: unconditional
    inputs: int  # set when `when` is exactly `inputs.size() == N`
    via: str  # the site is in this function, which the computer calls (its call's own `if` not kept)


class GeometryComputer(TypedDict, total=False):
    """A geometry computer class registered for an op type."""

    computer: str  # the C++ class name, e.g. GeometryGather
    at: str  # where the class is defined
    registered_at: str  # the registerGeometryComputer call
    compiler: str  # Compiler_Loop / Compiler_Geometry
    requires: Requires  # preprocessor guard of the registration
    emits: list[Emission]


class GeometryEntry(TypedDict, total=False):
    at: str  # first registration
    compiler: list[str]  # every compiler type it is registered for
    requires: Requires
    into: list[str]  # union of the op types its computers emit (per class, not per file)
    computers: list[GeometryComputer]


class ModuleOp(TypedDict, total=False):
    """An op the Module layer takes out of the graph and runs as its own Module."""

    module: str  # IfModule, WhileModule, NMSModule, MoEModule, ...
    at: str
    param: str  # the op must carry this OpParameter (WhileParam)
    param_not: str  # ... or must not carry this one (LoopParam)


class ShapeSite(TypedDict, total=False):
    """A shape (size) computer registration for an op type."""

    at: str
    requires: Requires  # preprocessor macros; absent: always


class NeedContent(TypedDict, total=False):
    """Inputs whose content `OpCommonUtils::opNeedContent` says the op never reads."""

    at: str
    unread: str | list[int]  # "all" or the input indices
    requires: Requires  # preprocessor guard of the case (MNN_SUPPORT_RENDER); absent: always


class Release(TypedDict, total=False):
    format: int
    generator: int
    release: str
    commit: str
    date: str
    files: list[str]
    backends: dict[str, BackendEntry]
    notes: list[str]
    op_types: dict[str, int]
    cmake: CMakeLogic
    macros: dict[str, str]  # macro -> the option a user sets to define it (for messages)
    profiles: dict[str, dict[str, bool]]  # profile -> its -D settings (presets, before CMake logic)
    geometry: dict[str, GeometryEntry]
    compiler: dict[str, str]  # backend folder -> compiler type its Runtime reports
    fused_op_types: list[str]
    never_executed: dict[str, str]  # op -> why no backend runs it, with path:line
    module_ops: dict[str, ModuleOp]
    shape_computers: dict[str, list[ShapeSite]]
    need_content: dict[str, NeedContent]
    pipeline: dict[str, str]  # named sites of Pipeline.cpp the verdicts cite (backup creation, ...)


# Every key a release file holds once its `shared` references are resolved, with the
# JSON type of its value. `notes` is the only optional one.
REQUIRED: Mapping[str, type] = {
    "format": int, "generator": int, "release": str, "commit": str, "date": str,
    "files": list, "backends": dict, "op_types": dict, "cmake": dict, "macros": dict,
    "profiles": dict, "geometry": dict, "compiler": dict, "fused_op_types": list,
    "never_executed": dict, "module_ops": dict, "shape_computers": dict, "need_content": dict,
    "pipeline": dict,
}
OPTIONAL: Mapping[str, type] = {"notes": list}
# Keys whose values repeat across releases and are stored once under data/shared/
# (see `resolve_shared` for how a release file names them).
SHARED: tuple[str, ...] = (
    "files", "op_types", "cmake", "macros", "profiles", "geometry", "compiler", "fused_op_types",
    "never_executed", "module_ops", "shape_computers", "need_content", "pipeline",
)
CMAKE_KEYS: Mapping[str, type] = {"options": dict, "steps": list, "definitions": dict}
STEP_KINDS = frozenset({"option", "cache", "force", "set"})
# Named sites in `pipeline`.
PIPELINE_SITES = ("backup_create", "create")


SHARED_DIR = "shared"


def resolve_shared(raw: dict[str, Any], read: Callable[[str], Any]) -> dict[str, Any]:
    """Put the values a release file names in `shared` back in place; `read(name)` loads one.

    A reference key is `key` (the whole value), `key/sub` (one member of a dict value,
    e.g. `backends/cuda`, `cmake/steps`), or either followed by `+part` (a part of a
    dict value, merged in: `geometry+3`, `cmake/definitions+5`). Large values are split
    so that a release that changes one part shares the others.
    """
    for key, name in raw.pop("shared", {}).items():
        value = read(name)
        path, merged, _ = key.partition("+")
        *parents, last = path.split("/")
        node = raw
        for part in parents:
            node = node.setdefault(part, {})
        if merged:
            node.setdefault(last, {}).update(value)
        else:
            node[last] = value
    return raw


def check_release(raw: Mapping[str, Any], name: str) -> None:
    """Raise TableError unless `raw` (shared parts resolved) is a complete table of this format."""
    version = raw.get("format")
    if version != FORMAT_VERSION:
        raise TableError(f"capability table {name} has format {version}, this mnnlint reads format "
                         f"{FORMAT_VERSION}: regenerate it with tools/gen_capabilities.py")
    problems = [f"missing {key!r}" for key in REQUIRED if key not in raw]
    problems += [f"{key!r} is not a {kind.__name__}" for key, kind in {**REQUIRED, **OPTIONAL}.items()
                 if key in raw and not isinstance(raw[key], kind)]
    problems += [f"unknown key {key!r}" for key in raw if key not in REQUIRED and key not in OPTIONAL]
    cmake = raw.get("cmake")
    if isinstance(cmake, Mapping):
        problems += [f"'cmake.{key}' missing or not a {kind.__name__}" for key, kind in CMAKE_KEYS.items()
                     if not isinstance(cmake.get(key), kind)]
        problems += [f"cmake step {i} has kind {s.get('kind')!r}" for i, s in enumerate(cmake.get("steps", ()))
                     if s.get("kind") not in STEP_KINDS]
    pipeline = raw.get("pipeline")
    if isinstance(pipeline, Mapping):
        problems += [f"'pipeline.{key}' missing" for key in PIPELINE_SITES if key not in pipeline]
    if problems:
        raise TableError(f"capability table {name} is incomplete: {'; '.join(problems)}")


def check_index(raw: Mapping[str, Any], name: str) -> None:
    """Raise TableError unless `raw` is an index.json of this format."""
    if raw.get("format") != FORMAT_VERSION:
        raise TableError(f"capability index {name} has format {raw.get('format')}, this mnnlint reads "
                         f"format {FORMAT_VERSION}: regenerate it with tools/gen_capabilities.py")
    if not isinstance(raw.get("releases"), list) or not raw["releases"]:
        raise TableError(f"capability index {name} lists no releases")
