#include "gemm.h"

#include <algorithm>
#include <cstring>

namespace dsx::int8 {

Int8Gemm::Int8Gemm(QuantizedWeights w, int64_t groups)
    : w_(std::move(w)), m_(w_.rows / groups), k_(w_.k), kp_(round_up(w_.k, kKC)), row_panels_((m_ + kMR - 1) / kMR),
      packed_(static_cast<size_t>(groups * row_panels_ * kMR * kp_)) {
    int8_t* dst = packed_.as<int8_t>();  // Buffer is zeroed: padding rows and k stay 0
    for (int64_t g = 0; g < groups; ++g)
        for (int64_t rp = 0; rp < row_panels_; ++rp, dst += kMR * kp_)
            for (int64_t i = 0; i < kMR && rp * kMR + i < m_; ++i) {
                const int8_t* src = w_.q.data() + (g * m_ + rp * kMR + i) * k_;
                for (int64_t kk = 0; kk < k_; ++kk) dst[kk / kKC * (kMR * kKC) + i * kKC + kk % kKC] = src[kk];
            }
    w_.q = {};  // the packed copy is all tile() reads
}

void pack_b_columns(const int8_t* x, int64_t ld, int ncols, int64_t k, int64_t kp, int8_t* panel) {
    for (int j = 0; j < ncols; ++j) {
        const int8_t* src = x + j * ld;
        for (int64_t s = 0; s < kp / kKC; ++s) {
            int8_t* dst = panel + s * (kNR * kKC) + j * kKC;
            const int64_t n = std::clamp<int64_t>(k - s * kKC, 0, kKC);
            std::memcpy(dst, src + s * kKC, static_cast<size_t>(n));
            std::memset(dst + n, 0, static_cast<size_t>(kKC - n));
        }
    }
}

namespace {

// Lane j of rows[i] = sum over all k of A row i times B column j (columns >= NR are 0).
template <int NR>
void dot_tile(const int8_t* a, const int8_t* b, int64_t steps, int32x4_t rows[kMR]) {
    int32x4_t acc[kMR][NR];
    for (auto& r : acc)
        for (auto& v : r) v = vdupq_n_s32(0);
    for (int64_t s = 0; s < steps; ++s, a += kMR * kKC, b += kNR * kKC) {
        int8x16_t av[kMR], bv[NR];
        for (int j = 0; j < NR; ++j) bv[j] = vld1q_s8(b + j * kKC);
        for (int i = 0; i < kMR; ++i) {
            av[i] = vld1q_s8(a + i * kKC);
            for (int j = 0; j < NR; ++j) {
                // smull + smlal2: no register moves for the high halves.
                int16x8_t p = vmull_s8(vget_low_s8(av[i]), vget_low_s8(bv[j]));
                p = vmlal_high_s8(p, av[i], bv[j]);
                acc[i][j] = vpadalq_s16(acc[i][j], p);
            }
        }
    }
    for (int i = 0; i < kMR; ++i) {
        int32x4_t t[kNR];
        for (int j = 0; j < kNR; ++j) t[j] = j < NR ? acc[i][j] : vdupq_n_s32(0);
        rows[i] = vpaddq_s32(vpaddq_s32(t[0], t[1]), vpaddq_s32(t[2], t[3]));
    }
}

}  // namespace

void Int8Gemm::tile(int64_t g, int64_t rp, const int8_t* b, int ncols, int8_t* c, int64_t row_stride, int64_t col_stride) const {
    const int8_t* a = packed_.as<int8_t>() + (g * row_panels_ + rp) * kMR * kp_;
    const int64_t steps = kp_ / kKC;
    int32x4_t rows[kMR];
    switch (ncols) {
        case 1: dot_tile<1>(a, b, steps, rows); break;
        case 2: dot_tile<2>(a, b, steps, rows); break;
        case 3: dot_tile<3>(a, b, steps, rows); break;
        default: dot_tile<4>(a, b, steps, rows); break;
    }
    const int64_t row0 = rp * kMR;
    for (int64_t i = 0; i < kMR && row0 + i < m_; ++i) {
        const int64_t r = g * m_ + row0 + i;
        int8_t q[8];
        vst1_s8(q, narrow(requantize(rows[i], w_, r), vdupq_n_s32(0)));
        int8_t* dst = c + (row0 + i) * row_stride;
        for (int j = 0; j < ncols; ++j) dst[j * col_stride] = q[j];
    }
}

}  // namespace dsx::int8
