"""Run mnnlint on one candidate file and classify what happened.

The oracle: reading a file either gives a Model (and everything downstream of it
works on that Model) or raises `mnnlint.errors.InputError`. Anything else is a crash;
running past the time limit is a hang; allocating far more than the file's size is a
memory bug. Runs in-process for speed; `cli_check` proves the same in a child.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import resource
import shutil
import subprocess
import sys
import time
import traceback
import tracemalloc
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path

from mnnlint import cli
from mnnlint.describe import describe
from mnnlint.errors import InputError
from mnnlint.graph import build_graph, subgraph_depths
from mnnlint.inputs import ModelSource
from mnnlint.limits import time_limit
from mnnlint.loader import load

from .mutate import Base

import_module("networkx")  # build_graph imports it lazily; importing it once here keeps it out of traced peaks

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures" / "models"
REGRESSIONS = Path(__file__).resolve().parent / "regressions"
MEMORY_FACTOR, MEMORY_SLACK = 200, 8 << 20
"""Python objects per op cost far more than the op's bytes; 200x + 8 MiB still catches blow-ups."""


@dataclass(frozen=True, slots=True)
class Outcome:
    kind: str  # clean | rejected | crash | hang | memory
    detail: str
    seconds: float  # wall time, for reports only: a loaded machine stretches it
    traced_peak: int = 0
    cpu_seconds: float = 0.0  # what the hang verdict and the tests' time bounds use


def bases() -> list[Base]:
    return [Base.of(str(p.relative_to(FIXTURES)), p.read_bytes()) for p in sorted(FIXTURES.rglob("*.mnn"))]


class Workdir:
    """A scratch folder holding each fixture's weight file, so mutants of external-weight models go deep."""

    def __init__(self, root: Path) -> None:
        self.root = root
        for weight in FIXTURES.rglob("*.weight"):
            target = root / weight.relative_to(FIXTURES)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(weight, target)

    def place(self, base_name: str, data: bytes) -> Path:
        path = self.root / base_name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return path


# The github format's own commands: a level with properties free of `:`, or its one group.
_OWN_COMMAND = re.compile(r"::(error|warning|notice)( [^:]*)?::.*|::group::mnnlint: all findings|::endgroup::")


def unsafe_output(printed: str, github: bool = False) -> str | None:
    """Why `printed` (a report) could act on a terminal or a CI log, or None when it cannot:
    an ESC or 8-bit CSI byte, `##[`, or a line that starts a GitHub workflow command (other
    than the github format's own, when `github`)."""
    if "\x1b" in printed or "\x9b" in printed:
        return "an escape sequence reached the output"
    for line in re.split(r"\r\n|\r|\n", printed):
        body = line.lstrip()
        if "##[" in line or (body.startswith("::") and not (github and _OWN_COMMAND.fullmatch(body))):
            return f"a workflow command reached the output: {line[:120]!r}"
    return None


def _exercise(path: Path, cli_args: Sequence[str] | None) -> str:
    """Load and use the model the way the CLI does; 'clean' or 'rejected: <line>'."""
    if cli_args is not None:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = cli.main([*cli_args, str(path)])
        lines = err.getvalue().strip().splitlines()
        if code not in (0, 1, 2) or "Traceback" in err.getvalue():
            raise AssertionError(f"exit {code}: {err.getvalue()[-500:]}")
        github = bool({"github", "--format=github", "--output-format=github"} & set(cli_args))
        unsafe = unsafe_output(out.getvalue() + err.getvalue(), github)
        if unsafe:
            raise AssertionError(unsafe)
        if code == 2 and (len(lines) != 1 or str(path) not in lines[0]):
            raise AssertionError(f"exit 2 without one error line naming the file: {lines!r}")
        return "rejected: " + lines[0] if code == 2 else "clean"
    try:
        model = load(ModelSource(str(path)))
    except InputError as err:
        if "\n" in str(err) or not str(err).startswith(str(path)):
            raise AssertionError(f"InputError is not one line naming the file: {err!r}") from None
        return f"rejected: {err}"
    describe(model)
    subgraph_depths(model)
    build_graph(model)
    unknown = sorted({op.type_id for op in model.all_ops() if op.type_name is None})
    if unknown and not _v001_reports(path, unknown):
        raise AssertionError(f"op type ids {unknown} that no release defines linted without V001")
    return "clean"


