"""Start-up cost of the command line, kept apart from the library.

The reader no longer imports `flatbuffers` (which imports numpy) or the flatc-generated
module: it reads fields by slot from `schemas/mnn_layout.py`. So there is nothing left
to keep out of start-up, and this function does nothing. It stays only so that a CLI
still calling it keeps working while branches merge; drop it with its call site.
"""

from __future__ import annotations


def import_flatbuffers_without_numpy() -> None:
    """Nothing to do since the reader stopped importing flatbuffers (kept for old call sites)."""
