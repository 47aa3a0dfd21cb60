"""Turn the paths a user names into model files to lint.

A file is linted as given. A folder is walked for `*.mnn`, except a folder that is an
LLM export (MNN's llmexport writes `config.json` naming `llm_model` and
`llm_weight`, beside `llm_config.json`): that folder is one model, found through its
config, and keeps the config's runtime settings for the rules.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import InputError
from .model import LLMConfig

if TYPE_CHECKING:
    from .globs import Glob

LLM_CONFIG_FILES = ("config.json", "llm_config.json")
LLM_MODEL_KEY, LLM_WEIGHT_KEY = "llm_model", "llm_weight"
LLM_DEFAULT_MODEL, LLM_DEFAULT_WEIGHT = "llm.mnn", "llm.mnn.weight"


@dataclass(frozen=True, slots=True)
class ModelSource:
    """One model to lint: its file, and the LLM export config when it came from one."""

    path: str
    llm: LLMConfig | None = None


def expand(paths: Sequence[str], exclude: Sequence[Glob | str] = (),
           root: Path | None = None) -> Iterator[ModelSource | InputError]:
    """Model sources in the order named; an unreadable path yields its InputError.

    `exclude` globs (see globs.py) are matched relative to `root` (default: the working folder).
    """
    from .globs import Glob

    excluded = _Excluded(tuple(g if isinstance(g, Glob) else Glob(g) for g in exclude), root or Path.cwd())
    for raw in paths:
        path = Path(raw)
        if _probe(path.is_dir):
            yield from _walk(path, excluded)
        elif _probe(path.exists) or _probe(path.is_symlink):
            yield ModelSource(str(path))
        else:  # or a parent folder that may not be searched: the reader names which
            yield ModelSource(str(path)) if _probe(path.parent.exists) else InputError(raw, "no such file or directory")


def _walk(root: Path, exclude: _Excluded) -> Iterator[ModelSource | InputError]:
    llm = _llm_source(root)
    if llm is not None:
        yield llm
        return
    unreadable: list[OSError] = []  # os.walk skips a folder it cannot list unless told
    for dirpath, dirnames, filenames in os.walk(root, onerror=unreadable.append):
        yield from _folder_errors(unreadable, root)
        here = Path(dirpath)
        dirnames.sort()
        kept = []
        for d in dirnames:
            sub = here / d
            if exclude(sub, folder=True):
                continue
            found = _llm_source(sub)
            if found is not None:
                yield found
            else:
                kept.append(d)
        dirnames[:] = kept
        for name in sorted(filenames):
            if name.endswith(".mnn") and not exclude(here / name):
                yield ModelSource(str(here / name))
    yield from _folder_errors(unreadable, root)


def _probe(test: Callable[[], bool]) -> bool:
    """A pathlib test that says False instead of raising (PermissionError in a locked folder)."""
    try:
        return test()
    except OSError:
        return False


def _folder_errors(errors: list[OSError], root: Path) -> Iterator[InputError]:
    while errors:
        err = errors.pop(0)
        yield InputError(str(err.filename or root), f"cannot read folder: {err.strerror or err}")


@dataclass(frozen=True)
class _Excluded:
    globs: tuple[Glob, ...]
    root: Path

    def __call__(self, path: Path, folder: bool = False) -> bool:
        if not self.globs:
            return False
        root = Path(os.path.abspath(self.root))
        return any(g.matches_file(str(path), root, folder) for g in self.globs)


def _llm_source(folder: Path) -> ModelSource | InputError | None:
    """The model of an LLM export folder, or None when `folder` is not one."""
    configs = [folder / name for name in LLM_CONFIG_FILES if _probe((folder / name).is_file)]
    if not configs:
        return None
    values: dict[str, object] = {}
    for config in reversed(configs):  # config.json, the runtime config, wins
        try:
            loaded = json.loads(config.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
            return InputError(str(config), f"unreadable LLM config: {err}")
        if isinstance(loaded, dict):
            values.update(loaded)
    has_model = _probe((folder / LLM_DEFAULT_MODEL).exists) or LLM_MODEL_KEY in values
    if not has_model:
        return None
    base = folder / str(values.get("base_dir", "") or "")
    model = base / str(values.get(LLM_MODEL_KEY, LLM_DEFAULT_MODEL))

    def text(key: str) -> str | None:
        value = values.get(key)
        return str(value) if value is not None else None

    return ModelSource(str(model), LLMConfig(
        path=str(configs[0]),
        backend_type=text("backend_type"),
        precision=text("precision"),
        memory=text("memory"),
        values=values,
    ))


def weight_file_for(model_path: str, llm: LLMConfig | None) -> str:
    """Where MNN looks for the external weights of `model_path`."""
    if llm is not None:
        base = Path(llm.path).parent / str(llm.values.get("base_dir", "") or "")
        return str(base / str(llm.values.get(LLM_WEIGHT_KEY, LLM_DEFAULT_WEIGHT)))
    return model_path + ".weight"
