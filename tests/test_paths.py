"""Awkward paths: spaces, non-ASCII names, symlinks, unreadable files and folders, FIFOs,
and files that change while being read. Each ends in the right exit code and, when it
fails, one clear line naming the path.

Unreadable files cannot be made for root with chmod alone (CAP_DAC_OVERRIDE ignores
mode bits), and an unprivileged user cannot run this interpreter (it lives under /root).
So the CLI runs in a child that first drops CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH:
still uid 0, owner of /root, but bound by the mode bits like anyone else.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import MODELS

from mnnlint import reader
from mnnlint.errors import InputError
from mnnlint.inputs import ModelSource
from mnnlint.loader import load

CNN = MODELS / "cnn.mnn"

_CHILD = textwrap.dedent("""
    import ctypes, os, sys
    if os.environ.get("MNNLINT_DROP_DAC"):
        libc = ctypes.CDLL(None, use_errno=True)
        class Header(ctypes.Structure):
            _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]
        class Data(ctypes.Structure):
            _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                        ("inheritable", ctypes.c_uint32)]
        header, data = Header(0x20080522, 0), (Data * 2)()
        if libc.capget(ctypes.byref(header), data) != 0:
            sys.exit(77)
        keep = ~((1 << 1) | (1 << 2)) & 0xFFFFFFFF  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        data[0].effective &= keep
        data[0].permitted &= keep
        if libc.capset(ctypes.byref(header), data) != 0:
            sys.exit(77)
    from mnnlint.cli import main
    sys.exit(main(sys.argv[1:]))
