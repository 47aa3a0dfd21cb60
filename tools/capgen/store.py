"""Write the capability tables to disk: compact, stable, and under the size budget.

Thirty-odd releases repeat most of their facts: the op-type enum, CMake
options and geometry change a few times a year, and one provenance file table
serves every release. Each release file therefore keeps its own registrations
(`backends`) and names the large, repeated values it uses in `shared`; those
live once under `shared/<key>-<content hash>.json`. A backend whose entry is
the same in several releases is shared the same way, under the key
`backends/<name>`. The file table is one
cumulative list for all releases (new paths are appended, never reordered), so
an `at` index means the same file in every release.

Layout is one top-level key per line and one backend per line, sorted, so a
regenerated table diffs cleanly; the same input always gives the same bytes.

Large values that change a little in most releases are split too: `cmake`
into its members (`cmake/steps`, ...), `geometry` into one part per MNN source
file (`geometry+GeometryGather`), `shape_computers` and `cmake/definitions`
into eight buckets (`shape_computers+2`) chosen by source file or name, so a
release that edits one file shares the other parts (SPLIT_PARTS).
`tableformat.resolve_shared` puts them back together (the linter and
`load_release` both use it).
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mnnlint.capabilities.tableformat import FORMAT_VERSION as FORMAT
from mnnlint.capabilities.tableformat import SHARED as SHARED_KEYS
from mnnlint.capabilities.tableformat import SHARED_DIR, resolve_shared

# keys stored per member
SPLIT_MEMBERS = ("cmake",)
# dict values stored in parts: key -> (part of a member, from its name and entry; parts).
# Geometry gets one part per MNN source file (they change one at a time); the others a
# few buckets of members, chosen by source file or name, so one edit changes one part.
SPLIT_PARTS: dict[str, tuple[Callable[[str, Any], str], int]] = {
    "geometry": (lambda op, entry: posixpath.splitext(posixpath.basename(entry["at"].split(":")[0]))[0], 0),
    "shape_computers": (lambda op, entry: entry[0]["at"].split(":")[0], 8),
    "cmake/definitions": (lambda macro, _: macro, 8),
}


def _part(ref: str, name: str, entry: Any) -> str:
    key, buckets = SPLIT_PARTS[ref]
    value = key(name, entry)
    return str(zlib.crc32(value.encode()) % buckets) if buckets else value


# keys dumped with one member per line
_LINE_PER_MEMBER = ("backends", "geometry", "files")


def _compact(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def dump_value(value: Any) -> str:
    """A dict or list with one member per line; anything else on one line."""
    if isinstance(value, dict) and value:
        keys = sorted(value)
        body = ",\n".join(f"{_compact(k)}:{_compact(value[k])}" for k in keys)
        return "{\n" + body + "\n}"
    if isinstance(value, list) and value:
        return "[\n" + ",\n".join(_compact(v) for v in value) + "\n]"
    return _compact(value)


def dump(data: dict[str, Any]) -> str:
    """A release or index object: one top-level key per line, big members one per line."""
    parts = []
    for key in sorted(data):
        value = data[key]
        text = dump_value(value) if key in _LINE_PER_MEMBER else _compact(value)
        parts.append(f"{_compact(key)}:{text}")
    return "{\n" + ",\n".join(parts) + "\n}\n"


def _shared_name(key: str, value: Any) -> str:
    digest = hashlib.sha256(_compact(value).encode()).hexdigest()[:12]
    return f"{key}-{digest}.json"


class Store:
    """The data directory: release files, `shared/` values and `index.json`."""

    def __init__(self, out: Path, keep_existing: bool) -> None:
        self.out = out
        self.shared = out / SHARED_DIR
        self.files: list[str] = []
        self.index: dict[str, dict[str, Any]] = {}
        index_path = out / "index.json"
        if keep_existing and index_path.exists():
            index = json.loads(index_path.read_text())
            self.index = {e["release"]: e for e in index.get("releases", [])}
            name = index.get("files")
            if name and (self.shared / name).exists():
                self.files = json.loads((self.shared / name).read_text())
        self._file_ids = {p: i for i, p in enumerate(self.files)}
        self._recurring: set[str] = set()

    def add_paths(self, paths: list[str]) -> None:
        """Append paths not yet in the cumulative file table (sorted, stable)."""
        for p in sorted(set(paths) - set(self._file_ids)):
            self._file_ids[p] = len(self.files)
            self.files.append(p)

    def localise(self, data: dict[str, Any]) -> dict[str, Any]:
        """Rewrite `at` indices from the release's own file list to the cumulative table."""
        local = data.get("files", [])
        self.add_paths(local)
        for backend in data.get("backends", {}).values():
            for alternatives in backend.get("ops", {}).values():
                for alt in alternatives:
                    alt["at"] = [self._file_ids[local[alt["at"][0]]], alt["at"][1]]
                    if not alt.get("requires"):
                        alt.pop("requires", None)   # absent = unconditional
        data = dict(data)
        data.pop("files", None)
        return data

    def _put_shared(self, key: str, value: Any) -> str:
        name = _shared_name(key, value)
        path = self.shared / name
        if not path.exists():
            self.shared.mkdir(parents=True, exist_ok=True)
            path.write_text(dump_value(value) + "\n", encoding="utf-8")
        return name

    def plan(self, releases: list[dict[str, Any]]) -> None:
        """Note which backend entries recur in several releases: those go to `shared/`."""
        seen: dict[str, int] = {}
        for data in releases:
            for name, value in data.get("backends", {}).items():
                ref = _shared_name(f"backend-{name}", value)
                seen[ref] = seen.get(ref, 0) + 1
        for name in self._existing_refs():
            seen[name] = seen.get(name, 0) + 1
        self._recurring = {ref for ref, n in seen.items() if n > 1}

    def _existing_refs(self) -> set[str]:
        refs: set[str] = set()
        for f in self.out.glob("*.json"):
            if f.name != "index.json":
                refs.update(json.loads(f.read_text()).get("shared", {}).values())
        return refs

    def write_release(self, data: dict[str, Any], index_entry: dict[str, Any]) -> None:
        """Write one release (already localised and planned) once the file table is final."""
        data = dict(data)
        refs = {}
        backends = dict(data.get("backends", {}))
        for name, value in sorted(backends.items()):
            if _shared_name(f"backend-{name}", value) in self._recurring:
                refs[f"backends/{name}"] = self._put_shared(f"backend-{name}", backends.pop(name))
        data["backends"] = backends
        for key in SHARED_KEYS:
            if key == "files" or key not in data:
                continue
            value = data.pop(key)
            parts = sorted(value.items()) if key in SPLIT_MEMBERS else [(None, value)]
            for member, part in parts:
                ref = key if member is None else f"{key}/{member}"
                stem = ref.replace("/", "-")
                if ref not in SPLIT_PARTS:
                    refs[ref] = self._put_shared(stem, part)
                    continue
                pieces: dict[str, dict[str, Any]] = {}
                for name, entry in part.items():
                    pieces.setdefault(_part(ref, name, entry), {})[name] = entry
                for piece, members in sorted(pieces.items()):
                    refs[f"{ref}+{piece}"] = self._put_shared(f"{stem}-{piece}", members)
        refs["files"] = self._put_shared("files", self.files)
        data["shared"] = refs
        data["format"] = FORMAT
        (self.out / f"{data['release']}.json").write_text(dump(data), encoding="utf-8")
        self.index[data["release"]] = index_entry

    def finish(self, order_key: Any, generator: int) -> int:
        """Write index.json, drop unreferenced shared values; return the total size in bytes."""
        entries = sorted(self.index.values(), key=lambda e: order_key(e["release"]))
        index = {"format": FORMAT, "generator": generator, "releases": entries,
                 "files": _shared_name("files", self.files)}
        text = ("{\n" + f'"files":{_compact(index["files"])},\n"format":{FORMAT},\n'
                f'"generator":{generator},\n"releases":' + dump_value(entries) + "\n}\n")
        (self.out / "index.json").write_text(text, encoding="utf-8")
        used: set[str] = set()
        for f in self.out.glob("*.json"):
            if f.name == "index.json":
                continue
            used.update(json.loads(f.read_text()).get("shared", {}).values())
        used.add(index["files"])
        if self.shared.exists():
            for f in sorted(self.shared.glob("*.json")):
                if f.name not in used:
                    f.unlink()
        return sum(f.stat().st_size for f in self.out.rglob("*.json"))


def load_release(data_dir: Path, release: str) -> dict[str, Any]:
    """One release with its `shared` references resolved (the rule readers follow)."""
    raw: dict[str, Any] = json.loads((data_dir / f"{release}.json").read_text())
    return resolve_shared(raw, lambda name: json.loads((data_dir / SHARED_DIR / name).read_text()))
