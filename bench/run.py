"""mnnlint next to MNN's own tools on the same files: wall time and peak RSS, side by side.

    python bench/run.py [--runs 5] [--json-runs 1] [--check-args "--target cuda"] [--skip-json]

Builds its inputs first (bench/build.py, cached in bench/.cache/). Every measurement is
one fresh process, timed from spawn to exit, with its own peak RSS from GNU time; the
table shows the median over --runs. MNN's tools run the way the brief allows: the
converter extension in a child (`_tools.mnnconvert`, never the console script), each
in its own empty working directory, and the runtime through `MNN.nn.load_module_from_file`.
"""

from __future__ import annotations

import argparse
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
TARGETS = {"wall vs --info": 0.25, "rss vs --info": 0.15, "corpus s": 10.0, "version s": 0.150}


@dataclass(frozen=True)
class Sample:
    seconds: float
    rss_mib: float
    code: int


def measure(argv: Sequence[str], runs: int) -> tuple[float, float, int]:
    """(median wall s, median peak RSS MiB, last exit code) of `argv`, each run a fresh process."""
    samples = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="mnnlint-bench-") as cwd:
            # /usr/bin/time, not wait4() here: a child forked from this process inherits its RSS
            # high-water mark, which would floor every small measurement at this process's size.
            report = Path(cwd) / ".time"
            start = time.perf_counter()
            proc = subprocess.run([TIME, "-f", "%M", "-o", str(report), *argv], cwd=cwd,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            elapsed = time.perf_counter() - start
            rss_kib = int(report.read_text().split()[-1])
        samples.append(Sample(elapsed, rss_kib / 1024, proc.returncode))
    return (statistics.median(s.seconds for s in samples), statistics.median(s.rss_mib for s in samples),
            samples[-1].code)


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
    large, external = build.large_models()
    corpus = build.corpus()
    corpus_files = sorted(corpus.glob("*.mnn"))
    check = check_form_args(args.check_args, large)
    runs = args.runs
    rows: list[tuple[str, str, float, float, int]] = []

    def row(what: str, subject: str, cmd: Sequence[str], n: int = runs) -> tuple[float, float]:
        print(f"  {what} on {subject}...", file=sys.stderr, flush=True)
        wall, rss, code = measure(cmd, n)
        rows.append((what, subject, wall, rss, code))
        return wall, rss

    size_mb = large.stat().st_size / 1e6
    big = f"large ({size_mb:.0f} MB)"
    ext = "external twin"
    lint_wall, lint_rss = row("mnnlint inspect", big, mnnlint("inspect", str(large)))
    if check:
        check_wall, check_rss = row(f"mnnlint {' '.join(check)}", big, mnnlint(*check, str(large)))
    info_wall, info_rss = row("MNNConvert --info", big, converter("-f", "MNN", "--modelFile", str(large), "--info"))
    if not args.skip_json:
        row("MNNConvert -f MNN --JsonFile", big, converter("-f", "MNN", "--modelFile", str(large), "--JsonFile",
                                                            "out.json"), args.json_runs)
    row("MNN.nn.load_module_from_file", big, [PY, "-c", RUNTIME, str(large)])
    ext_wall, _ = row("mnnlint inspect", ext, mnnlint("inspect", str(external)))
    if check:
        row(f"mnnlint {' '.join(check)}", ext, mnnlint(*check, str(external)))
    row("MNNConvert --info", ext, converter("-f", "MNN", "--modelFile", str(external), "--info"))
    row("MNN.nn.load_module_from_file", ext, [PY, "-c", RUNTIME, str(external)])
    corpus_wall, _ = row("mnnlint inspect (one process)", f"corpus ({len(corpus_files)} models)",
                         mnnlint("inspect", str(corpus)), max(1, runs // 2))
    if check:
        row(f"mnnlint {' '.join(check)} (one process)", f"corpus ({len(corpus_files)} models)",
            mnnlint(*check, str(corpus)), max(1, runs // 2))
    version_wall, _ = row("mnnlint --version", "-", mnnlint("--version"), runs * 2)

    print(f"\n{'tool':<42} {'input':<22} {'wall s':>8} {'peak RSS MiB':>13} {'exit':>5}")
    for what, subject, wall, rss, code in rows:
        print(f"{what:<42} {subject:<22} {wall:>8.3f} {rss:>13.1f} {code:>5}")
    print("\ntargets")
    lint_best = (check_wall, check_rss) if check else (lint_wall, lint_rss)
    results = {
        "wall vs --info": lint_best[0] / info_wall,
        "rss vs --info": lint_best[1] / info_rss,
        "corpus s": corpus_wall,
        "version s": version_wall,
    }
    failed = False
    for key, value in results.items():
        ok = value <= TARGETS[key]
        failed |= not ok
        print(f"  {key:<16} {value:8.3f}  (target <= {TARGETS[key]})  {'ok' if ok else 'MISSED'}")
    print(f"  large vs external twin (lint wall): {lint_wall:.3f} s vs {ext_wall:.3f} s")
    if not check:
        print("  (check form not available yet: ratios use `mnnlint inspect`)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
