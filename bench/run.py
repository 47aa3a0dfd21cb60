"""mnnlint next to MNN's own tools on the same files: wall time and peak RSS, side by side.

    python bench/run.py [--runs 5] [--json-runs 1] [--check-args "--target cuda"] [--skip-json]

Builds its inputs first (bench/build.py, cached in bench/.cache/). Every measurement is
one fresh process, timed from spawn to exit, with its own peak RSS from GNU time; the
table shows the median over --runs. The headline pair (mnnlint's check form and
`MNNConvert --info` on the large model) is measured interleaved, run by run, so that
load on a shared machine hits both alike. The reader's cost per op is CPU time inside
a fresh process (`read_model` alone), median over --runs. MNN's tools run the way the brief allows: the
converter extension in a child (`_tools.mnnconvert`, never the console script), each
in its own empty working directory, and the runtime through `MNN.nn.load_module_from_file`.
"""

from __future__ import annotations

import argparse
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import build  # noqa: E402

PY = sys.executable
TIME = "/usr/bin/time"  # GNU time (Debian package `time`): peak RSS of exactly one child
CONVERTER = "import sys, _tools; _tools.mnnconvert(sys.argv[1:])"
RUNTIME = "import sys, MNN; MNN.nn.load_module_from_file(sys.argv[1], [], [])"
TARGETS = {"wall vs --info": 0.15, "rss vs --info": 0.05, "reader us/op": 30.0, "folder2000 s": 5.0,
           "version s": 0.150}
READER = ("import sys, time\nfrom mnnlint.reader import read_model\n"
          "t = time.process_time(); m = read_model(sys.argv[1]); t = time.process_time() - t\n"
          "print(m.op_count(), t)")


@dataclass(frozen=True)
class Sample:
    seconds: float
    rss_mib: float
    code: int
    cpu: float = 0.0  # user + system CPU seconds of the child


CPU: dict[tuple[str, ...], list[float]] = {}
"""Median CPU seconds (user + system) per measured command line, for the CPU column."""


