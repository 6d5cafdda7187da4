// The dependency-free baseline every conv primitive is tested against: direct loops, NCHW, FP32.
#include "dsx/conv.h"

namespace dsx {
namespace {

class ConvRef final : public Kernel {
public:
    explicit ConvRef(const NodeSpec& spec) : spec_(spec), d_(conv_dims(spec)) {}

    size_t weight_bytes() const override {
        size_t n = 1;
        for (int64_t x : spec_.weight_dims) n *= static_cast<size_t>(x);
        return (n + (spec_.bias ? d_.oc : 0)) * sizeof(float);
    }

    void run(const KernelArgs& args) override {
        const float* in = static_cast<const float*>(args.inputs[0]);
        float* out = static_cast<float*>(args.output);
        const ConvDims d = d_;
        const Window& s = d.win;
        args.pool->parallel_for(d.n * d.oc, args.threads, [&](int64_t begin, int64_t end) {
            for (int64_t i = begin; i < end; ++i) {
                int64_t b = i / d.oc, o = i % d.oc, g = o / d.ocg();
                const float* wo = spec_.weight + o * d.k();
                float* dst = out + i * d.oh * d.ow;
                for (int64_t oy = 0; oy < d.oh; ++oy) {
                    for (int64_t ox = 0; ox < d.ow; ++ox) {
                        float acc = spec_.bias ? spec_.bias[o] : 0.0f;
                        for (int64_t ci = 0; ci < d.cg(); ++ci) {
                            const float* src = in + (b * d.c + g * d.cg() + ci) * d.h * d.w;
                            for (int ky = 0; ky < s.kh; ++ky) {
                                int64_t iy = oy * s.sh - s.pt + ky * s.dh;
                                if (iy < 0 || iy >= d.h) continue;
                                for (int kx = 0; kx < s.kw; ++kx) {
                                    int64_t ix = ox * s.sw - s.pl + kx * s.dw;
                                    if (ix < 0 || ix >= d.w) continue;
                                    acc += src[iy * d.w + ix] * wo[(ci * s.kh + ky) * s.kw + kx];
                                }
                            }
                        }
                        dst[oy * d.ow + ox] = spec_.epilogue.apply(acc);
                    }
                }
            }
        });
    }

private:
    NodeSpec spec_;
    ConvDims d_;
};

const RegisterPrimitive kConvRef({
    .primitive = "ref",
    .library = "",
    .op = Op::Conv,
    .layouts = {Layout::NCHW},
    .precisions = {Precision::FP32},
    .threaded = true,
    .admits = admits_any,
    .create = create_kernel<ConvRef>,
});

}  // namespace
}  // namespace dsx
