// Int8 depthwise 3x3 convolution, stride 1 or 2, direct: each channel's plane is copied once into a
// border of the input zero point (so the folded -zp_in * sum(w) cancels padding exactly), then eight
// output pixels of a row are computed at a time, the nine taps paired into int16 and widened into int32.
#include <algorithm>
#include <cstring>

#include "../int8/quant.h"
#include "dsx/conv.h"

namespace dsx {
namespace {

constexpr int kLanes = 8;

// Geometry of the zero-point-padded copy of one channel: big enough for every (vector) read.
struct PaddedPlane {
    int64_t rows, cols;
    explicit PaddedPlane(const ConvDims& d)
        : rows(std::max(d.win.pt + d.h, (d.oh - 1) * d.win.sh + 3)),
          // Eight outputs read s * 8 + 2 columns from s * ox0 (vld2_s8 reads 16 bytes for stride 2).
          cols(std::max(d.win.pl + d.w, int8::round_up(d.ow, kLanes) * d.win.sw + 2)) {}
    int64_t bytes() const { return rows * cols; }
};

// Eight int8 taps for consecutive outputs: x[s * j + kx], j = 0..7.
template <int S>
int8x8_t load_taps(const int8_t* p) {
    if constexpr (S == 1) return vld1_s8(p);
    else return vld2_s8(p).val[0];
}

template <int S>
void conv_plane(const int8_t* src, const PaddedPlane& pp, const ConvDims& d, const int8_t* wq, const int8::QuantizedWeights& w,
                int64_t ch, int8_t* dst) {
    int8x8_t wv[9];
    for (int t = 0; t < 9; ++t) wv[t] = vdup_n_s8(wq[t]);
    for (int64_t oy = 0; oy < d.oh; ++oy) {
        const int8_t* row = src + oy * S * pp.cols;
        for (int64_t ox = 0; ox < d.ow; ox += kLanes) {
            const int8_t* base = row + ox * S;
            auto tap = [&](int t) { return load_taps<S>(base + (t / 3) * pp.cols + t % 3); };
            int32x4_t lo = vdupq_n_s32(0), hi = vdupq_n_s32(0);
            for (int t = 0; t < 9; t += 2) {
                // At most two products (|w| <= 127) per int16 lane before widening.
                int16x8_t p = vmull_s8(tap(t), wv[t]);
                if (t + 1 < 9) p = vmlal_s8(p, tap(t + 1), wv[t + 1]);
                lo = vaddw_s16(lo, vget_low_s16(p));
                hi = vaddw_s16(hi, vget_high_s16(p));
            }
            const int8x8_t q = int8::narrow(int8::requantize(lo, w, ch), int8::requantize(hi, w, ch));
            int8_t* out = dst + oy * d.ow + ox;
            if (ox + kLanes <= d.ow) {
                vst1_s8(out, q);
            } else {
                int8_t tmp[kLanes];
                vst1_s8(tmp, q);
                std::memcpy(out, tmp, static_cast<size_t>(d.ow - ox));
            }
        }
    }
}

class ConvInt8Direct final : public Kernel {
public:
    explicit ConvInt8Direct(const NodeSpec& spec)
        : d_(conv_dims(spec)),
          pp_(d_),
          zp_(static_cast<int8_t>(spec.inputs.at(0).quant.zero_point)),
          w_(int8::quantize_weights(spec, d_.c, 9)) {}

    size_t weight_bytes() const override { return w_.bytes(); }
    size_t workspace_bytes() const override { return static_cast<size_t>(d_.n * d_.c * pp_.bytes()); }

    void run(const KernelArgs& args) override {
        const int8_t* in = static_cast<const int8_t*>(args.inputs[0]);
        int8_t* out = static_cast<int8_t*>(args.output);
        int8_t* ws = static_cast<int8_t*>(args.workspace);
        args.pool->parallel_for(d_.n * d_.c, args.threads, [&](int64_t begin, int64_t end) {
            for (int64_t i = begin; i < end; ++i) {
                const int64_t ch = i % d_.c;
                int8_t* plane = ws + i * pp_.bytes();
                std::memset(plane, zp_, static_cast<size_t>(pp_.bytes()));
                for (int64_t y = 0; y < d_.h; ++y)
                    std::memcpy(plane + (d_.win.pt + y) * pp_.cols + d_.win.pl, in + (i * d_.h + y) * d_.w, static_cast<size_t>(d_.w));
                int8_t* dst = out + i * d_.oh * d_.ow;
                if (d_.win.sh == 1) conv_plane<1>(plane, pp_, d_, w_.q.data() + ch * 9, w_, ch, dst);
                else conv_plane<2>(plane, pp_, d_, w_.q.data() + ch * 9, w_, ch, dst);
            }
        });
    }

private:
    ConvDims d_;
    PaddedPlane pp_;
    int8_t zp_;
    int8::QuantizedWeights w_;
};

std::string admits(const NodeSpec& spec) {
    const ConvDims d = conv_dims(spec);
    const Window& s = d.win;
    if (!d.depthwise()) return "int8_direct_neon needs a depthwise convolution (groups == channels == outputs)";
    if (s.kh != 3 || s.kw != 3) return "int8_direct_neon needs a 3x3 window, got " + std::to_string(s.kh) + "x" + std::to_string(s.kw);
    if (s.sh != s.sw || (s.sh != 1 && s.sh != 2)) return "int8_direct_neon needs stride 1 or 2 in both directions";
    if (s.dh != 1 || s.dw != 1) return "int8_direct_neon needs no dilation";
    return {};
}

const RegisterPrimitive kConvInt8Direct({
    .primitive = "int8_direct_neon",
    .library = "",
    .op = Op::Conv,
    .layouts = {Layout::NCHW},
    .precisions = {Precision::INT8},
    .threaded = true,
    .admits = admits,
    .create = create_kernel<ConvInt8Direct>,
});

}  // namespace
}  // namespace dsx
