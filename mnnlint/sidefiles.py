"""Reading and writing the files around a run: config, baseline, report, step summary.

These paths come from flags, environment variables and repositories anyone can commit
to, so each is opened the same careful way: never blocking (a FIFO or a device is
refused, not waited on), never read past a size bound (`/dev/zero` or a 3 GB file is
refused, not loaded), and never written over one of the run's inputs or over a model.
Every refusal is a one-line UsageError (exit 2).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path

from .errors import UsageError

MiB = 1 << 20
PROTECTED_SUFFIXES = (".mnn", ".weight")


def read_regular(path: Path | str, limit: int, what: str) -> bytes:
    """The bytes of `path` if it is a regular file of at most `limit` bytes."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as err:
        raise UsageError(f"{path}: cannot read {what}: {err.strerror or err}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UsageError(f"{path}: cannot read {what}: not a regular file")
        if info.st_size > limit:
            raise UsageError(f"{path}: {what} is larger than {limit // MiB} MiB")
        chunks, left = [], limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, MiB))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
    except OSError as err:
        raise UsageError(f"{path}: cannot read {what}: {err.strerror or err}") from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise UsageError(f"{path}: {what} is larger than {limit // MiB} MiB")
    return data


def read_text(path: Path | str, limit: int, what: str) -> str:
    try:
        return read_regular(path, limit, what).decode("utf-8")
    except UnicodeDecodeError as err:
        raise UsageError(f"{path}: cannot read {what}: not UTF-8 ({err.reason} at byte {err.start})") from None


def _protected(name: str) -> bool:
    return name.lower().endswith(PROTECTED_SUFFIXES)


def refuse_overwrite(path: Path | str, inputs: Iterable[Path | str], what: str) -> None:
    """UsageError if writing `path` would replace a model or one of `inputs`.

    Both the name given and the file it leads to count: a symbolic link named `out.txt`
    that points at `models/new.mnn` (even before that file exists) would create a model.
    """
    target = Path(path)
    if _protected(target.name):
        raise UsageError(f"{path}: refusing to write the {what} over a model file ({target.suffix})")
    real = os.path.realpath(target)
    for given in inputs:
        try:
            same = os.path.realpath(given) == real or (target.exists() and os.path.samefile(given, target))
        except OSError:
            same = False
        if same:
            raise UsageError(f"{path}: refusing to write the {what} over an input of this run ({given})")
    if _protected(os.path.basename(real)):
        raise UsageError(f"{path}: refusing to write the {what} over a model file (it leads to {real})")


def write_text(path: Path | str, text: str, what: str, append: bool = False, regular_only: bool = False,
               create_folder: bool = False) -> None:
    """Write (or append) `text` to `path`, creating its folder if asked.

    Opening never blocks: a FIFO without a reader is an error, not a hang. A pipe or
    device that is open (`-o /dev/stdout`) is written to unless `regular_only`.
    """
    target = Path(path)
    try:
        if create_folder:
            target.parent.mkdir(parents=True, exist_ok=True)
        flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
        flags |= os.O_APPEND if append else 0
        fd = os.open(target, flags, 0o666)
    except OSError as err:
        raise UsageError(f"{path}: cannot write the {what}: {err.strerror or err}") from None
    try:
        regular = stat.S_ISREG(os.fstat(fd).st_mode)
        if not regular and regular_only:
            raise UsageError(f"{path}: cannot write the {what}: not a regular file")
        if regular and not append:
            os.ftruncate(fd, 0)
        os.set_blocking(fd, True)
        data = text.encode("utf-8", "surrogateescape")
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
    except OSError as err:
        raise UsageError(f"{path}: cannot write the {what}: {err.strerror or err}") from None
    finally:
        os.close(fd)
