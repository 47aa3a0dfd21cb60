"""optypes: FlatBuffers enum/union numbering as MNN's schema uses it."""

from __future__ import annotations

import pytest

from tools.capgen.gitsrc import FakeTree
from tools.capgen.optypes import SCHEMA, read_op_parameters, read_op_types, reused_ids

FBS = """
namespace MNN;
/* a block comment with , commas = 9 */
enum OpType : int {
    AbsVal,
    QuantizedAdd, // trailing, comment = 7
    ArgMax,
    Raster = 128,
    ConvertTensor,
    // TensorArray Ops
    Plugin = 0x100,
    Select,
    Attention = 299,
}

table Extra { type: string; }

union OpParameter {
    QuantizedAdd,
    ArgMax, // with a comment
    Alias: Blob,
    DepthSpaceParam
}
"""


def test_op_types_implicit_explicit_and_comments() -> None:
    got = read_op_types(FakeTree({SCHEMA: FBS}))
    assert got == {
        "AbsVal": 0, "QuantizedAdd": 1, "ArgMax": 2, "Raster": 128,
        "ConvertTensor": 129, "Plugin": 256, "Select": 257, "Attention": 299,
    }
    assert list(got.values()) == sorted(got.values())


def test_op_parameters_start_after_none() -> None:
    got = read_op_parameters(FakeTree({SCHEMA: FBS}))
    assert got == {"NONE": 0, "QuantizedAdd": 1, "ArgMax": 2, "Alias": 3, "DepthSpaceParam": 4}


def test_missing_enum_is_an_error() -> None:
    with pytest.raises(ValueError):
        read_op_types(FakeTree({SCHEMA: "union OpParameter { A }"}))


def test_reused_ids_lists_renames_only() -> None:
    tables = {
        "2.8.0": {"MVN": 40, "QuantizeLinear": 155},
        "3.0.0": {"MVN": 40},  # 155 vanished: not a rename
        "3.2.0": {"MoE": 40, "DynamicQuant": 155},
    }
    assert reused_ids(tables) == {
        40: [("2.8.0", "MVN"), ("3.2.0", "MoE")],
        155: [("2.8.0", "QuantizeLinear"), ("3.2.0", "DynamicQuant")],
    }
