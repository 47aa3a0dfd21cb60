"""Load a model source: read the file, then check what it needs beside it.

Kept apart from the reader, which knows only the bytes of one file: whether an
external weight file exists and is long enough is a question about the folder.
"""

from __future__ import annotations

import dataclasses
import os

from .errors import InputError
from .inputs import ModelSource, weight_file_for
from .model import Model
from .reader import read_model


def load(source: ModelSource) -> Model:
    """The model of `source`, with its LLM config and weight file; InputError if unusable."""
    model = read_model(source.path)
    weight_file = None
    if model.weight_bytes_needed:
        weight_file = weight_file_for(source.path, source.llm)
        try:
            have = os.stat(weight_file).st_size
        except FileNotFoundError:
            raise InputError(source.path, f"its weights are stored externally, but {weight_file} is missing; "
                                          "copy the .weight file beside the model") from None
        except OSError as err:
            raise InputError(source.path, f"cannot read its weight file {weight_file}: {err.strerror}") from None
        if have < model.weight_bytes_needed:
            raise InputError(source.path, f"weight file {weight_file} is {have} bytes but the model needs "
                                          f"{model.weight_bytes_needed}: truncated or from another export")
    return dataclasses.replace(model, weight_file=weight_file, llm=source.llm)
