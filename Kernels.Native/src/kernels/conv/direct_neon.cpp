// Direct convolution with NEON, FP32, no im2col buffer.
// NCHW: depthwise 3x3 stride 1 or 2, vectorised along the output row (threads over images x channels).
// NHWC: depthwise with any window, vectorised over channels; groups == 1 with any window, vectorised over
// output channels, weights packed as [kh][kw][ic][oc rounded up to 4] (threads over images x output rows).
#include <algorithm>
#include <cstring>
#include <utility>
#include <vector>

#include "dsx/conv.h"
#include "dsx/neon.h"

namespace dsx {
namespace {

int64_t round_up4(int64_t x) { return (x + 3) / 4 * 4; }

// Channel tails: never read or write past the last channel of the tensor.
float32x4_t load_partial(const float* p, int64_t n) {
    float t[4] = {};
    std::memcpy(t, p, sizeof(float) * n);
    return vld1q_f32(t);
}

void store_partial(float* p, float32x4_t v, int64_t n) {
    float t[4];
    vst1q_f32(t, v);
    std::memcpy(p, t, sizeof(float) * n);
}

std::string admits(const NodeSpec& spec) {
    const TensorDesc& in = spec.inputs.at(0);
    const ConvDims d = conv_dims(spec);
    const Window& w = spec.window;
    if (in.precision != Precision::FP32) return "direct_neon needs FP32";
    if (in.layout == Layout::NHWC) {
        if (spec.groups == 1 || d.depthwise()) return {};
        return "direct_neon handles groups == 1 or depthwise convolutions, got groups=" + std::to_string(spec.groups) + " for " +
               std::to_string(d.c) + "->" + std::to_string(d.oc) + " channels";
    }
    if (in.layout != Layout::NCHW) return "direct_neon needs NCHW or NHWC";
    bool stride12 = (w.sh == 1 || w.sh == 2) && (w.sw == 1 || w.sw == 2);
    if (!d.depthwise() || w.kh != 3 || w.kw != 3 || w.dh != 1 || w.dw != 1 || !stride12)
        return "direct_neon in NCHW handles only depthwise 3x3 convolutions with stride 1 or 2 (NHWC takes any)";
    return {};
}

class DirectNeon final : public Kernel {
public:
    explicit DirectNeon(const NodeSpec& spec)
        : d_(conv_dims(spec)), epilogue_(spec.epilogue), nhwc_(spec.inputs.at(0).layout == Layout::NHWC),
          oc4_(round_up4(d_.oc)) {
        const int64_t taps = d_.win.kh * d_.win.kw;
        if (!nhwc_) {
            weights_.assign(spec.weight, spec.weight + d_.c * taps);
        } else if (d_.depthwise()) {
            weights_.assign(static_cast<size_t>(taps * oc4_), 0.0f);
            for (int64_t c = 0; c < d_.c; ++c)
                for (int64_t t = 0; t < taps; ++t) weights_[static_cast<size_t>(t * oc4_ + c)] = spec.weight[c * taps + t];
        } else {
            weights_.assign(static_cast<size_t>(taps * d_.c * oc4_), 0.0f);
            for (int64_t o = 0; o < d_.oc; ++o)
                for (int64_t c = 0; c < d_.c; ++c)
                    for (int64_t t = 0; t < taps; ++t)
                        weights_[static_cast<size_t>((t * d_.c + c) * oc4_ + o)] = spec.weight[(o * d_.c + c) * taps + t];
            zeros_.assign(static_cast<size_t>(d_.c), 0.0f);
        }
        bias_.assign(static_cast<size_t>(oc4_), 0.0f);
        if (spec.bias) std::copy(spec.bias, spec.bias + d_.oc, bias_.begin());
    }

    size_t weight_bytes() const override { return (weights_.size() + bias_.size()) * sizeof(float); }

    void run(const KernelArgs& args) override {
        const float* in = static_cast<const float*>(args.inputs[0]);
        float* out = static_cast<float*>(args.output);
        if (!nhwc_) {
            args.pool->parallel_for(d_.n * d_.c, args.threads, [&](int64_t begin, int64_t end) {
                for (int64_t i = begin; i < end; ++i) {
                    const float* src = in + i * d_.h * d_.w;
                    float* dst = out + i * d_.oh * d_.ow;
                    const int64_t c = i % d_.c;
                    if (d_.win.sw == 1) depthwise_nchw<1>(src, dst, weights_.data() + c * 9, bias_[c]);
                    else depthwise_nchw<2>(src, dst, weights_.data() + c * 9, bias_[c]);
                }
            });
            return;
        }
        args.pool->parallel_for(d_.n * d_.oh, args.threads, [&](int64_t begin, int64_t end) {
            for (int64_t i = begin; i < end; ++i) {
                const float* image = in + i / d_.oh * d_.h * d_.w * d_.c;
                float* row = out + i * d_.ow * d_.oc;
                if (d_.depthwise()) depthwise_nhwc_row(image, i % d_.oh, row);
                else general_nhwc_row(image, i % d_.oh, row);
            }
        });
    }

private:
    float32x4_t clamp(float32x4_t v) const {
        return vminq_f32(vmaxq_f32(v, vdupq_n_f32(epilogue_.lo)), vdupq_n_f32(epilogue_.hi));
    }

