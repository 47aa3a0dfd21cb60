"""Start-up cost of the command line, kept apart from the library.

`flatbuffers` imports numpy (about 45 ms here, a quarter of a whole lint run) only for
its `*AsNumpy` helpers, which mnnlint never calls, and so does the flatc-generated
module. The CLI owns its process, so before anything imports them it lets both see no
numpy. Library users of mnnlint
are unaffected: this runs only from `mnnlint.cli.main`.
"""

from __future__ import annotations

import sys
from importlib.machinery import PathFinder


def import_flatbuffers_without_numpy() -> None:
    if "flatbuffers" in sys.modules or "numpy" in sys.modules:
        return
    original = PathFinder.__dict__["find_spec"]

    def find_spec(cls: type, name: str, path: object = None, target: object = None) -> object:
        if name == "numpy":
            return None
        return original.__func__(cls, name, path, target)

    PathFinder.find_spec = classmethod(find_spec)  # type: ignore[method-assign,assignment]
    try:
        import flatbuffers  # noqa: F401

        from .schemas import mnn_generated  # noqa: F401
    finally:
        PathFinder.find_spec = original  # type: ignore[method-assign]
