"""mnnlint: find the ops of an MNN model that its target backend will not run.

`mnnlint.lint(paths, targets=…)` checks models from Python (see `mnnlint.api.lint`).
It returns `Diagnostic`s, whose `severity` is a `Severity` (ordered: INFO < WARNING <
ERROR), and raises `InputError` or another `MnnlintError` for what it cannot check.
"""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["ConfigError", "Diagnostic", "InputError", "MnnlintError", "Severity", "UsageError", "__version__",
           "lint"]

# name -> module that defines it; imported on first use, so `import mnnlint` (and
# `mnnlint --version`) stays instant.
_LAZY = {"lint": "api", "Diagnostic": "diagnostics", "Severity": "diagnostics", "OpRef": "diagnostics",
         "InputError": "errors", "MnnlintError": "errors", "UsageError": "errors", "ConfigError": "errors"}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'mnnlint' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
