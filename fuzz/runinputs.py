"""Hostile inputs around a run: config files, baselines, globs, output paths, flags, the step summary.

Each class writes one hostile thing into a scratch project and returns the extra
command-line arguments and environment that use it. The oracle, for every seeded
combination: the run ends within `LIMIT` seconds with exit 0, 1 or 2, prints no
traceback and no `internal error`, says what was wrong in one `mnnlint: error:` line
when it exits 2 for it, and leaves every model and input byte-for-byte as it was.
`tests/test_hostile_run_inputs.py` runs each class; `python -m fuzz.runinputs -n 100`
runs random combinations.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FUSED = REPO / "examples" / "transformer_fused.mnn"
LLM = REPO / "tests" / "fixtures" / "models" / "llm"
LIMIT = 20.0
Made = tuple[list[str], dict[str, str]]  # extra args, extra environment


def _config(project: Path, text: str) -> Made:
    (project / "mnnlint.toml").write_text(text, encoding="utf-8")
    return [], {}


def config_deep(project: Path, rng: random.Random) -> Made:
    depth = rng.choice((50, 1_000, 100_000))
    return _config(project, "a = " + "[" * depth + "]" * depth + "\n")


def config_bad_glob(project: Path, rng: random.Random) -> Made:
    glob = rng.choice(("[z-a].mnn", "a\\\\", "**/a/**/b/**/c", "*a*b*c*d*e", "!x", "[", "x" * 5000))
    where = rng.choice(('exclude = ["{g}"]\n', '[per-file-ignores]\n"{g}" = ["B"]\n',
                        '[[suppress]]\nrule = "B002"\npath = "{g}"\nreason = "r"\n'))
    return _config(project, where.replace("{g}", glob))


def config_not_a_file(project: Path, rng: random.Random) -> Made:
    kind = rng.choice(("fifo", "zero", "sparse"))
    if kind == "zero":
        return ["--config", "/dev/zero"], {}
    path = project / "odd.toml"
    if kind == "fifo":
        os.mkfifo(path)
    else:
        with path.open("wb") as handle:
            handle.truncate(3 << 30)
    return ["--config", str(path)], {}


def config_hostile_values(project: Path, rng: random.Random) -> Made:
    return _config(project, rng.choice((
        "timeout-per-file = nan\n", "timeout-per-file = 1e-300\n", "mnn-version = \"99999999999999999999\"\n",
        "build-options = { MNN_CUDAA = true }\n", '"\\u001b[31m::error::x" = 1\n', "profile = \"\\u0000\"\n",
        "[rules.B001]\nx = 1\n", "[[suppress]]\nrule = \"B002\"\npath = \"x\"\nreason = \"r\"\nuntil = \"HEAD\"\n",
        "target = [" + ", ".join(['"cuda"'] * 5000) + "]\n", "a = " + "9" * 5000 + "\n",
        "timeout-per-file = " + "9" * 4400 + "\n", "[rules]\nB001 = { x = " + "1" * 4301 + " }\n",
        "exclude = [" + ", ".join(f'"x{i}*y*z"' for i in range(100_000)) + "]\n",
        "[per-file-ignores]\n" + "".join(f'"x{i}*" = ["B"]\n' for i in range(60_000)),
        "select = [" + ", ".join(['"B"'] * 600_000) + "]\n",
        "".join(f'[profiles.p{i}]\ntarget = ["cuda", "opencl"]\nmnn-version = "all"\n' for i in range(20_000)))))


def exclude_against_deep_names(project: Path, rng: random.Random) -> Made:
    """Star-heavy globs, within the per-glob limits, against a deep tree of 250-character names:
    a backtracking matcher spends seconds per path, and the walk has no time limit."""
    folder = project / "models"
    for _ in range(14):  # every folder on the way is matched against every glob
        folder = folder / ("a" * 250)
        folder.mkdir(exist_ok=True)
    shutil.copy(FUSED, folder / ("a" * 240 + ".mnn"))
    stars = rng.choice(("*a*a*b{i}", "**/*a*/**/*a*b{i}", "*[!b]*a*c{i}"))
    globs = [stars.replace("{i}", str(i)) for i in range(30)]
    if rng.random() < 0.5:
        return [arg for g in globs for arg in ("--exclude", g)], {}
    return _config(project, "exclude = [" + ", ".join(f'"{g}"' for g in globs) + "]\n")


def many_unused_suppressions(project: Path, rng: random.Random) -> Made:
    """1,000 suppressions that hide nothing, over 6 models checked on every release: the run
    phase (M001) that reports them has no time limit (it took 25 s here)."""
    for i in range(5):
        shutil.copy(FUSED, project / "models" / f"copy{i}.mnn")
    (project / "mnnlint.toml").write_text("".join(
        f'[[suppress]]\nrule = "B002"\npath = "**/x{i}/*.mnn"\nreason = "r"\n' for i in range(1000)))
    return ["--mnn-version", "all", "-t", rng.choice(("cuda,opencl", "cpu,opencl"))], {}


def foreign_pyproject(project: Path, rng: random.Random) -> Made:
    """A pyproject.toml that is not mnnlint's (no [tool.mnnlint]) is skipped, however hostile."""
    body = rng.choice(("[tool.x]\na = " + "9" * 5000 + "\n", "a = " + "[" * 100_000 + "\n", "\x00\xff"))
    (project / "pyproject.toml").write_text(body, encoding="utf-8", errors="surrogateescape")
    return [], {}


