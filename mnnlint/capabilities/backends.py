"""Backend names people type, mapped to the backend ids of the capability tables.

Some names stand for more than one table: MNN's OpenCL backend picks buffer or image
memory at run time (buffer on Mali and Intel GPUs, image elsewhere, unless the app
sets a mode: OpenCLBackend::setGpuMode), so `opencl` checks both. Vulkan picks at
build time with the CMake option MNN_VULKAN_IMAGE, so `vulkan` follows the build.
"""

from __future__ import annotations

from collections.abc import Mapping

ALIASES: Mapping[str, str] = {
    "cpu": "cpu",
    "arm82": "arm82", "armv82": "arm82", "fp16": "arm82", "cpu-fp16": "arm82",
    "cuda": "cuda", "nvidia": "cuda",
    "opencl": "opencl", "cl": "opencl",
    "opencl-buffer": "opencl-buffer", "cl-buffer": "opencl-buffer", "mali": "opencl-buffer",
    "opencl-image": "opencl-image", "cl-image": "opencl-image", "adreno": "opencl-image",
    "vulkan": "vulkan", "vk": "vulkan",
    "vulkan-image": "vulkan-image", "vulkan-buffer": "vulkan-buffer",
    "metal": "metal", "mtl": "metal", "ios-gpu": "metal",
    "coreml": "coreml", "ane": "coreml",
    "nnapi": "nnapi",
    "qnn": "qnn", "qualcomm": "qnn",
    "npu": "hiai", "hiai": "hiai", "huawei": "hiai",
    "trt": "tensorrt", "tensorrt": "tensorrt",
    "hexagon": "hexagon", "musa": "musa", "neuropilot": "neuropilot", "mtk": "neuropilot",
    "opengl": "opengl", "gl": "opengl", "gles": "opengl", "rknn": "rknn",
}

# The LLM runtime's `backend_type` values (llm config) in terms of our ids.
LLM_BACKEND_TYPES: Mapping[str, str] = {
    "cpu": "cpu", "opencl": "opencl", "metal": "metal", "cuda": "cuda", "vulkan": "vulkan",
    "npu": "hiai", "qnn": "qnn", "nnapi": "nnapi", "coreml": "coreml",
}


def expand_target(name: str, build: Mapping[str, bool], present: set[str]) -> list[str]:
    """The table backend ids that one canonical target name stands for."""
    if name == "opencl":
        modes = [b for b in ("opencl-buffer", "opencl-image") if b in present]
        return modes or ["opencl"]
    if name == "vulkan":
        mode = "vulkan-image" if build.get("MNN_VULKAN_IMAGE", True) else "vulkan-buffer"
        return [mode] if mode in present else ["vulkan"]
    return [name]


def canonical(name: str) -> str | None:
    return ALIASES.get(name.strip().lower())
