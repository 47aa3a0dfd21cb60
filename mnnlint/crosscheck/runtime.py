"""Which MNN the cross-check runs against: release, backend and build, found by asking it.

The release comes from `MNN.version()`. Build options are read from behaviour, not
assumed: the pip wheel is built by pymnn's build_deps.py, whose `llm` flavour turns on
MNN_BUILD_LLM (and through it MNN_LOW_MEMORY and MNN_SUPPORT_TRANSFORMER_FUSE), but a
user's wheel may not be. `fuse_probe.mnn` holds one `Attention` op and no weights:
MNN's shape function for Attention (ShapeAttention.cpp) is compiled only with
MNN_SUPPORT_TRANSFORMER_FUSE, so the probe either runs (ON) or stops at
`Compute Shape Error` (OFF).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
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


def pip_release() -> str:
    """`MNN.version()` of this Python's `mnn` package, asked in a child (importing MNN prints)."""
    with tempfile.TemporaryDirectory(prefix="mnnlint-crosscheck-") as cwd:
        try:
            proc = subprocess.run([sys.executable, "-c", "import MNN, sys; sys.stderr.write('@@' + MNN.version())"],
                                  cwd=cwd, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise RuntimeMissing(f"cannot start Python to import MNN: {exc}") from exc
    marker = proc.stderr.rsplit("@@", 1)
    if proc.returncode != 0 or len(marker) != 2:
        raise RuntimeMissing("the `mnn` package is not importable here (pip install 'mnnlint[runtime]')")
    return marker[1].strip()


def detect(backend: str = "cpu", command: Sequence[str] | None = None, release: str | None = None) -> Runtime:
    """The runtime under test, with the build options its behaviour shows."""
    release = release or pip_release()
    fuse: Observation = run_batch([str(FUSE_PROBE)], command=command, seconds=60)[0]
    on = fuse.finished and not fuse.shape_errors
    how = ("fuse_probe.mnn (one Attention op) ran" if on else
           f"fuse_probe.mnn (one Attention op) did not run: {fuse.shape_errors and 'Compute Shape Error' or fuse.error or fuse.signal}")
    return Runtime(release=release, backend=backend, build_options={FUSE_OPTION: on},
                   evidence={FUSE_OPTION: how}, command=tuple(command) if command else None)
