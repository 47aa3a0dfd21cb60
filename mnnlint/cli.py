"""mnnlint's command line.

    mnnlint PATH... [--target cuda] [--mnn-version 3.2.0]   check models
    mnnlint inspect PATH...                                  describe models
    mnnlint rule CODE | --all                                a rule's documentation
    mnnlint targets [--backend NAME]                         backends and releases known
    mnnlint diff OLD NEW [--target cuda]                     what a model update changes

Exit codes, as ruff's: 0 clean, 1 findings at the failing severity, 2 usage or input
errors, 130 interrupted. Only argparse and sys are imported up front so `--version`
stays instant. The CLI owns argparse, the choice of reporter, the baseline, the files
it writes and the exit code; the run itself is built by `run.prepare`, as for
`mnnlint.lint()`, and every user error is a `MnnlintError`, caught once in `main`.
"""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from . import __version__

if TYPE_CHECKING:
    from .diagnostics import Diagnostic
    from .report import RunInfo
    from .run import Run, RunResult

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 130
# Subcommands: name -> "module:function" taking argv and returning the exit code. A new
# command is one line here (and its module); everything else is `check`.
COMMANDS: dict[str, str] = {
    "check": "mnnlint.cli:check_main",
    "inspect": "mnnlint.cli:inspect_main",
    "rule": "mnnlint.cli:rule_main",
    "targets": "mnnlint.cli:targets_main",
    "crosscheck": "mnnlint.crosscheck.cli:main",
    "diff": "mnnlint.diff:diff_main",
}
# Settings a check flag sets: TOML key -> the flag, named in errors.
FLAGS = {"target": "--target", "mnn-version": "--mnn-version", "profile": "--profile",
         "build-options": "--build-option", "select": "--select", "extend-select": "--extend-select",
         "ignore": "--ignore", "fail-on": "--fail-on", "output-format": "--output-format",
         "exclude": "--exclude", "timeout-per-file": "--timeout-per-file"}
MAX_STEP_SUMMARY = 1 << 20  # GitHub refuses job summaries over 1 MiB
HUMAN_FORMATS = ("text", "concise")  # formats that print input errors as lines


class Parser(argparse.ArgumentParser):
    """argparse, with its messages made safe: an error quotes what the user typed, and a file
    named `--x\\n::error::…` that a shell glob passed is a workflow command if printed raw."""

    def _print_message(self, message: str, file: Any = None) -> None:
        if message:
            from .report.escape import line, text

            message = "\n".join(line(part) for part in text(message, keep_newlines=True).split("\n"))
        super()._print_message(message, file)


def _list(values: Sequence[str] | None) -> list[str]:
    """Flags given several times or comma-separated, flattened."""
    return [v.strip() for value in values or () for v in value.split(",") if v.strip()]


def _help(key: str) -> str:
    from .settings import BY_KEY

    return BY_KEY[key].help


def _common(parser: argparse.ArgumentParser, paths_required: bool = True) -> None:
    parser.add_argument("paths", nargs="+" if paths_required else "*", metavar="PATH",
                        help=".mnn files, folders to search for them, or LLM export folders")
    parser.add_argument("--exclude", action="append", default=None, metavar="GLOB", help=_help("exclude"))
    parser.add_argument("--timeout-per-file", default=None, metavar="SECONDS", help=_help("timeout-per-file"))
    parser.add_argument("--version", action="version", version=f"mnnlint {__version__}",
                        help="print the version and exit")