def measure(argv: Sequence[str], runs: int) -> tuple[float, float, int]:
    """(median wall s, median peak RSS MiB, last exit code) of `argv`, each run a fresh process.

    The median CPU time lands in CPU[argv]: on a shared, loaded machine wall time
    stretches with other people's work, CPU time much less.
    """
    samples = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="mnnlint-bench-") as cwd:
            # /usr/bin/time, not wait4() here: a child forked from this process inherits its RSS
            # high-water mark, which would floor every small measurement at this process's size.
            report = Path(cwd) / ".time"
            start = time.perf_counter()
            proc = subprocess.run([TIME, "-f", "%M %U %S", "-o", str(report), *argv], cwd=cwd,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            elapsed = time.perf_counter() - start
            rss_kib, user, system = report.read_text().split()[-3:]
        samples.append(Sample(elapsed, int(rss_kib) / 1024, proc.returncode, float(user) + float(system)))
    CPU.setdefault(tuple(argv), []).extend(s.cpu for s in samples)
    return (statistics.median(s.seconds for s in samples), statistics.median(s.rss_mib for s in samples),
            samples[-1].code)


def compile_bytecode() -> None:
    """Byte-compile mnnlint's modules, as `pip install` does for a user.

    An editable checkout under PYTHONDONTWRITEBYTECODE (set on some CI machines) would
    otherwise compile every module from source in every measured process: start-up
    cost no installed mnnlint pays.
    """
    import compileall
    import importlib.util

    for package in ("mnnlint", "mnnlint.rules", "mnnlint.schemas"):
        spec = importlib.util.find_spec(package)
        for folder in (spec.submodule_search_locations or []) if spec else []:
            compileall.compile_dir(folder, quiet=1)


def reader_per_op(path: Path, runs: int) -> tuple[int, float]:
    """(op count, median reader CPU microseconds per op), each run a fresh process."""
    samples = []
    ops = 0
    for _ in range(runs):
        out = subprocess.run([PY, "-c", READER, str(path)], capture_output=True, text=True, check=True).stdout
        count, seconds = out.split()
        ops = int(count)
        samples.append(float(seconds) / ops * 1e6)
    return ops, statistics.median(samples)


def interleaved(a: Sequence[str], b: Sequence[str], runs: int) -> tuple[tuple[float, float, int], ...]:
    """`measure` of a and b, alternating run by run."""
    got: list[list[Sample]] = [[], []]
    for _ in range(runs):
        for i, argv in enumerate((a, b)):
            wall, rss, code = measure(argv, 1)
            got[i].append(Sample(wall, rss, code))
    return tuple((statistics.median(s.seconds for s in g), statistics.median(s.rss_mib for s in g), g[-1].code)
                 for g in got)


def mnnlint(*args: str) -> list[str]:
    return [PY, "-m", "mnnlint", *args]


def converter(*args: str) -> list[str]:
    return [PY, "-c", CONVERTER, "mnnconvert", *args]


def check_form_args(requested: str | None, probe: Path) -> list[str] | None:
    """The check form's arguments when this mnnlint has it (exit 0 or 1 on a sound fixture)."""
    args = shlex.split(requested) if requested else ["--target", "cuda"]
    proc = subprocess.run(mnnlint(*args, str(probe)), capture_output=True, text=True)
    return args if proc.returncode in (0, 1) else None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json-runs", type=int, default=1, help="runs of --JsonFile on the large model (~45 s each)")
    parser.add_argument("--skip-json", action="store_true")
    parser.add_argument("--check-args", default=None, help='check form arguments (default "--target cuda")')
    args = parser.parse_args(argv)

    print("building inputs (cached in bench/.cache)...", file=sys.stderr, flush=True)
    compile_bytecode()
    large, external = build.large_models()
    corpus = build.corpus()
    corpus_files = sorted(corpus.glob("*.mnn"))
    folder = build.folder(2000)
    check = check_form_args(args.check_args, large) or ["inspect"]
    runs = args.runs
    rows: list[tuple[str, str, float, float, int, float]] = []

    def cpu(cmd: Sequence[str]) -> float:
        return statistics.median(CPU[tuple(cmd)])

    def row(what: str, subject: str, cmd: Sequence[str], n: int = runs) -> tuple[float, float]:
        print(f"  {what} on {subject}...", file=sys.stderr, flush=True)
        wall, rss, code = measure(cmd, n)
        rows.append((what, subject, wall, rss, code, cpu(cmd)))
        return wall, rss

    size_mb = large.stat().st_size / 1e6
    big = f"large ({size_mb:.0f} MB)"
    ext = "external twin"
    print(f"  mnnlint {' '.join(check)} and MNNConvert --info on {big}, interleaved...", file=sys.stderr, flush=True)
    check_cmd, info_cmd = mnnlint(*check, str(large)), converter("-f", "MNN", "--modelFile", str(large), "--info")
    (check_wall, check_rss, check_code), (info_wall, info_rss, info_code) = interleaved(check_cmd, info_cmd, runs)
    rows.append((f"mnnlint {' '.join(check)}", big, check_wall, check_rss, check_code, cpu(check_cmd)))
    rows.append(("MNNConvert --info", big, info_wall, info_rss, info_code, cpu(info_cmd)))
    row("mnnlint inspect", big, mnnlint("inspect", str(large)))
    if not args.skip_json:
        row("MNNConvert -f MNN --JsonFile", big, converter("-f", "MNN", "--modelFile", str(large), "--JsonFile",
                                                            "out.json"), args.json_runs)
    row("MNN.nn.load_module_from_file", big, [PY, "-c", RUNTIME, str(large)])
    row(f"mnnlint {' '.join(check)}", ext, mnnlint(*check, str(external)))
    row("MNNConvert --info", ext, converter("-f", "MNN", "--modelFile", str(external), "--info"))
    folder_wall, _ = row(f"mnnlint {' '.join(check)} (one process)", "folder (2000 models)",
                         mnnlint(*check, str(folder)), max(1, runs // 2))
    row("mnnlint inspect (one process)", f"corpus ({len(corpus_files)} models)",
        mnnlint("inspect", str(corpus)), max(1, runs // 2))
    version_wall, _ = row("mnnlint --version", "-", mnnlint("--version"), runs * 2)
    ops, per_op = reader_per_op(large, runs)

    print(f"\nmedians of {runs} runs (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
    print(f"{'tool':<42} {'input':<22} {'wall s':>8} {'CPU s':>7} {'peak RSS MiB':>13} {'exit':>5}")
    for what, subject, wall, rss, code, cpu_s in rows:
        print(f"{what:<42} {subject:<22} {wall:>8.3f} {cpu_s:>7.3f} {rss:>13.1f} {code:>5}")
    print(f"reader (read_model, CPU) on {big}: {ops} ops, {per_op:.1f} us/op, {per_op * ops / 1e3:.1f} ms")
    print("\ntargets")
    results = {
        "wall vs --info": check_wall / info_wall,
        "rss vs --info": check_rss / info_rss,
        "reader us/op": per_op,
        "folder2000 s": folder_wall,
        "version s": version_wall,
    }
    failed = False
    for key, value in results.items():
        ok = value <= TARGETS[key]
        failed |= not ok
        print(f"  {key:<16} {value:8.3f}  (target <= {TARGETS[key]})  {'ok' if ok else 'MISSED'}")
    print(f"  (CPU time vs --info: {cpu(check_cmd) / cpu(info_cmd):.3f})")
    whole_per_op = (check_wall - version_wall) / ops * 1e6
    print(f"  whole process beyond --version start-up: {whole_per_op:.0f} us/op on the large model")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
