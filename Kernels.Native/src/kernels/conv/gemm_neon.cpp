// Conv as GEMM on our packed NEON SGEMM, NCHW FP32: per image and group, W_g (OCg x K) times the
// im2col matrix (K x OH*OW); a pointwise conv multiplies the input planes directly, without im2col.
#include <algorithm>
#include <vector>

#include "../gemm/sgemm_neon.h"
#include "dsx/conv.h"

namespace dsx {
namespace {

class ConvGemmNeon final : public Kernel {
public:
    explicit ConvGemmNeon(const NodeSpec& spec) : spec_(spec), d_(conv_dims(spec)) {
        gemms_.reserve(static_cast<size_t>(d_.groups));
        for (int64_t g = 0; g < d_.groups; ++g) gemms_.emplace_back(spec.weight + g * d_.ocg() * d_.k(), d_.k(), d_.ocg(), d_.k());
    }

    size_t weight_bytes() const override {
        size_t n = spec_.bias ? static_cast<size_t>(d_.oc) * sizeof(float) : 0;
        for (const auto& g : gemms_) n += g.weight_bytes();
        return n;
    }

    size_t workspace_bytes() const override { return col_bytes() + gemms_.front().workspace_bytes(plane(), spec_.threads); }

    void run(const KernelArgs& args) override {
        const float* in = static_cast<const float*>(args.inputs[0]);
        float* out = static_cast<float*>(args.output);
        float* col = static_cast<float*>(args.workspace);
        void* gemm_ws = static_cast<char*>(args.workspace) + col_bytes();
        const ConvDims& d = d_;
        const int64_t plane = this->plane();
        const int threads = std::min(args.threads, spec_.threads);  // the workspace has spec.threads slices
        for (int64_t b = 0; b < d.n; ++b) {
            const float* image = in + b * d.c * d.h * d.w;
            for (int64_t g = 0; g < d.groups; ++g) {
                const float* src = image + g * d.cg() * d.h * d.w;  // pointwise: plane == h * w
                if (!d.pointwise()) {
                    im2col_nchw(image, d, g, col);
                    src = col;
                }
                const float* bias = spec_.bias ? spec_.bias + g * d.ocg() : nullptr;
                gemms_[static_cast<size_t>(g)].run(plane, {src, plane, 1}, {out + (b * d.oc + g * d.ocg()) * plane, plane, 1}, bias,
                                                   spec_.epilogue, gemm_ws, *args.pool, threads);
            }
        }
    }

private:
    int64_t plane() const { return d_.oh * d_.ow; }
    // The im2col matrix, rounded up so the GEMM's slices behind it stay 64-byte aligned.
    size_t col_bytes() const { return d_.pointwise() ? 0 : static_cast<size_t>((d_.k() * plane() + 15) / 16 * 16) * sizeof(float); }

    NodeSpec spec_;
    ConvDims d_;
    std::vector<gemm::Sgemm> gemms_;
};

const RegisterPrimitive kConvGemmNeon({
    .primitive = "gemm_neon",
    .library = "",
    .op = Op::Conv,
    .layouts = {Layout::NCHW},
    .precisions = {Precision::FP32},
    .threaded = true,
    .admits = admits_any,
    .create = create_kernel<ConvGemmNeon>,
});

}  // namespace
}  // namespace dsx
