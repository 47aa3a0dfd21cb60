"""Run models on a real MNN runtime in child processes and record what the runtime said.

Why a child: a model can kill MNN (SIGFPE, SIGSEGV, abort) or hang it; the cross-check
must outlive both. Models go to one child in a batch (start-up is paid once); when a
model kills the child, that model is recorded as killed and a fresh child carries on
with the rest. Every child starts in its own empty working directory, so nothing MNN
writes lands next to the user's files, and only `MNN` (never the `mnn` console scripts,
which phone home) is imported.

The same protocol serves the C++ probe in tools/probe/ (a user's own MNN build): pass
its command as `command`.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

_MARK = re.compile(r"^@@MNNLINT (BEGIN|PHASE|END|VERSION) ?(\S*) ?(.*)$", re.MULTILINE)
_VERSION = re.compile(r"^@@MNNLINT VERSION (\S+)$", re.MULTILINE)
# "Don't support type [X]" (CPU, Metal), "CUDABackend Don't support type X, name",
# "[NPU] Don't support type 12, name" (an OpType number on some backends).
_UNSUPPORTED = re.compile(r"(?<!Creator )Don't support type\s*\[?\s*([A-Za-z0-9_]+)")
_CREATOR = re.compile(r"The Creator Don't support type\s*\[?\s*([A-Za-z0-9_]+)")
_SHAPE = re.compile(r"Compute Shape Error for (.*)")
_CREATE = re.compile(r"Create execution error : (-?\d+)")
_TAIL = 1500


@dataclass(frozen=True)
class Observation:
    """What one model did on the runtime."""

    model: str
    unsupported: frozenset[str] = frozenset()  # "Don't support type X": no creator registered
    creator_refused: frozenset[str] = frozenset()  # "The Creator Don't support type X": creator returned null
    shape_errors: tuple[str, ...] = ()  # op names (or type numbers) of "Compute Shape Error for ..."
    create_errors: tuple[int, ...] = ()  # OpType numbers of "Create execution error : N"
    signal: str | None = None  # "SIGFPE", ... when the runtime was killed; "timeout" for the alarm
    finished: bool = False  # one forward ran to the end (session, or module when the session refused)
    api: str | None = None  # "session" or "module": which API the verdict comes from
    error: str | None = None  # a refusal the runtime reported through its API
    version: str | None = None  # the release the probe reported (MNN.version(), MNN::getVersion())
    nonfinite: bool = False  # a float output held NaN or Inf (C++ probe)
    max_abs_err: float | None = None  # largest |output - reference| where references were given (C++ probe)
    output: str = field(default="", repr=False, compare=False)

    @property
    def failed(self) -> bool:
        """The model could not run on this runtime (it may still have run partly on a fallback)."""
        return not self.finished

    def to_json(self) -> dict[str, object]:
        return {
            "unsupported": sorted(self.unsupported), "creator_refused": sorted(self.creator_refused),
            "shape_errors": list(self.shape_errors), "create_errors": list(self.create_errors),
            "signal": self.signal, "finished": self.finished, "api": self.api, "error": self.error,
            "nonfinite": self.nonfinite, "max_abs_err": self.max_abs_err,
        }


def _signal_name(returncode: int) -> str:
    try:
        name = signal.Signals(-returncode).name
    except ValueError:
        return f"signal {-returncode}"
    return "timeout" if name == "SIGALRM" else name


def _parse(model: str, text: str, end: dict[str, object] | None, died: str | None,
           version: str | None = None) -> Observation:
    """One model's slice of the child's output. When the session refused and the module ran,
    only the module's messages count: the runtime can run the model."""
    phases = re.split(r"^@@MNNLINT PHASE (\w+)$", text, flags=re.MULTILINE)
    by_phase = dict(zip(phases[1::2], phases[2::2], strict=False))
    finished = bool(end and end.get("finished"))
    if finished and end and end.get("api") == "module":
        text = by_phase.get("module", text)
    body = _MARK.sub("", text)
    return Observation(
        model=model,
        unsupported=frozenset(_UNSUPPORTED.findall(body)),
        creator_refused=frozenset(_CREATOR.findall(body)),
        shape_errors=tuple(dict.fromkeys(s.strip() for s in _SHAPE.findall(body))),
        create_errors=tuple(dict.fromkeys(int(n) for n in _CREATE.findall(body))),
        signal=died,
        finished=finished and died is None,
        api=str(end["api"]) if end and end.get("api") else None,
        error=str(end["error"]) if end and end.get("error") else None,
        version=version,
        nonfinite=bool(end and end.get("nonfinite")),
        max_abs_err=float(end["max_abs_err"]) if end and end.get("max_abs_err") is not None else None,
        output=body.strip()[-_TAIL:],
    )


