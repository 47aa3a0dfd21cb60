"""mnnlint's command line.

    mnnlint PATH... [--target cuda] [--mnn-version 3.2.0]   check models
    mnnlint inspect PATH...                                  describe models
    mnnlint rule CODE | --all                                a rule's documentation
    mnnlint targets                                          backends and releases known

Exit codes, as ruff's: 0 clean, 1 findings at the failing severity, 2 usage or input
errors. Only argparse and sys are imported up front so `--version` stays instant.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import __version__

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
SUBCOMMANDS = ("check", "inspect", "rule", "targets")
OUTPUT_FORMATS = ("text", "json")


def _paths_parser(prog: str, description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("paths", nargs="+", metavar="PATH",
                        help=".mnn files, folders to search for them, or LLM export folders")
    parser.add_argument("--output-format", "--format", dest="output_format", choices=OUTPUT_FORMATS,
                        default="text", help="how to print the result (default: text)")
    parser.add_argument("--exclude", action="append", default=[], metavar="GLOB",
                        help="skip files and folders matching GLOB while walking folders")
    parser.add_argument("--version", action="version", version=f"mnnlint {__version__}")
    return parser


def inspect_main(argv: Sequence[str]) -> int:
    args = _paths_parser("mnnlint inspect", "Describe what is inside MNN models.").parse_args(argv)
    from .errors import InputError
    from .inputs import expand
    from .loader import load

    summaries, failed = [], False
    from .describe import describe

    for source in expand(args.paths, args.exclude):
        if isinstance(source, InputError):
            _error(source)
            failed = True
            continue
        try:
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


def _error(err: Exception) -> None:
    print(f"mnnlint: error: {err}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] in (["--version"], ["-V"]):
        print(f"mnnlint {__version__}")
        return EXIT_OK
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__.strip().split("\n\n")[0], "\n", __doc__.strip().split("\n\n")[1], sep="")
        return EXIT_OK if argv else EXIT_ERROR
    command, rest = (argv[0], argv[1:]) if argv[0] in SUBCOMMANDS else ("check", argv)
    try:
        if command == "inspect" or command == "check":
            return inspect_main(rest)
        print(f"mnnlint: error: `{command}` arrives with the rules", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
