"""Read files of one MNN commit straight from a git directory, without a work tree.

The generator walks dozens of release tags; checking each one out would be slow
and would need a work tree the fetched mirror does not have. `git cat-file
--batch` serves every blob of a commit through one long-lived process instead.
"""

from __future__ import annotations

import datetime
import functools
import re
import subprocess
from dataclasses import dataclass, field
from typing import Protocol


class Tree(Protocol):
    """The files of one MNN commit, as every reader of the generator sees them.

    `GitTree` serves a real commit, `FakeTree` an in-memory map for tests.
    `read` raises FileNotFoundError for a path the commit (or the mirror) lacks.
    """

    rev: str

    @property
    def commit(self) -> str: ...
    def commit_date(self) -> str: ...
    def paths(self) -> list[str]: ...
    def glob(self, pattern: str) -> list[str]: ...
    def under(self, folder: str) -> list[str]: ...
    def exists(self, path: str) -> bool: ...
    def read(self, path: str) -> str: ...
    def close(self) -> None: ...


class _PathQueries:
    """Path queries shared by the real tree and the fake one, in terms of `paths()`."""

    def paths(self) -> list[str]:
        raise NotImplementedError

    def glob(self, pattern: str) -> list[str]:
        """Paths matching a glob such as `source/backend/cuda/**/*.cu`."""
        return [p for p in self.paths() if _match(p, pattern)]

    def under(self, folder: str) -> list[str]:
        prefix = folder.rstrip("/") + "/"
        return [p for p in self.paths() if p.startswith(prefix)]


@dataclass
class GitTree(_PathQueries):
    """The files of one commit (`rev`) in the git directory `git_dir`."""

    git_dir: str
    rev: str
    _paths: list[str] | None = field(default=None, repr=False)
    _path_set: frozenset[str] | None = field(default=None, repr=False)
    _batch: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def _git(self, *args: str) -> str:
        return subprocess.run(
            ["git", "--git-dir", self.git_dir, *args],
            check=True, capture_output=True, text=True,
        ).stdout

    @property
    def commit(self) -> str:
        return self._git("rev-parse", f"{self.rev}^{{commit}}").strip()

    @property
    def date(self) -> str:
        """Committer date in ISO 8601 (strict), as recorded in the commit."""
        return self._git("show", "-s", "--format=%cI", self.rev).strip()

    def commit_date(self) -> str:
        """Committer date (ISO 8601 strict) read from the commit object itself.

        `date` runs `git show`, which fails on a mirror that lacks some blob of
        the commit (3.1.2 here); the commit header alone is always present.
        """
        raw = self._git("cat-file", "commit", self.commit)
        for line in raw.splitlines():
            if line.startswith("committer "):
                stamp, offset = line.rsplit(" ", 2)[1:]
                tz = datetime.timezone(datetime.timedelta(
                    hours=int(offset[1:3]), minutes=int(offset[3:5])) * (-1 if offset[0] == "-" else 1))
                return datetime.datetime.fromtimestamp(int(stamp), tz).isoformat()
        raise ValueError(f"{self.rev}: commit has no committer line")

    def paths(self) -> list[str]:
        """Every file path in the commit, sorted."""
        if self._paths is None:
            out = self._git("ls-tree", "-r", "--name-only", self.rev)
            self._paths = sorted(out.splitlines())
        return self._paths

    def exists(self, path: str) -> bool:
        if self._path_set is None:
            self._path_set = frozenset(self.paths())
        return path in self._path_set

    def read(self, path: str) -> str:
        """The file's text (UTF-8, undecodable bytes replaced)."""
        if self._batch is None:
            self._batch = subprocess.Popen(
                ["git", "--git-dir", self.git_dir, "cat-file", "--batch"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            )
        assert self._batch.stdin and self._batch.stdout
        self._batch.stdin.write(f"{self.rev}:{path}\n".encode())
        self._batch.stdin.flush()
        header = self._batch.stdout.readline().decode().split()
        if len(header) < 3 or header[1] == "missing":
            raise FileNotFoundError(f"{self.rev}:{path}")
        size = int(header[2])
        data = self._batch.stdout.read(size)
        self._batch.stdout.read(1)  # trailing newline
        return data.decode("utf-8", errors="replace")

    def close(self) -> None:
        if self._batch is not None:
            self._batch.kill()
            self._batch.wait()
            self._batch = None


def _match(path: str, pattern: str) -> bool:
    """`**`-aware glob match (PurePath.full_match needs Python 3.13)."""
    return _compile(pattern).fullmatch(path) is not None


@functools.lru_cache(maxsize=1024)
def _compile(pattern: str) -> re.Pattern[str]:
    """The regex of a glob, compiled once (generators glob the same patterns per file)."""
    regex = ""
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            regex += "(?:.*/)?"
            i += 3
        elif pattern[i] == "*":
            regex += "[^/]*"
            i += 1
        else:
            regex += "[^/]" if pattern[i] == "?" else re.escape(pattern[i])
            i += 1
    return re.compile(regex)


@dataclass
class FakeTree(_PathQueries):
    """A GitTree stand-in over an in-memory {path: text} map, for the generator's tests."""

    files: dict[str, str]
    rev: str = "fake"
    commit: str = "0" * 40
    date: str = "1970-01-01T00:00:00+00:00"

    def commit_date(self) -> str:
        return self.date

    def paths(self) -> list[str]:
        return sorted(self.files)

    def exists(self, path: str) -> bool:
        return path in self.files

    def read(self, path: str) -> str:
        try:
            return self.files[path]
        except KeyError:
            raise FileNotFoundError(f"{self.rev}:{path}") from None

    def close(self) -> None:
        pass
