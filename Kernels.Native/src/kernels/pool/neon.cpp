// NEON MaxPool, AveragePool and GlobalAveragePool, FP32 and INT8.
// NCHW: a vector of neighbouring outputs of a row at once (stride 1: plain loads, stride 2: de-interleaving
// loads) wherever their windows lie inside the input; borders and other strides take the scalar reduction.
// NHWC: channels are contiguous, so every output point reduces several vectors of channels per step.
// One loop structure serves both precisions through a lane policy: FP32 takes 4 lanes per vector; INT8
// takes 8 (max in int8, sums in int16, then requantised in float to the output's quantisation).
#include "../int8/quant.h"
#include "dsx/neon.h"
#include "pool.h"

#include <cmath>

namespace dsx {
namespace {

using namespace pool;

template <bool kMax>
struct Fp32Lanes {
    using T = float;
    using Acc = float32x4_t;
    static constexpr int kLanes = 4;

    explicit Fp32Lanes(const NodeSpec&) {}

    Acc init() const { return vdupq_n_f32(kMax ? -std::numeric_limits<float>::infinity() : 0.0f); }

    // Adds the 4 outputs' inputs at p, p + s, p + 2s, p + 3s for a horizontal stride s of 1 or 2.
    template <int kStride>
    Acc add(Acc acc, const float* p) const {
        const float32x4_t v = kStride == 2 ? vld2q_f32(p).val[0] : vld1q_f32(p);
        return kMax ? vmaxq_f32(acc, v) : vaddq_f32(acc, v);
    }

    // `taps` of the window lie in the input; an average divides by `divisor`.
    void store(Acc acc, float* dst, int taps, int divisor) const {
        vst1q_f32(dst, kMax ? acc : vmulq_n_f32(acc, 1.0f / static_cast<float>(divisor)));
    }

    float point(const Geometry& g, const float* base, int64_t ys, int64_t xs, int64_t oy, int64_t ox) const {
        return pool_point(g, base, ys, xs, oy, ox);
    }

    float global(const float* src, int64_t n) const {
        float32x4_t acc = vdupq_n_f32(0.0f);
        int64_t i = 0;
        for (; i + 4 <= n; i += 4) acc = vaddq_f32(acc, vld1q_f32(src + i));
        float sum = vaddvq_f32(acc);
        for (; i < n; ++i) sum += src[i];
        return sum / static_cast<float>(n);
    }
};

// An int32 sum of `taps` int8 inputs as the output's int8 value: (sum - taps * zp_in) * s_in / (divisor * s_out),
// rounded to nearest even, plus zp_out, saturated. The vector and scalar forms compute the same floats.
struct Requant {
    float ratio;  // s_in / s_out
    int32_t zp_in, zp_out;

    explicit Requant(const NodeSpec& spec)
        : ratio(spec.inputs[0].quant.scale / spec.output.quant.scale), zp_in(spec.inputs[0].quant.zero_point), zp_out(spec.output.quant.zero_point) {}

    int32x4_t apply(int32x4_t sum, int taps, int divisor) const {
        const float32x4_t v = vmulq_n_f32(vcvtq_f32_s32(vsubq_s32(sum, vdupq_n_s32(taps * zp_in))), ratio / static_cast<float>(divisor));
        const float32x4_t q = vaddq_f32(vrndnq_f32(v), vdupq_n_f32(static_cast<float>(zp_out)));
        return vcvtq_s32_f32(vminq_f32(vmaxq_f32(q, vdupq_n_f32(-128.0f)), vdupq_n_f32(127.0f)));
    }

    int8_t apply(int32_t sum, int taps, int divisor) const {
        const float v = static_cast<float>(sum - taps * zp_in) * (ratio / static_cast<float>(divisor));
        return static_cast<int8_t>(std::clamp(std::nearbyint(v) + static_cast<float>(zp_out), -128.0f, 127.0f));
    }

