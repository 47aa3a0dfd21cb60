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


def _array(shape, is_int):
    if is_int:
        return rng.integers(0, 2, size=shape).astype(np.int32)
    return rng.standard_normal(shape).astype(np.float32)


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
    for tensor in inputs.values():
        shape = [d if d > 0 else 1 for d in tensor.getShape()]
        host = tensor.getNumpyData() if tensor.getShape() else None
        is_int = host is not None and np.issubdtype(host.dtype, np.integer)
        dtype = MNN.Halide_Type_Int if is_int else MNN.Halide_Type_Float
        src = MNN.Tensor(tuple(shape), dtype, _array(shape, is_int), tensor.getDimensionType())
        tensor.copyFrom(src)
    code = interp.runSession(session)
    return None if code == 0 else f"runSession returned {code}"


def run_module(path):
    import MNN.expr as F

    net = MNN.nn.load_module_from_file(path, [], [], runtime_manager=None)
    if net is None:
        return "load_module_from_file returned nothing"
    feeds = []
    for var in net.get_info()["inputs"]:
        shape = [d if d > 0 else 1 for d in var.shape]
        is_int = var.dtype == F.int
        arr = _array(shape, is_int)
        feeds.append(F.const(arr, shape, var.data_format, F.int if is_int else F.float))
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