def baseline_hostile(project: Path, rng: random.Random) -> Made:
    path = project / "baseline.json"
    kind = rng.choice(("infinity", "nan", "huge_count", "deep", "fifo", "zero", "sparse", "not_json"))
    if kind == "zero":
        return ["--baseline", "/dev/zero"], {}
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "sparse":
        with path.open("wb") as handle:
            handle.truncate(3 << 30)
    else:
        count = {"infinity": "Infinity", "nan": "NaN", "huge_count": "9" * 5000}.get(kind, "1")
        body = ('{"version": 1, "findings": [{"path": "m.mnn", "fingerprint": "f", "count": ' + count + "}]}"
                if kind != "deep" else "[" * 100_000)
        path.write_text(body if kind != "not_json" else "\x00\xff garbage", encoding="utf-8", errors="replace")
    return ["--baseline", str(path)], {}


def output_over_input(project: Path, rng: random.Random) -> Made:
    flag = rng.choice(("-o", "--write-baseline"))
    target = rng.choice(("models/m.mnn", "models/new.mnn", "models/m.mnn.weight", "mnnlint.toml", "models",
                         "/proc/version/x", "link.json"))
    if target == "link.json" and not (project / "link.json").exists():
        (project / "link.json").symlink_to(project / "models" / "m.mnn")
    if target == "mnnlint.toml" and not (project / "mnnlint.toml").exists():
        (project / "mnnlint.toml").write_text('target = "cuda"\n')
    return [flag, target], {}


def output_through_link(project: Path, rng: random.Random) -> Made:
    """An output path that is a symbolic link to a model not yet written, or to a side file."""
    flag = rng.choice(("-o", "--write-baseline", "--html", "--graph"))
    link = project / f"out{rng.randrange(1000)}.txt"
    target = rng.choice((project / "models" / "new.mnn", project / "models" / "m.mnn.weight"))
    if not link.is_symlink():
        link.symlink_to(target)
    return [flag, link.name], {}


def output_over_side_file(project: Path, rng: random.Random) -> Made:
    """-o over a file the run read but did not name: an LLM export's configs or weights."""
    export = project / "models" / "export"
    if not export.exists():
        shutil.copytree(LLM, export)
        (export / "llm.mnn.weight").rename(export / "weights.bin")
        config = (export / "config.json").read_text().replace("llm.mnn.weight", "weights.bin")
        (export / "config.json").write_text(config)
    target = rng.choice(("config.json", "llm_config.json", "weights.bin"))
    return [rng.choice(("-o", "--html", "--write-baseline")), f"models/export/{target}"], {}


def step_summary_over_input(project: Path, rng: random.Random) -> Made:
    """GITHUB_STEP_SUMMARY naming a model or the config: appending to it changes an input."""
    if not (project / "mnnlint.toml").exists():
        (project / "mnnlint.toml").write_text('target = "cuda"\n')
    name = rng.choice(("models/m.mnn", "mnnlint.toml"))
    return ["--format", "github"], {"GITHUB_STEP_SUMMARY": str(project / name)}


