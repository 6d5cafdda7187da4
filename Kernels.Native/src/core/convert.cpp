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

}  // namespace

void convert(const TensorDesc& from, const void* src, const TensorDesc& to, void* dst, ThreadPool& pool, int threads) {
    if (from.dims != to.dims) throw std::invalid_argument("convert: shapes differ: " + from.str() + " vs " + to.str());
    if (from.same_form(to)) {
        std::memcpy(dst, src, from.bytes());
        return;
    }
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

}  // namespace dsx
