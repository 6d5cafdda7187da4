// Fully connected on our packed NEON SGEMM: y^T (M x N) = W (M x K) * x^T (K x N), the weights packed
// once as A; x^T and y^T are strided views of the row-major x (N x K) and y (N x M).
#include <algorithm>

#include "../gemm/sgemm_neon.h"

namespace dsx {
namespace {

class FullyConnectedGemmNeon final : public Kernel {
public:
    explicit FullyConnectedGemmNeon(const NodeSpec& spec)
        : spec_(spec), n_(spec.inputs.at(0).n()), gemm_(spec.weight, spec.weight_dims.at(1), spec.weight_dims.at(0), spec.weight_dims.at(1)) {}

    size_t weight_bytes() const override { return gemm_.weight_bytes() + (spec_.bias ? gemm_.m() * sizeof(float) : 0); }
    size_t workspace_bytes() const override { return gemm_.workspace_bytes(n_, spec_.threads); }

    void run(const KernelArgs& args) override {
        const float* x = static_cast<const float*>(args.inputs[0]);
        float* y = static_cast<float*>(args.output);
        gemm_.run(n_, {x, 1, gemm_.k()}, {y, 1, gemm_.m()}, spec_.bias, spec_.epilogue, args.workspace, *args.pool,
                  std::min(args.threads, spec_.threads));  // the workspace has spec.threads slices
    }

private:
    NodeSpec spec_;
    int64_t n_;
    gemm::Sgemm gemm_;
};

const RegisterPrimitive kFullyConnectedGemmNeon({
    .primitive = "gemm_neon",
    .library = "",
    .op = Op::FullyConnected,
    .layouts = {Layout::NCHW},
    .precisions = {Precision::FP32},
    .threaded = true,
    .admits = admits_any,
    .create = create_kernel<FullyConnectedGemmNeon>,
});

}  // namespace
}  // namespace dsx
