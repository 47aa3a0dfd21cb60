"""mnnlint: find the ops of an MNN model that its target backend will not run.

`mnnlint.lint(paths, targets=…)` checks models from Python (see `mnnlint.api.lint`).
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["__version__", "lint"]


def __getattr__(name: str) -> Any:
    """`lint` is imported on first use, so `import mnnlint` (and `mnnlint --version`) stays instant."""
    if name == "lint":
        from .api import lint

        return lint
    raise AttributeError(f"module 'mnnlint' has no attribute {name!r}")
