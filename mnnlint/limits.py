"""A per-file time limit, so one pathological file cannot stall a directory run.

The reader bounds its work by the file size, but a linter in everyone's CI must also
bound wall time: `time_limit(seconds, path)` wraps the reading and checking of one
file and turns an overrun into the same `InputError` every other unreadable file
gives (one line, exit 2, the run goes on with the next file).

It uses SIGALRM with an interval timer, so it works only in the main thread of a
POSIX process; elsewhere (threads, Windows) it is a no-op rather than an error. The
signal handler raises `_Expired`, a BaseException, so that no `except Exception`
inside a rule can swallow it; the context manager converts it on the way out.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from .errors import InputError

DEFAULT_SECONDS = 5.0  # settings.DEFAULT_TIMEOUT is the one users see


class _Expired(BaseException):
    """Raised by the alarm handler; never escapes `time_limit`."""


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    raise _Expired


def _available() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextmanager
def time_limit(seconds: float | None, path: str) -> Iterator[None]:
    """Raise InputError(path, ...) if the body runs longer than `seconds` (None or <= 0: no limit)."""
    if not seconds or seconds <= 0 or not _available():
        yield
        return
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    try:
        try:
            # Armed inside the try: with a tiny limit the alarm can fire before the body starts.
            signal.setitimer(signal.ITIMER_REAL, seconds)
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    except _Expired:  # also when the alarm fires between the body's end and the disarm
        raise InputError(path, f"gave up after {seconds:g} s (--timeout-per-file); "
                               "the file is pathological or far larger than any model") from None
    finally:
        signal.signal(signal.SIGALRM, previous)
