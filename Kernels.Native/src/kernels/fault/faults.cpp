// Fault injection for reliability tests: a Conv primitive that crashes the executor with SIGSEGV.
// Registered only when the executor runs with DSX_EXECUTOR_FAULTS=1, so no real plan can pick it.
#include <csignal>
#include <cstdlib>
#include <cstring>

#include "dsx/kernel.h"

namespace dsx {
namespace {

class FaultCrash final : public Kernel {
public:
    explicit FaultCrash(const NodeSpec&) {}
    void run(const KernelArgs&) override { std::raise(SIGSEGV); }
};

bool faults_enabled() {
    const char* v = std::getenv("DSX_EXECUTOR_FAULTS");
    return v && std::strcmp(v, "1") == 0;
}

const bool kRegistered = [] {
    if (faults_enabled())
        Registry::instance().add({
            .primitive = "fault_crash",
            .library = "",
            .op = Op::Conv,
            .layouts = {Layout::NCHW},
            .precisions = {Precision::FP32},
            .threaded = false,
            .admits = admits_any,
            .create = create_kernel<FaultCrash>,
        });
    return true;
}();

}  // namespace
}  // namespace dsx