    int8x8_t apply(int32x4_t lo, int32x4_t hi, int taps, int divisor) const { return int8::narrow(apply(lo, taps, divisor), apply(hi, taps, divisor)); }
};

// 8 int8 outputs' inputs at p, p + s, ..., p + 7s for a horizontal stride s of 1 or 2.
template <int kStride>
inline int8x8_t load8(const int8_t* p) {
    if constexpr (kStride == 2) return vld2_s8(p).val[0];
    else return vld1_s8(p);
}

// The maximum of int8 values is the int8 of the maximum (quantisation is monotonic), so it is exact; it is
// requantised only when the output's quantisation differs from the input's (the executor's calibration
// gives a MaxPool its input's, so in a plan it never is).
struct Int8MaxLanes {
    using T = int8_t;
    using Acc = int8x8_t;
    static constexpr int kLanes = 8;

    Requant requant;
    bool same;

    explicit Int8MaxLanes(const NodeSpec& spec)
        : requant(spec),
          same(spec.inputs[0].quant.scale == spec.output.quant.scale && spec.inputs[0].quant.zero_point == spec.output.quant.zero_point) {}

    Acc init() const { return vdup_n_s8(-128); }

    template <int kStride>
    Acc add(Acc acc, const int8_t* p) const { return vmax_s8(acc, load8<kStride>(p)); }

    void store(Acc acc, int8_t* dst, int, int) const {
        if (same) {
            vst1_s8(dst, acc);
            return;
        }
        const int16x8_t wide = vmovl_s8(acc);
        vst1_s8(dst, requant.apply(vmovl_s16(vget_low_s16(wide)), vmovl_s16(vget_high_s16(wide)), 1, 1));
    }

    int8_t point(const Geometry& g, const int8_t* base, int64_t ys, int64_t xs, int64_t oy, int64_t ox) const {
        int8_t m = -128;
        for_each_tap(g, base, ys, xs, oy, ox, g.y(oy), g.x(ox), [&](int8_t v) { m = std::max(m, v); });
        return same ? m : requant.apply(int32_t{m}, 1, 1);
    }
};

// Sums of up to kMaxInt16Taps int8 values fit int16 (256 * -128 = -32768), so a window sums with one widening
// add per vector and is widened to int32 only to requantise; `admits` refuses larger INT8 windows.
constexpr int64_t kMaxInt16Taps = 256;

struct Int8AverageLanes {
    using T = int8_t;
    using Acc = int16x8_t;
    static constexpr int kLanes = 8;

    Requant requant;

    explicit Int8AverageLanes(const NodeSpec& spec) : requant(spec) {}

    Acc init() const { return vdupq_n_s16(0); }

    template <int kStride>
    Acc add(Acc acc, const int8_t* p) const { return vaddw_s8(acc, load8<kStride>(p)); }

    void store(Acc acc, int8_t* dst, int taps, int divisor) const {
        vst1_s8(dst, requant.apply(vmovl_s16(vget_low_s16(acc)), vmovl_s16(vget_high_s16(acc)), taps, divisor));
    }

    int8_t point(const Geometry& g, const int8_t* base, int64_t ys, int64_t xs, int64_t oy, int64_t ox) const {
        const Axis ay = g.y(oy), ax = g.x(ox);
        int32_t sum = 0;
        for_each_tap(g, base, ys, xs, oy, ox, ay, ax, [&](int8_t v) { sum += v; });
        return requant.apply(sum, ay.in.count() * ax.in.count(), ay.divisor * ax.divisor);
    }