""")


def run_cli(*args: str, drop_dac: bool = False) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1"}
    if drop_dac:
        env["MNNLINT_DROP_DAC"] = "1"
    proc = subprocess.run([sys.executable, "-c", _CHILD, *args], capture_output=True, text=True, timeout=60,
                          env=env)
    if proc.returncode == 77:
        pytest.skip("cannot drop CAP_DAC_OVERRIDE here (capset refused)")
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def error_line(proc: subprocess.CompletedProcess[str]) -> str:
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    return lines[0]


@pytest.mark.parametrize("name", ["dir with spaces/my model.mnn", "模型/modèle ü 🙂.mnn", "-leading-dash.mnn"])
def test_awkward_names_are_read(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(CNN, path)
    proc = run_cli("inspect", "--", str(path)) if name.startswith("-") else run_cli("inspect", str(path))
    assert proc.returncode == 0, proc.stderr
    assert str(path) in proc.stdout


def test_awkward_names_in_errors_are_printed_whole(tmp_path: Path) -> None:
    path = tmp_path / "été model.mnn"
    path.write_bytes(b"")
    proc = run_cli("inspect", str(path))
    assert proc.returncode == 2 and str(path) in error_line(proc) and "empty file" in proc.stderr


def test_folder_of_awkward_names_is_walked(tmp_path: Path) -> None:
    for name in ("a b.mnn", "ü.mnn"):
        shutil.copy(CNN, tmp_path / name)
    proc = run_cli("inspect", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert "a b.mnn" in proc.stdout and "ü.mnn" in proc.stdout


def test_symlink_to_file(tmp_path: Path) -> None:
    link = tmp_path / "link.mnn"
    link.symlink_to(CNN)
    proc = run_cli("inspect", str(link))
    assert proc.returncode == 0 and str(link) in proc.stdout, proc.stderr


def test_symlink_to_folder_named_on_the_command_line(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    shutil.copy(CNN, real / "m.mnn")
    (tmp_path / "alias").symlink_to(real, target_is_directory=True)
    proc = run_cli("inspect", str(tmp_path / "alias"))
    assert proc.returncode == 0 and "m.mnn" in proc.stdout, proc.stderr


def test_symlink_loop_of_folders_does_not_hang(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    shutil.copy(CNN, real / "m.mnn")
    (real / "again").symlink_to(real, target_is_directory=True)  # os.walk does not follow: no loop
    proc = run_cli("inspect", str(real))
    assert proc.returncode == 0 and proc.stdout.count("m.mnn") == 1, proc.stdout


def test_dangling_symlink_named(tmp_path: Path) -> None:
    link = tmp_path / "gone.mnn"
    link.symlink_to(tmp_path / "missing.mnn")
    proc = run_cli("inspect", str(link))
    assert proc.returncode == 2
    assert "broken symlink to" in error_line(proc) and str(link) in proc.stderr


def test_dangling_symlink_in_folder_is_reported_and_the_run_goes_on(tmp_path: Path) -> None:
    shutil.copy(CNN, tmp_path / "a.mnn")
    (tmp_path / "b.mnn").symlink_to(tmp_path / "missing.mnn")
    proc = run_cli("inspect", str(tmp_path))
    assert proc.returncode == 2
    assert "b.mnn: broken symlink" in error_line(proc) and "a.mnn" in proc.stdout


def test_fifo_named_like_a_model_does_not_block(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.mnn"
    os.mkfifo(fifo)
    proc = run_cli("inspect", str(fifo))
    assert proc.returncode == 2 and "not a regular file" in error_line(proc)


def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "secret.mnn"
    shutil.copy(CNN, path)
    path.chmod(0)
    proc = run_cli("inspect", str(path), drop_dac=True)
    assert proc.returncode == 2
    assert error_line(proc) == f"mnnlint: error: {path}: permission denied"


def test_unreadable_folder_is_reported_not_skipped(tmp_path: Path) -> None:
    shutil.copy(CNN, tmp_path / "a.mnn")
    locked = tmp_path / "locked"
    locked.mkdir()
    shutil.copy(CNN, locked / "b.mnn")
    locked.chmod(0)
    try:
        proc = run_cli("inspect", str(tmp_path), drop_dac=True)
    finally:
        locked.chmod(0o755)
    assert proc.returncode == 2
    line = error_line(proc)
    assert str(locked) in line and "cannot read folder: Permission denied" in line
    assert "a.mnn" in proc.stdout


def test_unreadable_weight_file(tmp_path: Path) -> None:
    shutil.copy(MODELS / "cnn_external.mnn", tmp_path / "m.mnn")
    shutil.copy(MODELS / "cnn_external.mnn.weight", tmp_path / "m.mnn.weight")
    (tmp_path / "m.mnn.weight").chmod(0)
    proc = run_cli("inspect", str(tmp_path / "m.mnn"), drop_dac=True)
    # The loader only stats the weight file (its size is what it checks), so mode bits do not matter.
    assert proc.returncode == 0, proc.stderr


def _during_read(monkeypatch: pytest.MonkeyPatch, change) -> None:
    """Run `change(path)` after the file is opened and measured, before its bytes are read."""
    real = reader._read_file

    def changed_then_read(path, ff):
        change(Path(path))
        return real(path, ff)

    monkeypatch.setattr(reader, "_read_file", changed_then_read)


def test_file_growing_while_read_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "growing.mnn"
    shutil.copy(CNN, path)
    _during_read(monkeypatch, lambda p: p.open("ab").write(b"\0" * 4096))
    with pytest.raises(InputError) as caught:
        load(ModelSource(str(path)))
    assert str(caught.value) == (f"{path}: changed while it was being read (is it still being written?); "
                                 "lint it again once it is complete")


def test_file_rewritten_in_place_while_read_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "rewritten.mnn"
    shutil.copy(CNN, path)
    stamp = path.stat().st_mtime_ns

    def rewrite(p: Path) -> None:
        with p.open("r+b") as handle:
            handle.write(b"\0")
        os.utime(p, ns=(stamp + 10**9, stamp + 10**9))

    _during_read(monkeypatch, rewrite)
    with pytest.raises(InputError, match="changed while it was being read"):
        load(ModelSource(str(path)))


def test_file_truncated_while_read(tmp_path: Path) -> None:
    path = tmp_path / "shrinking.mnn"
    shutil.copy(MODELS / "transformer.mnn", path)
    child = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from mnnlint import reader
        from mnnlint.errors import InputError
        real = reader._read_file
        def cut(path, ff):
            Path(path).write_bytes(Path(path).read_bytes()[:1000])
            return real(path, ff)
        reader._read_file = cut
        try:
            reader.read_model({str(path)!r})
        except InputError as err:
            print(err)
            sys.exit(2)
    """)
    proc = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, timeout=60)
    # Before the reader used pread, a memory map turned this into SIGBUS (exit -7), no message.
    assert proc.returncode == 2 and "changed while it was being read" in proc.stdout, proc


def test_file_truncated_while_read_in_a_folder_run(tmp_path: Path) -> None:
    """The truncated model is one input-error line; the run goes on and reports the other model."""
    folder = tmp_path / "models"
    folder.mkdir()
    shutil.copy(MODELS / "transformer.mnn", folder / "a_shrinking.mnn")
    shutil.copy(CNN, folder / "b_fine.mnn")
    child = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from mnnlint import cli, reader
        real = reader._read_file
        def cut(path, ff):
            if "shrinking" in path:
                Path(path).write_bytes(Path(path).read_bytes()[:1000])
            return real(path, ff)
        reader._read_file = cut
        sys.exit(cli.main(["inspect", {str(folder)!r}]))
    """)
    proc = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, proc
    assert "a_shrinking.mnn: changed while it was being read" in proc.stderr + proc.stdout
    assert "b_fine.mnn" in proc.stdout and "Traceback" not in proc.stderr
