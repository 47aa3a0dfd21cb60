"""Runs inside the probe's child process: load each model on the pip MNN runtime, run it once.

This file is executed as source text (`python -c`) in an empty working directory, so
nothing of mnnlint is importable here and nothing is written next to the models.

Protocol, on file descriptor 1 (MNN's C++ printf output goes to the same pipe, in order):
    @@MNNLINT VERSION <MNN release>
    @@MNNLINT BEGIN <i>
    @@MNNLINT PHASE session|module
    @@MNNLINT END <i> {"api": ..., "finished": ..., "error": ...}
A model that kills the process leaves a BEGIN without END; the parent records the
signal and starts a new child on the remaining models. Each model runs under
alarm(seconds) with SIGALRM's default action, so a hang ends as death by SIGALRM
even inside C++ code.
"""
import ctypes
import json
import os
import signal
import sys

os.dup2(1, 2)  # one ordered stream: MNN_PRINT goes to stdout, MNN_ERROR to stderr
libc = ctypes.CDLL(None)
for _name in ("stdout", "stderr"):
    libc.setvbuf(ctypes.c_void_p.in_dll(libc, _name), None, 2, 0)  # _IONBF


def say(text):
    os.write(1, ("\n@@MNNLINT " + text + "\n").encode())


import MNN  # noqa: E402
import numpy as np  # noqa: E402

say("VERSION " + MNN.version())
backend = sys.argv[1]
seconds = int(sys.argv[2])
paths = sys.argv[3:]
rng = np.random.default_rng(0)


def _given(path):
    """Inputs saved beside the model as MODEL.inputs.npz (the sweep writes the ONNX tests' own)."""
    try:
        with np.load(path + ".inputs.npz") as npz:
            arrays = {k: npz[k] for k in npz.files}
    except (OSError, ValueError):  # absent, or a dtype this numpy cannot load (float8, objects)
        return {}
    return {k: a for k, a in arrays.items() if a.dtype.kind in "biuf"}


def _values(given, name, shape, dtype):
    """The saved input when its size fits, else ones for integers (no zero divisors, index 1 at most)
    and standard-normal floats."""
    arr = given.get(name)
    if arr is not None and arr.size == int(np.prod(shape)):
        return arr.reshape(shape).astype(dtype)
    if np.issubdtype(dtype, np.floating):
        return rng.standard_normal(shape).astype(dtype)
    return np.ones(shape, dtype=dtype)


_HALIDE = {np.dtype(np.float32): "Halide_Type_Float", np.dtype(np.int32): "Halide_Type_Int",
           np.dtype(np.uint8): "Halide_Type_Uint8", np.dtype(np.float64): "Halide_Type_Double",
           np.dtype(np.int64): "Halide_Type_Int64"}


def run_session(path):
    interp = MNN.Interpreter(path)
    session = interp.createSession({"backend": backend, "numThread": 1})
    if session is None:
        return "createSession returned nothing"
    inputs = interp.getSessionInputAll(session)
    for tensor in inputs.values():
        shape = [d if d > 0 else 1 for d in tensor.getShape()]
        interp.resizeTensor(tensor, tuple(shape))
    interp.resizeSession(session)
    given = _given(path)
    for name, tensor in inputs.items():
        shape = [d if d > 0 else 1 for d in tensor.getShape()]
        dtype = tensor.getNumpyData().dtype
        if dtype not in _HALIDE:
            return f"input {name} has type {dtype}, which the session API cannot fill"
        src = MNN.Tensor(tuple(shape), getattr(MNN, _HALIDE[dtype]), _values(given, name, shape, dtype),
                         tensor.getDimensionType())
        tensor.copyFrom(src)
    code = interp.runSession(session)
    return None if code == 0 else f"runSession returned {code}"


def run_module(path):
    import MNN.expr as F

    numpy_of = {F.float: np.float32, F.int: np.int32, F.int64: np.int64, F.int8: np.int8, F.uint8: np.uint8,
                F.double: np.float64}
    net = MNN.nn.load_module_from_file(path, [], [], runtime_manager=None)
    if net is None:
        return "load_module_from_file returned nothing"
    given = _given(path)
    info = net.get_info()
    feeds = []
    names = info.get("inputNames") or [None] * len(info["inputs"])
    for name, var in zip(names, info["inputs"], strict=False):
        shape = [d if d > 0 else 1 for d in var.shape]
        dtype = numpy_of.get(var.dtype, np.float32)
        feeds.append(F.const(_values(given, name, shape, np.dtype(dtype)), shape, var.data_format, var.dtype))
    outs = net.forward(feeds)
    outs = outs if isinstance(outs, (list, tuple)) else [outs]
    if not outs:
        return "forward returned no outputs"
    for out in outs:
        if out is None:
            return "forward returned nothing"
        out.read()
    return None


def attempt(fn, path):
    try:
        return fn(path)
    except Exception as exc:  # a Python-level refusal (bad file, None result): recorded, not fatal
        return f"{type(exc).__name__}: {exc}"[:300]


for index, path in enumerate(paths):
    say(f"BEGIN {index}")
    signal.alarm(seconds)
    say("PHASE session")
    error = attempt(run_session, path)
    api = "session"
    if error is not None:
        say("PHASE module")
        module_error = attempt(run_module, path)
        api = "module"
        error = f"session: {error}; module: {module_error}" if module_error is not None else None
    signal.alarm(0)
    say(f"END {index} " + json.dumps({"api": api, "finished": error is None, "error": error}))
