"""Fuzz mnnlint's reader with mutants of the real fixtures, on demand.

    python -m fuzz.run [-n 10000] [--seed 0] [--timeout 3] [--cli-args "--target cuda"]
                       [--save-crashes] [--trace-every 10]

Prints counts (files, clean, rejected, crashes, hangs, memory, slowest, peak RSS).
Mutant `i` is rebuilt from `seed + i` alone (`fuzz.mutate.mutant`), so a failure can
be replayed; with --save-crashes each failing file is written to fuzz/regressions/,
which tests/test_fuzz.py replays on every run. Exit status 1 when anything failed.
"""

from __future__ import annotations

import argparse
import hashlib
import shlex
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from .harness import REGRESSIONS, Outcome, Workdir, bases, check_file, peak_rss_bytes
from .mutate import TINY, mutant

FAILURES = ("crash", "hang", "memory")


def candidates(count: int, seed: int) -> Iterator[tuple[str, str, bytes]]:
    """(label, base file name, bytes): tiny files, then `count` seeded mutants."""
    sound = bases()
    for i, data in enumerate(TINY):
        yield f"tiny#{i}", "tiny.mnn", data
    for i in range(count):
        label, data = mutant(seed + i, sound)
        yield f"seed {seed + i} {label}", sound[(seed + i) % len(sound)].name, data


def fuzz(count: int, seed: int, *, seconds: float, trace_every: int, cli_args: Sequence[str] | None,
         on_failure: Callable[[str, bytes, Outcome], None]) -> tuple[Counter[str], list[tuple[float, str]]]:
    counts: Counter[str] = Counter()
    slowest: list[tuple[float, str]] = []
    with tempfile.TemporaryDirectory(prefix="mnnlint-fuzz-") as tmp:
        work = Workdir(Path(tmp))
        for n, (label, name, data) in enumerate(candidates(count, seed)):
            path = work.place(name, data)
            outcome = check_file(path, seconds=seconds, trace_memory=trace_every > 0 and n % trace_every == 0,
                                 cli_args=cli_args)
            counts["files"] += 1
            counts[outcome.kind] += 1
            slowest = sorted([*slowest, (outcome.seconds, label)], reverse=True)[:5]
            if outcome.kind in FAILURES:
                on_failure(label, data, outcome)
    return counts, slowest


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fuzz.run", description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--count", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=3.0, help="per-file limit in seconds")
    parser.add_argument("--trace-every", type=int, default=10, help="tracemalloc every Nth file (0: never)")
    parser.add_argument("--cli-args", default=None,
                        help='run `mnnlint.cli.main(ARGS + [file])` instead of the library, e.g. "inspect" '
                             'or "--target cuda"')
    parser.add_argument("--save-crashes", action="store_true", help=f"write failing files to {REGRESSIONS}")
    args = parser.parse_args(argv)
    cli_args = shlex.split(args.cli_args) if args.cli_args is not None else None

    def on_failure(label: str, data: bytes, outcome: Outcome) -> None:
        print(f"{outcome.kind.upper()}: {label} ({outcome.seconds:.2f} s)\n{outcome.detail}", file=sys.stderr)
        if args.save_crashes:
            REGRESSIONS.mkdir(exist_ok=True)
            name = hashlib.sha256(data).hexdigest()[:16]
            (REGRESSIONS / f"{name}.mnn").write_bytes(data)
            (REGRESSIONS / f"{name}.txt").write_text(f"{label}\n{outcome.kind}: {outcome.detail}\n")

    rss_before = peak_rss_bytes()
    start = time.perf_counter()
    counts, slowest = fuzz(args.count, args.seed, seconds=args.timeout, trace_every=args.trace_every,
                           cli_args=cli_args, on_failure=on_failure)
    elapsed = time.perf_counter() - start
    print(f"files     {counts['files']}  ({elapsed:.1f} s, {counts['files'] / elapsed:.0f}/s)")
    for kind in ("clean", "rejected", "crash", "hang", "memory"):
        print(f"{kind:<9} {counts[kind]}")
    print("slowest   " + "; ".join(f"{s * 1000:.0f} ms {label}" for s, label in slowest))
    print(f"peak RSS  {peak_rss_bytes() / 2**20:.1f} MiB (before fuzzing {rss_before / 2**20:.1f} MiB)")
    return 1 if any(counts[k] for k in FAILURES) else 0


if __name__ == "__main__":
    sys.exit(main())