    // One channel plane, 3x3 window. Four outputs at a time where the whole vector window is inside the
    // row; the padded borders and the row tail take the scalar path.
    template <int SW>
    void depthwise_nchw(const float* src, float* dst, const float* w, float bias) const {
        const Window& s = d_.win;
        // Input columns a vector at ox reads from ox * SW - pl on (vld2q_f32 at +2 reads 8 for stride 2).
        constexpr int64_t kReach = SW == 1 ? 6 : 10;
        for (int64_t oy = 0; oy < d_.oh; ++oy) {
            const float* rows[3];
            for (int ky = 0; ky < 3; ++ky) {
                int64_t iy = oy * s.sh - s.pt + ky;
                rows[ky] = iy >= 0 && iy < d_.h ? src + iy * d_.w : nullptr;
            }
            float* out = dst + oy * d_.ow;
            auto scalar = [&](int64_t ox) {
                float acc = bias;
                for (int ky = 0; ky < 3; ++ky) {
                    if (!rows[ky]) continue;
                    for (int kx = 0; kx < 3; ++kx) {
                        int64_t ix = ox * SW - s.pl + kx;
                        if (ix >= 0 && ix < d_.w) acc += rows[ky][ix] * w[ky * 3 + kx];
                    }
                }
                out[ox] = epilogue_.apply(acc);
            };
            int64_t ox = 0;
            for (; ox < d_.ow && ox * SW < s.pl; ++ox) scalar(ox);
            for (; ox + 4 <= d_.ow && ox * SW - s.pl + kReach <= d_.w; ox += 4) {
                float32x4_t acc = vdupq_n_f32(bias);
                for (int ky = 0; ky < 3; ++ky) {
                    if (!rows[ky]) continue;
                    const float* r = rows[ky] + ox * SW - s.pl;
                    const float* wk = w + ky * 3;
                    if constexpr (SW == 1) {
                        acc = vfmaq_n_f32(acc, vld1q_f32(r), wk[0]);
                        acc = vfmaq_n_f32(acc, vld1q_f32(r + 1), wk[1]);
                        acc = vfmaq_n_f32(acc, vld1q_f32(r + 2), wk[2]);
                    } else {
                        float32x4x2_t even_odd = vld2q_f32(r);
                        acc = vfmaq_n_f32(acc, even_odd.val[0], wk[0]);
                        acc = vfmaq_n_f32(acc, even_odd.val[1], wk[1]);
                        acc = vfmaq_n_f32(acc, vld2q_f32(r + 2).val[0], wk[2]);
                    }
                }
                vst1q_f32(out + ox, clamp(acc));
            }
            for (; ox < d_.ow; ++ox) scalar(ox);
        }
    }

    // First and one-past-last window index whose input coordinate (o * stride - pad + k * dilation) is inside.
    static std::pair<int, int> inside(int64_t o, int stride, int pad, int dilation, int taps, int64_t size) {
        const int64_t start = o * stride - pad;
        int lo = 0, hi = taps;
        while (lo < taps && start + lo * dilation < 0) ++lo;
        while (hi > lo && start + (hi - 1) * dilation >= size) --hi;
        return {lo, hi};
    }

