"""Linting opens no socket, starts no process and writes no file unless output was asked for.

An audit hook (PEP 578) watches every lint of every fixture, in-process, through the
real `mnnlint.cli.main`. Audit hooks cannot be removed, so one hook is installed for
the session and only records while a `watching()` block is active.
"""

from __future__ import annotations

import contextlib
import io
import mmap
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import MODELS, fixture_models

from mnnlint import cli

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
_PROCESS_EVENTS = ("subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.fork", "pty.spawn")
_EVENTS: list[str] | None = None
_ALLOWED: set[str] = set()


def _writes(mode: Any, flags: Any) -> bool:
    if isinstance(mode, str) and any(c in mode for c in "wax+"):
        return True
    return isinstance(flags, int) and bool(flags & _WRITE_FLAGS)


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if _EVENTS is None:
        return
    if event.startswith("socket.") or event in _PROCESS_EVENTS:
        _EVENTS.append(f"{event} {args!r:.200}")
    elif event == "open" and _writes(args[1] if len(args) > 1 else None, args[2] if len(args) > 2 else None):
        if str(args[0]) not in _ALLOWED:
            _EVENTS.append(f"open for writing {args!r:.200}")
    elif event in ("os.remove", "os.rename", "os.truncate", "os.mkdir", "os.chmod", "shutil.rmtree"):
        _EVENTS.append(f"{event} {args!r:.200}")
    elif event == "mmap.__new__" and len(args) > 2 and args[2] != mmap.ACCESS_READ:
        _EVENTS.append(f"writable mmap {args!r:.200}")


sys.addaudithook(_hook)


@contextlib.contextmanager
def watching(allowed: tuple[str, ...] = ()) -> Iterator[list[str]]:
    global _EVENTS
    events: list[str] = []
    old_bytecode = sys.dont_write_bytecode
    sys.dont_write_bytecode = True  # Python's own .pyc cache is not mnnlint writing
    _ALLOWED.update(allowed)
    _EVENTS = events
    try:
        yield events
    finally:
        _EVENTS = None
        _ALLOWED.clear()
        sys.dont_write_bytecode = old_bytecode


def lint(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(list(argv))
    return code, out.getvalue(), err.getvalue()


def test_the_hook_sees_what_it_must_forbid(tmp_path: Path) -> None:
    """Guard against a hollow test: the hook reports a write and a socket when they happen."""
    import socket

    with watching() as events:
        (tmp_path / "x.txt").write_text("x")
        socket.socket().close()
    assert any(e.startswith("open for writing") for e in events)
    assert any(e.startswith("socket.") for e in events)


FIXTURES = fixture_models()
COMMANDS = (("inspect",), ("inspect", "--output-format", "json"), ())


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "check")
@pytest.mark.parametrize("model", FIXTURES, ids=[str(p.relative_to(MODELS)) for p in FIXTURES])
def test_lint_opens_no_socket_and_writes_nothing(model: Path, command: tuple[str, ...]) -> None:
    with watching() as events:
        code, out, err = lint(*command, str(model))
    assert events == [], events
    assert code in (0, 1), err
    assert out


def test_folder_lint_writes_nothing() -> None:
    with watching() as events:
        code, _, err = lint("inspect", str(MODELS))
    assert events == [] and code == 0, (events, err)


def test_bad_input_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.mnn"
    bad.write_bytes(b"\x00" * 100)
    with watching() as events:
        code, _, err = lint("inspect", str(bad))
    assert events == [] and code == 2, (events, err)
