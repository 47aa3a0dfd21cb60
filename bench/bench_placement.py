"""What placement costs on the large model: in-process and whole-process, medians side by side.

    python bench/bench_placement.py [--runs 7] [--model bench/.cache/large/decoder.mnn]

Placement runs for every check, so it must not move the large-model run off the
speed target (issue 11: the whole check well under MNN's own `--info`). Measured:

- in-process: `check_model` on the loaded model with placement and with it stubbed
  out (same rules, same tables, verdicts memoised in both), and `place_groups` alone;
- whole-process: `mnnlint MODEL -t cuda` (placement included) from spawn to exit;
- the `--html` page: building the views and rendering it.

The large model comes from bench/build.py (cached in bench/.cache/large/).
"""

from __future__ import annotations

import argparse
import io
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


def median_seconds(fn: Callable[[], object], runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--model", type=Path, default=HERE / ".cache" / "large" / "decoder.mnn")
    parser.add_argument("--target", default="cuda")
    args = parser.parse_args(argv)
    if not args.model.is_file():
        print(f"{args.model} missing: run python bench/build.py first", file=sys.stderr)
        return 2

    from mnnlint import engine
    from mnnlint.capabilities import Capabilities
    from mnnlint.inputs import expand
    from mnnlint.loader import load
    from mnnlint.placement.view import views_for
    from mnnlint.registry import load_registry
    from mnnlint.report import Checked, RunInfo
    from mnnlint.report.html import render
    from mnnlint.settings import Profile

    caps = Capabilities()
    (source,) = list(expand([str(args.model)]))
    model = load(source)  # type: ignore[arg-type]
    plan = Profile(targets=(args.target,), releases=("3.6.1",), rules=tuple(load_registry().rules))
    engine.check_model(model, plan, caps)  # warm the tables and the verdict memo
    with_placement = median_seconds(lambda: engine.check_model(model, plan, caps), args.runs)
    real = engine.place_groups
    groups: list = []

    def capture(model, target, all_ops, found, memo):  # type: ignore[no-untyped-def]
        groups[:] = [(target, all_ops, found)]

    engine.place_groups = capture  # type: ignore[assignment]
    try:
        without = median_seconds(lambda: engine.check_model(model, plan, caps), args.runs)
    finally:
        engine.place_groups = real
    target, all_ops, found = groups[0]
    alone = median_seconds(lambda: real(model, target, all_ops, found, {}), args.runs)
    result = engine.check_model(model, plan, caps)
    checked = [Checked(model.path, c.target, c.release, c.profile, c.commit, placement=c.placement)
               for c in result.checked]
    run = RunInfo("bench", checked=checked, models=1)
    page = io.StringIO()
    html_s = median_seconds(lambda: render(result.diagnostics, run, page, views_for(checked)), max(1, args.runs // 2))
    proc_samples = []
    for _ in range(args.runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "mnnlint", str(args.model), "-t", args.target, "--mnn-version",
                        "3.6.1"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        proc_samples.append(time.perf_counter() - start)
    ops = model.op_count()
    p = checked[0].placement
    print(f"model: {args.model.name}, {ops} ops; target {args.target}, MNN 3.6.1; median of {args.runs}")
    print(f"check_model with placement     {with_placement * 1e3:8.1f} ms")
    print(f"check_model without placement  {without * 1e3:8.1f} ms")
    print(f"place_groups alone                 {alone * 1e3:8.1f} ms  ({alone / ops * 1e6:.1f} µs/op)")
    print(f"--html views + render          {html_s * 1e3:8.1f} ms  ({len(page.getvalue()) // max(1, args.runs // 2)} "
          "bytes per page)")
    print(f"whole process (placement on)   {statistics.median(proc_samples) * 1e3:8.1f} ms")
    if p is not None:
        print(f"placement: {p.main.ops} ops, {p.main.partitions} partitions, {p.main.crossings} crossings, "
              f"verdict {p.main.verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
