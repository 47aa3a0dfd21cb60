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
from types import FrameType

from .errors import InputError

DEFAULT_SECONDS = 5.0  # settings.DEFAULT_TIMEOUT is the one users see


class _Expired(BaseException):
    """Raised by the alarm handler; never escapes `time_limit`."""


def _available() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


class time_limit:  # used as a function: `with time_limit(5, path):`
    """Raise InputError(path, ...) if the body runs longer than `seconds` (None or <= 0: no limit).

    A class rather than a generator-based context manager so that the alarm cannot fire
    in code between the body and the disarm where `_Expired` would escape: while the
    interpreter is in `__enter__` or `__exit__` the handler only records that time is
    up, and `__exit__` turns that into the InputError.
    """

    def __init__(self, seconds: float | None, path: str) -> None:
        self.seconds, self.path = seconds, path
        self.active = bool(seconds) and seconds > 0 and _available()  # type: ignore[operator]
        self.fired = False
        self.previous: object = None

    def _on_alarm(self, signum: int, frame: FrameType | None) -> None:
        if frame is not None and frame.f_code in _QUIET_CODE:
            self.fired = True
            return
        raise _Expired

    def __enter__(self) -> time_limit:
        if self.active:
            self.previous = signal.signal(signal.SIGALRM, self._on_alarm)
            signal.setitimer(signal.ITIMER_REAL, self.seconds)  # type: ignore[arg-type]
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object) -> bool:
        if not self.active:
            return False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, self.previous)  # type: ignore[arg-type]
        if self.fired or exc_type is _Expired:
            raise InputError(self.path, f"gave up after {self.seconds:g} s (--timeout-per-file); "
                                        "the file is pathological or far larger than any model") from None
        return False


_QUIET_CODE = frozenset({time_limit.__enter__.__code__, time_limit.__exit__.__code__})
