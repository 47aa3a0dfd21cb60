"""Which MNN the cross-check runs against: release, backend and build, found by asking it.

The release is the one the probe reports (`MNN.version()`, or `MNN::getVersion()` in
the C++ probe). Build options are read from behaviour, not
assumed: the pip wheel is built by pymnn's build_deps.py, whose `llm` flavour turns on
MNN_BUILD_LLM (and through it MNN_LOW_MEMORY and MNN_SUPPORT_TRANSFORMER_FUSE), but a
user's wheel may not be. `fuse_probe.mnn` holds one `Attention` op and no weights:
MNN's shape function for Attention (ShapeAttention.cpp) is compiled only with
MNN_SUPPORT_TRANSFORMER_FUSE, so the probe either runs (ON) or stops at
`Compute Shape Error` (OFF).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .probe import Observation, run_batch

FUSE_PROBE = Path(__file__).with_name("data") / "fuse_probe.mnn"
FUSE_OPTION = "MNN_SUPPORT_TRANSFORMER_FUSE"


class RuntimeMissing(Exception):
    """No MNN runtime to cross-check against."""


@dataclass(frozen=True)
class Runtime:
    release: str
    backend: str  # mnnlint's backend id, e.g. "cpu"
    build_options: dict[str, bool] = field(default_factory=dict)
    evidence: dict[str, str] = field(default_factory=dict)  # option -> how it was learned
    command: tuple[str, ...] | None = None  # the probe's command; None: this Python's `MNN`

    @property
    def profile(self) -> str:
        """mnnlint's build profile that matches what was observed."""
        return "llm" if self.build_options.get(FUSE_OPTION) else "default"

    def to_json(self) -> dict[str, object]:
        return {"release": self.release, "backend": self.backend, "profile": self.profile,
                "build_options": self.build_options, "evidence": self.evidence}


def detect(backend: str = "cpu", command: Sequence[str] | None = None, release: str | None = None) -> Runtime:
    """The runtime under test, with the build options its behaviour shows."""
    fuse: Observation = run_batch([str(FUSE_PROBE)], command=command, seconds=60)[0]
    release = release or fuse.version
    if release is None:
        what = "the probe command" if command else "the `mnn` package (pip install 'mnnlint[runtime]')"
        last = (fuse.output.strip().splitlines() or [fuse.error or fuse.signal or "no output"])[-1]
        raise RuntimeMissing(f"{what} did not start: {last[:200]}")
    on = fuse.finished and not fuse.shape_errors
    stop = (fuse.shape_errors and "Compute Shape Error") or fuse.error or fuse.signal
    how = "fuse_probe.mnn (one Attention op) " + ("ran" if on else f"did not run: {stop}")
    return Runtime(release=release, backend=backend, build_options={FUSE_OPTION: on},
                   evidence={FUSE_OPTION: how}, command=tuple(command) if command else None)
