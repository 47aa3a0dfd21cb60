"""Every committed capability table is complete and of the format this mnnlint reads.

The format is declared once (mnnlint/capabilities/tableformat.py); the generator
checks each release before writing and the loader checks it again. This test
loads every committed release through the real loader, so a stale or partial
table fails here rather than as a silent `.get(key, {})` default in a verdict.
"""

from __future__ import annotations

import pytest

from mnnlint.capabilities import Capabilities
from mnnlint.capabilities.tableformat import FORMAT_VERSION, REQUIRED, TableError, check_release, resolve_shared

CAPS = Capabilities()


def test_index_is_of_this_format() -> None:
    assert CAPS.index["format"] == FORMAT_VERSION
    assert CAPS.releases[0] == "2.8.0" and CAPS.releases[-1] == "HEAD"


@pytest.mark.parametrize("release", CAPS.releases)
def test_release_is_complete(release: str) -> None:
    table = CAPS.release(release)
    check_release(table.raw, release)
    assert set(REQUIRED) <= set(table.raw)
    # each reader found something in every release: an empty section means a reader lost its source
    for key in ("backends", "op_types", "geometry", "compiler", "never_executed", "module_ops",
                "shape_computers", "need_content", "macros"):
        assert table.raw[key], f"{release}: {key} is empty"
    assert table.cmake["options"] and table.cmake["steps"] and table.cmake["definitions"]
    assert table.known_options >= {"MNN_CUDA", "MNN_OPENCL", "MNN_VULKAN", "MNN_METAL", "MNN_BUILD_LLM"}
    for name in table.backend_ids:
        table.build("default", {}, target=name)   # every backend's switch configures


def test_an_incomplete_or_foreign_table_is_refused() -> None:
    raw = dict(CAPS.release("3.6.1").raw)
    del raw["module_ops"]
    with pytest.raises(TableError, match="missing 'module_ops'"):
        check_release(raw, "3.6.1")
    raw = dict(CAPS.release("3.6.1").raw, format=FORMAT_VERSION - 1)
    with pytest.raises(TableError, match=f"format {FORMAT_VERSION - 1}"):
        check_release(raw, "3.6.1")
    raw = dict(CAPS.release("3.6.1").raw, surprise=1)
    with pytest.raises(TableError, match="unknown key 'surprise'"):
        check_release(raw, "3.6.1")


def test_shared_references_resolve_whole_member_and_parts() -> None:
    store = {"a": {"x": 1}, "b": [1, 2], "c": {"y": 2}, "d": {"z": 3}}
    raw = {"shared": {"whole": "b", "cmake/steps": "b", "geometry+G1": "a", "geometry+G2": "c",
                      "cmake/definitions+0": "d"}}
    out = resolve_shared(raw, store.__getitem__)
    assert out == {"whole": [1, 2], "cmake": {"steps": [1, 2], "definitions": {"z": 3}},
                   "geometry": {"x": 1, "y": 2}}
