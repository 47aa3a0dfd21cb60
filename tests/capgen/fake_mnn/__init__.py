"""A miniature MNN source tree exercising every registration style the generator reads.

Written for these tests (no MNN code): each backend uses one mechanism, with
the traps that real backends have — dead code, conditional macro variants,
registrars never called, files CMake does not compile.
"""

from __future__ import annotations

ROOT_CMAKE = """
option(MNN_CUDA "cuda" OFF)
option(MNN_VULKAN "vulkan" OFF)
option(MNN_OPENCL "opencl" OFF)
option(MNN_HEXAGON "hexagon" OFF)
IF(MNN_SUPPORT_TRANSFORMER_FUSE)
    add_definitions(-DMNN_SUPPORT_TRANSFORMER_FUSE)
ENDIF()
include(${CMAKE_CURRENT_LIST_DIR}/source/backend/cpu/CMakeLists.txt)
if(MNN_METAL AND APPLE)
    add_definitions(-DMNN_METAL_ENABLED=1)
    include(${CMAKE_CURRENT_LIST_DIR}/source/backend/metal/CMakeLists.txt)
endif()
IF(MNN_CUDA)
  add_subdirectory(${CMAKE_CURRENT_LIST_DIR}/source/backend/cuda/)
ENDIF()
IF(MNN_VULKAN)
  add_subdirectory(${CMAKE_CURRENT_LIST_DIR}/source/backend/vulkan/)
ENDIF()
IF(MNN_OPENCL)
  add_subdirectory(${CMAKE_CURRENT_LIST_DIR}/source/backend/opencl/)
ENDIF()
IF(MNN_HEXAGON)
  add_subdirectory(${CMAKE_CURRENT_LIST_DIR}/source/backend/hexagon)
ENDIF()
"""

CPU_CMAKE = """
if(MNN_SUPPORT_RENDER)
FILE(GLOB MNN_CPU_SRC ${CMAKE_CURRENT_LIST_DIR}/*.cpp ${CMAKE_CURRENT_LIST_DIR}/render/*)
else()
FILE(GLOB MNN_CPU_SRC ${CMAKE_CURRENT_LIST_DIR}/*.cpp)
endif()
add_library(MNNCPU OBJECT ${MNN_CPU_SRC})
"""

CPU_BACKEND_HPP = """#ifndef CPUBackend_hpp
#define CPUBackend_hpp
namespace MNN {
class CPUBackend { public: static bool addCreator(OpType t, Creator* c); };
#define REGISTER_CPU_OP_CREATOR(name, opType)     \\
    void ___##name##__##opType##__() {            \\
        static name _temp;                        \\
        CPUBackend::addCreator(opType, &_temp);   \\
    }
#ifdef MNN_SUPPORT_DEPRECATED_OP
#define REGISTER_CPU_OP_CREATOR_OLD(name, opType) \\
    void ___##name##__##opType##__() {            \\
        static name _temp;                        \\
        CPUBackend::addCreator(opType, &_temp);   \\
    }
#else
#define REGISTER_CPU_OP_CREATOR_OLD(name, opType) \\
    void ___##name##__##opType##__() {            \\
    }
#endif
}
#endif
"""

CPU_REGISTER = """// generated list of calls
namespace MNN {
extern void ___CPUConvCreator__OpType_Convolution__();
void registerCPUOps() {
    ___CPUConvCreator__OpType_Convolution__();
    ___CPUUnaryCreator__OpType_UnaryOp__();
    ___CPUUnaryCreator__OpType_Sigmoid__();
    ___CPUOldCreator__OpType_QuantizedAdd__();
    ___CPURenderCreator__OpType_Texture__();
    ___CPUGhostCreator__OpType_Svd__();
#ifdef MNN_SUPPORT_TRANSFORMER_FUSE
    ___CPUAttentionCreator__OpType_Attention__();
#endif
//    ___CPUDeadCreator__OpType_Dead1__();
}
}
"""

