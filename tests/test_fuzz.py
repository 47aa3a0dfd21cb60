"""Mutants of the real fixtures: a Model or one InputError line, never a crash, hang or blow-up.

Seeded and reproducible: mutant i is rebuilt from its seed alone (`fuzz.mutate.mutant`),
so a failure message names everything needed to replay it. `python -m fuzz.run` runs
the same harness at 10,000+ files on demand. Set MNNLINT_FUZZ_CLI_ARGS (e.g.
"--target cuda") to drive the CLI sample through the check form instead of `inspect`.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import struct
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fuzz.craft import CRAFTED
from fuzz.harness import REGRESSIONS, Workdir, bases, check_file, cli_check, unsafe_output
from fuzz.mutate import TINY, appended_vector_bomb, mutant
from mnnlint.errors import InputError
from mnnlint.limits import time_limit

CI_MUTANTS = 2000
SEED = 20240501
PER_FILE_SECONDS = 3.0
CLI_ARGS = tuple(shlex.split(os.environ.get("MNNLINT_FUZZ_CLI_ARGS", "inspect")))


@pytest.fixture(scope="module")
def sound():
    return bases()


def test_fixture_layouts_were_found(sound) -> None:
    """The mutators aim at structures; a walker that found none would make the fuzz test hollow."""
    assert len(sound) >= 10
    for base in sound:
        assert base.layout.refs and base.layout.lengths, base.name
    assert any(base.layout.strings.get("IfParam.ThenGraph") for base in sound)


def test_mutants_never_crash_hang_or_blow_up(sound, tmp_path: Path) -> None:
    work = Workdir(tmp_path)
    kinds: dict[str, int] = {}
    failures = []
    start = time.process_time()
    candidates = [(f"tiny#{i}", "tiny.mnn", d) for i, d in enumerate(TINY)]
    for i in range(CI_MUTANTS):
        label, data = mutant(SEED + i, sound)
        candidates.append((f"seed {SEED + i} {label}", sound[(SEED + i) % len(sound)].name, data))
    for n, (label, name, data) in enumerate(candidates):
        outcome = check_file(work.place(name, data), seconds=PER_FILE_SECONDS, trace_memory=n % 20 == 0)
        kinds[outcome.kind] = kinds.get(outcome.kind, 0) + 1
        if outcome.kind not in ("clean", "rejected"):
            failures.append(f"{outcome.kind}: {label}\n{outcome.detail}")
    elapsed = time.process_time() - start  # CPU time: a loaded machine cannot fail this
    assert not failures, "\n\n".join(failures[:5])
    assert sum(kinds.values()) >= CI_MUTANTS
    # Both outcomes must occur, or the mutators are too weak (all clean) or too blunt (all rejected).
    assert kinds.get("clean", 0) > CI_MUTANTS // 10 and kinds.get("rejected", 0) > CI_MUTANTS // 10, kinds
    assert elapsed < 180, f"{elapsed:.0f} s of CPU for {len(candidates)} files"


def test_mutants_are_reproducible(sound) -> None:
    assert mutant(SEED + 7, sound) == mutant(SEED + 7, sound)
    assert {mutant(SEED + i, sound)[1] for i in range(20)} != {mutant(SEED + 7, sound)[1]}


REGRESSION_FILES = sorted(REGRESSIONS.glob("*.mnn"))


@pytest.mark.parametrize("path", REGRESSION_FILES, ids=[p.stem for p in REGRESSION_FILES])
def test_regression_replays(path: Path) -> None:
    outcome = check_file(path, seconds=PER_FILE_SECONDS, trace_memory=True)
    assert outcome.kind in ("clean", "rejected"), f"{outcome.kind}: {outcome.detail}"


def test_regression_folder_is_not_empty() -> None:
    assert REGRESSION_FILES, "fuzz/regressions/ holds the files of every crash fixed so far"


@pytest.mark.parametrize("name", sorted(set(CRAFTED) - {"dense", "duplicate_names", "huge_index_vector"}))
def test_crafted_control_flow_is_read(name: str, tmp_path: Path) -> None:
    path = tmp_path / f"{name}.mnn"
    path.write_bytes(CRAFTED[name]())
    outcome = check_file(path, seconds=PER_FILE_SECONDS, trace_memory=True)
    assert outcome.kind == "clean", f"{outcome.kind}: {outcome.detail}"


def test_models_cut_short_while_read_are_one_input_error(sound, tmp_path: Path) -> None:
    """Truncated under the reader at structure boundaries: never SIGBUS, always 'changed while read'."""
    import random

    from fuzz.harness import shrink_while_reading

    rng = random.Random(SEED)
    for i in range(60):
        base = sound[i % len(sound)]
        cut = rng.choice([0, 1, *base.layout.boundaries()])
        path = tmp_path / f"s{i}.mnn"
        path.write_bytes(base.data)
        said = shrink_while_reading(path, min(cut, len(base.data) - 1))
        assert said.startswith(str(path)) and "changed while it was being read" in said, (base.name, cut, said)


def test_million_element_index_vector_is_rejected_not_allocated(tmp_path: Path) -> None:
    path = tmp_path / "wide.mnn"
    path.write_bytes(CRAFTED["huge_index_vector"]())
    outcome = check_file(path, seconds=PER_FILE_SECONDS, trace_memory=True)
    assert outcome.kind == "rejected" and "Op.inputIndexes of 1048577 elements" in outcome.detail, outcome
    assert outcome.traced_peak < 8 << 20


def test_duplicate_subgraph_names_are_rejected_not_dropped(tmp_path: Path) -> None:
    """Before, the second `g0` was renamed `g0#1` and its ops were never checked as MNN would run them."""
    path = tmp_path / "duplicate.mnn"
    path.write_bytes(CRAFTED["duplicate_names"]())
    outcome = check_file(path, seconds=PER_FILE_SECONDS)
    assert outcome.kind == "rejected" and "two subgraphs are named 'g0'" in outcome.detail, outcome


def test_densely_calling_subgraphs_finish_quickly(tmp_path: Path) -> None:
    path = tmp_path / "dense.mnn"
    path.write_bytes(CRAFTED["dense"]())
    outcome = check_file(path, seconds=PER_FILE_SECONDS)
    assert outcome.kind == "clean", f"{outcome.kind}: {outcome.detail}"


def test_shared_vector_bomb_is_rejected_fast(sound, tmp_path: Path) -> None:
    """Every op pointing at one appended 262,144-int vector: a 1 MB file that would read as 10^8 ints."""
    import random

    base = next(b for b in sound if b.name == "transformer.mnn")
    rng = next(random.Random(s) for s in range(100)
               if random.Random(s).choice((1 << 14, 1 << 16, 1 << 18)) == 1 << 18)
    path = tmp_path / "bomb.mnn"
    path.write_bytes(appended_vector_bomb(rng, base.data, base.layout, [base]))
    outcome = check_file(path, seconds=PER_FILE_SECONDS, trace_memory=True)
    assert outcome.kind == "rejected" and "sharing one structure" in outcome.detail, outcome
    assert outcome.cpu_seconds < 0.5


def test_converter_files_stay_far_below_the_work_budget(sound, tmp_path: Path) -> None:
    from mnnlint import reader

    for base in sound:
        path = tmp_path / base.name.replace("/", "_")
        path.write_bytes(base.data)
        seen = []
        real = reader._read_net

        def spy(path: str, ff, root: int, real=real, seen=seen):
            model = real(path, ff, root)
            seen.append(ff.work)
            return model

        reader._read_net = spy
        try:
            reader.read_model(str(path))
        finally:
            reader._read_net = real
        assert seen and seen[0] <= len(base.data) // 2, base.name


def _rejected_and_clean_samples(sound, tmp_path: Path, want: int = 6) -> list[tuple[Path, str]]:
    samples: list[tuple[Path, str]] = []
    seen: set[str] = set()
    for i in range(400):
        _, data = mutant(SEED + 10_000 + i, sound)
        path = tmp_path / f"m{i}.mnn"
        path.write_bytes(data)
        outcome = check_file(path)
        if outcome.kind == "rejected" and sum(k == "rejected" for _, k in samples) < want:
            samples.append((path, "rejected"))
        elif outcome.kind == "clean" and "clean" not in seen:
            samples.append((path, "clean"))
            seen.add("clean")
        if len(samples) > want:
            break
    return samples


def test_cli_on_a_sample_one_line_exit_2_no_traceback(sound, tmp_path: Path) -> None:
    samples = _rejected_and_clean_samples(sound, tmp_path)
    assert sum(k == "rejected" for _, k in samples) >= 6
    for path, kind in samples:
        code, lines, printed = cli_check(path, CLI_ARGS)
        assert "Traceback" not in printed, printed
        assert unsafe_output(printed) is None, printed
        if kind == "rejected":
            assert code == 2, printed
            assert len(lines) == 1 and str(path) in lines[0], lines
        else:
            assert code in (0, 1), printed


def test_time_limit_turns_an_overrun_into_an_input_error() -> None:
    before = signal.getsignal(signal.SIGALRM)
    with pytest.raises(InputError) as caught, time_limit(0.2, "slow.mnn"):
        while True:
            struct.pack("<I", 1)
    assert str(caught.value).startswith("slow.mnn: gave up after 0.2 s")
    assert signal.getsignal(signal.SIGALRM) is before
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_time_limit_is_not_swallowed_by_broad_handlers() -> None:
    with pytest.raises(InputError), time_limit(0.2, "x.mnn"):
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            with contextlib.suppress(Exception):  # a rule's catch-all must not eat the time limit
                time.sleep(0.01)


def test_time_limit_leaves_fast_work_alone() -> None:
    with time_limit(5, "fast.mnn"):
        value = sum(range(1000))
    assert value == 499500
    with time_limit(None, "unlimited.mnn"):
        pass