def _malloc_checks() -> dict[str, str]:
    """glibc's heap checker for the child, when this glibc has one.

    A model can corrupt MNN's heap and still finish its forward: pip MNN 3.6.1 runs a
    1-D x 1-D MatMul to the end in one process and aborts with `corrupted size vs.
    prev_size` in the next, depending on the heap's layout. With the checker the
    corruption ends in SIGABRT every time, so the verdict does not depend on luck.
    """
    import ctypes.util

    lib = ctypes.util.find_library("c_malloc_debug")
    return {"LD_PRELOAD": lib, "MALLOC_CHECK_": "3"} if lib else {}


def python_command(backend: str = "CPU") -> list[str]:
    """The child that runs models on the pip `mnn` package with this Python."""
    source = (Path(__file__).with_name("_child.py")).read_text(encoding="utf-8")
    return [sys.executable, "-c", source, backend]


def run_batch(models: Sequence[str], *, command: Sequence[str] | None = None, seconds: int = 60,
              per_process: int = 1) -> list[Observation]:
    """Observations for `models`, in order. A model that kills the runtime is recorded and skipped.

    One model per process by default: a model can corrupt the heap and still finish
    (pip MNN 3.6.1, a 1-D x 1-D MatMul), and the next model in the same process would
    then die for it. `per_process` > 1 trades that for start-up time (CUDA: seconds).
    """
    command = list(command or python_command())
    done: list[Observation] = []
    paths = [str(Path(m).resolve()) for m in models]
    for start in range(0, len(paths), per_process):
        done.extend(_run_chunk(paths[start:start + per_process], command, seconds))
    return done


def _run_chunk(pending: list[str], command: list[str], seconds: int) -> list[Observation]:
    env = _malloc_checks() if command[:1] == [sys.executable] else {}
    done: list[Observation] = []
    while pending:
        with tempfile.TemporaryDirectory(prefix="mnnlint-crosscheck-") as cwd:
            try:
                proc = subprocess.run(
                    [*command, str(seconds), *pending], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL, timeout=seconds * len(pending) + 60,
                    env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1", **env},
                )
                text, returncode = proc.stdout.decode("utf-8", "replace"), proc.returncode
            except subprocess.TimeoutExpired as exc:
                text, returncode = (exc.stdout or b"").decode("utf-8", "replace"), -signal.SIGALRM
            except OSError as exc:
                return done + [Observation(m, error=f"cannot start the probe: {exc}") for m in pending]
        done_now = _split(pending, text, returncode)
        done.extend(done_now)
        pending = pending[len(done_now):]
    return done


def _split(pending: list[str], text: str, returncode: int) -> list[Observation]:
    """Observations for the models this child got through; the last one is the killer, if any."""
    out: list[Observation] = []
    found = _VERSION.search(text)
    version = found.group(1) if found else None
    begin: int | None = None
    start = 0
    for mark in _MARK.finditer(text):
        kind, arg, rest = mark.groups()
        if kind == "BEGIN":
            begin, start = int(arg), mark.end()
        elif kind == "END" and begin is not None:
            try:
                end = json.loads(rest) if rest else {}
            except ValueError:  # a probe that printed a value JSON cannot hold: keep what is readable
                end = {"finished": '"finished": true' in rest, "api": "session", "error": None}
            out.append(_parse(pending[begin], text[start:mark.start()], end, None, version))
            begin = None
    if len(out) < len(pending):
        index = len(out)
        died = _signal_name(returncode) if returncode < 0 else f"exit status {returncode}"
        tail = text[start:] if begin == index else text[-_TAIL:]
        out.append(_parse(pending[index], tail, None, died, version))
    return out
