// Our int8 GEMM on ARMv8.0 NEON (no dot-product instructions): C = requantise(A * B), A the packed
// quantised weights, B int8 activations packed panel by panel by the caller.
//
// Packed form of both operands, in steps of kKC = 16 along K (K zero-padded to a multiple of 16):
//   A: per group, panels of kMR rows; step s of a panel holds row i's k = 16s..16s+15 at 16 * i.
//   B: panels of kNR columns; step s holds column j's k = 16s..16s+15 at 16 * j (kp * kNR bytes a panel).
// The micro-kernel multiplies 16 k of a row and a column with vmull_s8 + vmlal_high_s8 (two products per
// int16 lane, in range because weights are within [-127, 127]) and widens with vpadalq_s16 into int32.
#pragma once

#include <cstdint>

#include "dsx/tensor.h"
#include "quant.h"

namespace dsx::int8 {

constexpr int kMR = 4, kNR = 4, kKC = 16;

class Int8Gemm {
public:
    // `w` holds groups * m rows; group g is rows [g * m, (g + 1) * m).
    Int8Gemm(QuantizedWeights w, int64_t groups);

    int64_t m() const { return m_; }
    int64_t kp() const { return kp_; }
    int64_t row_panels() const { return row_panels_; }
    size_t weight_bytes() const { return packed_.size() + w_.bytes(); }
    size_t b_panel_bytes() const { return static_cast<size_t>(kp_ * kNR); }

    // Rows [kMR * rp, kMR * rp + kMR) of group g (those below m) times one packed B panel of `ncols`
    // columns; element (i, j) of the tile goes to c[i * row_stride + j * col_stride], c pointing at the
    // group's row 0, the panel's column 0.
    void tile(int64_t g, int64_t rp, const int8_t* b, int ncols, int8_t* c, int64_t row_stride, int64_t col_stride) const;

private:
    QuantizedWeights w_;
    int64_t m_, k_, kp_, row_panels_;
    Buffer packed_;
};

// Packs `ncols` columns into one B panel; column j is k contiguous bytes at x + j * ld.
void pack_b_columns(const int8_t* x, int64_t ld, int ncols, int64_t k, int64_t kp, int8_t* panel);

}  // namespace dsx::int8