def check_parser() -> argparse.ArgumentParser:
    from .report import FORMATS
    from .settings import FAIL_ON

    parser = Parser(
        prog="mnnlint", description="Find the ops of MNN models that the target backend will not run.",
        epilog="Other commands: " + " | ".join(f"mnnlint {c}" for c in COMMANDS if c != "check"))
    _common(parser, paths_required=False)
    parser.add_argument("-t", "--target", action="append", default=None, metavar="BACKEND",
                        help=_help("target") + " (repeat or comma-separate)")
    parser.add_argument("--mnn-version", default=None, metavar="VERSION", help=_help("mnn-version"))
    parser.add_argument("--profile", default=None, metavar="NAME", help=_help("profile"))
    parser.add_argument("--build-option", action="append", default=None, metavar="NAME=ON|OFF",
                        help="a CMake option of your MNN build, on top of the build profile (repeatable)")
    parser.add_argument("--select", action="append", default=None, metavar="CODES",
                        help=_help("select") + "; replaces the config's selection")
    parser.add_argument("--extend-select", action="append", default=None, metavar="CODES",
                        help=_help("extend-select"))
    parser.add_argument("--ignore", action="append", default=None, metavar="CODES", help=_help("ignore"))
    parser.add_argument("--fail-on", choices=FAIL_ON, default=None, help=_help("fail-on"))
    parser.add_argument("--output-format", "--format", dest="output_format", choices=sorted(FORMATS),
                        default=None, help=_help("output-format") + " (also from MNNLINT_OUTPUT_FORMAT or the config)")
    parser.add_argument("-o", "--output-file", default=None, metavar="FILE",
                        help="write the report to FILE (its folder is created; never over a model or an input)")
    parser.add_argument("--statistics", action="store_true", help="print only the count of findings per rule")
    parser.add_argument("--html", default=None, metavar="FILE",
                        help="also write one self-contained HTML page: the graph coloured by where each op runs")
    parser.add_argument("--graph", default=None, metavar="FILE.dot|FILE.svg",
                        help="also write the placement graph as Graphviz DOT (.svg needs Graphviz's dot)")
    loud = parser.add_mutually_exclusive_group()
    loud.add_argument("-q", "--quiet", action="store_true", help="print findings and the summary only")
    loud.add_argument("-v", "--verbose", action="store_true",
                      help="also say which config file and config profiles are in use")
    config = parser.add_argument_group("configuration")
    config.add_argument("--config", default=None, metavar="FILE",
                        help="config file to use (default: the closest pyproject.toml with [tool.mnnlint], "
                             "mnnlint.toml or .mnnlint.toml from the current folder upwards)")
    config.add_argument("--isolated", action="store_true", help="read no config file")
    config.add_argument("--config-profile", action="append", default=[], metavar="NAME",
                        help="named profile(s) of the config's [profiles] tables to check "
                             "(default: all of them); not the build profile, see --profile")
    config.add_argument("--show-settings", action="store_true",
                        help="print the resolved configuration as JSON and exit")
    config.add_argument("--baseline", default=None, metavar="FILE",
                        help="report and fail only on findings not recorded in FILE")
    config.add_argument("--write-baseline", default=None, metavar="FILE",
                        help="record the current findings in FILE and exit 0")
    return parser


def _build_options(values: Sequence[str] | None) -> dict[str, bool] | None:
    from .errors import UsageError

    if not values:
        return None
    out = {}
    for item in _list(values):
        name, _, value = item.partition("=")
        if value.strip().upper() not in ("ON", "OFF", "TRUE", "FALSE", "1", "0") or not name.strip():
            raise UsageError(f"--build-option takes NAME=ON or NAME=OFF, not {item!r}")
        out[name.strip()] = value.strip().upper() in ("ON", "TRUE", "1")
    return out


def _seconds(value: str | None) -> float | None:
    """--timeout-per-file as a number; the settings declaration checks its range."""
    from .errors import UsageError

    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        raise UsageError(f"--timeout-per-file: must be a number of seconds, not {value!r}") from None


def _flags(args: argparse.Namespace) -> dict[str, Any]:
    """The check flags in the settings' TOML shape; None where not given."""
    return {
        "target": _list(args.target) or None, "mnn-version": args.mnn_version, "profile": args.profile,
        "build-options": _build_options(args.build_option), "select": _list(args.select) or None,
        "extend-select": _list(args.extend_select) or None, "ignore": _list(args.ignore) or None,
        "fail-on": args.fail_on, "output-format": args.output_format, "exclude": _list(args.exclude) or None,
        "timeout-per-file": _seconds(args.timeout_per_file),
    }