CPU_CONV = """#include "CPUBackend.hpp"
namespace MNN {
class CPUConvCreator {};
REGISTER_CPU_OP_CREATOR(CPUConvCreator, OpType_Convolution);
// REGISTER_CPU_OP_CREATOR(CPUDeadCreator, OpType_Dead1);
/* REGISTER_CPU_OP_CREATOR(CPUDeadCreator, OpType_Dead2);
*/
#if 0
REGISTER_CPU_OP_CREATOR(CPUDeadCreator, OpType_Dead3);
#endif
REGISTER_CPU_OP_CREATOR(CPUNeverCalled, OpType_Orphan);
}
"""

CPU_UNARY = """namespace MNN {
REGISTER_CPU_OP_CREATOR(CPUUnaryCreator, OpType_UnaryOp);
REGISTER_CPU_OP_CREATOR(CPUUnaryCreator, OpType_Sigmoid);
}
"""

CPU_ATTENTION = """namespace MNN {
#ifdef MNN_SUPPORT_TRANSFORMER_FUSE
REGISTER_CPU_OP_CREATOR(CPUAttentionCreator, OpType_Attention);
#endif
}
"""

CPU_OLD = """namespace MNN {
REGISTER_CPU_OP_CREATOR_OLD(CPUOldCreator, OpType_QuantizedAdd);
}
"""

CPU_RENDER = """namespace MNN {
REGISTER_CPU_OP_CREATOR(CPURenderCreator, OpType_Texture);
}
"""

# under cpu/ghost/: no glob picks it up, so its registration never links
CPU_GHOST = """namespace MNN {
REGISTER_CPU_OP_CREATOR(CPUGhostCreator, OpType_Svd);
}
"""

METAL_CMAKE = """
FILE(GLOB MNN_Metal_SRC ${CMAKE_CURRENT_LIST_DIR}/*.mm)
add_library(MNNMetal OBJECT ${MNN_Metal_SRC})
"""

METAL_HPP = """#pragma once
#define REGISTER_METAL_OP_CREATOR(name, opType) \\
    void ___##name##__##opType##__() { MetalBackend::addCreator(opType, new name); }
#ifdef MNN_SUPPORT_TRANSFORMER_FUSE
#define REGISTER_METAL_OP_TRANSFORMER_CREATOR(name, opType) \\
    void ___##name##__##opType##__() { MetalBackend::addCreator(opType, new name); }
#else
#define REGISTER_METAL_OP_TRANSFORMER_CREATOR(name, opType)
#endif
"""

METAL_REGISTER = """#if MNN_METAL_ENABLED
namespace MNN {
void registerMetalOps() {
    ___MetalSoftmaxCreator__OpType_Softmax__();
    ___MetalAttnCreator__OpType_Attention__();
}
}
#endif
"""

METAL_OPS = """#if MNN_METAL_ENABLED
REGISTER_METAL_OP_CREATOR(MetalSoftmaxCreator, OpType_Softmax);
REGISTER_METAL_OP_TRANSFORMER_CREATOR(MetalAttnCreator, OpType_Attention);
#endif
"""

CUDA_CMAKE = """
option(MNN_CUDA_QUANT "quant" OFF)
IF (MNN_CUDA_QUANT)
    add_definitions(-DENABLE_CUDA_QUANT)
ENDIF()
file(GLOB_RECURSE MNN_CUDA_SRC ${CMAKE_CURRENT_LIST_DIR}/core/* ${CMAKE_CURRENT_SOURCE_DIR}/execution/*)
if(NOT MNN_SUPPORT_TRANSFORMER_FUSE)
    file(GLOB_RECURSE MNN_CUDA_PLUGIN_SRC ${CMAKE_CURRENT_SOURCE_DIR}/execution/plugin/*)
    list(REMOVE_ITEM MNN_CUDA_SRC ${MNN_CUDA_PLUGIN_SRC})
endif()
if(WIN32)
    cuda_add_library(MNN_CUDA STATIC Register.cpp ${MNN_CUDA_SRC})
else()
    cuda_add_library(MNN_Cuda_Main SHARED ${MNN_CUDA_SRC})
    add_library(MNN_CUDA OBJECT Register.cpp)
endif()
"""

CUDA_HPP = """#ifndef CUDABackend_hpp
#define CUDABackend_hpp
template <class T>
class CUDACreatorRegister {
public:
    CUDACreatorRegister(OpType type) {
        T *t = new T;
        CUDABackend::addCreator(type, t);
    }
};
#endif
"""