    int8_t global(const int8_t* src, int64_t n) const {
        int32x4_t acc = vdupq_n_s32(0);
        int64_t i = 0;
        for (; i + 16 <= n; i += 16) acc = vpadalq_s16(acc, vpaddlq_s8(vld1q_s8(src + i)));
        int32_t sum = vaddvq_s32(acc);
        for (; i < n; ++i) sum += src[i];
        return requant.apply(sum, static_cast<int>(n), static_cast<int>(n));
    }
};

// One NCHW plane. kStride 0 means no vector path (horizontal stride other than 1 or 2).
template <class L, int kStride>
void pool_plane(const L& lanes, const Geometry& g, const typename L::T* src, typename L::T* dst, int64_t OH, int64_t OW) {
    constexpr int kLanes = L::kLanes;
    const Window& win = g.win;
    const int64_t W = g.w;
    // A vector of outputs ox..ox+kLanes-1 needs every element it loads in the row (stride 2 loads 2 * kLanes
    // elements, one past the last tap): ox from `first` (windows start inside the row) to `last`. The last
    // vector starts at `last` and may overlap the one before, so a short row is not left to the scalar path.
    const int64_t reach = int64_t{win.kw - 1} * win.dw + (kStride == 2 ? 2 * kLanes - 1 : (kLanes - 1) * kStride);
    const int64_t first = (win.pl + win.sw - 1) / win.sw, room = W - 1 - reach + win.pl;
    const int64_t last = room < 0 ? -1 : std::min(OW - kLanes, room / win.sw);
    const bool vectors = kStride != 0 && first <= last;
    for (int64_t oy = 0; oy < OH; ++oy) {
        const Axis ay = g.y(oy);
        auto* out = dst + oy * OW;
        int64_t ox = 0;
        for (; ox < (vectors ? first : OW); ++ox) out[ox] = lanes.point(g, src, W, 1, oy, ox);
        if constexpr (kStride != 0) {
            if (!vectors) continue;
            for (int64_t at = first;; at = std::min(at + kLanes, last)) {
                typename L::Acc acc = lanes.init();
                for (int ky = ay.in.begin; ky < ay.in.end; ++ky) {
                    const auto* row = src + (oy * win.sh - win.pt + int64_t{ky} * win.dh) * W + at * win.sw - win.pl;
                    for (int kx = 0; kx < win.kw; ++kx) acc = lanes.template add<kStride>(acc, row + int64_t{kx} * win.dw);
                }
                lanes.store(acc, out + at, ay.in.count() * win.kw, ay.divisor * win.kw);
                if (at == last) break;
            }
            for (ox = last + kLanes; ox < OW; ++ox) out[ox] = lanes.point(g, src, W, 1, oy, ox);
        }
    }
}

// Channels [0, kLanes * kVectors) of NHWC output point (oy, ox); `base` points at channel 0 of pixel (0, 0).
template <class L, int kVectors>
inline void pool_channels(const L& lanes, const Geometry& g, const typename L::T* base, int64_t C, int64_t oy, int64_t ox, typename L::T* dst) {
    const Window& win = g.win;
    const Axis ay = g.y(oy), ax = g.x(ox);
    typename L::Acc acc[kVectors];
    for (int v = 0; v < kVectors; ++v) acc[v] = lanes.init();
    for (int ky = ay.in.begin; ky < ay.in.end; ++ky) {
        const int64_t iy = oy * win.sh - win.pt + int64_t{ky} * win.dh;
        for (int kx = ax.in.begin; kx < ax.in.end; ++kx) {
            const int64_t ix = ox * win.sw - win.pl + int64_t{kx} * win.dw;
            const auto* p = base + (iy * g.w + ix) * C;
            for (int v = 0; v < kVectors; ++v) acc[v] = lanes.template add<1>(acc[v], p + L::kLanes * v);
        }
    }
    for (int v = 0; v < kVectors; ++v) lanes.store(acc[v], dst + L::kLanes * v, ay.in.count() * ax.in.count(), ay.divisor * ax.divisor);
}

class PoolNeon final : public Kernel {
public:
    explicit PoolNeon(const NodeSpec& spec) : spec_(spec), g_(geometry_of(spec)) {}

    void run(const KernelArgs& args) override {
        if (spec_.output.precision == Precision::INT8) run_with<Int8MaxLanes, Int8AverageLanes>(args);
        else run_with<Fp32Lanes<true>, Fp32Lanes<false>>(args);
    }

private:
    template <class Max, class Average>
    void run_with(const KernelArgs& args) const {
        if (spec_.output.layout == Layout::NHWC) {
            if (g_.max) run_nhwc<Max>(args);
            else run_nhwc<Average>(args);
        } else if (spec_.op == Op::GlobalAveragePool) {
            run_global_nchw<Average>(args);
        } else {
            switch ((g_.max ? 3 : 0) + (g_.win.sw <= 2 ? g_.win.sw : 0)) {
                case 0: run_nchw<Average, 0>(args); break;
                case 1: run_nchw<Average, 1>(args); break;
                case 2: run_nchw<Average, 2>(args); break;
                case 3: run_nchw<Max, 0>(args); break;
                case 4: run_nchw<Max, 1>(args); break;
                default: run_nchw<Max, 2>(args); break;
            }
        }
    }