def check_main(argv: Sequence[str]) -> int:
    import os
    from pathlib import Path

    from .errors import UsageError
    from .run import prepare

    parser = check_parser()
    args = parser.parse_args(argv)
    if not args.paths and not args.show_settings:
        parser.error("give at least one PATH (or --show-settings)")
    if args.config and args.isolated:
        raise UsageError("--config and --isolated exclude each other")
    run = prepare(flags=_flags(args), flag_names=FLAGS, config=Path(args.config) if args.config else None,
                  discover=not args.isolated, config_profiles=_list(args.config_profile),
                  env_format=os.environ.get("MNNLINT_OUTPUT_FORMAT", "").strip() or None)
    if args.show_settings:
        from .report.escape import json_dumps

        sys.stdout.write(json_dumps(run.show_settings(), indent=2) + "\n")  # config values: no raw `##[`
        return EXIT_OK
    output_format = run.settings.output_format
    if args.verbose and (output_format != "text" or args.output_file):
        _note(f"config file: {run.config.path or 'none'}" + ("" if run.config.path else
              " (--isolated)" if args.isolated else " found from the current folder upwards"))
    named = [*args.paths, *(p for p in (run.config.path, args.baseline) if p)]
    for out, what in ((args.output_file, "report"), (args.write_baseline, "baseline"), (args.html, "HTML page"),
                      (args.graph, "graph")):
        if out:
            from .sidefiles import refuse_overwrite

            refuse_overwrite(out, named, what)
    from .report import renderer

    render = renderer(output_format)
    baseline = None
    if args.baseline:
        from .baseline import read_baseline

        baseline = read_baseline(Path(args.baseline))
    read: list[str] = []  # side files opened while walking: no output goes over them either
    result = _execute(run, args, output_format, read)
    return _finish(run, result, args, render, baseline, [*named, *read])


