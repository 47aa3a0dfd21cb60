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
option(MNN_QNN "qnn" OFF)
option(MNN_QNN_ONLINE_FINALIZE "finalize online" ON)
option(MNN_SUPPORT_TRANSFORMER_FUSE "fuse" OFF)
option(MNN_SKIPBUILD_GEOMETRY "no geometry" OFF)
option(MNN_BUILD_LLM "llm" OFF)
IF (MNN_BUILD_LLM)
    set(MNN_SUPPORT_TRANSFORMER_FUSE ON CACHE BOOL "<docstring>" FORCE)
ENDIF()
if (NOT MNN_QNN)
  set(MNN_QNN_ONLINE_FINALIZE OFF)
endif()
IF(MNN_SUPPORT_TRANSFORMER_FUSE)
    add_definitions(-DMNN_SUPPORT_TRANSFORMER_FUSE)
ENDIF()
IF (NOT MNN_SKIPBUILD_GEOMETRY)
    FILE(GLOB_RECURSE MNN_Transform_SRC ${CMAKE_CURRENT_LIST_DIR}/source/shape/*
         ${CMAKE_CURRENT_LIST_DIR}/source/geometry/*)
    add_library(MNNTransform OBJECT ${MNN_Transform_SRC})
ENDIF()
IF(MNN_QNN)
  add_subdirectory(${CMAKE_CURRENT_LIST_DIR}/source/backend/qnn/)
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


QNN_CMAKE = """
file(GLOB QNN_SRC ${CMAKE_CURRENT_LIST_DIR}/*.cpp)
if(MNN_QNN_ONLINE_FINALIZE)
    file(GLOB QNN_EXEC_SRC ${CMAKE_CURRENT_LIST_DIR}/execution/*.cpp)
    list(APPEND QNN_SRC ${QNN_EXEC_SRC})
endif()
add_library(MNN_QNN OBJECT ${QNN_SRC})
"""

QNN_BACKEND = """namespace MNN {
class QnnRuntime : public Runtime {
    CompilerType onGetCompilerType() const override { return Compiler_Origin; }
};
}
"""

QNN_CONV = """namespace MNN {
static bool gRegister = []() {
    QnnBackend::addCreator(OpType_Convolution, new QnnConvCreator);
    return true;
}();
}
"""

SCHEMA = """
enum OpType : int {
    Convolution = 0, Softmax, UnaryOp, Gather, GatherV2, GatherND, GatherElements, MatMul, BatchMatMul,
    While, If, NonMaxSuppressionV2, MoE, Attention, Shape, Raster, Input, Const, Interp
}
union OpParameter { Axis, LoopParam, WhileParam, IfParam }
"""

CORE_BACKEND_HPP = """class Runtime {
    virtual CompilerType onGetCompilerType() const {
        return Compiler_Loop;
    }
};
"""

PIPELINE_MODULE = """namespace MNN {
static Module* _createSubModule(const SubModuleInfo& info) {
    if (1 == info.opList.size()) {
        auto op = net->oplists()->GetAs<Op>(info.opList[0]);
        if (OpType_If == op->type()) {
            return IfModule::create(op, subs);
        }
        if (OpType_While == op->type() && op->main_type() != OpParameter_LoopParam) {
            return WhileModule::create(op, subs);
        }
        if (OpType_NonMaxSuppressionV2 == op->type()) {
            return NMSModule::create(op);
        }
        if (OpType_MoE == op->type()) {
            return MoEModule::create(op, subs, runtimeConfig.rt, config);
        }
    }
    return new StaticModule(info.inputs);
}
}
"""

INIT_NET = """bool needComputeOp(const Op* op) {
    if (op->type() != OpType_Input && op->type() != OpType_Const) {
        return true;
    }
    return false;
}
"""

OP_COMMON_UTILS = """bool OpCommonUtils::opNeedContent(const MNN::Op* op, int index) {
    int type = op->type();
    switch (type) {
        case OpType_Shape:
        case OpType_Const:
            return false;
        case OpType_Interp:
            if (1 == index) {
                return false;
            }
            break;
#ifdef MNN_SUPPORT_RENDER
        case OpType_RasterAndInterpolate:
            return false;
#endif
        default:
            break;
    }
    return true;
}
"""

PIPELINE_CPP = """static ErrorCode _createExecutions(Schedule::PipelineInfo& mInfo) {
    for (auto& iter : info.executeBuffer.command) {
        if (nullptr == iter.execution) {
            iter.execution.reset(OpCommonUtils::createExecutionWithExternal(
                mBackend.get(), iter.inputs, iter.outputs, iter.op, &loader, tmpStorage));
        }
        if (nullptr == iter.execution) {
            // Try Backup
            iter.execution.reset(OpCommonUtils::createExecutionWithExternal(mBackupBackend.get(), iter.inputs,
                iter.outputs, iter.op, &loader, tmpStorage));
        }
    }
}
"""

SIZE_COMPUTER_HPP = """#ifndef SizeComputer_hpp
#define SizeComputer_hpp
class SizeComputerSuite {
public:
    void insert(SizeComputer* computer, OpType type);
};
#define REGISTER_SHAPE(name, op)                          \\
    void ___##name##__##op##__() {                        \\
        name* _temp = new name;                            \\
        SizeComputerSuite* ts = SizeComputerSuite::get(); \\
        ts->insert(_temp, op);                           \\
    }
#ifdef MNN_SUPPORT_TRANSFORMER_FUSE
#define REGISTER_SHAPE_INPUTS_TRANSFORMER_FUSE(name, op)            \\
    void ___##name##__##op##__() {                        \\
        name* _temp = new name;                            \\
        SizeComputerSuite* ts = SizeComputerSuite::get(); \\
        ts->insert(_temp, op);                           \\
    }
#else
#define REGISTER_SHAPE_INPUTS_TRANSFORMER_FUSE(name, op) void ___##name##__##op##__() {}
#endif
#endif
"""

SHAPE_CONV = """namespace MNN {
REGISTER_SHAPE(ConvComputer, OpType_Convolution);
REGISTER_SHAPE(GatherComputer, OpType_Gather);
}
"""

SHAPE_ATTENTION = """namespace MNN {
#ifdef MNN_SUPPORT_TRANSFORMER_FUSE
class AttentionSizeComputer : public SizeComputer {};
REGISTER_SHAPE_INPUTS_TRANSFORMER_FUSE(AttentionSizeComputer, OpType_Attention);
#endif
}
"""

SHAPE_REGISTER = """namespace MNN {
void registerShapeOps() {
___ConvComputer__OpType_Convolution__();
___GatherComputer__OpType_Gather__();
#ifdef MNN_SUPPORT_TRANSFORMER_FUSE
___AttentionSizeComputer__OpType_Attention__();
#endif
}
}
"""

GEOMETRY_HPP = """
static void registerGeometryComputer(std::shared_ptr<GeometryComputer> comp, std::vector<int> type,
    Runtime::CompilerType compType = Runtime::Compiler_Geometry);
"""

# three classes in one file: only GeometryGather hands its own op on, and only with one input
GEOMETRY_GATHER = """namespace MNN {
static void _computeGather(const Op* op, CommandBuffer& res) {
    loopBuilder.add_type(OpType_While);
}
class GeometryGather : public GeometryComputer {
public:
    virtual bool onCompute(const Op* op, const std::vector<Tensor*>& inputs, CommandBuffer& res) const override {
        if (inputs.size() == 1) {
            std::shared_ptr<Command> cmdP(new Command);
            cmdP->op = op;
            return true;
        }
        _computeGather(op, res);
        return true;
    }
};
class GeometryGatherND : public GeometryComputer {
public:
    virtual bool onCompute(const Op* op, const std::vector<Tensor*>& inputs, CommandBuffer& res) const override {
        auto cmd = GeometryComputerUtils::makeBinary(BinaryOpOperation_MUL, a, b, c);
        des->regions = {GeometryComputerUtils::makeRawAddressRef(indice, 0, N)};
        return true;
    }
};
class GeometryGatherElements : public GeometryComputer {
public:
    virtual bool onCompute(const Op* op, const std::vector<Tensor*>& inputs, CommandBuffer& res) const override {
        des->regions.resize(D);
        return true;
    }
};
static void _create() {
    std::shared_ptr<GeometryComputer> comp(new GeometryGather);
    GeometryComputer::registerGeometryComputer(comp, {OpType_Gather, OpType_GatherV2}, Runtime::Compiler_Loop);
    std::shared_ptr<GeometryComputer> comp2(new GeometryGatherND);
    GeometryComputer::registerGeometryComputer(comp2, {OpType_GatherND}, Runtime::Compiler_Loop);
    std::shared_ptr<GeometryComputer> comp3(new GeometryGatherElements);
    GeometryComputer::registerGeometryComputer(comp3, {OpType_GatherElements}, Runtime::Compiler_Loop);
}
REGISTER_GEOMETRY(GeometryGather, _create);
}
"""

GEOMETRY_REGISTER = """namespace MNN {
extern void ___GeometryGather___create__();
void registerGeometryOps() {
___GeometryGather___create__();
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
        "source/backend/qnn/CMakeLists.txt": QNN_CMAKE,
        "source/backend/qnn/QnnBackend.cpp": QNN_BACKEND,
        "source/backend/qnn/execution/QnnConvolution.cpp": QNN_CONV,
        "schema/default/MNN.fbs": SCHEMA,
        "source/core/Backend.hpp": CORE_BACKEND_HPP,
        "source/core/OpCommonUtils.cpp": OP_COMMON_UTILS,
        "source/core/Pipeline.cpp": PIPELINE_CPP,
        "source/utils/InitNet.cpp": INIT_NET,
        "express/module/PipelineModule.cpp": PIPELINE_MODULE,
        "source/shape/SizeComputer.hpp": SIZE_COMPUTER_HPP,
        "source/shape/ShapeConvolution.cpp": SHAPE_CONV,
        "source/shape/ShapeAttention.cpp": SHAPE_ATTENTION,
        "source/shape/ShapeRegister.cpp": SHAPE_REGISTER,
        "source/geometry/GeometryComputer.hpp": GEOMETRY_HPP,
        "source/geometry/GeometryGather.cpp": GEOMETRY_GATHER,
        "source/geometry/GeometryOPRegister.cpp": GEOMETRY_REGISTER,
    }
    if release >= 2:
        tree["source/backend/cuda/execution/AttentionExecution.cu"] = CUDA_ATTENTION
    else:
        del tree["source/backend/vulkan/buffer/execution/VulkanUnary.cpp"]
    return tree
