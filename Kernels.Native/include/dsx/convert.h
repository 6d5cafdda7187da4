#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "dsx/tensor.h"
#include "dsx/threadpool.h"

namespace dsx {

// Saturates a rounded value to int8. NaN (from NaN data) maps to -128: converting NaN to an integer is undefined.
// Written as comparisons, not std::clamp (which passes NaN through), so loops still vectorise to max/min.
inline int8_t saturate_int8(float v) {
    v = v > -128.0f ? v : -128.0f;
    v = v < 127.0f ? v : 127.0f;
    return static_cast<int8_t>(static_cast<int32_t>(v));
}

inline int8_t quantize(float x, const Quant& q) { return saturate_int8(std::nearbyint(x / q.scale) + static_cast<float>(q.zero_point)); }

inline float dequantize(int8_t v, const Quant& q) { return q.scale * static_cast<float>(v - q.zero_point); }

// Quantisation parameters covering [lo, hi] (always including 0, so zero padding is exact).
Quant choose_quant(float lo, float hi);

// Offset of logical element (n, c, h, w) in a rank-4 tensor stored in `d.layout`.
int64_t offset_of(const TensorDesc& d, int64_t n, int64_t c, int64_t h, int64_t w);

// Rewrites `src` (described by `from`) as `to`: same logical shape, any layout and precision.
// Channel padding of NCHW8c is written as zero. Specialised loops per layout/precision pair; bit-identical
// to convert_ref.
void convert(const TensorDesc& from, const void* src, const TensorDesc& to, void* dst, ThreadPool& pool, int threads);

// The per-element definition of `convert` (one offset and precision branch per element): the reference
// the fast loops are tested against.
void convert_ref(const TensorDesc& from, const void* src, const TensorDesc& to, void* dst, ThreadPool& pool, int threads);

}  // namespace dsx
