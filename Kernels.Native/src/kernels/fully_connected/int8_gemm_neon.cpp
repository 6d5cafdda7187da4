// Int8 fully connected layer on our int8 GEMM: y^T (M x N) = W (M x K) * x^T (K x N), x's rows packed
// as B columns; threads split the weight rows, since N (the batch) is usually tiny.
#include <algorithm>

#include "../int8/gemm.h"

namespace dsx {
namespace {

using int8::kNR;

class FullyConnectedInt8Gemm final : public Kernel {
public:
    explicit FullyConnectedInt8Gemm(const NodeSpec& spec)
        : n_(spec.inputs.at(0).n()),
          k_(spec.weight_dims.at(1)),
          m_(spec.weight_dims.at(0)),
          gemm_(int8::quantize_weights(spec, m_, k_), 1) {}

    size_t weight_bytes() const override { return gemm_.weight_bytes(); }
    size_t workspace_bytes() const override { return static_cast<size_t>(panels()) * gemm_.b_panel_bytes(); }

    void run(const KernelArgs& args) override {
        const int8_t* x = static_cast<const int8_t*>(args.inputs[0]);
        int8_t* y = static_cast<int8_t*>(args.output);
        int8_t* ws = static_cast<int8_t*>(args.workspace);
        for (int64_t p = 0; p < panels(); ++p)
            int8::pack_b_columns(x + p * kNR * k_, k_, ncols(p), k_, gemm_.kp(), ws + p * gemm_.b_panel_bytes());
        args.pool->parallel_for(gemm_.row_panels(), args.threads, [&](int64_t begin, int64_t end) {
            for (int64_t rp = begin; rp < end; ++rp)
                for (int64_t p = 0; p < panels(); ++p)
                    gemm_.tile(0, rp, ws + p * gemm_.b_panel_bytes(), ncols(p), y + p * kNR * m_, 1, m_);
        });
    }

private:
    int64_t panels() const { return (n_ + kNR - 1) / kNR; }
    int ncols(int64_t p) const { return static_cast<int>(std::min<int64_t>(kNR, n_ - p * kNR)); }

    int64_t n_, k_, m_;
    int8::Int8Gemm gemm_;
};

const RegisterPrimitive kFullyConnectedInt8Gemm({
    .primitive = "int8_gemm_neon",
    .library = "",
    .op = Op::FullyConnected,
    .layouts = {Layout::NCHW},
    .precisions = {Precision::INT8},
    .threaded = true,
    .admits = [](const NodeSpec& spec) { return int8::check_k("int8_gemm_neon", spec.weight_dims.at(1)); },
    .create = create_kernel<FullyConnectedInt8Gemm>,
});

}  // namespace
}  // namespace dsx
