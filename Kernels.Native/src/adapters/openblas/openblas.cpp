// OpenBLAS adapters, NCHW FP32: `im2col_blas` (im2col + sgemm per image and group, the paper's "BLAS
// floating-point" baseline) and `blas` for FullyConnected. BLAS cannot fuse bias and clamp, so each
// GEMM result block gets them in one pass while it is still in cache.
#include <cblas.h>

#include "dsx/conv.h"

namespace dsx {
namespace {

bool has_epilogue(const float* bias, const Epilogue& e) {
    return bias || e.lo != -std::numeric_limits<float>::infinity() || e.hi != std::numeric_limits<float>::infinity();
}

// y[r][c] = e.apply(y[r][c] + bias), with bias indexed by row (conv channels) or by column (FC outputs).
void bias_clamp(float* y, int64_t rows, int64_t cols, const float* bias, bool bias_per_row, const Epilogue& e) {
    if (!has_epilogue(bias, e)) return;
    for (int64_t r = 0; r < rows; ++r) {
        float* row = y + r * cols;
        if (!bias) {
            for (int64_t c = 0; c < cols; ++c) row[c] = e.apply(row[c]);
        } else if (bias_per_row) {
            const float b = bias[r];
            for (int64_t c = 0; c < cols; ++c) row[c] = e.apply(row[c] + b);
        } else {
            for (int64_t c = 0; c < cols; ++c) row[c] = e.apply(row[c] + bias[c]);
        }
    }
}

size_t original_weight_bytes(const NodeSpec& spec, int64_t bias_len) {
    size_t n = 1;
    for (int64_t x : spec.weight_dims) n *= static_cast<size_t>(x);
    return (n + (spec.bias ? static_cast<size_t>(bias_len) : 0)) * sizeof(float);
}

class Im2colBlas final : public Kernel {
public:
    explicit Im2colBlas(const NodeSpec& spec) : spec_(spec), d_(conv_dims(spec)) {}

    // sgemm reads the OIHW weights in place: each group's block is an ocg x K row-major matrix.
    size_t weight_bytes() const override { return original_weight_bytes(spec_, d_.oc); }

    size_t workspace_bytes() const override {
        return d_.pointwise() ? 0 : static_cast<size_t>(d_.k() * d_.oh * d_.ow) * sizeof(float);
    }

    void run(const KernelArgs& args) override {
        const float* in = static_cast<const float*>(args.inputs[0]);
        float* out = static_cast<float*>(args.output);
        float* col = static_cast<float*>(args.workspace);
        const ConvDims& d = d_;
        const int64_t plane = d.oh * d.ow, k = d.k();
        openblas_set_num_threads(args.threads);
        for (int64_t b = 0; b < d.n; ++b) {
            const float* image = in + b * d.c * d.h * d.w;
            for (int64_t g = 0; g < d.groups; ++g) {
                // A pointwise conv's group input already is the K x (oh*ow) matrix.
                const float* src = image + g * d.cg() * d.h * d.w;
                if (!d.pointwise()) {
                    im2col_nchw(image, d, g, col);
                    src = col;
                }
                float* dst = out + (b * d.oc + g * d.ocg()) * plane;
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, d.ocg(), plane, k, 1.0f, spec_.weight + g * d.ocg() * k, k,
                            src, plane, 0.0f, dst, plane);
                bias_clamp(dst, d.ocg(), plane, spec_.bias ? spec_.bias + g * d.ocg() : nullptr, true, spec_.epilogue);
            }
        }
    }

private:
    NodeSpec spec_;
    ConvDims d_;
};

class FullyConnectedBlas final : public Kernel {
public:
    explicit FullyConnectedBlas(const NodeSpec& spec)
        : spec_(spec), n_(spec.inputs.at(0).n()), k_(spec.weight_dims.at(1)), m_(spec.weight_dims.at(0)) {}

    size_t weight_bytes() const override { return original_weight_bytes(spec_, m_); }

    void run(const KernelArgs& args) override {
        const float* x = static_cast<const float*>(args.inputs[0]);
        float* y = static_cast<float*>(args.output);
        openblas_set_num_threads(args.threads);
        if (n_ == 1) {
            cblas_sgemv(CblasRowMajor, CblasNoTrans, m_, k_, 1.0f, spec_.weight, k_, x, 1, 0.0f, y, 1);
        } else {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n_, m_, k_, 1.0f, x, k_, spec_.weight, k_, 0.0f, y, m_);
        }
        bias_clamp(y, n_, m_, spec_.bias, false, spec_.epilogue);
    }

private:
    NodeSpec spec_;
    int64_t n_, k_, m_;
};

const RegisterPrimitive kIm2colBlas({
    .primitive = "im2col_blas",
    .library = "openblas",
    .op = Op::Conv,
    .layouts = {Layout::NCHW},
    .precisions = {Precision::FP32},
    .threaded = true,
    .admits = admits_any,
    .create = create_kernel<Im2colBlas>,
});

const RegisterPrimitive kFullyConnectedBlas({
    .primitive = "blas",
    .library = "openblas",
    .op = Op::FullyConnected,
    .layouts = {Layout::NCHW},
    .precisions = {Precision::FP32},
    .threaded = true,
    .admits = [](const NodeSpec& spec) {
        return spec.inputs.at(0).rank() == 2 ? std::string() : "blas needs a rank-2 input, got rank " + std::to_string(spec.inputs.at(0).rank());
    },
    .create = create_kernel<FullyConnectedBlas>,
});

}  // namespace
}  // namespace dsx