def _execute(run: Run, args: argparse.Namespace, output_format: str, read: list[str]) -> RunResult:
    """Check the models. Every report carries the input errors; each is also one line on
    stderr, as it happens, unless the report itself is going to this terminal."""
    sources: Any = run.sources(args.paths, read)
    if output_format == "text" and args.output_file is None and not args.quiet:
        from .report.progress import with_progress

        sources = with_progress(sources, sys.stderr)
    on_terminal = args.output_file is None and output_format in HUMAN_FORMATS and _isatty(sys.stdout)
    return run.execute(sources, (lambda err: None) if on_terminal else _error)


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def _finish(run: Run, result: RunResult, args: argparse.Namespace, render: Callable[..., None],
            baseline: Any, named: list[str]) -> int:
    import os
    from pathlib import Path

    from .errors import UsageError

    if result.sources == 0:
        _warn(f"no MNN models (*.mnn files or LLM export folders) found in {', '.join(args.paths)}")
    inputs = [*named, *result.inputs()]
    shown = result.diagnostics
    if args.write_baseline:
        from .baseline import write_baseline
        from .sidefiles import refuse_overwrite

        refuse_overwrite(args.write_baseline, inputs, "baseline")
        count = write_baseline(Path(args.write_baseline), shown, __version__)
        if not args.quiet:
            _note(f"wrote {count} finding(s) to the baseline {args.write_baseline}")
    if baseline is not None:
        from .baseline import new_findings

        shown = new_findings(shown, baseline, Path(args.baseline))
        hidden = len(result.diagnostics) - len(shown)
        if hidden and not args.quiet and run.settings.output_format != "text":
            _note(f"the baseline {args.baseline} hid {hidden} known finding(s)")
    info = _run_info(run, result, args, shown)
    code = EXIT_ERROR if result.input_errors else EXIT_OK if args.write_baseline else (
        EXIT_FINDINGS if result.failing(shown) else EXIT_OK)
    if args.output_file:
        import io

        from .sidefiles import refuse_overwrite, write_text

        refuse_overwrite(args.output_file, inputs, "report")
        buffer = io.StringIO()
        render(shown, info, buffer)
        write_text(args.output_file, buffer.getvalue(), "report", create_folder=True)
    else:
        render(shown, info, sys.stdout)  # a reader leaving (`| head`) is the stream guard's business
        sys.stdout.flush()
    if args.html or args.graph:
        from .placement.view import pictures
        from .sidefiles import refuse_overwrite, write_text

        seconds = run.settings.timeout_per_file or None
        skipped = lambda err: _warn(f"no picture of {err}")  # noqa: E731
        for path, picture, what in pictures(args.html, args.graph, shown, info, seconds, skipped):
            refuse_overwrite(path, inputs, what)
            write_text(path, picture, what, create_folder=True)
    summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
    if run.settings.output_format == "github" and summary_file and not args.statistics:
        from .report.github import step_summary
        from .sidefiles import refuse_overwrite, write_text

        text = step_summary(shown, info)
        if len(text.encode("utf-8", "surrogateescape")) > MAX_STEP_SUMMARY:
            text = text[: MAX_STEP_SUMMARY // 4] + "\n\n(truncated: the job summary is limited to 1 MiB)\n"
        try:
            refuse_overwrite(summary_file, inputs, "job summary")  # appending changes an input too
            write_text(summary_file, text, "job summary", append=True, regular_only=True)
        except UsageError as err:  # the report is out; the summary is a courtesy, the verdict stands
            _warn(f"$GITHUB_STEP_SUMMARY {err}")
    return code


def _run_info(run: Run, result: RunResult, args: argparse.Namespace, shown: Sequence[Diagnostic]) -> RunInfo:
    import os

    from .report import RunInfo
    from .report.console import wants_color
    from .report.context import paths

    return RunInfo(
        version=__version__, checked=result.checked, input_errors=[str(e) for e in result.input_errors],
        models=result.models, statistics=args.statistics, rules=run.rules,
        config_file=str(run.config.path) if run.config.path else None,
        config_profiles=tuple(p.name for p in run.profiles if p.name),
        baseline_hidden=len(result.diagnostics) - len(shown), quiet=args.quiet, verbose=args.verbose,
        color=args.output_file is None and wants_color(sys.stdout, os.environ), **paths())


def inspect_main(argv: Sequence[str]) -> int:
    parser = Parser(prog="mnnlint inspect", description="Describe what is inside MNN models.")
    _common(parser)
    parser.add_argument("--output-format", "--format", dest="output_format", choices=_document_formats(),
                        default="text", help="how to print the result (default: text)")
    args = parser.parse_args(argv)
    from .describe import describe
    from .errors import InputError
    from .globs import compile_globs
    from .inputs import expand
    from .limits import time_limit
    from .loader import load
    from .settings import DEFAULT_TIMEOUT

    seconds = _seconds(args.timeout_per_file)
    timeout = DEFAULT_TIMEOUT if seconds is None else _check_setting("timeout-per-file", seconds)
    summaries, failed = [], False
    for source in expand(args.paths, compile_globs(_list(args.exclude))):
        if isinstance(source, InputError):
            _error(source)
            failed = True
            continue
        try:
            with time_limit(timeout or None, source.path):
                summaries.append(describe(load(source)))
        except InputError as err:
            _error(err)
            failed = True
    _document("inspect", args.output_format, {"version": __version__, "models": summaries})
    return EXIT_ERROR if failed else EXIT_OK


def _check_setting(key: str, value: Any) -> Any:
    """A flag of a command other than check, validated by the setting's declaration."""
    from .settings import BY_KEY, Invalid

    try:
        return BY_KEY[key].parse(value, None)  # type: ignore[arg-type]
    except Invalid as err:
        from .errors import UsageError

        raise UsageError(f"{FLAGS.get(key, key)}: {err.problem}") from None


def _document_formats() -> list[str]:
    from .report import DOCUMENT_FORMATS

    return sorted(DOCUMENT_FORMATS)


def _document(command: str, fmt: str, data: object) -> None:
    import os

    from .report import render_document
    from .report.console import wants_color

    render_document(command, fmt, data, sys.stdout, color=wants_color(sys.stdout, os.environ))


def rule_main(argv: Sequence[str]) -> int:
    parser = Parser(prog="mnnlint rule", description="Show a rule's documentation.")
    parser.add_argument("code", nargs="?", help="rule code, e.g. B002")
    parser.add_argument("--all", action="store_true", help="every rule")
    parser.add_argument("--output-format", "--format", dest="output_format", choices=_document_formats(),
                        default="text", help="how to print the documentation (default: text)")
    args = parser.parse_args(argv)
    from .docs import rule_record
    from .errors import UsageError
    from .registry import load_registry

    registry = load_registry()
    if args.all:
        rules = list(registry.rules)
    elif args.code and registry.get(args.code):
        rules = [registry.get(args.code)]
    else:
        raise UsageError(f"unknown rule {args.code!r}; `mnnlint rule --all` lists them"
                         if args.code else "give a rule code or --all")
    _document("rule", args.output_format, [rule_record(r) for r in rules])
    return EXIT_OK


def targets_main(argv: Sequence[str]) -> int:
    parser = Parser(prog="mnnlint targets", description="Backends and releases in the tables.")
    parser.add_argument("--backend", default=None, help="list the op types of one backend")
    parser.add_argument("--mnn-version", default="latest", help=_help("mnn-version"))
    parser.add_argument("--profile", default="default", help=_help("profile"))
    parser.add_argument("--output-format", "--format", dest="output_format", choices=_document_formats(),
                        default="text", help="how to print the listing (default: text)")
    args = parser.parse_args(argv)
    from .capabilities import Capabilities
    from .capabilities.backends import canonical
    from .describe import targets
    from .errors import UsageError

    caps = Capabilities()
    releases = caps.resolve_versions(args.mnn_version)
    backend = canonical(args.backend) if args.backend else None
    if args.backend and backend is None:
        raise UsageError(f"unknown backend {args.backend!r}")
    _document("targets", args.output_format, targets(caps, releases, backend, args.profile))
    return EXIT_OK


def _stderr(message: str) -> None:
    from .report.escape import line, text

    print(line(text(message)), file=sys.stderr)


def _error(err: BaseException) -> None:
    _stderr(f"mnnlint: error: {err}")


def _warn(message: str) -> None:
    _stderr(f"mnnlint: warning: {message}")


def _note(message: str) -> None:
    _stderr(f"mnnlint: {message}")


def _silence(stream: Any) -> None:
    """After EPIPE: send what is left to /dev/null, so the exit flush cannot fail again."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        pass


class _Guarded:
    """stdout or stderr, where a reader that left (EPIPE: `| head`, `2>&1 | head`) silences the
    stream instead of raising: the run goes on to its real exit code, findings or input errors.

    A BrokenPipeError escaping to `main` could only be answered with a guess; this way every
    command, on whichever stream and in whichever phase the pipe breaks, keeps its verdict.
    """

    def __init__(self, stream: Any) -> None:
        import contextlib
        import os

        # None: the descriptor was closed before start (`>&-`); as good as a reader that left
        self._stream = stream if stream is not None else open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
        # A stream that is not UTF-8 (PYTHONIOENCODING=ascii, a latin-1 console) shows what it cannot
        # encode as \uXXXX: the report's `·` and `→`, or a name, were an internal error.
        self._errors = getattr(self._stream, "errors", None)
        with contextlib.suppress(AttributeError, ValueError, OSError):
            self._stream.reconfigure(errors="backslashreplace")

    def restore(self) -> None:
        """The stream's own error handler again, for a caller that runs `main` in its process."""
        import contextlib

        with contextlib.suppress(AttributeError, ValueError, OSError, TypeError):
            self._stream.reconfigure(errors=self._errors)

    def _broken(self) -> None:
        import contextlib

        _silence(self._stream)
        with contextlib.suppress(OSError, ValueError):  # what the text layer still buffers goes to /dev/null
            self._stream.flush()

    def write(self, text: str) -> int:
        try:
            return int(self._stream.write(text))
        except BrokenPipeError:
            self._broken()
            return len(text)

    def writelines(self, lines: Any) -> None:
        for chunk in lines:
            self.write(chunk)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            self._broken()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _check_working_folder() -> None:
    """Relative paths, config discovery and report paths all start from the working folder."""
    import os

    try:
        os.getcwd()
    except OSError as err:
        from .errors import UsageError

        raise UsageError(f"the working folder cannot be used ({err.strerror or err}: deleted while the "
                         "shell was in it?); run mnnlint from an existing folder") from None


def _handler(command: str) -> Callable[[Sequence[str]], int]:
    import importlib

    module, _, function = COMMANDS[command].partition(":")
    return getattr(importlib.import_module(module), function)  # type: ignore[no-any-return]


def main(argv: Sequence[str] | None = None) -> int:
    streams = sys.stdout, sys.stderr
    guarded = _Guarded(sys.stdout), _Guarded(sys.stderr)
    sys.stdout, sys.stderr = guarded  # type: ignore[assignment]
    try:
        import contextlib

        code = _main(argv)
        with contextlib.suppress(OSError, ValueError):
            sys.stdout.flush()  # before the interpreter's own flush at exit, which cannot be guarded
        return code
    finally:
        sys.stdout, sys.stderr = streams
        for stream in guarded:
            stream.restore()


def _main(argv: Sequence[str] | None) -> int:
    try:
        argv = list(sys.argv[1:] if argv is None else argv)
        if argv[:1] in (["--version"], ["-V"]):
            print(f"mnnlint {__version__}")
            return EXIT_OK
        if not argv:
            print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
            return EXIT_ERROR
        command, rest = (argv[0], argv[1:]) if argv[0] in COMMANDS else ("check", argv)
        _check_working_folder()
        return _handler(command)(rest)
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # not through the guarded streams: the verdict is unknown, so not "clean"
        _silence(sys.stdout)
        return EXIT_ERROR
    except Exception as err:  # a bug of ours must still be one line, not a traceback
        from .errors import MnnlintError

        if isinstance(err, MnnlintError):
            _error(err)
            return err.exit_code
        _stderr(f"mnnlint: internal error: {type(err).__name__}: {err} (please report it)")
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
