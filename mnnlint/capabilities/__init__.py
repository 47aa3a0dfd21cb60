"""The capability tables: which op types each MNN backend runs, per release and build.

The tables are generated from MNN's own source by `tools/gen_capabilities.py` and
ship as one JSON file per release under `data/`. Only the releases a run asks for
are loaded. `support.decide` turns a table into a verdict for one op type.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any, NamedTuple

from . import buildlogic
from .tableformat import SHARED_DIR, CMakeLogic, TableError, check_index, check_release, resolve_shared

__all__ = ["Capabilities", "Emission", "GeometryComputer", "ModuleOp", "Registration", "ReleaseTable",
           "ShapeSite", "TableError"]

DATA_DIR = Path(__file__).resolve().parent / "data"
PLATFORM_MACRO = re.compile(r"^__|_WIN32|ANDROID|APPLE|ARM|AARCH64|X86|SSE|AVX|NEON")


class Registration(NamedTuple):
    """One place the backend registers an execution for an op type."""

    file: str
    line: int
    requires: Mapping[str, bool]  # macro → value it must have; empty = always
    condition: str | None = None  # a condition too complex to split into macros, verbatim

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


class Emission(NamedTuple):
    """One command a geometry computer class can emit (`tableformat.Emission`)."""

    type: str
    at: str
    self: bool = False  # the computer hands the op itself on
    when: str | None = None  # enclosing `if (...)` verbatim; None: unconditional
    inputs: int | None = None  # the emission happens only with this many inputs


class GeometryComputer(NamedTuple):
    """A geometry computer class registered for an op type (`tableformat.GeometryComputer`)."""

    computer: str
    at: str
    registered_at: str
    compiler: str
    requires: Mapping[str, bool]
    emits: tuple[Emission, ...]

    @property
    def into(self) -> frozenset[str]:
        return frozenset(e.type for e in self.emits)


class ModuleOp(NamedTuple):
    """An op the Module layer runs as its own Module; no backend is asked for it."""

    op_type: str
    module: str
    at: str
    param: str | None = None  # the op must carry this OpParameter
    param_not: str | None = None  # ... or must not carry this one

    def applies(self, param_type: str) -> bool:
        """Whether an op of this type with main parameter `param_type` is taken out of the graph."""
        if self.param is not None and param_type != self.param:
            return False
        return self.param_not is None or param_type != self.param_not


class ShapeSite(NamedTuple):
    """A shape computer registration; `requires` holds preprocessor macros."""

    at: str
    requires: Mapping[str, bool]


class ReleaseTable:
    """The generated facts of one MNN release.

    `Capabilities` checks a loaded table against `tableformat` before building one; the
    accessors still default missing keys so tests can build small tables by hand.
    """

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.raw = raw
        self.verdicts: dict[tuple[object, ...], Any] = {}  # support.decide memo
        self.builds: dict[tuple[object, ...], dict[str, bool]] = {}  # build() memo

    def __repr__(self) -> str:
        return f"ReleaseTable({self.release!r})"

    @property
    def release(self) -> str:
        return str(self.raw["release"])

    @property
    def commit(self) -> str:
        return str(self.raw.get("commit", ""))

    @property
    def date(self) -> str:
        return str(self.raw.get("date", ""))

    @cached_property
    def op_types(self) -> Mapping[str, int]:
        return dict(self.raw.get("op_types", {}))

    @cached_property
    def op_names(self) -> Mapping[int, str]:
        return {v: k for k, v in self.op_types.items()}

    @cached_property
    def fused_op_types(self) -> frozenset[str]:
        return frozenset(self.raw.get("fused_op_types", ()))

    @property
    def backend_ids(self) -> list[str]:
        return sorted(self.raw.get("backends", {}))

    def has_backend(self, backend: str) -> bool:
        return backend in self.raw.get("backends", {})

    def has_op_table(self, backend: str) -> bool:
        """Whether the release's source shows what the backend registers.

        Some backend folders hold no execution source (NeuroPilot's is not distributed;
        RKNN runs as a CPU plugin op): for those mnnlint cannot tell which ops run.
        """
        return bool(self.backend(backend).get("ops"))

    def backend(self, backend: str) -> Mapping[str, Any]:
        return self.raw.get("backends", {}).get(backend, {})

    def registrations(self, backend: str, op_type: str) -> list[Registration]:
        files: Sequence[str] = self.raw.get("files", ())
        out = []
        for entry in self.backend(backend).get("ops", {}).get(op_type, ()):
            file_index, line = entry["at"]
            requires = entry.get("requires", {})
            if isinstance(requires, str):
                out.append(Registration(files[file_index], line, {}, requires))
            else:
                out.append(Registration(files[file_index], line, dict(requires), entry.get("condition")))
        return out

    def geometry(self, op_type: str) -> Mapping[str, Any] | None:
        """The raw geometry entry (`tableformat.GeometryEntry`): `into` is per computer class."""
        return self.raw.get("geometry", {}).get(op_type)

    def geometry_computers(self, op_type: str) -> tuple[GeometryComputer, ...]:
        """Every geometry computer class registered for `op_type`, one per compiler type."""
        entry = self.raw.get("geometry", {}).get(op_type) or {}
        return tuple(
            GeometryComputer(c["computer"], c["at"], c["registered_at"], c["compiler"], dict(c.get("requires", {})),
                             tuple(Emission(e["type"], e["at"], bool(e.get("self")), e.get("when"), e.get("inputs"))
                                   for e in c["emits"]))
            for c in entry.get("computers", ()))

    @cached_property
    def module_ops(self) -> Mapping[str, ModuleOp]:
        """Op types the Module layer takes out of the graph (express/module/PipelineModule.cpp)."""
        return {op: ModuleOp(op, m["module"], m["at"], m.get("param"), m.get("param_not"))
                for op, m in self.raw.get("module_ops", {}).items()}

    def shape_computers(self, op_type: str) -> tuple[ShapeSite, ...]:
        """Registrations of a shape computer for `op_type`; empty: resize fails on every backend."""
        return tuple(ShapeSite(s["at"], dict(s.get("requires", {})))
                     for s in self.raw.get("shape_computers", {}).get(op_type, ()))

    def has_shape_computer(self, op_type: str, build: Mapping[str, bool]) -> bool | None:
        """Whether `build` compiles a shape computer for `op_type`; None when a platform macro decides."""
        best: bool | None = False
        for site in self.shape_computers(op_type):
            values = [self.macro_value(m, build) == v if self.macro_value(m, build) is not None else None
                      for m, v in site.requires.items()]
            if all(v is True for v in values):
                return True
            if False not in values:
                best = None
        return best

    @cached_property
    def need_content(self) -> Mapping[str, Any]:
        """Op type -> inputs whose content the op never reads (`unread`: "all" or indices), with `at`."""
        return dict(self.raw.get("need_content", {}))

    @property
    def pipeline(self) -> Mapping[str, str]:
        """Named Pipeline.cpp sites (`backup_create`: the same command goes to the CPU backup)."""
        return dict(self.raw.get("pipeline", {}))

    def compiler(self, backend: str) -> str:
        """How the backend's runtime asks the geometry layer to prepare ops."""
        compilers = self.raw.get("compiler", {})
        return str(compilers.get(backend) or compilers.get(backend.split("-")[0]) or "Compiler_Geometry")

    def forward_types(self, backend: str) -> frozenset[str]:
        """The MNN_FORWARD_* names the backend's runtime registers as (CUDA, NN for CoreML/NNAPI, ...)."""
        types = self.raw.get("forward_types", {})
        return frozenset(types.get(backend) or types.get(backend.split("-")[0]) or ())

    def reaches(self, emission: Mapping[str, Any], backend: str) -> bool:
        """Whether a geometry emission happens for `backend`: false when an enclosing
        `if (context.forwardType() == ...)` leaves the backend's forward type out."""
        allowed = emission.get("forward")
        return allowed is None or bool(self.forward_types(backend) & set(allowed))

    @cached_property
    def never_executed(self) -> frozenset[str]:
        return frozenset(self.raw.get("never_executed", ()))

    # -- build configuration --------------------------------------------------------

    @property
    def profiles(self) -> Mapping[str, Mapping[str, bool]]:
        return self.raw.get("profiles", {"default": {}})  # type: ignore[no-any-return]

    @property
    def cmake(self) -> CMakeLogic:
        return self.raw.get("cmake") or {"options": {}, "steps": [], "definitions": {}}  # type: ignore[return-value]

    @cached_property
    def _cmake_variables(self) -> frozenset[str]:
        return buildlogic.variables(self.cmake)

    @cached_property
    def known_options(self) -> frozenset[str]:
        """Every CMake option the release declares (`option()`); --build-option must name one."""
        return frozenset(self.cmake["options"])

    def enabling_options(self, target: str) -> dict[str, bool]:
        """The CMake options a build for `target` sets, read from where the release builds it.

        `target` is a table backend id (`cuda`, `vulkan-image`) or the name two split
        tables share (`opencl`, `vulkan`): then only what both need. Taken from the
        backend's `enabled_requires` (the CMake `if()`s around its folder): the literals
        common to every alternative that name a declared option. `cpu` needs none, nor
        does a backend the release does not have.
        """
        entries = [b for name, b in self.raw.get("backends", {}).items()
                   if name == target or b.get("split_of") == target]
        if not entries:
            return {}   # the release lacks the backend: nothing to switch on (B004 says so)
        common: set[tuple[str, bool]] | None = None
        for entry in entries:
            for alternative in entry.get("enabled_requires", [{}]):
                lits = set(alternative.items())
                common = lits if common is None else common & lits
        return {name: value for name, value in sorted(common or ()) if name in self.known_options}

    def build(self, profile: str, overrides: Mapping[str, bool], target: str | None = None) -> dict[str, bool]:
        """CMake option values of a build for `target` with `profile` and `overrides` (--build-option).

        Configured like CMake does (see `buildlogic`): the profile's -D settings, the
        target's enabling options (MNN_CUDA=ON for `cuda`, ...), then the overrides, as
        -D settings in that order; then the release's option() and set() logic is
        replayed, so options that depend on them (MNN_QNN_ONLINE_FINALIZE on MNN_QNN,
        the transformer-fuse option on MNN_BUILD_LLM) follow.
        """
        key = (profile, tuple(sorted(overrides.items())), target)
        if key not in self.builds:  # a folder run asks the same few builds for every model
            self.builds[key] = self._configure(profile, overrides, target)
        return dict(self.builds[key])

    def _configure(self, profile: str, overrides: Mapping[str, bool], target: str | None) -> dict[str, bool]:
        if profile not in self.profiles:
            raise TableError(f"unknown build profile {profile!r} for MNN {self.release}; "
                             f"choose from {', '.join(sorted(self.profiles))}")
        presets = dict(self.profiles[profile])
        if target is not None:
            presets.update(self.enabling_options(target))
        presets.update(overrides)
        build = buildlogic.configure(self.cmake, presets)
        # a name this release does not declare (an option of another release) is kept as given;
        # refusing typos is the caller's job, with `known_options`
        build.update({k: bool(v) for k, v in overrides.items() if k not in build})
        return build

    def macro_value(self, macro: str, build: Mapping[str, bool]) -> bool | None:
        """Whether a preprocessor macro is defined under `build`; None when unknowable.

        A macro the build scripts define (`add_definitions(-DX)`) follows the
        condition around that definition; a platform test there, or a platform macro
        (the compiler's or the OS's), is unknowable from the build options alone.
        """
        if macro in self.cmake["definitions"]:
            return buildlogic.defined(self.cmake, macro, build, self._cmake_variables)
        option = self.raw.get("macros", {}).get(macro)
        if isinstance(option, str) and option in build:   # tables built by hand in tests
            return bool(build[option])
        if macro in build:
            return bool(build[macro])
        if PLATFORM_MACRO.search(macro) or not re.fullmatch(r"\w+", macro):
            return None  # the platform's macros, and expressions kept verbatim
        return False

    def option_for(self, macro: str) -> str:
        """The CMake option a user sets to define `macro`."""
        option = self.raw.get("macros", {}).get(macro, macro)
        return option if isinstance(option, str) else macro