    // One output row of a depthwise conv in NHWC: each pixel, 4 channels at a time, over the window.
    void depthwise_nhwc_row(const float* image, int64_t oy, float* row) const {
        const Window& s = d_.win;
        const int64_t c_all = d_.c;
        const auto [ky0, ky1] = inside(oy, s.sh, s.pt, s.dh, s.kh, d_.h);
        for (int64_t ox = 0; ox < d_.ow; ++ox) {
            const auto [kx0, kx1] = inside(ox, s.sw, s.pl, s.dw, s.kw, d_.w);
            float* dst = row + ox * c_all;
            for (int64_t c = 0; c < c_all; c += 4) {
                const int64_t n = std::min<int64_t>(4, c_all - c);
                float32x4_t acc = vld1q_f32(bias_.data() + c);
                for (int ky = ky0; ky < ky1; ++ky) {
                    // May be negative (left padding); every index actually read is inside.
                    const int64_t base = ((oy * s.sh - s.pt + ky * s.dh) * d_.w + ox * s.sw - s.pl) * c_all + c;
                    const float* w = weights_.data() + ky * s.kw * oc4_ + c;
                    for (int kx = kx0; kx < kx1; ++kx) {
                        const float* xk = image + base + kx * s.dw * c_all;
                        const float32x4_t xv = n == 4 ? vld1q_f32(xk) : load_partial(xk, n);
                        acc = vfmaq_f32(acc, xv, vld1q_f32(w + kx * oc4_));
                    }
                }
                if (n == 4) vst1q_f32(dst + c, clamp(acc));
                else store_partial(dst + c, clamp(acc), n);
            }
        }
    }

    // One output row of a groups == 1 conv in NHWC: tiles of 4 pixels x 16 output channels.
    void general_nhwc_row(const float* image, int64_t oy, float* row) const {
        using Block = void (DirectNeon::*)(const float*, int64_t, int64_t, int64_t, float*) const;
        static constexpr Block kBlocks[4] = {&DirectNeon::general_block<1>, &DirectNeon::general_block<2>,
                                             &DirectNeon::general_block<3>, &DirectNeon::general_block<4>};
        for (int64_t ox = 0; ox < d_.ow; ox += 4)
            for (int64_t oc = 0; oc < oc4_; oc += 16) (this->*kBlocks[std::min<int64_t>(4, (oc4_ - oc) / 4) - 1])(image, oy, ox, oc, row);
    }

    // Pixels ox..ox+3 of row oy, output channels oc..oc+4*NB. Pixels past the row and padded taps read a
    // zero vector, so the inner loop has no branches.
    template <int NB>
    void general_block(const float* image, int64_t oy, int64_t ox, int64_t oc, float* row) const {
        const Window& s = d_.win;
        const int64_t ic = d_.c;
        float32x4_t acc[4][NB];
        for (int j = 0; j < NB; ++j) {
            const float32x4_t b = vld1q_f32(bias_.data() + oc + 4 * j);
            for (int p = 0; p < 4; ++p) acc[p][j] = b;
        }
        for (int ky = 0; ky < s.kh; ++ky) {
            const int64_t iy = oy * s.sh - s.pt + ky * s.dh;
            if (iy < 0 || iy >= d_.h) continue;
            for (int kx = 0; kx < s.kw; ++kx) {
                const float* src[4];
                bool any = false;
                for (int p = 0; p < 4; ++p) {
                    const int64_t ix = (ox + p) * s.sw - s.pl + kx * s.dw;
                    const bool inside = ox + p < d_.ow && ix >= 0 && ix < d_.w;
                    src[p] = inside ? image + (iy * d_.w + ix) * ic : zeros_.data();
                    any |= inside;
                }
                if (!any) continue;
                const float* w = weights_.data() + (ky * s.kw + kx) * ic * oc4_ + oc;
                for (int64_t c = 0; c < ic; ++c) {
                    float32x4_t wv[NB];
                    for (int j = 0; j < NB; ++j) wv[j] = vld1q_f32(w + c * oc4_ + 4 * j);
                    for (int p = 0; p < 4; ++p) {
                        const float x = src[p][c];
                        for (int j = 0; j < NB; ++j) acc[p][j] = vfmaq_n_f32(acc[p][j], wv[j], x);
                    }
                }
            }
        }
        for (int64_t p = 0; p < 4 && ox + p < d_.ow; ++p) {
            float* dst = row + (ox + p) * d_.oc;
            for (int j = 0; j < NB; ++j) {
                const int64_t o = oc + 4 * j;
                if (o + 4 <= d_.oc) vst1q_f32(dst + o, clamp(acc[p][j]));
                else if (o < d_.oc) store_partial(dst + o, clamp(acc[p][j]), d_.oc - o);
            }
        }
    }

    ConvDims d_;
    Epilogue epilogue_;
    bool nhwc_;
    int64_t oc4_;
    std::vector<float> weights_, bias_, zeros_;
};

const RegisterPrimitive kDirectNeon({
    .primitive = "direct_neon",
    .library = "",
    .op = Op::Conv,
    .layouts = {Layout::NCHW, Layout::NHWC},
    .precisions = {Precision::FP32},
    .threaded = true,
    .admits = admits,
    .create = create_kernel<DirectNeon>,
});

}  // namespace
}  // namespace dsx
