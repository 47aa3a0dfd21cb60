"""The capability tables: which op types each MNN backend runs, per release and build.

The tables are generated from MNN's own source by `tools/gen_capabilities.py` and
ship as one JSON file per release under `data/`. Only the releases a run asks for
are loaded. `support.decide` turns a table into a verdict for one op type.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, NamedTuple

from ..errors import UsageError
from ..model import Model

DATA_DIR = Path(__file__).resolve().parent / "data"
PLATFORM_MACRO = re.compile(r"^__|_WIN32|ANDROID|APPLE|ARM|AARCH64|X86|SSE|AVX|NEON")


class TableError(UsageError):
    """A release, backend or version range the tables cannot answer: a usage error."""


class Registration(NamedTuple):
    """One place the backend registers an execution for an op type."""

    file: str
    line: int
    requires: Mapping[str, bool]  # macro → value it must have; empty = always
    condition: str | None = None  # a condition too complex to split into macros, verbatim

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass
class ReleaseTable:
    """The generated facts of one MNN release."""

    raw: Mapping[str, Any]
    verdicts: dict[tuple[object, ...], Any] = field(default_factory=dict, repr=False)  # support.decide memo

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
        return self.raw.get("geometry", {}).get(op_type)

    def compiler(self, backend: str) -> str:
        """How the backend's runtime asks the geometry layer to prepare ops."""
        compilers = self.raw.get("compiler", {})
        return str(compilers.get(backend) or compilers.get(backend.split("-")[0]) or "Compiler_Geometry")

    @cached_property
    def never_executed(self) -> frozenset[str]:
        return frozenset(self.raw.get("never_executed", ()))

    # -- build configuration --------------------------------------------------------

    @property
    def profiles(self) -> Mapping[str, Mapping[str, bool]]:
        return self.raw.get("profiles", {"default": {}})

    def build(self, profile: str, overrides: Mapping[str, bool]) -> dict[str, bool]:
        """CMake option values for `profile` with `overrides` (--build-option) applied."""
        if profile not in self.profiles:
            raise TableError(f"unknown build profile {profile!r} for MNN {self.release}; "
                             f"choose from {', '.join(sorted(self.profiles))}")
        options = dict(self.raw.get("cmake_options", {}))
        options.update(self.profiles[profile])
        options.update(overrides)
        return options

    def macro_value(self, macro: str, build: Mapping[str, bool]) -> bool | None:
        """Whether a preprocessor macro is defined under `build`; None when unknowable.

        A macro set by a CMake option follows the option; a platform macro (the
        compiler's or the OS's) is unknowable from the build options alone.
        """
        option = self.raw.get("macros", {}).get(macro, macro)
        if isinstance(option, str) and option in build:
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


@dataclass
class Capabilities:
    """All generated tables, loaded lazily per release."""

    data_dir: Path = DATA_DIR
    _cache: dict[str, ReleaseTable] = field(default_factory=dict)
    _shared: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def index(self) -> Mapping[str, Any]:
        path = self.data_dir / "index.json"
        if not path.exists():
            raise TableError(f"no capability tables at {self.data_dir}: run tools/gen_capabilities.py")
        return json.loads(path.read_text())

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
        for key, file_name in raw.get("shared", {}).items():
            if file_name not in self._shared:
                self._shared[file_name] = json.loads((self.data_dir / "shared" / file_name).read_text())
            *parents, last = key.split("/")
            node = raw
            for part in parents:
                node = node.setdefault(part, {})
            node[last] = self._shared[file_name]
        return raw

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

    def default_profile(self, model: Model, table: ReleaseTable) -> str:
        """`llm` for LLM exports and models holding transformer-fused ops, else `default`.

        Such models are made for MNN's LLM runtime, and builds for it are configured
        with MNN_BUILD_LLM=ON; the report always names the profile it assumed.
        """
        made_for_llm = model.llm is not None or bool(table.fused_op_types & set(model.type_histogram()))
        return "llm" if made_for_llm and "llm" in table.profiles else "default"
