// NEON MaxPool, AveragePool and GlobalAveragePool.
// NCHW: 4 neighbouring outputs of a row at once (stride 1: plain loads, stride 2: de-interleaving loads)
// wherever their windows lie inside the input; borders and other strides take the scalar reduction.
// NHWC: channels are contiguous, so every output point reduces 16 or 4 channels per step.
#include "dsx/neon.h"
#include "pool.h"

namespace dsx {
namespace {

using namespace pool;

template <bool kMax>
inline float32x4_t reduce4(float32x4_t acc, float32x4_t v) {
    return kMax ? vmaxq_f32(acc, v) : vaddq_f32(acc, v);
}

template <bool kMax>
inline float32x4_t init4() {
    return vdupq_n_f32(kMax ? -std::numeric_limits<float>::infinity() : 0.0f);
}

template <bool kMax>
inline float32x4_t finish4(float32x4_t acc, int divisor) {
    return kMax ? acc : vmulq_n_f32(acc, 1.0f / static_cast<float>(divisor));
}

// Reads 4 consecutive outputs' inputs at p, p + s, p + 2s, p + 3s for a horizontal stride s of 1 or 2.
template <int kStride>
inline float32x4_t load_strided(const float* p) {
    if constexpr (kStride == 1) return vld1q_f32(p);
    else return vld2q_f32(p).val[0];
}

// One NCHW plane. kStride 0 means no vector path (horizontal stride other than 1 or 2).
template <bool kMax, int kStride>
void pool_plane(const Geometry& g, const float* src, float* dst, int64_t OH, int64_t OW) {
    const Window& win = g.win;
    const int64_t W = g.w;
    // Output columns ox..ox+3 take the vector path when every tap they read lies in the row
    // (stride 2 loads 8 floats, one past the last tap).
    const int64_t reach = int64_t{win.kw - 1} * win.dw + (kStride == 2 ? 7 : 3 * kStride);
    auto vector_ok = [&](int64_t ox) {
        const int64_t ix = ox * win.sw - win.pl;
        return kStride != 0 && ox + 4 <= OW && ix >= 0 && ix + reach < W;
    };
    for (int64_t oy = 0; oy < OH; ++oy) {
        const Axis ay = g.y(oy);
        const int64_t iy0 = oy * win.sh - win.pt;
        float* out = dst + oy * OW;
        for (int64_t ox = 0; ox < OW;) {
            if (!vector_ok(ox)) {
                out[ox] = pool_point(g, src, W, 1, oy, ox);
                ++ox;
                continue;
            }
            if constexpr (kStride != 0) {
                float32x4_t acc = init4<kMax>();
                for (int ky = ay.in.begin; ky < ay.in.end; ++ky) {
                    const float* row = src + (iy0 + int64_t{ky} * win.dh) * W + ox * win.sw - win.pl;
                    for (int kx = 0; kx < win.kw; ++kx) acc = reduce4<kMax>(acc, load_strided<kStride>(row + int64_t{kx} * win.dw));
                }
                vst1q_f32(out + ox, finish4<kMax>(acc, ay.divisor * win.kw));
            }
            ox += 4;
        }
    }
}

// Channels [0, 4 * kVectors) of NHWC output point (oy, ox); `base` points at channel 0 of pixel (0, 0).
template <bool kMax, int kVectors>
inline void pool_channels(const Geometry& g, const float* base, int64_t C, int64_t oy, int64_t ox, float* dst) {
    const Window& win = g.win;
    const Axis ay = g.y(oy), ax = g.x(ox);
    float32x4_t acc[kVectors];
    for (int v = 0; v < kVectors; ++v) acc[v] = init4<kMax>();
    for (int ky = ay.in.begin; ky < ay.in.end; ++ky) {
        const int64_t iy = oy * win.sh - win.pt + int64_t{ky} * win.dh;
        for (int kx = ax.in.begin; kx < ax.in.end; ++kx) {
            const int64_t ix = ox * win.sw - win.pl + int64_t{kx} * win.dw;
            const float* p = base + (iy * g.w + ix) * C;
            for (int v = 0; v < kVectors; ++v) acc[v] = reduce4<kMax>(acc[v], vld1q_f32(p + 4 * v));
        }
    }
    for (int v = 0; v < kVectors; ++v) vst1q_f32(dst + 4 * v, finish4<kMax>(acc[v], ay.divisor * ax.divisor));
}

class PoolNeon final : public Kernel {
public:
    explicit PoolNeon(const NodeSpec& spec) : spec_(spec), g_(geometry_of(spec)) {}

