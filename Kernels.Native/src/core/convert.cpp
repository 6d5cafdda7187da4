#include "dsx/convert.h"

#include <cstring>
#include <stdexcept>

namespace dsx {

Quant choose_quant(float lo, float hi) {
    lo = std::min(lo, 0.0f);
    hi = std::max(hi, 0.0f);
    Quant q;
    q.scale = (hi - lo) / 255.0f;
    if (!(q.scale > 0.0f) || !std::isfinite(q.scale)) q.scale = 1.0f;
    q.zero_point = static_cast<int32_t>(std::clamp(std::nearbyint(-128.0f - lo / q.scale), -128.0f, 127.0f));
    return q;
}

int64_t offset_of(const TensorDesc& d, int64_t n, int64_t c, int64_t h, int64_t w) {
    const int64_t C = d.c(), H = d.h(), W = d.w();
    switch (d.layout) {
        case Layout::NHWC: return ((n * H + h) * W + w) * C + c;
        case Layout::NCHW8c: {
            const int64_t cb = (C + kBlock - 1) / kBlock;
            return (((n * cb + c / kBlock) * H + h) * W + w) * kBlock + c % kBlock;
        }
        case Layout::NCHW: break;
    }
    return ((n * C + c) * H + h) * W + w;
}

namespace {

// Reads element `i` of the source as float, writes element `o` of the destination from float.
struct Reader {
    const TensorDesc& d;
    const void* p;
    float operator()(int64_t i) const {
        return d.precision == Precision::FP32 ? static_cast<const float*>(p)[i] : dequantize(static_cast<const int8_t*>(p)[i], d.quant);
    }
};

struct Writer {
    const TensorDesc& d;
    void* p;
    void operator()(int64_t o, float v) const {
        if (d.precision == Precision::FP32) static_cast<float*>(p)[o] = v;
        else static_cast<int8_t*>(p)[o] = quantize(v, d.quant);
    }
};

// Checks the shapes agree; copies and returns true when the two forms are the same in memory.
bool copied_as_is(const TensorDesc& from, const void* src, const TensorDesc& to, void* dst) {
    if (from.dims != to.dims) throw std::invalid_argument("convert: shapes differ: " + from.str() + " vs " + to.str());
    if (!from.same_form(to)) return false;
    std::memcpy(dst, src, from.bytes());
    return true;
}

}  // namespace

void convert_ref(const TensorDesc& from, const void* src, const TensorDesc& to, void* dst, ThreadPool& pool, int threads) {
    if (copied_as_is(from, src, to, dst)) return;
    Reader read{from, src};
    Writer write{to, dst};
    const bool plain = from.rank() != 4 || (from.layout == to.layout);
    if (plain) {
        // Only the precision changes; a rank-4 NCHW8c pair keeps its zero padding (quantised zero is exact).
        const int64_t total = from.stored_elements();
        pool.parallel_for(total, threads, [&](int64_t b, int64_t e) {
            for (int64_t i = b; i < e; ++i) write(i, read(i));
        });
        return;
    }
    if (to.layout == Layout::NCHW8c) std::memset(dst, 0, to.bytes());
    const int64_t N = from.n(), C = from.c(), H = from.h(), W = from.w();
    pool.parallel_for(N * H, threads, [&](int64_t b, int64_t e) {
        for (int64_t nh = b; nh < e; ++nh) {
            const int64_t n = nh / H, h = nh % H;
            if (to.layout == Layout::NHWC) {  // destination-contiguous inner loop over c
                for (int64_t w = 0; w < W; ++w)
                    for (int64_t c = 0; c < C; ++c) write(offset_of(to, n, c, h, w), read(offset_of(from, n, c, h, w)));
            } else {
                for (int64_t c = 0; c < C; ++c)
                    for (int64_t w = 0; w < W; ++w) write(offset_of(to, n, c, h, w), read(offset_of(from, n, c, h, w)));
            }
        }
    });
}

namespace {

// Round to nearest, ties to even, without a libm call so the loop vectorises: adding 1.5 * 2^23 pushes the
// fraction out of the mantissa. Exact for |v| < 2^22; beyond that the result is still far outside
// [-128 - 127, 127 + 128], so the clamp in Quantise gives what std::nearbyint would.
inline float round_even(float v) {
    constexpr float kMagic = 12582912.0f;  // 1.5 * 2^23
    return (v + kMagic) - kMagic;
}

// Element conversions. Each repeats the arithmetic of quantize/dequantize exactly (same division, same
// order), so results are bit-identical to convert_ref.
struct Quantise {
    float scale, zero_point;
    explicit Quantise(const Quant& q) : scale(q.scale), zero_point(static_cast<float>(q.zero_point)) {}
    int8_t operator()(float x) const {
        return saturate_int8(round_even(x / scale) + zero_point);
    }
};

struct Dequantise {
    float scale;
    int32_t zero_point;
    explicit Dequantise(const Quant& q) : scale(q.scale), zero_point(q.zero_point) {}
    float operator()(int8_t v) const { return scale * static_cast<float>(v - zero_point); }
};

struct Requantise {
    Dequantise from;
    Quantise to;
    int8_t operator()(int8_t v) const { return to(from(v)); }
};

template <class T>
struct Same {
    T operator()(T v) const { return v; }
};

// Where one channel group of a rank-4 tensor lives: element (c0 + k, p) of image n is at
// base + k * c_stride + p * p_stride, for k within a group of kBlock channels aligned to kBlock (inside
// such a group every layout is affine in k and in the flat spatial index p).
struct Strides {
    int64_t image, group, c_stride, p_stride;
};

Strides strides_of(const TensorDesc& d) {
    const int64_t C = d.c(), P = d.h() * d.w();
    switch (d.layout) {
        case Layout::NHWC: return {P * C, kBlock, 1, C};
        case Layout::NCHW8c: return {(C + kBlock - 1) / kBlock * kBlock * P, kBlock * P, 1, kBlock};
        case Layout::NCHW: break;
    }
    return {C * P, kBlock * P, P, 1};
}

constexpr int64_t kTile = 256;  // spatial positions per tile: 8 channels x 256 x 4 B stays in L1 on both sides

// Arguments by value (not read through the closure) so int8 stores cannot alias them and the loop vectorises.
template <class S, class D, class F>
void convert_run(const S* src, D* dst, int64_t count, F f) {
    for (int64_t i = 0; i < count; ++i) dst[i] = f(src[i]);
}

// Writes K staged channel runs of `count` positions as channel-contiguous groups `d_p` apart, zeroing the
// group's lanes past K when the destination is padded NCHW8c.
template <int K, class D>
void interleave(const D (*staged)[kTile], D* d, int64_t d_p, int64_t count, bool pad) {
    for (int64_t p = 0; p < count; ++p) {
        D* dp = d + p * d_p;
        for (int k = 0; k < K; ++k) dp[k] = staged[k][p];
        if (pad)
            for (int k = K; k < kBlock; ++k) dp[k] = D{};
    }
}

// Strides come in as values, not through a reference, so int8 stores cannot alias them and the loops vectorise.
template <class S, class D, class F>
void transpose_tile(const S* s, int64_t s_c, int64_t s_p, D* d, int64_t d_c, int64_t d_p, int64_t channels, bool pad, int64_t p0,
                    int64_t p1, F f) {
    if (d_c == 1 && s_p == 1) {  // NCHW to channel-contiguous: convert source runs (vectorised), then move
        D staged[kBlock][kTile];
        for (int64_t k = 0; k < channels; ++k) convert_run(s + k * s_c + p0, staged[k], p1 - p0, f);
        switch (channels) {  // a compile-time channel count unrolls the interleave (conv1's input has 3)
            case 1: interleave<1>(staged, d + p0 * d_p, d_p, p1 - p0, pad); break;
            case 2: interleave<2>(staged, d + p0 * d_p, d_p, p1 - p0, pad); break;
            case 3: interleave<3>(staged, d + p0 * d_p, d_p, p1 - p0, pad); break;
            case 4: interleave<4>(staged, d + p0 * d_p, d_p, p1 - p0, pad); break;
            case 5: interleave<5>(staged, d + p0 * d_p, d_p, p1 - p0, pad); break;
            case 6: interleave<6>(staged, d + p0 * d_p, d_p, p1 - p0, pad); break;
            case 7: interleave<7>(staged, d + p0 * d_p, d_p, p1 - p0, pad); break;
            default: interleave<kBlock>(staged, d + p0 * d_p, d_p, p1 - p0, pad); break;
        }
    } else if (d_c == 1) {  // channel-contiguous on both sides: write runs of channels
        for (int64_t p = p0; p < p1; ++p) {
            const S* sp = s + p * s_p;
            D* dp = d + p * d_p;
            for (int64_t k = 0; k < channels; ++k) dp[k] = f(sp[k * s_c]);
            if (pad)
                for (int64_t k = channels; k < kBlock; ++k) dp[k] = D{};
        }
    } else {  // destination NCHW: write runs of positions
        for (int64_t k = 0; k < channels; ++k) {
            const S* sk = s + k * s_c;
            D* dk = d + k * d_c;
            if (s_p == 1)
                for (int64_t p = p0; p < p1; ++p) dk[p] = f(sk[p]);
            else
                for (int64_t p = p0; p < p1; ++p) dk[p] = f(sk[p * s_p]);
        }
    }
}

template <class S, class D, class F>
void convert_typed(const TensorDesc& from, const void* src_v, const TensorDesc& to, void* dst_v, ThreadPool& pool, int threads, F f) {
    const S* src = static_cast<const S*>(src_v);
    D* dst = static_cast<D*>(dst_v);
    if (from.rank() != 4 || from.layout == to.layout) {
        // Same layout: only the precision changes (NCHW8c keeps its zero padding; quantised zero is exact).
        pool.parallel_for(from.stored_elements(), threads, [=](int64_t b, int64_t e) { convert_run(src + b, dst + b, e - b, f); });
        return;
    }
    const Strides ss = strides_of(from), ds = strides_of(to);
    const int64_t N = from.n(), C = from.c(), P = from.h() * from.w();
    const int64_t groups = (C + kBlock - 1) / kBlock, tiles = (P + kTile - 1) / kTile;
    const bool pad_dst = to.layout == Layout::NCHW8c;
    pool.parallel_for(N * groups * tiles, threads, [=](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) {
            const int64_t t = i % tiles, g = i / tiles % groups, n = i / tiles / groups;
            const int64_t channels = std::min<int64_t>(kBlock, C - g * kBlock);
            const int64_t p0 = t * kTile, p1 = std::min(P, p0 + kTile);
            transpose_tile(src + n * ss.image + g * ss.group, ss.c_stride, ss.p_stride, dst + n * ds.image + g * ds.group, ds.c_stride,
                           ds.p_stride, channels, pad_dst && channels < kBlock, p0, p1, f);
        }
    });
}

}  // namespace

void convert(const TensorDesc& from, const void* src, const TensorDesc& to, void* dst, ThreadPool& pool, int threads) {
    if (copied_as_is(from, src, to, dst)) return;
    const bool in8 = from.precision == Precision::INT8, out8 = to.precision == Precision::INT8;
    if (!in8 && !out8) convert_typed<float, float>(from, src, to, dst, pool, threads, Same<float>{});
    else if (!in8) convert_typed<float, int8_t>(from, src, to, dst, pool, threads, Quantise(to.quant));
    else if (!out8) convert_typed<int8_t, float>(from, src, to, dst, pool, threads, Dequantise(from.quant));
    else if (from.quant.scale == to.quant.scale && from.quant.zero_point == to.quant.zero_point)
        convert_typed<int8_t, int8_t>(from, src, to, dst, pool, threads, Same<int8_t>{});
    else convert_typed<int8_t, int8_t>(from, src, to, dst, pool, threads, Requantise{Dequantise(from.quant), Quantise(to.quant)});
}

}  // namespace dsx