CUDA_UNARY = """#include "core/CUDABackend.hpp"
CUDACreatorRegister<UnaryCreator> __a(OpType_UnaryOp);
CUDACreatorRegister<TypedCreator<UnaryCreator>> __b(OpType_TanH);
#if defined(ENABLE_CUDA_QUANT) && !defined(MNN_CUDA_NO_INT8)
CUDACreatorRegister<Int8Creator> __c(OpType_FloatToInt8);
#endif
#if CUDA_VERSION >= 11000
CUDACreatorRegister<BF16Creator> __d(OpType_Cast);
#endif
"""

CUDA_ATTENTION = """#ifdef MNN_SUPPORT_TRANSFORMER_FUSE
static CUDACreatorRegister<AttentionCreator> __init(OpType_Attention);
#endif
"""

CUDA_PLUGIN = """static CUDACreatorRegister<FmhaCreator> __fmha(OpType_FmhaV2);
"""

VULKAN_CMAKE = """
option(MNN_VULKAN_IMAGE "Use Image" ON)
if (MNN_VULKAN_IMAGE)
    FILE(GLOB_RECURSE MNN_Vulkan_SRC ${CMAKE_CURRENT_LIST_DIR}/image/*)
else()
    FILE(GLOB_RECURSE MNN_Vulkan_SRC ${CMAKE_CURRENT_LIST_DIR}/buffer/*)
endif()
add_library(MNN_Vulkan OBJECT ${MNN_Vulkan_SRC})
"""

VULKAN_IMAGE_UNARY = """namespace MNN {
static bool gResistor = []() {
    for (auto t : {OpType_ReLU, OpType_ReLU6}) {
        VulkanBackend::addCreator(t, new VulkanReluCreator);
    }
    return true;
}();
}
"""

VULKAN_BUFFER_UNARY = """namespace MNN {
static bool gResistor = []() {
    VulkanBackend::addCreator(OpType_ReLU, new VulkanUnaryCreator);
    return true;
}();
void registerLater() {
    VulkanBackend::addCreator(OpType_Softmax, new VulkanSoftmaxCreator);
}
}
"""

OPENCL_CMAKE = """
file(GLOB_RECURSE MNN_OpenCL_SRC ${CMAKE_CURRENT_LIST_DIR}/*)
option(MNN_OPENCL_SIZE_CUT "cut" OFF)
IF (MNN_OPENCL_SIZE_CUT)
    add_definitions(-DMNN_OPENCL_BUFFER_CLOSED)
ENDIF()
IF(MNN_SEP_BUILD)
    add_definitions(-DMNN_OPENCL_SEP_BUILD)
    add_library(MNN_CL SHARED ${MNN_OpenCL_SRC})
ELSE()
    add_library(MNN_CL OBJECT ${MNN_OpenCL_SRC})
ENDIF()
"""

OPENCL_HPP = """#ifndef OpenCLBackend_hpp
#define OpenCLBackend_hpp
template <class T>
class OpenCLCreatorRegister {
public:
    OpenCLCreatorRegister(OpType type, GpuMemObject memObj) {
        OpenCLBackend::addCreator(std::make_pair(type, memObj), new T);
    }
};
#ifdef MNN_OPENCL_SEP_BUILD
#define REGISTER_OPENCL_OP_CREATOR(name, opType, memObj) \\
    OpenCLCreatorRegister<name> ___OpenCL##name##__##opType##__##memObj##__(opType, memObj)
#else
#define REGISTER_OPENCL_OP_CREATOR(name, opType, memObj) \\
    void ___OpenCL##name##__##opType##__##memObj##__() { \\
        static name _temp; \\
        OpenCLBackend::addCreator(std::make_pair(opType, memObj), &_temp); \\
    }
#endif
#endif
"""

OPENCL_REGISTER = """#ifndef MNN_OPENCL_SEP_BUILD
namespace MNN {
void registerOpenCLOps() {
#ifndef MNN_OPENCL_BUFFER_CLOSED
    ___OpenCLSoftmaxBufCreator__OpType_Softmax__BUFFER__();
#endif
    ___OpenCLSoftmaxCreator__OpType_Softmax__IMAGE__();
}
}
#endif
"""