def step_summary_hostile(project: Path, rng: random.Random) -> Made:
    path = project / "summary"
    if rng.random() < 0.5:
        os.mkfifo(path)
    else:
        path.mkdir()
    return ["--format", "github"], {"GITHUB_STEP_SUMMARY": str(path)}


def flag_hostile(project: Path, rng: random.Random) -> Made:
    return [*rng.choice((
        ["--timeout-per-file", rng.choice(("1e-5", "nan", "inf", "-0", "1e999", "0x10"))],
        ["--exclude", rng.choice(("[z-a]", "**/" * 300 + "x", "a\\"))],
        ["--build-option", rng.choice(("MNN_SUPORT_TRANSFORMER_FUSE=ON", "=ON", "X", "MNN_CUDA=maybe"))],
        ["--mnn-version", rng.choice((">=3,<2", "3.2.0.0.0.0", "\x1b[2J", ">=" + "9" * 400))],
        ["--select", "\x1b]0;title\x07"],
    ))], {}


CLASSES: dict[str, Callable[[Path, random.Random], Made]] = {
    f.__name__: f for f in (config_deep, config_bad_glob, config_not_a_file, config_hostile_values,
                            exclude_against_deep_names, many_unused_suppressions, foreign_pyproject,
                            baseline_hostile, output_over_input,
                            output_through_link, output_over_side_file, step_summary_over_input, step_summary_hostile,
                            flag_hostile)
}


def make_project(root: Path) -> Path:
    (root / "models").mkdir(parents=True)
    shutil.copy(FUSED, root / "models" / "m.mnn")
    return root


def _digest(root: Path) -> dict[str, str]:
    out = {}
    for path in sorted(root.rglob("*")):
        if path.is_symlink() or not path.is_file() or path.stat().st_size > 1 << 20:
            continue  # links, FIFOs and sparse giants are inputs we only check are not written
        out[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def problems(root: Path, names: list[str], rng: random.Random) -> list[str]:
    """Run one combination of `names` in `root`; what broke the oracle, if anything."""
    project = make_project(root)
    args, env = ["models", "-t", "cuda", "--mnn-version", "3.2.0"], {}
    for name in names:
        extra, more = CLASSES[name](project, rng)
        args += extra
        env.update(more)
    before = _digest(project)
    base = {k: v for k, v in os.environ.items() if k not in ("MNNLINT_OUTPUT_FORMAT", "GITHUB_STEP_SUMMARY")}
    try:
        proc = subprocess.run([sys.executable, "-m", "mnnlint", *args], cwd=project, capture_output=True,
                              timeout=LIMIT, env={**base, "NO_COLOR": "1", **env})
    except subprocess.TimeoutExpired:
        return [f"{names}: no result within {LIMIT:g} s"]
    out, err = proc.stdout.decode(errors="replace"), proc.stderr.decode(errors="replace")
    found = []
    if proc.returncode not in (0, 1, 2):
        found.append(f"{names}: exit {proc.returncode}")
    if "Traceback" in err or "internal error" in err:
        found.append(f"{names}: {err.strip()[-300:]}")
    if proc.returncode == 2 and not any(line.startswith("mnnlint: error: ") for line in err.splitlines()):
        found.append(f"{names}: exit 2 without an error line: {err.strip()[-300:]}")
    if "\x1b" in out + err:
        found.append(f"{names}: ESC byte in the output")
    after = _digest(project)
    changed = [k for k, v in before.items() if after.get(k) != v and not k.startswith("out")]
    if changed:
        found.append(f"{names}: inputs changed: {changed}")
    for made in ("new.mnn", "m.mnn.weight"):
        if (project / "models" / made).exists():
            found.append(f"{names}: wrote {made}")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=50, help="combinations to try")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    failures = []
    for i in range(args.n):
        rng = random.Random(args.seed + i)
        names = rng.sample(sorted(CLASSES), rng.randint(1, 3))
        with tempfile.TemporaryDirectory() as tmp:
            failures += problems(Path(tmp), names, rng)
    print("\n".join(failures) or f"{args.n} combinations: no problem")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
