"""Turn the paths a user names into model files to lint.

A file is linted as given. A folder is walked for `*.mnn`, except a folder that is an
LLM export (MNN's llmexport writes `config.json` naming `llm_model` and
`llm_weight`, beside `llm_config.json`): that folder is one model, found through its
config, and keeps the config's runtime settings for the rules.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from .errors import InputError
from .model import LLMConfig

if TYPE_CHECKING:
    from .globs import Glob

LLM_CONFIG_FILES = ("config.json", "llm_config.json")
LLM_MODEL_KEY, LLM_WEIGHT_KEY = "llm_model", "llm_weight"
LLM_DEFAULT_MODEL, LLM_DEFAULT_WEIGHT = "llm.mnn", "llm.mnn.weight"


class ModelSource(NamedTuple):
    """One model to lint: its file, and the LLM export config when it came from one."""

    path: str
    llm: LLMConfig | None = None


def expand(paths: Sequence[str], exclude: Sequence[Glob | str] = (),
           root: Path | None = None, read: list[str] | None = None) -> Iterator[ModelSource | InputError]:
    """Model sources in the order named; an unreadable path yields its InputError.

    `exclude` globs (see globs.py) are matched relative to `root` (default: the working folder).
    Every side file opened on the way (the LLM configs of the folders walked, export or not)
    is appended to `read`, so that no output is then written over one of them.
    """
    from .globs import Glob

    excluded = _Excluded(tuple(g if isinstance(g, Glob) else Glob(g) for g in exclude), root or Path.cwd())
    seen = read if read is not None else []
    for raw in paths:
        path = Path(raw)
        if _probe(path.is_dir):
            yield from _walk(path, excluded, seen)
        elif _probe(path.exists) or _probe(path.is_symlink):
            yield ModelSource(str(path))
        else:  # or a parent folder that may not be searched: the reader names which
            yield ModelSource(str(path)) if _probe(path.parent.exists) else InputError(raw, "no such file or directory")


MAX_WALK_DEPTH = 256
"""Python's os.walk recurses once per level and fails near 1,000: a walk stops well before."""


def _walk(root: Path, exclude: _Excluded, read: list[str]) -> Iterator[ModelSource | InputError]:
    llm = _llm_source(root, read)
    if isinstance(llm, ModelSource):
        yield llm
        return
    if llm is not None:  # an unreadable config: say so once, and still lint the models beside it
        yield llm
    unreadable: list[OSError] = []  # os.walk skips a folder it cannot list unless told
    for dirpath, dirnames, filenames in os.walk(root, onerror=unreadable.append):
        yield from _folder_errors(unreadable, root)
        here = Path(dirpath)
        dirnames.sort()
        if dirnames and len(here.relative_to(root).parts) >= MAX_WALK_DEPTH:
            yield InputError(str(here), f"folders nested more than {MAX_WALK_DEPTH} levels below {root} are not "
                                        "searched (no export is laid out that deep)")
            dirnames[:] = []
        kept = []
        for d in dirnames:
            sub = here / d
            if exclude(sub, folder=True):
                continue
            found = _llm_source(sub, read)
            if found is not None:
                yield found
            if not isinstance(found, ModelSource):  # not an export, or its config is unreadable
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


class _Excluded(NamedTuple):
    """The `exclude` globs of one run, anchored at its root, asked once per path the walk meets."""

    globs: tuple[Glob, ...]
    root: Path

    def __call__(self, path: Path, folder: bool = False) -> bool:
        if not self.globs:
            return False
        root = Path(os.path.abspath(self.root))
        return any(g.matches_file(str(path), root, folder) for g in self.globs)


MAX_CONFIG_BYTES = 1 << 20
"""MNN's LLM configs are a few KB; anything past 1 MiB is not one (and is never read whole)."""


