"""cmake: option defaults, macro owners, forced options and build profiles."""

from __future__ import annotations

from tools.capgen.cmake import evaluate, read_forced, read_macros, read_options, read_profiles
from tools.capgen.gitsrc import FakeTree

TOP = """
cmake_minimum_required(VERSION 3.6)
option(MNN_BUILD_LLM "Build llm library based MNN." OFF)
option(MNN_LOW_MEMORY "Build MNN support low memory" OFF)
option(MNN_SUPPORT_TRANSFORMER_FUSE "Enable MNN transformer Fuse Ops" OFF)
option(MNN_ARM82 "Enable ARMv8.2's FP16 Compute" ON)
option(MNN_NO_DEFAULT "no default given")
# option(MNN_COMMENTED "commented out" ON)
IF (MNN_BUILD_LLM)
    set(MNN_LOW_MEMORY ON CACHE BOOL "<docstring>" FORCE)
    set(MNN_SUPPORT_TRANSFORMER_FUSE ON)
ENDIF()
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
add_definitions(-DALWAYS_ON)
"""

CUDA = """
option(MNN_CUDA_QUANT "Enable MNN CUDA Quant File" OFF)
option(MNN_ARM82 "redeclared with another default" OFF)
IF (MNN_CUDA_QUANT)
    target_compile_definitions(MNNCUDA PRIVATE ENABLE_CUDA_QUANT)
ENDIF()
"""


def _tree() -> FakeTree:
    return FakeTree({"CMakeLists.txt": TOP, "source/backend/cuda/CMakeLists.txt": CUDA})


def test_options_first_declaration_wins() -> None:
    assert read_options(_tree()) == {
        "MNN_ARM82": True, "MNN_BUILD_LLM": False, "MNN_CUDA_QUANT": False, "MNN_LOW_MEMORY": False,
        "MNN_NO_DEFAULT": False, "MNN_SUPPORT_TRANSFORMER_FUSE": False,
    }


def test_macros_map_to_guarding_option() -> None:
    assert read_macros(_tree()) == {
        "ENABLE_CUDA_QUANT": "MNN_CUDA_QUANT",
        "MNN_HIGH_MEMORY": "MNN_LOW_MEMORY",
        "MNN_LOW_MEMORY": "MNN_LOW_MEMORY",
        "MNN_SUPPORT_TRANSFORMER_FUSE": "MNN_SUPPORT_TRANSFORMER_FUSE",
    }


def test_forced_options() -> None:
    assert read_forced(_tree()) == {
        "MNN_BUILD_LLM": {"MNN_LOW_MEMORY": True, "MNN_SUPPORT_TRANSFORMER_FUSE": True},
    }


def test_profiles_follow_llm_forcing() -> None:
    profiles = read_profiles(_tree())
    assert profiles["default"]["MNN_SUPPORT_TRANSFORMER_FUSE"] is False
    assert profiles["default"]["MNN_ARM82"] is True  # platform test is not assumed true
    llm = profiles["llm"]
    assert llm["MNN_BUILD_LLM"] and llm["MNN_LOW_MEMORY"] and llm["MNN_SUPPORT_TRANSFORMER_FUSE"]
    assert llm["MNN_CUDA_QUANT"] is False


def test_evaluate_conditions() -> None:
    env = {"A": "ON", "B": "OFF", "V": "17"}
    assert evaluate(["A", "AND", "NOT", "B"], env)
    assert not evaluate(["(", "A", "AND", "B", ")", "OR", "C"], env)
    assert evaluate(["DEFINED", "B"], env) and not evaluate(["DEFINED", "C"], env)
    assert evaluate(["V", "EQUAL", "17"], env)
    assert not evaluate(["X", "MATCHES", "^armv7"], env)
