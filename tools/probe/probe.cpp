// mnnlint-probe: run models on a user's own MNN build and report what MNN said, for `mnnlint crosscheck`.
//
//     mnnlint-probe BACKEND SECONDS MODEL.mnn...      (BACKEND: cpu, cuda, opencl, vulkan, metal)
//
// Speaks the protocol of mnnlint/crosscheck/_child.py on stdout (MNN's own printf output shares the
// stream, unbuffered, so messages stay in order):
//     @@MNNLINT VERSION <MNN::getVersion()>
//     @@MNNLINT BEGIN <i>  /  @@MNNLINT PHASE session|module  /  @@MNNLINT END <i> {"api":...,"finished":...,"error":...,
//                                                                  "nonfinite": bool, "max_abs_err": float|null}
// Each model: Interpreter session with the CPU as backup, unknown dims set to 1, one run; where the
// session refuses, the Module API. Inputs: MODEL.inputs.txt/.raw when present (written by
// tools/probe/inputs.py from the ONNX tests' own), else ones for integers and N(0,1) floats. A model
// that kills the process leaves BEGIN without END; alarm(SECONDS) turns a hang into SIGALRM. The
// caller (mnnlint.crosscheck.probe.run_batch) restarts the probe on the models left.
// Environment: MNNLINT_PRECISION=low|normal|high (default normal).
#include <MNN/Interpreter.hpp>
#include <MNN/MNNDefine.h>
#include <MNN/expr/Executor.hpp>
#include <MNN/expr/ExprCreator.hpp>
#include <MNN/expr/Module.hpp>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

using namespace MNN;
using namespace MNN::Express;

struct Given { halide_type_t type; std::vector<int> dims; std::vector<char> bytes; };

static std::map<std::string, Given> readGiven(const std::string& model, const char* kind = ".inputs") {
    std::map<std::string, Given> out;
    std::ifstream head(model + kind + ".txt"), raw(model + kind + ".raw", std::ios::binary);
    if (!head || !raw) return out;
    std::string line;
    while (std::getline(head, line)) {  // name code bits ndims d0 .. dn offset nbytes
        std::istringstream in(line);
        Given g; std::string name; int code, bits, nd; long offset, nbytes;
        in >> name >> code >> bits >> nd;
        g.dims.resize(nd);
        for (auto& d : g.dims) in >> d;
        in >> offset >> nbytes;
        if (!in) continue;
        g.type = halide_type_t((halide_type_code_t)code, bits);
        g.bytes.resize(nbytes);
        raw.seekg(offset);
        raw.read(g.bytes.data(), nbytes);
        out[name] = std::move(g);
    }
    return out;
}

static std::mt19937 rng(0);

static void fill(void* dst, halide_type_t type, size_t count, const std::string& name,
                 const std::map<std::string, Given>& given) {
    auto it = given.find(name);
    size_t bytes = count * type.bytes();
    if (it != given.end() && it->second.type == type && it->second.bytes.size() == bytes) {
        ::memcpy(dst, it->second.bytes.data(), bytes);
        return;
    }
    if (type.code == halide_type_float && type.bits == 32) {
        std::normal_distribution<float> n;
        for (size_t i = 0; i < count; ++i) ((float*)dst)[i] = n(rng);
    } else if (type.code == halide_type_int && type.bits == 32) {
        for (size_t i = 0; i < count; ++i) ((int32_t*)dst)[i] = 1;
    } else if (type.code == halide_type_int && type.bits == 64) {
        for (size_t i = 0; i < count; ++i) ((int64_t*)dst)[i] = 1;
    } else if (type.bits == 8) {
        ::memset(dst, 1, count);
    } else {
        ::memset(dst, 0, bytes);
    }
}

// Numerics of one run: non-finite float outputs, and the largest absolute difference from
// MODEL.expected.* (the ONNX test's reference outputs, when the sweep wrote them).
struct Numerics { bool nonfinite = false; double maxAbsErr = -1; };
static Numerics gNumerics;

static void check(const std::string& name, const Tensor* host, const std::map<std::string, Given>& expected) {
    if (host->getType().code != halide_type_float || host->getType().bits != 32) return;
    auto data = host->host<float>();
    size_t count = host->elementSize();
    for (size_t i = 0; i < count; ++i) {
        if (!std::isfinite(data[i])) { gNumerics.nonfinite = true; break; }
    }
    auto it = expected.find(name);
    if (it == expected.end() || it->second.bytes.size() != count * 4) return;
    auto ref = (const float*)it->second.bytes.data();
    double worst = 0;
    for (size_t i = 0; i < count; ++i) {
        double d = std::fabs((double)data[i] - (double)ref[i]);
        if (!std::isfinite(d)) d = 1e30;  // JSON has no inf or nan
        if (d > worst) worst = d;
    }
    gNumerics.maxAbsErr = std::max(gNumerics.maxAbsErr, worst);
}

static void say(const std::string& text) {
    std::string line = "\n@@MNNLINT " + text + "\n";
    (void)!write(1, line.data(), line.size());
}

static std::string escape(const std::string& s) {
    std::string o;
    for (char c : s) {
        if (c == '"' || c == '\\') o += '\\';
        if ((unsigned char)c >= 0x20) o += c;
    }
    return o;
}