def _v001_reports(path: Path, type_ids: Sequence[int]) -> bool:
    """Whether the check form reports V001 for each of `type_ids` (a silent wrong answer otherwise)."""
    import json

    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        cli.main(["--target", "cpu", "--select", "V001", "--output-format", "json", "--isolated", str(path)])
    try:
        found = json.loads(out.getvalue()).get("diagnostics", [])
    except ValueError:
        return False
    reported = " ".join(d["message"] for d in found if d["code"] == "V001")
    return all(f"op type id {i} " in reported for i in type_ids)


WALL_FACTOR = 10
"""The wall-clock limit is this many times the CPU budget: a safety net for true hangs
(a blocked read) that a machine under load cannot trip; the verdict uses CPU time."""


def check_file(path: Path, *, seconds: float = 3.0, trace_memory: bool = False,
               cli_args: Sequence[str] | None = None) -> Outcome:
    """Classify one file; `seconds` is its CPU budget (wall time is allowed WALL_FACTOR times that)."""
    size = path.stat().st_size
    if trace_memory:
        tracemalloc.start()
    start = time.perf_counter()
    cpu_start = time.process_time()
    try:
        with time_limit(seconds * WALL_FACTOR, str(path) + " [fuzz]"):
            verdict = _exercise(path, cli_args)
        kind, detail = ("clean", "") if verdict == "clean" else ("rejected", verdict[len("rejected: "):])
    except InputError as err:
        if "[fuzz]" in str(err):
            kind, detail = "hang", f"over {seconds * WALL_FACTOR:g} s of wall time"
        else:  # only cli_args=None lets InputError out of _exercise
            kind, detail = "crash", f"InputError escaped: {err}"
    except BaseException as err:
        if isinstance(err, KeyboardInterrupt):
            raise
        kind, detail = "crash", "".join(traceback.format_exception(err)[-6:])
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    if kind in ("clean", "rejected") and cpu > seconds:
        kind, detail = "hang", f"{cpu:.1f} s of CPU time (budget {seconds:g} s)"
    peak = 0
    if trace_memory:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        if kind != "crash" and peak > MEMORY_FACTOR * size + MEMORY_SLACK:
            kind, detail = "memory", f"traced peak {peak} bytes for a {size}-byte file"
    return Outcome(kind, detail, elapsed, peak, cpu)


def shrink_while_reading(path: Path, cut: int) -> str:
    """Cut `path` to `cut` bytes after the reader opened it; the one-line error it gave, or 'clean'.

    The class that killed folder runs with SIGBUS while the reader memory-mapped files:
    a model still being written (or replaced) under the linter. Any answer but the
    "changed while it was being read" input error is a failure.
    """
    from mnnlint import reader

    real = reader._read_file

    def cut_then_read(name: str, ff: object) -> object:
        with open(name, "r+b") as handle:
            handle.truncate(cut)
        return real(name, ff)

    reader._read_file = cut_then_read
    try:
        load(ModelSource(str(path)))
    except InputError as err:
        return str(err)
    finally:
        reader._read_file = real
    return "clean"


def peak_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def cli_check(path: Path, cli_args: Sequence[str] = ("inspect",), timeout: float = 60) -> tuple[int, list[str], str]:
    """(exit code, stderr lines, everything printed) of `python -m mnnlint ARGS PATH` in a child."""
    proc = subprocess.run([sys.executable, "-m", "mnnlint", *cli_args, str(path)], capture_output=True,
                          text=True, timeout=timeout, env={**os.environ, "NO_COLOR": "1"})
    return proc.returncode, proc.stderr.strip().splitlines(), proc.stdout + proc.stderr