def _read_config(path: Path) -> object:
    """The JSON value of one config file, bounded in size; InputError saying why not."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # a FIFO must not block
        with open(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise InputError(str(path), "not a regular file (a pipe, socket or device)")
            raw = handle.read(MAX_CONFIG_BYTES + 1)
    except OSError as err:
        raise InputError(str(path), f"unreadable LLM config: {err.strerror or err}") from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise InputError(str(path), f"LLM config larger than {MAX_CONFIG_BYTES >> 20} MiB; not an MNN config")
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise InputError(str(path), "LLM config is not UTF-8 text") from None
    except RecursionError:
        raise InputError(str(path), "LLM config nests too deeply to be an MNN config") from None
    except json.JSONDecodeError as err:
        raise InputError(str(path), f"unreadable LLM config: {err}") from None
    except ValueError:  # an integer past Python's digit limit (int_max_str_digits)
        raise InputError(str(path), "LLM config holds a number thousands of digits long; "
                                    "not an MNN config") from None


def _inside(folder: Path, config: Path, *parts: object) -> Path:
    """`folder`/parts…, refused unless it is a plain relative path that stays inside `folder`.

    MNN joins `base_dir` and the file names onto the export folder; a config anyone can
    commit must not make mnnlint open `../../etc/passwd` or a path with a NUL byte.
    """
    names = []
    for part in parts:
        if not isinstance(part, str):
            raise InputError(str(config), f"LLM config path {part!r:.80} is not a string")
        if "\0" in part:
            raise InputError(str(config), "LLM config path holds a NUL byte")
        try:
            os.fsencode(part)
        except UnicodeEncodeError:  # a lone surrogate such as "\ud800": no file system can name it
            raise InputError(str(config), f"LLM config path {part!r:.200} is not a valid file name") from None
        if os.path.isabs(part):
            raise InputError(str(config), f"LLM config path {part!r:.200} is absolute; "
                                          "it must stay inside the export folder")
        names.append(part)
    joined = os.path.normpath(os.path.join(*names)) if names else "."
    if joined == ".." or joined.startswith(".." + os.sep):
        raise InputError(str(config), f"LLM config path {os.path.join(*names)!r:.200} leaves the export folder")
    path = folder / joined
    real_folder = os.path.realpath(folder)
    real = os.path.realpath(path)
    if real != real_folder and not real.startswith(real_folder.rstrip(os.sep) + os.sep):
        raise InputError(str(config), f"LLM config path {joined!r:.200} leads outside the export folder "
                                      "through a symbolic link")
    return path


def _llm_source(folder: Path, read: list[str]) -> ModelSource | InputError | None:
    """The model of an LLM export folder, or None when `folder` is not one."""
    configs = [folder / name for name in LLM_CONFIG_FILES if _probe((folder / name).is_file)]
    if not configs:
        return None
    read.extend(str(c) for c in configs)
    values: dict[str, object] = {}
    origin: dict[str, Path] = {}  # which file set each key, for the error message
    try:
        for config in reversed(configs):  # config.json, the runtime config, wins
            loaded = _read_config(config)
            if isinstance(loaded, dict):
                values.update(loaded)
                origin.update(dict.fromkeys(loaded, config))
        has_model = _probe((folder / LLM_DEFAULT_MODEL).exists) or LLM_MODEL_KEY in values
        if not has_model:
            return None
        base = values.get("base_dir") or ""
        _inside(folder, origin.get("base_dir", configs[0]), base)
        for key, default in ((LLM_MODEL_KEY, LLM_DEFAULT_MODEL), (LLM_WEIGHT_KEY, LLM_DEFAULT_WEIGHT)):
            _inside(folder, origin.get(key, configs[0]), base, values.get(key, default))
        model = _inside(folder, configs[0], base, values.get(LLM_MODEL_KEY, LLM_DEFAULT_MODEL))
    except InputError as err:
        return err

    def text(key: str) -> str | None:
        value = values.get(key)
        return value if isinstance(value, str) else None if value is None else repr(value)[:80]

    return ModelSource(str(model), LLMConfig(
        path=str(configs[0]),
        backend_type=text("backend_type"),
        precision=text("precision"),
        memory=text("memory"),
        values=values,
    ))


def weight_file_for(model_path: str, llm: LLMConfig | None) -> str:
    """Where MNN looks for the external weights of `model_path` (inside the export folder for LLMs)."""
    if llm is not None:
        config = Path(llm.path)
        return str(_inside(config.parent, config, llm.values.get("base_dir") or "",
                           llm.values.get(LLM_WEIGHT_KEY, LLM_DEFAULT_WEIGHT)))
    return model_path + ".weight"
