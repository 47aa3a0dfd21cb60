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
    from .config import Config, Overrides, Resolved
    from .diagnostics import Diagnostic
    from .registry import Registry

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
SUBCOMMANDS = ("check", "inspect", "rule", "targets", "diff")
FAIL_ON = ("error", "warning", "info", "never")


class UsageError(Exception):
    """A bad flag value: one line, exit 2."""


def _list(values: Sequence[str]) -> list[str]:
    """Flags given several times or comma-separated, flattened."""
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


def _common(parser: argparse.ArgumentParser, paths_required: bool = True) -> None:
    parser.add_argument("paths", nargs="+" if paths_required else "*", metavar="PATH",
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
    _common(parser, paths_required=False)
    parser.add_argument("-t", "--target", action="append", default=[], metavar="BACKEND",
                        help="backend(s) to check for: cuda, opencl, vulkan, metal, coreml, nnapi, qnn, npu, "
                             "trt, cpu, arm82, … (repeat or comma-separate; default: the LLM config's "
                             "backend_type, else the model's preferred backend, else cpu)")
    parser.add_argument("--mnn-version", default=None, metavar="VERSION",
                        help="MNN release: latest (default), all, HEAD, 3.2.0, or a range like '>=2.8,<3.3'")
    parser.add_argument("--profile", default=None, metavar="NAME",
                        help="build profile: default (the release's CMake defaults) or llm (MNN_BUILD_LLM=ON); "
                             "default: llm for LLM exports and transformer-fused models, else default")
    parser.add_argument("--build-option", action="append", default=[], metavar="NAME=ON|OFF",
                        help="a CMake option of your MNN build, on top of the profile")
    parser.add_argument("--select", action="append", default=[], metavar="CODES",
                        help="rule codes or prefixes to run (default ALL; replaces the config's selection)")
    parser.add_argument("--extend-select", action="append", default=[], metavar="CODES")
    parser.add_argument("--ignore", action="append", default=[], metavar="CODES",
                        help="rule codes or prefixes to skip")
    parser.add_argument("--fail-on", choices=FAIL_ON, default=None,
                        help="lowest severity that makes the exit code 1 (default error)")
    parser.add_argument("--output-format", "--format", dest="output_format", choices=sorted(FORMATS),
                        default=None, help="text (default), concise, json, json-lines, sarif, github, junit, gitlab "
                                           "(also from MNNLINT_OUTPUT_FORMAT or the config)")
    parser.add_argument("-o", "--output-file", default=None, metavar="FILE", help="write the report to FILE")
    parser.add_argument("--statistics", action="store_true", help="count findings per rule")
    parser.add_argument("--html", default=None, metavar="FILE",
                        help="also write one self-contained HTML page: the graph coloured by where each op runs")
    parser.add_argument("--graph", default=None, metavar="FILE.dot|FILE.svg",
                        help="also write the placement graph as Graphviz DOT (.svg needs Graphviz's dot)")
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


def _build_options(values: Sequence[str]) -> dict[str, bool]:
    out = {}
    for item in _list(values):
        name, _, value = item.partition("=")
        if value.upper() not in ("ON", "OFF", "TRUE", "FALSE", "1", "0") or not name:
            raise UsageError(f"--build-option takes NAME=ON or NAME=OFF, not {item!r}")
        out[name.strip()] = value.upper() in ("ON", "TRUE", "1")
    return out


def _overrides(args: argparse.Namespace, registry: Registry) -> Overrides:
    """The command line's settings, each checked, in the config's shape."""
    from .capabilities.backends import canonical
    from .config import Overrides

    targets = []
    for name in _list(args.target):
        backend = canonical(name)
        if backend is None:
            raise UsageError(f"unknown target {name!r}; `mnnlint targets` lists them")
        targets.append(backend)
    for flag in ("select", "extend_select", "ignore"):
        for selector in _list(getattr(args, flag)):
            if not registry.matching(selector):
                raise UsageError(f"unknown rule code or prefix {selector!r} in --{flag.replace('_', '-')} "
                                 "(see mnnlint rule --all)")
    return Overrides(
        target=tuple(dict.fromkeys(targets)), mnn_version=args.mnn_version, profile=args.profile,
        build_options=_build_options(args.build_option), select=tuple(s.upper() for s in _list(args.select)),
        extend_select=tuple(s.upper() for s in _list(args.extend_select)),
        ignore=tuple(s.upper() for s in _list(args.ignore)), fail_on=args.fail_on,
    )


def _output_format(args: argparse.Namespace, config: Config) -> str:
    """--output-format, else MNNLINT_OUTPUT_FORMAT, else the config, else text."""
    import os

    from .report import FORMATS

    env = os.environ.get("MNNLINT_OUTPUT_FORMAT", "").strip()
    if env and env not in FORMATS:
        raise UsageError(f"MNNLINT_OUTPUT_FORMAT={env!r} is not a format; choose from {', '.join(FORMATS)}")
    return str(args.output_format or env or config.output_format or "text")


def check_main(argv: Sequence[str]) -> int:
    parser = check_parser()
    args = parser.parse_args(argv)
    if not args.paths and not args.show_settings:
        parser.error("give at least one PATH (or --show-settings)")
    from pathlib import Path

    from .api import run_check
    from .baseline import BaselineError, new_findings, read_baseline, write_baseline
    from .capabilities import Capabilities, TableError
    from .config import ConfigError, apply_overrides, chosen_profiles, find_config, load_config, resolve
    from .inputs import expand
    from .limits import DEFAULT_SECONDS
    from .policy import Policy
    from .registry import load_registry
    from .report import RunInfo, renderer

    caps = Capabilities()
    try:
        registry = load_registry()
        if args.config and args.isolated:
            raise UsageError("--config and --isolated exclude each other")
        config_path = Path(args.config) if args.config else None
        if config_path is None and not args.isolated:
            config_path = find_config(Path.cwd())
        config = load_config(config_path, registry, caps)
        cli = _overrides(args, registry)
        profiles = [resolve(name, apply_overrides(settings, cli), registry, caps, config.label)
                    for name, settings in chosen_profiles(config, _list(args.config_profile)).items()]
        output_format = _output_format(args, config)
        render = renderer(output_format)
        baseline = read_baseline(Path(args.baseline)) if args.baseline else None
    except (UsageError, TableError, ConfigError, BaselineError) as err:
        return _usage_error(err)
    timeout = args.timeout_per_file if args.timeout_per_file is not None else config.timeout_per_file
    timeout = DEFAULT_SECONDS if timeout is None else timeout
    exclude = [*config.exclude, *args.exclude]
    if args.show_settings:
        _show_settings(config, profiles, output_format, exclude, timeout)
        return EXIT_OK

    top = resolve("", apply_overrides(config.top, cli), registry, caps, config.label)
    policy = Policy(config.suppress, config.root, config.label)
    try:
        sources = expand(args.paths, exclude)
        if output_format == "text" and args.output_file is None:
            from .report.progress import with_progress

            sources = with_progress(sources, sys.stderr)
        result = run_check(sources, profiles, caps, policy, timeout, _error,
                           unused=(top.severity, top.threshold))
    except TableError as err:
        return _usage_error(err)
    shown = result.diagnostics
    try:
        if args.write_baseline:
            count = write_baseline(Path(args.write_baseline), shown, __version__)
            print(f"mnnlint: wrote {count} finding(s) to the baseline {args.write_baseline}", file=sys.stderr)
        if baseline is not None:
            shown = new_findings(shown, baseline, Path(args.baseline))
    except BaselineError as err:
        return _usage_error(err)
    rules = sorted({r for p in profiles for r in p.rules}, key=lambda r: r.code)
    run = RunInfo(version=__version__, checked=result.checked, input_errors=result.input_errors,
                  models=result.models, statistics=args.statistics, rules=rules,
                  config_file=str(config.path) if config.path else None,
                  config_profiles=tuple(p.name for p in profiles if p.name),
                  baseline_hidden=len(result.diagnostics) - len(shown))
    _write(render, shown, run, args.output_file)
    if args.html or args.graph:
        from .placement.view import write_pictures
        from .report.dot import GraphvizMissing

        try:
            write_pictures(args.html, args.graph, shown, run)
        except (GraphvizMissing, OSError) as err:
            return _usage_error(err)
    if result.input_errors:
        return EXIT_ERROR
    if args.write_baseline:
        return EXIT_OK
    return EXIT_FINDINGS if result.failing(shown) else EXIT_OK


def _show_settings(config: Config, profiles: Sequence[Resolved], output_format: str,
                   exclude: Sequence[str], timeout: float) -> None:
    import json

    json.dump({
        "config-file": str(config.path) if config.path else None,
        "root": str(config.root),
        "output-format": output_format,
        "exclude": list(exclude),
        "timeout-per-file": timeout,
        "profiles": [{"name": p.name or None, **p.as_dict()} for p in profiles],
        "suppress": [s.as_dict() for s in config.suppress],
    }, sys.stdout, indent=2)
    sys.stdout.write("\n")


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
    from .diff import diff_main

    handlers = {"check": check_main, "inspect": inspect_main, "rule": rule_main, "targets": targets_main,
                "diff": diff_main}
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
