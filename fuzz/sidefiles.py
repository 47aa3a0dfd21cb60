"""Hostile side files: LLM export configs an attacker can commit beside a model.

Each class is a function that writes one export folder (a real `llm.mnn` plus a
hostile `config.json` or `llm_config.json`). The oracle, for every class: a run over
a folder holding it and a good model ends in one input-error line for that export
folder, exit 2, the good model still reported, no traceback, bounded time and memory.
`tests/test_hostile_side_files.py` runs each class; `python -m fuzz.sidefiles -n 200`
runs seeded random combinations of them through the CLI.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LLM = REPO / "tests" / "fixtures" / "models" / "llm"
GOOD = REPO / "tests" / "fixtures" / "models" / "cnn.mnn"


def _export(folder: Path) -> Path:
    folder.mkdir(parents=True)
    for item in LLM.iterdir():
        shutil.copy(item, folder / item.name)
    return folder


def _json(folder: Path, name: str, text: str) -> None:
    (folder / name).write_text(text, encoding="utf-8")


def deep_nesting(folder: Path, rng: random.Random) -> None:
    depth = rng.choice((10_000, 100_000))
    _json(folder, rng.choice(("config.json", "llm_config.json")), "[" * depth + "]" * depth)


def huge_integer(folder: Path, rng: random.Random) -> None:
    digits = rng.choice((5_000, 50_000))
    _json(folder, "config.json", '{"llm_model": "llm.mnn", "max_new_tokens": ' + "9" * digits + "}")


def nul_in_path(folder: Path, rng: random.Random) -> None:
    key = rng.choice(("llm_model", "base_dir", "llm_weight"))
    _json(folder, "config.json", json.dumps({"llm_model": "llm.mnn", key: "ll\u0000m.mnn"}))


def sparse_giant(folder: Path, rng: random.Random) -> None:
    with (folder / rng.choice(("config.json", "llm_config.json"))).open("wb") as handle:
        handle.truncate(3 << 30)  # 3 GB of holes: no disk, but read whole it is 3 GB of memory


def escaping_path(folder: Path, rng: random.Random) -> None:
    key = rng.choice(("llm_model", "base_dir", "llm_weight"))
    value = rng.choice(("../../../../etc/passwd", "/etc/passwd", "a/../../outside.mnn"))
    _json(folder, "config.json", json.dumps({"llm_model": "llm.mnn", key: value}))


def symlink_escape(folder: Path, rng: random.Random) -> None:
    outside = folder.parent / f"outside{rng.randrange(1000)}"
    outside.mkdir(exist_ok=True)
    shutil.copy(LLM / "llm.mnn", outside / "llm.mnn")
    (folder / "link").symlink_to(outside, target_is_directory=True)
    _json(folder, "config.json", json.dumps({"llm_model": "link/llm.mnn"}))


def wrong_type(folder: Path, rng: random.Random) -> None:
    value = rng.choice(([1, 2], {"a": 1}, 7, True))
    _json(folder, "config.json", json.dumps({"llm_model": value}))


def lone_surrogate(folder: Path, rng: random.Random) -> None:
    """JSON can spell a lone surrogate (\\ud800) that no file name can hold."""
    key = rng.choice(("llm_model", "base_dir", "llm_weight"))
    _json(folder, "config.json", '{"llm_model": "llm.mnn", "' + key + '": "\\ud800x"}')


def not_utf8(folder: Path, rng: random.Random) -> None:
    (folder / "config.json").write_bytes(b'{"llm_model": "\xff\xfe"}')


CLASSES: dict[str, Callable[[Path, random.Random], None]] = {
    "deep nesting": deep_nesting,
    "huge integer": huge_integer,
    "NUL in a path": nul_in_path,
    "3 GB sparse file": sparse_giant,
    "path escaping the folder": escaping_path,
    "symlink escaping the folder": symlink_escape,
    "path of the wrong type": wrong_type,
    "not UTF-8": not_utf8,
    "lone surrogate in a path": lone_surrogate,
}


def make_tree(root: Path, classes: list[str], rng: random.Random) -> list[Path]:
    """`root` with a good model and one hostile export folder per class; the export folders."""
    (root / "good").mkdir(parents=True)
    shutil.copy(GOOD, root / "good" / "cnn.mnn")
    folders = []
    for i, name in enumerate(classes):
        folder = _export(root / f"export{i}")
        CLASSES[name](folder, rng)
        folders.append(folder)
    return folders


def run_cli(*args: str, timeout: float = 60) -> tuple[int, str, str, float, int]:
    """(exit code, stdout, stderr, seconds, peak RSS in KiB) of one mnnlint process."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen([sys.executable, "-m", "mnnlint", *args], stdout=out, stderr=err,
                                env={**os.environ, "NO_COLOR": "1"})
        deadline = time.monotonic() + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.02)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return (proc.returncode, out.read().decode(errors="replace"), err.read().decode(errors="replace"),
                time.perf_counter() - start, usage.ru_maxrss)


def problems(root: Path, folders: list[Path], result: tuple[int, str, str, float, int]) -> list[str]:
    """What the oracle finds wrong with one run over `make_tree`'s output (empty: sound)."""
    code, out, err, seconds, rss_kib = result
    found = []
    if code != 2:
        found.append(f"exit {code}, not 2")
    if "Traceback" in err or "internal error" in err:
        found.append("traceback or internal error")
    if "cnn.mnn" not in out:
        found.append("the good model beside the hostile files was not reported")
    lines = [line for line in err.splitlines() if line.startswith("mnnlint: error:")]
    for folder in folders:
        if sum(str(folder) + os.sep in line for line in lines) != 1:
            found.append(f"{folder.name}: not exactly one input-error line")
    if seconds > 20:
        found.append(f"{seconds:.0f} s")
    if rss_kib > 512 * 1024:
        found.append(f"peak RSS {rss_kib >> 10} MiB")
    if "root:" in out:
        found.append("/etc/passwd was read")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    failures = 0
    for i in range(args.n):
        rng = random.Random(args.seed + i)
        classes = rng.sample(sorted(CLASSES), rng.randint(1, 3))
        with tempfile.TemporaryDirectory(prefix="mnnlint-side-") as tmp:
            folders = make_tree(Path(tmp), classes, rng)
            found = problems(Path(tmp), folders, run_cli("inspect", tmp))
        if found:
            failures += 1
            print(f"seed {args.seed + i} {classes}: {'; '.join(found)}")
    print(f"{args.n} trees, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
