// The int8 scheme shared by our quantised kernels: weights symmetric per output channel, activations
// asymmetric per tensor, int32 accumulation, float requantisation to the output's scale/zero point.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dsx/kernel.h"
#include "dsx/neon.h"

namespace dsx::int8 {

// Weights are quantised to [-127, 127] and activations lie in [-128, 127], so one product is at most
// 127 * 128 = 16256 in magnitude, two fit int16 (32512), and K products fit int32 while K <= kMaxK.
constexpr int64_t kMaxK = INT32_MAX / (127 * 128);

inline int64_t round_up(int64_t x, int64_t m) { return (x + m - 1) / m * m; }

// "" when a reduction of length k fits int32, else why `primitive` refuses it.
std::string check_k(const char* primitive, int64_t k);

// One layer's weights as `rows` output channels of `k` values each (OIHW conv or (M, K) FC), quantised
// per row, with the per-row affine map from the int32 dot product sum_k wq * xq to the output's domain:
//   y_q = clamp(round(dot * mult + offset), lo, hi)
// where offset folds the int32 bias and the input zero point: (bias_q - zp_in * sum_k wq) * mult + zp_out.
struct QuantizedWeights {
    int64_t rows = 0, k = 0;
    std::vector<int8_t> q;       // rows x k
    std::vector<float> scale;    // s_w per row: max |w_row| / 127
    std::vector<int32_t> bias;   // round(b / (s_in * s_w)) per row (0 without bias)
    std::vector<float> mult;     // s_in * s_w / s_out
    std::vector<float> offset;
    float lo = -128.0f, hi = 127.0f;  // the epilogue clamp in the output's quantised domain (integers)

    size_t bytes() const { return q.size() + rows * (sizeof(float) * 3 + sizeof(int32_t)); }
};

// Quantises spec.weight (rows x k) against spec.inputs[0].quant and spec.output.quant.
QuantizedWeights quantize_weights(const NodeSpec& spec, int64_t rows, int64_t k);

// Requantises four int32 dot products of row `r` (clamped, rounded to nearest even; exact in int32).
inline int32x4_t requantize(int32x4_t dot, const QuantizedWeights& w, int64_t r) {
    float32x4_t v = vmlaq_n_f32(vdupq_n_f32(w.offset[r]), vcvtq_f32_s32(dot), w.mult[r]);
    v = vminq_f32(vmaxq_f32(v, vdupq_n_f32(w.lo)), vdupq_n_f32(w.hi));
    return vcvtq_s32_f32(vrndnq_f32(v));
}

// Narrows eight requantised values (already within [-128, 127]) to int8.
inline int8x8_t narrow(int32x4_t lo, int32x4_t hi) { return vmovn_s16(vcombine_s16(vmovn_s32(lo), vmovn_s32(hi))); }

}  // namespace dsx::int8
