"""What the caller looks up for the reporters before rendering; reporters never do.

The CLI fills `RunInfo.cwd` and `RunInfo.root` from here, so that a reporter turns a
model's path into a repository path by string arithmetic alone.
"""

from __future__ import annotations

from pathlib import Path


def repo_root(start: Path) -> Path | None:
    """The git work tree holding `start` (a `.git` folder or file in it or an ancestor), if any."""
    start = start.absolute()
    for parent in (start, *start.parents):
        if (parent / ".git").exists():
            return parent
    return None


def paths(cwd: Path | None = None) -> dict[str, str | None]:
    """`RunInfo` keyword arguments `cwd` and `root` for a run started in `cwd`."""
    here = (cwd or Path.cwd()).absolute()
    root = repo_root(here)
    return {"cwd": str(here), "root": str(root) if root else None}