static std::string runSession(const std::string& path, ScheduleConfig& config) {
    std::shared_ptr<Interpreter> net(Interpreter::createFromFile(path.c_str()), Interpreter::destroy);
    if (!net) return "createFromFile returned null";
    auto session = net->createSession(config);
    if (!session) return "createSession returned null";
    auto inputs = net->getSessionInputAll(session);
    for (auto& kv : inputs) {
        auto shape = kv.second->shape();
        for (auto& d : shape) d = d > 0 ? d : 1;
        net->resizeTensor(kv.second, shape);
    }
    net->resizeSession(session);
    auto given = readGiven(path);
    for (auto& kv : inputs) {
        std::unique_ptr<Tensor> host(new Tensor(kv.second, kv.second->getDimensionType()));
        fill(host->buffer().host, host->getType(), host->elementSize(), kv.first, given);
        kv.second->copyFromHostTensor(host.get());
    }
    auto code = net->runSession(session);
    if (code != NO_ERROR) return "runSession returned " + std::to_string((int)code);
    auto expected = readGiven(path, ".expected");
    for (auto& kv : net->getSessionOutputAll(session)) {
        std::unique_ptr<Tensor> host(new Tensor(kv.second, kv.second->getDimensionType()));
        kv.second->copyToHostTensor(host.get());
        check(kv.first, host.get(), expected);
    }
    return "";
}

static std::string runModule(const std::string& path, ScheduleConfig& config) {
    std::shared_ptr<Executor::RuntimeManager> rt(Executor::RuntimeManager::createRuntimeManager(config));
    std::shared_ptr<Module> m(Module::load({}, {}, path.c_str(), rt));
    if (!m) return "Module::load returned null";
    auto info = m->getInfo();
    auto given = readGiven(path);
    std::vector<VARP> feeds;
    for (size_t i = 0; i < info->inputs.size(); ++i) {
        auto in = info->inputs[i];
        for (auto& d : in.dim) d = d > 0 ? d : 1;
        auto v = _Input(in.dim, in.order, in.type);
        size_t count = 1;
        for (auto d : in.dim) count *= d;
        fill(v->writeMap<void>(), in.type, count, i < info->inputNames.size() ? info->inputNames[i] : "", given);
        feeds.push_back(v);
    }
    auto outs = m->onForward(feeds);
    if (outs.empty()) return "onForward returned no outputs";
    auto expected = readGiven(path, ".expected");
    for (size_t i = 0; i < outs.size(); ++i) {
        auto& o = outs[i];
        if (o.get() == nullptr || o->readMap<void>() == nullptr) return "an output could not be read";
        auto oi = o->getInfo();
        if (oi && oi->type.code == halide_type_float && oi->type.bits == 32 && i < info->outputNames.size()) {
            auto conv = _Convert(o, NCHW);
            std::unique_ptr<Tensor> host(Tensor::create<float>(conv->getInfo()->dim, (void*)conv->readMap<float>()));
            check(info->outputNames[i], host.get(), expected);
        }
    }
    return "";
}

int main(int argc, char** argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s BACKEND SECONDS MODEL...\n", argv[0]);
        return 2;
    }
    setvbuf(stdout, nullptr, _IONBF, 0);
    dup2(1, 2);
    std::map<std::string, MNNForwardType> types = {{"cpu", MNN_FORWARD_CPU}, {"cuda", MNN_FORWARD_CUDA},
        {"opencl", MNN_FORWARD_OPENCL}, {"vulkan", MNN_FORWARD_VULKAN}, {"metal", MNN_FORWARD_METAL}};
    std::string backend = argv[1];
    int seconds = atoi(argv[2]);
    if (!types.count(backend)) {
        fprintf(stderr, "unknown backend %s\n", argv[1]);
        return 2;
    }
    say(std::string("VERSION ") + getVersion());
    BackendConfig bc;
    const char* precision = getenv("MNNLINT_PRECISION");
    bc.precision = precision && !strcmp(precision, "low") ? BackendConfig::Precision_Low
                 : precision && !strcmp(precision, "high") ? BackendConfig::Precision_High
                 : BackendConfig::Precision_Normal;
    ScheduleConfig config;
    config.type = types[backend];
    config.backupType = MNN_FORWARD_CPU;
    config.numThread = 1;
    config.backendConfig = &bc;
    for (int i = 3; i < argc; ++i) {
        say("BEGIN " + std::to_string(i - 3));
        gNumerics = Numerics();
        alarm(seconds);
        say("PHASE session");
        std::string error = runSession(argv[i], config), api = "session";
        if (!error.empty()) {
            say("PHASE module");
            std::string moduleError = runModule(argv[i], config);
            api = "module";
            error = moduleError.empty() ? "" : "session: " + error + "; module: " + moduleError;
        }
        alarm(0);
        say("END " + std::to_string(i - 3) + " {\"api\": \"" + api + "\", \"finished\": " +
            (error.empty() ? "true" : "false") + ", \"error\": " +
            (error.empty() ? std::string("null") : "\"" + escape(error) + "\"") + ", \"nonfinite\": " +
            (gNumerics.nonfinite ? "true" : "false") + ", \"max_abs_err\": " +
            (gNumerics.maxAbsErr < 0 ? std::string("null") : std::to_string(gNumerics.maxAbsErr)) + "}");
    }
    return 0;
}
