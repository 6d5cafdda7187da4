// Reference fully connected layer: y[n, m] = clamp(sum_k x[n, k] * W[m, k] + b[m]).
#include "dsx/kernel.h"

namespace dsx {
namespace {

class FullyConnectedRef final : public Kernel {
public:
    explicit FullyConnectedRef(const NodeSpec& spec)
        : spec_(spec), n_(spec.inputs.at(0).n()), k_(spec.weight_dims.at(1)), m_(spec.weight_dims.at(0)) {}

    size_t weight_bytes() const override { return static_cast<size_t>(m_ * k_ + (spec_.bias ? m_ : 0)) * sizeof(float); }

    void run(const KernelArgs& args) override {
        const float* x = static_cast<const float*>(args.inputs[0]);
        float* y = static_cast<float*>(args.output);
        args.pool->parallel_for(n_ * m_, args.threads, [&](int64_t begin, int64_t end) {
            for (int64_t i = begin; i < end; ++i) {
                int64_t b = i / m_, m = i % m_;
                const float* xr = x + b * k_;
                const float* wr = spec_.weight + m * k_;
                float acc = spec_.bias ? spec_.bias[m] : 0.0f;
                for (int64_t k = 0; k < k_; ++k) acc += xr[k] * wr[k];
                y[i] = spec_.epilogue.apply(acc);
            }
        });
    }

private:
    NodeSpec spec_;
    int64_t n_, k_, m_;
};

const RegisterPrimitive kFullyConnectedRef({
    .primitive = "ref",
    .library = "",
    .op = Op::FullyConnected,
    .layouts = {Layout::NCHW},
    .precisions = {Precision::FP32},
    .threaded = true,
    .admits = admits_any,
    .create = create_kernel<FullyConnectedRef>,
});

}  // namespace
}  // namespace dsx
