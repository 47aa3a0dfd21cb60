"""cmake: option defaults, their logic as replayable steps, macro conditions and owners, profiles.

The CMake text is walked by the one reader (`cmakesrc`) and configured by the
linter's own `buildlogic.configure`, so these tests cover writer and reader together.
"""

from __future__ import annotations

from mnnlint.capabilities import buildlogic
from tools.capgen.cmake import read_cmake_logic, read_macros, read_options, read_profiles
from tools.capgen.cmakesrc import parse_condition, walk_cmake
from tools.capgen.conds import as_requires
from tools.capgen.gitsrc import FakeTree

TOP = """
cmake_minimum_required(VERSION 3.6)
option(MNN_BUILD_LLM "Build llm library based MNN." OFF)
option(MNN_LOW_MEMORY "Build MNN support low memory" OFF)
option(MNN_SUPPORT_TRANSFORMER_FUSE "Enable MNN transformer Fuse Ops" OFF)
option(MNN_ARM82 "Enable ARMv8.2's FP16 Compute" ON)
option(MNN_NO_DEFAULT "no default given")
option(MNN_QNN "Enable QNN" OFF)
option(MNN_QNN_ONLINE_FINALIZE "Enable QNN Online Finalize" ON)
option(MNN_CUDA "Enable CUDA" OFF)
# option(MNN_COMMENTED "commented out" ON)
IF (MNN_BUILD_LLM)
    set(MNN_LOW_MEMORY ON CACHE BOOL "<docstring>" FORCE)
    set(MNN_SUPPORT_TRANSFORMER_FUSE ON)
ENDIF()
if (NOT MNN_QNN)
  set(MNN_QNN_ONLINE_FINALIZE OFF)
endif()
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^armv7")
    SET(MNN_ARM82 OFF CACHE BOOL "Enable ARM82" FORCE)
endif()
if(MNN_SUPPORT_TRANSFORMER_FUSE)
    add_definitions(-DMNN_SUPPORT_TRANSFORMER_FUSE)
endif()
if(MNN_LOW_MEMORY)
    add_definitions(-DMNN_LOW_MEMORY)
else()
    add_definitions(-DMNN_HIGH_MEMORY=1)
endif()
if(MNN_QNN_ONLINE_FINALIZE)
    add_definitions(-DENABLE_QNN_ONLINE_FINALIZE)
endif()
if(APPLE)
    add_definitions(-DMNN_ON_APPLE)
endif()
add_definitions(-DALWAYS_ON)
IF(MNN_CUDA)
  add_subdirectory(${CMAKE_CURRENT_LIST_DIR}/source/backend/cuda/)
ENDIF()
"""

CUDA = """
option(MNN_CUDA_QUANT "Enable MNN CUDA Quant File" OFF)
option(MNN_ARM82 "redeclared with another default" OFF)
IF (MNN_CUDA_QUANT)
    target_compile_definitions(MNNCUDA PRIVATE ENABLE_CUDA_QUANT)
ENDIF()
"""


def _walk():  # type: ignore[no-untyped-def]
    return walk_cmake(FakeTree({"CMakeLists.txt": TOP, "source/backend/cuda/CMakeLists.txt": CUDA}))


def _configure(presets: dict[str, bool]) -> dict[str, bool]:
    return buildlogic.configure(read_cmake_logic(_walk()), presets)  # type: ignore[arg-type]


def test_options_first_declaration_wins() -> None:
    assert read_options(_walk()) == {
        "MNN_ARM82": True, "MNN_BUILD_LLM": False, "MNN_CUDA": False, "MNN_CUDA_QUANT": False,
        "MNN_LOW_MEMORY": False, "MNN_NO_DEFAULT": False, "MNN_QNN": False, "MNN_QNN_ONLINE_FINALIZE": True,
        "MNN_SUPPORT_TRANSFORMER_FUSE": False,
    }