    void run(const KernelArgs& args) override {
        const float* x = static_cast<const float*>(args.inputs[0]);
        float* y = static_cast<float*>(args.output);
        if (spec_.output.layout == Layout::NHWC) {
            if (g_.max) run_nhwc<true>(x, y, args);
            else run_nhwc<false>(x, y, args);
        } else if (spec_.op == Op::GlobalAveragePool) {
            run_global_nchw(x, y, args);
        } else {
            switch ((g_.max ? 3 : 0) + (g_.win.sw <= 2 ? g_.win.sw : 0)) {
                case 0: run_nchw<false, 0>(x, y, args); break;
                case 1: run_nchw<false, 1>(x, y, args); break;
                case 2: run_nchw<false, 2>(x, y, args); break;
                case 3: run_nchw<true, 0>(x, y, args); break;
                case 4: run_nchw<true, 1>(x, y, args); break;
                default: run_nchw<true, 2>(x, y, args); break;
            }
        }
    }

private:
    template <bool kMax, int kStride>
    void run_nchw(const float* x, float* y, const KernelArgs& args) const {
        const TensorDesc& out = spec_.output;
        const int64_t OH = out.h(), OW = out.w(), plane = g_.h * g_.w;
        args.pool->parallel_for(out.n() * out.c(), args.threads, [&](int64_t begin, int64_t end) {
            for (int64_t p = begin; p < end; ++p) pool_plane<kMax, kStride>(g_, x + p * plane, y + p * OH * OW, OH, OW);
        });
    }

    void run_global_nchw(const float* x, float* y, const KernelArgs& args) const {
        const int64_t plane = g_.h * g_.w;
        args.pool->parallel_for(spec_.output.n() * spec_.output.c(), args.threads, [&](int64_t begin, int64_t end) {
            for (int64_t p = begin; p < end; ++p) {
                const float* src = x + p * plane;
                float32x4_t acc = vdupq_n_f32(0.0f);
                int64_t i = 0;
                for (; i + 4 <= plane; i += 4) acc = vaddq_f32(acc, vld1q_f32(src + i));
                float sum = vaddvq_f32(acc);
                for (; i < plane; ++i) sum += src[i];
                y[p] = sum / static_cast<float>(plane);
            }
        });
    }

    // Work items are (output point, block of up to kChunk channels), so a global pool over many channels
    // still spreads over the threads.
    template <bool kMax>
    void run_nhwc(const float* x, float* y, const KernelArgs& args) const {
        constexpr int64_t kChunk = 64;
        const TensorDesc& out = spec_.output;
        const int64_t C = out.c(), OH = out.h(), OW = out.w(), chunks = (C + kChunk - 1) / kChunk;
        args.pool->parallel_for(out.n() * OH * OW * chunks, args.threads, [&](int64_t begin, int64_t end) {
            for (int64_t item = begin; item < end; ++item) {
                const int64_t point = item / chunks, c_end = std::min(C, (item % chunks + 1) * kChunk);
                const int64_t n = point / (OH * OW), oy = point / OW % OH, ox = point % OW;
                const float* base = x + n * g_.h * g_.w * C;
                float* dst = y + point * C;
                int64_t c = item % chunks * kChunk;
                for (; c + 16 <= c_end; c += 16) pool_channels<kMax, 4>(g_, base + c, C, oy, ox, dst + c);
                for (; c + 4 <= c_end; c += 4) pool_channels<kMax, 1>(g_, base + c, C, oy, ox, dst + c);
                for (; c < c_end; ++c) dst[c] = pool_point(g_, base + c, g_.w * C, C, oy, ox);
            }
        });
    }

    NodeSpec spec_;
    Geometry g_;
};

const RegisterPrimitive kMaxPool(make_impl<PoolNeon>("neon", Op::MaxPool));
const RegisterPrimitive kAveragePool(make_impl<PoolNeon>("neon", Op::AveragePool));
const RegisterPrimitive kGlobalAveragePool(make_impl<PoolNeon>("neon", Op::GlobalAveragePool));

}  // namespace
}  // namespace dsx
