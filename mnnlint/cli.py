"""mnnlint's command line.

    mnnlint PATH... [--target cuda] [--mnn-version 3.2.0]   check models
    mnnlint inspect PATH...                                  describe models
    mnnlint rule CODE | --all                                a rule's documentation
    mnnlint targets [--backend NAME]                         backends and releases known

Exit codes, as ruff's: 0 clean, 1 findings at the failing severity, 2 usage or input
errors. Only argparse and sys are imported up front so `--version` stays instant.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from . import __version__

if TYPE_CHECKING:
    from .diagnostics import Diagnostic
    from .model import Model

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
SUBCOMMANDS = ("check", "inspect", "rule", "targets")
FAIL_ON = ("error", "warning", "info", "never")


class UsageError(Exception):
    """A bad flag value: one line, exit 2."""


def _list(values: Sequence[str]) -> list[str]:
    """Flags given several times or comma-separated, flattened."""
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH",
                        help=".mnn files, folders to search for them, or LLM export folders")
    parser.add_argument("--exclude", action="append", default=[], metavar="GLOB",
                        help="skip files and folders matching GLOB while walking folders")
    parser.add_argument("--timeout-per-file", type=float, default=None, metavar="SECONDS",
                        help="give up on a file after this long (default 5; 0 for no limit)")
    parser.add_argument("--version", action="version", version=f"mnnlint {__version__}")


def check_parser() -> argparse.ArgumentParser:
    from .report import FORMATS

    parser = argparse.ArgumentParser(
        prog="mnnlint", description="Find the ops of MNN models that the target backend will not run.",
        epilog="Other commands: mnnlint inspect PATH | mnnlint rule CODE | mnnlint targets")
    _common(parser)
    parser.add_argument("-t", "--target", action="append", default=[], metavar="BACKEND",
                        help="backend(s) to check for: cuda, opencl, vulkan, metal, coreml, nnapi, qnn, npu, "
                             "trt, cpu, arm82, … (repeat or comma-separate; default: the LLM config's "
                             "backend_type, else the model's preferred backend, else cpu)")
    parser.add_argument("--mnn-version", default="latest", metavar="VERSION",
                        help="MNN release: latest (default), all, HEAD, 3.2.0, or a range like '>=2.8,<3.3'")
    parser.add_argument("--profile", default=None, metavar="NAME",
                        help="build profile: default (the release's CMake defaults) or llm (MNN_BUILD_LLM=ON); "
                             "default: llm for LLM exports and transformer-fused models, else default")
    parser.add_argument("--build-option", action="append", default=[], metavar="NAME=ON|OFF",
                        help="a CMake option of your MNN build, on top of the profile")
    parser.add_argument("--select", action="append", default=[], metavar="CODES",
                        help="rule codes or prefixes to run (default ALL)")
    parser.add_argument("--extend-select", action="append", default=[], metavar="CODES")
    parser.add_argument("--ignore", action="append", default=[], metavar="CODES",
                        help="rule codes or prefixes to skip")
    parser.add_argument("--fail-on", choices=FAIL_ON, default="error",
                        help="lowest severity that makes the exit code 1 (default error)")
    parser.add_argument("--output-format", "--format", dest="output_format", choices=sorted(FORMATS),
                        default=None, help="text (default), concise, json, json-lines, sarif, github, junit, gitlab")
    parser.add_argument("-o", "--output-file", default=None, metavar="FILE", help="write the report to FILE")
    parser.add_argument("--statistics", action="store_true", help="count findings per rule")
    return parser


def _build_options(values: Sequence[str]) -> dict[str, bool]:
    out = {}
    for item in _list(values):
        name, _, value = item.partition("=")
        if value.upper() not in ("ON", "OFF", "TRUE", "FALSE", "1", "0") or not name:
            raise UsageError(f"--build-option takes NAME=ON or NAME=OFF, not {item!r}")
        out[name.strip()] = value.upper() in ("ON", "TRUE", "1")
    return out


def _select_rules(args: argparse.Namespace) -> list[type]:
    from .registry import load_registry

    registry = load_registry()
    chosen: dict[str, type] = {}
    for selector in (_list(args.select) or ["ALL"]) + _list(args.extend_select):
        found = registry.matching(selector)
        if not found:
            raise UsageError(f"unknown rule code or prefix {selector!r} (see mnnlint rule --all)")
        chosen.update((r.code, r) for r in found)
    for selector in _list(args.ignore):
        found = registry.matching(selector)
        if not found:
            raise UsageError(f"unknown rule code or prefix {selector!r} in --ignore")
        for rule in found:
            chosen.pop(rule.code, None)
    return [chosen[c] for c in sorted(chosen)]


def default_targets(model: Model) -> list[str]:
    """Where this model is meant to run, when the user did not say."""
    from .capabilities.backends import LLM_BACKEND_TYPES, canonical

    if model.llm is not None and model.llm.backend_type:
        found = LLM_BACKEND_TYPES.get(model.llm.backend_type.lower())
        if found:
            return [found]
    preferred = canonical(model.prefer_forward_type)
    if preferred and model.prefer_forward_type not in ("CPU", "AUTO"):
        return [preferred]
    return ["cpu"]


def check_main(argv: Sequence[str]) -> int:
    args = check_parser().parse_args(argv)
    from .capabilities import Capabilities, TableError
    from .capabilities.backends import canonical
    from .engine import CheckPlan, check_model
    from .errors import InputError
    from .inputs import expand
    from .limits import DEFAULT_SECONDS, time_limit
    from .loader import load
    from .report import Checked, RunInfo, renderer

    caps = Capabilities()
    try:
        targets = []
        for name in _list(args.target):
            backend = canonical(name)
            if backend is None:
                raise UsageError(f"unknown target {name!r}; `mnnlint targets` lists them")
            targets.append(backend)
        releases = caps.resolve_versions(args.mnn_version)
        rules = _select_rules(args)
        build_options = _build_options(args.build_option)
        if args.profile and args.profile not in caps.release(releases[0]).profiles:
            raise UsageError(f"unknown build profile {args.profile!r}; choose from "
                             f"{', '.join(sorted(caps.release(releases[0]).profiles))}")
        render = renderer(args.output_format or "text")
    except (UsageError, TableError) as err:
        return _usage_error(err)
    timeout = DEFAULT_SECONDS if args.timeout_per_file is None else args.timeout_per_file

    diagnostics: list[Diagnostic] = []
    checked: list[Checked] = []
    input_errors: list[str] = []
    models = 0
    for source in expand(args.paths, args.exclude):
        if isinstance(source, InputError):
            _error(source)
            input_errors.append(str(source))
            continue
        try:
            with time_limit(timeout or None, source.path):
                model = load(source)
                plan = CheckPlan(targets=targets or default_targets(model), releases=releases, rules=rules,
                                 profile=args.profile, build_options=build_options)
                result = check_model(model, plan, caps)
        except InputError as err:
            _error(err)
            input_errors.append(str(err))
            continue
        except TableError as err:
            return _usage_error(err)
        models += 1
        diagnostics.extend(result.diagnostics)
        checked.extend(Checked(model.path, *c) for c in result.checked)
    run = RunInfo(version=__version__, checked=checked, input_errors=input_errors, models=models,
                  statistics=args.statistics, rules=rules)
    _write(render, diagnostics, run, args.output_file)
    if input_errors:
        return EXIT_ERROR
    threshold = {"error": 3, "warning": 2, "info": 1, "never": 99}[args.fail_on]
    return EXIT_FINDINGS if any(int(d.severity) >= threshold for d in diagnostics) else EXIT_OK


def _write(render, diagnostics: Sequence[Diagnostic], run, output_file: str | None) -> None:  # type: ignore[no-untyped-def]
    if output_file is None:
        render(diagnostics, run, sys.stdout)
        return
    with open(output_file, "w", encoding="utf-8") as out:
        render(diagnostics, run, out)


def inspect_main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="mnnlint inspect", description="Describe what is inside MNN models.")
    _common(parser)
    parser.add_argument("--output-format", "--format", dest="output_format", choices=("text", "json"),
                        default="text", help="how to print the result (default: text)")
    args = parser.parse_args(argv)
    from .describe import describe
    from .errors import InputError
    from .inputs import expand
    from .limits import DEFAULT_SECONDS, time_limit
    from .loader import load

    timeout = DEFAULT_SECONDS if args.timeout_per_file is None else args.timeout_per_file
    summaries, failed = [], False
    for source in expand(args.paths, args.exclude):
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
    if args.output_format == "json":
        import json

        json.dump({"version": __version__, "models": summaries}, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        from .report.inspect_text import render

        render(summaries, sys.stdout)
    return EXIT_ERROR if failed else EXIT_OK


def rule_main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="mnnlint rule", description="Show a rule's documentation.")
    parser.add_argument("code", nargs="?", help="rule code, e.g. B002")
    parser.add_argument("--all", action="store_true", help="every rule")
    parser.add_argument("--output-format", "--format", dest="output_format", choices=("text", "json"),
                        default="text")
    args = parser.parse_args(argv)
    from .docs import rule_header, rule_record
    from .registry import load_registry

    registry = load_registry()
    if args.all:
        rules = list(registry.rules)
    elif args.code and registry.get(args.code):
        rules = [registry.get(args.code)]
    else:
        return _usage_error(UsageError(f"unknown rule {args.code!r}; `mnnlint rule --all` lists them"
                                       if args.code else "give a rule code or --all"))
    if args.output_format == "json":
        import json

        json.dump([rule_record(r) for r in rules], sys.stdout, indent=2)
        sys.stdout.write("\n")
        return EXIT_OK
    for i, rule in enumerate(rules):
        if i:
            print("\n" + "-" * 72 + "\n")
        print(rule_header(rule))
        print()
        print(rule.summary())
        print()
        print(rule.documentation())
    return EXIT_OK


def targets_main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="mnnlint targets", description="Backends and releases in the tables.")
    parser.add_argument("--backend", default=None, help="list the op types of one backend")
    parser.add_argument("--mnn-version", default="latest")
    parser.add_argument("--profile", default="default")
    parser.add_argument("--output-format", "--format", dest="output_format", choices=("text", "json"),
                        default="text")
    args = parser.parse_args(argv)
    from .capabilities import Capabilities, TableError
    from .capabilities.backends import canonical
    from .report.targets import render_targets

    caps = Capabilities()
    try:
        releases = caps.resolve_versions(args.mnn_version)
        backend = canonical(args.backend) if args.backend else None
        if args.backend and backend is None:
            raise UsageError(f"unknown backend {args.backend!r}")
        render_targets(caps, releases, backend, args.profile, args.output_format, sys.stdout)
    except (UsageError, TableError) as err:
        return _usage_error(err)
    return EXIT_OK


def _error(err: Exception) -> None:
    print(f"mnnlint: error: {err}", file=sys.stderr)


def _usage_error(err: Exception, out: TextIO | None = None) -> int:
    print(f"mnnlint: error: {err}", file=out or sys.stderr)
    return EXIT_ERROR


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] in (["--version"], ["-V"]):
        print(f"mnnlint {__version__}")
        return EXIT_OK
    if not argv:
        print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
        return EXIT_ERROR
    command, rest = (argv[0], argv[1:]) if argv[0] in SUBCOMMANDS else ("check", argv)
    handlers = {"check": check_main, "inspect": inspect_main, "rule": rule_main, "targets": targets_main}
    try:
        return handlers[command](rest)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as err:  # a bug of ours must still be one line, not a traceback
        from .registry import RegistryError

        if isinstance(err, RegistryError):
            return _usage_error(err)
        print(f"mnnlint: internal error: {type(err).__name__}: {err} (please report it)", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
