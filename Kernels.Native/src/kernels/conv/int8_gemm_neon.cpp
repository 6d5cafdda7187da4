// Int8 convolution as our int8 GEMM per image and group: C (oc/groups x oh*ow) = W_g (oc/groups x K) *
// im2col(x_g) (K x oh*ow), each B panel (kNR output pixels) unfolded straight into packed form.
#include <algorithm>

#include "../int8/gemm.h"
#include "dsx/conv.h"

namespace dsx {
namespace {

using int8::kKC;
using int8::kNR;

// Packs output pixels [p0, p0 + ncols) of group g; taps falling in the padding read the input zero point,
// which the folded -zp_in * sum(w) term then cancels exactly like a real zero.
void pack_conv_panel(const int8_t* image, const ConvDims& d, int64_t g, int8_t zp, int64_t p0, int ncols, int64_t kp,
                     int8_t* panel) {
    const Window& s = d.win;
    const int64_t oy = p0 / d.ow, ox = p0 % d.ow, iy0 = oy * s.sh - s.pt, ix0 = ox * s.sw - s.pl;
    // Common case: kNR pixels of one output row whose windows lie inside the image: no bounds checks,
    // the kNR values of one tap are a strided row read.
    if (ncols == kNR && ox + kNR <= d.ow && iy0 >= 0 && iy0 + (s.kh - 1) * s.dh < d.h && ix0 >= 0 &&
        ix0 + (kNR - 1) * s.sw + (s.kw - 1) * s.dw < d.w) {
        int64_t kk = 0;
        for (int64_t ci = 0; ci < d.cg(); ++ci) {
            const int8_t* src = image + ((g * d.cg() + ci) * d.h + iy0) * d.w + ix0;
            for (int ky = 0; ky < s.kh; ++ky)
                for (int kx = 0; kx < s.kw; ++kx, ++kk) {
                    const int8_t* x = src + ky * s.dh * d.w + kx * s.dw;
                    int8_t* dst = panel + kk / kKC * (kNR * kKC) + kk % kKC;
                    for (int j = 0; j < kNR; ++j) dst[j * kKC] = x[j * s.sw];
                }
        }
        for (; kk < kp; ++kk)
            for (int j = 0; j < kNR; ++j) panel[kk / kKC * (kNR * kKC) + j * kKC + kk % kKC] = 0;
        return;
    }
    for (int j = 0; j < ncols; ++j) {
        const int64_t oy = (p0 + j) / d.ow, ox = (p0 + j) % d.ow;
        const int64_t iy0 = oy * s.sh - s.pt, ix0 = ox * s.sw - s.pl;
        int8_t* col = panel + j * kKC;
        auto put = [&](int64_t kk, int8_t v) { col[kk / kKC * (kNR * kKC) + kk % kKC] = v; };
        int64_t kk = 0;
        for (int64_t ci = 0; ci < d.cg(); ++ci) {
            const int8_t* src = image + (g * d.cg() + ci) * d.h * d.w;
            for (int ky = 0; ky < s.kh; ++ky) {
                const int64_t iy = iy0 + ky * s.dh;
                const bool row_in = iy >= 0 && iy < d.h;
                for (int kx = 0; kx < s.kw; ++kx, ++kk) {
                    const int64_t ix = ix0 + kx * s.dw;
                    put(kk, row_in && ix >= 0 && ix < d.w ? src[iy * d.w + ix] : zp);
                }
            }
        }
        for (; kk < kp; ++kk) put(kk, 0);
    }
}

class ConvInt8Gemm final : public Kernel {
public:
    explicit ConvInt8Gemm(const NodeSpec& spec)
        : d_(conv_dims(spec)),
          zp_(static_cast<int8_t>(spec.inputs.at(0).quant.zero_point)),
          gemm_(int8::quantize_weights(spec, d_.oc, d_.k()), d_.groups) {}

    size_t weight_bytes() const override { return gemm_.weight_bytes(); }
    size_t workspace_bytes() const override { return static_cast<size_t>(panels()) * gemm_.b_panel_bytes(); }

    void run(const KernelArgs& args) override {
        const int8_t* in = static_cast<const int8_t*>(args.inputs[0]);
        int8_t* out = static_cast<int8_t*>(args.output);
        int8_t* ws = static_cast<int8_t*>(args.workspace);
        const int64_t pixels = d_.oh * d_.ow;
        for (int64_t n = 0; n < d_.n; ++n) {
            for (int64_t g = 0; g < d_.groups; ++g) {
                const int8_t* image = in + n * d_.c * d_.h * d_.w;
                int8_t* c = out + (n * d_.oc + g * d_.ocg()) * pixels;
                args.pool->parallel_for(panels(), args.threads, [&](int64_t begin, int64_t end) {
                    for (int64_t p = begin; p < end; ++p) {
                        int8_t* panel = ws + p * gemm_.b_panel_bytes();
                        const int ncols = static_cast<int>(std::min<int64_t>(kNR, pixels - p * kNR));
                        pack_conv_panel(image, d_, g, zp_, p * kNR, ncols, gemm_.kp(), panel);
                        for (int64_t rp = 0; rp < gemm_.row_panels(); ++rp)
                            gemm_.tile(g, rp, panel, ncols, c + p * kNR, pixels, 1);
                    }
                });
            }
        }
    }

private:
    int64_t panels() const { return (d_.oh * d_.ow + kNR - 1) / kNR; }

    ConvDims d_;
    int8_t zp_;
    int8::Int8Gemm gemm_;
};

const RegisterPrimitive kConvInt8Gemm({
    .primitive = "int8_gemm_neon",
    .library = "",
    .op = Op::Conv,
    .layouts = {Layout::NCHW},
    .precisions = {Precision::INT8},
    .threaded = true,
    .admits = [](const NodeSpec& spec) { return int8::check_k("int8_gemm_neon", conv_dims(spec).k()); },
    .create = create_kernel<ConvInt8Gemm>,
});

}  // namespace
}  // namespace dsx