    template <class L, int kStride>
    void run_nchw(const KernelArgs& args) const {
        const L lanes(spec_);
        const auto* x = static_cast<const typename L::T*>(args.inputs[0]);
        auto* y = static_cast<typename L::T*>(args.output);
        const TensorDesc& out = spec_.output;
        const int64_t OH = out.h(), OW = out.w(), plane = g_.h * g_.w;
        args.pool->parallel_for(out.n() * out.c(), args.threads, [&](int64_t begin, int64_t end) {
            for (int64_t p = begin; p < end; ++p) pool_plane<L, kStride>(lanes, g_, x + p * plane, y + p * OH * OW, OH, OW);
        });
    }

    template <class L>
    void run_global_nchw(const KernelArgs& args) const {
        const L lanes(spec_);
        const auto* x = static_cast<const typename L::T*>(args.inputs[0]);
        auto* y = static_cast<typename L::T*>(args.output);
        const int64_t plane = g_.h * g_.w;
        args.pool->parallel_for(spec_.output.n() * spec_.output.c(), args.threads, [&](int64_t begin, int64_t end) {
            for (int64_t p = begin; p < end; ++p) y[p] = lanes.global(x + p * plane, plane);
        });
    }

    // Work items are (output point, block of up to kChunk channels), so a global pool over many channels
    // still spreads over the threads.
    template <class L>
    void run_nhwc(const KernelArgs& args) const {
        constexpr int64_t kChunk = 64, kWide = 4 * L::kLanes;
        static_assert(kChunk % kWide == 0);
        const L lanes(spec_);
        const auto* x = static_cast<const typename L::T*>(args.inputs[0]);
        auto* y = static_cast<typename L::T*>(args.output);
        const TensorDesc& out = spec_.output;
        const int64_t C = out.c(), OH = out.h(), OW = out.w(), chunks = (C + kChunk - 1) / kChunk;
        args.pool->parallel_for(out.n() * OH * OW * chunks, args.threads, [&](int64_t begin, int64_t end) {
            for (int64_t item = begin; item < end; ++item) {
                const int64_t point = item / chunks, c_end = std::min(C, (item % chunks + 1) * kChunk);
                const int64_t n = point / (OH * OW), oy = point / OW % OH, ox = point % OW;
                const auto* base = x + n * g_.h * g_.w * C;
                auto* dst = y + point * C;
                int64_t c = item % chunks * kChunk;
                for (; c + kWide <= c_end; c += kWide) pool_channels<L, 4>(lanes, g_, base + c, C, oy, ox, dst + c);
                for (; c + L::kLanes <= c_end; c += L::kLanes) pool_channels<L, 1>(lanes, g_, base + c, C, oy, ox, dst + c);
                for (; c < c_end; ++c) dst[c] = lanes.point(g_, base + c, g_.w * C, C, oy, ox);
            }
        });
    }

    NodeSpec spec_;
    Geometry g_;
};

std::string neon_problem(const NodeSpec& spec) {
    std::string why = pool_problem(spec);
    const Window w = why.empty() ? window_of(spec) : Window{};
    if (why.empty() && spec.output.precision == Precision::INT8 && spec.op != Op::MaxPool && int64_t{w.kh} * w.kw > kMaxInt16Taps)
        why = "neon sums INT8 averages in int16: at most " + std::to_string(kMaxInt16Taps) + " taps per window";
    return why;
}

const RegisterPrimitive kMaxPool(make_impl<PoolNeon>("neon", Op::MaxPool, neon_problem));
const RegisterPrimitive kAveragePool(make_impl<PoolNeon>("neon", Op::AveragePool, neon_problem));
const RegisterPrimitive kGlobalAveragePool(make_impl<PoolNeon>("neon", Op::GlobalAveragePool, neon_problem));

}  // namespace
}  // namespace dsx