OPENCL_BUF = """#ifndef MNN_OPENCL_BUFFER_CLOSED
REGISTER_OPENCL_OP_CREATOR(SoftmaxBufCreator, OpType_Softmax, BUFFER);
#endif
"""

OPENCL_IMG = """REGISTER_OPENCL_OP_CREATOR(SoftmaxCreator, OpType_Softmax, IMAGE);
"""

HEXAGON_CMAKE = """
file(GLOB HEXAGON_SRCS ${CMAKE_CURRENT_LIST_DIR}/*.cpp)
add_library(MNN_Hexagon OBJECT ${HEXAGON_SRCS})
"""

HEXAGON_FACTORY = """namespace MNN {
Execution* HexagonExecutionFactory::create(const Op* op, Backend* backend) {
    switch (op->type()) {
        case OpType_Convolution:
            return new HexagonConv(backend, op);
        case OpType_Softmax:
            return new HexagonSoftmax(backend, op);
        default:
            break;
    }
    return nullptr;
}
}
"""


def files(release: int = 2) -> dict[str, str]:
    """The fake tree; release 1 lacks CUDA Attention and the Vulkan buffer half."""
    tree = {
        "CMakeLists.txt": ROOT_CMAKE,
        "source/backend/cpu/CMakeLists.txt": CPU_CMAKE,
        "source/backend/cpu/CPUBackend.hpp": CPU_BACKEND_HPP,
        "source/backend/cpu/CPUOPRegister.cpp": CPU_REGISTER,
        "source/backend/cpu/CPUConv.cpp": CPU_CONV,
        "source/backend/cpu/CPUUnary.cpp": CPU_UNARY,
        "source/backend/cpu/CPUAttention.cpp": CPU_ATTENTION,
        "source/backend/cpu/CPUOld.cpp": CPU_OLD,
        "source/backend/cpu/render/CPURender.cpp": CPU_RENDER,
        "source/backend/cpu/ghost/CPUGhost.cpp": CPU_GHOST,
        "source/backend/metal/CMakeLists.txt": METAL_CMAKE,
        "source/backend/metal/MetalBackend.hpp": METAL_HPP,
        "source/backend/metal/MetalOPRegister.mm": METAL_REGISTER,
        "source/backend/metal/MetalOps.mm": METAL_OPS,
        "source/backend/cuda/CMakeLists.txt": CUDA_CMAKE,
        "source/backend/cuda/Register.cpp": "// runtime creator\n",
        "source/backend/cuda/core/CUDABackend.hpp": CUDA_HPP,
        "source/backend/cuda/execution/UnaryExecution.cu": CUDA_UNARY,
        "source/backend/cuda/execution/plugin/FmhaExecution.cu": CUDA_PLUGIN,
        "source/backend/vulkan/CMakeLists.txt": VULKAN_CMAKE,
        "source/backend/vulkan/image/execution/VulkanRelu.cpp": VULKAN_IMAGE_UNARY,
        "source/backend/vulkan/buffer/execution/VulkanUnary.cpp": VULKAN_BUFFER_UNARY,
        "source/backend/opencl/CMakeLists.txt": OPENCL_CMAKE,
        "source/backend/opencl/core/OpenCLBackend.hpp": OPENCL_HPP,
        "source/backend/opencl/core/OpenCLOPRegister.cpp": OPENCL_REGISTER,
        "source/backend/opencl/execution/buffer/SoftmaxBufExecution.cpp": OPENCL_BUF,
        "source/backend/opencl/execution/image/SoftmaxExecution.cpp": OPENCL_IMG,
        "source/backend/hexagon/CMakeLists.txt": HEXAGON_CMAKE,
        "source/backend/hexagon/HexagonExecutionFactory.cpp": HEXAGON_FACTORY,
    }
    if release >= 2:
        tree["source/backend/cuda/execution/AttentionExecution.cu"] = CUDA_ATTENTION
    else:
        del tree["source/backend/vulkan/buffer/execution/VulkanUnary.cpp"]
    return tree
