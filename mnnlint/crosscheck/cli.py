"""`mnnlint crosscheck PATH...`: mnnlint's verdict next to what a real MNN does with the same models.

Exit 0 when every model agrees, 1 on any disagreement, 2 on usage errors, unreadable
models or no runtime. The runtime is the installed pip `mnn` (CPU) unless `--probe`
names a command speaking the probe protocol (tools/probe/, built against a user's MNN).
"""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Sequence

EXIT_OK, EXIT_DISAGREE, EXIT_ERROR = 0, 1, 2
MAX_SECONDS = 86400


def _seconds(text: str) -> int:
    """--timeout-per-model: whole seconds from 1 to a day (the child's alarm(2) takes no more)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number of seconds, not {text!r}") from None
    if not 1 <= value <= MAX_SECONDS:
        raise argparse.ArgumentTypeError(f"must be from 1 to {MAX_SECONDS} seconds, not {text!r}")
    return value


def parser() -> argparse.ArgumentParser:
    from mnnlint.cli import Parser

    p = Parser(prog="mnnlint crosscheck",
               description="Run models on a real MNN and compare with mnnlint's verdict.")
    p.add_argument("paths", nargs="+", metavar="PATH", help=".mnn files or folders to search for them")
    p.add_argument("-t", "--target", default="cpu", metavar="BACKEND",
                   help="the backend the runtime runs on (default cpu, the pip package's)")
    p.add_argument("--probe", default=None, metavar="COMMAND",
                   help="a probe command for another MNN build, e.g. 'tools/probe/build/mnnlint-probe cuda'")
    p.add_argument("--mnn-version", default=None, metavar="VERSION",
                   help="the runtime's release (default: MNN.version() of the pip package)")
    p.add_argument("--timeout-per-model", type=_seconds, default=60, metavar="SECONDS",
                   help="give up on a model after this many seconds (default 60)")
    p.add_argument("--output-format", "--format", dest="output_format", choices=("text", "json"), default="text")
    p.add_argument("-o", "--output-file", default=None, metavar="FILE")
    return p


def main(argv: Sequence[str]) -> int:
    args = parser().parse_args(list(argv))
    from mnnlint.capabilities import Capabilities
    from mnnlint.capabilities.backends import canonical
    from mnnlint.engine import check_model
    from mnnlint.errors import InputError
    from mnnlint.inputs import expand
    from mnnlint.limits import time_limit
    from mnnlint.loader import load
    from mnnlint.registry import load_registry
    from mnnlint.settings import Profile
    from mnnlint.sidefiles import refuse_overwrite, write_text

    from . import report
    from .compare import compare
    from .probe import run_batch
    from .runtime import RuntimeMissing, detect

    backend = canonical(args.target)
    if backend is None:
        return _error(f"unknown target {args.target!r}")
    command = shlex.split(args.probe) if args.probe else None
    if command is None and backend != "cpu":
        return _error(f"the pip `mnn` runs on the CPU only; give --probe for {backend}")
    caps = Capabilities()
    try:
        runtime = detect(backend, command, args.mnn_version)
    except RuntimeMissing as err:
        return _error(str(err))
    if runtime.release not in caps.releases:
        return _error(f"MNN {runtime.release} is not in mnnlint's tables ({caps.releases[0]}…{caps.latest})")
    table = caps.release(runtime.release)
    plan = Profile(targets=(backend,), releases=(runtime.release,), rules=tuple(load_registry().rules),
                   build_profile=runtime.profile, build_options=runtime.build_options)
    if args.output_file:
        refuse_overwrite(args.output_file, args.paths, "report")
    errors: list[str] = []
    checked = []
    inputs: list[str] = list(args.paths)
    for source in expand(args.paths, read=inputs):
        try:
            if isinstance(source, Exception):
                raise source
            inputs.append(source.path)
            with time_limit(args.timeout_per_model, source.path):  # mnnlint's side is bounded too
                checked.append((source.path, check_model(load(source), plan, caps).diagnostics))
        except InputError as err:
            errors.append(str(err))
            inputs.append(err.path)
            _error_line(err)
    observed = run_batch([path for path, _ in checked], command=runtime.command, seconds=args.timeout_per_model)
    rows = [compare(path, obs, found, table.op_names) for (path, found), obs in zip(checked, observed, strict=False)]
    render = report.as_json if args.output_format == "json" else report.text
    out = render(rows, runtime, errors)
    if args.output_file:
        refuse_overwrite(args.output_file, inputs, "report")  # a model found by walking, a config read
        write_text(args.output_file, out, "report", create_folder=True)
    else:
        sys.stdout.write(out)
    if errors:
        return EXIT_ERROR
    return EXIT_OK if all(c.agrees for c in rows) else EXIT_DISAGREE


def _error(message: str) -> int:
    from mnnlint.report.escape import line, text

    print(line(text(f"mnnlint crosscheck: error: {message}")), file=sys.stderr)
    return EXIT_ERROR


def _error_line(err: BaseException) -> None:
    from mnnlint.cli import _error as error

    error(err)
