"""Load a model source: read the file, then check what it needs beside it.

Kept apart from the reader, which knows only the bytes of one file: whether an
external weight file exists and is long enough is a question about the folder. Its
answer is recorded on the Model, not raised: a missing or short `.weight` file is a
deployment finding (rule D001), and the graph is still checked (repos that keep
weights in Git LFS still want that). mnnlint only stats the weight file, never reads it.
"""

from __future__ import annotations

import os
import stat

from .inputs import ModelSource, weight_file_for
from .model import Model
from .reader import read_model


def load(source: ModelSource) -> Model:
    """The model of `source`, with its LLM config and weight file facts; InputError if unreadable."""
    model = read_model(source.path)
    weight_file = None
    size: int | None = None
    problem: str | None = None
    if model.weight_bytes_needed:
        weight_file = weight_file_for(source.path, source.llm)
        try:
            info = os.stat(weight_file)
            if stat.S_ISREG(info.st_mode):
                size = info.st_size
            else:
                problem = "is not a regular file"
        except FileNotFoundError:
            problem = "is missing"
        except OSError as err:
            problem = f"cannot be examined: {err.strerror or err}"
    return model._replace(weight_file=weight_file, weight_file_size=size, weight_file_problem=problem,
                          llm=source.llm)