class Capabilities:
    """All generated tables, loaded lazily per release."""

    def __init__(self, data_dir: Path = DATA_DIR) -> None:
        self.data_dir = data_dir
        self._cache: dict[str, ReleaseTable] = {}
        self._shared: dict[str, Any] = {}

    @cached_property
    def index(self) -> Mapping[str, Any]:
        path = self.data_dir / "index.json"
        if not path.exists():
            raise TableError(f"no capability tables at {self.data_dir}: run tools/gen_capabilities.py")
        index = json.loads(path.read_text())
        check_index(index, str(path))
        return index  # type: ignore[no-any-return]

    @property
    def releases(self) -> list[str]:
        """Release names oldest first; "HEAD" last when present."""
        return [r["release"] for r in self.index["releases"]]

    @property
    def latest(self) -> str:
        tagged = [r for r in self.releases if r != "HEAD"]
        return tagged[-1]

    def release(self, name: str) -> ReleaseTable:
        if name not in self._cache:
            if name not in self.releases:
                raise TableError(f"no tables for MNN {name}; known releases: {', '.join(self.releases)}")
            self._cache[name] = ReleaseTable(self._load(name))
        return self._cache[name]

    def _load(self, name: str) -> dict[str, Any]:
        """A release file with its `shared` parts put back in place.

        Facts that repeat across releases (the file table, enums, unchanged backends)
        are stored once under data/shared/ and named from each release file.
        """
        raw: dict[str, Any] = json.loads((self.data_dir / f"{name}.json").read_text())
        resolve_shared(raw, self._read_shared)
        check_release(raw, name)
        return raw

    def _read_shared(self, file_name: str) -> Any:
        if file_name not in self._shared:
            self._shared[file_name] = json.loads((self.data_dir / SHARED_DIR / file_name).read_text())
        return self._shared[file_name]

    def resolve_versions(self, spec: str) -> list[str]:
        """Releases named by `latest`, `all`, `HEAD`, `3.2.0`, `3.2` or a range `>=2.8,<3.3`."""
        from ..release import select_releases

        return select_releases(spec, self.releases)

    def gained(self, backend: str, op_type: str, after: str) -> tuple[str, Registration] | None:
        """The first release after `after` where `backend` registers `op_type`, and how."""
        tagged = [r for r in self.releases if r != "HEAD"]
        later = tagged[tagged.index(after) + 1:] if after in tagged else []
        for name in later:
            regs = self.release(name).registrations(backend, op_type)
            if regs:
                return name, min(regs, key=lambda r: len(r.requires))
        return None

