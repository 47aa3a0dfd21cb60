"""The `mnnlint` console script's entry point: Ctrl-C is handled from the first line of mnnlint that runs.

pip's generated script imports its target before calling it, outside any `try`. With
`mnnlint.cli:main` as the target, a Ctrl-C while `mnnlint.cli` and its imports loaded
(about 15 ms) escaped as a traceback. This module imports nothing but `sys` before its
`try`; what runs earlier is the interpreter's own start-up.
"""

from __future__ import annotations

import sys


def main() -> int:
    try:
        from .cli import main as cli_main
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130
    return cli_main()
