// Fault injection for reliability tests: Conv primitives that crash the executor with SIGSEGV (fault_crash) or hang
// it (fault_hang). Registered only when the executor runs with DSX_EXECUTOR_FAULTS set, so no real plan can pick them:
// 1 registers both, else a comma-separated list of the ones wanted (a test of crashes must not meet a hang).
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

#include "dsx/kernel.h"

namespace dsx {
namespace {

class FaultCrash final : public Kernel {
public:
    explicit FaultCrash(const NodeSpec&) {}
    void run(const KernelArgs&) override { std::raise(SIGSEGV); }
};

// Never returns: a wedged kernel, which only the host's request timeout (and a kill) ends.
class FaultHang final : public Kernel {
public:
    explicit FaultHang(const NodeSpec&) {}
    void run(const KernelArgs&) override {
        for (;;) std::this_thread::sleep_for(std::chrono::hours(1));
    }
};

bool fault_enabled(const std::string& primitive) {
    const char* v = std::getenv("DSX_EXECUTOR_FAULTS");
    if (!v) return false;
    if (std::strcmp(v, "1") == 0) return true;
    std::string list = std::string(",") + v + ",";
    return list.find("," + primitive + ",") != std::string::npos;
}

PrimitiveImpl fault(const char* primitive, std::unique_ptr<Kernel> (*create)(const NodeSpec&)) {
    return {
        .primitive = primitive,
        .library = "",
        .op = Op::Conv,
        .layouts = {Layout::NCHW},
        .precisions = {Precision::FP32},
        .threaded = false,
        .admits = admits_any,
        .create = create,
    };
}

const bool kRegistered = [] {
    if (fault_enabled("fault_crash")) Registry::instance().add(fault("fault_crash", create_kernel<FaultCrash>));
    if (fault_enabled("fault_hang")) Registry::instance().add(fault("fault_hang", create_kernel<FaultHang>));
    return true;
}();

}  // namespace
}  // namespace dsx