def test_steps_keep_order_kind_condition_and_line() -> None:
    steps = read_cmake_logic(_walk())["steps"]
    force = next(s for s in steps if s["kind"] == "force" and s["name"] == "MNN_LOW_MEMORY")
    assert force == {"at": "CMakeLists.txt:13", "kind": "force", "name": "MNN_LOW_MEMORY", "value": True,
                     "when": [{"MNN_BUILD_LLM": True}]}
    # an unconditional option() is no step: `options` holds its default
    finalize = [s for s in steps if s["name"] == "MNN_QNN_ONLINE_FINALIZE"]
    assert [(s["kind"], s["value"], s.get("when")) for s in finalize] == [("set", False, [{"MNN_QNN": False}])]
    # the option declared inside add_subdirectory(cuda) runs only when MNN_CUDA is on
    quant = next(s for s in steps if s["name"] == "MNN_CUDA_QUANT")
    assert quant == {"at": "source/backend/cuda/CMakeLists.txt:2", "kind": "option", "name": "MNN_CUDA_QUANT",
                     "value": False, "when": [{"MNN_CUDA": True}]}


def test_dependent_option_follows_its_switch() -> None:
    # CMakeLists.txt:285,298-300 at 3.6.1: default ON, forced OFF unless MNN_QNN
    assert _configure({})["MNN_QNN_ONLINE_FINALIZE"] is False
    assert _configure({"MNN_QNN": True})["MNN_QNN_ONLINE_FINALIZE"] is True
    assert _configure({"MNN_QNN": True, "MNN_QNN_ONLINE_FINALIZE": False})["MNN_QNN_ONLINE_FINALIZE"] is False


def test_force_beats_d_setting_and_plain_set_shadows() -> None:
    llm = _configure({"MNN_BUILD_LLM": True, "MNN_LOW_MEMORY": False})
    assert llm["MNN_LOW_MEMORY"] is True            # CACHE FORCE overrides -D
    assert llm["MNN_SUPPORT_TRANSFORMER_FUSE"] is True
    assert _configure({})["MNN_ARM82"] is True       # platform test unknown: default kept


def test_definitions_are_conditions_over_options() -> None:
    logic = read_cmake_logic(_walk())
    definitions = logic["definitions"]
    assert definitions["ALWAYS_ON"] == [{}]
    assert definitions["MNN_HIGH_MEMORY"] == [{"MNN_LOW_MEMORY": False}]
    assert definitions["ENABLE_CUDA_QUANT"] == [{"MNN_CUDA": True, "MNN_CUDA_QUANT": True}]
    assert "MNNCUDA" not in definitions              # target_compile_definitions' target name
    build = buildlogic.configure(logic, {"MNN_QNN": True})  # type: ignore[arg-type]
    assert buildlogic.defined(logic, "ENABLE_QNN_ONLINE_FINALIZE", build) is True  # type: ignore[arg-type]
    assert buildlogic.defined(logic, "MNN_ON_APPLE", build) is None  # type: ignore[arg-type]


def test_macros_map_to_guarding_option() -> None:
    assert read_macros(_walk()) == {
        "ENABLE_CUDA_QUANT": "MNN_CUDA_QUANT",
        "ENABLE_QNN_ONLINE_FINALIZE": "MNN_QNN_ONLINE_FINALIZE",
        "MNN_HIGH_MEMORY": "MNN_LOW_MEMORY",
        "MNN_LOW_MEMORY": "MNN_LOW_MEMORY",
        "MNN_SUPPORT_TRANSFORMER_FUSE": "MNN_SUPPORT_TRANSFORMER_FUSE",
    }


def test_profiles_are_presets() -> None:
    profiles = read_profiles()
    assert profiles["default"] == {}
    assert profiles["llm"] == {"MNN_BUILD_LLM": True, "MNN_LOW_MEMORY": True, "MNN_SUPPORT_TRANSFORMER_FUSE": True}


def test_parse_condition() -> None:
    assert as_requires(parse_condition(["A", "AND", "NOT", "B"])) == [{"A": True, "B": False}]
    assert as_requires(parse_condition(["(", "A", "AND", "B", ")", "OR", "C"])) == [{"C": True}, {"A": True, "B": True}]
    assert as_requires(parse_condition(["X", "MATCHES", "^armv7"])) == [{"X MATCHES ^armv7": True}]
    assert as_requires(parse_condition(["${V}"])) == [{"V": True}]
