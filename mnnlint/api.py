"""The library API: `mnnlint.lint()` checks models from Python, through the CLI's own run path."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .diagnostics import Diagnostic

# lint()'s arguments, named in errors as the caller wrote them
ARGUMENT_NAMES = {"target": "argument targets", "mnn-version": "argument mnn_version", "profile": "argument profile",
                  "build-options": "argument build_options", "select": "argument select",
                  "ignore": "argument ignore"}


def lint(
    paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    targets: Sequence[str] | str | None = None,
    mnn_version: str = "latest",
    *,
    profile: str | None = None,
    build_options: Mapping[str, bool] | None = None,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] = (),
    config: str | os.PathLike[str] | None = None,
) -> list[Diagnostic]:
    """Check models and return their findings, as `mnnlint PATH --target …` would report them.

    No config file is read unless `config` names one (then its per-file ignores,
    suppressions and severities apply, and its profiles unless arguments override).
    Raises InputError for a file that is not a readable model, ConfigError (a
    UsageError) for bad arguments or config; both are `mnnlint.MnnlintError`s.
    """
    from .run import prepare

    flags: dict[str, Any] = {
        "target": [targets] if isinstance(targets, str) else list(targets or []) or None,
        "mnn-version": mnn_version, "profile": profile, "build-options": dict(build_options) if build_options else None,
        "select": list(select) if select else None, "ignore": list(ignore) or None,
    }
    run = prepare(flags=flags, flag_names=ARGUMENT_NAMES, label="mnnlint.lint()",
                  config=Path(config) if config is not None else None)
    names = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    result = run.execute(run.sources(names))
    if result.input_errors:
        raise result.input_errors[0]
    return result.diagnostics
